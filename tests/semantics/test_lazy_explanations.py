"""Explanations are made on demand: scoring computes the numbers only, and an
entity's lines are made when its ``nodes`` are first read, by the same code
with lines on. Those lines must be exactly the ones made at once (``explain``)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from assessc.api import ScoringError, load_policy
from assessc.backends import interp, wording
from assessc.backends.results import EntityResult, LazyNodes
from assessc.reports.explain import explain_json, explain_text

POLICIES = Path(__file__).resolve().parents[2] / "policies"
SEEDS = sorted(p.stem for p in POLICIES.glob("*.assess"))


def _facts_file(name: str) -> Path:
    return next(POLICIES.glob(f"{name}.facts.*"))


def _line_records(result: EntityResult) -> list:
    """Everything a line holds, spans included (spans take no part in equality)."""
    return [(node_id, score.value, score.applicable, score.complete, score.missing,
             [(l.kind, l.source_id, l.label, repr(l.amount), l.detail, l.lead, l.span) for l in score.lines])
            for node_id, score in result.nodes.items()]


def test_all_five_seed_policies_are_here():
    assert len(SEEDS) == 5


@pytest.mark.parametrize("name", SEEDS)
def test_lazy_explanations_are_the_eager_ones(name):
    policy = load_policy(POLICIES / f"{name}.assess")
    facts = policy.load_facts(_facts_file(name))
    interpreter = interp.Interpreter(policy.graph)
    scored = {r.entity: r for r in policy.score_facts(facts).results}
    assert scored
    for entity in facts.entities:
        if entity.id not in scored:
            continue
        lazy = interpreter.score(entity.id, entity.values)
        eager = interpreter.score(entity.id, entity.values, explain=True)
        assert isinstance(lazy.nodes, LazyNodes) and not isinstance(eager.nodes, LazyNodes)
        assert repr(lazy.total) == repr(eager.total) and lazy.vetoed == eager.vetoed
        assert _line_records(lazy) == _line_records(eager)
        assert lazy == eager == scored[entity.id]
        assert explain_text(lazy, policy.ir.title) == explain_text(eager, policy.ir.title)
        assert json.dumps(explain_json(lazy), ensure_ascii=False) == json.dumps(explain_json(eager), ensure_ascii=False)


def _no_formatting(*_args, **_kwargs):
    raise AssertionError("a number was formatted, but nobody asked for an explanation")


def test_scoring_formats_no_number_until_the_lines_are_read(monkeypatch):
    name = "guangxi_2017"
    policy = load_policy(POLICIES / f"{name}.assess")
    facts = policy.load_facts(_facts_file(name))
    monkeypatch.setattr(interp, "show", _no_formatting)
    monkeypatch.setattr(wording, "_show", _no_formatting)  # the words of explanation lines
    monkeypatch.setattr(wording, "_brief", _no_formatting)
    results = policy.score_facts(facts).results  # totals only: nothing formatted
    assert results and all(isinstance(r.total, Decimal) for r in results)
    with pytest.raises(AssertionError, match="was formatted"):
        results[0].nodes["total"]  # the lines are made now, and they format numbers
    monkeypatch.undo()
    assert results[0].nodes["total"].value == results[0].total


def test_the_lines_are_made_once_and_kept():
    policy = load_policy(POLICIES / "hubei_2017.assess")
    entity = policy.load_facts(_facts_file("hubei_2017")).entities[0]
    result = policy._interpreter.score(entity.id, entity.values)
    first = result.nodes["total"]
    assert result.nodes["total"] is first


def test_an_evaluation_error_is_raised_when_scoring_not_when_explaining(tmp_path):
    path = tmp_path / "div.assess"
    path.write_text('facts { a: count  b: count }\npolicy p "t" { item 1 "i" { add a / b } }\n', encoding="utf-8")
    policy = load_policy(path)
    with pytest.raises(ScoringError, match=r"D0609.*item `1/1`.*division by zero"):
        policy.score_values("x", {"a": Decimal(1), "b": Decimal(0)})
    assert policy.score_values("x", {"a": Decimal(1), "b": Decimal(4)}).nodes["1"].value == Decimal("0.25")
