"""Intervals of exact decimals: the abstract values of numbers in the static bounds.

An interval ``[lo, hi]`` holds finite values; an unbounded side is ``Decimal('-Infinity')`` or
``Decimal('Infinity')`` (``lo`` is never +∞ and ``hi`` never −∞). Ends are exact decimals computed
in the interpreter's contexts (:mod:`assessc.runtime.decimals`): every concrete operation is
monotone in each operand on the side an end is taken from, and so is the interpreter's rounding,
so an end computed with the same single operation bounds the interpreter's result. In products
``0 × ∞`` is 0: an infinite end stands for "arbitrarily large but finite".
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Iterable

import attrs

from assessc.runtime.decimals import ARITHMETIC_ERRORS, CONTEXT, divide, quantize, show

INF = Decimal("Infinity")
NEG_INF = Decimal("-Infinity")
ZERO = Decimal(0)

#: the truth values a condition can take
Truth = frozenset
ALWAYS: Truth = frozenset({True})
NEVER: Truth = frozenset({False})
EITHER: Truth = frozenset({True, False})




def show_end(value: Decimal) -> str:
    if value.is_infinite():
        return "-inf" if value < 0 else "inf"
    return show(value)


@attrs.frozen
class Interval:
    """A closed interval of finite decimals; an infinite end means unbounded."""

    lo: Decimal
    hi: Decimal

    def __attrs_post_init__(self):
        if not (self.lo <= self.hi and self.lo != INF and self.hi != NEG_INF):
            raise ValueError(f"not an interval: [{self.lo}, {self.hi}]")

    @classmethod
    def point(cls, value: Decimal) -> "Interval":
        return cls(value, value)

    @classmethod
    def full(cls) -> "Interval":
        return cls(NEG_INF, INF)

    def __contains__(self, value) -> bool:
        return self.lo <= value <= self.hi

    @property
    def bounded(self) -> bool:
        return self.lo.is_finite() and self.hi.is_finite()

    def hull(self, other: "Interval") -> "Interval":
        return Interval(min(self.lo, other.lo), max(self.hi, other.hi))

    def with_zero(self) -> "Interval":
        return self.hull(ZERO_INTERVAL)

    def meet(self, other: "Interval") -> "Interval | None":
        lo, hi = max(self.lo, other.lo), min(self.hi, other.hi)
        return Interval(lo, hi) if lo <= hi else None

    def describe(self) -> str:
        """The interval as a range: ``1..14``, ``0..inf``, ``2``."""
        if self.lo == self.hi:
            return show_end(self.lo)
        return f"{show_end(self.lo)}..{show_end(self.hi)}"

    def __str__(self) -> str:
        return f"[{show_end(self.lo)}, {show_end(self.hi)}]"


ZERO_INTERVAL = Interval(ZERO, ZERO)


def _beyond(sign: int) -> Decimal:
    """An end past the largest decimal (10^999999): unbounded, as far as bounds go."""
    return INF if sign > 0 else NEG_INF


_HUGE = Decimal(f"1E+{CONTEXT.Emax}")
_NEG_HUGE = CONTEXT.minus(_HUGE)


def _ends(lo: Decimal, hi: Decimal) -> Interval:
    """[lo, hi], where both ends past the largest decimal on one side (a product of huge
    constants) keep a finite end on the other: the value is finite, only too large to hold."""
    return Interval(_HUGE if lo == INF else lo, _NEG_HUGE if hi == NEG_INF else hi)


def _plus(x: Decimal, y: Decimal) -> Decimal:
    try:
        return CONTEXT.add(x, y)
    except decimal.Overflow:  # two huge ends of one sign
        return _beyond(1 if x > 0 else -1)


def add(a: Interval, b: Interval) -> Interval:
    return _ends(_exact_or(_plus, a.lo, b.lo, NEG_INF), _exact_or(_plus, a.hi, b.hi, INF))


def _exact_or(operation, x: Decimal, y: Decimal, unbounded: Decimal) -> Decimal:
    """``operation(x, y)``, or ``unbounded`` when the exact result has more digits than the context
    keeps (the interpreter stops there with an error; an unbounded end is still sound)."""
    try:
        return operation(x, y)
    except decimal.Inexact:
        return unbounded


def neg(a: Interval) -> Interval:
    return Interval(CONTEXT.minus(a.hi), CONTEXT.minus(a.lo))


def sub(a: Interval, b: Interval) -> Interval:
    return add(a, neg(b))


def _times(x: Decimal, y: Decimal) -> Decimal:
    if x.is_zero() or y.is_zero():
        return ZERO  # 0 × ∞ = 0: an infinite end stands for a finite value
    try:
        return CONTEXT.multiply(x, y)
    except decimal.Overflow:
        return _beyond(1 if (x > 0) == (y > 0) else -1)


def mul(a: Interval, b: Interval) -> Interval:
    try:
        corners = [_times(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
    except decimal.Inexact:  # more digits than the context keeps: the interpreter stops there
        return Interval.full()
    return _ends(min(corners), max(corners))


def _quotients(x: Decimal, y: Decimal) -> list[Decimal]:
    """The values x / y approaches at a corner (y ≠ 0)."""
    if x.is_infinite() and y.is_infinite():
        sign = 1 if (x > 0) == (y > 0) else -1
        return [ZERO, INF if sign > 0 else NEG_INF]
    if x.is_zero() or y.is_infinite():
        return [ZERO]
    try:
        return [divide(x, y)]
    except decimal.Overflow:
        return [_beyond(1 if (x > 0) == (y > 0) else -1)]


def _towards_zero(x: Decimal, divisor_sign: int) -> list[Decimal]:
    """The value x / y approaches as y → 0 from the side ``divisor_sign``."""
    if x.is_zero():
        return [ZERO]
    return [INF if (x > 0) == (divisor_sign > 0) else NEG_INF]


def div(a: Interval, b: Interval) -> Interval:
    if b.lo > 0 or b.hi < 0:
        corners = [q for x in (a.lo, a.hi) for y in (b.lo, b.hi) for q in _quotients(x, y)]
    elif b.lo == 0 and b.hi > 0:  # divisors in (0, hi]: 0 itself is an evaluation error
        corners = [q for x in (a.lo, a.hi) for q in _quotients(x, b.hi) + _towards_zero(x, 1)]
    elif b.hi == 0 and b.lo < 0:  # divisors in [lo, 0)
        corners = [q for x in (a.lo, a.hi) for q in _quotients(x, b.lo) + _towards_zero(x, -1)]
    else:  # 0 inside the divisor, or the divisor is exactly 0 (never a value)
        return Interval.full()
    return _ends(min(corners), max(corners))


def _map_ends(a: Interval, func) -> Interval:
    """Apply a monotone (non-decreasing) function to both finite ends."""
    return Interval(a.lo if a.lo.is_infinite() else func(a.lo), a.hi if a.hi.is_infinite() else func(a.hi))


def floor(a: Interval) -> Interval:
    return _map_ends(a, lambda v: v.to_integral_value(rounding=decimal.ROUND_FLOOR))


def ceil(a: Interval) -> Interval:
    return _map_ends(a, lambda v: v.to_integral_value(rounding=decimal.ROUND_CEILING))


def round_ends(a: Interval, rounding) -> Interval:
    """Both ends rounded as ``rounding`` (places and mode; None: not rounded) says."""
    if rounding is None:
        return a

    def end(value: Decimal) -> Decimal:
        try:
            return quantize(value, rounding.places, rounding.mode)
        except ARITHMETIC_ERRORS:  # too many digits: the interpreter cannot round it either
            return value

    return _map_ends(a, end)


def integral_ends(a: Interval) -> Interval | None:
    """The smallest interval holding the whole numbers of ``a`` (None: none)."""
    lo = a.lo if a.lo.is_infinite() else a.lo.to_integral_value(rounding=decimal.ROUND_CEILING)
    hi = a.hi if a.hi.is_infinite() else a.hi.to_integral_value(rounding=decimal.ROUND_FLOOR)
    return Interval(lo, hi) if lo <= hi else None


def hull_of(values: Iterable[Decimal]) -> Interval:
    values = list(values)
    return Interval(min(values), max(values))


