"""`assessc score --engine batch`: the same ranking and output files as the interpreter;
exit 1 with the reason when the batch engine cannot score a policy exactly."""

from __future__ import annotations

from pathlib import Path

import json
import csv
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
