"""Ledger facts read from a separate CSV table of entries."""

from __future__ import annotations

from decimal import Decimal as D

import pytest


@pytest.fixture
def bonus(decl):
    return decl(
        "bonus",
        "ledger",
        label="特殊情况加分",
        fields=(
            decl("kind", "enum", members=(("award", "获奖"), ("pilot", "试点")), label="类别"),
            decl("reason", "text"),
            decl("points", "amount", low="0", high="2", default=D(1)),
        ),
    )


MAIN = "id,n\n南宁,1\n柳州,2\n桂林,3\n"


def test_entries_per_entity_in_input_order(load, decl, write, bonus, check_no_floats):
    table = write("bonus.csv", "id,类别,reason,points\n柳州,获奖,全国先进,2\n南宁,pilot,试点,\n柳州,award,省级先进,0.5\n")
    loaded = load("main.csv", MAIN, [decl("n", "count"), bonus], tables={"bonus": table})
    assert loaded.diagnostics == []
    assert [dict(e) for e in loaded.value("柳州", "bonus")] == [
        {"kind": "award", "reason": "全国先进", "points": D(2)},
        {"kind": "award", "reason": "省级先进", "points": D("0.5")},
    ]
    assert [dict(e) for e in loaded.value("南宁", "bonus")] == [{"kind": "pilot", "reason": "试点", "points": D(1)}]
    assert loaded.value("桂林", "bonus") == ()
    check_no_floats(loaded.value("柳州", "bonus"))


def test_entry_for_an_unknown_entity(load, decl, write, bonus):
    table = write("bonus.csv", "id,kind,reason\n柳州,award,a\n柳洲,award,b\n柳洲,award,c\n")
    loaded = load("main.csv", MAIN, [decl("n", "count"), bonus], tables={"bonus": str(table)})
    assert loaded.facts is None
    problem = loaded.only("D0607")
    assert problem.message == "ledger `bonus` has 2 rows for entity `柳洲`, which is not in the facts"
    assert problem.help == "did you mean `柳州`?"
    assert problem.span.path == str(table)
    assert (problem.span.line, problem.span.column) == (3, 1)


def test_bad_entry_fields(load, decl, write, bonus):
    table = write("bonus.csv", "id,kind,reason,points\n柳州,奖励,a,1\n柳州,award,,3\n,award,c,1\n")
    loaded = load("main.csv", MAIN, [decl("n", "count"), bonus], tables={"bonus": table})
    assert loaded.messages == [
        "entity `柳州`: `bonus` entry 1, field `kind` is `奖励`, not one of its values",
        "entity `柳州`: `bonus` entry 2, field `reason` is blank",
        "entity `柳州`: `bonus` entry 2, field `points` is `3`, outside its range",
        "row 4 has no entity id",
    ]
    assert [d.span.line for d in loaded.diagnostics] == [2, 3, 3, 4]


def test_missing_field_column(load, decl, write, bonus):
    table = write("bonus.csv", "id,kind,reasons\n柳州,award,a\n")
    loaded = load("main.csv", MAIN, [decl("n", "count"), bonus], tables={"bonus": table})
    problem = loaded.only("D0602")
    assert problem.message == "ledger `bonus`: no column for field `reason`"
    assert "did you mean `reasons`?" in problem.help
    assert loaded.only("D0608").message == "column `reasons` names no field of ledger `bonus`; it is ignored"


def test_ledger_table_without_id_column(load, decl, write, bonus):
    table = write("bonus.csv", "city,kind,reason\n柳州,award,a\n")
    loaded = load("main.csv", MAIN, [decl("n", "count"), bonus], tables={"bonus": table})
    problem = loaded.only("D0601")
    assert problem.message.startswith("ledger `bonus`: `") and problem.message.endswith("bonus.csv` has no id column")


def test_csv_without_a_ledger_table(load, decl, bonus):
    loaded = load("main.csv", MAIN, [decl("n", "count"), bonus])
    problem = loaded.only("D0602")
    assert problem.message == "no table of entries for ledger `bonus`"
    assert "one row per entry: an `id` column and the columns `kind`, `reason`, `points`" in problem.help


def test_ledger_with_a_default_needs_no_table(load, decl):
    awards = decl("awards", "ledger", fields=(decl("reason", "text"),), default=())
    loaded = load("main.csv", MAIN, [decl("n", "count"), awards])
    assert loaded.value("南宁", "awards") == ()


def test_table_for_a_fact_that_is_no_ledger(load, decl, write):
    table = write("x.csv", "id,a\n")
    loaded = load("main.csv", MAIN, [decl("n", "count")], tables={"n": table})
    assert loaded.facts is not None
    assert loaded.only("D0608").message == "a table is given for `n`, which is not a ledger fact; it is ignored"


def test_ledger_column_in_the_main_table_is_ignored_with_a_warning(load, decl, write, bonus):
    table = write("bonus.csv", "id,kind,reason\n")
    loaded = load("main.csv", "id,n,bonus\n南宁,1,x\n", [decl("n", "count"), bonus], tables={"bonus": table})
    warning = loaded.only("D0608")
    assert warning.message.startswith("column `bonus` is a ledger")
    assert loaded.value("南宁", "bonus") == ()


def test_json_facts_with_a_csv_ledger_table(load, decl, write, bonus):
    table = write("bonus.csv", "id,kind,reason\n南宁,award,a\n")
    loaded = load("main.json", '[{"id": "南宁", "n": 1}, {"id": "柳州", "n": 2}]', [decl("n", "count"), bonus],
                  tables={"bonus": table})
    assert loaded.diagnostics == []
    assert [dict(e) for e in loaded.value("南宁", "bonus")] == [{"kind": "award", "reason": "a", "points": D(1)}]
    assert loaded.value("柳州", "bonus") == ()


def test_ledger_table_from_a_json_file(load, decl, write, bonus):
    table = write("bonus.json", '[{"id": "柳州", "kind": "试点", "reason": "r", "points": 2}]')
    loaded = load("main.csv", MAIN, [decl("n", "count"), bonus], tables={"bonus": table})
    assert loaded.diagnostics == []
    assert [dict(e) for e in loaded.value("柳州", "bonus")] == [{"kind": "pilot", "reason": "r", "points": D(2)}]
