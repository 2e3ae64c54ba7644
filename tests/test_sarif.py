"""`assessc check --format sarif`: a SARIF 2.1.0 log, valid against the official schema with its
`format`s checked, and meeting what GitHub code scanning requires of an uploaded file.

tests/data/sarif-schema-2.1.0.json is the OASIS SARIF 2.1.0 (errata 01) schema, as
published in oasis-tcs/sarif-spec (sarif-2.1/schema/sarif-schema-2.1.0.json).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from assessc import __version__
from assessc.cli import main
from assessc.diagnostics import REGISTRY, DiagnosticBag
from assessc.diagnostics.sarif import to_sarif
from assessc.driver import compile_file

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
GOLDEN = sorted(p.relative_to(ROOT) for p in (ROOT / "tests" / "golden" / "diagnostics").glob("*.assess"))


def validate(log: dict) -> None:
    """The schema with its formats checked: `uri` must be an absolute URI and `uri-reference` a
    URI reference (jsonschema checks them with rfc3986-validator, in the `test` extra)."""
    checker = jsonschema.FormatChecker()
    assert {"uri", "uri-reference"} <= set(checker.checkers), "install the test extra: rfc3986-validator"
    validator = jsonschema.Draft4Validator(SCHEMA, format_checker=checker)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    problems = github_problems(log)
    assert not problems, "\n".join(problems[:10])


def _text(value, limit: int | None = None) -> bool:
    return isinstance(value, str) and value != "" and (limit is None or len(value) <= limit)


def github_problems(log: dict) -> list[str]:
    """What GitHub's "SARIF support for code scanning" requires of an uploaded file: every
    property it marks required is present and not an empty string (`$schema`, `version` 2.1.0,
    `runs`; `tool.driver.name` and `rules`; each rule's `id`, `shortDescription.text` and
    `fullDescription.text` of at most 1024 characters, `help.text`, a `name` of at most 255
    characters, a `defaultConfiguration.level` of note, warning or error; each result's
    `message.text`, one to ten `locations` each with a `physicalLocation` holding
    `artifactLocation.uri` and a region with `startLine`, `startColumn`, `endLine` and
    `endColumn`, and `partialFingerprints`); related locations have a `physicalLocation`; and an
    artifact is a relative path or an absolute `file:` URI (the only locations it displays)."""
    out: list[str] = []
    if not _text(log.get("$schema")):
        out.append("no $schema")
    if log.get("version") != "2.1.0":
        out.append("version is not 2.1.0")
    runs = log.get("runs")
    if not isinstance(runs, list) or not runs:
        return out + ["no runs"]

    def physical(where: str, location: dict) -> None:
        place = location.get("physicalLocation")
        if not isinstance(place, dict):
            out.append(f"{where}: no physicalLocation")
            return
        uri = place.get("artifactLocation", {}).get("uri")
        if not _text(uri):
            out.append(f"{where}: no artifactLocation.uri")
        elif urlsplit(uri).scheme not in ("", "file") or (not urlsplit(uri).scheme and uri.startswith("../")):
            out.append(f"{where}: `{uri}` is neither a path below the root nor a file: URI")
        region = place.get("region", {})
        for key in ("startLine", "startColumn", "endLine", "endColumn"):
            if not isinstance(region.get(key), int) or region[key] < 1:
                out.append(f"{where}: region.{key} missing")

    for r, run in enumerate(runs):
        driver = run.get("tool", {}).get("driver", {})
        if not _text(driver.get("name")):
            out.append(f"run {r}: no tool.driver.name")
        rules = driver.get("rules")
        if not isinstance(rules, list):
            out.append(f"run {r}: no tool.driver.rules")
            rules = []
        for rule in rules:
            rid = rule.get("id")
            if not _text(rid):
                out.append(f"run {r}: a rule without id")
            for key in ("shortDescription", "fullDescription"):
                if not _text(rule.get(key, {}).get("text"), 1024):
                    out.append(f"rule {rid}: {key}.text missing, empty or over 1024 characters")
            if not _text(rule.get("help", {}).get("text")):
                out.append(f"rule {rid}: no help.text")
            if "name" in rule and not _text(rule["name"], 255):
                out.append(f"rule {rid}: name empty or over 255 characters")
            level = rule.get("defaultConfiguration", {}).get("level", "warning")
            if level not in ("note", "warning", "error"):
                out.append(f"rule {rid}: defaultConfiguration.level {level!r}")
        results = run.get("results")
        if not isinstance(results, list):
            out.append(f"run {r}: no results")
            results = []
        for k, result in enumerate(results):
            where = f"result {k} ({result.get('ruleId')})"
            if not _text(result.get("message", {}).get("text")):
                out.append(f"{where}: no message.text")
            if "ruleIndex" in result and rules[result["ruleIndex"]].get("id") != result.get("ruleId"):
                out.append(f"{where}: ruleIndex does not point at its rule")
            locations = result.get("locations")
            if not isinstance(locations, list) or not 1 <= len(locations) <= 10:
                out.append(f"{where}: needs one to ten locations")
                locations = []
            for location in locations:
                physical(where, location)
            for location in result.get("relatedLocations", []):
                physical(f"{where} related", location)
            if not result.get("partialFingerprints"):
                out.append(f"{where}: no partialFingerprints")
    return out


def check_sarif(*files) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", "--format", "sarif", *(str(f) for f in files)])
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def test_schema_is_the_official_one():
    assert SCHEMA["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    jsonschema.Draft4Validator.check_schema(SCHEMA)


def test_golden_diagnostics_as_sarif_are_valid(monkeypatch):
    monkeypatch.chdir(ROOT)
    status, log = check_sarif(*GOLDEN)
    assert status == 1
    validate(log)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    assert len(run["results"]) > 20
    assert {r["level"] for r in run["results"]} == {"error", "warning"}


def test_driver_lists_every_code_as_a_rule():
    (run,) = to_sarif([])["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "assessc"
    assert driver["version"] == __version__
    assert [r["id"] for r in driver["rules"]] == sorted(REGISTRY)
    rule = next(r for r in driver["rules"] if r["id"] == "E0201")
    assert rule["name"] == "undefined-name"
    assert rule["shortDescription"]["text"] == REGISTRY["E0201"].summary
    assert rule["helpUri"] == (ROOT / "docs").as_uri() + "/diagnostics.md#e0201-undefined-name"
    assert rule["fullDescription"]["text"].startswith("A name that no fact, table, matrix, template")
    assert rule["defaultConfiguration"] == {"level": "error"}
    assert next(r for r in driver["rules"] if r["id"] == "W0501")["defaultConfiguration"] == {"level": "warning"}
    validate(to_sarif([]))


def test_result_locations_and_notes(monkeypatch):
    monkeypatch.chdir(ROOT)
    path = Path("tests/golden/diagnostics/duplicates.assess")
    bag = DiagnosticBag()
    compile_file(path, bag)
    diagnostics = bag.sorted()
    log = to_sarif(diagnostics)
    validate(log)
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    for diagnostic, result in zip(diagnostics, run["results"], strict=True):
        assert result["ruleId"] == diagnostic.code.code
        assert rules[result["ruleIndex"]]["id"] == diagnostic.code.code
        assert result["level"] == diagnostic.severity.value
        assert result["message"]["text"].startswith(diagnostic.message)
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "tests/golden/diagnostics/duplicates.assess"
        span = diagnostic.span
        assert physical["region"] == {"startLine": span.line, "startColumn": span.column,
                                      "endLine": span.end_line, "endColumn": span.end_column}
        notes = result.get("relatedLocations", [])
        assert [n["message"]["text"] for n in notes] == [n.message for n in diagnostic.notes]
        for note, related in zip(diagnostic.notes, notes):
            if note.span is not None:
                assert related["physicalLocation"]["region"]["startLine"] == note.span.line
    assert any("relatedLocations" in r for r in run["results"]), "duplicates.assess has notes"


def test_accepted_finding_is_an_in_source_suppression(monkeypatch):
    monkeypatch.chdir(ROOT)
    status, log = check_sarif("policies/guangxi_2017.assess")
    assert status == 0
    validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "W0501"
    assert result["level"] == "warning"
    (suppression,) = result["suppressions"]
    assert suppression["kind"] == "inSource"
    assert suppression["justification"].startswith("seed defect: the 13 indicators add up to 21 points")


def test_chinese_file_name_is_percent_encoded(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("政策.assess").write_text('policy p "t" {\n  item 1 "a" max 1 {\n    add missing_fact\n  }\n}\n', encoding="utf-8")
    status, log = check_sarif("政策.assess")
    assert status == 1
    validate(log)
    result = log["runs"][0]["results"][0]
    artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact["uri"] == "%E6%94%BF%E7%AD%96.assess"
    assert artifact["uriBaseId"] == "%SRCROOT%"
    assert result["level"] == "error"
    assert "missing_fact" in result["message"]["text"]
