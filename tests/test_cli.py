"""End-to-end tests of the assessc command line (click's runner, in process)."""

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from assessc.cli import main

POLICY = """
facts {
  missing_docs: count "未出台的配套文件数"
  rank: rank 1..14 "社会稳定动态排名"
  summary: bool
}

policy demo "演示" {
  entity city "设区市"
  max 4
  item 1 "配套文件" max 1 {
    lead "自治区党委办公厅"
    start 1
    deduct 0.5 per missing_docs
    until zero
  }
  item 2 "排名" max 2 {
    lead "自治区党委政法委"
    add lookup rank { 1..4: 2  5..8: 1.5  9..12: 1  13..14: 0.5 }
  }
  item 3 "总结" max 1 {
    add 1 if summary
  }
}
"""

FACTS = "id,missing_docs,rank,summary\n南宁,0,1,yes\n柳州,3,5,no\n桂林,1,14,yes\n梧州,1,9,yes\n"


@pytest.fixture
def files(tmp_path):
    policy = tmp_path / "demo.assess"
    policy.write_text(POLICY, encoding="utf-8")
    facts = tmp_path / "facts.csv"
    facts.write_text(FACTS, encoding="utf-8")
    return policy, facts


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def test_check_clean_policy_exits_0(files):
    result = run("check", files[0])
    assert result.exit_code == 0, result.output


def test_check_reports_errors_with_caret_and_exits_1(tmp_path):
    bad = tmp_path / "bad.assess"
    bad.write_text('policy p "x" {\n  item 1 "a" { add 1 if nothing }\n}\n', encoding="utf-8")
    result = run("check", bad)
    assert result.exit_code == 1
    assert f"{bad}:2:25: E0201 undefined name `nothing`" in result.output
    assert "^^^^^^^" in result.output


def test_check_json_format(tmp_path):
    bad = tmp_path / "bad.assess"
    bad.write_text('policy p "x" {\n  item 1 "a" { add 1 if nothing }\n}\n', encoding="utf-8")
    result = run("check", "--format", "json", bad)
    data = json.loads(result.stdout)
    assert result.exit_code == 1
    assert data["diagnostics"][0]["code"] == "E0201"
    assert data["diagnostics"][0]["line"] == 2


@pytest.mark.parametrize("content", [b"\xff\xfe\x00garbage", b"{{{{", b"policy", b"\x00" * 10, "政策 {".encode()])
def test_check_never_shows_a_traceback(tmp_path, content):
    path = tmp_path / "junk.assess"
    path.write_bytes(content)
    result = run("check", path)
    assert result.exit_code == 1
    assert "internal error" not in result.output


def test_check_missing_file(tmp_path):
    result = run("check", tmp_path / "nope.assess")
    assert result.exit_code == 1
    assert "does not exist" in result.output


@pytest.mark.parametrize("stage, marker", [("ast", "PolicyDecl"), ("ir", "Policy"), ("graph", "total")])
def test_emit_each_stage(files, stage, marker):
    result = run("check", "--emit", stage, files[0])
    assert result.exit_code == 0
    assert marker in result.stdout


def test_score_prints_ranking_and_writes_outputs(files, tmp_path):
    policy, facts = files
    out_csv, out_json = tmp_path / "out.csv", tmp_path / "out.json"
    result = run("score", policy, facts, "-o", out_csv)
    assert result.exit_code == 0, result.output
    # 南宁 1+2+1 = 4; 柳州 max(0, 1−1.5)=0 + 1.5 + 0 = 1.5; 桂林 0.5+0.5+1 = 2; 梧州 0.5+1+1 = 2.5
    lines = result.stdout.splitlines()
    assert any("南宁" in line and "4" in line for line in lines)
    text = out_csv.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("entity,total,rank")
    assert "柳州,1.5,4" in text
    run("score", policy, facts, "-o", out_json)
    data = json.loads(out_json.read_text(encoding="utf-8"))
    totals = {e["entity"]: Decimal(e["total"]) for e in data["entities"]}
    assert totals == {"南宁": 4, "柳州": Decimal("1.5"), "桂林": 2, "梧州": Decimal("2.5")}
    assert data["entities"][1]["nodes"]["1"] == "0"


def test_score_reports_ties_without_breaking_them(files, tmp_path):
    policy, facts = files
    facts.write_text("id,missing_docs,rank,summary\n甲,0,1,yes\n乙,0,1,yes\n丙,1,1,yes\n", encoding="utf-8")
    result = run("score", policy, facts)
    assert "tie at rank 1: 甲, 乙" in result.stdout


def test_bad_facts_exit_1_and_write_nothing(files, tmp_path):
    policy, facts = files
    facts.write_text("id,missing_docs,rank,summary\n南宁,-1,15,maybe\n南宁,0,1,yes\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = run("score", policy, facts, "-o", out)
    assert result.exit_code == 1
    assert not out.exists()
    for fragment in ("missing_docs", "rank", "summary", "南宁", "D0606"):
        assert fragment in result.output


def test_failed_output_leaves_earlier_file_untouched(files, tmp_path):
    policy, facts = files
    out = tmp_path / "out.txt"
    out.write_text("earlier", encoding="utf-8")
    result = run("score", policy, facts, "-o", out)
    assert result.exit_code == 2 and "the extension decides the format" in result.output
    assert out.read_text(encoding="utf-8") == "earlier"
    assert not list(tmp_path.glob(".out.txt.*"))


def test_explain_lines_sum_to_the_total(files):
    policy, facts = files
    result = run("explain", policy, facts, "--entity", "柳州", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for node in data["nodes"].values():
        assert sum(Decimal(line["amount"]) for line in node["lines"]) == Decimal(node["value"])
    assert data["total"] == "1.5"
    text = run("explain", policy, facts, "--entity", "柳州").stdout
    assert "deduct 0.5 per missing_docs" in text and "0.5 × 3" in text
    assert "until zero" in text and "自治区党委办公厅" in text and "demo.assess:" in text


def test_explain_unknown_entity_suggests(files):
    policy, facts = files
    result = run("explain", policy, facts, "--entity", "南 宁")
    assert result.exit_code == 1
    assert "did you mean `南宁`" in result.output


def test_render_dot(files, tmp_path):
    out = tmp_path / "demo.dot"
    result = run("render", files[0], "-o", out)
    assert result.exit_code == 0, result.output
    assert "配套文件" in out.read_text(encoding="utf-8")


def test_report_kinds_in_every_format(files, tmp_path):
    policy, facts = files
    for kind in ("ranking", "leads", "completion", "breakdown"):
        for fmt in ("text", "csv", "json"):
            result = run("report", kind, policy, facts, "--format", fmt)
            assert result.exit_code == 0, (kind, fmt, result.output)
    leads = run("report", "leads", policy, facts, "--format", "json")
    rows = json.loads(leads.stdout)["rows"]
    # 柳州: 1 − 0.5×3 → −1.5 deducted, +0.5 given back by the floor, under 自治区党委办公厅
    assert [(r["entity"], r["points"]) for r in rows if r["lead"] == "自治区党委办公厅"] == [
        ("柳州", "-1.5"), ("柳州", "0.5"), ("桂林", "-0.5"), ("梧州", "-0.5")]
    out = tmp_path / "breakdown.csv"
    assert run("report", "breakdown", policy, facts, "--format", "csv", "-o", out).exit_code == 0
    assert out.read_text(encoding="utf-8-sig").splitlines()[0] == "entity,item,title,score,max,lead,applicable,complete,missing"


def test_score_shows_awards_when_the_policy_has_outcomes(tmp_path, files):
    policy, facts = files
    text = policy.read_text(encoding="utf-8").replace(
        '  item 3 "总结" max 1 {', '  outcomes { awards "综合奖" by rank { 一等奖: 1..1  二等奖: 2..4 } }\n  item 3 "总结" max 1 {')
    policy.write_text(text, encoding="utf-8")
    result = run("score", policy, facts)
    assert result.exit_code == 0, result.output
    assert "综合奖" in result.stdout and "一等奖" in result.stdout and "二等奖" in result.stdout
