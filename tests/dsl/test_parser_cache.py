"""The on-disk parser cache: a parser loaded from it behaves exactly like a
freshly built one, and a missing, damaged or unwritable cache only means the
parser is built again."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from lark import Token, Tree

from assessc.diagnostics import DiagnosticBag
from assessc.dsl import parser
from assessc.dsl.source import SourceFile

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "policies").glob("*.assess")) + sorted((ROOT / "stdlib").glob("*.assess"))
BROKEN = sorted((ROOT / "tests" / "golden" / "diagnostics").glob("*.assess"))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache folder, and a parser module that has not built its parser yet."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("ASSESSC_CACHE_DIR", str(folder))
    monkeypatch.delenv("ASSESSC_NO_CACHE", raising=False)
    parser._lark.cache_clear()
    yield folder
    parser._lark.cache_clear()


def cache_files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


def shape(node):
    """A parse tree with every position in it, for an exact comparison."""
    if isinstance(node, Token):
        return (node.type, str(node), node.line, node.column, node.end_line, node.end_column, node.start_pos)
    if isinstance(node, Tree):
        meta = node.meta
        where = None if meta.empty else (meta.line, meta.column, meta.end_line, meta.end_column)
        return (str(node.data), where, tuple(shape(c) for c in node.children))
    return node


def parse_with(lark, path: Path):
    """The AST and rendered diagnostics of ``path`` with ``lark`` as the parser."""
    return parse_text_with(lark, path.name, path.read_text(encoding="utf-8"))


def parse_text_with(lark, name: str, text: str):
    """The AST and rendered diagnostics of ``text`` with ``lark`` as the parser."""
    from assessc.diagnostics.render import render_text

    saved = parser._lark
    parser._lark = lambda: lark
    try:
        bag = DiagnosticBag()
        tree = parser.parse(SourceFile(name, text), bag)
        return tree, [render_text(d) for d in bag.sorted()]
    finally:
        parser._lark = saved


def test_first_use_stores_the_parser_and_later_uses_load_it(cache):
    built = parser._lark()
    files = cache_files(cache)
    assert len(files) == 1 and files[0].suffix == ".lark"
    parser._lark.cache_clear()
    loaded = parser._lark()
    assert loaded is not built
    assert parser._load_cached(files[0], parser._cache_key(parser.grammar_text())) is not None


def test_loaded_parser_gives_the_same_trees_as_a_fresh_build(cache):
    parser._lark()
    parser._lark.cache_clear()
    loaded = parser._lark()
    fresh = parser._build_lark()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        assert shape(loaded.parse(text)) == shape(fresh.parse(text)), path.name
        assert parse_with(loaded, path) == parse_with(fresh, path), path.name


def test_loaded_parser_recovers_from_errors_like_a_fresh_build(cache):
    parser._lark()
    parser._lark.cache_clear()
    loaded = parser._lark()
    fresh = parser._build_lark()
    assert [t.name for t in loaded.terminals] == [t.name for t in fresh.terminals]
    for path in BROKEN:
        assert parse_with(loaded, path) == parse_with(fresh, path), path.name


@pytest.mark.parametrize("damage", [b"", b"not a cache\n", b"truncated", "header"])
def test_a_damaged_cache_file_is_rebuilt(cache, damage):
    parser._lark()
    (path,) = cache_files(cache)
    good = path.read_bytes()
    if damage == "header":  # the right header, a cut-off body
        path.write_bytes(good[: len(good) // 2])
    else:
        path.write_bytes(damage)
    parser._lark.cache_clear()
    tree, diagnostics = parse_with(parser._lark(), ROOT / "policies" / "guangxi_2017.assess")
    assert tree is not None and diagnostics == []
    assert parser._load_cached(path, parser._cache_key(parser.grammar_text())) is not None


def test_a_cache_for_another_grammar_is_not_read(cache):
    parser._lark()
    (path,) = cache_files(cache)
    other = parser._cache_key(parser.grammar_text() + "\n// changed\n")
    assert other != parser._cache_key(parser.grammar_text())
    assert parser._load_cached(path, other) is None


def test_an_unwritable_cache_folder_is_ignored(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("ASSESSC_CACHE_DIR", str(blocker / "cache"))  # below a file: cannot be created
    parser._lark.cache_clear()
    try:
        tree, _ = parse_with(parser._lark(), ROOT / "policies" / "hubei_2017.assess")
        assert tree is not None
    finally:
        parser._lark.cache_clear()
    assert list(tmp_path.iterdir()) == [blocker]


def test_no_cache_when_disabled(cache, monkeypatch):
    monkeypatch.setenv("ASSESSC_NO_CACHE", "1")
    assert parser.cache_dir() is None
    parser._lark()
    assert cache_files(cache) == []


def test_default_location(monkeypatch, tmp_path):
    monkeypatch.delenv("ASSESSC_CACHE_DIR", raising=False)
    monkeypatch.delenv("ASSESSC_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert parser.cache_dir() == tmp_path / "assessc"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored, as the XDG spec says
    assert parser.cache_dir() == Path.home() / ".cache" / "assessc"


def test_concurrent_first_runs_leave_one_whole_cache_file(tmp_path):
    folder = tmp_path / "cache"
    env = dict(os.environ, ASSESSC_CACHE_DIR=str(folder))
    env.pop("ASSESSC_NO_CACHE", None)
    code = "from assessc.dsl import parser; parser._lark()"
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env) for _ in range(4)]
    assert [p.wait() for p in procs] == [0] * 4
    files = cache_files(folder)
    assert len(files) == 1 and files[0].suffix == ".lark"  # no temporary files left behind
    assert parser._load_cached(files[0], parser._cache_key(parser.grammar_text())) is not None


def test_check_loads_no_backend_report_or_input_format_it_does_not_use(tmp_path):
    """Start-up cost: `check` of a policy without weights or working days
    imports neither the scoring backends nor the facts readers nor the calendar."""
    code = (
        "import runpy, sys\n"
        "sys.argv = ['assessc', 'check', 'policies/guangxi_2017.assess']\n"
        "try:\n"
        "    runpy.run_module('assessc', run_name='__main__')\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    env = dict(os.environ, ASSESSC_CACHE_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    unwanted = {"numpy", "graphviz", "sqlglot", "openpyxl", "chinese_calendar", "assessc.backends.interp",
                "assessc.facts.load", "assessc.reports.tree_print", "assessc.reports.output"}
    assert not unwanted & loaded
