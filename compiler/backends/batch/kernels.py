"""Integer kernels over NumPy arrays of fixed-point values.

A number ``x`` at scale ``s`` is the integer ``x × 10**s``. Every kernel
takes and returns int64 arrays (or plain Python ints for constants) and is
exact: rounding is done on integers with the policy's mode, never with
``numpy.round`` or ``round()`` (both round ties to even, and ``numpy.round``
works on binary floats).
"""

from __future__ import annotations

import numpy as np

from assessc.runtime.decimals import Rounding
from assessc.runtime.fixedpoint import ROUND_UNITS

INT64_MAX = (1 << 63) - 1


def round_units(x, drop: int, mode: str):
    """``x`` (units at some scale s) rounded to scale ``s - drop`` with ``mode``, a
    :class:`~assessc.runtime.decimals.Rounding` or its name.

    Works on int64 arrays and on Python ints alike (those with
    :data:`assessc.runtime.fixedpoint.ROUND_UNITS`). ``drop`` > 0.
    """
    mode = Rounding(mode)
    d = 10 ** drop
    if isinstance(x, (int, np.integer)) and not isinstance(x, np.ndarray):
        return ROUND_UNITS[mode](int(x), d)
    if d > INT64_MAX:  # every |x| < d: the result is -1, 0 or 1, decided without d as an int64
        return _round_small(x, d, mode)
    q = np.floor_divide(x, d)
    r = x - q * d  # 0 <= r < d
    if mode is Rounding.FLOOR:
        return q
    if mode is Rounding.CEILING:
        return q + (r != 0)
    if mode is Rounding.DOWN:  # towards zero
        return q + ((r != 0) & (x < 0))
    if mode is Rounding.UP:  # away from zero
        return q + ((r != 0) & (x > 0))
    twice = 2 * r
    if mode is Rounding.HALF_UP:  # ties away from zero (四舍五入)
        return q + ((twice > d) | ((twice == d) & (x >= 0)))
    if mode is Rounding.HALF_DOWN:  # ties towards zero
        return q + ((twice > d) | ((twice == d) & (x < 0)))
    if mode is Rounding.HALF_EVEN:
        return q + ((twice > d) | ((twice == d) & ((q & 1) == 1)))
    raise ValueError(f"unknown rounding mode {mode!r}")


def _round_small(x, d: int, mode: Rounding):
    """``round_units`` for a ``d`` beyond int64, so that |x| < d: |x / d| < 1."""
    positive, negative = (x > 0).astype(np.int64), (x < 0).astype(np.int64)
    if mode is Rounding.FLOOR:
        return -negative
    if mode is Rounding.CEILING:
        return positive
    if mode is Rounding.DOWN:
        return np.zeros_like(x)
    if mode is Rounding.UP:
        return positive - negative
    half = d // 2
    if half > INT64_MAX:  # |x| < half: never a half or more
        return np.zeros_like(x)
    over, tie = np.abs(x) > half, np.abs(x) == half
    if mode is Rounding.HALF_UP:
        away = over | tie
    elif mode is Rounding.HALF_DOWN:
        away = over
    elif mode is Rounding.HALF_EVEN:
        away = over  # a tie rounds to 0, the even neighbour
    else:
        raise ValueError(f"unknown rounding mode {mode!r}")
    return (positive - negative) * away


if hasattr(np, "bitwise_count"):

    def popcount(x):
        return np.bitwise_count(x).astype(np.int64)

else:  # pragma: no cover - NumPy < 2.0
    _BYTE_COUNTS = np.array([bin(i).count("1") for i in range(256)], dtype=np.int64)

    def popcount(x):
        x = np.ascontiguousarray(x)
        as_bytes = x.view(np.uint8).reshape(x.shape + (x.dtype.itemsize,))
        return _BYTE_COUNTS[as_bytes].sum(axis=-1)


def mask_dtype(members: int):
    """The smallest unsigned dtype holding one bit per evidence item."""
    for dtype in (np.uint8, np.uint16, np.uint32, np.uint64):
        if members <= np.dtype(dtype).itemsize * 8:
            return dtype
    return None


def int_dtype(lo: int, hi: int):
    """The smallest signed dtype holding every integer in [lo, hi]."""
    for dtype in (np.int8, np.int16, np.int32, np.int64):
        info = np.iinfo(dtype)
        if info.min <= lo and hi <= info.max:
            return dtype
    return np.int64


def segment_sums(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Sums of ``values[offsets[i]:offsets[i+1]]`` for every i (empty -> 0), exactly."""
    cumulative = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(values, out=cumulative[1:])
    return cumulative[offsets[1:]] - cumulative[offsets[:-1]]
