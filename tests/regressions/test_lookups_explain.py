"""Regressions: the meaning of a table lookup in every engine, and what `explain` shows."""

from __future__ import annotations

import types
from decimal import Decimal

import pytest

from assessc.api import ScoringError, load_policy
from assessc.diagnostics import DiagnosticBag
from assessc.graph.bounds import analyse
from assessc.lint import run as lint

# ---- 1. one rule for a lookup without a row ----------------------------------------------------

LOOKUPS = """
facts {
  rank: rank 1..14 "排名"
  category: enum { 市州, 直管市, 省监狱局 } "类别"
  reports: count 0..100 "报送条数"
  cases: ledger {
    matter: text "事项"
    kind: enum { award "表彰", model "推广", other "其他" }
    level: enum { 省级, 州级 }
    grade: enum { 一等奖, 二等奖 }
  }
}

table rank_points { 1..4: 2  5..8: 1 }
table quota { 市州: 24  直管市: 18 }

matrix award_points {
  columns (一等奖, 二等奖)
  省级: 1.5
}

policy p "lookups" {
  item 1 "排名" max 2 { add lookup rank rank_points }
  item 2 "基准分" max 60 { add 60 if reports >= lookup category quota }
  bonus 加分 "加分" max 5 { add cases by kind { award: 1  model: 0.5 } highest per matter }
  bonus 表彰 "表彰" max 5 { add cases by level, grade award_points highest per matter }
}
"""

OK = {"rank": Decimal(3), "category": "市州", "reports": Decimal(30),
      "cases": ({"matter": "甲", "kind": "award", "level": "省级", "grade": "一等奖"},)}
NO_BAND = {**OK, "rank": Decimal(10)}  # ranks 9..14 have no band
NO_QUOTA = {**OK, "category": "省监狱局"}  # no quota row
NO_POINTS = {**OK, "cases": OK["cases"] + ({"matter": "乙", "kind": "other", "level": "省级", "grade": "二等奖"},)}
NO_CELL = {**OK, "cases": ({"matter": "甲", "kind": "award", "level": "州级", "grade": "一等奖"},)}


@pytest.fixture
def lookups(tmp_path):
    path = tmp_path / "p.assess"
    path.write_text(LOOKUPS, encoding="utf-8")
    return load_policy(path)


def _interpreter_error(policy, values) -> str:
    with pytest.raises(ScoringError) as error:
        policy.score_values("某市", values)
    (diagnostic,) = error.value.diagnostics
    assert diagnostic.code.code == "D0609"
    return diagnostic.message


def test_a_lookup_term_without_a_row_stops_scoring_as_a_lookup_inside_an_expression_does(lookups):
    """A table lookup with no matching row gave 0 as a whole `add` term and an error inside an expression."""
    assert lookups.score_values("某市", OK).total == 2 + 60 + 1 + Decimal("1.5")
    term = _interpreter_error(lookups, NO_BAND)
    assert term == ("entity `某市`: item `1/1`: `add lookup rank rank_points`: `10` has no row in table "
                    "`rank_points`, which has 1..4, 5..8 and no `else` row")
    inside = _interpreter_error(lookups, NO_QUOTA)
    assert "`省监狱局` has no row in table `quota`, which has 市州, 直管市 and no `else` row" in inside


def test_a_ledger_entry_without_a_row_or_a_cell_stops_scoring_naming_the_entry(lookups):
    """A ledger entry whose member had no row in the points table (or no cell in the matrix) scored 0."""
    assert _interpreter_error(lookups, NO_POINTS).endswith(
        "`cases` entry 2: `other` has no row in the table, which has award, model and no `else` row")
    assert _interpreter_error(lookups, NO_CELL).endswith(
        "`cases` entry 1: `州级`, `一等奖` has no cell in matrix `award_points`, which has the rows 省级 and the "
        "columns 一等奖, 二等奖")


def test_an_else_row_still_scores_what_no_row_matches(tmp_path):
    """With an `else` row the lookup gives its value, in a term and inside an expression."""
    path = tmp_path / "p.assess"
    path.write_text(LOOKUPS.replace("5..8: 1 }", "5..8: 1  else: 0.5 }").replace("直管市: 18 }", "直管市: 18  else: 40 }")
                    .replace("model: 0.5 }", "model: 0.5  else: 0 }"), encoding="utf-8")
    policy = load_policy(path)
    assert policy.score_values("某市", NO_BAND).value("1") == Decimal("0.5")
    assert policy.score_values("某市", NO_QUOTA).value("2") == 0  # 30 < 40
    assert policy.score_values("某市", NO_POINTS).value("加分") == 1


@pytest.mark.parametrize("values", [NO_BAND, NO_QUOTA, NO_POINTS, NO_CELL], ids=["band", "quota", "ledger", "matrix"])
def test_the_generated_python_module_stops_with_the_interpreters_error(lookups, values):
    """The generated Python scorer gave 0 for a lookup term without a row, on its fast and exact paths."""
    from assessc.backends.pygen import generate

    module = types.ModuleType("scorer")
    exec(compile(generate(lookups.graph).source, "<scorer>", "exec"), module.__dict__)
    assert module.score(OK, entity="某市").total == lookups.score_values("某市", OK).total
    with pytest.raises(module.ScoringError) as error:
        module.score(values, entity="某市")
    assert str(error.value) == _interpreter_error(lookups, values)


@pytest.mark.parametrize("values", [NO_BAND, NO_QUOTA, NO_POINTS, NO_CELL], ids=["band", "quota", "ledger", "matrix"])
def test_the_batch_engine_stops_with_the_interpreters_error(lookups, values):
    """The batch engine gave 0 for a lookup term, a ledger entry or a matrix pair without a row."""
    pytest.importorskip("numpy")
    from assessc.backends.batch import compile_batch

    program = compile_batch(lookups)
    run = program.score(program.columns_from_values(["ok"], [OK]))
    assert run.entity_result(0).total == lookups.score_values("ok", OK).total
    with pytest.raises(ScoringError) as error:
        program.score(program.columns_from_values(["某市"], [values]))
    assert error.value.diagnostics[0].message == _interpreter_error(lookups, values)


def test_sql_gives_null_where_the_interpreter_stops(lookups):
    """The SQL query gave 0 (a number) for a lookup term, a ledger entry or a matrix pair without a row."""
    duckdb = pytest.importorskip("duckdb")
    pytest.importorskip("sqlglot")
    from assessc.backends import sql as S

    entities = [("ok", OK), ("band", NO_BAND), ("quota", NO_QUOTA), ("ledger", NO_POINTS), ("matrix", NO_CELL),
                ("none", {**OK, "cases": ()})]
    connection = duckdb.connect()
    for statement in S.create_tables(lookups.graph, "duckdb"):
        connection.execute(statement)
    for name, rows in S.table_rows(lookups.graph, entities).items():
        if rows:
            connection.executemany(f'INSERT INTO "{name}" VALUES ({", ".join("?" * len(rows[0]))})', rows)
    cursor = connection.execute(S.to_sql(lookups.graph, "duckdb"))
    columns = [d[0] for d in cursor.description]
    got = {row[0]: dict(zip(columns, row)) for row in cursor.fetchall()}
    assert got["ok"]["total"] == lookups.score_values("ok", OK).total
    assert got["none"]["加分"] == 0 and got["none"]["total"] == 2 + 60  # no entries: 0, not an error
    assert [got[e]["total"] for e in ("band", "quota", "ledger", "matrix")] == [None] * 4
    assert got["band"]["1"] is None and got["ledger"]["加分"] is None and got["matrix"]["表彰"] is None


def test_static_bounds_leave_out_the_zero_of_a_missing_row(lookups):
    """The static bounds counted a lookup without a row as 0, a value it never gives."""
    bounds = analyse(lookups.graph)
    assert (bounds["1/1"].lo, bounds["1/1"].hi) == (1, 2)
    assert bounds.lookups["1/1"].describe_left() == "9..14"


def test_check_reports_key_values_that_no_row_matches(lookups):
    """`check` warned neither about a lookup term nor about a lookup inside an expression without a row."""
    bag = DiagnosticBag()
    lint(lookups.ir, bag)
    found = sorted(d.message for d in bag if d.code.code == "W0520")
    assert found == [
        "`category` can be 省监狱局, which no row of table `quota` matches, and the table has no `else` row",
        "`rank` can be 9..14, which no row of table `rank_points` matches, and the table has no `else` row",
        "field `kind` of `cases` can be other, which no row of the table matches, and the table has no `else` row",
    ]
    help = next(d.help for d in bag if d.code.code == "W0520")
    assert "`else: 0`" in help and "missing rows" in help


def test_the_bundled_policies_and_the_standard_library_cover_every_key(root):
    """Every lookup of the bundled rule books finds a row for every value its key can take."""
    policies = sorted((root / "policies").glob("*.assess"))
    assert len(policies) == 5
    for path in policies:
        bag = DiagnosticBag()
        policy = load_policy(path)
        lint(policy.ir, bag)
        assert [d for d in bag if d.code.code in ("W0520", "W0514")] == [], path.name
