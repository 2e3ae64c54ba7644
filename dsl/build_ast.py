"""The AST builder: grammar rules become :mod:`ast` nodes as the parser
reduces them.

:class:`_Builder` has one method per grammar rule, named after the rule (or
its alias), taking the rule's source span and its children. :class:`Reductions`
hands these methods to Lark's LALR parser as its callbacks, in place of Lark's
parse-tree builder, so no ``lark.Tree`` is made and the text is walked once.
The children a method gets are the ones Lark's tree builder would give: named
tokens and the values of sub-rules, without punctuation, with the children of
``_inlined`` rules in their place and ``None`` for an absent ``[optional]``
part; a ``?rule`` with one child is that child. A rule's span runs from the
first to the last token it covers, punctuation included, as Lark's
``propagate_positions`` gives it.

Literal checks that the grammar cannot express (a well-formed date, an
integer item key, a known partial-step mode) are done here and raise
:class:`BuildError`; the first one is kept for the parser to report.
"""

from __future__ import annotations

import datetime
import decimal
import re
from decimal import Decimal

from lark import Token

from assessc.diagnostics import codes
from assessc.dsl import ast, item_keys, limits
from assessc.dsl.source import SourceFile, Span
from assessc.runtime.decimals import CONTEXT, LITERAL_DIGITS, digits


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


class Reductions:
    """The parser's callbacks for one source file.

    Every reduced rule leaves ``(value, first token, last token)`` on the
    parser's stack; the two tokens bound the text the rule covers (None for
    a rule that covers none). After the first :class:`BuildError`, or when
    the parser reports a syntax error (:meth:`stop`), rules are still reduced
    but no more nodes are built: the AST will not be used."""

    def __init__(self, rules, source: SourceFile):
        self.builder = _Builder(source)
        self.error: BuildError | None = None
        self.stopped = False
        self.callbacks = {rule: self._callback(rule, plan) for rule, plan in _plans(rules)}

    def stop(self) -> None:
        self.stopped = True

    def _callback(self, rule, plan):
        if plan is None:
            return _pass_through  # `?a: b`: the child, covering the same text
        method, steps, trailing, single, inlined, accumulates = plan
        builder, source = self.builder, self.builder.source

        def reduce(children):
            first = last = None
            for child in children:
                if type(child) is tuple:
                    if child[1] is not None:
                        first = child[1]
                        break
                else:
                    first = child
                    break
            for child in reversed(children):
                if type(child) is tuple:
                    if child[2] is not None:
                        last = child[2]
                        break
                else:
                    last = child
                    break
            values = []
            for index, expand, nones in steps:
                if nones:
                    values += [None] * nones
                child = children[index]
                if type(child) is not tuple:
                    values.append(child)
                elif expand:
                    if accumulates and index == 0:
                        values = child[0]  # the list so far: grown in place, not copied
                    else:
                        values += child[0]
                else:
                    values.append(child[0])
            if trailing:
                values += [None] * trailing
            if single and len(values) == 1:
                return values[0], first, last
            if inlined:
                return values, first, last
            if self.stopped:
                return None, first, last
            span = None if first is None else Span(source, first.line, first.column, last.end_line, last.end_column)
            try:
                return method(builder, span, values), first, last
            except BuildError as error:
                self.error = error
                self.stopped = True
                return None, first, last

        return reduce


def _pass_through(children):
    return children[0]


_PLANS: dict[int, tuple[object, list]] = {}


def _plans(rules) -> list:
    """Each rule with how its callback builds its value, worked out once per
    parser: a program imports many modules, and each is parsed with the same
    rules."""
    cached = _PLANS.get(id(rules))
    if cached is None or cached[0] is not rules:
        cached = _PLANS[id(rules)] = (rules, [(rule, _plan(rule)) for rule in rules])
    return cached[1]


def _plan(rule):
    """``(builder method, children kept, Nones after them, ?rule, _rule, x*)``,
    or None for a rule whose value is its one child's."""
    name = rule.alias or rule.origin.name
    expansion = rule.expansion
    steps, trailing = _child_filter(rule)
    single = rule.options.expand1 and not rule.alias
    inlined = rule.origin.name.startswith("_")
    # `x*` is the left-recursive rule `__star: x | __star x`: its list is
    # extended in place, so a block of n statements costs n, not n²/2
    accumulates = inlined and bool(expansion) and expansion[0] == rule.origin
    if single and len(expansion) == 1 and not expansion[0].is_term and steps == [(0, False, 0)] and not trailing:
        return None
    method = None if inlined else getattr(_Builder, name, None)
    if method is None and not inlined and not single:
        raise TypeError(f"the AST builder has no method for grammar rule `{name}`")
    return method, steps, trailing, single, inlined, accumulates


def _child_filter(rule) -> tuple[list[tuple[int, bool, int]], int]:
    """Which children of ``rule`` its method gets, as Lark's tree builder
    decides: ``(index, inline its children, Nones to put before it)`` for
    each kept child, and the Nones to put after the last. Punctuation and
    other filtered-out tokens are dropped; ``_rule`` children are inlined;
    with ``maybe_placeholders`` an absent ``[part]`` leaves a None."""
    expansion = rule.expansion
    empty = rule.options.empty_indices
    if empty:
        nones_at = [len(ones) for ones in "".join(str(int(b)) for b in empty).split("0")]
    else:
        nones_at = [0] * (len(expansion) + 1)
    steps = []
    nones = 0
    for index, symbol in enumerate(expansion):
        nones += nones_at[index]
        if rule.options.keep_all_tokens or not (symbol.is_term and symbol.filter_out):
            steps.append((index, not symbol.is_term and symbol.name.startswith("_"), nones))
            nones = 0
    return steps, nones + nones_at[len(expansion)]


class _Builder:
    """Each rule's method takes ``(span, children)``; ``span`` is None for a
    rule that covers no text."""

    def __init__(self, source: SourceFile):
        self.source = source
        # how deep each expression and item nests, by id; the node is kept with its
        # depth so that its id is not reused while the tree is being built
        self._depths: dict[int, tuple[int, object]] = {}

    # ---- helpers --------------------------------------------------------
    def _tok_span(self, token: Token) -> Span:
        return Span(self.source, token.line, token.column, token.end_line, token.end_column)

    def _text(self, token: Token) -> str:
        """A string literal's text, escapes undone."""
        if len(token) - 2 > limits.MAX_STRING_CHARS:
            opening = Span(self.source, token.line, token.column, token.line, token.column + 1)
            raise BuildError(codes.TOO_LARGE, opening,
                             f"this string has {len(token) - 2:,} characters; a string may have at most "
                             f"{limits.MAX_STRING_CHARS:,}", "quote only the rule the item scores, and name the "
                             "document it comes from with `basis`")
        return _unquote(token)

    def _nest(self, node, parts, limit: int = limits.MAX_EXPRESSION_DEPTH):
        """``node``, one level deeper than the deepest of ``parts``: E0107 past ``limit``."""
        depths = self._depths
        depth = 1 + max((depths[id(p)][0] for p in parts if id(p) in depths), default=0)
        if depth > limit:
            if isinstance(node, ast.Item):
                raise BuildError(codes.TOO_DEEP, node.span, f"items nest deeper than {limit} levels here",
                                 "a rule book numbers items a few levels deep; flatten the items")
            raise BuildError(codes.TOO_DEEP, node.span, f"this expression nests deeper than {limit} levels",
                             "split a long sum into several `add` rules, or a long condition into items; "
                             "each operator, `not`, call, `lookup`, `where` and `in` is one level")
        depths[id(node)] = (depth, node)
        return node

    def _digits(self, token: Token) -> str:
        """A number token's text, refused past :data:`limits.MAX_NUMBER_DIGITS` digits."""
        text = str(token)
        if len(text) > limits.MAX_NUMBER_DIGITS:
            digits = len(text) - text.count(".") - text.count("%")
            if digits > limits.MAX_NUMBER_DIGITS:
                raise BuildError(codes.TOO_LARGE, self._tok_span(token),
                                 f"this number has {digits:,} digits; a number may have at most "
                                 f"{limits.MAX_NUMBER_DIGITS:,}", "no score or fact needs so many")
        return text

    def _number(self, token: Token, negative: bool = False, span: Span | None = None) -> ast.Number:
        text = self._digits(token)
        is_percent = text.endswith("%")
        value = Decimal(text.rstrip("%"))  # exact, whatever its length
        if is_percent:
            value = value.scaleb(-2, CONTEXT)
        if digits(value) > LITERAL_DIGITS:
            raise BuildError(codes.LONG_NUMBER, self._tok_span(token),
                             f"`{text}` has {digits(value)} digits; a number may have at most {LITERAL_DIGITS}",
                             f"every engine carries {LITERAL_DIGITS} digits (SQL's DECIMAL({LITERAL_DIGITS})); "
                             "write it with fewer (the zeros that start a fraction count: 0.001 has 3)")
        if negative:
            value = CONTEXT.minus(value)
        return ast.Number(value, is_percent, span or self._tok_span(token))

    def _date(self, token: Token) -> ast.DateLit:
        span = self._tok_span(token)
        try:
            datetime.date.fromisoformat(str(token))
        except ValueError:
            raise BuildError(codes.BAD_LITERAL, span, f"`{token}` is not a calendar date",
                             "write dates as yyyy-mm-dd, e.g. 2017-12-31") from None
        return ast.DateLit(str(token), span)

    def _strings(self, children) -> tuple[str, ...]:
        return tuple(self._text(c) for c in children if isinstance(c, Token) and c.type == "STRING")

    # ---- module ---------------------------------------------------------
    def module(self, span, children):
        return ast.Module(tuple(children), span)

    def import_decl(self, span, children):
        target = children[1]
        if isinstance(target, Token):
            return ast.ImportDecl(self._text(target), True, span)
        return ast.ImportDecl(target, False, span)

    def module_name(self, span, children):
        return ".".join(str(c) for c in children)

    # ---- facts ----------------------------------------------------------
    def facts_decl(self, span, children):
        return ast.FactsDecl(tuple(c for c in children if isinstance(c, ast.FactField)),
                             tuple(c for c in children if isinstance(c, ast.FactCheck)), span)

    def fact_check(self, span, children):
        return ast.FactCheck(children[1], self._text(children[2]), span)

    def fact_field(self, span, children):
        name, ftype, label, default = children
        return ast.FactField(str(name), ftype, self._text(label) if label is not None else None, default,
                             span)

    def default_clause(self, span, children):
        return children[1]

    def _typed(self, kind, span, children, **extra):
        return ast.FactType(kind, span=span, **extra)

    def count_type(self, span, children):
        return self._typed("count", span, children, range=children[1])

    def decimal_type(self, span, children):
        return self._typed("decimal", span, children, range=children[1])

    def percent_type(self, span, children):
        return self._typed("percent", span, children, range=children[1])

    def bool_type(self, span, children):
        return self._typed("bool", span, children)

    def rank_type(self, span, children):
        return self._typed("rank", span, children, range=children[1])

    def amount_type(self, span, children):
        return self._typed("amount", span, children, range=children[1])

    def date_type(self, span, children):
        return self._typed("date", span, children)

    def text_type(self, span, children):
        return self._typed("text", span, children)

    def enum_type(self, span, children):
        return self._typed("enum", span, children, members=tuple(children[1:]))

    def evidence_type(self, span, children):
        return self._typed("evidence", span, children, members=tuple(children[1:]))

    def ledger_type(self, span, children):
        return self._typed("ledger", span, children, fields=tuple(children[1:]))

    def member(self, span, children):
        name, label = children[0], children[1]
        aliases = tuple(self._text(c) for c in children[2:] if isinstance(c, Token) and c.type == "STRING")
        return ast.Member(str(name), self._text(label) if label is not None else None, aliases, span)

    def matrix_decl(self, span, children):
        name = str(children[1])
        columns = tuple(str(c) for c in children[3:] if isinstance(c, Token) and c.type == "NAME")
        rows = tuple(c for c in children if isinstance(c, ast.MatrixRow))
        return ast.MatrixDecl(name, columns, rows, span)

    def matrix_row(self, span, children):
        return ast.MatrixRow(str(children[0]), tuple(children[1:]), span)

    def range(self, span, children):
        return ast.Range(children[0], children[1], span)

    def signed(self, span, children):
        sign, number = children
        return self._number(number, negative=sign is not None, span=span)

    def literal(self, span, children):
        (value,) = children
        if isinstance(value, ast.Number):
            return value
        span = self._tok_span(value)
        if value.type == "DATE":
            return self._date(value)
        if value.type == "STRING":
            return ast.StringLit(self._text(value), span)
        if value.type == "KW_TRUE":
            return ast.BoolLit(True, span)
        if value.type == "KW_FALSE":
            return ast.BoolLit(False, span)
        return ast.Name(str(value), span)

    # ---- tables and templates ------------------------------------------
    def table_decl(self, span, children):
        return ast.TableDecl(str(children[1]), children[2], span)

    def table_body(self, span, children):
        return ast.TableBody(tuple(children), span)

    def table_entry(self, span, children):
        key, value = children[0], children[1]
        kind, low, high, member = key
        return ast.TableEntry(kind, low, high, member, value, span)

    def range_key(self, span, children):
        return ("range", children[0], children[1], None)

    def single_key(self, span, children):
        return ("single", children[0], children[0], None)

    def member_key(self, span, children):
        return ("member", None, None, str(children[0]))

    def else_key(self, span, children):
        return ("else", None, None, None)

    def template_decl(self, span, children):
        name = str(children[1])
        params = tuple(str(c) for c in children[2:] if isinstance(c, Token) and c.type == "NAME")
        body = tuple(c for c in children[2:] if not isinstance(c, Token) and c is not None)
        return ast.TemplateDecl(name, params, body, span)

    # ---- the official working-day calendar of a year -------------------
    def calendar_decl(self, span, children):
        year, title = children[1], _unquote(children[2])
        year_span = self._tok_span(year)
        if not (str(year).isdigit() and len(str(year)) == 4 and int(str(year)) >= 1900):
            raise BuildError(codes.BAD_LITERAL, year_span, f"`{year}` is not a year from 1900 to 9999",
                             "write the year with four digits, e.g. `calendar 2027 \"…\" { … }`")
        return ast.CalendarDecl(int(str(year)), title, tuple(children[3:]), span, year_span)

    def holiday_stmt(self, span, children):
        name, days, workdays = _unquote(children[1]), children[2], children[4]
        return ast.HolidayStmt(name, days, workdays or (), span)

    def day_list(self, span, children):
        return tuple(children)

    def day_span(self, span, children):
        first, last = children
        return ast.DaySpan(self._date(first), self._date(last) if last is not None else None, span)

    # ---- policy ----------------------------------------------------------
    def policy_decl(self, span, children):
        name, title = str(children[1]), self._text(children[2])
        return ast.PolicyDecl(name, title, tuple(children[3:]), span)

    def max_stmt(self, span, children):
        return ast.MaxStmt(self._number(children[1]), span)

    def entity_stmt(self, span, children):
        label = children[2]
        return ast.EntityStmt(str(children[1]), self._text(label) if label is not None else None, span)

    def round_stmt(self, span, children):
        scope, sign, number, mode = children[1], children[2], children[3], children[5]
        if not str(number).isdigit():  # written with a point or a %
            where = self._tok_span(number) if sign is None else Span(self.source, sign.line, sign.column,
                                                                     number.end_line, number.end_column)
            raise BuildError(codes.BAD_ROUNDING, where,
                             f"`{'-' if sign is not None else ''}{number}` is not a whole number of decimal places",
                             "write e.g. `2 places` (hundredths), `0 places` (whole numbers) or `-1 places` (tens)")
        places = int(self._digits(number))
        return ast.RoundStmt(scope, -places if sign is not None else places, str(mode), span)

    def round_scope(self, span, children):
        return "each" if children[0].type == "KW_EACH" else "total"

    def veto_stmt(self, span, children):
        grade = children[3]
        return ast.Veto(self._text(children[1]), children[-1], span, str(grade) if grade is not None else None,
                        self._tok_span(grade) if grade is not None else None)

    def accept_stmt(self, span, children):
        return ast.Accept(str(children[1]), self._text(children[2]), span)

    def outcomes(self, span, children):
        return ast.Outcomes(tuple(children[1:]), span)

    def award_bands(self, span, children):
        title = self._text(children[1]) if children[1] is not None else None
        path = children[5]
        bands = tuple(c for c in children if isinstance(c, ast.AwardBand))
        return ast.AwardBands(title, path[0] if path else None, bands, span, path[1] if path else None)

    def award_band(self, span, children):
        name, label, low, high = children[0], children[1], children[2], children[3]
        return ast.AwardBand(str(name), self._text(label) if label is not None else None, low, high, span)

    def grade_bands(self, span, children):
        title = self._text(children[1]) if children[1] is not None else None
        path = children[3]
        bands = tuple(c for c in children if isinstance(c, ast.GradeBand))
        return ast.GradeBands(title, path[0] if path else None, bands, span, path[1] if path else None)

    def grade_band(self, span, children):
        name, label, low, high = children[0], children[1], children[2], children[3]
        low_open = high_open = False
        if low is not None:
            low_open, low = self._band_end(low, ">", "the low end")
        if high is not None:
            high_open, high = self._band_end(high, "<", "the high end")
        return ast.GradeBand(str(name), self._text(label) if label is not None else None, low, low_open, high,
                             high_open, span)

    def _band_end(self, end, allowed: str, which: str):
        """(open, number) of a grade's end written ``[OP] N``: only ``>`` before the low end and
        ``<`` before the high end mean anything (the number itself left out)."""
        op, number = end
        if op is None:
            return False, number
        if str(op) != allowed:
            raise BuildError(codes.BAD_RANGE, self._tok_span(op),
                             f"`{op}` cannot mark {which} of a grade",
                             "write `90..` (90 and above, 以上(含)), `>90..` (above 90, 超过), "
                             "`75..<90` (below 90, 不满) or `60..74.9` (both ends included, 至)")
        return True, number

    def grade_low(self, span, children):
        return children[0], children[1]

    def grade_high(self, span, children):
        return children[0], children[1]

    def item_path(self, span, children):
        return ".".join(str(c) for c in children if isinstance(c, Token)), span

    def demote_stmt(self, span, children):
        return ast.OutcomeRule("demote", self._text(children[1]), children[3], span)

    def last_stmt(self, span, children):
        return ast.OutcomeRule("last", self._text(children[2]), children[4], span)

    def flag_stmt(self, span, children):
        return ast.OutcomeRule("flag", self._text(children[1]), children[3], span)

    def _item(self, kind, span, children):
        key, key_span = children[1]
        title, cap = self._text(children[2]), children[3]
        per = str(children[5]) if len(children) > 5 and isinstance(children[5], Token) else None
        body = tuple(c for c in children[4:] if not isinstance(c, Token) and c is not None)
        return self._nest(ast.Item(kind, key, title, cap, body, per, span, key_span),
                          [c for c in body if isinstance(c, ast.Item)], limits.MAX_ITEM_DEPTH)

    def periods(self, span, children):
        label = self._text(children[2]) if children[2] is not None else None
        return ast.PeriodsDecl(str(children[1]), label, tuple(children[3:]), span)

    def item(self, span, children):
        return self._item("item", span, children)

    def bonus(self, span, children):
        return self._item("bonus", span, children)

    def penalty(self, span, children):
        return self._item("penalty", span, children)

    def item_key(self, span, children):
        if len(children) == 1:
            (token,) = children
            span = self._tok_span(token)
            text = str(token)
            if token.type == "NUMBER" and not text.isdigit():
                raise BuildError(codes.BAD_LITERAL, span, f"item key `{text}` is not a whole number or a name",
                                 "nest items to number them: `item 1 \"…\" { item 2 \"…\" }` has id 1.2")
            return text, span
        text = "".join(span.text().split())  # the book's own form (`1-9`, `（三）`), spaces dropped
        if not item_keys.BOOK_FORM.fullmatch(text):
            raise BuildError(codes.BAD_ITEM_KEY, span, f"item key `{text}` is not a key an item may have",
                             f"a key is {item_keys.FORMS}")
        return text, span

    def cap(self, span, children):
        return ast.Cap(self._number(children[1]), children[2] is not None, span)

    # ---- metadata -------------------------------------------------------
    def _meta(self, key, span, children):
        return ast.Meta(key, self._strings(children), span)

    def lead(self, span, children):
        return self._meta("lead", span, children)

    def responsible(self, span, children):
        return self._meta("responsible", span, children)

    def evidence_note(self, span, children):
        return self._meta("evidence", span, children)

    def text(self, span, children):
        return self._meta("text", span, children)

    def note(self, span, children):
        return self._meta("note", span, children)

    def basis(self, span, children):
        return self._meta("basis", span, children)

    def deadline(self, span, children):
        date = self._date(children[1])
        return ast.Meta("deadline", (date.value,), span)

    # ---- scoring statements ----------------------------------------------
    def start_stmt(self, span, children):
        return ast.Start(children[1], span)

    def add(self, span, children):
        return ast.Adjust(+1, children[1], children[3], span)

    def deduct(self, span, children):
        return ast.Adjust(-1, children[1], children[3], span)

    def until_zero(self, span, children):
        return ast.UntilZero(span)

    def weight_stmt(self, span, children):
        return ast.Weight(children[1], span)

    def applies_stmt(self, span, children):
        return ast.Applies(children[2], span)

    def requires_stmt(self, span, children):
        text = self._text(children[2]) if children[2] is not None else None
        return ast.Requires(children[1], text, span)

    def coefficient_stmt(self, span, children):
        return ast.Coefficient(children[1], span)

    def zero_if(self, span, children):
        return ast.ZeroIf(children[2], span)

    def use(self, span, children):
        name = children[1]
        args = tuple(c for c in children[2:] if c is not None)
        return ast.Use(ast.Name(str(name), self._tok_span(name)), args, span)

    def arg(self, span, children):
        return ast.Arg(str(children[0]), children[1], span)

    def plain_term(self, span, children):
        value = children[0]
        if isinstance(value, ast.LookupExpr):  # `add lookup K {…}`: a lookup term, explained row by row
            return ast.LookupTerm(value.key, value.table, span)
        return ast.PlainTerm(value, span)

    def lookup_expr(self, span, children):
        return self._nest(ast.LookupExpr(children[1], self._table_ref(children[2]), span), (children[1],))

    def per_term(self, span, children):
        return ast.PerTerm(children[0], children[2], span)

    def steps_term(self, span, children):
        amount, _, step, direction, threshold, _, value, partial = children
        return ast.StepsTerm(amount, step, direction, threshold, value, partial, span)

    def direction(self, span, children):
        return "below" if children[0].type == "KW_BELOW" else "above"

    def partial(self, span, children):
        return children[1]

    def partial_mode(self, span, children):
        return {"KW_WHOLE": "whole", "KW_STARTED": "started", "KW_PROPORTIONAL": "proportional"}[children[0].type]

    def _table_ref(self, ref) -> ast.TableRef:
        if isinstance(ref, ast.TableBody):
            return ast.TableRef(ref, None, ref.span)
        return ref

    def ledger_term(self, span, children):
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
                              span)

    def ledger_sum(self, span, children):
        return self._nest(ast.LedgerSumExpr(children[1], span), (children[1].where,))

    def table_name(self, span, children):
        return ast.TableRef(None, ast.Name(str(children[0]), self._tok_span(children[0])), span)

    # ---- expressions ------------------------------------------------------
    def _binary(op):
        def method(self, span, children):
            left, right = children[0], children[-1]
            return self._nest(ast.Binary(op, left, right, span), (left, right))

        return method

    or_op = _binary("or")
    and_op = _binary("and")
    add_op = _binary("+")
    sub_op = _binary("-")
    mul_op = _binary("*")
    div_op = _binary("/")

    def compare_op(self, span, children):
        return self._nest(ast.Binary(str(children[1]), children[0], children[2], span), (children[0], children[2]))

    def in_op(self, span, children):
        names = tuple(ast.Name(str(t), self._tok_span(t)) for t in children[2:] if isinstance(t, Token))
        return self._nest(ast.InSet(children[0], names, span), (children[0],))

    def not_op(self, span, children):
        return self._nest(ast.Unary("not", children[1], span), (children[1],))

    def neg_op(self, span, children):
        return self._nest(ast.Unary("-", children[0], span), (children[0],))

    def number(self, span, children):
        return self._number(children[0])

    def date(self, span, children):
        return self._date(children[0])

    def true(self, span, children):
        return ast.BoolLit(True, span)

    def false(self, span, children):
        return ast.BoolLit(False, span)

    def name(self, span, children):
        return ast.Name(str(children[0]), self._tok_span(children[0]))

    def missing(self, span, children):
        return ast.Missing(ast.Name(str(children[1]), self._tok_span(children[1])), span)

    def count_entries(self, span, children):
        where = children[3] if len(children) > 3 else None
        return self._nest(ast.CountEntries(ast.Name(str(children[1]), self._tok_span(children[1])), where, span),
                          (where,))

    def call(self, span, children):
        func = children[0]
        args = tuple(c for c in children[1:] if c is not None)
        return self._nest(ast.Call(ast.Name(str(func), self._tok_span(func)), args, span), args)
