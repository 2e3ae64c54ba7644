"""Exact decimal arithmetic for scores: the one context every engine computes, compares and prints in.

Scores never touch a float, and never Python's default decimal context, which
rounds every result to 28 digits. The rules (docs/semantics.md, "exact
decimals and rounding"):

* ``+``, ``-``, ``×``, negation, comparisons and printing are **exact**. They
  run in :data:`CONTEXT`, which keeps up to :data:`EXACT_DIGITS` significant
  digits and traps ``Inexact``: a result that would need more digits stops
  scoring with an error naming the rule (no rule book comes near it).
* A **quotient** (:func:`divide`) that has no finite decimal form (250 / 300)
  keeps :data:`QUOTIENT_DIGITS` significant digits, rounded half-even; one
  that has one (1 / 4) is exact.
* **Rounding** happens only where a policy says so (:func:`quantize`), to
  ``places`` decimal places (negative: tens, hundreds, …) with the mode it
  names; ``half_up`` is 四舍五入 (0.125 → 0.13), unlike Python's ``round()``.

What the engines can carry bounds the policy's own numbers, which ``check``
enforces: a number literal has at most :data:`LITERAL_DIGITS` digits (SQL's
DECIMAL(38, s)), and ``round … N places`` takes N within ±:data:`MAX_PLACES`
(the batch engine's 64-bit fixed point holds 10**18).

Printing: :func:`show` writes any value whole, for score files, JSON and
tables; :func:`brief` cuts a long fraction with a visible ``…``, for the
worded details of explanations.

Standard library only: every generated Python scorer holds a copy of this
file (``pygen/module.py``), so it computes in these very contexts.
"""

from __future__ import annotations

import decimal
import enum
from decimal import Decimal
from typing import Iterable

#: significant digits an exact result may have; more is an error, never a rounding
EXACT_DIGITS = 1000
#: significant digits a quotient with no finite decimal form keeps
QUOTIENT_DIGITS = 60
#: the most digits a number literal may be written with: SQL's DECIMAL(38, s) holds it
LITERAL_DIGITS = 38
#: ``round … N places`` takes -MAX_PLACES <= N <= MAX_PLACES: 10**18 fits a 64-bit integer
MAX_PLACES = 18

_TRAPS = [decimal.DivisionByZero, decimal.InvalidOperation, decimal.Overflow]

CONTEXT = decimal.Context(prec=EXACT_DIGITS, rounding=decimal.ROUND_HALF_EVEN, traps=_TRAPS + [decimal.Inexact])
#: the context of a quotient: the only operation allowed to round without being asked
QUOTIENT = decimal.Context(prec=QUOTIENT_DIGITS, rounding=decimal.ROUND_HALF_EVEN, traps=_TRAPS)
#: the context of an explicit rounding: exact but for the rounding itself
ROUNDING = decimal.Context(prec=EXACT_DIGITS, rounding=decimal.ROUND_HALF_EVEN, traps=_TRAPS)

class Rounding(enum.Enum):
    """The rounding modes a policy may name (`round total 2 places half_up`), in the order the docs
    list them: the one list. `check` accepts these names; the interpreter and the generated module
    round with :data:`MODES`, the generated module's integer fixed point with
    :mod:`assessc.runtime.fixedpoint`, and the batch kernels and the SQL writer implement each member
    (tests/regressions/test_numbers.py checks)."""

    HALF_UP = "half_up"  # ties away from zero: 四舍五入 (0.125 -> 0.13)
    HALF_EVEN = "half_even"  # ties to the even neighbour
    HALF_DOWN = "half_down"  # ties towards zero
    DOWN = "down"  # towards zero
    UP = "up"  # away from zero
    FLOOR = "floor"  # towards -infinity
    CEILING = "ceiling"  # towards +infinity


#: how each mode rounds a Decimal, by the name a policy writes
MODES = {
    Rounding.HALF_UP.value: decimal.ROUND_HALF_UP,
    Rounding.HALF_EVEN.value: decimal.ROUND_HALF_EVEN,
    Rounding.HALF_DOWN.value: decimal.ROUND_HALF_DOWN,
    Rounding.DOWN.value: decimal.ROUND_DOWN,
    Rounding.UP.value: decimal.ROUND_UP,
    Rounding.FLOOR.value: decimal.ROUND_FLOOR,
    Rounding.CEILING.value: decimal.ROUND_CEILING,
}
#: the names a policy may write, in the order of :class:`Rounding`
ROUNDING_MODES = tuple(mode.value for mode in Rounding)

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


#: what an operation in these contexts can raise, for callers that report it as a located error
ARITHMETIC_ERRORS = decimal.DecimalException


def failure(error: BaseException) -> str:
    """What went wrong with an operation, in words (for D0609 and the generated module)."""
    conditions = error.args[0] if error.args and isinstance(error.args[0], list) else [type(error)]
    if any(issubclass(c, (decimal.DivisionByZero, decimal.DivisionUndefined)) for c in conditions):
        return "division by zero"  # 0 / 0 is signalled as an InvalidOperation for DivisionUndefined
    if isinstance(error, decimal.Overflow):
        return "the result is too large"
    if isinstance(error, decimal.Inexact):
        return f"the exact result needs more than {EXACT_DIGITS} significant digits"
    return type(error).__name__


def quantum(places: int) -> Decimal:
    """The unit of rounding to ``places`` decimal places: 0.01 for 2, 1 for 0, 100 for -2."""
    return ONE.scaleb(-places, CONTEXT)


_QUANTA = {places: quantum(places) for places in range(-MAX_PLACES, MAX_PLACES + 1)}  # made once


def quantize(value: Decimal, places: int, mode: str) -> Decimal:
    """``value`` rounded to ``places`` decimal places with rounding ``mode``; a negative
    ``places`` rounds to tens (-1), hundreds (-2), …, written as a whole number (120, not 1.2E+2)."""
    unit = _QUANTA.get(places)
    if unit is None:
        unit = quantum(places)
    rounded = value.quantize(unit, rounding=MODES[mode], context=ROUNDING)
    if places < 0:
        return rounded.quantize(ONE, context=CONTEXT)
    return rounded


def divide(a: Decimal, b: Decimal) -> Decimal:
    """``a / b``: exact when the quotient has a finite decimal form of at most
    :data:`QUOTIENT_DIGITS` digits, else rounded half-even to that many."""
    return QUOTIENT.divide(a, b)


def floor_div(a: Decimal, b: Decimal) -> Decimal:
    """The greatest whole number ≤ a / b, exactly (not from a rounded quotient)."""
    whole, rest = CONTEXT.divmod(a, b)  # whole rounded toward zero
    return CONTEXT.subtract(whole, ONE) if rest and (rest < 0) != (b < 0) else whole


def ceil_div(a: Decimal, b: Decimal) -> Decimal:
    """The least whole number ≥ a / b, exactly."""
    return CONTEXT.minus(floor_div(CONTEXT.minus(a), b))


def sum_of(values: Iterable[Decimal]) -> Decimal:
    """Σ ``values`` from 0, left to right, exactly."""
    total = ZERO
    for value in values:
        total = CONTEXT.add(total, value)
    return total


def digits(value: Decimal) -> int:
    """How many digits ``value`` is written with, leading zeros of its whole part and
    trailing zeros of its fraction left out: 1234.5 has 5, 0.001 has 3, 1000 has 4. A
    DECIMAL(p, s) column holds it when p is at least this and s its places."""
    sign, coefficient, exponent = value.normalize(CONTEXT).as_tuple()
    if coefficient == (0,):
        return 1
    if exponent >= 0:
        return len(coefficient) + exponent
    return max(len(coefficient), -exponent)


def show(value: Decimal) -> str:
    """A value as people write it, whole and exact: 0.5, 2, -1.25, 120 (no exponent, no
    trailing zeros, no -0). Every digit is printed, however many there are."""
    if value.is_zero():
        return "0"
    # exact whatever the number of digits: `normalize` and `quantize` would round to the
    # context's precision, or fail, on a literal of more significant digits than it holds
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def brief(value: Decimal, places: int = 6) -> str:
    """``show`` for the worded details of explanations: at most ``places`` decimals, cut (never
    rounded up) with `…` when the value has more, so 2/3 reads 0.666666… and a quotient such as
    250/300 does not print 60 digits. The digits shown are the value's own."""
    if isinstance(value, Decimal) and value.is_finite() and value.normalize(CONTEXT).as_tuple().exponent < -places:
        cut = value.quantize(quantum(places), rounding=decimal.ROUND_DOWN, context=ROUNDING)
        text = show(cut)
        if text == "0" and value < 0:
            text = "-0"
        return text + "…"
    return show(value)
