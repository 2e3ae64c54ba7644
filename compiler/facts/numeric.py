"""Exact numbers from cell text, and the range each numeric kind allows.

The rules are :mod:`assessc.runtime.factvalues` (the one definition, which
generated scorers hold too); this module applies them to a declared
:class:`~assessc.ir.types.FactType`. Numbers are read from their text with
:class:`~decimal.Decimal`, so `0.1` stays one tenth. A percent is stored as a
fraction: `95`, `95%` and a JSON `95` are all ``Decimal("0.95")``, and declared
percent ranges are fractions too. Some kinds bound their values even without a
declared range: a count is at least 0, a rank at least 1, and a percent lies
within 0 %..100 % on each side that has no declared bound.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from assessc.ir.types import FactType
from assessc.runtime import factvalues
from assessc.runtime.factvalues import (  # noqa: F401 - the loader's names for the shared rules
    MAX_DIGITS,
    is_whole,
    normalize,
    parse_number,
    percent_fraction,
    plain,
    shift,
    too_wide,
    whole,
    width,
)


def bounds(ftype: FactType) -> tuple[Decimal | None, Decimal | None]:
    """The inclusive (low, high) that ``ftype`` allows, implied bounds included.

    A declared bound below a count's 0 or a rank's 1 is raised to it; for a
    percent a declared bound replaces the implied one, since a policy may
    allow, say, growth rates above 100 %.
    """
    return factvalues.bounds(ftype.kind.value, ftype.low, ftype.high)


def effective_type(ftype: FactType) -> FactType:
    """``ftype`` with the bounds of :func:`bounds`, for describing it."""
    low, high = bounds(ftype)
    return attrs.evolve(ftype, low=low, high=high)


def in_range(value: Decimal, ftype: FactType) -> bool:
    low, high = bounds(ftype)
    return (low is None or value >= low) and (high is None or value <= high)
