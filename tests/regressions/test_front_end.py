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


# ---- 4. huge inputs ---------------------------------------------------------------------------


def _check_in_a_process(path: Path) -> tuple[list[str], int]:
    """The codes of checking ``path`` in a new process, and the process's peak memory in KB
    (VmHWM: a child's ru_maxrss counts the memory of the parent it was forked from)."""
    import subprocess
    import sys

    if not Path("/proc/self/status").exists():
        pytest.skip("reads the peak memory from /proc/self/status")
    script = ("import re, sys\nfrom assessc.diagnostics import DiagnosticBag\n"
              "from assessc.driver import compile_file\nbag = DiagnosticBag()\ncompile_file(sys.argv[1], bag)\n"
              "peak = re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1)\n"
              "print(' '.join(d.code.code for d in bag), peak)")
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True,
                          timeout=300)
    *found, peak = done.stdout.split()
    return found, int(peak)


@pytest.mark.parametrize("string", [
    pytest.param("考" * (10 * 2**20 // 3), id="a 10 MB title"),
    pytest.param("\\\\a" * 1_000_000, id="a title of a million escapes"),
])
def test_a_huge_title_is_read_in_little_memory(tmp_path, string):
    """One 50 MB title string took 4.1 GB of memory: the string pattern kept backtracking state per character."""
    path = tmp_path / "huge.assess"
    path.write_text(f'policy p "{string}" {{\n  item 1 "a" max 1 {{ start 1 }}\n}}\n', encoding="utf-8")
    found, peak_kb = _check_in_a_process(path)
    assert peak_kb < 250 * 1024, found  # the 10 MB title took 880 MB


def test_parsing_time_grows_linearly_with_a_blocks_statements():
    """Checking grew as n^1.4 in indicators: each statement of a block copied the list of those before it."""
    import gc
    import math
    import time

    from assessc.diagnostics import DiagnosticBag
    from assessc.dsl.parser import parse
    from assessc.dsl.source import SourceFile

    def cpu_seconds(fields: int) -> float:
        text = "facts {\n" + "".join(f"  f{k}: count 0..9\n" for k in range(fields)) + "}\n"
        gc.collect()
        gc.disable()  # a collection walks the test run's whole heap, whatever the size parsed
        try:
            start = time.process_time()
            assert parse(SourceFile("p.assess", text), DiagnosticBag()) is not None
            return time.process_time() - start
        finally:
            gc.enable()

    small, large = min(cpu_seconds(8_000) for _ in range(2)), cpu_seconds(32_000)
    assert math.log(large / small) / math.log(4) < 1.25  # it was 1.6; linear is 1
