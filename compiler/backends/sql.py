"""The SQL backend: one query that scores every entity of a facts table.

:func:`to_sql` turns a :class:`~assessc.graph.nodes.ScoringGraph` into one
``SELECT`` over a table that holds one row per entity: an id column and one
column per fact. The query returns ``id``, one column per item, bonus and
penalty (named by its node id) and ``total``, with the same values as the
interpreter (:mod:`assessc.backends.interp`), whose evaluation order it
follows:

* a **term** is ``sign × body`` when its condition holds, else 0; under
  ``round each`` it is rounded;
* an item whose ``applies if`` (or an ancestor's) does not hold counts 0 and
  none of its rules matters;
* an **item** is ``start + Σ terms + Σ children``; a ``zero if`` that holds
  makes it 0; otherwise the coefficient multiplies it, ``round each`` rounds
  it, ``until zero`` floors it and ``max`` caps it (a penalty's ``max N``
  bounds its deduction);
* a weighted child counts ``W × value × 100 / max``;
* the **total** is ``min(Σ items × coefficient, max) + Σ bonuses + Σ
  penalties``, 0 under a veto, rounded under ``round total``/``round each``.

The query is built as a tree of :mod:`sqlglot` expressions and printed in the
dialect asked for; nothing from the policy is pasted into SQL text, so a
title, a member or a string holding quotes or ``--`` stays a literal or a
quoted identifier. Each stage is a CTE that adds columns to the previous
one: the typed facts, the ledger aggregates, the applicability flags, then,
for the items of each height (leaves first), their terms, raw sums, scaled
and rounded values and final values, so every value is computed once. A
column that only one later expression reads is written into it instead
(:func:`_inline_single_use`), and one nothing reads is left out: a policy
whose values are each read once becomes one expression, as a person would
write it, which the engine parses and plans in a fraction of the time.

Arithmetic is exact DECIMAL: the scale ``s`` of every value is known when
the query is generated (a literal's decimals, a fact's scale, the larger
scale for a sum, the sum of the scales for a product), and so is the type
the engine gives it (``_X.width``): DECIMAL(w, s) by the engine's own rules,
which widen a sum instead of rounding it. A value is cast to
``DECIMAL(38, s)`` where those rules would not keep ``s``: a CASE branch or
LEAST/GREATEST argument whose whole part would leave no room for the
others' decimals, a value of unknown type, and every column the query
returns (so a result's type is always ``DECIMAL(38, s)``); constants of
a CASE are written with its scale (``5.00``), and a CASE of whole-number
constants stays an INTEGER, which is never added to another INTEGER
(:func:`_apart`). A quotient that has no finite decimal form is
rounded half-even at :data:`DIVISION_SCALE` places (the interpreter keeps 60
significant digits); a quotient that has one is exact. Division never goes
through a floating-point type.

Names: the facts table's columns are the facts' names, a ledger's table is
``<table>_<ledger>``, and the result's columns are ``id``, the item ids and
``total``. Every one must be valid and distinct in each tested dialect: DuckDB
and Spark ignore case, PostgreSQL cuts a name after :data:`MAX_NAME_BYTES`.
A policy whose names would collide or be cut is refused (:class:`SQLNameClash`,
E0410 and E0411, located in the policy) rather than compiled to a query that
fails or reads one column for two facts. The query's own steps and columns are
numbered (``_f1``, ``_i3``), never made from a policy's names.

NULL marks an evaluation error: where the interpreter stops scoring an entity
(a lookup used as a value that has no row, a division by zero, a date outside
the working-day calendar), the values that read it are NULL, and so is the
total.
"""

from __future__ import annotations

import datetime
import decimal
import difflib
import operator
from decimal import Decimal
from typing import Callable, Mapping, Sequence

import attrs
from sqlglot import exp

from assessc.diagnostics import Diagnostic, Note, codes
from assessc.dsl.source import Span
from assessc.graph.nodes import ITEM, ScoringGraph
from assessc.ir import nodes as ir
from assessc.ir.types import ExprType, FactDecl, Kind, NUMERIC_KINDS
from assessc.runtime.decimals import CONTEXT, Rounding, quantum, show

#: the dialects the query is tested on; any other sqlglot dialect may work
DIALECTS = ("duckdb", "postgres", "spark")
PRECISION = 38
#: places kept by a quotient with no finite decimal form (rounded half-even)
DIVISION_SCALE = 18
#: the largest scale a stored value keeps; a finer product is rounded to it
MAX_SCALE = 30
#: the scale of decimal, percent and amount fact columns unless asked otherwise
FACT_SCALE = 6
#: an evidence cell lists the names (or labels) of the items submitted, separated by this
EVIDENCE_SEPARATOR = ";"

#: dialects whose planner inlines CTEs and evaluates an inlined column once per use
MATERIALIZE = {"postgres": True, "duckdb": False}

_EPOCH = datetime.date(1900, 1, 1)  # a Monday before every year a calendar may declare: day numbers count from it


#: PostgreSQL keeps the first 63 bytes of a name (NAMEDATALEN - 1) and drops the rest
MAX_NAME_BYTES = 63


class SQLUnsupported(Exception):
    """The policy uses a form the SQL backend cannot express."""

    def __init__(self, form: str, span=None, detail: str = ""):
        self.form, self.span, self.detail = form, span, detail
        where = f"{span.path}:{span.line}: " if span is not None else ""
        super().__init__(f"{where}SQL cannot express {form}" + (f": {detail}" if detail else ""))


class SQLNameClash(SQLUnsupported):
    """Names of the policy that would not be valid and distinct SQL names in every dialect the
    query is tested on: two that differ only in case (DuckDB and Spark ignore case), or one
    longer than :data:`MAX_NAME_BYTES` (PostgreSQL cuts it). ``diagnostics`` are E0410 and
    E0411, each located at the name in the policy."""

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        self.diagnostics = tuple(diagnostics)
        first = self.diagnostics[0]
        super().__init__("these names", first.span, first.message)


# ---- sqlglot helpers ------------------------------------------------------------------


def _ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _col(name: str, table: str | None = None) -> exp.Column:
    return exp.Column(this=_ident(name), table=_ident(table) if table else None)


def _dec_type(scale: int) -> exp.DataType:
    return exp.DataType.build(f"DECIMAL({PRECISION}, {scale})")


def _cast(e: exp.Expression, to: exp.DataType | str) -> exp.Cast:
    return exp.Cast(this=e, to=exp.DataType.build(to) if isinstance(to, str) else to)


_PRECEDENCE = [
    (exp.Or, 1), (exp.And, 2), (exp.Not, 3),
    ((exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE, exp.Is, exp.In, exp.Between), 4),
    ((exp.Add, exp.Sub, exp.DPipe, exp.Neg), 5), ((exp.Mul, exp.Div, exp.IntDiv, exp.Mod), 6),
]  # a negation counts as low as `+`, so that `a - (-b)` and `(-a) * b` keep their parentheses


def _precedence(e: exp.Expression) -> int:
    for classes, level in _PRECEDENCE:
        if isinstance(e, classes):
            return level
    if isinstance(e, exp.Literal) and e.is_number and e.this.startswith("-"):
        return 5
    return 9  # a column, a literal, a function call, CASE, a parenthesised expression


def _wrap(e: exp.Expression, below: int = 9) -> exp.Expression:
    """``e`` in parentheses unless it binds tighter than ``below``."""
    return exp.Paren(this=e) if _precedence(e) < below else e


def _minus(e: exp.Expression) -> exp.Neg:
    """``-e``; a negated negation is parenthesised, so `--` (a comment) is never printed."""
    return exp.Neg(this=_wrap(e, 8))


def _bin(cls, a: exp.Expression, b: exp.Expression) -> exp.Expression:
    level = _precedence(cls(this=exp.Null(), expression=exp.Null()))
    associative = cls in (exp.Add, exp.Mul, exp.And, exp.Or)
    left = _wrap(a, level if level != 4 else 5)  # a + b - c reads left to right; comparisons do not chain
    right = _wrap(b, level + 1 if not associative or _precedence(b) != level or type(b) is not cls else level)
    return cls(this=left, expression=right)


def _not(a: exp.Expression) -> exp.Expression:
    return exp.Not(this=_wrap(a, 5))


def _case(whens: list[tuple[exp.Expression, exp.Expression]], default: exp.Expression | None) -> exp.Case:
    return exp.Case(ifs=[exp.If(this=c, true=v) for c, v in whens], default=default)


def _plain(value: Decimal) -> str:
    return show(value)


def _scale_of(value: Decimal) -> int:
    return max(0, -value.normalize(CONTEXT).as_tuple().exponent)


def _number(value: Decimal) -> exp.Expression:
    text = _plain(value)
    if text.startswith("-"):
        return exp.Paren(this=exp.Neg(this=exp.Literal.number(text[1:])))
    return exp.Literal.number(text)


def _string(text: str) -> exp.Literal:
    return exp.Literal.string(text)


def _date(day: datetime.date) -> exp.Expression:
    return _cast(_string(day.isoformat()), "DATE")


def _select(columns: list[exp.Expression], source: exp.Expression, *, star: exp.Expression | None = None,
            joins: list[exp.Join] = (), where: exp.Expression | None = None,
            group: list[exp.Expression] = ()) -> exp.Select:
    select = exp.Select(expressions=([star] if star is not None else []) + list(columns))
    select.set("from_", exp.From(this=source))
    if joins:
        select.set("joins", list(joins))
    if where is not None:
        select.set("where", exp.Where(this=where))
    if group:
        select.set("group", exp.Group(expressions=list(group)))
    return select


def _table(name: str, alias: str | None = None) -> exp.Table:
    parts = name.split(".")
    table = exp.Table(this=_ident(parts[-1]), db=_ident(parts[-2]) if len(parts) > 1 else None,
                      catalog=_ident(parts[-3]) if len(parts) > 2 else None)
    if alias:
        table.set("alias", exp.TableAlias(this=_ident(alias)))
    return table


# ---- typed SQL values ------------------------------------------------------------------

NUM, BOOL, DATE, TEXT = "num", "bool", "date", "text"


@attrs.frozen
class _X:
    """A SQL expression with what is known about it when the query is generated."""

    sql: exp.Expression
    kind: str  # num | bool | date | text
    scale: int = 0  # decimals of a number
    nullable: bool = False  # may be NULL (an evaluation error)
    const: object = None  # the value, when it is a constant
    #: the engine types it DECIMAL(width, scale) (None: not known to): the engine's own rules for
    #: DECIMAL arithmetic keep every value exact, and keep narrow values in 64-bit integers
    width: int | None = None
    #: typed INTEGER instead (a CASE of whole-number constants): exact, but INTEGER + INTEGER
    #: can overflow, so two such values are never combined without a cast
    integer: bool = False
    low: Decimal | None = None  # bounds the query itself guarantees (from its constants), None if unknown
    high: Decimal | None = None

    @property
    def pinned(self) -> bool:
        """Typed DECIMAL(38, scale): a cast to that would change nothing."""
        return self.width == PRECISION


_KINDS = {ExprType.NUMBER: NUM, ExprType.BOOL: BOOL, ExprType.DATE: DATE, ExprType.TEXT: TEXT, ExprType.ENUM: TEXT}


def _literal_width(value: Decimal, scale: int) -> int | None:
    """The DECIMAL width of ``value`` written with ``scale`` decimals. A whole number without
    decimals is an INTEGER or BIGINT literal, which the engine widens to DECIMAL(10) or (19)."""
    magnitude = value.copy_abs()
    whole = len(str(int(magnitude)))
    if scale == 0:
        return 10 if magnitude < 2 ** 31 else 19 if magnitude < 2 ** 63 else None
    return whole + scale if whole + scale <= PRECISION else None


def _num(value: Decimal) -> _X:
    scale = _scale_of(value)
    return _X(_number(value), NUM, scale, False, value, _literal_width(value, scale), low=value, high=value)


def _hull(values: list[_X]) -> dict:
    """The bounds of a value that is one of ``values``: each end known when it is known for all."""
    lows, highs = [v.low for v in values], [v.high for v in values]
    return {"low": None if None in lows else min(lows), "high": None if None in highs else max(highs)}


def _combined(a: Decimal | None, b: Decimal | None, op) -> Decimal | None:
    """``op(a, b)`` for two ends of bounds, None when either is unknown."""
    return None if a is None or b is None else op(a, b)


def _literal(x: _X) -> bool:
    """``x`` is written as a literal (a constant column or cast is not)."""
    return x.const is not None and isinstance(x.sql, (exp.Literal, exp.Paren))


def _is_integer(x: _X) -> bool:
    """The engine types ``x`` INTEGER or BIGINT (a whole-number literal is one)."""
    return x.integer or (_literal(x) and x.scale == 0)


def _apart(a: _X, b: _X) -> tuple[_X, _X]:
    """``a`` and ``b`` such that not both are integers: INTEGER + DECIMAL is a DECIMAL, which
    widens instead of overflowing."""
    if _is_integer(a) and _is_integer(b):
        if _literal(a):
            a, b = b, a
            return b, _narrow_whole(a)
        return _narrow_whole(a), b
    return a, b


def _narrow_whole(x: _X) -> _X:
    """An integer as DECIMAL(19, 0) (a BIGINT fits)."""
    return _X(_cast(x.sql, exp.DataType.build("DECIMAL(19, 0)")), NUM, 0, x.nullable, x.const, 19,
              low=x.low, high=x.high)


def _sum_width(a: _X, b: _X) -> int | None:
    """The width of ``a ± b``: the engine makes room for a carry, up to 38 digits."""
    if a.width is None or b.width is None:
        return None
    return min(PRECISION, max(a.width - a.scale, b.width - b.scale) + max(a.scale, b.scale) + 1)


_ZERO = Decimal(0)


def _typed(x: _X, scale: int) -> exp.Expression:
    """``x`` as DECIMAL(38, scale); exact when ``scale`` >= x.scale. No cast when it already is."""
    if x.pinned and x.scale == scale:
        return x.sql
    return _cast(x.sql, _dec_type(scale))


def _pin(x: _X, scale: int) -> _X:
    return _X(_typed(x, scale), NUM, scale, x.nullable, x.const, PRECISION, low=x.low, high=x.high)


#: a literal with more digits might not be read as a DECIMAL by every engine, so it is cast
_LITERAL_DIGITS = 18


def _unified(values: list[_X]) -> tuple[list[exp.Expression], int, int, bool]:
    """``values`` as the branches of one CASE (or the arguments of LEAST/GREATEST), their
    common scale and width, and whether they are all integers (then so is the result). The
    engine gives such a result the largest scale and room for the largest whole part; a
    constant is written with that scale (``5.00``), a value whose type is not known or that
    would not fit in 38 digits at that scale is cast to DECIMAL(38, scale)."""
    scale = max(v.scale for v in values)
    out, whole = [], 0
    integer = all(_is_integer(v) for v in values)
    for v in values:
        if _literal(v):
            text = format(v.const.quantize(Decimal(1).scaleb(-scale, CONTEXT), context=CONTEXT), "f")
            width = _literal_width(v.const, scale) if scale else None
            if width is not None and len(text.lstrip("-").replace(".", "")) <= _LITERAL_DIGITS:
                literal = exp.Literal.number(text.lstrip("-"))
                out.append(exp.Paren(this=exp.Neg(this=literal)) if text.startswith("-") else literal)
                whole = max(whole, width - scale)
                continue
        if v.width is None or v.width - v.scale + scale > PRECISION:
            out.append(_typed(v, scale))
            whole = max(whole, PRECISION - scale)
        else:
            out.append(v.sql)
            whole = max(whole, v.width - v.scale)
    return out, scale, min(PRECISION, whole + scale), integer


def _null_num(scale: int = 0) -> _X:
    return _X(_cast(exp.Null(), _dec_type(scale)), NUM, scale, True, width=PRECISION)


def _pick(whens: list[tuple[exp.Expression, _X]], default: _X | None, nullable: bool = False) -> _X:
    """A CASE over numbers, of the largest scale of its branches (see :func:`_unified`).

    A CASE of constants needs no cast: written at its scale (``5.00``, ``3.75``) it is as
    narrow as they are, so sums of such values stay in 64-bit integers; of whole numbers,
    it is an INTEGER (see :func:`_apart`)."""
    values = [v for _, v in whens] + ([default] if default is not None else [])
    nullable = nullable or any(v.nullable for v in values) or default is None
    bounds = _hull(values) if default is not None else {}
    branches, scale, width, integer = _unified(values)
    case = _case([(c, v) for (c, _), v in zip(whens, branches)], branches[-1] if default is not None else None)
    return _X(case, NUM, scale, nullable, None, width, integer, **bounds)


def _is_zero(x: _X) -> bool:
    return x.const is not None and not isinstance(x.const, bool) and x.const == 0


def _add(a: _X, b: _X) -> _X:
    if _literal(a) and _literal(b):
        return _num(a.const + b.const)
    if _is_zero(b) and b.scale <= a.scale:
        return a
    if _is_zero(a) and a.scale <= b.scale:
        return b
    if isinstance(b.sql, exp.Neg):  # a + (-b) is written a - b
        return _sub(a, _X(b.sql.this.unnest().copy(), NUM, b.scale, b.nullable, None, b.width, b.integer,
                          low=None if b.high is None else -b.high, high=None if b.low is None else -b.low))
    a, b = _apart(a, b)
    bounds = {"low": _combined(a.low, b.low, operator.add), "high": _combined(a.high, b.high, operator.add)}
    return _X(_bin(exp.Add, a.sql, b.sql), NUM, max(a.scale, b.scale), a.nullable or b.nullable, None,
              _sum_width(a, b), **bounds)


def _sub(a: _X, b: _X) -> _X:
    if _literal(a) and _literal(b):
        return _num(a.const - b.const)
    if _is_zero(b) and b.scale <= a.scale:
        return a
    a, b = _apart(a, b)
    bounds = {"low": _combined(a.low, b.high, operator.sub), "high": _combined(a.high, b.low, operator.sub)}
    return _X(_bin(exp.Sub, a.sql, b.sql), NUM, max(a.scale, b.scale), a.nullable or b.nullable, None,
              _sum_width(a, b), **bounds)


def _neg(a: _X) -> _X:
    if a.const is not None:
        return _num(-a.const)
    return _X(_minus(a.sql), NUM, a.scale, a.nullable, None, a.width, a.integer,
              low=None if a.high is None else -a.high, high=None if a.low is None else -a.low)


def _mul(a: _X, b: _X) -> _X:
    if a.const is not None and b.const is not None:
        return _num(a.const * b.const)
    if b.const == 1 and b.scale == 0:
        return a
    if a.const == 1 and a.scale == 0:
        return b
    a, b = _apart(a, b)
    if a.scale + b.scale > PRECISION:  # the engine could not hold the exact product
        a, b = (a, _pin(b, PRECISION - a.scale)) if b.scale >= a.scale else (_pin(a, PRECISION - b.scale), b)
    bounds = _product_bounds(a, b)
    width = min(PRECISION, a.width + b.width) if a.width is not None and b.width is not None else None
    product = _X(_bin(exp.Mul, a.sql, b.sql), NUM, a.scale + b.scale, a.nullable or b.nullable, None, width,
                 **bounds)
    if product.scale > MAX_SCALE:
        product = _pin(product, MAX_SCALE)
    return product


def _product_bounds(a: _X, b: _X) -> dict:
    """Bounds of ``a * b``: from all four ends when both are bounded; by a constant factor, each
    end that is known (swapped by a negative factor)."""
    if None not in (a.low, a.high, b.low, b.high):
        ends = [p * q for p in (a.low, a.high) for q in (b.low, b.high)]
        return {"low": min(ends), "high": max(ends)}
    factor, x = (a.const, b) if a.const is not None else (b.const, a)
    if not isinstance(factor, Decimal):
        return {}
    low, high = _combined(x.low, factor, operator.mul), _combined(x.high, factor, operator.mul)
    return {"low": low, "high": high} if factor >= 0 else {"low": high, "high": low}


def _sum(parts: list[_X]) -> _X:
    if not parts:
        return _num(_ZERO)
    total = parts[0]
    for part in parts[1:]:
        total = _add(total, part)
    return total


def _when(condition: _X, then: _X, otherwise: _X) -> _X:
    """CASE WHEN condition THEN then ELSE otherwise END, NULL when the condition is."""
    if condition.const is True:
        return then
    if condition.const is False:
        return otherwise
    whens = [(condition.sql, then)]
    if condition.nullable:
        whens.append((_not(condition.sql), otherwise))
        return _pick(whens, None, nullable=True)
    return _pick(whens, otherwise)


def _clamp(x: _X, limit: Decimal, *, upper: bool) -> _X:
    """``x`` capped at ``limit`` (``upper``) or floored at it; left as it is where the query's
    own constants keep it within the limit.

    LEAST and GREATEST read ``x`` once; they skip a NULL, so a value that may be NULL (an
    error) is compared in a CASE instead, which keeps it."""
    bound = _num(limit)
    scale = max(x.scale, bound.scale)
    if x.const is not None:
        return _pin(_num(min(x.const, limit) if upper else max(x.const, limit)), scale)
    if (x.high is not None and x.high <= limit) if upper else (x.low is not None and x.low >= limit):
        return x  # the query's own constants keep x within the limit
    if x.nullable:
        beyond = _bin(exp.GT if upper else exp.LT, x.sql, bound.sql)
        return _pick([(beyond, bound)], x)
    cls = exp.Least if upper else exp.Greatest
    (value, limit_sql), scale, width, integer = _unified([x, bound])
    if upper:  # the limit is one end; the other is x's, moved to the limit if x lies beyond it
        bounds = {"low": _combined(x.low, limit, min), "high": limit}
    else:
        bounds = {"low": limit, "high": _combined(x.high, limit, max)}
    return _X(cls(this=value, expressions=[limit_sql], ignore_nulls=True), NUM, scale, False, None, width, integer,
              **bounds)


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


def _zero_of(x: _X) -> _X:
    """0, or NULL when ``x`` is: a zeroed value keeps the error it hides."""
    return _mul(x, _num(_ZERO)) if x.nullable else _num(_ZERO)


class _Dialect:
    """What differs between engines, as sqlglot trees (never as text)."""

    def __init__(self, name: str):
        self.name = name
        #: compute each stage once: an inlined stage would repeat the expressions of the stages under it
        self.materialize = MATERIALIZE.get(name, False)

    def exact_quotient(self, dividend: exp.Expression, divisor: exp.Expression) -> exp.Expression:
        """``dividend / divisor`` for whole numbers the divisor divides, as DECIMAL(38, 0)."""
        if self.name == "duckdb":  # DECIMAL / DECIMAL is a DOUBLE there: divide 128-bit integers
            big = exp.DataType.build("HUGEINT", dialect="duckdb")
            quotient = exp.IntDiv(this=_wrap(_cast(dividend, big)), expression=_wrap(_cast(divisor, big)))
            return _cast(quotient, _dec_type(0))
        if self.name == "postgres":  # NUMERIC DIV NUMERIC: the exact integer quotient (`/` on an expression
            # whose type sqlglot cannot see would be written through DOUBLE PRECISION)
            return _cast(exp.IntDiv(this=_wrap(dividend), expression=_wrap(divisor)), _dec_type(0))
        return _cast(_bin(exp.Div, dividend, divisor), _dec_type(0))


# ---- the calendar of working days ---------------------------------------------------------


def _day_number(day: datetime.date) -> int:
    return (day - _EPOCH).days


#: added to the working-day index after each run of years no schedule covers, so that a count
#: across such a year (index(b) − index(a) ≥ _GAP_JUMP / 2) is told from any true count
#: (at most the weekdays of 0001..9999, about 2.6 million)
_GAP_JUMP = 10 ** 7


@attrs.frozen
class _Calendar:
    """The official calendar as steps: working days from a fixed origin up to a
    day are the weekdays up to it plus the adjustment of the step holding it
    (weekday holidays take one off, weekend days worked add one). A day in a
    year no schedule covers is held by no step, so its index is NULL; the steps
    after such a year add :data:`_GAP_JUMP` to their adjustment."""

    #: (first day, last day + 1, cumulative adjustment from that day on) as day numbers
    #: (days after _EPOCH), sorted, over the covered years
    steps: tuple[tuple[int, int, int], ...]
    gaps: bool  # whether some year between the first and the last covered one is not covered

    @staticmethod
    def load(calendar) -> "_Calendar":
        from assessc.runtime.workdays import year_runs

        off, on = calendar.adjustments()
        delta = {_day_number(day): -1 for day in off} | {_day_number(day): +1 for day in on}
        runs = year_runs(calendar.years())
        steps: list[tuple[int, int, int]] = []
        running = 0
        for k, (first_year, last_year) in enumerate(runs):
            start = _day_number(datetime.date(first_year, 1, 1))
            end = _day_number(datetime.date(last_year, 12, 31)) + 1
            if k:
                running += _GAP_JUMP
            days = sorted(d for d in delta if start <= d < end)
            lo = start
            if days and days[0] == start:
                running += delta[start]
                days = days[1:]
            for day in days:
                steps.append((lo, day, running))
                running += delta[day]
                lo = day
            steps.append((lo, end, running))
        return _Calendar(tuple(steps), len(runs) > 1)

    def index(self, day: datetime.date) -> int | None:
        """Working days from a fixed origin up to ``day``: workdays(a, b) = index(b) − index(a)."""
        number = _day_number(day)
        for lo, hi, running in self.steps:
            if lo <= number < hi:
                n = number + 1
                return 5 * (n // 7) + min(n % 7, 5) + running
        return None

    def table(self) -> exp.Select:
        """The steps as rows (lo, hi, adjustment) over day numbers, lo <= day < hi."""
        rows = [exp.Tuple(expressions=[exp.Literal.number(lo), exp.Literal.number(hi), exp.Literal.number(running)])
                for lo, hi, running in self.steps]
        values = exp.Values(expressions=rows, alias=exp.TableAlias(
            this=_ident("_v"), columns=[_ident("lo"), _ident("hi"), _ident("adjust")]))
        return _select([exp.Star()], values)

    def index_sql(self, day: exp.Expression, steps: str | None = None) -> exp.Expression:
        """:meth:`index` in SQL, NULL outside the calendar's years (no step holds the day).
        ``steps`` names a join of ``_steps`` on :meth:`holds`; without it, a scalar subquery finds the step."""
        number = self.day_number(day)
        n = _bin(exp.Add, number, exp.Literal.number(1))
        weeks = _bin(exp.Mul, exp.Literal.number(5), exp.IntDiv(this=_wrap(n), expression=exp.Literal.number(7)))
        rest = exp.Least(this=_bin(exp.Mod, n, exp.Literal.number(7)), expressions=[exp.Literal.number(5)],
                         ignore_nulls=True)
        if steps is not None:
            adjust: exp.Expression = _col("adjust", steps)
        else:
            adjust = exp.Subquery(this=_select([exp.Max(this=_col("adjust", "_S"))], _table("_steps", "_S"),
                                               where=self.holds(number, "_S")))
        return _cast(_bin(exp.Add, _bin(exp.Add, weeks, rest), adjust), _dec_type(0))

    @staticmethod
    def day_number(day: exp.Expression) -> exp.Expression:
        return exp.DateDiff(this=day, expression=_date(_EPOCH), unit=exp.var("DAY"))

    @staticmethod
    def holds(number: exp.Expression, steps: str) -> exp.Expression:
        return exp.and_(_bin(exp.LTE, _col("lo", steps), number), _bin(exp.LT, number, _col("hi", steps)))


# ---- contexts: where an expression's facts and fields come from --------------------------


class _EntityRow:
    """An expression over one entity's row (the CTE chain)."""

    ledger = None

    def __init__(self, compiler: "_Compiler"):
        self.c = compiler

    def fact(self, decl: FactDecl, span) -> _X:
        return self.c.fact_column(decl, span, None)

    def field(self, decl: FactDecl, span) -> _X:  # pragma: no cover - the IR keeps fields inside `where`
        raise SQLUnsupported("a ledger field outside a ledger's `where`", span)

    def aggregate(self, key, build: Callable[[], "_Aggregate"]) -> _X:
        return self.c.aggregate(key, build)

    def workday_index(self, expr: ir.Expr, value: _X) -> _X:
        if isinstance(expr, ir.FactRef):
            return self.c.workday_column(expr.fact, expr.span)
        return _X(self.c.calendar.index_sql(value.sql), NUM, 0, True)


class _LedgerRow:
    """An expression over one entry of a ledger (joined with its entity's facts as ``F``)."""

    def __init__(self, compiler: "_Compiler", ledger: "_Ledger"):
        self.c, self.ledger = compiler, ledger
        self.reads_facts = False

    def fact(self, decl: FactDecl, span) -> _X:
        self.reads_facts = True
        return self.c.fact_column(decl, span, "F")

    def field(self, decl: FactDecl, span) -> _X:
        return self.ledger.field(decl, span)

    def aggregate(self, key, build) -> _X:
        raise SQLUnsupported("a ledger sum or entry count inside a ledger's `where`", None)

    def workday_index(self, expr: ir.Expr, value: _X) -> _X:
        return _X(self.c.calendar.index_sql(value.sql), NUM, 0, True)


# ---- facts, ledgers and aggregates -----------------------------------------------------------


@attrs.define
class _Fact:
    decl: FactDecl
    column: str  # internal name of the typed value (evidence: the number of items present)
    x_kind: str
    scale: int


@attrs.define
class _Ledger:
    compiler: "_Compiler"
    decl: FactDecl
    cte: str
    table: str
    fields: dict = attrs.Factory(dict)  # name -> (column, _X kind, scale, decl)

    def field(self, decl: FactDecl, span) -> _X:
        name = decl.name
        if name not in self.fields:
            kind, scale = self.compiler.value_kind(decl, span)
            if kind == "evidence":
                raise SQLUnsupported("an evidence field in a ledger", span)
            self.fields[name] = (f"_c{len(self.fields) + 1}", kind, scale, decl)
        column, kind, scale, _ = self.fields[name]
        return _X(_col(column, "L"), kind, scale, width=PRECISION if kind == NUM else None)


@attrs.define
class _Aggregate:
    ledger: _Ledger
    column: str
    value: exp.Expression | None  # the entry's points (None: count entries)
    scale: int
    where: exp.Expression | None
    group: str | None  # the internal column of the `highest per` field
    reads_facts: bool
    #: an entry's points may be NULL (no row, no cell): the sum is then NULL, not the sum of the others
    nullable: bool = False


# ---- the compiler ------------------------------------------------------------------------------


class _Compiler:
    def __init__(self, graph: ScoringGraph, dialect: str, table: str, id_column: str,
                 ledger_tables: Mapping[str, str], fact_scale: int):
        self.graph, self.policy = graph, graph.policy
        self.dialect = _Dialect(dialect)
        self.table, self.id_column = table, id_column
        self.ledger_tables = dict(ledger_tables)
        self.fact_scale = fact_scale
        self.typed_table = False  # the tables have the column types create_tables gives them
        self.rounding = self.policy.rounding
        self.round_each = self.rounding is not None and self.rounding.scope == "each"
        self.facts: dict[str, _Fact] = {}
        self.ledgers: dict[str, _Ledger] = {}
        self.aggregates: dict[object, _Aggregate] = {}
        self.workdays: dict[str, str] = {}  # date fact -> internal column of its working-day index
        self._calendar: _Calendar | None = None
        self.entity = _EntityRow(self)
        self.counter = 0
        self.columns: list[str] | None = None  # the result's columns after `id`; None: every item and the total
        #: return, instead of scores, whether each item with `applies if` applies, and these facts
        #: (sql_checks reads them); None: the scores
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
            return self.ledger_sum(e.body, row, e.span)
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
                any_null = nullable[0].sql.is_(exp.Null())
                for a in nullable[1:]:
                    any_null = exp.or_(any_null, a.sql.is_(exp.Null()))
                sql = _case([(any_null, _cast(exp.Null(), _dec_type(scale)))], sql)
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

    def ledger_sum(self, body: ir.LedgerSum, row, span) -> _X:
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
    def body(self, body: ir.TermBody, row, span) -> _X:
        if isinstance(body, ir.Value):
            return self.expr(body.expr, row)
        if isinstance(body, ir.Per):
            return _mul(self.expr(body.amount, row), self.expr(body.count, row))
        if isinstance(body, ir.Steps):
            amount, step = self.expr(body.amount, row), self.expr(body.step, row)
            threshold, value = self.expr(body.threshold, row), self.expr(body.value, row)
            gap = _sub(threshold, value) if body.direction == "below" else _sub(value, threshold)
            if step.const is not None and step.const > 0 and not gap.nullable:
                # no step is taken below the threshold: GREATEST(gap, 0) reads the gap once, and
                # 0 steps, whole, started or proportional, count 0
                return _mul(self.steps(body, self.divide(_clamp(gap, _ZERO, upper=False), step)), amount)
            ratio = self.divide(gap, step)
            steps = self.steps(body, ratio)
            positive = _X(_bin(exp.GT, gap.sql, exp.Literal.number(0)), BOOL, nullable=gap.nullable)
            return _when(positive, _mul(steps, amount), _num(_ZERO))
        if isinstance(body, ir.Lookup):
            return self.lookup(self.expr(body.key, row), body.table)
        if isinstance(body, ir.LedgerSum):
            return self.ledger_sum(body, row, span)
        raise SQLUnsupported(f"the term {type(body).__name__}", span)  # pragma: no cover

    @staticmethod
    def steps(body: ir.Steps, ratio: _X) -> _X:
        """The steps a gap of ``ratio`` steps counts: whole ones, started ones, or the ratio."""
        if body.partial in ("whole", "started"):
            whole = body.partial == "whole"
            func, rounding = (exp.Floor, decimal.ROUND_FLOOR) if whole else (exp.Ceil, decimal.ROUND_CEILING)
            ends = {end: None if value is None else value.to_integral_value(rounding)  # monotone: ends move with it
                    for end, value in (("low", ratio.low), ("high", ratio.high))}
            return _X(func(this=ratio.sql), NUM, 0, ratio.nullable, **ends)
        return ratio

    def term(self, term: ir.Term) -> _X:
        amount = self.body(term.body, self.entity, term.span)
        if term.sign < 0:
            amount = _neg(amount)
        if term.condition is not None:
            amount = _when(self.expr(term.condition, self.entity), amount, _num(_ZERO))
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
        if rounder is None:
            raise SQLUnsupported(f"the rounding mode `{mode}`", self.rounding.span)
        if self.dialect.name == "duckdb" and mode == Rounding.HALF_UP.value and places >= 0:
            # ROUND on a DECIMAL is half away from zero there
            return _X(_cast(exp.Round(this=x.sql, decimals=exp.Literal.number(places)), _dec_type(places)),
                      NUM, places, x.nullable, width=PRECISION)
        shifted = _bin(exp.Mul, x.sql, _number(quantum(-places)))  # × 100 for 2 places, × 0.1 for -1
        whole = rounder(shifted, _bin(exp.LT, x.sql, exp.Literal.number(0)))
        unit = _number(quantum(places))  # 0.01 for 2 places, 10 for -1
        return _X(_cast(_bin(exp.Mul, whole, unit), _dec_type(scale)), NUM, scale, x.nullable, width=PRECISION)


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


#: every mode of assessc.runtime.decimals.Rounding, as SQL, by the name a policy writes
_ROUNDERS: dict[str, Callable[[exp.Expression, exp.Expression], exp.Expression]] = {
    Rounding.HALF_UP.value: _half_up,
    Rounding.HALF_EVEN.value: _half_even,
    Rounding.HALF_DOWN.value: _half_down,
    Rounding.DOWN.value: lambda shifted, negative: _case([(negative, exp.Ceil(this=shifted))], exp.Floor(this=shifted)),
    Rounding.UP.value: lambda shifted, negative: _case([(negative, exp.Floor(this=shifted))], exp.Ceil(this=shifted)),
    Rounding.FLOOR.value: lambda shifted, negative: exp.Floor(this=shifted),
    Rounding.CEILING.value: lambda shifted, negative: exp.Ceil(this=shifted),
}


# ---- the query ------------------------------------------------------------------------------------


@attrs.define
class _Column:
    name: str
    value: _X

    def select(self) -> exp.Expression:
        v = self.value  # a number of known type is stored as it is (a narrow one stays narrow)
        sql = _typed(v, v.scale) if v.kind == NUM and v.width is None else v.sql
        return exp.alias_(sql, _ident(self.name))

    def ref(self) -> _X:
        v = self.value  # stored as select() stores it: its own type, or DECIMAL(38, scale)
        width = (v.width or PRECISION) if v.kind == NUM else None
        return _X(_col(self.name), v.kind, v.scale, v.nullable, v.const, width, v.integer, low=v.low, high=v.high)


class _Query:
    def __init__(self, compiler: _Compiler):
        self.c = compiler
        self.policy = compiler.policy
        self.stages: list[tuple[str, list[_Column]]] = []

    def build(self) -> exp.Select:
        c, policy = self.c, self.policy
        nodes = list(policy.all_nodes())
        index = {node.id: k for k, node in enumerate(nodes, start=1)}
        # applicability flags, top down: an item applies when its ancestors do and its condition holds
        active: dict[str, _X | None] = {}
        flags: list[_Column] = []

        def visit(node: ir.Node, parent: _X | None) -> None:
            mine = parent
            if node.applies is not None:
                own = c.expr(node.applies, c.entity)
                if parent is None:
                    flag = own
                elif own.const is not None:
                    flag = parent if own.const else _X(exp.false(), BOOL, const=False)
                else:
                    whens = [(parent.sql, own.sql)]
                    if parent.nullable:
                        whens.append((_not(parent.sql), exp.false()))
                        flag = _X(_case(whens, None), BOOL, nullable=True)
                    else:
                        flag = _X(_case(whens, exp.false()), BOOL, nullable=own.nullable)
                column = _Column(f"_a{index[node.id]}", flag)
                flags.append(column)
                mine = column.ref()
            active[node.id] = mine
            for child in node.children:
                visit(child, mine)

        for top in (*policy.items, *policy.bonuses, *policy.penalties):
            visit(top, None)

        height: dict[str, int] = {}

        def measure(node: ir.Node) -> int:
            height[node.id] = 1 + max((measure(ch) for ch in node.children), default=-1)
            return height[node.id]

        for top in (*policy.items, *policy.bonuses, *policy.penalties):
            measure(top)
        value: dict[str, _X] = {}  # item id -> its final column
        for level in range(max(height.values(), default=-1) + 1):
            level_nodes = [n for n in nodes if height[n.id] == level]
            terms, raws, scaled, finals = [], [], [], []
            for node in level_nodes:
                k = index[node.id]
                parts: list[_X] = []
                if node.start is not None:
                    parts.append(c.expr(node.start, c.entity))
                for j, term in enumerate(node.terms, start=1):
                    column = _Column(f"_t{k}_{j}", c.term(term))
                    terms.append(column)
                    parts.append(c.round(column.ref()) if c.round_each else column.ref())
                for child in node.children:
                    parts.append(self.child_line(child, value[child.id], active[child.id]))
                raw = _sum(parts)
                if active[node.id] is not None:  # NULL where the item does not apply (never read there)
                    raw = _X(_case([(active[node.id].sql, raw.sql if raw.width else _typed(raw, raw.scale))], None),
                             NUM, raw.scale, raw.nullable or active[node.id].nullable, None, raw.width or PRECISION,
                             raw.integer and bool(raw.width))
                raw_column = _Column(f"_s{k}", raw)
                raws.append(raw_column)
                u = raw_column.ref()
                if node.coefficient is not None or c.round_each:
                    if node.coefficient is not None:
                        u = _mul(u, c.expr(node.coefficient, c.entity))
                    if c.round_each:
                        u = c.round(u)
                    u_column = _Column(f"_u{k}", u)
                    scaled.append(u_column)
                    u = u_column.ref()
                finals.append(_Column(f"_i{k}", self.final(node, raw_column.ref(), u, active[node.id])))
            for name, columns in (("t", terms), ("s", raws), ("u", scaled), ("v", finals)):
                if columns:
                    self.stages.append((f"_{name}{level}", columns))
            for column, node in zip(finals, level_nodes):
                value[node.id] = column.ref()
        # the total
        main = _sum([self.child_line(top, value[top.id], active[top.id]) for top in policy.items])
        if policy.coefficient is not None:
            main = _mul(main, c.expr(policy.coefficient, c.entity))
        if policy.max is not None:
            summed = _Column("_m", main)
            self.stages.append(("_main", [summed]))
            main = _clamp(summed.ref(), policy.max, upper=True)
        extras = [self.child_line(n, value[n.id], active[n.id]) for n in (*policy.bonuses, *policy.penalties)]
        before = _Column("_p", _sum([main] + extras))
        self.stages.append(("_tot", [before]))
        total = before.ref()
        if policy.vetoes:
            conditions = [c.expr(veto.condition, c.entity) for veto in policy.vetoes]
            held = conditions[0].sql
            for condition in conditions[1:]:
                held = exp.or_(held, condition.sql)
            whens = []
            failing = [cond for cond in conditions if cond.nullable]
            if failing:  # every veto is decided; an error in any is an error
                any_null = failing[0].sql.is_(exp.Null())
                for cond in failing[1:]:
                    any_null = exp.or_(any_null, cond.sql.is_(exp.Null()))
                whens.append((any_null, _null_num()))
            whens.append((held, _zero_of(total)))
            vetoed = _Column("_q", _pick(whens, total, nullable=bool(failing) or total.nullable))
            self.stages.append(("_veto", [vetoed]))
            total = vetoed.ref()
        if c.rounding is not None:
            total = c.round(total)
        self.flags = flags
        every = dict([(node.id, value[node.id]) for node in self._item_order()] + [("total", total)])
        self.output = [(name, every[name]) for name in self.c.columns] if self.c.columns is not None \
            else list(every.items())
        if c.applicability is not None:
            self.output = [(node.id, active[node.id]) for node in nodes if node.applies is not None]
            self.output += [(applicable_fact_column(k), c.fact_column(decl, decl.span, None))
                            for k, decl in enumerate(c.applicability)]
        return self.assemble()

    def _item_order(self):
        by_id = {node.id: node for node in self.policy.all_nodes()}
        return [by_id[g.id] for g in self.c.graph.order if g.kind == ITEM]

    def child_line(self, child: ir.Node, value: _X, active: _X | None) -> _X:
        """How a child counts in its parent: its value, or W × value × 100 / max."""
        c = self.c
        if child.weight is None:
            return value
        if child.max is None:  # pragma: no cover - the checker requires a max on a weighted item
            raise SQLUnsupported("a weight on an item without `max`", child.span)
        weight = c.body(child.weight, c.entity, child.span)
        factor = c.divide(_num(Decimal(100)), _num(child.max))
        if factor.const is not None:  # 100 / max is exact: W × value × (100 / max), constants first
            amount = _mul(_mul(weight, factor), value)
        else:
            amount = _mul(weight, c.divide(_mul(value, _num(Decimal(100))), _num(child.max)))
        if c.round_each:
            amount = c.round(amount)
        if active is not None:
            amount = _when(active, amount, _num(_ZERO))
        return amount

    def final(self, node: ir.Node, raw: _X, u: _X, active: _X | None) -> _X:
        c = self.c
        v = u
        if node.floor is not None:
            v = _clamp(v, node.floor, upper=False)
        if node.max is not None and not node.uncapped:
            if node.kind == "penalty":
                v = _clamp(v, -node.max, upper=False)
            else:
                v = _clamp(v, node.max, upper=True)
        if node.zero_if:
            whens: list[tuple[exp.Expression, _X]] = []
            for zero in node.zero_if:
                condition = c.expr(zero.condition, c.entity)
                whens.append((condition.sql, _zero_of(raw)))
                if condition.nullable:
                    whens.append((condition.sql.is_(exp.Null()), _null_num()))
            v = _pick(whens, v)
        if active is not None:
            v = _when(active, v, _num(_ZERO))
        return v

    # ---- assembling the CTEs ------------------------------------------------------------------------
    def assemble(self) -> exp.Select:
        c = self.c
        ctes: list[tuple[str, exp.Select]] = []
        # 1. the input row: the id and every fact read, typed. An evidence cell is normalised
        # once, in `_raw`, and then searched for each of its items.
        evidence = any(fact.decl.type.kind is Kind.EVIDENCE for fact in c.facts.values())
        raw_columns = [exp.alias_(_col(c.id_column), _ident("_id"))]
        typed_columns = [_col("_id") if evidence else raw_columns[0]]
        for fact in c.facts.values():
            source = _col(fact.decl.name)
            if evidence:
                raw = "_r" + fact.column[2:]
                cell = _evidence_cell(source) if fact.decl.type.kind is Kind.EVIDENCE else source
                raw_columns.append(exp.alias_(cell, _ident(raw)))
                source = _col(raw)
            typed_columns.append(exp.alias_(_typed_fact(fact, source, c.typed_table), _ident(fact.column)))
        if c._calendar is not None:
            ctes.append(("_steps", c.calendar.table()))
        if evidence:
            ctes.append(("_raw", _select(raw_columns, _table(c.table))))
        ctes.append(("_facts", _select(typed_columns, _table("_raw" if evidence else c.table))))
        # 2. ledgers: their entries typed, and one aggregate per ledger sum or count
        joins: list[exp.Join] = []
        base_columns: list[exp.Expression] = []
        for ledger in c.ledgers.values():
            fields = [exp.alias_(_col(c.id_column), _ident("_id"))]
            for name, (column, kind, scale, decl) in ledger.fields.items():
                fields.append(exp.alias_(_typed_value(decl, kind, scale, _col(name), c.typed_table), _ident(column)))
            ctes.append((ledger.cte, _select(fields, _table(ledger.table))))
        plain: dict[str, list[_Aggregate]] = {}
        for aggregate in c.aggregates.values():
            if aggregate.group is None:
                plain.setdefault(aggregate.ledger.cte, []).append(aggregate)
        for k, aggregate in enumerate(c.aggregates.values(), start=1):
            if aggregate.group is not None:
                name = f"_A{aggregate.column}"
                ctes.append((name, _grouped(aggregate)))
                joins.append(_left_join(name))
        for ledger_cte, aggregates in plain.items():
            name = f"_A{ledger_cte}"
            ctes.append((name, _ungrouped(ledger_cte, aggregates)))
            joins.append(_left_join(name))
        for aggregate in c.aggregates.values():
            source = f"_A{aggregate.column}" if aggregate.group is not None else f"_A{aggregate.ledger.cte}"
            if aggregate.nullable:  # 0 for an entity without entries; NULL (an entry without a row) stays
                summed = _case([(_col("_id", source).is_(exp.Null()), exp.Literal.number(0))],
                               _col(aggregate.column, source))
            else:
                summed = exp.Coalesce(this=_col(aggregate.column, source), expressions=[exp.Literal.number(0)])
            base_columns.append(exp.alias_(_cast(summed, _dec_type(aggregate.scale)), _ident(aggregate.column)))
        for fact_name, column in c.workdays.items():  # each date joined with the step holding it
            day, steps = _col(c.facts[fact_name].column, "F"), f"_S{column}"
            base_columns.append(exp.alias_(c.calendar.index_sql(day, steps), _ident(column)))
            joins.append(exp.Join(this=_table("_steps", steps), side="LEFT",
                                  on=c.calendar.holds(c.calendar.day_number(day), steps)))
        if base_columns:
            source = _table("_facts", "F")
            ctes.append(("_base", _select(base_columns, source, star=exp.Column(this=exp.Star(), table=_ident("F")),
                                          joins=joins)))
        previous = ctes[-1][0]
        stages = ([("_ctx", self.flags)] if self.flags else []) + self.stages
        defined = [(name, [(col.name, col.select().this) for col in columns]) for name, columns in stages]
        results = [(name, _typed(v, v.scale) if v.kind == NUM else v.sql) for name, v in self.output]
        defined, results = _inline_single_use(defined, results)
        for name, columns in defined:
            if columns:
                ctes.append((name, _select([exp.alias_(sql, _ident(column)) for column, sql in columns],
                                           _table(previous), star=exp.Star())))
                previous = name
        outputs = [exp.alias_(_col("_id"), _ident("id"))]
        outputs += [exp.alias_(sql, _ident(name)) for name, sql in results]
        query = _select(outputs, _table(previous))
        # a fact that nothing left in the query reads (the columns not asked for) is not read
        read = {column.name for name, select in ctes if name not in ("_facts", "_raw")
                for column in select.find_all(exp.Column)}
        read |= {column.name for column in query.find_all(exp.Column)}
        selects = dict(ctes)
        for name in ("_facts", "_raw"):
            if name in selects:
                kept = [e for e in selects[name].expressions if e.alias_or_name in read | {"_id"}]
                selects[name].set("expressions", kept)
                read = {column.name for e in kept for column in e.find_all(exp.Column)}
        if [name for name, _ in ctes] == ["_facts"] and self._reads_in_place(selects["_facts"], results):
            ctes = self._read_in_place(query)
        if ctes:
            query.set("with_", exp.With(expressions=[
                exp.CTE(this=select, alias=exp.TableAlias(this=_ident(name)),
                        materialized=c.dialect.materialize or None)
                for name, select in ctes]))
        return query

    def _reads_in_place(self, facts: exp.Select, results) -> bool:
        """The query is one SELECT over ``_facts``, and ``_facts`` only renames the table's
        columns (cells read as they are; no evidence, ledgers or working days), none of them a
        name the query gives a column: the SELECT can read the table itself, one projection
        less for the engine to plan. (A chain of stages reads ``*`` and so keeps ``_facts``:
        a table may have more columns than the facts.)"""
        c = self.c
        if c.ledgers or c.workdays or c._calendar is not None:
            return False
        sources = {fact.column: fact.decl.name for fact in c.facts.values()} | {"_id": c.id_column}
        for e in facts.expressions:
            if not (isinstance(e, exp.Alias) and isinstance(e.this, exp.Column) and not e.this.table
                    and e.this.name == sources.get(e.alias)):
                return False
        outputs = {"id"} | {name.lower() for name, _ in results}
        return not c.id_column.startswith("_") and not any(
            fact.decl.name.startswith("_") or fact.decl.name.lower() in outputs for fact in c.facts.values())

    def _read_in_place(self, query: exp.Select) -> list:
        """``query`` reading the table directly, by the table's own column names; no CTEs."""
        c = self.c
        names = {fact.column: fact.decl.name for fact in c.facts.values()} | {"_id": c.id_column}
        for column in query.find_all(exp.Column):
            if column.name in names and not column.table:
                column.set("this", _ident(names[column.name]))
        query.set("from_", exp.From(this=_table(c.table)))
        return []


_ATOMIC = (exp.Func, exp.Case, exp.Column, exp.Literal, exp.Paren, exp.Boolean, exp.Null)
#: where an expression needs no parentheses: a function's argument, a select item, a CASE's parts
_DELIMITED = (exp.Func, exp.Alias, exp.If, exp.Case)


def _inline_single_use(stages: list[tuple[str, list[tuple[str, exp.Expression]]]],
                       results: list[tuple[str, exp.Expression]]):
    """Stage columns read once are written where they are read, and columns never read are
    left out: the engine plans one expression instead of a chain of projections. A column read
    twice or more stays, so that nothing is computed twice. Stages are in order, so an
    expression moved later still finds every column it reads."""
    names = {column for _, columns in stages for column, _ in columns}

    def reads(sql: exp.Expression):
        return [c.name for c in sql.find_all(exp.Column) if not c.table and c.name in names]

    uses: dict[str, int] = {}
    definitions = {column: sql for _, columns in stages for column, sql in columns}
    for sql in [sql for _, sql in results] + list(definitions.values()):
        for name in reads(sql):
            uses[name] = uses.get(name, 0) + 1
    unread = [name for name in names if not uses.get(name)]
    while unread:  # a column nobody reads does not count as a reader either
        name = unread.pop()
        for read in reads(definitions[name]):
            uses[read] -= 1
            if not uses[read]:
                unread.append(read)
    written: dict[str, exp.Expression] = {}

    def substitute(sql: exp.Expression) -> exp.Expression:
        def swap(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Column) and not node.table and node.name in written:
                inner = written[node.name].copy()
                if isinstance(inner, _ATOMIC) or node.parent is None or isinstance(node.parent, _DELIMITED):
                    return inner
                return exp.Paren(this=inner)
            return node

        def minus(node: exp.Expression) -> exp.Expression:  # a + (-b) reads a - b
            if isinstance(node, exp.Add) and isinstance(node.expression.unnest(), exp.Neg):
                return _bin(exp.Sub, node.this, node.expression.unnest().this.unnest())
            return node
        return sql.copy().transform(swap, copy=False).transform(minus, copy=False)

    kept: list[tuple[str, list[tuple[str, exp.Expression]]]] = []
    for stage, columns in stages:
        staying = []
        for column, sql in columns:
            if not uses.get(column):
                continue
            sql = substitute(sql)
            if uses[column] == 1:
                written[column] = sql
            else:
                staying.append((column, sql))
        kept.append((stage, staying))
    return kept, [(name, substitute(sql)) for name, sql in results]


def _left_join(name: str) -> exp.Join:
    return exp.Join(this=_table(name), side="LEFT",
                    on=_bin(exp.EQ, _col("_id", name), _col("_id", "F")))


def _entries(aggregate: _Aggregate) -> tuple[exp.Expression, list[exp.Join]]:
    source = _table(aggregate.ledger.cte, "L")
    joins = [exp.Join(this=_table("_facts", "F"), on=_bin(exp.EQ, _col("_id", "F"), _col("_id", "L")))] \
        if aggregate.reads_facts else []
    return source, joins


def _ungrouped(ledger_cte: str, aggregates: list[_Aggregate]) -> exp.Select:
    columns = [exp.alias_(_col("_id", "L"), _ident("_id"))]
    joins: list[exp.Join] = []
    for aggregate in aggregates:
        value = aggregate.value if aggregate.value is not None else exp.Literal.number(1)
        if aggregate.where is not None:
            value = _case([(aggregate.where, value)], _cast(exp.Literal.number(0), _dec_type(aggregate.scale)))
        columns.append(exp.alias_(_strict(exp.Sum(this=value), value, aggregate.nullable), _ident(aggregate.column)))
        if aggregate.reads_facts and not joins:
            joins = _entries(aggregate)[1]
    return _select(columns, _table(ledger_cte, "L"), joins=joins, group=[_col("_id", "L")])


def _grouped(aggregate: _Aggregate) -> exp.Select:
    """Σ over the distinct values of the group field of the highest points among its entries."""
    source, joins = _entries(aggregate)
    best = _strict(exp.Max(this=aggregate.value), aggregate.value, aggregate.nullable)
    inner = _select([exp.alias_(_col("_id", "L"), _ident("_id")), exp.alias_(_col(aggregate.group, "L"), _ident("_k")),
                     exp.alias_(best, _ident("_m"))],
                    source, joins=joins, where=aggregate.where,
                    group=[_col("_id", "L"), _col(aggregate.group, "L")])
    subquery = exp.Subquery(this=inner, alias=exp.TableAlias(this=_ident("B")))
    total = _strict(exp.Sum(this=_col("_m", "B")), _col("_m", "B"), aggregate.nullable)
    return _select([exp.alias_(_col("_id", "B"), _ident("_id")), exp.alias_(total, _ident(aggregate.column))],
                   subquery, group=[_col("_id", "B")])


def _strict(aggregate: exp.Expression, value: exp.Expression, nullable: bool) -> exp.Expression:
    """``aggregate`` (SUM or MAX over ``value``), NULL when ``value`` is NULL for some row: an
    aggregate skips NULLs, and an entry's error must not be skipped."""
    if not nullable:
        return aggregate
    errors = exp.Sum(this=_case([(value.copy().is_(exp.Null()), exp.Literal.number(1))], exp.Literal.number(0)))
    return _case([(_bin(exp.EQ, errors, exp.Literal.number(0)), aggregate)], None)


def _spellings(member) -> list[str]:
    return [s for s in member.spellings if s != member.name]


def _member_text(column: exp.Expression, members) -> exp.Expression:
    """An enum cell read as the member's name (labels and aliases are other spellings of it)."""
    whens = []
    for member in members:
        others = _spellings(member)
        if others:
            whens.append((exp.In(this=_wrap(column), expressions=[_string(s) for s in others]), _string(member.name)))
    return _case(whens, column) if whens else column


def _default_sql(decl: FactDecl, kind: str, scale: int) -> exp.Expression | None:
    default = decl.default
    if default is None:
        return None
    if kind == NUM:
        return _cast(_number(Decimal(default)), _dec_type(scale))
    if kind == BOOL:
        return exp.true() if default else exp.false()
    if kind == DATE:
        return _date(default)
    return _string(str(default))


def _typed_value(decl: FactDecl, kind: str, scale: int, column: exp.Expression, typed_table: bool) -> exp.Expression:
    """A cell as the value it stands for: of its type (cast, unless the table is known to have
    it already), an enum's label read as its member, a blank as the default."""
    if typed_table:
        value = column
        if kind == TEXT and decl.type.kind is Kind.ENUM:
            value = _member_text(value, decl.type.members)
    elif kind == NUM:
        value = _cast(column, _dec_type(scale))
    elif kind == BOOL:
        value = _cast(column, "BOOLEAN")
    elif kind == DATE:
        value = _cast(column, "DATE")
    else:
        value = _cast(column, "TEXT")
        if decl.type.kind is Kind.ENUM:
            value = _member_text(value, decl.type.members)
    default = _default_sql(decl, kind, scale)
    return exp.Coalesce(this=value, expressions=[default]) if default is not None else value


def _evidence_cell(column: exp.Expression) -> exp.Expression:
    """The cell ``a;b`` as ``;a;b;``, so that each item is found with its separators."""
    text: exp.Expression = exp.Coalesce(this=_cast(column, "TEXT"), expressions=[_string("")])
    edge = _string(EVIDENCE_SEPARATOR)
    return exp.DPipe(this=exp.DPipe(this=edge, expression=text), expression=edge.copy())


def _typed_fact(fact: _Fact, column: exp.Expression, typed_table: bool) -> exp.Expression:
    decl = fact.decl
    if decl.type.kind is Kind.EVIDENCE:  # the number of declared items the cell (normalised) lists
        counts = []
        for member in decl.type.members:
            names = [s for s in member.spellings if s and EVIDENCE_SEPARATOR not in s]
            found = None
            for name in dict.fromkeys(names):
                needle = _string(f"{EVIDENCE_SEPARATOR}{name}{EVIDENCE_SEPARATOR}")
                hit = _bin(exp.GT, exp.StrPosition(this=column.copy(), substr=needle), exp.Literal.number(0))
                found = hit if found is None else exp.or_(found, hit)
            counts.append(_case([(found, exp.Literal.number(1))], exp.Literal.number(0)) if found is not None
                          else exp.Literal.number(0))
        total = counts[0] if counts else exp.Literal.number(0)
        for count in counts[1:]:
            total = _bin(exp.Add, total, count)
        return _cast(total, _dec_type(0))
    return _typed_value(decl, fact.x_kind, fact.scale, column, typed_table)


# ---- names -------------------------------------------------------------------------------------------


def applicable_fact_column(k: int) -> str:
    """The column of the applicability query (``_compile(applicability=…)``) holding the k-th fact
    asked for: numbered, since a fact's own name made longer could be cut or clash."""
    return f"_p{k + 1}"


@attrs.frozen
class _Name:
    text: str
    what: str  # "fact `rate`"
    span: Span | None = None


def _name_groups(compiler: _Compiler, outputs: Sequence[str], steps: Sequence[str]) -> list[tuple[str, list[_Name]]]:
    """Each set of names that must be told apart in SQL, with what they name there."""
    c = compiler
    spans = {node.id: node.span for node in c.policy.all_nodes()}
    id_column = _Name(c.id_column, f"the id column `{c.id_column}`")
    tables = [_Name(c.table, f"the facts table `{c.table}`")]
    tables += [_Name(ledger.table, f"the table `{ledger.table}` of ledger `{ledger.decl.name}`", ledger.decl.span)
               for ledger in c.ledgers.values()]
    tables += [_Name(step, f"the query's own step `{step}`") for step in steps]
    groups = [("one table", tables),
              ("one column of the facts table",
               [id_column] + [_Name(f.decl.name, f"fact `{f.decl.name}`", f.decl.span) for f in c.facts.values()])]
    for ledger in c.ledgers.values():
        groups.append((f"one column of the table of ledger `{ledger.decl.name}`", [id_column] + [
            _Name(name, f"field `{name}` of ledger `{ledger.decl.name}`", decl.span)
            for name, (_, _, _, decl) in ledger.fields.items()]))
    result = [_Name("id", "the result's `id` column")]
    for name in outputs:
        if name in spans:
            result.append(_Name(name, f"the column of item `{name}`", spans[name]))
        elif not name.startswith("_"):
            result.append(_Name(name, f"the result's `{name}` column"))
    groups.append(("one column of the result", result))
    return groups


def _name_problems(groups: list[tuple[str, list[_Name]]]) -> list[Diagnostic]:
    """E0411 for a name longer than PostgreSQL keeps; E0410 for two names equal but for case."""
    problems: list[Diagnostic] = []
    cut: set[tuple[str, int | None]] = set()
    for role, names in groups:
        seen: dict[str, _Name] = {}
        for name in names:
            size = len(name.text.encode("utf-8"))
            if size > MAX_NAME_BYTES and (name.text, id(name.span)) not in cut:
                cut.add((name.text, id(name.span)))
                problems.append(Diagnostic(
                    codes.SQL_NAME_TOO_LONG, name.span,
                    f"{name.what} is {size} bytes long in UTF-8; PostgreSQL keeps only the first {MAX_NAME_BYTES} "
                    "bytes of a SQL name",
                    f"shorten it to at most {MAX_NAME_BYTES} bytes (a Chinese character takes 3, a letter or digit 1); "
                    "a fact's label can keep the long text"))
            first = seen.setdefault(name.text.lower(), name)
            if first is not name:
                here, other = (name, first) if name.span is not None else (first, name)  # the located one first
                problems.append(Diagnostic(
                    codes.SQL_NAME_CLASH, here.span,
                    f"{here.what} and {other.what} would be {role} in SQL: DuckDB and Spark do not tell "
                    "names apart by case",
                    "rename one of them so that the two differ in more than case",
                    (Note(other.span, f"{other.what} is here"),) if other.span is not None else ()))
    return sorted(problems, key=Diagnostic.sort_key)


# ---- the API ----------------------------------------------------------------------------------------


def _compile(graph: ScoringGraph, dialect: str, table: str, id_column: str,
             ledger_tables: Mapping[str, str] | None, fact_scale: int,
             columns: Sequence[str] | None = None, typed_table: bool = False,
             applicability: Sequence[FactDecl] | None = None) -> tuple[_Compiler, exp.Select]:
    """The compiler and the query: the scores; or, with ``applicability``, one column per item with
    `applies if`, named by its id, saying whether it applies to the entity (NULL where that cannot
    be decided), and one per fact listed, named by :func:`applicable_fact_column`: its value.
    Raises :class:`SQLNameClash` for names SQL cannot keep apart."""
    if not isinstance(fact_scale, int) or not 0 <= fact_scale <= 18:
        raise ValueError("fact_scale must be a whole number from 0 to 18")
    with decimal.localcontext(CONTEXT):  # constants are folded and bounded exactly
        compiler = _Compiler(graph, dialect, table, id_column, ledger_tables or {}, fact_scale)
        compiler.columns = _checked_columns(graph, columns)
        compiler.typed_table = bool(typed_table)
        compiler.applicability = list(applicability) if applicability is not None else None
        builder = _Query(compiler)
        try:
            query = builder.build()
        except decimal.Inexact:
            raise SQLUnsupported(f"a constant of more than {CONTEXT.prec} digits", None,
                                 "the policy's constants multiply to a number no DECIMAL holds") from None
    steps = [cte.alias for cte in query.args["with_"].expressions] if query.args.get("with_") else []
    problems = _name_problems(_name_groups(compiler, [name for name, _ in builder.output], steps))
    if problems:
        raise SQLNameClash(problems)
    return compiler, query


def _checked_columns(graph: ScoringGraph, columns: Sequence[str] | None) -> list[str] | None:
    if columns is None:
        return None
    if isinstance(columns, str):
        raise ValueError("columns must be a list of names, not one string")
    known = output_columns(graph)[1:]
    chosen: list[str] = []
    for name in columns:
        if name not in known:
            close = difflib.get_close_matches(str(name), known, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else f"; the columns are: {', '.join(known)}"
            raise ValueError(f"no column `{name}` (an item's id or `total`){hint}")
        if name in chosen:
            raise ValueError(f"the column `{name}` is asked for twice")
        chosen.append(name)
    if not chosen:
        raise ValueError("columns is empty: ask for `total` or an item's id")
    return chosen


def to_sql(graph: ScoringGraph, dialect: str = "duckdb", *, table: str = "facts", id_column: str = "id",
           ledger_tables: Mapping[str, str] | None = None, fact_scale: int = FACT_SCALE, pretty: bool = True,
           columns: Sequence[str] | None = None, typed_table: bool = False) -> str:
    """One query scoring every row of ``table``: columns ``id``, one per item
    (named by its node id) and ``total``; or ``id`` and the ``columns`` asked for
    (item ids and ``total``, in that order), in which case nothing else is computed.

    ``table`` holds one row per entity: ``id_column`` and one column per fact
    the policy reads (see :func:`create_tables`). A ledger fact ``L`` is read
    from the table ``<table>_L`` (or ``ledger_tables[L]``): one row per entry,
    with ``id_column`` and one column per field. ``fact_scale`` is the number
    of decimals decimal, percent and amount facts are read with.

    Each cell is cast to its fact's type, whatever the table's column types. With
    ``typed_table=True`` the query relies on the tables having exactly the types
    :func:`create_tables` gives them (as tables it made do) and reads the cells as
    they are, which saves the engine a cast per fact; a column of another type (a
    DOUBLE) would then be computed in that type, inexactly.

    Raises :class:`SQLUnsupported` for a form SQL cannot express.
    """
    compiler, query = _compile(graph, dialect, table, id_column, ledger_tables, fact_scale, columns, typed_table)
    return query.sql(dialect=dialect, pretty=pretty)


def output_columns(graph: ScoringGraph, columns: Sequence[str] | None = None) -> list[str]:
    """The columns of the query's result, in order."""
    if columns is not None:
        return ["id", *_checked_columns(graph, columns)]
    return ["id"] + [node.id for node in graph.order if node.kind == ITEM] + ["total"]


def create_tables(graph: ScoringGraph, dialect: str = "duckdb", *, table: str = "facts", id_column: str = "id",
                  ledger_tables: Mapping[str, str] | None = None, fact_scale: int = FACT_SCALE) -> list[str]:
    """``CREATE TABLE`` statements for the tables :func:`to_sql` reads: the
    facts table and one table per ledger, with the columns the query reads."""
    compiler, _ = _compile(graph, dialect, table, id_column, ledger_tables, fact_scale)
    statements = []

    def create(name: str, columns: list[tuple[str, str]]) -> str:
        schema = exp.Schema(this=_table(name), expressions=[
            exp.ColumnDef(this=_ident(column), kind=exp.DataType.build(kind)) for column, kind in columns])
        return exp.Create(this=schema, kind="TABLE").sql(dialect=dialect)

    columns = [(id_column, "TEXT")] + [(f.decl.name, _sql_type(f.decl, f.x_kind, f.scale))
                                       for f in compiler.facts.values()]
    statements.append(create(table, columns))
    for ledger in compiler.ledgers.values():
        fields = [(id_column, "TEXT")] + [(name, _sql_type(decl, kind, scale))
                                          for name, (_, kind, scale, decl) in ledger.fields.items()]
        statements.append(create(ledger.table, fields))
    return statements


def _sql_type(decl: FactDecl, kind: str, scale: int) -> str:
    if decl.type.kind is Kind.EVIDENCE:
        return "TEXT"
    return {NUM: f"DECIMAL({PRECISION}, {scale})", BOOL: "BOOLEAN", DATE: "DATE", TEXT: "TEXT"}[kind]


def table_columns(graph: ScoringGraph, *, fact_scale: int = FACT_SCALE) -> dict[str, list[tuple[str, FactDecl]]]:
    """The facts the query reads, by table: ``""`` for the facts table, a ledger's
    name for its entries: (column, declaration) pairs."""
    compiler, _ = _compile(graph, "duckdb", "facts", "id", None, fact_scale)
    out: dict[str, list[tuple[str, FactDecl]]] = {"": [(f.decl.name, f.decl) for f in compiler.facts.values()]}
    for name, ledger in compiler.ledgers.items():
        out[name] = [(field, decl) for field, (_, _, _, decl) in ledger.fields.items()]
    return out


def table_rows(graph: ScoringGraph, facts, *, table: str = "facts",
               ledger_tables: Mapping[str, str] | None = None) -> dict[str, list[tuple]]:
    """Rows for the tables of :func:`create_tables`, by table name, from typed facts: a
    :class:`~assessc.facts.model.FactSet` (``Policy.load_facts``) or (id, values) pairs
    (values as ``Policy.score_values`` takes them). Evidence becomes ``a;b``; an absent
    value is None (NULL)."""
    layout = table_columns(graph)
    tables = {"": table} | {name: (ledger_tables or {}).get(name, f"{table}_{name}") for name in layout if name}
    out: dict[str, list[tuple]] = {name: [] for name in tables.values()}
    pairs = ((e.id, e.values) for e in facts.entities) if hasattr(facts, "entities") else facts
    for entity, values in pairs:
        out[table].append((entity, *(_cell(decl, values.get(name)) for name, decl in layout[""])))
        for ledger, fields in layout.items():
            for entry in values.get(ledger, ()) if ledger else ():
                out[tables[ledger]].append((entity, *(_cell(decl, entry.get(name)) for name, decl in fields)))
    return out


def _cell(decl: FactDecl, value):
    if value is None:
        return None
    if decl.type.kind is Kind.EVIDENCE:
        return EVIDENCE_SEPARATOR.join(sorted(value))
    return value

