"""Expressions, term bodies, terms and rounding as SQL: :class:`_Compiler` turns the program's
(:func:`assessc.core.lower.lower`) typed expressions and body operations into
:class:`~assessc.backends.sql.values._X` values, following the interpreter's evaluation order and
its errors (NULL). A term body is compiled by the function :data:`BODIES` gives its operation's
class; a rounding mode by the one :data:`_ROUNDERS` gives its
:class:`~assessc.runtime.decimals.Rounding`."""

from __future__ import annotations

import datetime
import decimal
from decimal import Decimal
from typing import Callable, Mapping

import attrs
from sqlglot import exp

from assessc.backends.sql.calendar import _GAP_JUMP, _Calendar
from assessc.backends.sql.dialects import dialect_of
from assessc.backends.sql.errors import SQLUnsupported
from assessc.backends.sql.sources import _Aggregate, _EntityRow, _Fact, _Ledger, _LedgerRow
from assessc.backends.sql.trees import (PRECISION, _bin, _case, _cast, _col, _date, _dec_type, _minus, _not,
                                        _number, _plain, _scale_of, _string, _wrap)
from assessc.backends.sql.values import (BOOL, DATE, DIVISION_SCALE, NUM, TEXT, _X, _ZERO, _add, _any_null,
                                         _clamp, _mul, _neg, _null_num, _num, _pick, _pin, _sub, _typed,
                                         _unified, _when)
from assessc.core import ops
from assessc.core.lower import body as body_of
from assessc.core.lower import lower
from assessc.dsl.source import Span
from assessc.graph.nodes import ScoringGraph
from assessc.ir import nodes as ir
from assessc.ir.types import ExprType, FactDecl, Kind, NUMERIC_KINDS
from assessc.runtime.decimals import CONTEXT, Rounding, quantum


def _chained_bands(key: _X, rows, default: _X) -> list[tuple[exp.Expression, _X]] | None:
    """Bands of whole numbers that follow one another (1..4, 5..8, 9..12 or 8..15, 4..7, 2..3),
    for a whole-number key, as one comparison each: the first match wins, so once the key is
    known not to lie before the first band, ``key <= 8`` means ``5..8`` (None: not such bands)."""
    if key.kind != NUM or key.scale != 0 or len(rows) < 2:
        return None
    if any(r.member is not None or r.low is None or r.high is None or r.low != r.low.to_integral_value()
           or r.high != r.high.to_integral_value() or r.low > r.high for r in rows):
        return None
    pairs = list(zip(rows, rows[1:]))
    if all(b.low == a.high + 1 for a, b in pairs):
        first = (_bin(exp.LT, key.sql, _number(rows[0].low)), default)
        return [first] + [(_bin(exp.LTE, key.sql, _number(r.high)), _num(r.value)) for r in rows]
    if all(b.high == a.low - 1 for a, b in pairs):
        first = (_bin(exp.GT, key.sql, _number(rows[0].high)), default)
        return [first] + [(_bin(exp.GTE, key.sql, _number(r.low)), _num(r.value)) for r in rows]
    return None


@attrs.frozen
class _Rounding:
    """What every :class:`~assessc.core.ops.Round` operation of a program does: the lowering
    gives them all the policy's places and mode. ``scope``: ``each`` (terms, weighted children,
    items and the total round) or ``total`` (the total only)."""

    scope: str
    places: int
    mode: str  # a value of assessc.runtime.decimals.Rounding
    span: Span | None = None


def _rounding_of(program: ops.Program) -> _Rounding | None:
    """The rounding of ``program``'s Round operations (None: it has none)."""
    total, rounds, each = None, set(), False
    for step in program.steps:
        if step.__class__ is ops.TermStep:
            found = [step.round]
        elif step.__class__ is ops.ItemStep or step.__class__ is ops.TotalStep:
            found = [op for op in step.ops if op.__class__ is ops.Round]
            found += [child.round for op in step.ops if op.__class__ is ops.Sum for child in op.children]
            if step.__class__ is ops.TotalStep:
                total = step
        else:
            continue
        found = [op for op in found if op is not None]
        rounds.update(found)
        each = each or (step.__class__ is not ops.TotalStep and bool(found))
    if not rounds:
        return None
    if len(rounds) > 1:  # pragma: no cover - the lowering gives every Round the policy's
        raise SQLUnsupported("roundings of different places or modes in one policy", total.span)
    (only,) = rounds
    return _Rounding("each" if each else "total", only.places, only.mode, total.span)


class _Compiler:
    def __init__(self, graph: ScoringGraph, dialect: str, table: str, id_column: str,
                 ledger_tables: Mapping[str, str], fact_scale: int):
        self.policy = graph.policy
        self.program = lower(graph)
        self.dialect = dialect_of(dialect)
        self.table, self.id_column = table, id_column
        self.ledger_tables = dict(ledger_tables)
        self.fact_scale = fact_scale
        self.typed_table = False  # the tables have the column types create_tables gives them
        #: what the Round operations do; `round` reads it when it is called (tests swap its mode)
        self.rounding = _rounding_of(self.program)
        self.facts: dict[str, _Fact] = {}
        self.ledgers: dict[str, _Ledger] = {}
        self.aggregates: dict[object, _Aggregate] = {}
        self.workdays: dict[str, str] = {}  # date fact -> internal column of its working-day index
        self._calendar: _Calendar | None = None
        self.entity = _EntityRow(self)
        self.counter = 0
        self.columns: list[str] | None = None  # the result's columns after `id`; None: every item and the total
        #: return, instead of scores, whether each item with `applies if` applies, and these facts
        #: (the checks of a facts table read them); None: the scores
        self.applicability: list[FactDecl] | None = None

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    @property
    def calendar(self) -> _Calendar:
        if self._calendar is None:
            self._calendar = _Calendar.load(self.policy.calendar)
        return self._calendar

    # ---- facts ---------------------------------------------------------------------------
    def value_kind(self, decl: FactDecl, span) -> tuple[str, int]:
        kind = decl.type.kind
        if kind in (Kind.COUNT, Kind.RANK):
            return NUM, 0
        if kind in NUMERIC_KINDS:
            scales = [self.fact_scale] + [_scale_of(v) for v in (decl.type.low, decl.type.high) if v is not None]
            if isinstance(decl.default, Decimal):
                scales.append(_scale_of(decl.default))
            return NUM, max(scales)
        if kind is Kind.BOOL:
            return BOOL, 0
        if kind is Kind.DATE:
            return DATE, 0
        if kind in (Kind.TEXT, Kind.ENUM):
            return TEXT, 0
        if kind is Kind.EVIDENCE:
            return "evidence", 0
        raise SQLUnsupported(f"the {kind.value} fact `{decl.name}` as a value", span)

    def fact_column(self, decl: FactDecl, span, table: str | None) -> _X:
        fact = self.facts.get(decl.name)
        if fact is None:
            if decl.type.kind is Kind.LEDGER:  # pragma: no cover - the type checker keeps ledgers out of values
                raise SQLUnsupported(f"the ledger `{decl.name}` as a value", span)
            kind, scale = self.value_kind(decl, span)
            k = len(self.facts) + 1
            fact = self.facts[decl.name] = _Fact(decl, f"_f{k}", NUM if kind == "evidence" else kind, scale)
        return _X(_col(fact.column, table), fact.x_kind, fact.scale, width=PRECISION if fact.x_kind == NUM else None)

    def workday_column(self, decl: FactDecl, span) -> _X:
        self.fact_column(decl, span, None)
        if decl.name not in self.workdays:
            self.calendar  # noqa: B018 - the query needs its steps
            self.workdays[decl.name] = f"_w{len(self.workdays) + 1}"
        return _X(_col(self.workdays[decl.name]), NUM, 0, True)

    def ledger(self, decl: FactDecl) -> _Ledger:
        if decl.name not in self.ledgers:
            k = len(self.ledgers) + 1
            default = f"{self.table}_{decl.name}"
            self.ledgers[decl.name] = _Ledger(self, decl, f"_L{k}", self.ledger_tables.get(decl.name, default))
        return self.ledgers[decl.name]

    def aggregate(self, key, build: Callable[[], _Aggregate]) -> _X:
        if key not in self.aggregates:
            self.aggregates[key] = build()
        found = self.aggregates[key]
        return _X(_col(found.column), NUM, found.scale, found.nullable, width=PRECISION)

    # ---- expressions -------------------------------------------------------------------------
    def expr(self, e: ir.Expr, row) -> _X:
        if isinstance(e, ir.Const):
            return self.const(e)
        if isinstance(e, ir.FactRef):
            return row.fact(e.fact, e.span)
        if isinstance(e, ir.FieldRef):
            return row.field(e.fact, e.span)
        if isinstance(e, ir.MissingCount):
            present = row.fact(e.fact, e.span)
            return _sub(_num(Decimal(len(e.fact.type.members))), present)
        if isinstance(e, ir.EntryCount):
            if e.fact.type.kind is Kind.EVIDENCE:
                if e.where is not None:
                    raise SQLUnsupported("`count` of an evidence fact with `where`", e.span)
                return row.fact(e.fact, e.span)
            return self.entry_count(e, row)
        if isinstance(e, ir.LedgerValue):
            return self.ledger_sum(body_of(e.body), row, e.span)
        if isinstance(e, ir.Unary):
            operand = self.expr(e.operand, row)
            if e.op == "not":
                if operand.const is not None:
                    return _X(exp.false() if operand.const else exp.true(), BOOL, const=not operand.const)
                return _X(_not(operand.sql), BOOL, nullable=operand.nullable)
            return _neg(operand)
        if isinstance(e, ir.InSet):
            value = self.expr(e.value, row)
            return _X(exp.In(this=_wrap(value.sql), expressions=[_string(m) for m in e.members]), BOOL,
                      nullable=value.nullable)
        if isinstance(e, ir.LookupValue):
            return self.lookup(self.expr(e.key, row), e.table)
        if isinstance(e, ir.Call):
            return self.call(e, row)
        if isinstance(e, ir.Binary):
            return self.binary(e, row)
        raise SQLUnsupported(f"the expression {type(e).__name__}", getattr(e, "span", None))

    def const(self, e: ir.Const) -> _X:
        value = e.value
        if isinstance(value, bool):
            return _X(exp.true() if value else exp.false(), BOOL, const=value)
        if isinstance(value, Decimal):
            return _num(value)
        if e.type is ExprType.DATE:
            day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))
            return _X(_date(day), DATE, const=day)
        return _X(_string(str(value)), TEXT, const=str(value))

    def binary(self, e: ir.Binary, row) -> _X:
        op = e.op
        left, right = self.expr(e.left, row), self.expr(e.right, row)
        if op in ("and", "or"):
            # Python's short circuit: the right side matters only when the left one lets it,
            # and an error on the left is an error.
            if left.nullable:
                decided = exp.false() if op == "and" else exp.true()
                whens = [(left.sql, right.sql), (_not(left.sql), decided)] if op == "and" else \
                    [(left.sql, decided), (_not(left.sql), right.sql)]
                return _X(_case(whens, None), BOOL, nullable=True)
            cls = exp.And if op == "and" else exp.Or
            return _X(_bin(cls, left.sql, right.sql), BOOL, nullable=right.nullable)
        if op == "+":
            return _add(left, right)
        if op == "-":
            return _sub(left, right)
        if op == "*":
            return _mul(left, right)
        if op == "/":
            return self.divide(left, right)
        cls = {"==": exp.EQ, "!=": exp.NEQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}[op]
        return _X(_bin(cls, left.sql, right.sql), BOOL, nullable=left.nullable or right.nullable)

    def call(self, e: ir.Call, row) -> _X:
        if e.func in ("min", "max"):
            args = [self.expr(a, row) for a in e.args]
            if all(a.const is not None for a in args):
                return _num(min(a.const for a in args) if e.func == "min" else max(a.const for a in args))
            cls = exp.Least if e.func == "min" else exp.Greatest
            typed, scale, width, integer = _unified(args)
            sql = cls(this=typed[0], expressions=typed[1:], ignore_nulls=True)
            nullable = [a for a in args if a.nullable]
            if nullable:  # LEAST and GREATEST skip NULLs; an error must not be skipped
                sql = _case([(_any_null(nullable), _null_num(scale).sql)], sql)
                width, integer = PRECISION, False
            return _X(sql, NUM, scale, bool(nullable), width=width, integer=integer)
        if e.func == "workdays":
            return self.workdays_between(e, row)
        raise SQLUnsupported(f"the function `{e.func}()`", e.span, "it is known only in outcomes")

    def workdays_between(self, e: ir.Call, row) -> _X:
        (a_expr, b_expr) = e.args
        a, b = self.expr(a_expr, row), self.expr(b_expr, row)
        if a.const is not None and b.const is not None:
            from assessc.runtime.workdays import CalendarError

            try:
                return _num(e.calendar.between(a.const, b.const))
            except CalendarError:
                return _null_num()
        index = []
        for expr, value in ((a_expr, a), (b_expr, b)):
            if value.const is not None:
                found = self.calendar.index(value.const)
                index.append(_num(Decimal(found)) if found is not None else _null_num())
            else:
                index.append(row.workday_index(expr, value))
        not_after = _X(_bin(exp.LTE, b.sql, a.sql), BOOL, nullable=a.nullable or b.nullable)
        count = _sub(index[1], index[0])
        if self.calendar.gaps:  # a count across a year no schedule covers is NULL
            across = _X(_bin(exp.GTE, count.sql, exp.Literal.number(_GAP_JUMP // 2)), BOOL, nullable=True)
            count = _when(across, _null_num(), count)
        return _when(not_after, _num(_ZERO), count)

    def divide(self, x: _X, y: _X) -> _X:
        """``x / y``: exact when the quotient has a finite decimal form, else rounded
        half-even at DIVISION_SCALE places; NULL for a divisor of 0."""
        if y.const is not None:
            if y.const == 0:
                return _null_num(max(x.scale, DIVISION_SCALE))
            context = decimal.Context(prec=200, traps=[])
            reciprocal = context.divide(Decimal(1), y.const)
            if not context.flags[decimal.Inexact] and _scale_of(reciprocal) <= DIVISION_SCALE:
                if x.const is not None:
                    return _num(x.const * reciprocal)
                return _mul(x, _num(reciprocal))
        k = DIVISION_SCALE + y.scale  # x·10^k / (y·10^sy) = (x / y)·10^DIVISION_SCALE
        if x.scale > k:
            x = _pin(x, k)
        # typed first: a whole-number literal would otherwise be multiplied as a 64-bit integer
        dividend = _cast(_bin(exp.Mul, _typed(x, x.scale), exp.Literal.number("1" + "0" * k)), _dec_type(0))
        if y.const is not None:
            whole = y.const.scaleb(y.scale, CONTEXT)
            divisor: exp.Expression = exp.Literal.number(_plain(whole.copy_abs()))
            if whole < 0:
                dividend = _minus(dividend)
            nullable = x.nullable
        else:
            scaled = _cast(_bin(exp.Mul, y.sql, exp.Literal.number("1" + "0" * y.scale)), _dec_type(0))
            dividend = _case([(_bin(exp.LT, scaled, exp.Literal.number(0)), _minus(dividend))], dividend)
            divisor = exp.Nullif(this=exp.Abs(this=scaled), expression=exp.Literal.number(0))
            nullable = True
        rest = _bin(exp.Mod, dividend, divisor)
        truncated = self.dialect.exact_quotient(_bin(exp.Sub, dividend, rest), divisor)
        twice = _bin(exp.Mul, exp.Literal.number(2), rest)
        odd = _bin(exp.NEQ, _bin(exp.Mod, truncated, exp.Literal.number(2)), exp.Literal.number(0))
        up = exp.or_(_bin(exp.GT, twice, divisor), exp.and_(_bin(exp.EQ, twice, divisor), odd))
        down = exp.or_(_bin(exp.LT, twice, _minus(divisor)),
                       exp.and_(_bin(exp.EQ, twice, _minus(divisor)), odd))
        rounded = _case([(up, _bin(exp.Add, truncated, exp.Literal.number(1))),
                         (down, _bin(exp.Sub, truncated, exp.Literal.number(1)))], truncated)
        unit = _number(Decimal(1).scaleb(-DIVISION_SCALE, CONTEXT))
        return _X(_cast(_bin(exp.Mul, rounded, unit), _dec_type(DIVISION_SCALE)), NUM, DIVISION_SCALE, nullable,
                  width=PRECISION)

    def lookup(self, key: _X, table: ir.Table) -> _X:
        """The first row ``key`` matches; else the `else` value; else NULL (the interpreter stops
        scoring: a lookup without a row is an error, never 0)."""
        whens: list[tuple[exp.Expression, _X]] = []
        if key.nullable:
            whens.append((key.sql.is_(exp.Null()), _null_num()))
        default = _num(table.default) if table.default is not None else _null_num()
        chained = _chained_bands(key, table.rows, default)
        for row in table.rows if chained is None else ():
            if row.member is not None:
                condition = _bin(exp.EQ, key.sql, _string(row.member))
            elif row.low == row.high:
                condition = _bin(exp.EQ, key.sql, _number(row.low))
            else:
                condition = exp.Between(this=_wrap(key.sql), low=_number(row.low), high=_number(row.high))
            whens.append((condition, _num(row.value)))
        whens += chained or []
        if not whens:
            return default
        return _pick(whens, default, nullable=default.nullable or key.nullable)

    def matrix(self, row_key: _X, column_key: _X, matrix: ir.Matrix) -> _X:
        """The cell of the pair; NULL for a pair the matrix has no cell for (an error, as a lookup)."""
        whens = []
        for entry in matrix.rows:
            for column, value in zip(matrix.columns, entry.values):
                condition = exp.and_(_bin(exp.EQ, row_key.sql, _string(entry.member)),
                                     _bin(exp.EQ, column_key.sql, _string(column)))
                whens.append((condition, _num(value)))
        return _pick(whens, None) if whens else _null_num()

    # ---- ledgers -------------------------------------------------------------------------------
    def _where(self, where: ir.Expr | None, row: _LedgerRow, span) -> exp.Expression | None:
        if where is None:
            return None
        condition = self.expr(where, row)
        if condition.nullable:
            raise SQLUnsupported("a `where` condition that can fail (a lookup without `else`, a working-day count)",
                                 span, "an error inside an aggregate cannot be kept apart from a value")
        return condition.sql

    def ledger_sum(self, body: ops.HighestPer, row, span) -> _X:
        if not isinstance(row, _EntityRow):
            raise SQLUnsupported("a ledger sum inside a ledger's `where`", span)

        def build() -> _Aggregate:
            ledger = self.ledger(body.ledger)
            entry = _LedgerRow(self, ledger)
            field = entry.field(body.ledger.type.field(body.field), span)
            if body.column_field is not None:
                points = self.matrix(field, entry.field(body.ledger.type.field(body.column_field), span), body.table)
            else:
                points = self.lookup(field, body.table)
            group = None
            if body.group is not None:
                entry.field(body.ledger.type.field(body.group), span)
                group = ledger.fields[body.group][0]
            where = self._where(body.where, entry, span)
            return _Aggregate(ledger, self.fresh("_g"), _typed(points, points.scale), points.scale, where, group,
                              entry.reads_facts, points.nullable)

        return row.aggregate(("sum", body), build)

    def entry_count(self, e: ir.EntryCount, row) -> _X:
        if not isinstance(row, _EntityRow):
            raise SQLUnsupported("an entry count inside a ledger's `where`", e.span)

        def build() -> _Aggregate:
            ledger = self.ledger(e.fact)
            entry = _LedgerRow(self, ledger)
            where = self._where(e.where, entry, e.span)
            return _Aggregate(ledger, self.fresh("_g"), None, 0, where, None, entry.reads_facts)

        return row.aggregate(("count", e.fact.name, e.where), build)

    # ---- terms --------------------------------------------------------------------------------
    def body(self, body: ops.Body, row, span) -> _X:
        """A term's (or a weight's) amount before its sign: its operation compiled by :data:`BODIES`."""
        return BODIES[body.__class__](self, body, row, span)

    def term(self, step: ops.TermStep) -> _X:
        amount = self.body(step.body, self.entity, step.span)
        if step.sign < 0:
            amount = _neg(amount)
        if step.condition is not None:
            amount = _when(self.expr(step.condition, self.entity), amount, _num(_ZERO))
        return amount

    def round(self, x: _X) -> _X:
        """``x`` rounded to the policy's places with its mode: the whole number of units nearest
        ``x × 10**places`` the mode picks, times the unit. A negative ``places`` rounds to tens,
        hundreds, … and gives a whole number (scale 0)."""
        places, mode = self.rounding.places, self.rounding.mode
        scale = max(places, 0)
        if x.scale <= places:
            return _pin(x, places)
        rounder = _ROUNDERS.get(mode)
        if rounder is None:  # pragma: no cover - `check` accepts the modes of Rounding only
            raise SQLUnsupported(f"the rounding mode `{mode}`", self.rounding.span)
        if mode == Rounding.HALF_UP.value and places >= 0 and self.dialect.round_half_up:
            return _X(_cast(exp.Round(this=x.sql, decimals=exp.Literal.number(places)), _dec_type(places)),
                      NUM, places, x.nullable, width=PRECISION)
        shifted = _bin(exp.Mul, x.sql, _number(quantum(-places)))  # × 100 for 2 places, × 0.1 for -1
        whole = rounder(shifted, _bin(exp.LT, x.sql, exp.Literal.number(0)))
        unit = _number(quantum(places))  # 0.01 for 2 places, 10 for -1
        return _X(_cast(_bin(exp.Mul, whole, unit), _dec_type(scale)), NUM, scale, x.nullable, width=PRECISION)


# ---- term bodies: the amount of each body operation -------------------------------------------------------


def _value(c: _Compiler, body: ops.Value, row, span) -> _X:
    return c.expr(body.expr, row)


def _per(c: _Compiler, body: ops.Per, row, span) -> _X:
    return _mul(c.expr(body.amount, row), c.expr(body.count, row))


def _steps(c: _Compiler, body: ops.Steps, row, span) -> _X:
    amount, step = c.expr(body.amount, row), c.expr(body.step, row)
    threshold, value = c.expr(body.threshold, row), c.expr(body.value, row)
    gap = _sub(threshold, value) if body.below else _sub(value, threshold)
    if step.const is not None and step.const > 0 and not gap.nullable:
        # no step is taken below the threshold: GREATEST(gap, 0) reads the gap once, and
        # 0 steps, whole, started or proportional, count 0
        return _mul(_counted(body, c.divide(_clamp(gap, _ZERO, upper=False), step)), amount)
    steps = _counted(body, c.divide(gap, step))
    positive = _X(_bin(exp.GT, gap.sql, exp.Literal.number(0)), BOOL, nullable=gap.nullable)
    return _when(positive, _mul(steps, amount), _num(_ZERO))


def _counted(body: ops.Steps, ratio: _X) -> _X:
    """The steps a gap of ``ratio`` steps counts: whole ones, started ones, or the ratio."""
    if body.partial in ("whole", "started"):
        whole = body.partial == "whole"
        func, rounding = (exp.Floor, decimal.ROUND_FLOOR) if whole else (exp.Ceil, decimal.ROUND_CEILING)
        ends = {end: None if value is None else value.to_integral_value(rounding)  # monotone: ends move with it
                for end, value in (("low", ratio.low), ("high", ratio.high))}
        return _X(func(this=ratio.sql), NUM, 0, ratio.nullable, **ends)
    return ratio


def _lookup(c: _Compiler, body: ops.Lookup, row, span) -> _X:
    return c.lookup(c.expr(body.key, row), body.table)


def _highest_per(c: _Compiler, body: ops.HighestPer, row, span) -> _X:
    return c.ledger_sum(body, row, span)


#: each body operation as SQL: ``(compiler, body, row, span) -> value``
BODIES: dict[type, Callable[..., _X]] = {ops.Value: _value, ops.Per: _per, ops.Steps: _steps, ops.Lookup: _lookup,
                                         ops.HighestPer: _highest_per}


# ---- rounding: the whole number of units each mode picks for ``shifted`` (x × 10**places) --------------

_HALF, _ONE_SQL, _TWO = exp.Literal.number("0.5"), exp.Literal.number(1), exp.Literal.number(2)


def _half_up(shifted: exp.Expression, negative: exp.Expression) -> exp.Expression:
    """Ties away from zero (四舍五入)."""
    away = _minus(exp.Floor(this=_bin(exp.Add, _minus(shifted), _HALF)))
    return _case([(negative, away)], exp.Floor(this=_bin(exp.Add, shifted, _HALF)))


def _half_down(shifted: exp.Expression, negative: exp.Expression) -> exp.Expression:
    """Ties towards zero."""
    return _case([(negative, exp.Floor(this=_bin(exp.Add, shifted, _HALF)))],
                 exp.Ceil(this=_bin(exp.Sub, shifted, _HALF)))


def _half_even(shifted: exp.Expression, negative: exp.Expression) -> exp.Expression:
    """Ties to the even neighbour."""
    floor = exp.Floor(this=shifted)
    fraction = _bin(exp.Sub, shifted, floor)
    even = _bin(exp.EQ, _bin(exp.Mod, floor, _TWO), exp.Literal.number(0))
    return _case([(_bin(exp.GT, fraction, _HALF), _bin(exp.Add, floor, _ONE_SQL)),
                  (_bin(exp.LT, fraction, _HALF), floor), (even, floor)],
                 _bin(exp.Add, floor, _ONE_SQL))


#: every mode of assessc.runtime.decimals.Rounding, as SQL (keyed by its name, as a Round operation holds it)
_ROUNDERS: dict[str, Callable[[exp.Expression, exp.Expression], exp.Expression]] = {
    Rounding.HALF_UP.value: _half_up,
    Rounding.HALF_EVEN.value: _half_even,
    Rounding.HALF_DOWN.value: _half_down,
    Rounding.DOWN.value: lambda shifted, negative: _case([(negative, exp.Ceil(this=shifted))], exp.Floor(this=shifted)),
    Rounding.UP.value: lambda shifted, negative: _case([(negative, exp.Floor(this=shifted))], exp.Ceil(this=shifted)),
    Rounding.FLOOR.value: lambda shifted, negative: exp.Floor(this=shifted),
    Rounding.CEILING.value: lambda shifted, negative: exp.Ceil(this=shifted),
}
