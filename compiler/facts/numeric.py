"""Exact numbers from cell text, and the range each numeric kind allows.

Numbers are read from their text with :class:`~decimal.Decimal`, so `0.1`
stays one tenth. Only plain decimal notation is accepted (an optional sign,
digits, a point, an exponent, and `1,234.5`-style thousands separators);
`NaN` and `Infinity`, which ``Decimal`` would accept, are not numbers here.
Full-width digits and signs (`９５％`), as typed with a Chinese input method,
are read like their ASCII forms.

A percent is stored as a fraction: `95`, `95%` and a JSON `95` are all
``Decimal("0.95")``, and declared percent ranges are fractions too.

Some kinds bound their values even without a declared range: a count is at
least 0, a rank at least 1, and a percent lies within 0 %..100 % on each side
that has no declared bound.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

import attrs

from assessc.ir.types import FactType, Kind
from assessc.runtime.decimals import CONTEXT

_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})


def normalize(text: str) -> str:
    """Full-width forms folded to ASCII and surrounding space removed."""
    if text.isascii():
        return text.strip()
    return unicodedata.normalize("NFKC", text).translate(_MINUS_SIGNS).strip()


def parse_number(text: str) -> Decimal | None:
    """The exact number ``text`` spells, or None if it spells none."""
    text = normalize(text)
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if not _PLAIN.fullmatch(text):
        return None
    return plain(Decimal(text))


def plain(value: Decimal) -> Decimal | None:
    """``value`` without a positive exponent, so `1e3` prints as `1000`; None when that takes more
    digits than arithmetic keeps (`1e2000`)."""
    sign, digits, exponent = value.as_tuple()
    if isinstance(exponent, int) and exponent > 0:
        if len(digits) + exponent > CONTEXT.prec:
            return None
        return value.quantize(Decimal(1), context=CONTEXT)
    return value


def is_whole(value: Decimal) -> bool:
    return value == value.to_integral_value()


def whole(value: Decimal) -> Decimal:
    """An integral value as a Decimal with no fractional digits (`3.0` -> `3`)."""
    return Decimal(int(value))


def percent_fraction(value: Decimal) -> Decimal:
    """`95` (meaning 95 %) -> `0.95`, exactly."""
    return value.scaleb(-2, CONTEXT)


_IMPLIED_LOW = {Kind.COUNT: Decimal(0), Kind.RANK: Decimal(1), Kind.PERCENT: Decimal(0)}
_IMPLIED_HIGH = {Kind.PERCENT: Decimal(1)}


def bounds(ftype: FactType) -> tuple[Decimal | None, Decimal | None]:
    """The inclusive (low, high) that ``ftype`` allows, implied bounds included.

    A declared bound below a count's 0 or a rank's 1 is raised to it; for a
    percent a declared bound replaces the implied one, since a policy may
    allow, say, growth rates above 100 %.
    """
    low, high = ftype.low, ftype.high
    implied_low = _IMPLIED_LOW.get(ftype.kind)
    if implied_low is not None:
        if low is None:
            low = implied_low
        elif ftype.kind is not Kind.PERCENT:
            low = max(low, implied_low)
    if high is None:
        high = _IMPLIED_HIGH.get(ftype.kind)
    return low, high


def effective_type(ftype: FactType) -> FactType:
    """``ftype`` with the bounds of :func:`bounds`, for describing it."""
    low, high = bounds(ftype)
    return attrs.evolve(ftype, low=low, high=high)


def in_range(value: Decimal, ftype: FactType) -> bool:
    low, high = bounds(ftype)
    return (low is None or value >= low) and (high is None or value <= high)
