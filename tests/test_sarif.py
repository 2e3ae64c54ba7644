"""`assessc check --format sarif`: a SARIF 2.1.0 log, valid against the official schema.

tests/data/sarif-schema-2.1.0.json is the OASIS SARIF 2.1.0 (errata 01) schema, as
published in oasis-tcs/sarif-spec (sarif-2.1/schema/sarif-schema-2.1.0.json).
"""

from __future__ import annotations

import json
from pathlib import Path

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
    # Structure only: `format` (uri, date-time) is an annotation here, so the outcome does not
    # depend on which optional format checkers happen to be installed.
    validator = jsonschema.Draft4Validator(SCHEMA)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


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
    assert rule["helpUri"] == "docs/diagnostics.md#e0201-undefined-name"
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
