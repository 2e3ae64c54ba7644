"""The generated scorer of every bundled policy gives exactly the interpreter's results.

For each policy in ``policies/``: every node's value, the vetoes, the items
that do not apply, completion and every explanation line, on the bundled
facts (through the facts loader, and as the text cells of the CSV file) and
on random valid facts (derandomized Hypothesis); and the fast path takes all
of them.
"""

from __future__ import annotations

import csv
import functools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from pygen_support import POLICIES, ROOT, applicable_values, differences, load_policy, scorer_for  # isort: skip
from fact_strategies import entity_values  # isort: skip  (tests/properties, put on the path by pygen_support)

NAMES = sorted(p.stem for p in POLICIES.glob("*.assess"))


@functools.lru_cache(maxsize=None)
def compiled(name: str):
    path = POLICIES / f"{name}.assess" if name != "forms" else ROOT / "tests" / "backends" / "pygen" / "forms.assess"
    policy = load_policy(path)
    return policy, scorer_for(policy)


def facts_file(name: str):
    return next(POLICIES.glob(f"{name}.facts.*"))


@pytest.mark.parametrize("name", NAMES)
def test_bundled_facts_score_exactly_as_the_interpreter(name):
    policy, module = compiled(name)
    facts = policy.load_facts(facts_file(name))
    for entity in facts.entities:
        assert differences(policy, module, entity.id, dict(entity.values)) == [], entity.id


@pytest.mark.parametrize("name", [*NAMES, pytest.param("forms", marks=pytest.mark.slow)])
def test_random_facts_score_exactly_as_the_interpreter(name):
    policy, module = compiled(name)

    @settings(max_examples=25 if name != "forms" else 120, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(entity_values(policy.ir.facts))
    def check(values):
        values = applicable_values(policy, values)
        assert differences(policy, module, "随机", values, lines=name in ("forms", "guangxi_2017")) == []

    check()


def test_csv_cells_are_read_as_the_facts_loader_reads_them():
    policy, module = compiled("guangxi_2017")
    path = facts_file("guangxi_2017")
    run = policy.score_file(path)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    results = module.score_rows(rows)
    assert [r.entity for r in results] == [r.entity for r in run.results]
    for mine, theirs in zip(results, run.results):
        assert mine.total == theirs.total
        assert mine.values == {node_id: score.value for node_id, score in theirs.nodes.items()}


def test_json_ledgers_in_text_form_are_read_as_the_facts_loader_reads_them():
    """hubei's ledger entries as JSON gives them: labels and aliases for members, nulls for defaults."""
    import json

    policy, module = compiled("hubei_2017")
    path = facts_file("hubei_2017")
    run = policy.score_file(path)
    rows = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal, parse_int=Decimal)
    results = module.score_rows(rows)
    assert [(r.entity, r.total) for r in results] == [(r.entity, r.total) for r in run.results]


def test_explanation_text_is_the_cli_explanation():
    from assessc.reports.explain import explain_text

    policy, module = compiled("guangxi_2017")
    facts = policy.load_facts(facts_file("guangxi_2017"))
    entity = facts.entities[1]
    mine = module.score(dict(entity.values), entity=entity.id).explain_text()
    assert mine == explain_text(policy.score_facts(facts).result(entity.id), policy.ir.title)
