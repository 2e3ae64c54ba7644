"""Regressions in the standard output formats (SARIF, JUnit XML, the test summary), the
`check`, `compile` and `test` commands, and SQL names."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from assessc.cli import main

ROOT = Path(__file__).resolve().parents[2]
POLICY = 'facts {\n  n: count\n}\n\npolicy p "t" {\n  item 1 "a" max 1 {\n    add 1 if n > 0\n  }\n}\n'


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result


def sarif(*files: str) -> dict:
    return json.loads(run("check", "--format", "sarif", *files).stdout)


# ---- SARIF ---------------------------------------------------------------------------------


def test_sarif_help_uri_is_absolute_not_a_relative_docs_path(monkeypatch):
    """SARIF: every `rules[].helpUri` is a relative path (SARIF requires an absolute URI)."""
    monkeypatch.delenv("ASSESSC_DOCS_URL", raising=False)
    driver = sarif("policies/guangxi_2017.assess")["runs"][0]["tool"]["driver"]
    docs = (ROOT / "docs").as_uri() + "/"
    assert driver["informationUri"] == docs + "README.md"
    assert all(rule["helpUri"].startswith(docs + "diagnostics.md#") for rule in driver["rules"])
    monkeypatch.setenv("ASSESSC_DOCS_URL", "https://example.org/assess/docs")
    driver = sarif("policies/guangxi_2017.assess")["runs"][0]["tool"]["driver"]
    rule = next(r for r in driver["rules"] if r["id"] == "W0501")
    assert rule["helpUri"] == "https://example.org/assess/docs/diagnostics.md#w0501-max-mismatch"
    monkeypatch.setenv("ASSESSC_DOCS_URL", "docs/")
    refused = run("check", "--format", "sarif", "policies/guangxi_2017.assess")
    assert refused.exit_code == 2 and "ASSESSC_DOCS_URL must be an absolute" in refused.stderr


def test_sarif_rules_have_a_full_description():
    """SARIF: rules have no `fullDescription` (GitHub code scanning requires it)."""
    rules = sarif("policies/guangxi_2017.assess")["runs"][0]["tool"]["driver"]["rules"]
    for rule in rules:
        assert rule["fullDescription"]["text"] and len(rule["fullDescription"]["text"]) <= 1024
        assert rule["fullDescription"]["text"] != rule["shortDescription"]["text"]
    e0204 = next(r for r in rules if r["id"] == "E0204")
    assert "a policy file given to `assessc` (or imported) does not exist" in e0204["fullDescription"]["text"]


def test_sarif_file_that_is_missing_or_holds_no_policy_has_a_location(tmp_path, monkeypatch):
    """SARIF: results without `locations` for E0204/E0207."""
    monkeypatch.chdir(tmp_path)
    Path("module.assess").write_text("facts {\n  n: count\n}\n", encoding="utf-8")
    results = sarif("missing.assess", "module.assess")["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["E0204", "E0207"]
    for result, uri in zip(results, ["missing.assess", "module.assess"]):
        (location,) = result["locations"]
        assert location["physicalLocation"]["artifactLocation"] == {"uri": uri, "uriBaseId": "%SRCROOT%"}
        assert location["physicalLocation"]["region"]["startLine"] == 1
        assert result["partialFingerprints"]["primaryLocationLineHash"]


def test_sarif_file_above_the_source_root_is_an_absolute_file_uri(tmp_path, monkeypatch):
    """SARIF: a file given as `../x.assess` gets a `%SRCROOT%`-relative URI that escapes the root."""
    (tmp_path / "x.assess").write_text(POLICY.replace("if n > 0", "if m > 0"), encoding="utf-8")
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    log = sarif("../x.assess")
    artifact = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": (tmp_path / "x.assess").resolve().as_uri()}
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == (tmp_path / "work").resolve().as_uri() + "/"


# ---- check, compile ------------------------------------------------------------------------


def test_check_accepts_a_folder_and_checks_files_without_a_policy_as_modules(tmp_path, monkeypatch):
    """`check DIR` is refused while `test DIR` works."""
    monkeypatch.chdir(tmp_path)
    Path("rules/lib").mkdir(parents=True)
    Path("rules/lib/common.assess").write_text("facts {\n  n: count 5..1\n}\n", encoding="utf-8")
    Path("rules/a.assess").write_text('import "./lib/common.assess"\n\n' + POLICY.split("}\n\n", 1)[1], encoding="utf-8")
    Path("rules/b.assess").write_text(POLICY, encoding="utf-8")
    result = run("check", "--format", "json", "rules")
    found = [(d["code"], d["file"]) for d in json.loads(result.stdout)["diagnostics"]]
    # the module's own error once, though `a` imports it; no E0207 for the module
    assert found == [("E0303", os.path.join("rules", "lib", "common.assess"))]
    assert result.exit_code == 1
    Path("rules/lib/common.assess").write_text("facts {\n  n: count 0..5\n}\n", encoding="utf-8")
    clean = run("check", "rules")
    assert clean.exit_code == 0 and "ok: 3 files checked, no findings" in clean.stderr
    named = run("check", "rules/lib/common.assess")  # a file named on the command line must hold a policy
    assert named.exit_code == 1 and "E0207" in named.stderr
    Path("nothing").mkdir()
    empty = run("check", "nothing")
    assert empty.exit_code == 1 and "E0204 no policy files (*.assess) under `nothing`" in empty.stderr


def test_compiled_python_module_does_not_embed_the_absolute_path_typed(tmp_path, monkeypatch):
    """`compile --target python` embeds the absolute path typed on the command line into the generated module."""
    folder = tmp_path / "builder" / "secret"
    (folder / "lib").mkdir(parents=True)
    (folder / "lib" / "shared.assess").write_text("facts {\n  n: count\n}\n", encoding="utf-8")
    policy = folder / "p.assess"
    policy.write_text('import "./lib/shared.assess"\nimport deductions\n\n' + POLICY.split("}\n\n", 1)[1]
                      .replace("add 1 if n > 0", "add 1 if n > 0\n    use per_occurrence_until_zero(points: 1, "
                               "per_case: 0.5, cases: n)"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "scorer.py"
    result = run("compile", str(policy), "--target", "python", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert str(tmp_path) not in text and "builder" not in text and "site-packages" not in text
    namespace: dict = {}
    exec(compile(text, str(out), "exec"), namespace)  # noqa: S102 - the module just generated
    assert namespace["SOURCE"] == "p.assess"
    files = {place[0] for place in namespace["LINE_MAP"].values()}
    assert files == {"p.assess", "lib/shared.assess", "<stdlib>/deductions.assess"}
    assert namespace["score"]({"n": 1}).explain()


# ---- SQL names -----------------------------------------------------------------------------


def test_sql_fact_names_that_differ_only_in_case_are_refused_with_a_located_error(tmp_path):
    """SQL identifiers: DuckDB ignores case, so `rate`/`Rate` compile (exit 0) to SQL that fails."""
    policy = tmp_path / "p.assess"
    policy.write_text(POLICY.replace("  n: count\n", "  rate: percent\n  Rate: percent\n")
                      .replace("add 1 if n > 0", "add 1 if rate > Rate"), encoding="utf-8")
    out = tmp_path / "scores.sql"
    result = run("compile", str(policy), "--target", "sql", "-o", str(out))
    assert result.exit_code == 1 and not out.exists()
    assert f"{policy}:3:3: E0410 fact `Rate` and fact `rate` would be one column of the facts table" in result.stderr
    assert "= note: " in result.stderr and "fact `rate` is here" in result.stderr
    checks = run("compile", str(policy), "--target", "sql", "--checks", "-o", str(out))
    assert checks.exit_code == 1 and "E0410" in checks.stderr


def test_sql_name_longer_than_postgres_keeps_is_refused_with_a_located_error(tmp_path):
    """SQL identifiers: PostgreSQL truncates identifiers at 63 bytes, so long Chinese fact names compile to SQL that fails."""
    long = "法治政府建设示范创建工作年度完成情况汇总表"  # 21 characters: 63 bytes, kept whole
    policy = tmp_path / "p.assess"
    text = 'facts {{\n  {0}: count\n}}\n\npolicy p "t" {{\n  item 1 "a" max 9 {{\n    add 1 per {0}\n  }}\n}}\n'
    policy.write_text(text.format(long + "甲"), encoding="utf-8")
    out = tmp_path / "scores.sql"
    result = run("compile", str(policy), "--target", "sql", "-o", str(out))
    assert result.exit_code == 1 and not out.exists()
    assert f"E0411 fact `{long}甲` is 66 bytes long in UTF-8" in result.stderr
    policy.write_text(text.format(long), encoding="utf-8")
    assert run("compile", str(policy), "--target", "sql", "-o", str(out)).exit_code == 0


def test_check_given_a_name_no_file_can_have_reports_it_instead_of_an_internal_error(tmp_path):
    """`check` learned to take folders, and a file name longer than the system allows then ended in
    `internal error: OSError` while telling folders from files."""
    result = CliRunner().invoke(main, ["check", str(tmp_path / ("a" * 300 + ".assess"))])
    assert result.exit_code == 1 and "E0204" in result.output and "internal error" not in result.output
