"""Grades (等次) by score, worked by hand: bands on the exact total after rounding, open and closed
ends, a grade of an item, both readings of 一票否决, outcome conditions that read the scores, and
the same grades from every engine and every output."""

import csv
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from assessc.api import load_policy
from assessc.backends.outcomes import decide
from assessc.backends.results import ScoreRun
from assessc.cli import main

POLICY = """
facts {
  points: decimal 0..100
  extra: decimal 0..5
  major_accident: bool "发生重大安全事故"
  falsified: bool "弄虚作假"
}

policy p "年度考核" {
  round total 1 places half_up
  item 1 "工作实绩" max 100 { add points }
  bonus 加分 "加分" max 5 { add extra }
  veto "发生重大安全事故,考核等次直接定为不合格" grade 不合格 if major_accident
  veto "弄虚作假,一票否决" if falsified
  outcomes {
    awards "先进" by rank { 先进: 1..2 }
    grades "考核等次" {
      优秀: 90..
      良好: 75..89.9
      合格: 60..74.9
      不合格: ..<60
    }
    grades "实绩" of 1 { 高: >80..  低: ..80 }
    demote "总分不足70分" if total() < 70
    flag "等次为优秀但实绩不足90分" if grade() == 优秀 and score(1) < 90
    flag "实绩低" if grade(1) == 低 and grade() in {合格, 不合格}
  }
}
"""

ROWS = {
    # entity: points, extra, major_accident, falsified            total → grade (by hand)
    "甲": ("88", "2", False, False),     # 90 → 优秀 (90分以上含90); 实绩 88 → 高; flagged (88 < 90)
    "乙": ("89.94", "0", False, False),  # 89.94 rounds to 89.9 → 良好, not a gap
    "丙": ("89.96", "0", False, False),  # 89.96 rounds to 90.0 → 优秀; flagged (89.96 < 90)
    "丁": ("74.95", "0", False, False),  # 75.0 (half up) → 良好; demoted? no: 75 ≥ 70
    "戊": ("59.94", "0", False, False),  # 59.9 → 不合格; demoted; 实绩 低 and 不合格 → flagged
    "己": ("95", "0", True, False),      # score stands at 95, grade fixed 不合格, vetoed, no award
    "庚": ("95", "0", False, True),      # total 0 → 不合格 (0 is in ..<60), vetoed
    "辛": ("80", "0", False, False),     # 80 → 良好; 实绩 80 → 低 (..80 includes 80)
}


def _values(points, extra, accident, falsified):
    return {"points": Decimal(points), "extra": Decimal(extra), "major_accident": accident, "falsified": falsified}


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    path = tmp_path_factory.mktemp("grades") / "p.assess"
    path.write_text(POLICY, encoding="utf-8")
    return load_policy(path)


@pytest.fixture(scope="module")
def standings(policy):
    values = {e: _values(*row) for e, row in ROWS.items()}
    run = ScoreRun("p", tuple(policy.score_values(e, v) for e, v in values.items()))
    return {s.entity: s for s in decide(policy.ir, run, values)}


def test_grades_are_read_from_the_total_after_rounding(standings):
    assert {e: (s.total, s.grade) for e, s in standings.items()} == {
        "甲": (Decimal("90"), "优秀"), "乙": (Decimal("89.9"), "良好"), "丙": (Decimal("90"), "优秀"),
        "丁": (Decimal("75"), "良好"), "戊": (Decimal("59.9"), "不合格"), "己": (Decimal("95"), "不合格"),
        "庚": (Decimal("0"), "不合格"), "辛": (Decimal("80"), "良好"),
    }


def test_an_item_grade_reads_the_item_and_open_ends_exclude_their_number(standings):
    assert standings["甲"].grades[1].grade == "高"   # 88 > 80
    assert standings["辛"].grades[1].grade == "低"   # 80 is not > 80: ..80 holds it
    assert standings["己"].grades[1].grade == "高"   # no veto changes an item's grade


def test_a_grade_veto_keeps_the_score_and_fixes_the_grade(standings):
    vetoed = standings["己"]
    assert vetoed.total == Decimal(95) and vetoed.grade == "不合格"
    assert vetoed.vetoed == ("发生重大安全事故,考核等次直接定为不合格",)
    assert vetoed.grades[0].vetoed == "发生重大安全事故,考核等次直接定为不合格"
    assert vetoed.awards[0].band is None


def test_vetoed_entities_come_last_and_are_never_tied_with_a_scored_one(standings):
    ranks = {e: s.rank for e, s in standings.items()}
    assert ranks["己"] == 7 and ranks["庚"] == 8  # after every entity not vetoed, by total
    assert not standings["己"].tied and not standings["庚"].tied
    assert ranks["甲"] == ranks["丙"] == 1 and standings["甲"].tie_size == 2  # 90 and 90.0: one total


def test_outcome_conditions_read_total_scores_and_grades(standings):
    assert standings["戊"].demotions == ("总分不足70分",)
    assert standings["丁"].demotions == ()
    assert standings["甲"].flags == ("等次为优秀但实绩不足90分",)
    assert standings["丙"].flags == ("等次为优秀但实绩不足90分",)  # graded on 90.0, item 89.96
    assert standings["乙"].flags == ()  # 良好
    assert standings["戊"].flags == ("实绩低",)


FACTS_CSV = "entity,points,extra,major_accident,falsified\n" + "".join(
    f"{e},{p},{x},{str(a).lower()},{str(f).lower()}\n" for e, (p, x, a, f) in ROWS.items())


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grades_cli")
    (folder / "p.assess").write_text(POLICY, encoding="utf-8")
    (folder / "f.csv").write_text(FACTS_CSV, encoding="utf-8")
    return folder


@pytest.mark.parametrize("engine", ["interp", "batch"])
def test_the_screen_the_csv_and_the_json_say_the_same_grades(files, engine):
    runner = CliRunner()
    policy, facts = str(files / "p.assess"), str(files / "f.csv")
    screen = runner.invoke(main, ["score", policy, facts, "--engine", engine])
    assert screen.exit_code == 0, screen.output
    out_csv, out_json = files / f"{engine}.csv", files / f"{engine}.json"
    for out in (out_csv, out_json):
        done = runner.invoke(main, ["score", policy, facts, "--engine", engine, "-o", str(out)])
        assert done.exit_code == 0, done.output
    with open(out_csv, encoding="utf-8-sig", newline="") as handle:
        by_csv = {row["entity"]: (row["考核等次"], row["实绩"]) for row in csv.DictReader(handle)}
    document = json.loads(out_json.read_text(encoding="utf-8"))
    by_json = {e["entity"]: tuple(g["grade"] for g in e["grades"]) for e in document["entities"]}
    assert by_csv == by_json
    assert by_json["己"] == ("不合格", "高") and by_json["乙"] == ("良好", "高")
    for entity, (grade, _) in by_csv.items():
        line = next(l for l in screen.output.splitlines() if f"  {entity}  " in f"  {l}  ")
        assert grade in line.split()
    assert "己: 考核等次 不合格 (vetoed: 发生重大安全事故,考核等次直接定为不合格); the total 95 stands" in screen.output
    if engine == "batch":  # the workbook: the same cells as the CSV
        openpyxl = pytest.importorskip("openpyxl")
        out_xlsx = files / "batch.xlsx"
        assert runner.invoke(main, ["score", policy, facts, "-o", str(out_xlsx)]).exit_code == 0
        sheet = openpyxl.load_workbook(out_xlsx).active
        head, *body = list(sheet.iter_rows(values_only=True))
        first, second = head.index("考核等次"), head.index("实绩")
        assert {row[0]: (row[first], row[second]) for row in body} == by_csv


def test_the_ranking_report_and_explain_say_the_grade(files):
    runner = CliRunner()
    policy, facts = str(files / "p.assess"), str(files / "f.csv")
    report = runner.invoke(main, ["report", "ranking", policy, facts, "--format", "csv"])
    assert report.exit_code == 0, report.output
    rows = {r["entity"]: r["考核等次"] for r in csv.DictReader(report.output.lstrip("\ufeff").splitlines())}
    assert rows["乙"] == "良好" and rows["庚"] == "不合格"
    explained = runner.invoke(main, ["explain", policy, facts, "--entity", "乙"])
    assert "grade 考核等次: 良好  (total 89.9 is in 75..89.9)" in explained.output
    vetoed = runner.invoke(main, ["explain", policy, facts, "--entity", "己"])
    assert "grade 考核等次: 不合格  (vetoed: 发生重大安全事故,考核等次直接定为不合格; the total 95 stands)" in vetoed.output
    assert "VETOED: 发生重大安全事故,考核等次直接定为不合格" in vetoed.output


def test_the_compiled_module_grades_as_the_interpreter(policy, standings, tmp_path):
    import importlib.util

    from assessc.backends.pygen import generate

    path = tmp_path / "graded.py"
    path.write_text(generate(policy.graph).source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("graded", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = [{"entity": e, **_values(*row)} for e, row in ROWS.items()]
    results = [module.score(row, entity=row["entity"]) for row in rows]
    mine = {s.entity: s for s in module.rank(results, rows)}
    for entity, theirs in standings.items():
        ours = mine[entity]
        assert (ours.rank, ours.total, ours.grade, ours.vetoed, ours.flags, ours.demotions) == (
            theirs.rank, theirs.total, theirs.grade, theirs.vetoed, theirs.flags, theirs.demotions), entity
        assert ours.grades == tuple((g.scheme, g.grade) for g in theirs.grades)
