"""Regression tests of the formatter and `assessc fmt`, one group per defect."""

from __future__ import annotations

import decimal
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from assessc.cli import main
from assessc.diagnostics import DiagnosticBag
from assessc.dsl import ast
from assessc.dsl.fmt import FormatError, format_module, format_source
from assessc.dsl.parser import parse
from assessc.dsl.source import SourceFile
from assessc.dsl.trivia import Trivia

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted([*(ROOT / "policies").glob("*.assess"), *(ROOT / "stdlib").glob("*.assess")])


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def tree_of(text: str) -> ast.Module | None:
    return parse(SourceFile("t.assess", text), DiagnosticBag())


def comments(text: str) -> list[str]:
    return [c.rstrip() for c in Trivia(text).comments]


# ---- 1. fmt deleted comments ------------------------------------------------------------


def test_fmt_formats_a_policy_with_reading_notes_and_keeps_every_comment(tmp_path):
    """`fmt` deletes comments: it refused every bundled policy, and --force deleted the reading notes."""
    path = tmp_path / "guangxi_2017.assess"
    source = (ROOT / "policies" / "guangxi_2017.assess").read_text(encoding="utf-8")
    ugly = source.replace("\n  ", "\n      ").replace("item 2 ", "item   2 ")  # something to reformat
    path.write_text(ugly, encoding="utf-8")
    result = run("fmt", path)
    assert result.exit_code == 0, result.output
    formatted = path.read_text(encoding="utf-8")
    assert formatted != ugly
    assert comments(formatted) == comments(source) and len(comments(source)) > 30
    assert tree_of(formatted) == tree_of(source)
    assert "# Reading notes (seed defects are kept visible, not silently repaired):\n" in formatted
    assert "  # 1.1, 1.2\n  missing_supporting_docs:" in formatted


def test_fmt_keeps_comments_in_place_at_every_kind_of_position():
    """`fmt` deletes comments: full-line, trailing, end-of-block, first/last and in-list comments must stay."""
    source = (
        "# header\n"
        "\n"
        "import deductions  # the stdlib\n"
        "\n"
        "facts {\n"
        "  # counted by hand\n"
        "  n: count  # per case\n"
        "  grade: enum { a, # the best\n"
        "    b }\n"
        "  # end of facts\n"
        "}\n"
        "\n"
        "table t { 1..4: 2  # low\n"
        "  else: 0 }\n"
        'policy p "t" {\n'
        "  max 10\n"
        "\n"
        "  # about item 1\n"
        '  item 1 "a" max 2 {\n'
        "    start 2\n"
        "    deduct 0.5 per n  # 扣完为止\n"
        "    until zero\n"
        "    # end of item 1\n"
        "  }\n"
        "}\n"
        "# trailer\n"
    )
    assert format_source(source) == (
        "# header\n"
        "\n"
        "import deductions  # the stdlib\n"
        "\n"
        "facts {\n"
        "  # counted by hand\n"
        "  n:     count  # per case\n"
        "  grade: enum {\n"
        "    a,  # the best\n"
        "    b\n"
        "  }\n"
        "  # end of facts\n"
        "}\n"
        "\n"
        "table t {\n"
        "  1..4: 2  # low\n"
        "  else: 0\n"
        "}\n"
        "\n"
        'policy p "t" {\n'
        "  max 10\n"
        "\n"
        "  # about item 1\n"
        '  item 1 "a" max 2 {\n'
        "    start 2\n"
        "    deduct 0.5 per n  # 扣完为止\n"
        "    until zero\n"
        "    # end of item 1\n"
        "  }\n"
        "}\n"
        "# trailer\n"
    )


# ---- 2. formatting proved on every bundled file ------------------------------------------


def test_fmt_check_passes_on_every_bundled_policy_and_stdlib_module():
    """`fmt --check` must pass on every bundled file: they were refused for their comments."""
    result = run("fmt", "--check", ROOT / "policies", ROOT / "stdlib")
    assert result.exit_code == 0, result.output
    assert "would reformat" not in result.output


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_formatting_a_bundled_file_keeps_its_tree_and_comments_and_is_stable(path):
    """Formatting must give the same tree and the same comments in the same order, and be stable."""
    source = path.read_text(encoding="utf-8")
    formatted = format_source(source)
    assert tree_of(formatted) == tree_of(source)
    assert comments(formatted) == comments(source)
    assert format_source(formatted) == formatted


# ---- 3. literals ---------------------------------------------------------------------------

LONG = ("1234567890" * 4)[:38]  # 38 digits, the most a literal may have (E0406 above)
LITERALS = [
    LONG,
    LONG[:20] + "." + LONG[20:],
    "9" * 38,
    "0." + "0" * 36 + "1",
    LONG[:36] + "%",
    "0.50",
    "100.0%",
]


def exact(literal: str) -> Decimal:
    """The literal's value, not rounded (a percent is a hundredth)."""
    return Decimal(literal.rstrip("%")).scaleb(-2 if literal.endswith("%") else 0, context=decimal.Context(prec=400))


@pytest.mark.parametrize("literal", LITERALS)
def test_fmt_writes_a_long_number_exactly_as_written(literal):
    """`fmt` printed a 40-digit literal as its 28-digit rounding, changing the policy."""
    source = f'facts {{ x: decimal -{literal}..{literal} default -{literal} }}\n' \
             f'table t {{ -{literal}..{literal}: {literal} }}\n' \
             f'policy p "t" {{ item 1 "a" {{ start {literal} add x * {literal} }} }}\n'
    formatted = format_source(source)
    assert formatted.count(literal) == 8, formatted
    tree = tree_of(formatted)
    assert tree == tree_of(source)
    assert tree.decls[0].fields[0].default.value == exact(literal).copy_negate()  # read without rounding too


@pytest.mark.parametrize("literal", LITERALS)
def test_a_tree_holding_a_long_number_is_printed_exactly(literal):
    """`fmt` printed a 40-digit literal as its 28-digit rounding, changing the policy."""
    number = ast.Number(exact(literal), literal.endswith("%"))
    tree = ast.Module((ast.PolicyDecl("p", "t", (ast.Item("item", "1", "a", None, (ast.Start(number),)),)),))
    printed = format_module(tree)
    assert tree_of(printed) == tree
    assert Decimal(printed.split("start ")[1].split("\n")[0].rstrip("%")) == Decimal(literal.rstrip("%"))


def test_fmt_refuses_a_literal_longer_than_the_engines_carry_rather_than_change_it():
    """A 40-digit literal was formatted as its 28-digit rounding; now it is E0406 and the file is left alone."""
    with pytest.raises(FormatError, match="E0406"):
        format_source(f'policy p "t" {{ item 1 "a" {{ start {"1234567890" * 4} }} }}')


def test_fmt_writes_strings_dates_and_full_width_text_exactly_as_written():
    """The formatter must reproduce every literal exactly as written, escapes and full-width characters too."""
    source = ('policy p "全角　空格\\q\\\'\t（括号）" {\n'
              '  item 1 "a\\u" {\n'
              '    deadline 2020-02-29\n'
              '    note "反斜杠\\\\ 引号\\" 换行\\n"\n'
              "  }\n"
              "}\n")
    assert format_source(source) == source
