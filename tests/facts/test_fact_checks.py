"""The policy's `require` checks, tried by the facts loader on every entity (D0613)."""

from __future__ import annotations

import json

from assessc.diagnostics import DiagnosticBag
from assessc.dsl.source import SourceFile
from assessc.facts.load import load_facts

POLICY = '''facts {
  done: count "办结件数"
  total: count "受理件数"
  explained: bool "已说明原因" default false
  rate: percent "满意率"
  require done <= total "办结件数不得多于受理件数"
  require rate >= 50% or explained "满意率低于50%须说明原因"
}

policy p "t" {
  item 1 "办结" max 5 {
    add 5 if done == total
  }
  item 2 "满意" max 5 {
    add 5 if rate >= 90%
  }
}
'''


def _policy(tmp_path):
    from assessc.api import load_policy

    path = tmp_path / "p.assess"
    path.write_text(POLICY, encoding="utf-8")
    return load_policy(path)


def _load(tmp_path, entities):
    policy = _policy(tmp_path)
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(entities, ensure_ascii=False), encoding="utf-8")
    bag = DiagnosticBag()
    facts = load_facts(path, policy.ir.facts, bag, checks=policy.ir.fact_checks)
    return facts, bag


def test_every_entity_failing_a_check_is_named_with_the_message_and_the_values_read(tmp_path):
    facts, bag = _load(tmp_path, [
        {"id": "甲", "done": 5, "total": 5, "rate": "95%"},
        {"id": "乙", "done": 7, "total": 5, "rate": "40%"},
        {"id": "丙", "done": 3, "total": 5, "rate": "40%", "explained": True},
    ])
    assert facts is None
    messages = [d.message for d in bag.sorted()]
    assert [d.code.code for d in bag.sorted()] == ["D0613", "D0613"]
    assert "entity `乙`: 办结件数不得多于受理件数 (`done <= total` does not hold: done = 7, total = 5)" in messages
    assert ("entity `乙`: 满意率低于50%须说明原因 (`rate >= 50% or explained` does not hold: rate = 0.4, "
            "explained = false)" in messages)


def test_a_value_already_refused_is_not_checked_again(tmp_path):
    facts, bag = _load(tmp_path, [{"id": "甲", "done": "many", "total": 5, "rate": "95%"}])
    assert facts is None
    assert [d.code.code for d in bag.sorted()] == ["D0603"]


def test_entities_passing_every_check_load(tmp_path):
    facts, bag = _load(tmp_path, [{"id": "甲", "done": 5, "total": 5, "rate": "95%"}])
    assert facts is not None and not bag.has_errors
