"""The one-expression lexer reads every text exactly as Lark's contextual
lexer would: the same parse trees, positions included, and the same
diagnostics with the same error recovery, on the bundled policies, the
broken golden files and generated texts full of soft keywords, dates,
ranges and characters the language does not use."""

import functools
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark import Lark

from assessc.dsl import keywords, lexer, parser

from tests.dsl.test_parser_cache import BROKEN, ROOT, SOURCES, parse_text_with, parse_with, shape

# (tests/golden/diagnostics/not_text holds policies that are not UTF-8 text: nothing to lex)
EXAMPLES = sorted((ROOT / "docs").rglob("*.assess")) + sorted(p for p in (ROOT / "tests").rglob("*.assess")
                                                           if "not_text" not in p.parts)


@functools.lru_cache(maxsize=1)
def contextual() -> Lark:
    """The same grammar read by Lark's own contextual lexer."""
    options = {**parser._LARK_OPTIONS, "lexer": "contextual"}
    return Lark(parser.grammar_text(), cache=False, **options)


def same_reading(text: str) -> None:
    ours = parse_text_with(parser._lark(), "generated.assess", text)
    theirs = parse_text_with(contextual(), "generated.assess", text)
    assert ours == theirs
    try:
        tree = parser._lark().parse(text)
    except Exception as error:  # noqa: BLE001 - an error is compared, not raised
        tree = type(error).__name__
    try:
        reference = contextual().parse(text)
    except Exception as error:  # noqa: BLE001
        reference = type(error).__name__
    assert shape(tree) == shape(reference)


def test_the_lexer_knows_the_grammars_terminals_and_their_patterns():
    control = {"\n": r"\n", "\t": r"\t", "\r": r"\r", "\x0c": r"\x0c"}
    found = {t.name: re.sub("[\n\t\r\x0c]", lambda m: control[m.group()], t.pattern.to_regexp())
             for t in contextual().terminals}
    assert found == lexer.TERMINALS


@pytest.mark.parametrize("path", SOURCES + BROKEN + EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_bundled_file_reads_the_same(path):
    assert parse_with(parser._lark(), path) == parse_with(contextual(), path)
    if path in SOURCES:
        text = path.read_text(encoding="utf-8")
        assert shape(parser._lark().parse(text)) == shape(contextual().parse(text))


# Each text reaches one choice the lexer makes, where a wrong choice changes
# the reading: a date where only a number fits, `..` where only a dot fits,
# a keyword spelling where only a name fits, or where neither fits.
CHOICES = [
    'policy p "t" { max 2017-06-30 }',
    'facts { d: date default 2017-06-30 }',
    'import stdlib..awards',
    'import a.b..c',
    'policy p "t" { outcomes { awards by rank of 1..2 { a: 1..3 } } }',
    'facts { rank: rank 1..14  count: count  max: decimal }',
    'facts { x: max }',
    'policy p "t" { item 1 "a" max 2 { add count if count > 1 } }',
    'policy p "t" { item 1 "a" { add 1 if x > 2017-06-30 } }',
    'policy p "t" { item 1 "a" { deadline 2017-06-30 } item 2 "b" { deadline 2017 } }',
    'calendar 2027 "t" { holiday "a" 2027-01-01..2027-01-02, 2027-01-05 workdays 2027-01-09 }',
    'facts { calendar: count  holiday: count  workdays: date } policy p "t" { item 1 "a" { add workdays(workdays, x) } }',
    'calendar 2027 "t" { holiday "a" 2027 workdays 2027-01-02..2027 }',
    'calendar 2027-01-01 "t" { basis "b" holiday "a" 2027-01-01.2027-01-02 }',
    'table t { 1..2: 3  4: .5 }',
    'policy p "t" { @ item 1 "a" { add 1 } }',
    'policy p "t" { item 1 "a { add 1 } }',
]


@pytest.mark.parametrize("text", CHOICES)
def test_each_choice_reads_the_same(text):
    same_reading(text)


# Fragments that exercise every choice the lexer makes: words that are
# keywords in some places and names in others, dates that may be read as a
# number, `..` that may be read as two dots, strings cut short, characters
# the language does not use, and newlines that move the positions on.
FRAGMENTS = st.sampled_from(
    sorted(keywords.BY_SPELLING)
    + ["x", "名称", "_a1", "counting", "rank2", "2017-06-30", "2017-6-30", "12", "0.5", "3%", "1..4", "..",
       ".", "-", "+", "*", "/", ">=", "<", "==", "!=", "=", "!", "{", "}", "(", ")", ":", ",", '"文本"', '"a\\"b"',
       '"cut', "@", "[", "；", "\u3000", "# note", "\n", " ", "\t"]
)
TEXTS = st.lists(FRAGMENTS, max_size=40).map(" ".join)
SEED = (ROOT / "policies" / "guangxi_2017.assess").read_text(encoding="utf-8")


@pytest.mark.slow
@settings(max_examples=300, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_generated_texts_read_the_same(text):
    same_reading(text)


@pytest.mark.slow
@settings(max_examples=150, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(SEED)), st.integers(0, 40), TEXTS)
def test_damaged_policies_read_the_same(start, length, inserted):
    """A seed policy with a piece cut out and fragments put in its place."""
    same_reading(SEED[:start] + inserted + SEED[start + length:])


def test_a_grammar_with_other_terminals_is_refused():
    class Conf:
        terminals = [t for t in contextual().terminals if t.name != "DATE"]
        ignore = ["WS", "COMMENT"]
        terminals_by_name = {}

    with pytest.raises(lexer.GrammarMismatch, match="DATE"):
        lexer.SoftKeywordLexer(Conf())
