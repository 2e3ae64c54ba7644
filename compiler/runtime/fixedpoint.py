"""Rounding integer fixed point: a number ``x`` at scale ``s`` is the int ``x × 10**s``.

Rounding it to a scale ``drop`` digits lower is rounding its units to a multiple of
``factor = 10**drop`` and dividing: :data:`ROUND_UNITS` does that for every
:class:`~assessc.runtime.decimals.Rounding` mode, exactly, on Python ints of any size.
Generated scorers (their fast path calls ``round_<mode>`` directly; ``pygen/module.py``
copies this file into them) and the batch engine's constants use it; the batch engine's
NumPy kernels and the SQL writer implement the same modes on arrays and in SQL.
Standard library only.
"""

from __future__ import annotations

from .decimals import Rounding


def round_half_up(units, factor):
    """Ties away from zero (四舍五入)."""
    q = (abs(units) + factor // 2) // factor
    return q if units >= 0 else -q


def round_half_down(units, factor):
    """Ties towards zero."""
    q, r = divmod(abs(units), factor)
    if 2 * r > factor:
        q += 1
    return q if units >= 0 else -q


def round_half_even(units, factor):
    """Ties to the even neighbour."""
    q, r = divmod(abs(units), factor)
    if 2 * r > factor or (2 * r == factor and q % 2):
        q += 1
    return q if units >= 0 else -q


def round_down(units, factor):
    """Towards zero."""
    q = abs(units) // factor
    return q if units >= 0 else -q


def round_up(units, factor):
    """Away from zero."""
    q = -(-abs(units) // factor)
    return q if units >= 0 else -q


def round_floor(units, factor):
    return units // factor


def round_ceiling(units, factor):
    return -(-units // factor)


#: every mode's rounding of ``units`` to whole multiples of ``factor`` (a power of ten, >= 10),
#: giving the multiple: round_half_up(1250, 100) == 13
ROUND_UNITS = {
    Rounding.HALF_UP: round_half_up,
    Rounding.HALF_EVEN: round_half_even,
    Rounding.HALF_DOWN: round_half_down,
    Rounding.DOWN: round_down,
    Rounding.UP: round_up,
    Rounding.FLOOR: round_floor,
    Rounding.CEILING: round_ceiling,
}
