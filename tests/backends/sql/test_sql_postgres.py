"""The SQL backend's PostgreSQL dialect, run by a throwaway PostgreSQL server.

The cluster (see ``conftest.py``) is started once for the session; the tests
are skipped with the reason when the server binaries or psycopg are absent.
PostgreSQL has no ROUND that the query relies on: every rounding mode is the
explicit formula, so the ties below check it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

pytest.importorskip("sqlglot", reason="the SQL backend builds its queries with sqlglot")
pytest.importorskip("duckdb", reason="shares its fixtures with the DuckDB tests")

from hypothesis import Phase, given, reject  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import sql_harness as H  # noqa: E402
from assessc.backends import sql as S  # noqa: E402
from fact_strategies import entity_values  # noqa: E402
from policy_strategies import GeneratedPolicy, policies  # noqa: E402
from test_sql_duckdb import (BUNDLED, ERRORS, MODES, TIE_POLICY, _nasty_entities, _nasty_policy, _settings,  # noqa: E402
                             bundled, compile_text, has_inexact_quotient, tie_entities)


def check(postgres, policy, entities) -> list:
    rows, columns = H.score_postgres(postgres, policy.graph, entities)
    assert columns == S.output_columns(policy.graph)
    return H.compare(policy.graph, H.expected(policy, entities), rows, columns)


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_policy_scores_exactly_as_the_interpreter_on_postgres(postgres, name):
    policy, facts = bundled(name)
    run = policy.score_facts(facts)
    rows, columns = H.score_postgres(postgres, policy.graph, [(e.id, e.values) for e in facts.entities])
    assert len(rows) == len(facts.entities)
    assert H.compare(policy.graph, {r.entity: r for r in run.results}, rows, columns) == []


@pytest.mark.parametrize("scope", ["each", "total"])
@pytest.mark.parametrize("mode", MODES)
def test_rounding_ties_in_every_mode_on_postgres(postgres, mode, scope):
    policy = compile_text(TIE_POLICY.format(mode=mode, scope=scope))
    assert check(postgres, policy, tie_entities()) == []


def test_errors_are_null_on_postgres(postgres):
    policy = compile_text(ERRORS)
    ok = {"category": "市州", "reports": Decimal(30), "d": Decimal(4), "a": datetime.date(2017, 9, 20),
          "b": datetime.date(2017, 10, 20)}
    entities = [("ok", ok), ("no-row", {**ok, "category": "其他"}), ("zero", {**ok, "d": Decimal(0)}),
                ("uncovered", {**ok, "b": datetime.date(2030, 1, 5)})]
    assert check(postgres, policy, entities) == []
    rows, columns = H.score_postgres(postgres, policy.graph, entities)
    assert [row[columns.index("total")] is None for row in rows] == [False, True, True, True]


def test_strings_with_quotes_and_controls_stay_literals_on_postgres(postgres):
    policy = compile_text(_nasty_policy())
    entities = _nasty_entities(policy)
    assert check(postgres, policy, entities) == []


def test_random_policies_score_exactly_as_the_interpreter_on_postgres(postgres):
    @_settings(20, phases=(Phase.explicit, Phase.generate))
    @given(policies(), st.data())
    def run(generated: GeneratedPolicy, data):
        try:
            policy = compile_text(generated.text)
        except AssertionError:
            reject()
        values = data.draw(st.lists(entity_values(policy.ir.facts), min_size=3, max_size=5), label="entities")
        wrong = check(postgres, policy, [(f"e{k}", v) for k, v in enumerate(values)])
        if has_inexact_quotient(policy.ir):
            wrong = [w for w in wrong if len(w) < 4 or w[2] is None or w[3] is None
                     or abs(Decimal(w[3]) - w[2]) > Decimal("1e-15")]
        assert wrong == [], f"{wrong[:4]}\n---- policy ----\n{generated.text}"

    run()
