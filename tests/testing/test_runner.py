"""`assessc test`: case files beside a policy, run through the command line and the runner."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from click.testing import CliRunner

from assessc.cli import main
from assessc.testing.cases import load_case_file
from assessc.testing.junit import junit_xml
from assessc.testing.runner import ERROR, FAIL, PASS, run_file

POLICY = """
facts {
  missing_docs: count "未出台的配套文件数"
  rank: rank 1..14 "社会稳定动态排名"
  summary: bool
  pass_rate: percent "合格率"
  accident: bool "发生重大安全事故"
}

policy demo "演示" {
  entity city "设区市"
  max 5
  veto "发生重大安全事故" if accident
  item 1 "配套文件" max 1 {
    start 1
    deduct 0.5 per missing_docs
    until zero
  }
  item 2 "排名" max 2 {
    add lookup rank { 1..4: 2  5..8: 1.5  9..12: 1  13..14: 0.5 }
  }
  item 3 "总结与考试" max 2 {
    item 1 "总结" max 1 {
      add 1 if summary
    }
    item 2 "合格率" max 1 {
      start 1
      zero if pass_rate < 95%
    }
  }
}
"""

FACTS = (
    "id,missing_docs,rank,summary,pass_rate,accident\n"
    "南宁,0,1,yes,98,no\n"
    "柳州,3,4,no,94.5,no\n"
    "桂林,1,14,yes,95,yes\n"
)

PASSING = """\
policy = "demo.assess"
facts = "demo.facts.csv"

[[case]]
name = "南宁: full marks"
entity = "南宁"
[case.expect]
total = "5"        # 1 + 2 + (1 + 1)
"1" = "1"          # 1 − 0.5×0 = 1
"3.2" = "1"        # 98% ≥ 95%
vetoed = false

[[case]]
name = "柳州: floor and a missed rate"
entity = "柳州"
[case.expect]
"1" = "0"          # 1 − 0.5×3 = −0.5 → 0
"2" = "2.0"        # rank 4 → 2 (a trailing zero: the same decimal)
"3" = "0"          # no summary, 94.5% < 95%
total = 2          # 0 + 2 + 0; an integer is exact too

[[case]]
name = "桂林: vetoed"
entity = "桂林"
[case.expect]
"1" = "0.5"        # 1 − 0.5×1
total = "0"        # 0.5 + 0.5 + 2 = 3, vetoed → 0
vetoed = ["发生重大安全事故"]

[[case]]
name = "inline: a city of the case file's own"
[case.facts]
missing_docs = 1
rank = 9
summary = true
pass_rate = 95.5   # a number unquoted is read from its text, exactly
accident = false
[case.expect]
total = "3.5"      # 0.5 + 1 + (1 + 1)
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "demo.assess").write_text(POLICY, encoding="utf-8")
    (tmp_path / "demo.facts.csv").write_text(FACTS, encoding="utf-8")
    return tmp_path


def write_cases(folder, text, name="demo.cases.toml"):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def cli(*args):
    result = CliRunner().invoke(main, ["test", *(str(a) for a in args)])
    assert "Traceback" not in result.output
    return result


def codes_of(case_file):
    return [d.code.code for d in case_file.all_diagnostics()]


# ---- passing and failing -----------------------------------------------------------


def test_passing_case_file_exits_0(folder):
    path = write_cases(folder, PASSING)
    result = cli(path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["PASS"] * 4
    assert f"PASS  {path}: 南宁: full marks" in lines
    assert lines[-1] == "4 passed, 0 failed"


def test_runner_api_reports_each_case(folder):
    outcome = run_file(write_cases(folder, PASSING))
    assert outcome.loaded and outcome.diagnostics == ()
    assert [c.status for c in outcome.cases] == [PASS] * 4
    assert outcome.cases[1].case.expectations[1].expected == Decimal("2.0")
    assert outcome.cases[3].case.entity == "inline: a city of the case file's own"


def test_failing_case_prints_a_diff_table_and_the_explanation(folder):
    path = write_cases(folder, PASSING.replace('"3.2" = "1"        # 98% ≥ 95%', '"3.2" = "0.5"').replace(
        'total = "5"        # 1 + 2 + (1 + 1)', 'total = "4.5"'))
    result = cli(path)
    assert result.exit_code == 1
    out = result.stdout
    assert f"FAIL  {path}: 南宁: full marks" in out
    table = [line.split() for line in out.splitlines()]
    assert ["node", "expected", "actual"] in table
    assert ["total", "4.5", "5"] in table
    assert ["3.2", "0.5", "1"] in table
    # the explanation of a node that differs: its value and max, each line with its source
    assert "3.2 合格率: 1 / 1" in out
    assert "start  = 1  demo.assess:" in out
    assert out.splitlines()[-1] == "3 passed, 1 failed"


def test_wrong_veto_expectation_fails(folder):
    path = write_cases(folder, PASSING.replace('vetoed = ["发生重大安全事故"]', "vetoed = false"))
    outcome = run_file(path)
    failed = [c for c in outcome.cases if c.status == FAIL]
    assert [c.name for c in failed] == ["桂林: vetoed"]
    assert [(m.node, m.expected, m.actual) for m in failed[0].mismatches] == [
        ("vetoed", "false", "true: 发生重大安全事故")]


# ---- bad case files ------------------------------------------------------------------------


def test_float_expected_value_is_refused(folder):
    path = write_cases(folder, PASSING.replace('"2" = "2.0"', '"2" = 1.5'))
    result = cli(path)
    assert result.exit_code == 1
    assert "E0301 the expected value of `2` is the TOML float `1.5`; a score is an exact decimal" in result.output
    assert 'help: write it as a string: "1.5"' in result.output
    assert f"{path}:18:1: E0301" in result.output
    assert f"ERROR {path}: 柳州: floor and a missed rate" in result.stdout
    # the other cases still run; the case in error counts as failed
    assert result.stdout.splitlines()[-1] == "3 passed, 1 failed"


def test_unknown_node_suggests_the_closest(folder):
    case_file = load_case_file(write_cases(folder, PASSING.replace('"3.2" = "1"', '"3.3" = "1"').replace(
        'total = "0"', 'totl = "0"')))
    messages = {d.message: d for d in case_file.all_diagnostics()}
    assert messages["no node `3.3` in policy `demo`"].help == "did you mean `3.2`?"
    assert messages["no node `totl` in policy `demo`"].help == "did you mean `total`?"
    assert {d.code.code for d in messages.values()} == {"E0201"}
    assert messages["no node `totl` in policy `demo`"].span.line == 27


def test_unquoted_dotted_node_id_says_to_quote_it(folder):
    case_file = load_case_file(write_cases(folder, PASSING.replace('"3.2" = "1"', '3.2 = "1"')))
    (diagnostic,) = case_file.all_diagnostics()
    assert diagnostic.code.code == "E0104"
    assert "`3.2` without quotes is a dotted key" in diagnostic.message
    assert diagnostic.help == 'quote the node id: "3.2" = "1"'
    assert diagnostic.span.line == 10


def test_unknown_entity_suggests_the_closest(folder):
    path = write_cases(folder, PASSING.replace('entity = "柳州"', 'entity = "柳洲"'))
    result = cli(path)
    assert result.exit_code == 1
    assert "D0607 no entity `柳洲` in `demo.facts.csv`" in result.output
    assert "help: did you mean `柳州`?" in result.output


def test_bad_value_and_unknown_key(folder):
    case_file = load_case_file(write_cases(folder, PASSING.replace('"1" = "0.5"', '"1" = "half"').replace(
        'name = "南宁: full marks"', 'name = "南宁: full marks"\nentiy = "x"')))
    found = {(d.code.code, d.message, d.help) for d in case_file.all_diagnostics()}
    assert ("E0104", "the expected value of `1`, `half`, is not a decimal number",
            'write digits with an optional sign and decimal point, e.g. "19.5" or "-3"') in found
    assert ("E0403", "`entiy` has no meaning in a case", "did you mean `entity`?") in found


def test_missing_policy_stops_the_whole_file(folder):
    path = write_cases(folder, PASSING.replace('policy = "demo.assess"', 'policy = "dmeo.assess"'))
    result = cli(path)
    assert result.exit_code == 1
    assert "E0204 policy `dmeo.assess` not found" in result.output
    assert "help: did you mean `demo.assess`?" in result.output
    assert f"ERROR {path}: not run (1 error)" in result.stdout


def test_toml_syntax_error_points_at_it(folder):
    case_file = load_case_file(write_cases(folder, 'policy = "demo.assess"\n[[case]\n'))
    (diagnostic,) = case_file.all_diagnostics()
    assert diagnostic.code.code == "D0601"
    assert "is not valid TOML" in diagnostic.message
    assert (diagnostic.span.line, diagnostic.span.column) == (2, 7)


def test_inline_facts_are_checked_like_a_facts_file(folder):
    path = write_cases(folder, PASSING.replace("rank = 9", "rank = 15").replace("summary = true", 'summary = "maybe"'))
    case_file = load_case_file(path)
    found = {(d.code.code, d.span.path, d.span.line) for d in case_file.all_diagnostics()}
    # each problem points at its key in the case file, not at a temporary file
    assert ("D0604", str(path), 34) in found
    assert ("D0603", str(path), 35) in found
    assert [c.ok for c in case_file.cases] == [True, True, True, False]


def test_case_without_entity_or_facts(folder):
    case_file = load_case_file(write_cases(folder, PASSING.replace('entity = "南宁"\n', "")))
    (diagnostic,) = case_file.all_diagnostics()
    assert diagnostic.code.code == "D0602"
    assert diagnostic.message == "case `南宁: full marks` names no entity and gives no facts"


# ---- finding case files ----------------------------------------------------------


def test_a_folder_or_a_policy_finds_its_case_file(folder):
    write_cases(folder, PASSING)
    assert cli(folder).stdout.splitlines()[-1] == "4 passed, 0 failed"
    assert cli(folder / "demo.assess").stdout.splitlines()[-1] == "4 passed, 0 failed"


def test_a_policy_without_case_file_is_an_error(folder):
    result = cli(folder / "demo.assess")
    assert result.exit_code == 1
    assert "no case file" in result.output


# ---- JUnit XML --------------------------------------------------------------------------


def test_junit_xml_is_well_formed_with_the_right_counts(folder):
    write_cases(folder, PASSING.replace('"2" = "2.0"', '"2" = "1.5"'))                     # 1 failure
    write_cases(folder, PASSING.replace('total = 2 ', 'total = 2.0 '), "float.cases.toml")  # 1 error
    write_cases(folder, 'policy = "missing.assess"\n', "broken.cases.toml")               # the file: 1 error
    target = folder / "junit.xml"
    result = cli(folder, "--junit", target)
    assert result.exit_code == 1
    root = ET.parse(target).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("9", "1", "2")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    demo = suites[str(folder / "demo.cases.toml")]
    assert (demo.get("tests"), demo.get("failures"), demo.get("errors")) == ("4", "1", "0")
    (failure,) = demo.iter("failure")
    assert failure.get("message") == "1 of 4 expected values differs"
    assert "node" in failure.text and "expected" in failure.text
    cases = [c.get("name") for c in demo.iter("testcase")]
    assert cases == ["南宁: full marks", "柳州: floor and a missed rate", "桂林: vetoed", "inline: a city of the case file's own"]
    assert all(c.get("classname") == "demo" for c in demo.iter("testcase"))
    floats = suites[str(folder / "float.cases.toml")]
    assert (floats.get("tests"), floats.get("failures"), floats.get("errors")) == ("4", "0", "1")
    broken = suites[str(folder / "broken.cases.toml")]
    assert (broken.get("tests"), broken.get("errors")) == ("1", "1")
    assert "E0204" in next(broken.iter("error")).text
    assert [p.name for p in folder.iterdir() if p.name.startswith(".junit")] == []  # no temporary file left


def test_junit_xml_of_passing_cases(folder):
    outcome = run_file(write_cases(folder, PASSING))
    root = ET.fromstring(junit_xml([outcome]))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "0", "0")
    assert list(root.iter("failure")) == [] and list(root.iter("error")) == []
    path = folder / "demo.cases.toml"
    assert [c.findtext("system-out") for c in root.iter("testcase")] == [f"{path}:{n}" for n in (4, 13, 22, 30)]


LEDGER_POLICY = """
facts {
  bonus_cases: ledger {
    matter: text "事项"
    kind: enum { award "表彰", model "推广" }
  }
}

policy ledger_demo "加分演示" {
  entity unit "单位"
  max 10
  item 1 "基础" max 10 {
    start 10
  }
  bonus 加分 "加分" max 3 {
    add bonus_cases by kind { award: 1  model: 1 } highest per matter
  }
}
"""

LEDGER_CASES = """\
policy = "ledger.assess"

[[case]]
name = "two matters, one twice"
entity = "司法局"
[[case.facts.bonus_cases]]
matter = "先进集体"
kind = "award"
[[case.facts.bonus_cases]]
matter = "先进集体"
kind = "model"
[[case.facts.bonus_cases]]
matter = "经验推广"
kind = "推广"
[case.expect]
"加分" = "2"       # 先进集体 once (highest 1) + 经验推广 1
total = "12"       # 10 + 2

[[case]]
name = "a kind it does not declare"
entity = "法院"
[[case.facts.bonus_cases]]
matter = "x"
kind = "prize"
[case.expect]
total = "11"
"""


def test_inline_ledger_entries(tmp_path):
    (tmp_path / "ledger.assess").write_text(LEDGER_POLICY, encoding="utf-8")
    outcome = run_file(write_cases(tmp_path, LEDGER_CASES, "ledger.cases.toml"))
    assert [c.status for c in outcome.cases] == [PASS, ERROR]
    (diagnostic,) = outcome.diagnostics
    assert diagnostic.code.code == "D0605"
    assert "`bonus_cases` entry 1, field `kind` is `prize`" in diagnostic.message
    assert diagnostic.span.line == 24  # the entry's `kind = "prize"`, not the start of the facts
