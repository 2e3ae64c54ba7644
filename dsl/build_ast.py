"""The one Transformer from Lark's parse tree to :mod:`ast` nodes.

Each method is named after a grammar rule and returns the AST node of that
rule; ``lark.Tree`` never leaves this module. Literal checks that the grammar
cannot express (a well-formed date, an integer item key, a known partial-step
mode) are done here and raise :class:`BuildError`, which the parser turns into
a diagnostic.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from lark import Token, Transformer
from lark.exceptions import GrammarError, VisitError

from assessc.diagnostics import codes
from assessc.dsl import ast
from assessc.dsl.source import SourceFile, Span


class BuildError(Exception):
    def __init__(self, code, span, message, help=None):
        super().__init__(message)
        self.code, self.span, self.message, self.help = code, span, message, help


_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_ESCAPED = {"n": "\n", "t": "\t"}


def _unquote(token: Token) -> str:
    body = str(token)[1:-1]
    if "\\" not in body:  # most strings: nothing to undo
        return body
    return _ESCAPE.sub(lambda m: _ESCAPED.get(m.group(1), m.group(1)), body)


class _Builder(Transformer):
    """Each rule's method takes ``(meta, children)``.

    :meth:`_call_userfunc` passes them directly, which is what ``v_args(meta=True)``
    does, without the wrapper that decorator builds at every call; tokens are
    not visited, since no method takes one (both matter on a large file)."""

    def __init__(self, source: SourceFile):
        super().__init__(visit_tokens=False)
        self.source = source

    def _call_userfunc(self, tree, new_children=None):
        children = new_children if new_children is not None else tree.children
        method = getattr(type(self), tree.data, None)
        if method is None:
            return self.__default__(tree.data, children, tree.meta)
        try:
            return method(self, tree.meta, children)
        except GrammarError:
            raise
        except Exception as error:  # as Lark's own: the parser unwraps a BuildError from it
            raise VisitError(tree.data, tree, error) from error

    # ---- helpers --------------------------------------------------------
    def _span(self, meta) -> Span | None:
        if getattr(meta, "empty", True):
            return None
        return Span(self.source, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tok_span(self, token: Token) -> Span:
        return Span(self.source, token.line, token.column, token.end_line, token.end_column)

    def _number(self, token: Token, negative: bool = False, span: Span | None = None) -> ast.Number:
        text = str(token)
        is_percent = text.endswith("%")
        value = Decimal(text.rstrip("%"))
        if is_percent:
            value = value / 100
        if negative:
            value = -value
        return ast.Number(value, is_percent, span or self._tok_span(token))

    def _date(self, token: Token) -> ast.DateLit:
        span = self._tok_span(token)
        try:
            datetime.date.fromisoformat(str(token))
        except ValueError:
            raise BuildError(codes.BAD_LITERAL, span, f"`{token}` is not a calendar date",
                             "write dates as yyyy-mm-dd, e.g. 2017-12-31") from None
        return ast.DateLit(str(token), span)

    @staticmethod
    def _strings(children) -> tuple[str, ...]:
        return tuple(_unquote(c) for c in children if isinstance(c, Token) and c.type == "STRING")

    # ---- module ---------------------------------------------------------
    def module(self, meta, children):
        return ast.Module(tuple(children), self._span(meta))

    def import_decl(self, meta, children):
        target = children[1]
        if isinstance(target, Token):
            return ast.ImportDecl(_unquote(target), True, self._span(meta))
        return ast.ImportDecl(target, False, self._span(meta))

    def module_name(self, meta, children):
        return ".".join(str(c) for c in children)

    # ---- facts ----------------------------------------------------------
    def facts_decl(self, meta, children):
        return ast.FactsDecl(tuple(c for c in children if isinstance(c, ast.FactField)), self._span(meta))

    def fact_field(self, meta, children):
        name, ftype, label, default = children
        return ast.FactField(str(name), ftype, _unquote(label) if label is not None else None, default,
                             self._span(meta))

    def default_clause(self, meta, children):
        return children[1]

    def _typed(self, kind, meta, children, **extra):
        return ast.FactType(kind, span=self._span(meta), **extra)

    def count_type(self, meta, children):
        return self._typed("count", meta, children, range=children[1])

    def decimal_type(self, meta, children):
        return self._typed("decimal", meta, children, range=children[1])

    def percent_type(self, meta, children):
        return self._typed("percent", meta, children, range=children[1])

    def bool_type(self, meta, children):
        return self._typed("bool", meta, children)

    def rank_type(self, meta, children):
        return self._typed("rank", meta, children, range=children[1])

    def amount_type(self, meta, children):
        return self._typed("amount", meta, children, range=children[1])

    def date_type(self, meta, children):
        return self._typed("date", meta, children)

    def text_type(self, meta, children):
        return self._typed("text", meta, children)

    def enum_type(self, meta, children):
        return self._typed("enum", meta, children, members=tuple(children[1:]))

    def evidence_type(self, meta, children):
        return self._typed("evidence", meta, children, members=tuple(children[1:]))

    def ledger_type(self, meta, children):
        return self._typed("ledger", meta, children, fields=tuple(children[1:]))

    def member(self, meta, children):
        name, label = children[0], children[1]
        aliases = tuple(_unquote(c) for c in children[2:] if isinstance(c, Token) and c.type == "STRING")
        return ast.Member(str(name), _unquote(label) if label is not None else None, aliases, self._span(meta))

    def matrix_decl(self, meta, children):
        name = str(children[1])
        columns = tuple(str(c) for c in children[3:] if isinstance(c, Token) and c.type == "NAME")
        rows = tuple(c for c in children if isinstance(c, ast.MatrixRow))
        return ast.MatrixDecl(name, columns, rows, self._span(meta))

    def matrix_row(self, meta, children):
        return ast.MatrixRow(str(children[0]), tuple(children[1:]), self._span(meta))

    def range(self, meta, children):
        return ast.Range(children[0], children[1], self._span(meta))

    def signed(self, meta, children):
        sign, number = children
        return self._number(number, negative=sign is not None, span=self._span(meta))

    def literal(self, meta, children):
        (value,) = children
        if isinstance(value, ast.Number):
            return value
        span = self._tok_span(value)
        if value.type == "DATE":
            return self._date(value)
        if value.type == "STRING":
            return ast.StringLit(_unquote(value), span)
        if value.type == "KW_TRUE":
            return ast.BoolLit(True, span)
        if value.type == "KW_FALSE":
            return ast.BoolLit(False, span)
        return ast.Name(str(value), span)

    # ---- tables and templates ------------------------------------------
    def table_decl(self, meta, children):
        return ast.TableDecl(str(children[1]), children[2], self._span(meta))

    def table_body(self, meta, children):
        return ast.TableBody(tuple(children), self._span(meta))

    def table_entry(self, meta, children):
        key, value = children[0], children[1]
        kind, low, high, member = key
        return ast.TableEntry(kind, low, high, member, value, self._span(meta))

    def range_key(self, meta, children):
        return ("range", children[0], children[1], None)

    def single_key(self, meta, children):
        return ("single", children[0], children[0], None)

    def member_key(self, meta, children):
        return ("member", None, None, str(children[0]))

    def else_key(self, meta, children):
        return ("else", None, None, None)

    def template_decl(self, meta, children):
        name = str(children[1])
        params = tuple(str(c) for c in children[2:] if isinstance(c, Token) and c.type == "NAME")
        body = tuple(c for c in children[2:] if not isinstance(c, Token) and c is not None)
        return ast.TemplateDecl(name, params, body, self._span(meta))

    # ---- policy ----------------------------------------------------------
    def policy_decl(self, meta, children):
        name, title = str(children[1]), _unquote(children[2])
        return ast.PolicyDecl(name, title, tuple(children[3:]), self._span(meta))

    def max_stmt(self, meta, children):
        return ast.MaxStmt(self._number(children[1]), self._span(meta))

    def entity_stmt(self, meta, children):
        label = children[2]
        return ast.EntityStmt(str(children[1]), _unquote(label) if label is not None else None, self._span(meta))

    def round_stmt(self, meta, children):
        scope, places, _, mode = children[1], children[2], children[3], children[4]
        if "." in str(places) or "%" in str(places):
            raise BuildError(codes.BAD_ROUNDING, self._tok_span(places),
                             f"`{places}` is not a whole number of decimal places")
        return ast.RoundStmt(scope, int(str(places)), str(mode), self._span(meta))

    def round_scope(self, meta, children):
        return "each" if children[0].type == "KW_EACH" else "total"

    def veto_stmt(self, meta, children):
        return ast.Veto(_unquote(children[1]), children[3], self._span(meta))

    def accept_stmt(self, meta, children):
        return ast.Accept(str(children[1]), _unquote(children[2]), self._span(meta))

    def outcomes(self, meta, children):
        return ast.Outcomes(tuple(children[1:]), self._span(meta))

    def award_bands(self, meta, children):
        title = _unquote(children[1]) if children[1] is not None else None
        path = children[5]
        bands = tuple(c for c in children if isinstance(c, ast.AwardBand))
        return ast.AwardBands(title, path[0] if path else None, bands, self._span(meta), path[1] if path else None)

    def award_band(self, meta, children):
        name, label, low, high = children[0], children[1], children[2], children[3]
        return ast.AwardBand(str(name), _unquote(label) if label is not None else None, low, high, self._span(meta))

    def item_path(self, meta, children):
        return ".".join(str(c) for c in children if isinstance(c, Token)), self._span(meta)

    def demote_stmt(self, meta, children):
        return ast.OutcomeRule("demote", _unquote(children[1]), children[3], self._span(meta))

    def last_stmt(self, meta, children):
        return ast.OutcomeRule("last", _unquote(children[2]), children[4], self._span(meta))

    def flag_stmt(self, meta, children):
        return ast.OutcomeRule("flag", _unquote(children[1]), children[3], self._span(meta))

    def _item(self, kind, meta, children):
        key, key_span = children[1]
        title, cap = _unquote(children[2]), children[3]
        per = str(children[5]) if len(children) > 5 and isinstance(children[5], Token) else None
        body = tuple(c for c in children[4:] if not isinstance(c, Token) and c is not None)
        return ast.Item(kind, key, title, cap, body, per, self._span(meta), key_span)

    def periods(self, meta, children):
        label = _unquote(children[2]) if children[2] is not None else None
        return ast.PeriodsDecl(str(children[1]), label, tuple(children[3:]), self._span(meta))

    def item(self, meta, children):
        return self._item("item", meta, children)

    def bonus(self, meta, children):
        return self._item("bonus", meta, children)

    def penalty(self, meta, children):
        return self._item("penalty", meta, children)

    def item_key(self, meta, children):
        (token,) = children
        span = self._tok_span(token)
        text = str(token)
        if token.type == "NUMBER" and not text.isdigit():
            raise BuildError(codes.BAD_LITERAL, span, f"item key `{text}` is not a whole number or a name",
                             "nest items to number them: `item 1 \"…\" { item 2 \"…\" }` has id 1.2")
        return text, span

    def cap(self, meta, children):
        return ast.Cap(self._number(children[1]), children[2] is not None, self._span(meta))

    # ---- metadata -------------------------------------------------------
    def _meta(self, key, meta, children):
        return ast.Meta(key, self._strings(children), self._span(meta))

    def lead(self, meta, children):
        return self._meta("lead", meta, children)

    def responsible(self, meta, children):
        return self._meta("responsible", meta, children)

    def evidence_note(self, meta, children):
        return self._meta("evidence", meta, children)

    def text(self, meta, children):
        return self._meta("text", meta, children)

    def note(self, meta, children):
        return self._meta("note", meta, children)

    def basis(self, meta, children):
        return self._meta("basis", meta, children)

    def deadline(self, meta, children):
        date = self._date(children[1])
        return ast.Meta("deadline", (date.value,), self._span(meta))

    # ---- scoring statements ----------------------------------------------
    def start_stmt(self, meta, children):
        return ast.Start(children[1], self._span(meta))

    def add(self, meta, children):
        return ast.Adjust(+1, children[1], children[3], self._span(meta))

    def deduct(self, meta, children):
        return ast.Adjust(-1, children[1], children[3], self._span(meta))

    def until_zero(self, meta, children):
        return ast.UntilZero(self._span(meta))

    def weight_stmt(self, meta, children):
        return ast.Weight(children[1], self._span(meta))

    def applies_stmt(self, meta, children):
        return ast.Applies(children[2], self._span(meta))

    def requires_stmt(self, meta, children):
        text = _unquote(children[2]) if children[2] is not None else None
        return ast.Requires(children[1], text, self._span(meta))

    def coefficient_stmt(self, meta, children):
        return ast.Coefficient(children[1], self._span(meta))

    def zero_if(self, meta, children):
        return ast.ZeroIf(children[2], self._span(meta))

    def use(self, meta, children):
        name = children[1]
        args = tuple(c for c in children[2:] if c is not None)
        return ast.Use(ast.Name(str(name), self._tok_span(name)), args, self._span(meta))

    def arg(self, meta, children):
        return ast.Arg(str(children[0]), children[1], self._span(meta))

    def plain_term(self, meta, children):
        value = children[0]
        if isinstance(value, ast.LookupExpr):  # `add lookup K {…}`: a lookup term, explained row by row
            return ast.LookupTerm(value.key, value.table, self._span(meta))
        return ast.PlainTerm(value, self._span(meta))

    def lookup_expr(self, meta, children):
        return ast.LookupExpr(children[1], self._table_ref(children[2]), self._span(meta))

    def per_term(self, meta, children):
        return ast.PerTerm(children[0], children[2], self._span(meta))

    def steps_term(self, meta, children):
        amount, _, step, direction, threshold, _, value, partial = children
        return ast.StepsTerm(amount, step, direction, threshold, value, partial, self._span(meta))

    def direction(self, meta, children):
        return "below" if children[0].type == "KW_BELOW" else "above"

    def partial(self, meta, children):
        return children[1]

    def partial_mode(self, meta, children):
        return {"KW_WHOLE": "whole", "KW_STARTED": "started", "KW_PROPORTIONAL": "proportional"}[children[0].type]

    def _table_ref(self, ref) -> ast.TableRef:
        if isinstance(ref, ast.TableBody):
            return ast.TableRef(ref, None, ref.span)
        return ref

    def ledger_term(self, meta, children):
        ledger = children[0]
        rest = list(children[1:])
        where = None
        if rest and isinstance(rest[0], Token) and rest[0].type == "KW_WHERE":
            where = rest[1]
            rest = rest[2:]
        elif rest and rest[0] is None:  # the absent `where`
            rest = rest[1:]
        _, field, field2, table = rest[:4]
        group = rest[6] if len(rest) > 6 else None
        name = lambda token: ast.Name(str(token), self._tok_span(token)) if token is not None else None  # noqa: E731
        return ast.LedgerTerm(name(ledger), name(field), self._table_ref(table), name(group), name(field2), where,
                              self._span(meta))

    def ledger_sum(self, meta, children):
        return ast.LedgerSumExpr(children[1], self._span(meta))

    def table_name(self, meta, children):
        return ast.TableRef(None, ast.Name(str(children[0]), self._tok_span(children[0])), self._span(meta))

    # ---- expressions ------------------------------------------------------
    def _binary(op):
        def method(self, meta, children):
            left, right = children[0], children[-1]
            return ast.Binary(op, left, right, self._span(meta))

        return method

    or_op = _binary("or")
    and_op = _binary("and")
    add_op = _binary("+")
    sub_op = _binary("-")
    mul_op = _binary("*")
    div_op = _binary("/")

    def compare_op(self, meta, children):
        return ast.Binary(str(children[1]), children[0], children[2], self._span(meta))

    def in_op(self, meta, children):
        names = tuple(ast.Name(str(t), self._tok_span(t)) for t in children[2:] if isinstance(t, Token))
        return ast.InSet(children[0], names, self._span(meta))

    def not_op(self, meta, children):
        return ast.Unary("not", children[1], self._span(meta))

    def neg_op(self, meta, children):
        return ast.Unary("-", children[0], self._span(meta))

    def number(self, meta, children):
        return self._number(children[0])

    def date(self, meta, children):
        return self._date(children[0])

    def true(self, meta, children):
        return ast.BoolLit(True, self._span(meta))

    def false(self, meta, children):
        return ast.BoolLit(False, self._span(meta))

    def name(self, meta, children):
        return ast.Name(str(children[0]), self._tok_span(children[0]))

    def missing(self, meta, children):
        return ast.Missing(ast.Name(str(children[1]), self._tok_span(children[1])), self._span(meta))

    def count_entries(self, meta, children):
        where = children[3] if len(children) > 3 else None
        return ast.CountEntries(ast.Name(str(children[1]), self._tok_span(children[1])), where, self._span(meta))

    def call(self, meta, children):
        func = children[0]
        args = tuple(c for c in children[1:] if c is not None)
        return ast.Call(ast.Name(str(func), self._tok_span(func)), args, self._span(meta))


def build_module(tree, source: SourceFile, bag) -> ast.Module:
    """Transform a Lark tree into an :class:`ast.Module`."""
    return _Builder(source).transform(tree)
