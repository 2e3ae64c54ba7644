"""`assessc test --junit`: the XML is valid against the common JUnit schema (tests/data/junit-10.xsd,
Jenkins' xUnit plugin; see tests/data/README.md) whatever the outcome, and counts what the
summary line counts."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from assessc.cli import main

etree = pytest.importorskip("lxml.etree")

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = etree.XMLSchema(etree.parse(str(ROOT / "tests" / "data" / "junit-10.xsd")))
POLICY = 'facts {\n  n: count\n}\n\npolicy demo "演示" {\n  item 1 "a" max 2 {\n    add 1 per n\n  }\n}\n'


def case(name: str, n: int, expected: str) -> str:
    return f'[[case]]\nname = "{name}"\n[case.facts]\nn = {n}\n[case.expect]\ntotal = "{expected}"\n\n'


def junit(folder: Path, *paths) -> tuple[object, list[str]]:
    target = folder / "junit.xml"
    result = CliRunner().invoke(main, ["test", "--junit", str(target), *(str(p) for p in paths)])
    assert "Traceback" not in result.output
    document = etree.parse(str(target))  # raises on XML that is not well formed
    assert SCHEMA.validate(document), "\n".join(str(e) for e in SCHEMA.error_log)
    return document.getroot(), result.stdout.splitlines()


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "demo.assess").write_text(POLICY, encoding="utf-8")
    return tmp_path


def test_testcase_carries_no_file_or_line_attribute_the_schema_rejects(folder):
    """JUnit: `testcase` carries `file` and `line` attributes that the common JUnit schema rejects."""
    header = 'policy = "demo.assess"\n\n'
    (folder / "demo.cases.toml").write_text(header + case("passes", 1, "1") + case("fails", 2, "1")
                                            + case("errs", -1, "0"), encoding="utf-8")
    root, _ = junit(folder, folder / "demo.cases.toml")  # every outcome of a case: valid
    (suite,) = root.iter("testsuite")
    assert suite.get("file") == str(folder / "demo.cases.toml")
    places = [c.findtext("system-out") for c in suite.iter("testcase")]
    assert places == [f"{folder / 'demo.cases.toml'}:{line}" for line in (3, 10, 17)]
    for testcase in root.iter("testcase"):
        assert set(testcase.attrib) <= {"name", "classname", "time", "group"}


def test_case_name_with_a_control_character_is_well_formed_xml(folder):
    """JUnit: a case name with a control character is written raw, making the XML not well-formed."""
    text = 'policy = "demo.assess"\n\n' + case("bell\\u0007 and escape\\u001b", 1, "2")
    (folder / "odd.cases.toml").write_text(text, encoding="utf-8")
    root, lines = junit(folder, folder / "odd.cases.toml")
    (testcase,) = root.iter("testcase")
    assert testcase.get("name") == "bell\u2407 and escape\u241b"  # the control pictures ␇ and ␛
    assert lines[0].endswith(": bell\u2407 and escape\u241b")  # and so does the text report
    assert lines[-1] == "0 passed, 1 failed"


def test_summary_counts_case_files_that_failed_to_load_as_the_xml_does(folder):
    """JUnit: the text summary leaves out case files that failed to load while the XML counts them."""
    header = 'policy = "demo.assess"\n\n'
    (folder / "demo.cases.toml").write_text(header + case("passes", 1, "1") + case("fails", 2, "1")
                                            + case("errs", -1, "0"), encoding="utf-8")
    (folder / "broken.cases.toml").write_text('policy = "missing.assess"\n', encoding="utf-8")
    (folder / "notoml.cases.toml").write_text("policy = \n", encoding="utf-8")
    (folder / "empty").mkdir()  # a folder holding no case file
    root, lines = junit(folder, folder, folder / "empty")
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "1", "4")
    assert lines[-1] == "1 passed, 5 failed"  # 1 failure + 4 errors, as JUnit counts them
    for suite in root.iter("testsuite"):
        cases = list(suite.iter("testcase"))
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("errors")) == sum(1 for c in cases if c.find("error") is not None)
