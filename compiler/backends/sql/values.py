"""The values of the query as it is generated: :class:`_X`, a SQL expression with its kind, its
scale, the DECIMAL width the engine gives it, whether it may be NULL (an evaluation error) and
the bounds its constants guarantee; and the exact arithmetic on them (sums, products, CASE
branches of one type, LEAST/GREATEST, clamps) by the engines' own rules for DECIMAL, which
widen instead of rounding."""

from __future__ import annotations

import operator
from decimal import Decimal

import attrs
from sqlglot import exp

from assessc.backends.sql.trees import (PRECISION, _bin, _case, _cast, _dec_type, _minus, _not, _number,
                                        _scale_of)
from assessc.runtime.decimals import CONTEXT

#: places kept by a quotient with no finite decimal form (rounded half-even)
DIVISION_SCALE = 18
#: the largest scale a stored value keeps; a finer product is rounded to it
MAX_SCALE = 30

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
                          **_negated_bounds(b)))
    a, b = _apart(a, b)
    return _additive(exp.Add, a, b, _combined(a.low, b.low, operator.add), _combined(a.high, b.high, operator.add))


def _sub(a: _X, b: _X) -> _X:
    if _literal(a) and _literal(b):
        return _num(a.const - b.const)
    if _is_zero(b) and b.scale <= a.scale:
        return a
    a, b = _apart(a, b)
    return _additive(exp.Sub, a, b, _combined(a.low, b.high, operator.sub), _combined(a.high, b.low, operator.sub))


def _additive(cls, a: _X, b: _X, low: Decimal | None, high: Decimal | None) -> _X:
    """``a + b`` or ``a - b`` (``cls``), with the bounds given: the larger scale, room for a carry."""
    return _X(_bin(cls, a.sql, b.sql), NUM, max(a.scale, b.scale), a.nullable or b.nullable, None,
              _sum_width(a, b), low=low, high=high)


def _negated_bounds(a: _X) -> dict:
    """The bounds of ``-a``: each end of ``a``'s, negated and swapped."""
    return {"low": None if a.high is None else -a.high, "high": None if a.low is None else -a.low}


def _neg(a: _X) -> _X:
    if a.const is not None:
        return _num(-a.const)
    return _X(_minus(a.sql), NUM, a.scale, a.nullable, None, a.width, a.integer, **_negated_bounds(a))


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


def _zero_of(x: _X) -> _X:
    """0, or NULL when ``x`` is: a zeroed value keeps the error it hides."""
    return _mul(x, _num(_ZERO)) if x.nullable else _num(_ZERO)


def _any_null(values: list[_X]) -> exp.Expression:
    """Whether any of ``values`` is NULL (an error), as one condition."""
    condition = values[0].sql.is_(exp.Null())
    for value in values[1:]:
        condition = exp.or_(condition, value.sql.is_(exp.Null()))
    return condition
