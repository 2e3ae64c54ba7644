"""Regressions: the meaning of a table lookup in every engine, and what `explain` shows."""

from __future__ import annotations

import datetime
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


def test_an_outcome_condition_with_a_lookup_without_a_row_is_d0609_not_an_internal_error(tmp_path):
    """A lookup without a row in an outcome's condition ended `assessc score` in an internal error."""
    from click.testing import CliRunner

    from assessc.cli import main

    policy = tmp_path / "p.assess"
    policy.write_text("""
facts {
  points: decimal 0..100 "考评得分"
  grade: enum { 优秀, 合格, 不合格 }
}
policy p "outcomes" {
  item 1 "目标任务" max 100 { add points }
  outcomes {
    flag "low" if lookup grade { 优秀: 1  合格: 2 } > 1
  }
}
""", encoding="utf-8")
    facts = tmp_path / "f.csv"
    facts.write_text("id,points,grade\n甲,90,优秀\n乙,80,不合格\n", encoding="utf-8")
    for command in (["score"], ["report", "ranking"]):
        result = CliRunner().invoke(main, [*command, str(policy), str(facts)])
        assert result.exit_code == 1, result.output
        assert "internal error" not in result.output
        assert ("D0609 entity `乙`: outcome `flag \"low\"`: `不合格` has no row in the table, which has 优秀, 合格 "
                "and no `else` row") in result.output
    bag = DiagnosticBag()
    lint(load_policy(policy).ir, bag)
    assert [d.code.code for d in bag] == ["W0520"]


# ---- 2. every number that went into a rule is on its line -------------------------------------

EXPLAINED = """
facts {
  reports: count "报送篇数"
  adopted: count "录用篇数"
  routine: count "常规信息条数"
  problem: count "困难问题类信息条数"
  category: enum { 市州, 直管市 } "类别"
  missing_docs: count "未出台的配套文件数"
  stability_rank: rank 1..14 "排名"
  rate: percent "参考率"
  announced: date "公告日期"
  filed: date "备案日期"
  summary: bool "形成总结"
}

table quarterly_quota { 市州: 24  直管市: 18 }

policy p "explained" {
  item 1 "信息" max 4 { add min(0.5 * reports + 2 * adopted, 4) }
  item 2 "基准分" max 60 { add 60 if routine + 2 * problem >= lookup category quarterly_quota }
  item 3 "备案" max 5 {
    start 5
    deduct 2 per max(0, workdays(announced, filed) - 15)
    until zero
  }
  item 4 "配套文件" max 1 { start 1  deduct 0.5 per missing_docs  until zero }
  item 5 "排名" max 2 { add lookup stability_rank { 1..4: 2  5..8: 1.5  9..12: 1  13..14: 0.5 } }
  item 6 "参考率" max 0.5 {
    start 0.5
    zero if rate < 95%
  }
  item 7 "总结" max 1 { add 1 if summary }
}
"""

FACTS = {"reports": Decimal(5), "adopted": Decimal(2), "routine": Decimal(20), "problem": Decimal(3),
         "category": "市州", "missing_docs": Decimal(2), "stability_rank": Decimal(10), "rate": Decimal("0.985"),
         "announced": datetime.date(2017, 9, 20), "filed": datetime.date(2017, 10, 20), "summary": False}


@pytest.fixture
def explained(tmp_path):
    path = tmp_path / "p.assess"
    path.write_text(EXPLAINED, encoding="utf-8")
    return load_policy(path)


def _details(result) -> dict:
    """Each term's line by the term's id, each `zero if` line by its item's id."""
    return {line.source_id: line.detail for score in result.nodes.values() for line in score.lines
            if line.kind in ("term", "zero")}


def test_a_min_shows_its_operands_and_the_value_before_the_cap(explained):
    """`explain` showed `= 4` for `add min(…, 4)`, not the 6.5 points it capped nor the facts read."""
    details = _details(explained.score_values("某市", FACTS))
    assert details["1/1"] == "min(6.5, 4) = 4; reports = 5, adopted = 2"


def test_a_condition_that_holds_shows_the_values_it_compared(explained):
    """`explain` showed `= 60` for a quota met, not the 26 pieces counted against the quota of 24."""
    details = _details(explained.score_values("某市", FACTS))
    assert details["2/1"] == ("60; condition holds: 26 >= 24 is true; quarterly_quota: category = 市州 → 24; "
                              "routine = 20, problem = 3")
    missed = _details(explained.score_values("某市", {**FACTS, "problem": Decimal(1)}))
    assert missed["2/1"] == ("condition does not hold: 22 >= 24 is false → 0; quarterly_quota: category = 市州 → 24; "
                             "routine = 20, problem = 1")


def test_working_days_show_the_two_dates_and_the_days_counted(explained):
    """`explain` showed `= 2 × 3` for a late filing, not the 18 working days counted between the two dates."""
    details = _details(explained.score_values("某市", FACTS))
    assert details["3/1"] == ("2 × 3; max(0, 3) = 3; workdays(2017-09-20, 2017-10-20) = 18; "
                              "announced = 2017-09-20, filed = 2017-10-20")


def test_facts_lookup_keys_and_zero_conditions_show_their_values(explained):
    """`explain` showed `0.5 × 2` without the fact it read, a lookup's row without its key's name, and
    nothing of a `zero if` that did not hold."""
    details = _details(explained.score_values("某市", FACTS))
    assert details["4/1"] == "0.5 × 2; missing_docs = 2"
    assert details["5/1"] == "stability_rank = 10 in 9..12 → 1"
    assert details["6"] == "condition does not hold: 0.985 < 0.95 is false; rate = 0.985"
    assert details["7/1"] == "condition does not hold: summary is false → 0"
    zeroed = _details(explained.score_values("某市", {**FACTS, "rate": Decimal("0.9")}))
    assert zeroed["6"] == "condition holds: 0.9 < 0.95 is true → item scores 0; rate = 0.9"


def test_the_generated_module_words_every_line_as_the_interpreter(explained):
    """The generated Python module's explanation is derived from the same description as the interpreter's."""
    from assessc.backends.pygen import generate

    module = types.ModuleType("scorer")
    exec(compile(generate(explained.graph).source, "<scorer>", "exec"), module.__dict__)
    for facts in (FACTS, {**FACTS, "problem": Decimal(1), "rate": Decimal("0.9"), "summary": True}):
        expected = explained.score_values("某市", facts)
        lines = module.score(facts, entity="某市").explain()
        for node_id, score in expected.nodes.items():
            assert [(line.kind, line.amount, line.detail) for line in lines[node_id]] == \
                   [(line.kind, line.amount, line.detail) for line in score.lines], node_id
