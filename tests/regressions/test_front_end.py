"""Regressions of the front end: reading policy files, parsing and recovery,
imports, lints, limits, and the DOT backend's escaping. Each test names the
defect it guards against."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from assessc.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict | None = None):
    """``assessc ARGS`` in process: (exit status, everything printed)."""
    result = CliRunner().invoke(main, list(args), env=env)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def check(tmp_path: Path, text: str | bytes, name: str = "policy.assess", *args: str):
    """``assessc check`` of a policy written to ``tmp_path``."""
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return run("check", *args, str(path))


def codes_in(output: str) -> list[str]:
    return re.findall(r": ([EWD]\d{4}) ", output)


# ---- 1. inputs that ended in an internal error ------------------------------------------


@pytest.mark.parametrize("keys", [("01", "03"), ("１", "３")])
def test_numbering_gap_lint_reads_zero_padded_and_full_width_item_numbers(tmp_path, keys):
    """Item keys `01…03` or full-width `１…３` crashed the numbering-gap lint (StopIteration)."""
    items = "".join(f'  item {key} "x" max 1 {{ start 1 }}\n' for key in keys)
    status, output = check(tmp_path, f'policy p "t" {{\n  max 2\n{items}}}\n')
    assert status == 0, output
    assert "W0512 items of the policy are numbered 1..3 without 2 [warning]" in output


def test_max_with_more_digits_than_the_decimal_context_is_reported_exactly(tmp_path):
    """`max` with 29 or more significant digits crashed W0501's message."""
    digits = "99999999999999999999999999999"
    status, output = check(tmp_path, f'policy p "t" {{\n  max {digits}\n  item 1 "a" max 1 {{ start 1 }}\n}}\n')
    assert status == 0, output
    assert f"W0501 policy declares max {digits} but its items add up to 1" in output


def test_numbering_gap_of_a_hundred_million_is_one_range(tmp_path):
    """`item 100000000` made W0512 list every missing number until MemoryError."""
    text = 'policy p "t" {\n  item 1 "a" { start 1 }\n  item 100000000 "b" { start 1 }\n}\n'
    status, output = check(tmp_path, text)
    assert status == 0, output
    assert "numbered 1..100000000 without 2..99999999 [warning]" in output
    assert len(output) < 1000


def test_numbering_gap_lists_the_first_gaps_and_counts_the_rest(tmp_path):
    """W0512 listed every missing number; many gaps are summarised."""
    items = "".join(f'  item {n} "x" {{ start 1 }}\n' for n in range(1, 60, 2))
    status, output = check(tmp_path, f'policy p "t" {{\n{items}}}\n')
    assert "without 2, 4, 6, 8, 10, 12, 14, 16, 18, 20 and 19 more in 19 more gaps [warning]" in output
