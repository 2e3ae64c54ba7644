"""Facts from JSON: accepted shapes, exact numbers, inline ledgers."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

ENTITIES = [
    {"id": "南宁", "missing_docs": 0, "stability_rank": 3, "pass_rate": 98, "summary_done": True,
     "level": "优秀", "oath_evidence": ["名单", "活动图片"]},
    {"id": "柳州", "facts": {"missing_docs": 2, "stability_rank": 14, "pass_rate": "87.5%", "summary_done": "否",
                            "level": "good", "oath_evidence": []}},
]


@pytest.mark.parametrize("document", [ENTITIES, {"entities": ENTITIES}])
def test_round_trip(load, facts, document, check_no_floats):
    loaded = load("f.json", json.dumps(document, ensure_ascii=False, indent=2), facts)
    assert loaded.diagnostics == []
    nanning = loaded.facts.get("南宁").values
    assert dict(nanning) == {
        "missing_docs": D(0),
        "stability_rank": D(3),
        "pass_rate": D("0.98"),
        "summary_done": True,
        "level": "excellent",
        "oath_evidence": frozenset({"名单", "图片"}),
    }
    liuzhou = loaded.facts.get("柳州").values
    assert liuzhou["pass_rate"] == D("0.875")
    assert liuzhou["summary_done"] is False
    assert liuzhou["oath_evidence"] == frozenset()
    for entity in loaded.facts.entities:
        check_no_floats(dict(entity.values))


def test_numbers_are_exact(load, decl):
    loaded = load("f.json", '[{"id": "a", "x": 0.1, "y": 12345678901234567890.123456789}]',
                  [decl("x", "decimal"), decl("y", "amount")])
    assert loaded.value("a", "x") == D("0.1")
    assert loaded.value("a", "y") == D("12345678901234567890.123456789")


def test_entity_spans_point_at_each_object(load, decl):
    text = '[\n  {"id": "a", "n": 1},\n\n  {"id": "b",\n   "n": 2}\n]\n'
    loaded = load("f.json", text, [decl("n", "count")])
    assert [e.span.line for e in loaded.facts.entities] == [2, 4]


def test_bad_value_points_at_its_key(load, decl):
    text = '{"entities": [\n  {"id": "a", "n": 1},\n  {"id": "b",\n   "n": 2.5}\n]}\n'
    loaded = load("f.json", text, [decl("n", "count")])
    problem = loaded.only("D0603")
    assert problem.message == "entity `b`: fact `n` is `2.5`, not a whole number"
    assert (problem.span.line, problem.span.column) == (4, 4)


def test_null_or_absent_is_missing_unless_defaulted(load, decl):
    facts = [decl("n", "count"), decl("m", "count", default=D(7))]
    loaded = load("f.json", '[{"id": "a", "n": 1}, {"id": "b", "n": null, "m": null}, {"id": "c"}]', facts)
    assert loaded.messages == ["entity `b`: fact `n` is missing", "entity `c`: fact `n` is missing"]


def test_key_absent_from_every_entity_is_one_error(load, decl):
    loaded = load("f.json", '[{"id": "a"}, {"id": "b"}, {"id": "c"}]', [decl("n", "count")])
    problem = loaded.only("D0602")
    assert problem.message == "no entity gives fact `n`"
    assert problem.help == "keys present: id"


def test_absent_key_takes_the_default(load, decl):
    loaded = load("f.json", '[{"id": "a"}]', [decl("n", "count", default=D(0))])
    assert loaded.value("a", "n") == D(0)


def test_numeric_ids_and_other_id_keys(load, decl):
    loaded = load("f.json", '[{"id": 450100, "n": 1}, {"code": "450200", "n": 2}]', [decl("n", "count")],
                  id_columns=("code",))
    assert loaded.facts.ids == ("450100", "450200")


def test_wrong_json_types(load, decl):
    facts = [decl("n", "count"), decl("ok", "bool"), decl("ev", "evidence", members=("a", "b"))]
    loaded = load("f.json", '[{"id": "x", "n": true, "ok": [1], "ev": {"a": 1}}]', facts)
    assert loaded.messages == [
        "entity `x`: fact `n` is `true`, not a whole number",
        "entity `x`: fact `ok` is `[1]`, not yes or no",
        'entity `x`: fact `ev` is `{"a": 1}`, not a list of items',
    ]


def test_unknown_key_warns_once(load, decl):
    loaded = load("f.json", '[{"id": "a", "n": 1, "nn": 1}, {"id": "b", "n": 1, "nn": 2}]', [decl("n", "count")])
    assert loaded.facts is not None
    warning = loaded.only("D0608")
    assert warning.message == "key `nn` names no declared fact; it is ignored"
    assert warning.help == "did you mean `n`?"


def test_duplicate_ids(load, decl):
    loaded = load("f.json", '[{"id": "a", "n": 1}, {"id": "a", "n": 2}]', [decl("n", "count")])
    assert loaded.only("D0606").message == "entity `a` appears twice, in object 1 and object 2"


BONUS = lambda decl: decl(  # noqa: E731
    "bonus",
    "ledger",
    fields=(
        decl("kind", "enum", members=(("award", "获奖"), ("pilot", "试点"))),
        decl("reason", "text"),
        decl("points", "decimal", default=D(1)),
    ),
)


def test_inline_ledger(load, decl, check_no_floats):
    text = json.dumps([
        {"id": "a", "bonus": [{"kind": "获奖", "reason": "全国先进"}, {"kind": "pilot", "reason": "试点", "points": 0.5}]},
        {"id": "b", "bonus": []},
    ], ensure_ascii=False)
    loaded = load("f.json", text, [BONUS(decl)])
    assert loaded.diagnostics == []
    entries = loaded.value("a", "bonus")
    assert isinstance(entries, tuple)
    assert [dict(e) for e in entries] == [
        {"kind": "award", "reason": "全国先进", "points": D(1)},
        {"kind": "pilot", "reason": "试点", "points": D("0.5")},
    ]
    assert loaded.value("b", "bonus") == ()
    check_no_floats(entries)


def test_inline_ledger_problems(load, decl):
    text = json.dumps([
        {"id": "a", "bonus": [{"kind": "x", "reason": "r"}, {"kind": "award"}]},
        {"id": "b", "bonus": "none"},
        {"id": "c"},
    ])
    loaded = load("f.json", text, [BONUS(decl)])
    assert loaded.messages == [
        "entity `b`: fact `bonus` is `none`, not a list of entries",
        "entity `c`: fact `bonus` is missing",
        "entity `a`: `bonus` entry 1, field `kind` is `x`, not one of its values",
        "entity `a`: `bonus` entry 2, field `reason` is missing",
    ]
