"""Exact int64 arithmetic over compiled values (:mod:`.values`), with overflow excluded when
compiling.

Scales follow the values, so arithmetic never rounds:

* a constant's scale is its number of decimal places, a fact's the places of its layout
  (:mod:`.layout`);
* ``a + b``, ``a - b``, ``min``, ``max``, comparisons: both sides at the larger scale;
  ``a × b``: the scales add (the integer product is exact);
* ``a / c`` by a constant whose reciprocal is a finite decimal (``/ 100``, ``/ 4``,
  ``× 100 / 50``): a product by that reciprocal; any other division (``/ 3``, ``/ 300``, a fact)
  is computed at the policy's base scale (the most decimal places of its constants, fact scales
  and rounding: :mod:`.constants`) and *checked*: an entity for which it is not exact there
  stops the run with :class:`BatchUnsupported` (the interpreter would carry 60 digits);
* rounding is done on the integers (:func:`.kernels.round_units`) in the operation's mode and
  lowers the scale to its places; floors and caps compare at the larger scale.

For every operation the interval of its result (and of every operand brought to a larger scale)
times its scale must stay within int64, or :meth:`Arithmetic.check` raises
:class:`BatchOverflow` naming the rule and the line. Intervals are exact (fractions).
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction as Fr

import numpy as np

from assessc.backends.batch import kernels as K
from assessc.backends.batch.errors import INTERP_HINT, BatchInexact, BatchOverflow, BatchUnsupported, Site
from assessc.backends.batch.values import (ZERO, Cond, Num, Sym, affine, and_mask, broadcast, const_fn, picked,
                                           show_fraction, terminating)
from assessc.core import ops
from assessc.runtime.decimals import Rounding


class Arithmetic:
    """Numbers and conditions, and where the rule being compiled is written (``site``, named by
    refusals)."""

    def __init__(self, base_scale: int, site: Site):
        self.base_scale = base_scale
        self.site = site

    # ---- messages -------------------------------------------------------------------
    def locate(self, span, fallback: Site | None = None) -> Site:
        if span is not None:
            return Site(f"{span.path}:{span.line}", span)
        return fallback or self.site

    def unsupported(self, form: str, span=None) -> BatchUnsupported:
        return BatchUnsupported(f"{form} is not supported by the batch engine", where=self.locate(span))

    def check(self, lo: Fr, hi: Fr, scale: int, what: str) -> None:
        bound = max(abs(lo), abs(hi)) * 10 ** scale
        if bound > K.INT64_MAX:
            raise BatchOverflow(
                f"{what} can reach {show_fraction(max(abs(lo), abs(hi)))} for facts the policy allows; at "
                f"{scale} decimal places that is beyond the 64-bit integers the batch engine computes with",
                where=self.site,
                help=f"declare narrower ranges for the facts it reads (e.g. `count 0..10000`), or {INTERP_HINT}")

    # ---- numbers ------------------------------------------------------------------------
    def const(self, value) -> Num:
        value = Fr(value)
        places = terminating(value)
        if places is None:  # pragma: no cover - constants are decimals
            raise BatchInexact(f"the constant {value} has no finite decimal form", where=self.site)
        units = value.numerator * 10 ** places // value.denominator
        return Num(const_fn(units), places, value, value, units)

    def align(self, v: Num, scale: int, what: str) -> Num:
        if scale == v.scale:
            return v
        self.check(v.lo, v.hi, scale, what)
        factor = 10 ** (scale - v.scale)
        if v.const is not None:
            units = v.const * factor
            return Num(const_fn(units), scale, v.lo, v.hi, units, v.fallible)
        if v.pick is not None:
            fc, k = v.pick
            return picked(fc, k * factor, scale, v.lo, v.hi, v.fallible)
        base, f, o = v.lin or (v.fn, 1, 0)
        return affine(base, f * factor, o * factor, scale, v.lo, v.hi, v.fallible)

    def add(self, a: Num, b: Num, what: str, sign: int = 1) -> Num:
        s = max(a.scale, b.scale)
        a, b = self.align(a, s, what), self.align(b, s, what)
        lo, hi = (a.lo + b.lo, a.hi + b.hi) if sign > 0 else (a.lo - b.hi, a.hi - b.lo)
        self.check(lo, hi, s, what)
        fallible = a.fallible or b.fallible
        if a.const is not None and b.const is not None:
            units = a.const + sign * b.const
            return Num(const_fn(units), s, lo, hi, units, fallible)
        if b.const is not None:
            base, f, o = a.lin or (a.fn, 1, 0)
            return affine(base, f, o + sign * b.const, s, lo, hi, fallible)
        if a.const is not None:
            base, f, o = b.lin or (b.fn, 1, 0)
            return affine(base, sign * f, sign * o + a.const, s, lo, hi, fallible)
        fa, fb = a.fn, b.fn
        fn = (lambda c, m: fa(c, m) + fb(c, m)) if sign > 0 else (lambda c, m: fa(c, m) - fb(c, m))
        return Num(fn, s, lo, hi, None, fallible)

    def sum(self, parts: list[Num], what: str) -> Num:
        total = self.const(0)
        arrays = [p for p in parts if p.const is None]
        for part in parts:
            if part.const is not None:
                total = self.add(total, part, what)
        if not arrays:
            return total
        if len(arrays) == 1:
            return self.add(arrays[0], total, what)
        scale = max([p.scale for p in arrays] + [total.scale])
        lo, hi = total.lo, total.hi
        for p in arrays:
            lo, hi = lo + p.lo, hi + p.hi
        self.check(lo, hi, scale, what)
        offset = self.align(total, scale, what).const
        terms = []
        for p in arrays:
            p = self.align(p, scale, what)
            base, f, o = p.lin or (p.fn, 1, 0)
            offset += o
            terms.append((base, np.int64(f), f == 1))
        (b0, f0, one0), (b1, f1, one1), rest = terms[0], terms[1], terms[2:]
        off = np.int64(offset)

        def fn(c, m):
            x = b0(c, m)
            y = b1(c, m)
            acc = (x if one0 else x * f0) + (y if one1 else y * f1)
            for base, f, one in rest:
                t = base(c, m)
                acc += t if one else t * f
            if offset:
                acc += off
            return acc

        return Num(fn, scale, lo, hi, None, any(p.fallible for p in parts))

    def neg(self, a: Num) -> Num:
        if a.const is not None:
            return Num(const_fn(-a.const), a.scale, -a.hi, -a.lo, -a.const, a.fallible)
        base, f, o = a.lin or (a.fn, 1, 0)
        return affine(base, -f, -o, a.scale, -a.hi, -a.lo, a.fallible)

    def mul(self, a: Num, b: Num, what: str) -> Num:
        if a.const == 0 or b.const == 0:
            return Num(const_fn(0), 0, ZERO, ZERO, 0, a.fallible or b.fallible)
        s = a.scale + b.scale
        corners = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi]
        lo, hi = min(corners), max(corners)
        self.check(lo, hi, s, what)
        fallible = a.fallible or b.fallible
        if a.const is not None and b.const is not None:
            units = a.const * b.const
            return Num(const_fn(units), s, lo, hi, units, fallible)
        if a.const is not None:
            a, b = b, a
        if b.const is not None:
            base, f, o = a.lin or (a.fn, 1, 0)
            return affine(base, f * b.const, o * b.const, s, lo, hi, fallible)
        fa, fb = a.fn, b.fn
        return Num(lambda c, m: fa(c, m) * fb(c, m), s, lo, hi, None, fallible)

    def div(self, a: Num, b: Num, what: str) -> Num:
        if b.const is not None and b.const != 0:
            reciprocal = Fr(10 ** b.scale, b.const)
            if terminating(reciprocal) is not None:
                return self.mul(a, self.const(reciprocal), what)
        return self.checked_div(a, b, what)

    def checked_div(self, a: Num, b: Num, what: str) -> Num:
        """``a / b`` at the base scale, exact or refused (see the module docstring)."""
        t = max(self.base_scale, a.scale)
        e = t - a.scale + b.scale
        self.check(a.lo, a.hi, t + b.scale, what)
        if b.lo > 0 or b.hi < 0:
            corners = [a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi]
            lo, hi = min(corners), max(corners)
        else:  # a non-zero divisor is at least one unit of its scale
            bound = max(abs(a.lo), abs(a.hi)) * 10 ** b.scale
            lo, hi = -bound, bound
        self.check(lo, hi, t, what)
        fa, fb, factor = a.fn, b.fn, 10 ** e
        site = self.site

        def fn(c, m):
            x, y = fa(c, m), fb(c, m)
            n = c.n
            x, y = broadcast(x, n) * factor, broadcast(y, n)
            zero = y == 0
            if zero.any():
                c.fail(zero, m)
                y = np.where(zero, 1, y)
            q = x // y
            inexact = (q * y != x) & ~zero
            if zero.any():
                q[zero] = 0
            if m is not None:
                inexact &= m
            if inexact.any():
                row = c.first(inexact)
                raise BatchInexact(
                    f"{what} is not exact at {t} decimal places for entity `{c.entity(row)}` "
                    f"(the interpreter keeps 60 digits)", where=site)
            return q

        return Num(fn, t, lo, hi, None, True)

    def minmax(self, func: str, args: list[Num], what: str) -> Num:
        s = max(a.scale for a in args)
        args = [self.align(a, s, what) for a in args]
        pick = min if func == "min" else max
        lo, hi = pick(a.lo for a in args), pick(a.hi for a in args)
        fallible = any(a.fallible for a in args)
        if all(a.const is not None for a in args):
            units = pick(a.const for a in args)
            return Num(const_fn(units), s, lo, hi, units, fallible)
        ufunc = np.minimum if func == "min" else np.maximum
        fns = [a.fn for a in args]

        def fn(c, m):
            acc = fns[0](c, m)
            for f in fns[1:]:
                acc = ufunc(acc, f(c, m))
            return acc

        return Num(fn, s, lo, hi, None, fallible)

    def where(self, cond: Cond, v: Num) -> Num:
        """``v`` where ``cond`` holds, else 0 (``v`` evaluated only there)."""
        lo, hi = min(v.lo, ZERO), max(v.hi, ZERO)
        if cond.const is True:
            return v
        if cond.const is False:
            return Num(const_fn(0), 0, ZERO, ZERO, 0)
        fc, fv = cond.fn, v.fn
        if v.const is not None:
            return picked(fc, v.const, v.scale, lo, hi, cond.fallible)
        if v.fallible:
            def fn(c, m):
                holds = fc(c, m)
                return fv(c, and_mask(m, holds)) * holds
        else:
            def fn(c, m):
                return fv(c, m) * fc(c, m)
        return Num(fn, v.scale, lo, hi, None, v.fallible or cond.fallible)

    def round(self, v: Num, rounding: ops.Round | None, what: str) -> Num:
        """``v`` rounded to the operation's places in its mode. Rounding to tens (places -1), hundreds, … gives
        whole units (scale 0): the rounded units are multiplied back by 10**-places."""
        if rounding is None or v.scale <= rounding.places:
            return v
        places = rounding.places
        scale = max(places, 0)
        drop = v.scale - places
        back = 10 ** (scale - places)  # 1 unless places < 0
        step = Fr(10) ** -places
        lo = Fr(math.floor(v.lo / step)) * step
        hi = Fr(math.ceil(v.hi / step)) * step
        self.check(v.lo - 1, v.hi + 1, v.scale, what)
        self.check(lo, hi, scale, what)
        mode = Rounding(rounding.mode).value  # one of the enum's names, passed on as the kernels take it
        if v.const is not None:
            units = K.round_units(v.const, drop, mode) * back
            value = Fr(units, 10 ** scale)
            return Num(const_fn(units), scale, value, value, units, v.fallible)
        fv = v.fn
        if back == 1:
            return Num(lambda c, m: K.round_units(fv(c, m), drop, mode), scale, lo, hi, None, v.fallible)
        factor = np.int64(back)
        return Num(lambda c, m: K.round_units(fv(c, m), drop, mode) * factor, scale, lo, hi, None, v.fallible)

    def clamp(self, v: Num, low: Decimal | None, high: Decimal | None, what: str) -> Num:
        """``max(v, low)`` then ``min(·, high)`` (either may be None), in one pass."""
        bounds = [self.const(Fr(b)) for b in (low, high) if b is not None]
        s = max([v.scale] + [b.scale for b in bounds])
        v = self.align(v, s, what)
        lo_units = hi_units = None
        lo, hi = v.lo, v.hi
        if low is not None and v.lo < Fr(low):
            lo_units = int(Fr(low) * 10 ** s)
            lo, hi = Fr(low), max(hi, Fr(low))
        if high is not None and hi > Fr(high):
            hi_units = int(Fr(high) * 10 ** s)
            lo, hi = min(lo, Fr(high)), Fr(high)
        if lo_units is None and hi_units is None:
            return v
        if v.const is not None:
            value = v.const
            if lo_units is not None:
                value = max(value, lo_units)
            if hi_units is not None:
                value = min(value, hi_units)
            return Num(const_fn(value), s, lo, hi, value, v.fallible)
        fv = v.fn
        if hi_units is None:
            bound = np.int64(lo_units)
            fn = lambda c, m: np.maximum(fv(c, m), bound)  # noqa: E731
        elif lo_units is None:
            bound = np.int64(hi_units)
            fn = lambda c, m: np.minimum(fv(c, m), bound)  # noqa: E731
        else:
            a, b = np.int64(lo_units), np.int64(hi_units)
            fn = lambda c, m: np.clip(fv(c, m), a, b)  # noqa: E731
        return Num(fn, s, lo, hi, None, v.fallible)

    # ---- conditions -------------------------------------------------------------------------
    def compare(self, op: str, a, b, what: str) -> Cond:
        if isinstance(a, Num) and isinstance(b, Num):
            s = max(a.scale, b.scale)
            a, b = self.align(a, s, what), self.align(b, s, what)
        elif type(a) is not type(b):
            raise self.unsupported(f"comparing {type(a).__name__} with {type(b).__name__}")
        elif isinstance(a, (Sym, Cond)) and op not in ("==", "!="):
            raise self.unsupported(f"the ordering comparison `{op}` of texts")
        ufunc = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
                 ">": np.greater, ">=": np.greater_equal}[op]
        fallible = a.fallible or b.fallible
        if a.const is not None and b.const is not None:
            value = bool(ufunc(a.const, b.const))
            return Cond(const_fn(value), value, fallible)
        if isinstance(a, Num):  # decide from the intervals where possible
            decided = _decide(op, a, b)
            if decided is not None and not fallible:
                return Cond(const_fn(decided), decided)
        fa, fb = a.fn, b.fn
        return Cond(lambda c, m: ufunc(fa(c, m), fb(c, m)), None, fallible)

    def logic(self, op: str, a: Cond, b: Cond) -> Cond:
        fallible = a.fallible or b.fallible
        if op == "and":
            if a.const is False:
                return a
            if a.const is True:
                return b
            if b.const is True and not b.fallible:
                return a
        else:
            if a.const is True:
                return a
            if a.const is False:
                return b
            if b.const is False and not b.fallible:
                return a
        fa, fb = a.fn, b.fn
        if b.fallible:  # the right side is evaluated only where the left does not decide
            if op == "and":
                def fn(c, m):
                    left = fa(c, m)
                    return left & fb(c, and_mask(m, left))
            else:
                def fn(c, m):
                    left = fa(c, m)
                    return left | fb(c, and_mask(m, ~left))
        else:
            ufunc = np.logical_and if op == "and" else np.logical_or
            def fn(c, m):
                return ufunc(fa(c, m), fb(c, m))
        return Cond(fn, None, fallible)

    def negate(self, a: Cond) -> Cond:
        if a.const is not None:
            return Cond(const_fn(not a.const), not a.const, a.fallible)
        fa = a.fn
        return Cond(lambda c, m: ~fa(c, m), None, a.fallible)


def _decide(op: str, a: Num, b: Num) -> bool | None:
    """The comparison's value when the intervals decide it for every entity."""
    if op in ("<", "<="):
        a, b, op = b, a, {"<": ">", "<=": ">="}[op]
    if op == ">":
        if a.lo > b.hi:
            return True
        if a.hi <= b.lo:
            return False
    elif op == ">=":
        if a.lo >= b.hi:
            return True
        if a.hi < b.lo:
            return False
    elif a.lo == a.hi == b.lo == b.hi:
        return op == "=="
    elif a.hi < b.lo or b.hi < a.lo:
        return op == "!="
    return None
