"""Fuzzing the front end: damaged policies, deep nesting, huge numbers and
names, and hostile import paths, each checked by `assessc check` in process.

For every input: the exit status is 0 or 1 (never 3, an internal error), no
traceback is printed, and every diagnostic has a code from the registry and
a place (file, line, column). A policy that compiles is also drawn as DOT.

Hypothesis runs derandomized (the same inputs every run) with a bounded
number of examples: the module takes a minute or two (`pytest -m slow
tests/fuzz`). A failure prints the input that caused it.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessc.cli import main
from assessc.diagnostics import REGISTRY
from assessc.dsl import keywords, limits

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SOURCES = {path.name: path.read_text(encoding="utf-8") for path in sorted(
    [*(ROOT / "policies").glob("*.assess"), *(ROOT / "stdlib").glob("*.assess"),
     *(ROOT / "tests" / "golden" / "diagnostics").glob("*.assess")])}

FUZZ = settings(derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large, HealthCheck.large_base_example])


def check(path: Path, env: dict | None = None, *, render: bool = True) -> list[dict]:
    """`assessc check` of ``path`` as JSON and as text: it must end in 0 or 1, with every
    diagnostic registered and placed; a policy that compiles is drawn too."""
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--format", "json", str(path)], env=env)
    _assert_clean(result)
    data = json.loads(result.stdout)
    for diagnostic in data["diagnostics"]:
        assert diagnostic["code"] in REGISTRY, diagnostic
        assert diagnostic["file"] and diagnostic["line"] >= 1 and diagnostic["column"] >= 1, diagnostic
    assert (result.exit_code == 1) == (data["errors"] > 0), data
    _assert_clean(runner.invoke(main, ["check", str(path)], env=env))  # the text renderer, carets and all
    if render and result.exit_code == 0:
        _assert_clean(runner.invoke(main, ["render", str(path), "-o", str(path.with_suffix(".dot"))], env=env))
    return data["diagnostics"]


def _assert_clean(result) -> None:
    output = result.output
    assert result.exit_code in (0, 1), output[-3000:]
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output and "internal error" not in output, output[-3000:]


@pytest.fixture
def folder():
    """A fresh folder for the examples of one test (examples overwrite one another's files)."""
    with tempfile.TemporaryDirectory(prefix="assess-fuzz-") as name:
        yield Path(name)


def write(folder: Path, text: str | bytes, name: str = "policy.assess") -> Path:
    path = folder / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    else:
        path.write_bytes(text)
    return path


# ---- policy mutations -------------------------------------------------------------------

# What an edit can put in: the language's words and marks, things people type by mistake
# (full-width marks, a BOM, curly quotes), things an attacker types (direction controls,
# NUL), and the fragments that once ended in an internal error.
TOKENS = (sorted(keywords.BY_SPELLING)
          + ["{", "}", "(", ")", ":", ",", ".", "..", "+", "-", "*", "/", "<", ">=", "==", "!=", "%", '"', "#",
             "\n", " ", "\t", "\r\n", "x", "名称", "_a1", "0", "1", "0.5", "95%", "2017-06-30", "2017-02-30",
             '"文本"', '"a\\"b"', '"cut', "\\", "；", "：", "，", "（", "）", "｛", "｝", "“", "”", "\u3000",
             "\ufeff", "\u202e", "\u2066", "\u200f", "\u061c", "\x00", "\x1b", "\u2028", "\udcff", "@", "$",
             "01", "１", "３", "٣", "𝟙", "99999999999999999999999999999", "0." + "9" * 40, "1" * 400,
             "x" * 300, "名" * 200])
FRAGMENTS = [
    'item 100000000 "b" { start 1 }', 'item 01 "a" max 1 { start 1 } item 03 "c" max 1 { start 1 }',
    'item １ "a" { start 1 } item ３ "c" { start 1 }', "max 99999999999999999999999999999",
    "add " + " + ".join(["1"] * 330), "add " + "-" * 490 + "1", "add " + "max(" * 240 + "1" + ", 1)" * 240,
    "add 1 if " + "not " * 490 + "true", 'item 1 "a" {' * 100, "}" * 100, "(" * 500, ")" * 500,
    'import "/etc/passwd"', 'import "../../../../../../etc/hostname"', 'import "/proc/self/environ"',
    'import "' + "a" * 5000 + '"', 'import "./policy.assess"', "import deductions", "import no_such",
    'template t(p) { add p + p }', "use t(p: 1)", "use per_occurrence_until_zero(points: 1)",
    'accept W0512 "numbered so"', "accept E9999 \"x\"", '"' + "长" * 10_001 + '"', "# 注释 \u202e } {",
    "facts { n: count 0..9 }", "table t { 1..2: 3 else: 0 }", "round each 2 places half_up", "until zero",
    "weight 30%", "applies if n > 1", "zero if n > 1", "veto \"v\" if n > 8", "periods q { q1 q2 }",
    "outcomes { awards by rank { a: 1..3 } }", "lookup n { 1..2: 1 }", "count n where (x > 1)",
]
# Replacements that keep the text a sequence of tokens, so the damage reaches past the parser:
# a number, word or string in place of another of its kind.
SAME_KIND = {
    "NUMBER": st.sampled_from(["0", "1", "2", "0.5", "100", "01", "１", "100000000", "99999999999999999999999999999",
                               "0." + "0" * 30 + "1", "95%", "250%", "1" * 60]),
    "WORD": st.sampled_from(sorted(keywords.BY_SPELLING) + ["x", "n", "名称", "rank", "count", "missing_docs",
                                                           "stability_rank", "half_up", "workdays", "place"]),
    "STRING": st.sampled_from(['""', '"标题"', '"\\"', '"./policy.assess"', '"../x.assess"', '"' + "长" * 300 + '"',
                               '"W0512"', '"a\\nb"']),
}
_TOKEN = re.compile(r'(?P<NUMBER>\d+(\.\d+)?%?)|(?P<WORD>[^\W\d]\w*)|(?P<STRING>"[^"\\\n]*(?:\\.[^"\\\n]*)*")')

TOKEN_EDITS = st.one_of(
    st.tuples(st.just("token"), st.floats(0, 1), st.sampled_from(sorted(SAME_KIND))).flatmap(
        lambda t: st.tuples(st.just(t[0]), st.just(t[1]), st.just(t[2]), SAME_KIND[t[2]])),
    st.tuples(st.just("line"), st.floats(0, 1), st.sampled_from(["delete", "duplicate"])),
)
EDITS = st.one_of(
    TOKEN_EDITS,
    st.tuples(st.just("delete"), st.floats(0, 1), st.integers(1, 200)),
    st.tuples(st.just("duplicate"), st.floats(0, 1), st.integers(1, 400), st.floats(0, 1)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.lists(st.sampled_from(TOKENS), min_size=1, max_size=8)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=2)),
    st.tuples(st.just("replace"), st.floats(0, 1), st.integers(1, 40), st.lists(st.sampled_from(TOKENS), max_size=4)),
)


def edit(text: str, change) -> str:
    kind, where, *rest = change
    at = int(where * len(text))
    if kind == "token":  # the first token of that kind from `at` on (or the last before it)
        shape, value = rest
        found = [m for m in _TOKEN.finditer(text) if m.lastgroup == shape]
        if not found:
            return text
        token = next((m for m in found if m.start() >= at), found[-1])
        return text[:token.start()] + value + text[token.end():]
    if kind == "line":
        lines = text.split("\n")
        k = int(where * (len(lines) - 1))
        lines[k:k + 1] = [] if rest[0] == "delete" else [lines[k], lines[k]]
        return "\n".join(lines)
    if kind == "delete":
        return text[:at] + text[at + rest[0]:]
    if kind == "duplicate":
        piece = text[at:at + rest[0]]
        to = int(rest[1] * len(text))
        return text[:to] + piece + text[to:]
    if kind == "insert":
        return text[:at] + " ".join(rest[0]) + text[at:]
    return text[:at] + " ".join(rest[1]) + text[at + rest[0]:]  # replace


@settings(FUZZ, max_examples=600)
@given(st.sampled_from(sorted(SOURCES)), st.lists(EDITS, min_size=1, max_size=5))
def test_damaged_policies_get_located_registered_diagnostics(folder, source, changes):
    """Pieces cut out, copied elsewhere, tokens and fragments put in."""
    text = SOURCES[source]
    for change in changes:
        text = edit(text, change)
    check(write(folder, text))


@settings(FUZZ, max_examples=500)
@given(st.sampled_from(sorted(SOURCES)), st.lists(TOKEN_EDITS, min_size=1, max_size=3))
def test_policies_with_tokens_and_lines_changed(folder, source, changes):
    """A number, word or string swapped for another of its kind, a line left out or doubled: damage
    that mostly parses, and reaches the name and type checks, lowering and the lints."""
    text = SOURCES[source]
    for change in changes:
        text = edit(text, change)
    check(write(folder, text))


@settings(FUZZ, max_examples=60)
@given(st.sampled_from(sorted(SOURCES)), st.integers(0, 3), st.booleans())
def test_encodings_and_byte_order_marks(folder, source, encoding, bom):
    """The bundled policies saved by other editors: UTF-8 with a BOM, GBK, UTF-16, GB18030."""
    text = SOURCES[source]
    data = text.encode(("utf-8", "gbk", "utf-16", "gb18030")[encoding], errors="replace")
    check(write(folder, (b"\xef\xbb\xbf" if bom else b"") + data))


# ---- nesting ----------------------------------------------------------------------------

def _nested(kind: str, depth: int) -> str:
    body = {
        "sum": lambda: "add " + " + ".join(["n"] * (depth + 1)),
        "product": lambda: "add " + " * ".join(["n"] * (depth + 1)),
        "minus": lambda: "add " + "-" * depth + "n",
        "not": lambda: "add 1 if " + "not " * (depth - 1) + "n > 1",
        "and": lambda: "add 1 if " + " and ".join(["n > 1"] * depth),
        "max": lambda: "add " + "max(" * depth + "n" + ", 1)" * depth,
        "parens": lambda: "add " + "(" * depth + "n" + ")" * depth,
        "lookup": lambda: "add " + "lookup " * depth + "n" + " { 1..9: 1 else: 0 }" * depth,
        "mixed": lambda: "add " + "".join(("-", "max(", "(")[k % 3] for k in range(depth)) + "n"
                         + "".join(("", ", 1)", ")")[k % 3] for k in reversed(range(depth))),
    }[kind]()
    return f'facts {{ n: count 0..9 }}\npolicy p "t" {{\n  item 1 "a" max 10 {{ {body} }}\n}}\n'


def _items(depth: int) -> str:
    return ('policy p "t" {\n' + "".join(f'item {k} "i" {{\n' for k in range(1, depth + 1)) + "start 1\n"
            + "}\n" * depth + "}\n")


DEPTHS = st.one_of(st.integers(limits.MAX_EXPRESSION_DEPTH - 3, limits.MAX_EXPRESSION_DEPTH + 3),
                   st.sampled_from([1, 10, 200, 490, 1200, 5000]))


@settings(FUZZ, max_examples=100)
@given(st.sampled_from(["sum", "product", "minus", "not", "and", "max", "parens", "lookup", "mixed", "items"]),
       DEPTHS)
def test_deep_nesting_is_checked_or_refused_at_its_place(folder, kind, depth):
    text = _items(max(1, depth // 2)) if kind == "items" else _nested(kind, depth)
    diagnostics = check(write(folder, text))
    codes = {d["code"] for d in diagnostics if d["severity"] == "error"}
    assert codes <= {"E0107", "E0302", "E0301", "E0304"}, diagnostics  # only the limit, or a type error


# ---- huge numbers and names -------------------------------------------------------------

NUMBERS = st.one_of(st.integers(0, 10**40).map(str), st.integers(1, 5000).map(lambda n: "9" * n),
                    st.tuples(st.integers(0, 10**6), st.integers(1, 200)).map(lambda t: f"{t[0]}.{'5' * t[1]}"),
                    st.sampled_from(["0", "00", "0.0", "100000000", "１２", "٣", "1%", "99999999999999999999%"]))
NAMES = st.one_of(st.integers(1, 20_000).map(lambda n: "n" * n), st.integers(1, 5000).map(lambda n: "名" * n),
                  st.sampled_from(["_", "x1", "ａｂ", "𝕩", "名称_1"]))
PLACES = [
    'policy p "t" {{ max {n}\n item 1 "a" max {n} {{ start {n} }} }}',
    'policy p "t" {{ item {n} "a" {{ start 1 }} item 1 "b" {{ start 1 }} }}',
    'facts {{ x: count 0..{n} default {n} }}\npolicy p "t" {{ item 1 "a" max 1 {{ add {n} per x }} }}',
    'facts {{ x: decimal }}\npolicy p "t" {{ item 1 "a" max {n} {{ add lookup x {{ {n}..{n}: {n} else: 1 }} }} }}',
    'facts {{ x: percent }}\npolicy p "t" {{ round total {n} places half_up\n item 1 "a" max 1 {{ add 1 if x >= {n}% }} }}',
    'facts {{ x: count }}\npolicy p "t" {{ item 1 "a" max 1 {{ start 1 deduct {n} per 1% below {n}% of x }} }}',
    'facts {{ x: count }}\npolicy p "t" {{ item 1 "a" {{ add x * ' + " * ".join(["{n}"] * 60) + ' }} }}',
    'policy p "t" {{ item 1 "a" max {n} {{ item 1 "x" max {n} {{ start {n} }} item 2 "y" max {n} {{ start 1 }} }} }}',
]
#: the numbers that once ended in an internal error, in every place
WORST = ["9" * 5000, "9" * 1001, "9" * 1000, "0." + "0" * 998 + "1", "99999999999999999999999999999", "100000000"]


@settings(FUZZ, max_examples=100)
@given(NUMBERS, NAMES, st.sampled_from(range(len(PLACES))))
def test_huge_numbers_and_names(folder, number, name, place):
    text = PLACES[place].format(n=number)
    check(write(folder, text))
    named = f'facts {{ {name}: count 0..9 }}\npolicy {name} "t" {{ item {name} "a" max 1 {{ add 1 if {name} > 1 }} }}'
    check(write(folder, named))


@pytest.mark.parametrize("number", WORST, ids=lambda n: f"{len(n)} characters")
@pytest.mark.parametrize("place", range(len(PLACES)))
def test_the_largest_numbers_in_every_place(folder, place, number):
    check(write(folder, PLACES[place].format(n=number)))


# ---- hostile paths ----------------------------------------------------------------------

IMPORTS = ["/etc/passwd", "/etc/shadow", "/proc/self/environ", "/proc/self/cmdline", "/proc/self/status",
           "/dev/zero", "/dev/null", "/dev/stdin", "/dev/urandom", "/", ".", "..", "./", "../", "~/.ssh/id_rsa",
           "../" * 40 + "etc/passwd", "a" * 5000, "/".join(["aaaaaaaaa"] * 600), "./loop1", "./loop1/x.assess",
           "./dir", "./dir/", "./fifo", "./policy.assess", "./binary.assess", "./gbk.assess", "./escape",
           "./escape/secret.txt", "./shared.assess", "C:\\Windows\\win.ini", "\\\\server\\share\\x", "%APPDATA%",
           "file:///etc/passwd", "./a\\0b", " ", "", "./ \t", "./名称.assess"]
COMPONENTS = st.sampled_from(["..", ".", "", "a", "dir", "loop1", "fifo", "shared.assess", "x" * 300, "名" * 90,
                              "proc", "self", "environ", "etc", "passwd", "escape", "~", "%", "\\"])


@pytest.fixture
def hostile(folder):
    """A policy folder with loops, a pipe, a binary and a GBK file, a link out of it, and a secret beside it."""
    home = folder / "home"
    home.mkdir()
    (folder / "secret.txt").write_text("API_KEY=hunter2\n", encoding="utf-8")
    os.symlink("loop2", home / "loop1")
    os.symlink("loop1", home / "loop2")
    (home / "dir").mkdir()
    os.mkfifo(home / "fifo")
    (home / "binary.assess").write_bytes(b"\x89PNG\r\n\x1a\n\x00hunter2")
    (home / "gbk.assess").write_bytes("facts { 数: count }\n".encode("gbk"))
    (home / "shared.assess").write_text("facts { n: count 0..9 }\n", encoding="utf-8")
    os.symlink(folder, home / "escape")
    return home


def _importing(target: str) -> str:
    escaped = target.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'import "{escaped}"\npolicy p "t" {{ item 1 "a" max 1 {{ start 1 }} }}\n'


@pytest.mark.parametrize("allowed", [None, "/"], ids=["confined", "allowed anywhere"])
@pytest.mark.parametrize("target", IMPORTS)
def test_hostile_import_paths(hostile, target, allowed):
    env = {"ASSESSC_IMPORT_PATH": allowed} if allowed else {"ASSESSC_IMPORT_PATH": ""}
    diagnostics = check(write(hostile, _importing(target), "p.assess"), env)
    text = json.dumps(diagnostics, ensure_ascii=False)
    assert "hunter2" not in text and "root:" not in text and "PATH=" not in text
    if allowed is None:
        assert all(d["code"] != "E0101" for d in diagnostics), diagnostics  # nothing outside is parsed


@settings(FUZZ, max_examples=120)
@given(st.booleans(), st.lists(COMPONENTS, min_size=1, max_size=30), st.booleans())
def test_generated_import_paths(hostile, absolute, components, allowed):
    target = ("/" if absolute else "./") + "/".join(components)
    env = {"ASSESSC_IMPORT_PATH": "/" if allowed else ""}
    diagnostics = check(write(hostile, _importing(target), "p.assess"), env)
    assert "hunter2" not in json.dumps(diagnostics, ensure_ascii=False)


@pytest.mark.parametrize("name", ["fifo", "loop1", "binary.assess", "gbk.assess", "missing.assess",
                                  "a" * 300 + ".assess", "/".join(["aaaaaaaaa"] * 600)])
def test_hostile_policy_paths(hostile, name):
    """The file given to `assessc check` itself: a pipe, a loop, not text, missing, too long (a folder
    is a usage error, status 2)."""
    diagnostics = check(hostile / name)
    assert diagnostics and all(d["severity"] == "error" for d in diagnostics)
