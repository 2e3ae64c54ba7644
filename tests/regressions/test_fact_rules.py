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
