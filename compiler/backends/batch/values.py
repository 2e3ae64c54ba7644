"""What the batch compiler turns an expression or an operation into: a function of a chunk of
rows, with what is known of its values before any row is read.

Every function takes ``(c, m)``: the chunk (:mod:`.columns`) and the *mask* of the rows for
which the interpreter would evaluate it (``None``: every row); only functions that can fail
look at the mask, to mark exactly the rows for which the interpreter fails.

* :class:`Num` — a number: int64 *units* at the value's own scale ``s`` (the value is
  ``units / 10**s``), with an exact interval ``[lo, hi]`` holding it for every entity the fact
  declarations allow;
* :class:`Cond` — a condition (NumPy bools); :class:`Sym` — codes into the vocabulary (enum
  members, texts); :class:`Dat` — dates as proleptic ordinals.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction as Fr
from typing import Callable

import attrs
import numpy as np

from assessc.runtime.decimals import divide, show

ZERO = Fr(0)


@attrs.define
class Num:
    fn: Callable
    scale: int
    lo: Fr
    hi: Fr
    const: int | None = None
    fallible: bool = False
    #: ``(base, factor, offset)``: the value is ``base(c, m) * factor + offset``, kept
    #: apart so that constant factors and offsets fold into one multiply and one add
    lin: tuple | None = None
    #: ``(cond, k)``: the value is ``k`` where the condition holds, else 0, kept apart
    #: so that bringing it to another scale scales ``k`` instead of multiplying again
    pick: tuple | None = None
    #: the fact this value reads as it is, if it is a plain fact read (a lookup
    #: table can then index the stored column directly)
    column: str | None = None


@attrs.define
class Cond:
    fn: Callable
    const: bool | None = None
    fallible: bool = False


@attrs.define
class Sym:
    """Codes into the vocabulary (enum members, texts, period names)."""

    fn: Callable
    const: int | None = None
    fallible: bool = False


@attrs.define
class Dat:
    """Dates as proleptic ordinals."""

    fn: Callable
    const: int | None = None
    fallible: bool = False


def affine(base: Callable, factor: int, offset: int, scale: int, lo: Fr, hi: Fr, fallible: bool) -> Num:
    f, o = np.int64(factor), np.int64(offset)
    if factor == 1 and offset == 0:
        fn = base
    elif offset == 0:
        fn = lambda c, m: base(c, m) * f  # noqa: E731
    elif factor == 1:
        fn = lambda c, m: base(c, m) + o  # noqa: E731
    else:
        fn = lambda c, m: base(c, m) * f + o  # noqa: E731
    return Num(fn, scale, lo, hi, None, fallible, (base, factor, offset))


def picked(fc: Callable, k: int, scale: int, lo: Fr, hi: Fr, fallible: bool) -> Num:
    """``k`` units where ``fc`` holds, else 0."""
    units = np.int64(k)
    return Num(lambda c, m: fc(c, m) * units, scale, lo, hi, None, fallible, pick=(fc, k))


def const_fn(value):
    return lambda c, m: value


def and_mask(mask, cond):
    if cond is None or cond is True:
        return mask
    if mask is None:
        return cond
    return mask & cond


def terminating(value: Fr) -> int | None:
    """Decimal places of ``value`` if it is a finite decimal, else None."""
    d = value.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    return max(twos, fives) if d == 1 else None


def show_fraction(value: Fr) -> str:
    places = terminating(value)
    if places is not None:
        return show(divide(Decimal(value.numerator), Decimal(value.denominator)))
    return f"{float(value):.6g}"


def broadcast(value, n: int):
    if isinstance(value, np.ndarray):
        return value
    return np.full(n, value, dtype=np.int64 if not isinstance(value, (bool, np.bool_)) else bool)


def fail_all(c, m):
    """Every row (of the mask) fails: a lookup whose constant key no row matches."""
    c.fail(np.ones(c.n, dtype=bool), m)
    return np.zeros(c.n, dtype=np.int64)
