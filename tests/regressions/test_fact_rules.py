"""Rules about facts that rule books written from the docs alone got wrong without a word from
`check` or `score`: percent facts against plain numbers, checks a policy states on its facts, item
keys numbered as the book numbers them. Each test names the defect it guards against, quoted in
its docstring."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from assessc.cli import main


def run(*args: str):
    """``assessc ARGS`` in process: (exit status, everything printed)."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result.exit_code, result.output


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def codes_in(output: str) -> list[str]:
    return re.findall(r": ([EWD]\d{4}) ", output)


def check(tmp_path: Path, text: str):
    return run("check", write(tmp_path, "policy.assess", text))


# ---- 1. a percent fact against a plain number ----------------------------------------------------

PERCENT = 'facts {\n  rate: percent "办结率"\n}\n\npolicy p "t" {\n  item 1 "a" max 5 {\n    start 5\n%s\n    until zero\n  }\n}\n'


def test_a_step_without_percent_on_a_percent_fact_is_reported_with_the_percent_spelling(tmp_path):
    """`deduct 1 per 1 below 97% of rate` passed `check` and gave full marks at 80 %."""
    status, output = check(tmp_path, PERCENT % "    deduct 1 per 1 below 97% of rate counting whole steps")
    assert status == 0, output
    assert codes_in(output) == ["W0545"]
    assert "stepped by the plain number `1`" in output and "help: write `1%`" in output


def test_a_threshold_without_percent_on_a_percent_fact_is_reported_with_the_percent_spelling(tmp_path):
    """`below 97 of rate` passed `check` and always took every point."""
    status, output = check(tmp_path, PERCENT % "    deduct 1 per 1% below 97 of rate counting whole steps")
    assert codes_in(output) == ["W0545"]
    assert "thresholded at the plain number `97`" in output and "help: write `97%`" in output


def test_a_percent_fact_compared_with_a_plain_percentage_is_reported(tmp_path):
    """`rate >= 95` on a percent fact was only reported as a condition that never holds."""
    status, output = check(tmp_path, PERCENT % "    deduct 5 if rate < 95")
    assert "W0545" in codes_in(output)
    assert "compared with the plain number `95`" in output and "help: write `95%`" in output


def test_plain_numbers_a_percent_fact_can_reach_are_not_reported(tmp_path):
    """A plain fraction (`rate < 0.95`, `growth >= 1.5` on `percent 0%..300%`) is a fine spelling."""
    text = ('facts {\n  rate: percent "r"\n  growth: percent 0%..300% "g"\n}\n\npolicy p "t" {\n'
            '  item 1 "a" max 2 {\n    add 1 if rate >= 0.95\n    add 1 if growth >= 1.5\n  }\n'
            '  item 2 "b" max 5 {\n    start 5\n    deduct 1 per 0.01 below 0.97 of rate counting whole steps\n'
            '    until zero\n  }\n}\n')
    status, output = check(tmp_path, text)
    assert "W0545" not in codes_in(output), output


# ---- 2. checks a policy states on its facts -------------------------------------------------------

WORKS = '''facts {
  started: date "开工日期"
  finished: date "竣工日期"
  require finished >= started "竣工日期不得早于开工日期"
}

policy works "工程进度" {
  entity county "县区"
  item 1 "按期竣工" max 10 {
    start 10
    deduct 1 per max(0, workdays(started, finished) - 60)
    until zero
  }
}
'''
WORKS_CSV = "county,started,finished\n青秀区,2026-03-02,2026-05-08\n兴宁区,2026-04-01,2026-03-01\n良庆区,2026-05-01,2026-04-01\n"


def _works(tmp_path: Path) -> tuple[Path, Path]:
    return write(tmp_path, "works.assess", WORKS), write(tmp_path, "works.csv", WORKS_CSV)


def _failed_check_reported(output: str) -> None:
    assert codes_in(output) == ["D0613", "D0613"], output  # every row checked, one run shows both
    assert ("entity `兴宁区`: 竣工日期不得早于开工日期 (`finished >= started` does not hold: "
            "finished = 2026-03-01, started = 2026-04-01)") in output
    assert "entity `良庆区`" in output and "the check is declared here" in output


def test_a_finish_date_before_its_start_is_a_named_fact_error_not_a_silent_zero(tmp_path):
    """A finish date before its start scored a silent 0; a policy had no way to state such a check."""
    policy, facts = _works(tmp_path)
    status, output = run("score", policy, facts)
    assert status == 1
    _failed_check_reported(output)


def test_the_batch_engine_reports_a_failed_require_check(tmp_path):
    """The batch engine's readers must try the policy's `require` checks as the loader does."""
    import pytest

    pytest.importorskip("numpy")
    policy, facts = _works(tmp_path)
    status, output = run("score", "--engine", "batch", policy, facts)
    assert status == 1
    _failed_check_reported(output)


def test_score_values_reports_a_failed_require_check(tmp_path):
    """The interpreter API scored values that fail the policy's `require` checks."""
    import datetime

    import pytest

    from assessc.api import FactsError, load_policy

    policy = load_policy(_works(tmp_path)[0])
    good = {"started": datetime.date(2026, 3, 2), "finished": datetime.date(2026, 5, 8)}
    assert policy.score_values("青秀区", good).total == 10
    with pytest.raises(FactsError) as raised:
        policy.score_values("兴宁区", {"started": datetime.date(2026, 4, 1), "finished": datetime.date(2026, 3, 1)})
    [diagnostic] = raised.value.diagnostics
    assert diagnostic.code.code == "D0613" and "entity `兴宁区`: 竣工日期不得早于开工日期" in diagnostic.message


def test_engines_that_cannot_try_require_checks_refuse_the_policy(tmp_path):
    """The generated module's `validate()` and SQL would silently skip a `require` check."""
    policy, _ = _works(tmp_path)
    for target in ("python", "sql"):
        status, output = run("compile", "--target", target, policy, "-o", tmp_path / f"out.{target}")
        assert status != 0 and codes_in(output) == ["E0701"], output
        assert "`require` checks on facts" in output


def test_fmt_keeps_a_require_check(tmp_path):
    """A new statement of the facts block must survive `fmt`."""
    policy, _ = _works(tmp_path)
    assert run("fmt", policy)[0] == 0
    assert '  require finished >= started "竣工日期不得早于开工日期"\n}' in policy.read_text(encoding="utf-8")
    status, output = run("fmt", "--check", policy)
    assert status == 0, output


# ---- 3. item keys as the book numbers them ------------------------------------------------------

BOOK_KEYS = '''policy p "考核细则" {
  item 一 "党建工作" max 6 {
    item （一） "组织建设" max 3 { start 3 }
    item (二) "作风建设" max 3 { start 3 }
  }
  item 1-9 "信息报送" max 2 { start 2 }
}
'''


def test_chinese_numerals_full_width_parentheses_and_hyphenated_keys_are_item_keys(tmp_path):
    """`（三）` and `1-9` were refused with `E0101 unexpected … expected a string`."""
    path = write(tmp_path, "policy.assess", BOOK_KEYS)
    status, output = run("check", "--emit", "graph", path)
    assert status == 0, output
    ids = re.findall(r"^(\S+)\s+item\b", output, re.M)
    assert ids == ["一.一", "一.二", "一", "1-9"]


def test_fmt_writes_a_book_numbered_key_as_the_book_did(tmp_path):
    """A key's written form (parentheses, hyphens) must survive `fmt`."""
    path = write(tmp_path, "policy.assess", BOOK_KEYS)
    assert run("fmt", path)[0] == 0
    text = path.read_text(encoding="utf-8")
    assert 'item （一） "组织建设"' in text and 'item (二) "作风建设"' in text and 'item 1-9 "信息报送"' in text


def test_a_key_in_parentheses_is_the_same_key_as_without(tmp_path):
    """`(3)` beside `3` would give two items one id."""
    status, output = check(tmp_path, 'policy p "t" {\n  item 3 "a" { start 1 }\n  item (3) "b" { start 1 }\n}\n')
    assert codes_in(output) == ["E0205"], output


def test_a_key_no_form_allows_says_what_a_key_may_be(tmp_path):
    """A malformed book key must be refused with the forms a key may take."""
    status, output = check(tmp_path, 'policy p "t" {\n  item (3.5) "a" { start 1 }\n}\n')
    assert codes_in(output) == ["E0230"], output
    assert "numbers joined by hyphens (`1-9`)" in output and "（三）" in output


def test_full_width_parentheses_outside_a_key_keep_their_hint(tmp_path):
    """Reading `（` around keys must not hide the full-width hint elsewhere."""
    text = 'facts {\n  n: count "n"\n}\n\npolicy p "t" {\n  item 1 "a" max 2 {\n    add （n） \n  }\n}\n'
    status, output = check(tmp_path, text)
    assert "E0102" in codes_in(output) and "write `(`" in output
