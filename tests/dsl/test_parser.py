"""Parser unit tests: AST shapes, spans, keywords, and spans ignored by equality."""

from decimal import Decimal

from assessc.diagnostics import DiagnosticBag
from assessc.dsl import ast, keywords
from assessc.dsl.parser import parse
from assessc.dsl.source import SourceFile


def parse_text(text: str):
    bag = DiagnosticBag()
    tree = parse(SourceFile("t.assess", text), bag)
    return tree, list(bag)


def only_item(text: str) -> ast.Item:
    tree, errors = parse_text('policy p "t" { ' + text + " }")
    assert not errors, errors
    return tree.decls[0].body[0]


def test_per_occurrence_until_zero():
    item = only_item('item 1 "配套文件" max 1 { start 1 deduct 0.5 per missing_docs until zero }')
    assert item.cap.value.value == Decimal("1")
    start, deduct, until = item.body
    assert start == ast.Start(ast.Number(Decimal(1)))
    assert deduct.sign == -1
    assert deduct.term == ast.PerTerm(ast.Number(Decimal("0.5")), ast.Name("missing_docs"))
    assert isinstance(until, ast.UntilZero)


def test_percent_literal_is_a_fraction():
    item = only_item('item 1 "a" { add 1 if rate >= 95% }')
    condition = item.body[0].condition
    assert condition.right == ast.Number(Decimal("0.95"), is_percent=True)


def test_steps_with_partial_mode():
    item = only_item('item 1 "a" { deduct 1 per 1% below 97% of rate counting started steps }')
    term = item.body[0].term
    assert isinstance(term, ast.StepsTerm)
    assert (term.direction, term.partial) == ("below", "started")
    assert term.threshold.value == Decimal("0.97")


def test_lookup_inline_table_and_ledger():
    item = only_item('item 1 "a" { add lookup r { 1..4: 2  5: 1.5  else: 0 } '
                     'add cases by kind { award: 1 } highest per matter }')
    lookup, ledger = (s.term for s in item.body)
    kinds = [e.kind for e in lookup.table.body.entries]
    assert kinds == ["range", "single", "else"]
    assert ledger.group == ast.Name("matter")


def test_chinese_names_and_titles_with_spans():
    tree, errors = parse_text('facts {\n  排名: rank 1..14 "社会稳定动态排名"\n}\n')
    assert not errors
    field = tree.decls[0].fields[0]
    assert field.name == "排名" and field.label == "社会稳定动态排名"
    assert (field.span.line, field.span.column) == (2, 3)


def test_spans_do_not_take_part_in_equality():
    a = only_item('item 1 "a" { start 1 }')
    b = only_item('item   1   "a"\n{\n  start 1\n}')
    assert a == b


def test_keywords_are_soft_outside_their_places():
    tree, errors = parse_text('facts { rank: rank 1..14  text: count }\n'
                              'policy p "t" { item 1 "a" { add lookup rank { 1..4: 2 } deduct 1 per text } }')
    assert not errors, errors
    item = tree.decls[1].body[0]
    assert item.body[0].term.key == ast.Name("rank")
    assert item.body[1].term.count == ast.Name("text")


def test_expression_keywords_win_where_both_fit():
    # `count L` counts a ledger's entries, so `count` at the start of an
    # expression is that keyword and needs a name after it.
    _, errors = parse_text('policy p "t" { item 1 "a" { add 1 per count } }')
    assert errors and errors[0].help == "expected a name"


def test_every_keyword_terminal_is_used_by_the_grammar():
    from assessc.dsl.parser import grammar_text

    text = grammar_text().split("%declare")[0]
    unused = [t for t in keywords.KEYWORDS if t not in text]
    assert unused == []


def test_several_errors_in_one_run():
    _, errors = parse_text('policy p "t" {\n item 1 "a" { start }\n item 2 "b" { add 1 if }\n}')
    assert len(errors) == 2
