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



@pytest.mark.parametrize("where", ["max {n}", "round total {n} places half_up"])
def test_a_number_of_a_million_digits_is_a_located_error(tmp_path, where):
    """A number too long for any arithmetic (`max` of 10^6 digits: Overflow in W0501's sum;
    `round total` of 5,000 places: int() refused it) ended in an internal error."""
    number = "9" * (1_000_000 if where.startswith("max") else 5000)
    text = f'policy p "t" {{\n  {where.format(n=number)}\n  item 1 "a" max 1 {{ start 1 }}\n}}\n'
    status, output = check(tmp_path, text)
    assert status == 1 and codes_in(output) == ["E0108"] and "policy.assess:2:" in output
    assert len(output) < 2000


def test_bounds_past_the_largest_decimal_are_unbounded_not_an_overflow():
    """Interval arithmetic on huge constants raised decimal.Overflow while checking."""
    from decimal import Decimal

    from assessc.core.intervals import INF, NEG_INF, Interval, add as _add, div as _div, mul as _mul

    huge = Interval(Decimal("9E+600000"), Decimal("9E+600000"))
    assert _mul(huge, huge).hi == INF and not _mul(huge, huge).lo.is_infinite()
    assert _mul(huge, Interval(Decimal(-1) * huge.lo, Decimal(-1) * huge.lo)).lo == NEG_INF
    largest = Interval(Decimal("9.9E+999999"), Decimal("9.9E+999999"))
    assert _add(largest, largest).hi == INF
    assert _div(huge, Interval(Decimal("1E-600000"), Decimal("1E-600000"))).hi == INF

def _sum(terms: int) -> str:
    return 'facts { x: count 0..9 }\npolicy p "t" {\n  item 1 "a" { add ' + " + ".join(["x"] * terms) + " }\n}\n"


@pytest.mark.parametrize("name, text", [
    ("a sum of 330 terms", _sum(330)),
    ("490 nested minus signs", 'facts { x: count 0..9 }\npolicy p "t" {\n  item 1 "a" { add ' + "-" * 490 + "x }\n}\n"),
    ("240 nested max()", 'facts { x: count 0..9 }\npolicy p "t" {\n  item 1 "a" { add '
     + "max(" * 240 + "x" + ", 1)" * 240 + " }\n}\n"),
    ("490 nested items", 'policy p "t" {\n' + 'item 1 "a" {\n' * 490 + "start 1\n" + "}\n" * 490 + "}\n"),
])
def test_deep_nesting_is_a_located_error_not_a_recursion_error(tmp_path, name, text):
    """A sum of ~330 terms, ~490 nested unary operators or items, ~240 nested `max()` hit RecursionError."""
    status, output = check(tmp_path, text)
    assert status == 1, output
    assert codes_in(output) == ["E0107"]
    assert re.search(r"policy\.assess:\d+:\d+: E0107 (this expression|items) nest", output)


def test_nesting_at_the_limit_compiles_and_runs_in_every_backend(tmp_path):
    """Nesting just inside the limits is checked, scored, drawn, compiled and formatted."""
    from assessc.dsl import limits

    depth = limits.MAX_EXPRESSION_DEPTH
    nested = "max(" * (depth - 1) + "x" + ", 1)" * (depth - 1)
    items = "".join(f'item {k} "i" {{\n' for k in range(1, limits.MAX_ITEM_DEPTH))  # inside item 4
    text = ('facts { x: count 0..9 }\npolicy p "t" {\n'
            f'  item 1 "a" max 100 {{ add {" + ".join(["x"] * (depth + 1))} }}\n'
            f'  item 2 "b" max 10 {{ add {nested} }}\n'
            f'  item 3 "c" {{ {"-" * depth}x }}\n'.replace("{ -", "{ add -")
            + f"  item 4 \"d\" {{\n{items}add 1 if {' and '.join(['x > 1'] * depth)}\n" + "}\n" * limits.MAX_ITEM_DEPTH
            + "}\n")
    policy = tmp_path / "deep.assess"
    policy.write_text(text, encoding="utf-8")
    facts = tmp_path / "facts.csv"
    facts.write_text("id,x\na,2\n", encoding="utf-8")
    assert run("check", str(policy))[0] == 0
    for args in (["score", str(policy), str(facts)], ["score", "--engine", "batch", str(policy), str(facts)],
                 ["explain", str(policy), str(facts), "--entity", "a"], ["render", str(policy), "-o", str(tmp_path / "g.dot")],
                 ["compile", str(policy), "-o", str(tmp_path / "s.py")], ["fmt", "--check", str(policy)],
                 ["compile", "--target", "sql", str(policy), "-o", str(tmp_path / "s.sql")],
                 ["check", "--emit", "ast", str(policy)], ["check", "--emit", "graph", str(policy)]):
        status, output = run(*args)
        assert status in (0, 1) and "internal error" not in output, (args, output[-300:])


def test_template_arguments_nesting_past_the_limit_are_a_located_error(tmp_path):
    """A template's argument put in place of its parameter could nest past the limit the parser enforces."""
    text = ('facts { n: count 0..9 }\ntemplate t(p) { add ' + " + ".join(["p"] * 60) + " }\n"
            'policy p "t" {\n  item 1 "a" { use t(p: ' + " + ".join(["n"] * 60) + ") }\n}\n")
    status, output = check(tmp_path, text)
    assert status == 1 and codes_in(output) == ["E0107"] and "policy.assess:4:" in output


@pytest.mark.slow  # 1,200 modules: about 3 s of CPU
def test_an_import_chain_of_1200_modules_loads(tmp_path):
    """A 1,200-deep import chain hit RecursionError."""
    count = 1200
    for k in range(count):
        following = f'import "./m{k + 1}.assess"\n' if k + 1 < count else ""
        (tmp_path / f"m{k}.assess").write_text(f"{following}facts {{ f{k}: count 0..1 }}\n", encoding="utf-8")
    status, output = check(tmp_path, 'import "./m0.assess"\npolicy p "t" { item 1 "a" max 1 { add 1 if f0 > 0 } }\n')
    assert status == 0, output


@pytest.mark.parametrize("target, message", [
    ("a" * 5000, "the path is longer than the system allows"),
    ("/".join(["aaaaaaaaa"] * 600), "the path is longer than the system allows"),
    ("./loop1", "its symbolic links form a loop"),
    ("./loop1/x.assess", "its symbolic links form a loop"),
])
def test_import_paths_no_file_can_have_are_located_errors(tmp_path, target, message):
    """An import path over the OS length limit, or through a symlink loop, crashed."""
    os.symlink("loop2", tmp_path / "loop1")
    os.symlink("loop1", tmp_path / "loop2")
    status, output = check(tmp_path, f'import "{target}"\npolicy p "t" {{ item 1 "a" max 1 {{ start 1 }} }}\n')
    assert status == 1
    assert "policy.assess:1:1: E0213 " in output and message in output


def test_an_import_path_with_a_nul_character_is_a_located_error(tmp_path):
    """An import path with NUL crashed (`ValueError: embedded null byte`)."""
    from assessc.compile import PolicyError, compile

    with pytest.raises(PolicyError) as error:
        compile('import "a\0b"\npolicy p "t" { item 1 "a" max 1 { start 1 } }\n', path=str(tmp_path / "p.assess"))
    assert [(d.code.code, d.span.line, d.span.column) for d in error.value.diagnostics] == [("E0105", 1, 10)]
    status, output = check(tmp_path, b'import "a\0b"\npolicy p "t" { item 1 "a" max 1 { start 1 } }\n')
    assert status == 1 and "policy.assess:1:10: E0105 " in output


# ---- 2. imports that read any file --------------------------------------------------------------


@pytest.mark.parametrize("target", ["/etc/passwd", "../../../../../../../../../../etc/passwd", "/proc/self/environ",
                                    "../secret.txt"])
def test_imports_outside_the_policy_folder_are_refused_without_reading(tmp_path, target):
    """`import "/etc/passwd"` or `"../../…/secret"` quoted the file's lines; `/proc/self/environ` printed the environment."""
    (tmp_path / "secret.txt").write_text("API_KEY=hunter2\n", encoding="utf-8")
    home = tmp_path / "policies"
    home.mkdir()
    status, output = check(home, f'import "{target}"\npolicy p "t" {{ item 1 "a" max 1 {{ start 1 }} }}\n')
    assert status == 1
    assert codes_in(output) == ["E0212"]
    assert "root:" not in output and "hunter2" not in output and "PATH=" not in output and "API_KEY" not in output


def test_a_symlink_out_of_the_policy_folder_is_refused(tmp_path):
    """Imports are checked after resolving symbolic links."""
    (tmp_path / "secret.assess").write_text("facts { API_KEY: count }\n", encoding="utf-8")
    home = tmp_path / "policies"
    home.mkdir()
    os.symlink(tmp_path / "secret.assess", home / "shared.assess")
    status, output = check(home, 'import "./shared.assess"\npolicy p "t" { item 1 "a" max 1 { start 1 } }\n')
    assert codes_in(output) == ["E0212"] and "API_KEY" not in output


def test_folders_in_assessc_import_path_may_be_imported_from_but_are_not_quoted(tmp_path):
    """ASSESSC_IMPORT_PATH allows other folders; a file from there that is not a policy is not echoed."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "facts.assess").write_text("facts { n: count 0..9 }\n", encoding="utf-8")
    (shared / "notes.txt").write_text("password: hunter2\n", encoding="utf-8")
    home = tmp_path / "policies"
    home.mkdir()
    (home / "p.assess").write_text('import "../shared/facts.assess"\n'
                                   'policy p "t" { item 1 "a" max 1 { add 1 if n > 1 } }\n', encoding="utf-8")
    (home / "q.assess").write_text('import "../shared/notes.txt"\npolicy p "t" { item 1 "a" max 1 { start 1 } }\n',
                                   encoding="utf-8")
    assert run("check", str(home / "p.assess"))[0] == 1
    env = {"ASSESSC_IMPORT_PATH": str(shared)}
    assert run("check", str(home / "p.assess"), env=env)[0] == 0
    status, output = run("check", str(home / "q.assess"), env=env)
    assert status == 1 and "hunter2" not in output and "password" not in output
    assert re.search(r"notes\.txt:1:\d+: E0101 the parser met a token it did not expect here", output)


def test_a_binary_file_is_refused_without_echoing_it(tmp_path):
    """A diagnostic about a file that is not a policy echoed its contents."""
    (tmp_path / "logo.assess").write_bytes(b"\x89PNG\r\n\x1a\nsecret\x00\x00text")
    status, output = check(tmp_path, 'import "./logo.assess"\npolicy p "t" { item 1 "a" max 1 { start 1 } }\n')
    assert status == 1 and codes_in(output) == ["E0105"]
    assert "logo.assess:3:7: E0105" in output and "secret" not in output and "|" not in output


# ---- 3. reading policy files ------------------------------------------------------------------


def test_a_byte_order_mark_is_ignored(tmp_path):
    """A BOM at the start of a policy was an "unexpected character"."""
    status, output = check(tmp_path, '\ufeffpolicy p "t" {\n  item 1 "a" max 1 { add 1 if nothing }\n}\n')
    assert codes_in(output) == ["E0201"] and "policy.assess:2:31:" in output  # columns as the editor shows them
    assert check(tmp_path, '\ufeffpolicy p "t" { item 1 "a" max 1 { start 1 } }\n')[0] == 0


def test_a_policy_saved_as_gbk_names_the_encoding_and_the_first_bad_byte(tmp_path):
    """A GBK policy got `<input>: E0204 … cannot be read` with no location."""
    text = 'policy p "t" {\n  item 1 "配套文件" max 1 { start 1 }\n}\n'
    status, output = check(tmp_path, text.encode("gbk"))
    assert status == 1
    assert "policy.assess:2:11: E0105 " in output and "<input>" not in output
    assert "not UTF-8" in output and "looks like GBK" in output and "save the file as UTF-8" in output
    assert "配套" not in output and "|" not in output  # nothing of the file is quoted


def test_a_full_width_colon_is_one_error_not_two(tmp_path):
    """A full-width colon `：` gave a good error followed by a spurious E0103."""
    status, output = check(tmp_path, 'facts {\n  r： rank 1..14\n}\npolicy p "t" {\n'
                                     '  item 1 "a" max 2 { add lookup r { 1..4: 2  5..14: 1 } }\n}\n')
    assert codes_in(output) == ["E0102"] and "policy.assess:2:4:" in output and "write `:`" in output


def test_a_policy_file_over_the_size_limit_is_refused_before_it_is_read_whole(tmp_path, monkeypatch):
    """A huge policy was read whole; a file over the limit is a located error."""
    from assessc.dsl import limits

    monkeypatch.setattr(limits, "MAX_SOURCE_BYTES", 1000)
    status, output = check(tmp_path, 'policy p "t" { item 1 "a" max 1 { start 1 } }\n' + "#" * 2000 + "\n")
    assert status == 1 and codes_in(output) == ["E0108"]


# ---- 4. Trojan Source and huge inputs ---------------------------------------------------------


@pytest.mark.parametrize("control", list("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"))
@pytest.mark.parametrize("where", ["comment", "string", "title"])
def test_text_direction_controls_are_an_error_at_the_character(tmp_path, control, where):
    """Bidi controls in comments, strings and titles passed `check` unwarned."""
    lines = {"comment": f"  # 管理员{control}可见\n  item 1 \"a\" max 1 {{ start 1 }}\n",
             "string": f"  item 1 \"a\" max 1 {{ start 1  note \"备注{control}\" }}\n",
             "title": f"  item 1 \"标题{control}\" max 1 {{ start 1 }}\n"}
    status, output = check(tmp_path, 'policy p "t" {\n' + lines[where] + "}\n")
    assert status == 1 and codes_in(output) == ["E0106"]
    from assessc.diagnostics.render import _display_width

    line, caret = output.splitlines()[2:4]
    assert control not in output and f"<U+{ord(control):04X}>" in line  # shown, not obeyed
    assert caret.index("^") == _display_width(line[:line.index("<U+")])


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


def test_the_dot_backend_drops_every_text_direction_control():
    """U+200F reached DOT/SVG raw."""
    from assessc.backends.dot import quote
    from assessc.dsl.source import DIRECTION_CONTROLS

    for control in DIRECTION_CONTROLS:
        assert quote(f"a{control}b") == '"ab"'


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
