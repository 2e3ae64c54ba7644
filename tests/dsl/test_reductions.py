"""The AST built by the parser's reductions is the one the builder's methods
give over Lark's own parse tree, with Lark's own positions: the same nodes
and the same span on every node, for every bundled policy and example and
for generated policies."""

import sys

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from lark import Transformer

from assessc.diagnostics import DiagnosticBag
from assessc.dsl import parser
from assessc.dsl.build_ast import Reductions, _Builder
from assessc.dsl.source import SourceFile, Span

from tests.dsl.test_lexer import EXAMPLES
from tests.dsl.test_parser_cache import ROOT, SOURCES

sys.path.insert(0, str(ROOT / "tests" / "properties"))
from policy_strategies import policies  # noqa: E402


class FromLarkTree(Transformer):
    """The reference: each rule of Lark's tree (``propagate_positions``) to
    the builder's method for it, with the span Lark gives the rule."""

    def __init__(self, source: SourceFile):
        super().__init__(visit_tokens=False)
        self.builder = _Builder(source)

    def _call_userfunc(self, tree, new_children=None):
        meta = tree.meta
        span = None if meta.empty else Span(self.builder.source, meta.line, meta.column, meta.end_line,
                                            meta.end_column)
        return getattr(_Builder, tree.data)(self.builder, span, new_children)


def layout(value):
    """Every node with its span, depth first: what equality of AST nodes ignores."""
    if isinstance(value, tuple):
        return [layout(v) for v in value]
    if attrs.has(type(value)) and not isinstance(value, Span):
        span = getattr(value, "span", None)
        where = None if span is None else (span.line, span.column, span.end_line, span.end_column)
        return [type(value).__name__, where] + [layout(getattr(value, f.name)) for f in attrs.fields(type(value))
                                                if f.name != "span"]
    return value


def valid_files():
    for path in SOURCES + EXAMPLES:
        source = SourceFile(str(path), path.read_text(encoding="utf-8"))
        if parser.parse(source, DiagnosticBag()) is not None:
            yield path


@pytest.mark.parametrize("path", list(valid_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_reductions_build_what_the_builder_makes_of_larks_tree(path):
    source = SourceFile(str(path), path.read_text(encoding="utf-8"))
    built = parser.parse(source, DiagnosticBag())
    reference = FromLarkTree(source).transform(parser._lark().parse(source.text))
    assert built == reference
    assert layout(built) == layout(reference)


@settings(max_examples=60, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(policies())
def test_reductions_agree_with_larks_tree_on_generated_policies(generated):
    source = SourceFile("generated.assess", generated.text)
    built = parser.parse(source, DiagnosticBag())
    assert built is not None
    assert layout(built) == layout(FromLarkTree(source).transform(parser._lark().parse(source.text)))


def test_every_grammar_rule_has_a_method_or_is_inlined():
    rules = parser._lark().rules
    Reductions(rules, SourceFile("x.assess", ""))  # refuses a rule it cannot build


def test_a_literal_error_is_kept_and_building_stops():
    bag = DiagnosticBag()
    source = SourceFile("x.assess", 'policy p "t" { item 1 "a" { deadline 2017-02-30 } item 2.5 "b" { add 1 } }')
    assert parser.parse(source, bag) is None
    (error,) = bag.sorted()
    assert "2017-02-30" in error.message and error.span.column == source.text.index("2017-02-30") + 1

