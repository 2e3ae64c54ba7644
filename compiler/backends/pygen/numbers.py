"""The numbers of generated code: :class:`Num`, a numeric Python expression with what the
generator knows of it (its fixed-point scale, or none for a ``Decimal``; bounds on its value), the
module-level names of constants and helpers (:class:`Pool`), and the fast path's fixed-point
scale and bounds of each numeric fact."""

from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction

import attrs

from assessc.backends.refusal import Refusal
from assessc.diagnostics import codes
from assessc.ir import nodes as ir
from assessc.ir.types import Kind

from .text import Code, literal

LIMIT = 10**50  # largest fixed-point units the fast arithmetic keeps as int
GUARD = 10**15  # fast path: numeric facts with no declared bound must stay below this
MAX_ENTRIES = 10**6  # fast path: ledgers with more entries take the exact path
INPUT_SCALE = {Kind.DECIMAL: 4, Kind.AMOUNT: 4, Kind.PERCENT: 6}


#: what to do instead when the Python backend refuses a policy
INTERPRETER_HELP = "score this policy with the interpreter (`assessc score`), which computes every form"


class CompileError(Refusal):
    """A form the Python backend cannot generate; names the form and the policy place (E0701)."""

    def __init__(self, message: str, span=None):
        self.message, self.span = message, span
        place = f"{span.path}:{span.line}:{span.column}: " if span is not None else ""
        super().__init__(place + message, codes.FORM_NOT_SUPPORTED, span, f"cannot compile to Python: {message}",
                         INTERPRETER_HELP)


def decimals(value: Decimal) -> int:
    """How many decimals ``value`` needs (trailing zeros do not count), computed exactly."""
    if value == 0:
        return 0
    _, digits, exponent = value.as_tuple()
    digits = list(digits)
    while exponent < 0 and digits and digits[-1] == 0:
        digits.pop()
        exponent += 1
    return max(0, -exponent)


def units(value: Decimal, scale: int) -> int:
    scaled = Fraction(value) * 10**scale
    assert scaled.denominator == 1, (value, scale)
    return int(scaled)


@attrs.frozen
class Num:
    """A numeric Python expression: ``code``; ``scale`` None for a Decimal, else the fixed-point
    scale of an int; ``mag`` a bound on |value| (None: unknown); ``value`` when a constant;
    ``low`` and ``high`` bounds on the value of a fixed-point int (None: unknown), which let the
    fast path leave out a cap that cannot bite or a test that cannot fail. Fixed point only:
    ``negated`` the number this one is the negation of, so that a sum can subtract it; ``prod``
    ``(k, inner)`` when the code is the int ``k`` times ``inner`` (constant factors fold into one);
    ``at`` a function giving the same number at a larger scale without more operations, or None
    (see :meth:`Exprs.raise_to`)."""

    code: str
    scale: int | None
    mag: Fraction | None = None
    value: Decimal | None = None
    low: Fraction | None = None
    high: Fraction | None = None
    negated: "Num | None" = attrs.field(default=None, eq=False, repr=False)
    prod: "tuple[int, Num] | None" = attrs.field(default=None, eq=False, repr=False)
    at: object = attrs.field(default=None, eq=False, repr=False)

    @property
    def fixed(self) -> bool:
        return self.scale is not None

    def named(self, code: str, scale: int | None = -1) -> "Num":
        """The same number held in the variable ``code`` (at ``scale`` when given: a rescaled copy)."""
        scale = self.scale if scale == -1 else scale
        if scale is None:
            return Num(code, None, self.mag)
        return Num(code, scale, self.mag, None, self.low, self.high)

    def bounded(self, low, high) -> "Num":
        """This number with the bounds ``low`` and ``high`` (each None when unknown)."""
        return attrs.evolve(self, low=low, high=high) if self.fixed else self


def hull(*pairs):
    """The smallest interval holding every (low, high) of ``pairs`` (None ends: unknown)."""
    lows, highs = [p[0] for p in pairs], [p[1] for p in pairs]
    low = None if any(v is None for v in lows) else min(lows)
    high = None if any(v is None for v in highs) else max(highs)
    return low, high


def known(*nums) -> bool:
    return all(n.fixed and n.low is not None and n.high is not None for n in nums)


def fits(mag: Fraction | None, scale: int) -> bool:
    return mag is not None and mag * 10**scale < LIMIT


def sum_mag(*mags):
    return None if any(m is None for m in mags) else sum(mags, Fraction(0))


def mul_mag(a, b):
    return None if a is None or b is None else a * b


class Pool:
    """Module-level names: constants (Decimals, member sets, tables) and helper functions."""

    def __init__(self) -> None:
        self.code = Code()
        self._consts: dict[tuple, str] = {}
        self._count = 0
        self.calendar = None  # the working-day calendar, once an expression counts working days

    def fresh(self, prefix: str) -> str:
        self._count += 1
        return f"_{prefix}{self._count}"

    def const(self, value, hint: str = "k") -> str:
        key = (type(value).__name__, repr(value) if not isinstance(value, Decimal) else str(value))
        name = self._consts.get(key)
        if name is None:
            name = self.fresh(hint)
            self._consts[key] = name
            self.code(f"{name} = {literal(value)}")
        return name

    def raw(self, text: str, hint: str) -> str:
        """A module constant from an expression already made safe (built from literals)."""
        key = ("raw", text)
        name = self._consts.get(key)
        if name is None:
            name = self.fresh(hint)
            self._consts[key] = name
            self.code(f"{name} = {text}")
        return name


def fold_constants(operation, a: Decimal, b: Decimal) -> Decimal | None:
    """``operation(a, b)`` of two constants, or None when its exact result has more digits than the
    context keeps: then the module computes it, and stops with the interpreter's error."""
    try:
        return operation(a, b)
    except decimal.Inexact:
        return None


def terminating_reciprocal(value: Decimal) -> tuple[int, int] | None:
    """(factor, extra) with 1/value == factor × 10**-extra exactly, or None if 1/value does not terminate."""
    recip = 1 / Fraction(value)
    for extra in range(0, 61):
        scaled = recip * 10**extra
        if scaled.denominator == 1:
            return int(scaled), extra
    return None


def fact_scale(fact: ir.FactDecl) -> tuple[int, Fraction]:
    """The fast path's fixed-point scale for a numeric fact, and a bound on its magnitude."""
    kind = fact.type.kind
    low, high = _implied_bounds(fact)
    given = [v for v in (low, high) if v is not None]
    if isinstance(fact.default, Decimal):
        given.append(fact.default)
    if kind in (Kind.COUNT, Kind.RANK):
        scale = 0
    else:
        scale = max([INPUT_SCALE[kind]] + [decimals(v) for v in given])
    if low is None or high is None:
        mag = Fraction(GUARD)
    else:
        mag = max(abs(Fraction(low)), abs(Fraction(high)))
    if isinstance(fact.default, Decimal):
        mag = max(mag, abs(Fraction(fact.default)))
    return scale, mag


def fact_interval(fact: ir.FactDecl) -> tuple[Fraction, Fraction]:
    """Bounds on a numeric fact's value on the fast path: its declared range (or the guard where
    it declares none) and its default."""
    low, high = _implied_bounds(fact)
    low = Fraction(-GUARD) if low is None else Fraction(low)
    high = Fraction(GUARD) if high is None else Fraction(high)
    if isinstance(fact.default, Decimal):
        low, high = min(low, Fraction(fact.default)), max(high, Fraction(fact.default))
    return low, high


def _implied_bounds(fact: ir.FactDecl):
    from assessc.facts.numeric import bounds

    return bounds(fact.type)
