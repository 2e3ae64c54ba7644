"""The formatter: every bundled source formats to an equal tree with the same
comments, formatting is stable, strings and numbers round-trip exactly,
comments keep their places, and `assessc fmt` rewrites, checks and diffs
files, keeping their line breaks, byte-order mark and permissions."""

from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from assessc.cli import main
from assessc.diagnostics import DiagnosticBag
from assessc.dsl import ast
from assessc.dsl.fmt import PRINTED_FIELDS, FormatError, format_module, format_source
from assessc.dsl.parser import parse
from assessc.dsl.source import SourceFile
from assessc.dsl.trivia import Trivia

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    [*(ROOT / "policies").glob("*.assess"), *(ROOT / "stdlib").rglob("*.assess"),
     *(p for p in (ROOT / "tests" / "golden").rglob("*.assess") if "not_text" not in p.parts)]  # not UTF-8 text
)


def parse_text(text: str, path: str = "t.assess") -> ast.Module | None:
    return parse(SourceFile(path, text), DiagnosticBag())


def assert_equivalent(tree: ast.Module) -> str:
    """The formatted text of ``tree`` parses back to an equal tree (spans aside)."""
    text = format_module(tree)
    again = parse_text(text)
    assert again is not None, text
    assert again == tree, text
    return text


def assert_stable(text: str) -> None:
    """Formatting formatted text changes nothing."""
    once = format_source(text)
    assert format_source(once) == once


def comments(text: str) -> list[str]:
    return [c.rstrip() for c in Trivia(text).comments]


def _parsed_sources():
    for path in SOURCES:
        tree = parse_text(path.read_text(encoding="utf-8"), str(path))
        if tree is not None:
            yield path, tree


PARSED = list(_parsed_sources())


def test_the_bundled_sources_that_parse_are_many():
    assert len(PARSED) >= 10
    assert {p.name for p, _ in PARSED} >= {"guangxi_2017.assess", "zhonglou_2020.assess", "deductions.assess"}


@pytest.mark.parametrize("path,tree", PARSED, ids=[p.name for p, _ in PARSED])
def test_bundled_source_formats_to_an_equal_tree_and_is_stable(path, tree):
    text = assert_equivalent(tree)
    assert format_source(text) == text
    assert "\t" not in text and all(line == line.rstrip() for line in text.splitlines())
    source = path.read_text(encoding="utf-8")
    formatted = format_source(source)
    assert parse_text(formatted) == tree
    assert comments(formatted) == comments(source)
    assert format_source(formatted) == formatted
    assert all(line == line.rstrip() for line in formatted.splitlines())


def test_canonical_layout():
    source = (
        'import deductions import "./a b.assess"\n'
        "facts { n: count \"件数\" default 0  比率: percent 0%..300%  grade: enum { 优秀 \"优\", 合格 } }\n"
        "table t { 1..4: 2 5: -1 else: 0 }\n"
        'policy p "标题" { max 10 round each 2 places half_up '
        'item 1 "a" max 2 uncapped { start 1 deduct 0.5 per n until zero } '
        'bonus 加分 "b" max 1 { add lookup n t if grade in {优秀, 合格} } }'
    )
    assert format_source(source) == (
        "import deductions\n"
        'import "./a b.assess"\n'
        "\n"
        "facts {\n"
        '  n:     count "件数" default 0\n'
        "  比率:  percent 0%..300%\n"
        '  grade: enum { 优秀 "优", 合格 }\n'
        "}\n"
        "\n"
        "table t { 1..4: 2  5: -1  else: 0 }\n"
        "\n"
        'policy p "标题" {\n'
        "  max 10\n"
        "  round each 2 places half_up\n"
        "\n"
        '  item 1 "a" max 2 uncapped {\n'
        "    start 1\n"
        "    deduct 0.5 per n\n"
        "    until zero\n"
        "  }\n"
        "\n"
        '  bonus 加分 "b" max 1 {\n'
        "    add lookup n t if grade in {优秀, 合格}\n"
        "  }\n"
        "}\n"
    )


def test_weights_applicability_coefficients_matrices_and_aliases():
    text = format_source(
        'facts { g: enum { 一等奖 "一等" also "特等奖" "金奖", 二等奖 also "银奖" } lv: enum { 省, 市 } '
        'awards: ledger { level: enum { 省, 市 } prize: enum { 一等奖, 二等奖 } matter: text } r: rank 1..9 }\n'
        'matrix points { columns (一等奖, 二等奖) 省: 3, 2  市: 1.5, -1 }\n'
        'policy p "t" { coefficient 0.9 item 1 "a" max 10 { weight lookup r { 1..3: 50%  else: 0.3 } '
        'applies if lv == 省 coefficient 1 + lookup g { 一等奖: 0.1 } add awards by level, prize points highest per matter '
        'add 2 * lookup (r) { 1: 1 } } }')
    assert '  g:      enum { 一等奖 "一等" also "特等奖" "金奖", 二等奖 also "银奖" }\n' in text
    assert "matrix points {\n  columns (一等奖, 二等奖)\n  省: 3, 2\n  市: 1.5, -1\n}\n" in text
    assert "    weight lookup r { 1..3: 50%  else: 0.3 }\n    applies if lv == 省\n" in text
    assert "    coefficient 1 + lookup g { 一等奖: 0.1 }\n" in text
    assert "    add awards by level, prize points highest per matter\n    add 2 * lookup r { 1: 1 }\n" in text
    assert "  coefficient 0.9\n" in text
    assert_equivalent(parse_text(text))
    assert_stable(text)


def test_outcomes_periods_and_ledger_filters():
    text = format_source(
        'facts { cases: ledger { k: enum { a, b } n: count } }\n'
        'policy p "t" { periods quarter "季度" { Q1 "第一季度", Q2 } '
        'item 1 "a" max 5 per quarter { add cases where (n > 1 and k == a) by k { a: 1 } highest per n '
        'add 2 * sum cases where (n >= 1) by k { a: 1  b: 2 } + count cases where (k in {b}) '
        'requires count cases > 0 "有台账" requires count cases < 9 } '
        'outcomes { awards "等次" by rank of 1 { 一等奖 "一等": 1..3  二等奖: 4..10 } demote "降一等" if count cases > 3 '
        'rank last "末位" if count cases > 9 flag "关注" if count cases == 0 } }')
    assert '  periods quarter "季度" { Q1 "第一季度", Q2 }\n\n  item 1 "a" max 5 per quarter {\n' in text
    assert "    add cases where (n > 1 and k == a) by k { a: 1 } highest per n\n" in text
    assert "    add 2 * sum cases where (n >= 1) by k { a: 1  b: 2 } + count cases where (k in {b})\n" in text
    assert '    requires count cases > 0 "有台账"\n    requires count cases < 9\n' in text
    assert ('  outcomes {\n    awards "等次" by rank of 1 {\n      一等奖 "一等": 1..3\n      二等奖: 4..10\n    }\n'
            '    demote "降一等" if count cases > 3\n    rank last "末位" if count cases > 9\n'
            '    flag "关注" if count cases == 0\n  }\n') in text
    assert_equivalent(parse_text(text))
    assert_stable(text)


def test_calendar_declarations_take_one_holiday_per_line():
    text = format_source(
        'calendar 2026 "国务院办公厅关于2026年部分节假日安排的通知" { basis "国务院办公厅 2025年11月4日" '
        'holiday "元旦" 2026-01-01..2026-01-03 workdays 2026-01-04 holiday "春节" 2026-02-15..2026-02-23 '
        'workdays 2026-02-14,2026-02-28 holiday "清明节" 2026-04-04 , 2026-04-05..2026-04-06 } calendar 2030 "x" {}')
    assert text == (
        'calendar 2026 "国务院办公厅关于2026年部分节假日安排的通知" {\n'
        '  basis "国务院办公厅 2025年11月4日"\n'
        '  holiday "元旦" 2026-01-01..2026-01-03 workdays 2026-01-04\n'
        '  holiday "春节" 2026-02-15..2026-02-23 workdays 2026-02-14, 2026-02-28\n'
        '  holiday "清明节" 2026-04-04, 2026-04-05..2026-04-06\n'
        "}\n"
        "\n"
        'calendar 2030 "x" {}\n'
    )
    assert_equivalent(parse_text(text))
    assert_stable(text)


def test_long_tables_and_member_lists_take_one_line_per_entry():
    rows = "  ".join(f"case_{k}: {k}" for k in range(1, 9))
    members = ", ".join(f'm{k} "第{k}项证明材料的名称"' for k in range(1, 6))
    text = format_source(
        f"facts {{ ev: evidence {{ {members} }}  cases: ledger {{ case: enum {{ a }} matter: text }} }}\n"
        f'policy p "t" {{ item 1 "a" {{ deduct cases by case {{ {rows} }} highest per matter if missing ev > 0 }} }}'
    )
    assert "    m1 \"第1项证明材料的名称\",\n" in text
    assert "  cases: ledger {\n    case:   enum { a }\n    matter: text\n  }\n" in text
    assert "    deduct cases by case {\n      case_1: 1\n" in text
    assert "    } highest per matter if missing ev > 0\n" in text
    assert_stable(text)


@pytest.mark.parametrize(
    "written,printed",
    [
        ("(a + b) * c", "(a + b) * c"),
        ("a + (b * c)", "a + b * c"),
        ("a - (b - c)", "a - (b - c)"),
        ("(a - b) - c", "a - b - c"),
        ("a / (b / c)", "a / (b / c)"),
        ("-(a + 1)", "-(a + 1)"),
        ("- -a", "--a"),
        ("((min(a, (b))))", "min(a, b)"),
        ("max(a, b, 2) * 0.5", "max(a, b, 2) * 0.5"),
        ("missing ev * 2", "missing ev * 2"),
        ("count l + 1", "count l + 1"),
    ],
)
def test_arithmetic_keeps_only_needed_parentheses(written, printed):
    text = format_source(f'policy p "t" {{ item 1 "a" {{ add {written} }} }}')
    assert f"    add {printed}\n" in text
    assert_equivalent(parse_text(text))


@pytest.mark.parametrize(
    "written,printed",
    [
        ("not (x and y)", "not (x and y)"),
        ("(x or y) and z", "(x or y) and z"),
        ("x or (y and z)", "x or y and z"),
        ("x and (y or z)", "x and (y or z)"),
        ("(x and y) and z", "x and y and z"),
        ("x and (y and z)", "x and (y and z)"),
        ("not not x", "not not x"),
        ("(a < b + 1) == true", "(a < b + 1) == true"),
        ("d <= 2018-01-31 and g in {优, 良}", "d <= 2018-01-31 and g in {优, 良}"),
        ("not (g in {优})", "not g in {优}"),
        ("a - 2017 > 12 - 31", "a - 2017 > 12 - 31"),
    ],
)
def test_conditions_keep_only_needed_parentheses(written, printed):
    text = format_source(f'policy p "t" {{ item 1 "a" {{ zero if {written} }} }}')
    assert f"    zero if {printed}\n" in text
    assert_equivalent(parse_text(text))


@pytest.mark.parametrize(
    "written,printed",
    [("0.50", "0.5"), ("95%", "95%"), ("0.5%", "0.5%"), ("100.0%", "100%"), ("12.250", "12.25"),
     ("007", "7"), ("123456789012345678.000001", "123456789012345678.000001"), ("0.0000001", "0.0000001"),
     ("1" * 38, "1" * 38), ("0." + "0" * 36 + "1", "0." + "0" * 36 + "1"), ("1" * 30 + ".5%", "1" * 30 + ".5%")],
)
def test_numbers_are_written_as_in_the_source_and_printed_exactly_from_a_tree(written, printed):
    text = format_source(f'policy p "t" {{ item 1 "a" {{ start {written} }} }}')
    assert f"    start {written}\n" in text
    canonical = format_module(parse_text(text))
    assert f"    start {printed}\n" in canonical
    assert_equivalent(parse_text(text))


def test_signed_numbers_in_ranges_tables_and_defaults():
    text = format_source('facts { x: decimal -5..-0.5 default -1  r: percent -10%..300% default -5% }\n'
                         'table t { -3..-1: -0.5  0: 0 }')
    assert "x: decimal -5..-0.5 default -1" in text and "r: percent -10%..300% default -5%" in text
    assert "table t { -3..-1: -0.5  0: 0 }" in text
    tree = parse_text(text)
    assert tree.decls[0].fields[1].default == ast.Number(Decimal("-0.05"), True)
    assert_equivalent(tree)


TRICKY = ['引号"在中间"', "反斜杠\\结尾\\", "换行\n与\t制表", '\\"', "# 不是注释", "{ } 花括号", "", " 空格 ", "\\n 字面"]


@pytest.mark.parametrize("title", TRICKY)
def test_strings_round_trip(title):
    tree = ast.Module((
        ast.FactsDecl((ast.FactField("n", ast.FactType("text"), title, ast.StringLit(title)),)),
        ast.PolicyDecl("p", title, (ast.Item("item", "1", title, None, (ast.Meta("note", (title,)),)),)),
    ))
    text = assert_equivalent(tree)
    assert comments(text) == []
    assert_stable(text)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=30))
def test_any_string_round_trips(title):
    tree = ast.Module((ast.PolicyDecl("p", title, (ast.Meta("lead", (title, title + "'")),)),))
    assert_equivalent(tree)


def test_a_carriage_return_cannot_be_written():
    with pytest.raises(FormatError, match="carriage return"):
        format_module(ast.Module((ast.PolicyDecl("p", "a\rb", ()),)))


def test_a_syntax_error_is_reported():
    with pytest.raises(FormatError, match="E01"):
        format_source('policy p "t" { item 1 "a" { start } }')


def test_a_hash_inside_a_string_is_not_a_comment():
    text = 'facts { n: count "a # b" } # one\n# two\npolicy p "\\"#" {}\n"x\\\\" # three'
    assert comments(text) == ["# one", "# two", "# three"]


@attrs.frozen
class Unheard:
    """An AST class the formatter has never seen."""


def test_an_unknown_node_class_fails_loudly():
    with pytest.raises(TypeError, match="Unheard"):
        format_module(ast.Module((Unheard(),)))
    with pytest.raises(TypeError, match="Unheard"):
        format_module(ast.Module((ast.PolicyDecl("p", "t", (ast.Item("item", "1", "a", None, (Unheard(),)),)),)))
    with pytest.raises(TypeError, match="Unheard"):
        format_module(ast.Module((ast.PolicyDecl("p", "t", (ast.Veto("r", Unheard()),)),)))
    with pytest.raises(TypeError, match="Adjust"):  # a known class in the wrong place is named too
        format_module(ast.Module((ast.PolicyDecl("p", "t", (ast.Veto("r", ast.Adjust(1, None, None)),)),)))


def test_every_ast_class_has_a_printer_for_all_its_fields():
    classes = {c for c in vars(ast).values() if isinstance(c, type) and attrs.has(c) and c.__module__ == ast.__name__}
    assert classes - set(PRINTED_FIELDS) == set(), "AST classes without a printer"
    for cls in classes:
        meaningful = {f.name for f in attrs.fields(cls) if f.eq}
        assert set(PRINTED_FIELDS[cls]) == meaningful, cls.__name__


# ---- assessc fmt -----------------------------------------------------------------

UGLY = 'facts{n:count}policy p "t"{item 1 "a" max 1{start 1 deduct 0.5 per n until zero}}'


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def test_fmt_rewrites_in_place_and_then_has_nothing_to_do(tmp_path):
    path = tmp_path / "p.assess"
    path.write_text(UGLY, encoding="utf-8")
    result = run("fmt", path)
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == format_source(UGLY)
    assert [p.name for p in tmp_path.iterdir()] == ["p.assess"]  # no temporary file left behind
    assert run("fmt", "--check", path).exit_code == 0


def test_fmt_check_lists_files_that_would_change_and_changes_nothing(tmp_path):
    ugly, tidy = tmp_path / "ugly.assess", tmp_path / "tidy.assess"
    ugly.write_text(UGLY, encoding="utf-8")
    tidy.write_text(format_source(UGLY), encoding="utf-8")
    result = run("fmt", "--check", ugly, tidy)
    assert result.exit_code == 1
    assert f"would reformat {ugly}" in result.output and str(tidy) not in result.output
    assert ugly.read_text(encoding="utf-8") == UGLY


def test_fmt_leaves_a_file_with_syntax_errors_alone(tmp_path):
    bad, good = tmp_path / "bad.assess", tmp_path / "good.assess"
    bad.write_text('policy p "t" { item 1 "a" { start } }', encoding="utf-8")
    good.write_text(UGLY, encoding="utf-8")
    result = run("fmt", bad, good)
    assert result.exit_code == 1
    assert "E0101" in result.output
    assert bad.read_text(encoding="utf-8") == 'policy p "t" { item 1 "a" { start } }'
    assert good.read_text(encoding="utf-8") == format_source(UGLY)
    assert run("fmt", tmp_path / "none.assess").exit_code == 1


def test_fmt_keeps_crlf_line_breaks_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "windows.assess"
    path.write_bytes("\ufeff# 说明\r\n".encode("utf-8") + UGLY.encode("utf-8") + b"  # \xe6\x89\xa3\r\n")
    assert run("fmt", path).exit_code == 0
    data = path.read_bytes()
    assert data.startswith("\ufeff# 说明\r\n".encode("utf-8"))
    assert b"\n" not in data.replace(b"\r\n", b"")
    text = data.decode("utf-8")
    assert text[1:].replace("\r\n", "\n") == "# 说明\n" + format_source(UGLY).replace("}\n}\n", "}\n}  # 扣\n")
    assert run("fmt", "--check", path).exit_code == 0


def test_fmt_diff_prints_a_unified_diff_and_changes_nothing(tmp_path):
    path = tmp_path / "p.assess"
    path.write_text('policy p "t" {max 1}', encoding="utf-8")  # no line break at the end
    result = run("fmt", "--diff", path)
    assert result.exit_code == 1
    assert f"--- {path}\n+++ {path}\n@@ -1 +1,3 @@\n" in result.output
    assert '-policy p "t" {max 1}\n\\ No newline at end of file\n+policy p "t" {\n+  max 1\n+}\n' in result.output
    assert "1 file would be reformatted, 0 already formatted" in result.output
    assert path.read_text(encoding="utf-8") == 'policy p "t" {max 1}'
    run("fmt", path)
    assert run("fmt", "--diff", path).output.strip() == "0 files would be reformatted, 1 already formatted"


def test_fmt_formats_every_assess_file_under_a_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    ugly, tidy = tmp_path / "sub" / "b.assess", tmp_path / "a.assess"
    ugly.write_text(UGLY, encoding="utf-8")
    tidy.write_text(format_source(UGLY), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a policy {", encoding="utf-8")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "vendored.assess").write_text("not a policy {", encoding="utf-8")  # hidden: skipped
    result = run("fmt", "--check", tmp_path)
    assert result.exit_code == 1 and f"would reformat {ugly}" in result.output and str(tidy) not in result.output
    result = run("fmt", tmp_path, tidy)  # a file named twice is formatted once
    assert result.exit_code == 0 and "1 file reformatted, 1 left unchanged" in result.output
    assert run("fmt", "--check", tmp_path).exit_code == 0


def test_fmt_keeps_permissions_and_writes_through_a_symbolic_link(tmp_path):
    target, link = tmp_path / "p.assess", tmp_path / "link.assess"
    target.write_text(UGLY, encoding="utf-8")
    target.chmod(0o644)
    link.symlink_to(target)
    assert run("fmt", link).exit_code == 0
    assert link.is_symlink() and target.read_text(encoding="utf-8") == format_source(UGLY)
    assert target.stat().st_mode & 0o777 == 0o644


def test_fmt_reports_a_file_that_is_not_utf8_and_has_no_force_option(tmp_path):
    path = tmp_path / "gbk.assess"
    path.write_bytes('policy p "考评" {}'.encode("gbk"))
    result = run("fmt", path)
    assert result.exit_code == 1 and "E0105" in result.output and "UTF-8" in result.output
    assert path.read_bytes() == 'policy p "考评" {}'.encode("gbk")
    assert run("fmt", "--force", path).exit_code == 2


def test_comments_inside_a_joined_expression_go_before_its_line_in_order():
    text = format_source('policy p "t" { item 1 "a" {\n  add 1 +  # one\n  # two\n  2 * (3  # three\n  ) # four\n} }')
    assert '    # one\n    # two\n    # three\n    add 1 + 2 * 3  # four\n' in text
    assert_stable(text)


def test_blank_lines_between_statements_are_kept_one_at_most():
    text = format_source('facts {\n\n  a: count\n\n\n  b: count\n  # c\n\n  c: count\n\n}\n\n\n\npolicy p "t" {}\n')
    assert text == 'facts {\n  a: count\n\n  b: count\n  # c\n\n  c: count\n}\n\npolicy p "t" {}\n'


def test_an_empty_block_or_list_holding_a_comment_opens_over_lines():
    text = format_source('facts { e: enum { # none yet\n } l: ledger { # later\n } }\n'
                         'policy p "t" { item 1 "a" { # to do\n } periods q { # none\n } }')
    assert "  e: enum {  # none yet\n  }\n  l: ledger {  # later\n  }\n" in text
    assert '  item 1 "a" {  # to do\n  }\n\n  periods q {  # none\n  }\n' in text
    assert_stable(text)
