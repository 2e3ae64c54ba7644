"""Exact decimal arithmetic for scores.

Scores never touch a float. Arithmetic runs in a context with 60 significant
digits (far beyond any score) whose traps turn a division by zero or an
invalid operation into an exception. Rounding happens only where a policy
says so, with the mode it names: ``half_up`` is 四舍五入 (0.125 → 0.13),
unlike Python's ``round()``, which rounds half to even.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

CONTEXT = decimal.Context(
    prec=60,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.DivisionByZero, decimal.InvalidOperation, decimal.Overflow],
)

MODES = {
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "down": decimal.ROUND_DOWN,
    "up": decimal.ROUND_UP,
    "floor": decimal.ROUND_FLOOR,
    "ceiling": decimal.ROUND_CEILING,
}

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


_QUANTA = {places: _quantum(places) for places in range(13)}  # 1, 0.1, 0.01, …: made once, used per rounding


def quantize(value: Decimal, places: int, mode: str) -> Decimal:
    """``value`` rounded to ``places`` decimal places with rounding ``mode``."""
    quantum = _QUANTA.get(places)
    if quantum is None:
        quantum = _quantum(places)
    return value.quantize(quantum, rounding=MODES[mode], context=CONTEXT)


def floor_div(a: Decimal, b: Decimal) -> Decimal:
    return (a / b).to_integral_value(rounding=decimal.ROUND_FLOOR)


def ceil_div(a: Decimal, b: Decimal) -> Decimal:
    return (a / b).to_integral_value(rounding=decimal.ROUND_CEILING)


def show(value: Decimal) -> str:
    """A score as people write it: 0.5, 2, -1.25 (no exponent, no trailing zeros, no -0)."""
    if value == 0:
        return "0"
    # exact whatever the number of digits: `normalize` and `quantize` would round to the
    # context's precision, or fail, on a literal of more significant digits than it holds
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def brief(value: Decimal, places: int = 6) -> str:
    """``show`` for explanations: at most ``places`` decimals, with `…` when cut
    (a quotient such as 250/300 would otherwise print 60 digits)."""
    if isinstance(value, Decimal) and value.as_tuple().exponent < -places:
        return show(value.quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP)) + "…"
    return show(value)
