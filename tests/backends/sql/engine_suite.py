"""The cases every SQL engine besides DuckDB runs, against the interpreter.

Each takes ``score(graph, entities, sql=None) -> (rows, columns)``: the
engine's result of the generated query (or of ``sql``) over tables holding
``entities``. ``test_sql_postgres.py`` and ``test_sql_spark.py`` give theirs.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from decimal import Decimal

from hypothesis import Phase, given, reject
from hypothesis import strategies as st

import sql_harness as H
from assessc.backends import sql as S
from fact_strategies import entity_values
from policy_strategies import GeneratedPolicy, policies
from test_sql_duckdb import (ERRORS, NAMES_POLICY, TIE_POLICY, _nasty_entities, _nasty_policy, _settings, bundled,
                             compile_text, has_inexact_quotient, names_entities, tie_entities)


def check(score, policy, entities) -> list:
    rows, columns = score(policy.graph, entities)
    assert columns == S.output_columns(policy.graph)
    return H.compare(policy.graph, H.expected(policy, entities), rows, columns)


def bundled_policy(score, name: str) -> None:
    policy, facts = bundled(name)
    run = policy.score_facts(facts)
    rows, columns = score(policy.graph, [(e.id, e.values) for e in facts.entities])
    assert len(rows) == len(facts.entities)
    assert H.compare(policy.graph, {r.entity: r for r in run.results}, rows, columns) == []


def rounding_ties(score, mode: str, scope: str, places: int = 2) -> None:
    policy = compile_text(TIE_POLICY.format(mode=mode, scope=scope, places=places))
    assert check(score, policy, tie_entities()) == []


def errors_are_null(score) -> None:
    policy = compile_text(ERRORS)
    ok = {"category": "市州", "reports": Decimal(30), "d": Decimal(4), "a": datetime.date(2017, 9, 20),
          "b": datetime.date(2017, 10, 20)}
    entities = [("ok", ok), ("no-row", {**ok, "category": "其他"}), ("zero", {**ok, "d": Decimal(0)}),
                ("uncovered", {**ok, "b": datetime.date(2030, 1, 5)})]
    assert check(score, policy, entities) == []
    rows, columns = score(policy.graph, entities)
    assert [row[columns.index("total")] is None for row in rows] == [False, True, True, True]


QUOTIENT_OF_A_SUM = (Path(__file__).parent / "quotient_of_a_sum.assess").read_text(encoding="utf-8")


def quotient_of_a_sum(score) -> None:
    """A quotient whose dividend is a sum: (3 + 1) / 1.5 must be 2.666…67 to the quotient's places,
    not a float's 15 digits."""
    policy = compile_text(QUOTIENT_OF_A_SUM)
    entities = [("e1", {"papers": frozenset({"文件", "图片", "纪要"}), "cases": ({"kind": "案件"},)}),
                ("e2", {"papers": frozenset(), "cases": ()})]
    wrong = check(score, policy, entities)  # 8/3 to the 18 places SQL keeps of an inexact quotient
    assert [w[:2] for w in wrong] == [("e1", "b"), ("e1", "total"), ("e1", "total")]
    assert all(Decimal(w[3]) == Decimal("2.666666666666666667") and H.within_sql_tolerance(w[2], Decimal(w[3]))
               for w in wrong)


def strings_stay_literals(score) -> None:
    policy = compile_text(_nasty_policy())
    assert check(score, policy, _nasty_entities(policy)) == []


def names_at_the_limits(score) -> None:
    policy = compile_text(NAMES_POLICY)
    assert check(score, policy, names_entities()) == []


def random_policies(score, examples: int) -> None:
    @_settings(examples, phases=(Phase.explicit, Phase.generate))
    @given(policies(), st.data())
    def run(generated: GeneratedPolicy, data):
        try:
            policy = compile_text(generated.text)
        except AssertionError:
            reject()
        values = data.draw(st.lists(entity_values(policy.ir.facts), min_size=3, max_size=5), label="entities")
        wrong = check(score, policy, [(f"e{k}", v) for k, v in enumerate(values)])
        if has_inexact_quotient(policy.ir):
            wrong = [w for w in wrong if len(w) < 4 or w[2] is None or w[3] is None
                     or not H.within_sql_tolerance(w[2], Decimal(w[3]))]
        assert wrong == [], f"{wrong[:4]}\n---- policy ----\n{generated.text}"

    run()
