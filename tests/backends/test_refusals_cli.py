"""A backend's refusal is a registered diagnostic (E0701–E0704), rendered by the command line
like every other one: file:line:col, code, caret and help in text; the same in JSON and SARIF.
The golden cases under tests/golden/diagnostics (`sql_*`, `python_*`, `batch_*`) pin the text of
the refusals found when compiling; these tests cover the commands, the formats, the refusals
found when scoring (E0703) and a backend that is not installed (E0704)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from assessc.cli import main
from assessc.diagnostics.codes import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "diagnostics"

SHARE = """facts {
  n: count 0..100 "件数"
}

policy share "分摊" {
  item 1 "三分之一" {
    add n / 3
  }
}
"""


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _sarif_results(text: str) -> list[dict]:
    return json.loads(text)["runs"][0]["results"]


def test_every_refusal_code_is_registered_in_the_backends_group():
    for code in ("E0701", "E0702", "E0703", "E0704"):
        assert REGISTRY[code].severity.value == "error"


@pytest.mark.parametrize("target, case, line", [("sql", "sql_where_can_fail", 10),
                                                 ("python", "python_nested_filter", 8)])
def test_compile_prints_a_form_the_target_cannot_express_as_E0701_in_every_format(tmp_path, target, case, line):
    policy = GOLDEN / f"{case}.assess"
    out = tmp_path / "out"
    text = run("compile", policy, "--target", target, "-o", out)
    assert text.exit_code == 1 and not out.exists()
    assert f"{case}.assess:{line}:" in text.stderr and " E0701 cannot compile to " in text.stderr
    assert "^^^" in text.stderr and "= help: score this policy with" in text.stderr
    assert "internal error" not in text.output
    as_json = run("compile", policy, "--target", target, "-o", out, "--format", "json")
    assert as_json.exit_code == 1
    (found,) = json.loads(as_json.stdout)["diagnostics"]
    assert found["code"] == "E0701" and found["name"] == "form-not-supported" and found["line"] == line
    as_sarif = run("compile", policy, "--target", target, "-o", out, "--format", "sarif")
    assert as_sarif.exit_code == 1
    (result,) = _sarif_results(as_sarif.stdout)
    assert result["ruleId"] == "E0701"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == line


def test_compile_to_sql_prints_constants_no_decimal_holds_as_E0702(tmp_path):
    result = run("compile", GOLDEN / "sql_constants_beyond_decimal.assess", "--target", "sql", "-o", tmp_path / "q.sql")
    assert result.exit_code == 1 and ":6:1: E0702 cannot compile to SQL: a constant of more than" in result.stderr


def test_compile_without_the_sql_backend_is_E0704(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "assessc.backends.sql", None)  # as if compiler/backends/sql/ were absent
    result = run("compile", ROOT / "policies" / "guangxi_2017.assess", "--target", "sql", "-o", tmp_path / "q.sql",
                 "--format", "json")
    assert result.exit_code == 1
    (found,) = json.loads(result.stdout)["diagnostics"]
    assert found["code"] == "E0704" and "needs the SQL backend" in found["message"] and found["file"] is None


def test_score_engine_batch_prints_a_policy_it_cannot_compute_as_E0701():
    pytest.importorskip("numpy")
    policy = GOLDEN / "batch_wide_evidence.assess"
    facts = ROOT / "policies" / "guangxi_2017.facts.csv"  # never read: the policy is refused first
    result = run("score", policy, facts, "--engine", "batch")
    assert result.exit_code == 1 and result.stdout == ""
    assert "batch_wide_evidence.assess:9:5: E0701 evidence `docs` with more than 64 items" in result.stderr


def test_score_engine_batch_prints_a_possible_overflow_as_E0702_in_text_and_json(tmp_path):
    pytest.importorskip("numpy")
    facts = tmp_path / "big.csv"
    facts.write_text("id,a,b,c\n甲,1,2,3\n", encoding="utf-8")
    policy = GOLDEN / "batch_overflow.assess"
    text = run("score", policy, facts, "--engine", "batch")
    assert text.exit_code == 1 and "batch_overflow.assess:10:5: E0702 `a * b * c` can reach" in text.stderr
    assert "   = help: declare narrower ranges" in text.stderr
    as_json = run("score", policy, facts, "--engine", "batch", "--format", "json")
    assert as_json.exit_code == 1
    (found,) = json.loads(as_json.stdout)["diagnostics"]
    assert (found["code"], found["line"], found["column"]) == ("E0702", 10, 5)
    auto = run("score", policy, facts)  # auto: no error, the interpreter scores and says why
    assert auto.exit_code == 0
    assert "assessc: engine: interp (the batch engine cannot score this policy exactly: " in auto.stderr
    assert "E0702" not in auto.stderr


def test_score_engine_batch_prints_a_quotient_not_exact_for_an_entity_as_E0703(tmp_path):
    pytest.importorskip("numpy")
    policy = tmp_path / "share.assess"
    policy.write_text(SHARE, encoding="utf-8")
    facts = tmp_path / "share.csv"
    facts.write_text("id,n\n甲,3\n乙,4\n", encoding="utf-8")
    result = run("score", policy, facts, "--engine", "batch")
    assert result.exit_code == 1
    assert "share.assess:7:5: E0703 `n / 3` is not exact at 0 decimal places for entity `乙`" in result.stderr
    assert "   = help: score this policy with the interpreter (`assessc score --engine interp`)" in result.stderr
    auto = run("score", policy, facts)
    assert auto.exit_code == 0 and "engine: interp (the batch engine cannot score these facts exactly" in auto.stderr


def test_score_engine_batch_without_numpy_is_E0704_and_auto_still_scores(tmp_path):
    block = "import sys; sys.modules['numpy'] = None; from assessc.cli import main; main()"
    args = [sys.executable, "-c", block, "score", str(ROOT / "policies" / "guangxi_2017.assess"),
            str(ROOT / "policies" / "guangxi_2017.facts.csv")]
    batch = subprocess.run(args + ["--engine", "batch"], capture_output=True, text=True, cwd=tmp_path)
    assert batch.returncode == 1, batch.stderr
    assert "<input>: E0704 the batch engine needs NumPy, which is not installed" in batch.stderr
    auto = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path)
    assert auto.returncode == 0, auto.stderr
    assert "engine: interp (the batch engine needs NumPy, which is not installed)" in auto.stderr
