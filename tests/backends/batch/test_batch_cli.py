"""`assessc score --engine batch`: the same ranking and output files as the interpreter;
exit 1 with the reason when the batch engine cannot score a policy exactly."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

pytest.importorskip("numpy")
from click.testing import CliRunner

from assessc.cli import main

ROOT = Path(__file__).resolve().parents[3]
POLICIES = ROOT / "policies"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("name, facts", [("guangxi_2017", "csv"), ("zhonglou_2020", "json"), ("hubei_2017", "json")])
def test_batch_ranking_and_output_files_match_the_interpreter(tmp_path, name, facts):
    policy, facts_path = POLICIES / f"{name}.assess", POLICIES / f"{name}.facts.{facts}"
    batch = run("score", policy, facts_path, "--engine", "batch", "-o", tmp_path / "batch.csv")
    interp = run("score", policy, facts_path, "--engine", "interp", "-o", tmp_path / "interp.csv")
    assert batch.exit_code == 0 and interp.exit_code == 0, batch.output
    assert batch.stdout == interp.stdout
    assert (tmp_path / "batch.csv").read_bytes() == (tmp_path / "interp.csv").read_bytes()
    as_json = json.loads(run("score", policy, facts_path, "--engine", "batch", "--format", "json").stdout)
    interp_json = json.loads(run("score", policy, facts_path, "--engine", "interp", "--format", "json").stdout)
    assert (as_json.pop("engine"), interp_json.pop("engine")) == ("batch", "interp")
    assert as_json == interp_json


def test_json_output_file_matches(tmp_path):
    policy, facts = POLICIES / "guangxi_2017.assess", POLICIES / "guangxi_2017.facts.csv"
    assert run("score", policy, facts, "--engine", "batch", "-o", tmp_path / "b.json").exit_code == 0
    assert run("score", policy, facts, "--engine", "interp", "-o", tmp_path / "i.json").exit_code == 0
    batch = (tmp_path / "b.json").read_text(encoding="utf-8")
    interp = (tmp_path / "i.json").read_text(encoding="utf-8")
    assert batch == interp.replace('"engine": "interp"', '"engine": "batch"')


def test_a_policy_the_batch_engine_cannot_score_exactly_exits_1_with_the_reason():
    result = run("score", POLICIES / "liangshan_2017.assess", POLICIES / "liangshan_2017.facts.json", "--engine", "batch")
    assert result.exit_code == 1
    assert "liangshan_2017.assess:" in result.stderr and "not exact" in result.stderr
    assert "--engine interp" in result.stderr and result.stdout == ""


def test_bad_facts_exit_1_with_diagnostics(tmp_path):
    bad = tmp_path / "bad.csv"
    text = (POLICIES / "guangxi_2017.facts.csv").read_text(encoding="utf-8").replace("98.5", "x98", 1)
    bad.write_text(text, encoding="utf-8")
    result = run("score", POLICIES / "guangxi_2017.assess", bad, "--engine", "batch")
    assert result.exit_code == 1
    assert "entity `南宁`: fact `exam_participation_rate` is `x98`, not a percentage" in result.stderr


def test_progress_bar_on_request(tmp_path):
    result = run("score", POLICIES / "guangxi_2017.assess", POLICIES / "guangxi_2017.facts.csv", "--engine", "batch",
                 "--progress", "-o", tmp_path / "out.csv")
    assert result.exit_code == 0
    assert "scoring" in result.stderr and "100%" in result.stderr


def test_parquet_input_scores_as_csv(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import csv

    import pyarrow.parquet as pq

    with open(POLICIES / "guangxi_2017.facts.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    columns = {key: [row[key] for row in rows] for key in rows[0]}
    columns["stability_rank"] = [int(v) for v in columns["stability_rank"]]
    columns["supervision_summary"] = [v == "yes" for v in columns["supervision_summary"]]
    columns["exam_pass_rate"] = [float(v.rstrip("%")) for v in columns["exam_pass_rate"]]
    pq.write_table(pa.table(columns), tmp_path / "facts.parquet")
    from_parquet = run("score", POLICIES / "guangxi_2017.assess", tmp_path / "facts.parquet", "--engine", "batch")
    from_csv = run("score", POLICIES / "guangxi_2017.assess", POLICIES / "guangxi_2017.facts.csv", "--engine", "interp")
    assert from_parquet.exit_code == 0, from_parquet.output
    assert from_parquet.stdout == from_csv.stdout


def test_large_runs_print_the_top_of_the_ranking(tmp_path):
    lines = (POLICIES / "guangxi_2017.facts.csv").read_text(encoding="utf-8").splitlines()
    body = [line.split(",", 1)[1] for line in lines[1:]]
    many = [lines[0]] + [f"c{k},{body[k % len(body)]}" for k in range(300)]
    facts = tmp_path / "many.csv"
    facts.write_text("\n".join(many) + "\n", encoding="utf-8")
    result = run("score", POLICIES / "guangxi_2017.assess", facts, "--engine", "batch", "-o", tmp_path / "out.csv")
    assert result.exit_code == 0
    assert "200 more rows" in result.stdout and "-o FILE.csv" in result.stdout
    written = (tmp_path / "out.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(written) == 301
    # a tie is a group id and a size, never a list of the others, however large the group
    rows = list(csv.DictReader(written))
    assert max(int(r["tie_size"]) for r in rows) > 50
    assert all(r["tie_group"] == r["rank"] for r in rows if int(r["tie_size"]) > 1)


PARITY_POLICY = """
facts {
  n: count "数量"
  rate: percent "比率"
  on: date "报送日期" default 2017-12-29
}

policy demo "演示" {
  entity city "设区市"
  max 10
  item 1 "数量" max 5 {
    add 1 per n
  }
  item 2 "比率" max 5 {
    add 5 if rate >= 90%
    deduct 1 if on > 2017-12-29
  }
}
"""

PARITY_ROWS = [["2017年度考核表", "", "", "", ""], ["序号", " 设区市", "数\n量", "比率", "报送日期"],
               ["1", "南宁", "1", "95%", "2017/12/28"], ["2", "柳州", "2", "８０", ""], ["3", "桂林", "3", "90", "2018/1/2"]]


@pytest.mark.parametrize("name, encoding, delimiter", [
    ("f.csv", "utf-8-sig", ","), ("f.csv", "gbk", ","), ("f.txt", "utf-16", "\t"), ("f.tsv", "gb18030", "\t")])
def test_batch_reads_every_text_file_as_the_fact_loader_does(tmp_path, name, encoding, delimiter):
    import csv

    policy = tmp_path / "demo.assess"
    policy.write_text(PARITY_POLICY, encoding="utf-8")
    path = tmp_path / name
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\r\n").writerows(PARITY_ROWS)
    interp = run("score", policy, path, "-v")
    batch = run("score", policy, path, "-v", "--engine", "batch")
    assert interp.exit_code == 0 and batch.exit_code == 0, interp.output + batch.output
    engine_line = re.compile(r"^assessc: engine: .*\n", re.M)  # says which engine ran: the one difference
    assert batch.stdout == interp.stdout
    assert engine_line.sub("", batch.stderr) == engine_line.sub("", interp.stderr)
    assert [line.split() for line in interp.stdout.splitlines()[-3:]] == [["1", "桂林", "7"], ["2", "南宁", "6"],
                                                                           ["3", "柳州", "2"]]
