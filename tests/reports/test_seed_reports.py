"""The issue's reports on the seed books: ranking and awards and lead units for 001,
completion by responsible unit for 002 — as text, CSV and JSON through the CLI."""

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from assessc.cli import main

POLICIES = Path(__file__).resolve().parents[2] / "policies"
LIANGSHAN = [str(POLICIES / "liangshan_2017.assess"), str(POLICIES / "liangshan_2017.facts.json")]
JINFENG = [str(POLICIES / "jinfeng_2020.assess"), str(POLICIES / "jinfeng_2020.facts.json")]


def report(*args):
    result = CliRunner().invoke(main, ["report", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_liangshan_ranking_and_awards():
    rows = {r["entity"]: r for r in json.loads(report("ranking", *LIANGSHAN, "--format", "json"))["rows"]}
    assert rows["西昌"]["rank"] == 1 and rows["西昌"]["awards"][0]["award"] == "一等奖"
    # 昭觉 ranks 3rd (一等奖 by rank) and is demoted one grade for 刑事处罚 (第七条)
    assert rows["昭觉"]["rank"] == 3 and rows["昭觉"]["awards"][0]["by_rank"] == "一等奖"
    assert rows["昭觉"]["awards"][0]["award"] == "二等奖" and rows["昭觉"]["demotions"]
    # 会理 scores 100.75, yet is placed last for severe fraud, and flagged under 第十八条
    assert rows["会理"]["rank"] == 17 and rows["会理"]["placed_last"] and rows["会理"]["flags"]
    # 布拖 and 冕宁 tie at 99.9 on rank 5, the last place of 一等奖: both get it, and it is reported
    assert rows["布拖"]["rank"] == rows["冕宁"]["rank"] == 5
    assert "straddles" in rows["布拖"]["awards"][0]["note"]
    text = report("ranking", *LIANGSHAN)
    assert "tie at rank 5: 布拖, 冕宁" in text
    table = list(csv.reader(io.StringIO(report("ranking", *LIANGSHAN, "--format", "csv").lstrip("\ufeff"))))
    assert table[0][:3] == ["entity", "total", "rank"] and len(table) == 18


def test_liangshan_deductions_by_lead_unit():
    rows = json.loads(report("leads", *LIANGSHAN, "--format", "json"))["rows"]
    leads = {r["lead"] for r in rows}
    assert {"法宣科", "基层科", "办公室", "政治部"} <= leads
    for row in rows:
        assert row["line"].startswith("liangshan_2017.assess:") and row["rule"]
    assert "deductions by lead unit" in report("leads", *LIANGSHAN)
    text = report("leads", *LIANGSHAN, "--format", "csv")
    assert text.startswith("\ufeff")  # as in a file: Excel opens it as UTF-8
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[0][0] == "lead unit"


def test_jinfeng_completion_by_responsible_unit():
    text = report("completion", *JINFENG)
    # 司法局 answers for 32 items, 9 of them incomplete (worked out in tests/policies/test_jinfeng_2020.py)
    line = next(l for l in text.splitlines() if l.startswith("司法局 "))
    assert line.split()[1:] == ["32", "23", "9"]
    rows = json.loads(report("completion", *JINFENG, "--format", "json"))["rows"]
    open_items = {r["item"] for r in rows if not r["complete"]}
    assert len(open_items) == 31 and all(r["missing"] for r in rows if not r["complete"])
