"""Compile a scoring graph into vectorised int64 fixed-point closures.

Every numeric expression becomes a :class:`Num`: a function of a chunk of
rows returning an int64 array (or a Python int, for constants) of *units* at
the expression's own scale ``s`` (the value is ``units / 10**s``), together
with an exact interval ``[lo, hi]`` that holds its value for every entity the
fact declarations allow.

Scales follow the values, so arithmetic never rounds:

* a constant's scale is its number of decimal places, a fact's the places of
  its layout (:mod:`.layout`);
* ``a + b``, ``a - b``, ``min``, ``max``, comparisons: both sides at the
  larger scale; ``a × b``: the scales add (the integer product is exact);
* ``a / c`` by a constant whose reciprocal is a finite decimal (``/ 100``,
  ``/ 4``, ``× 100 / 50``): a product by that reciprocal; any other
  division (``/ 3``, ``/ 300``, a fact) is computed at the policy's base
  scale (the most decimal places of its constants, fact scales and
  rounding) and *checked*: an entity for which it is not exact there stops
  the run with :class:`BatchUnsupported` (the interpreter would carry 60
  digits);
* rounding (``round each``/``round total``) is done on the integers with the
  policy's mode and lowers the scale to the rounding's places; floors and
  caps compare at the larger scale.

Overflow is excluded at compile time: for every operation the interval of
its result (and of every operand brought to a larger scale) times its scale
must stay within int64, or the compiler raises :class:`BatchOverflow` naming
the rule and the line. Intervals are exact (fractions); facts without a
declared end are bounded by :data:`~.layout.OPEN_LIMIT` and ledgers by
:data:`~.layout.ENTRY_LIMIT` entries.

Evaluation mirrors the interpreter (:mod:`assessc.backends.interp`): the
same order of item steps (sum, ``zero if``, coefficient, rounding, floor,
cap), the same short-circuits. Each function receives the *mask* of the rows
for which the interpreter would evaluate it (``None``: every row); only
operations that can fail (division by zero, a lookup that must find a row, a
date outside the working-day calendar) look at it, to mark exactly the rows
for which the interpreter fails.
"""

from __future__ import annotations

import datetime
import functools
import math
from decimal import Decimal
from fractions import Fraction as Fr
from typing import Callable

import attrs
import numpy as np

from assessc.backends.batch import kernels as K
from assessc.backends.batch.errors import INTERP_HINT, BatchInexact, BatchOverflow, BatchUnsupported, Site
from assessc.backends.batch.layout import ENTRY_LIMIT, FactLayout, Vocab, places_of
from assessc.ir import nodes as ir
from assessc.ir.types import NUMERIC_KINDS, ExprType, Kind
from assessc.runtime.decimals import divide, show

ZERO = Fr(0)
#: the widest integer key domain turned into a lookup table (rather than np.select)
LUT_DOMAIN = 1 << 16


# ---- compiled values ------------------------------------------------------------------


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


def _affine(base: Callable, factor: int, offset: int, scale: int, lo: Fr, hi: Fr, fallible: bool) -> "Num":
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


def _picked(fc: Callable, k: int, scale: int, lo: Fr, hi: Fr, fallible: bool) -> "Num":
    """``k`` units where ``fc`` holds, else 0."""
    units = np.int64(k)
    return Num(lambda c, m: fc(c, m) * units, scale, lo, hi, None, fallible, pick=(fc, k))


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


def _const_fn(value):
    return lambda c, m: value


def and_mask(mask, cond):
    if cond is None or cond is True:
        return mask
    if mask is None:
        return cond
    return mask & cond


def _terminating(value: Fr) -> int | None:
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


def _show(value: Fr) -> str:
    places = _terminating(value)
    if places is not None:
        return show(divide(Decimal(value.numerator), Decimal(value.denominator)))
    return f"{float(value):.6g}"


def _broadcast(value, n: int):
    if isinstance(value, np.ndarray):
        return value
    return np.full(n, value, dtype=np.int64 if not isinstance(value, (bool, np.bool_)) else bool)


# ---- the compiler ---------------------------------------------------------------------


class Compiler:
    def __init__(self, policy: ir.Policy, layouts: dict[str, FactLayout], vocab: Vocab):
        self.policy = policy
        self.layouts = layouts
        self.vocab = vocab
        self.rounding = policy.rounding
        self.round_each = self.rounding if self.rounding is not None and self.rounding.scope == "each" else None
        self.site = Site(policy.span and f"{policy.span.path}:{policy.span.line}" or policy.name, policy.span)
        self.entry: FactLayout | None = None  # the ledger whose entries a `where` or points read
        self.base_scale = self._base_scale()

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
                f"{what} can reach {_show(max(abs(lo), abs(hi)))} for facts the policy allows; at "
                f"{scale} decimal places that is beyond the 64-bit integers the batch engine computes with",
                where=self.site,
                help=f"declare narrower ranges for the facts it reads (e.g. `count 0..10000`), or {INTERP_HINT}")

    # ---- the scale of the policy's own numbers -----------------------------------------
    def _base_scale(self) -> int:
        places = [layout.places for layout in self.layouts.values()]
        places += [sub.places for layout in self.layouts.values() for sub in layout.fields.values()]
        if self.rounding is not None:
            places.append(self.rounding.places)
        for value in _policy_constants(self.policy):
            places.append(places_of(value))
        return max(places, default=0)

    # ---- numbers ------------------------------------------------------------------------
    def const(self, value) -> Num:
        value = Fr(value)
        places = _terminating(value)
        if places is None:  # pragma: no cover - constants are decimals
            raise BatchInexact(f"the constant {value} has no finite decimal form", where=self.site)
        units = value.numerator * 10 ** places // value.denominator
        return Num(_const_fn(units), places, value, value, units)

    def align(self, v: Num, scale: int, what: str) -> Num:
        if scale == v.scale:
            return v
        self.check(v.lo, v.hi, scale, what)
        factor = 10 ** (scale - v.scale)
        if v.const is not None:
            units = v.const * factor
            return Num(_const_fn(units), scale, v.lo, v.hi, units, v.fallible)
        if v.pick is not None:
            fc, k = v.pick
            return _picked(fc, k * factor, scale, v.lo, v.hi, v.fallible)
        base, f, o = v.lin or (v.fn, 1, 0)
        return _affine(base, f * factor, o * factor, scale, v.lo, v.hi, v.fallible)

    def add(self, a: Num, b: Num, what: str, sign: int = 1) -> Num:
        s = max(a.scale, b.scale)
        a, b = self.align(a, s, what), self.align(b, s, what)
        lo, hi = (a.lo + b.lo, a.hi + b.hi) if sign > 0 else (a.lo - b.hi, a.hi - b.lo)
        self.check(lo, hi, s, what)
        fallible = a.fallible or b.fallible
        if a.const is not None and b.const is not None:
            units = a.const + sign * b.const
            return Num(_const_fn(units), s, lo, hi, units, fallible)
        if b.const is not None:
            base, f, o = a.lin or (a.fn, 1, 0)
            return _affine(base, f, o + sign * b.const, s, lo, hi, fallible)
        if a.const is not None:
            base, f, o = b.lin or (b.fn, 1, 0)
            return _affine(base, sign * f, sign * o + a.const, s, lo, hi, fallible)
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
            return Num(_const_fn(-a.const), a.scale, -a.hi, -a.lo, -a.const, a.fallible)
        base, f, o = a.lin or (a.fn, 1, 0)
        return _affine(base, -f, -o, a.scale, -a.hi, -a.lo, a.fallible)

    def mul(self, a: Num, b: Num, what: str) -> Num:
        if a.const == 0 or b.const == 0:
            return Num(_const_fn(0), 0, ZERO, ZERO, 0, a.fallible or b.fallible)
        s = a.scale + b.scale
        corners = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi]
        lo, hi = min(corners), max(corners)
        self.check(lo, hi, s, what)
        fallible = a.fallible or b.fallible
        if a.const is not None and b.const is not None:
            units = a.const * b.const
            return Num(_const_fn(units), s, lo, hi, units, fallible)
        if a.const is not None:
            a, b = b, a
        if b.const is not None:
            base, f, o = a.lin or (a.fn, 1, 0)
            return _affine(base, f * b.const, o * b.const, s, lo, hi, fallible)
        fa, fb = a.fn, b.fn
        return Num(lambda c, m: fa(c, m) * fb(c, m), s, lo, hi, None, fallible)

    def div(self, a: Num, b: Num, what: str) -> Num:
        if b.const is not None and b.const != 0:
            reciprocal = Fr(10 ** b.scale, b.const)
            if _terminating(reciprocal) is not None:
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
            x, y = _broadcast(x, n) * factor, _broadcast(y, n)
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
            return Num(_const_fn(units), s, lo, hi, units, fallible)
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
            return Num(_const_fn(0), 0, ZERO, ZERO, 0)
        fc, fv = cond.fn, v.fn
        if v.const is not None:
            return _picked(fc, v.const, v.scale, lo, hi, cond.fallible)
        if v.fallible:
            def fn(c, m):
                holds = fc(c, m)
                return fv(c, and_mask(m, holds)) * holds
        else:
            def fn(c, m):
                return fv(c, m) * fc(c, m)
        return Num(fn, v.scale, lo, hi, None, v.fallible or cond.fallible)

    def round(self, v: Num, rounding: ir.Rounding | None, what: str) -> Num:
        """``v`` rounded to the rounding's places. Rounding to tens (places -1), hundreds, … gives
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
        mode = rounding.mode
        if v.const is not None:
            units = K.round_units(v.const, drop, mode) * back
            value = Fr(units, 10 ** scale)
            return Num(_const_fn(units), scale, value, value, units, v.fallible)
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
            return Num(_const_fn(value), s, lo, hi, value, v.fallible)
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
            return Cond(_const_fn(value), value, fallible)
        if isinstance(a, Num):  # decide from the intervals where possible
            decided = _decide(op, a, b)
            if decided is not None and not fallible:
                return Cond(_const_fn(decided), decided)
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
            return Cond(_const_fn(not a.const), not a.const, a.fallible)
        fa = a.fn
        return Cond(lambda c, m: ~fa(c, m), None, a.fallible)

    def cond(self, expr: ir.Expr) -> Cond:
        value = self.expr(expr)
        if not isinstance(value, Cond):
            raise self.unsupported(f"`{_text(expr)}` as a condition", expr.span)
        return value

    def number(self, expr: ir.Expr) -> Num:
        value = self.expr(expr)
        if not isinstance(value, Num):
            raise self.unsupported(f"`{_text(expr)}` as a number", expr.span)
        return value

    # ---- expressions -------------------------------------------------------------------------
    def expr(self, e: ir.Expr):
        what = f"`{_text(e)}`"
        if isinstance(e, ir.Const):
            return self._const_expr(e)
        if isinstance(e, ir.FactRef):
            return self._fact(self.layouts[e.fact.name], e)
        if isinstance(e, ir.FieldRef):
            if self.entry is None or e.fact.name not in self.entry.fields:
                raise self.unsupported("a ledger field outside its ledger", e.span)
            return self._field(self.entry.fields[e.fact.name])
        if isinstance(e, ir.MissingCount):
            layout = self.layouts[e.fact.name]
            if layout.kind is not Kind.EVIDENCE:
                raise self.unsupported("`missing` of a fact that is not evidence", e.span)
            return self._evidence_count(layout, missing=True)
        if isinstance(e, ir.EntryCount):
            layout = self.layouts[e.fact.name]
            if layout.kind is Kind.EVIDENCE:
                if e.where is not None:
                    raise self.unsupported("`count` of evidence with `where`", e.span)
                return self._evidence_count(layout, missing=False)
            return self._entry_count(layout, e.where, e.span)
        if isinstance(e, ir.LedgerValue):
            return self.ledger_sum(e.body, e.span)
        if isinstance(e, ir.Unary):
            operand = self.expr(e.operand)
            if e.op == "not":
                return self.negate(operand)
            return self.neg(operand)
        if isinstance(e, ir.InSet):
            return self._in_set(e)
        if isinstance(e, ir.Call):
            if e.func == "workdays":
                return self._workdays(e)
            args = [self.number(a) for a in e.args]
            return self.minmax(e.func, args, what)
        if isinstance(e, ir.LookupValue):
            return self.table(self.expr(e.key), e.table, e.span)
        if isinstance(e, ir.Binary):
            return self._binary(e, what)
        raise self.unsupported(f"the expression `{_text(e)}`", getattr(e, "span", None))

    def _const_expr(self, e: ir.Const):
        if e.type is ExprType.NUMBER:
            return self.const(Fr(e.value))
        if e.type is ExprType.BOOL:
            value = bool(e.value)
            return Cond(_const_fn(value), value)
        if e.type in (ExprType.ENUM, ExprType.TEXT):
            code = self.vocab.code(str(e.value))
            return Sym(_const_fn(code), code)
        if e.type is ExprType.DATE:
            value = e.value if isinstance(e.value, datetime.date) else datetime.date.fromisoformat(str(e.value))
            return Dat(_const_fn(value.toordinal()), value.toordinal())
        raise self.unsupported(f"the constant `{e.value}`", e.span)

    def _fact(self, layout: FactLayout, e):
        name, kind = layout.name, layout.kind
        if kind in NUMERIC_KINDS:
            return Num(lambda c, m: c.num(name), layout.places, layout.lo, layout.hi, column=name)
        if kind is Kind.BOOL:
            return Cond(lambda c, m: c.col(name))
        if kind in (Kind.ENUM, Kind.TEXT):
            return Sym(lambda c, m: c.col(name))
        if kind is Kind.DATE:
            return Dat(lambda c, m: c.col(name))
        raise self.unsupported(f"the {kind.value} fact `{name}` in an expression", getattr(e, "span", None))

    def _field(self, layout: FactLayout):
        name, kind = layout.name, layout.kind
        if kind in NUMERIC_KINDS:
            return Num(lambda c, m: c.field_num(name), layout.places, layout.lo, layout.hi)
        if kind is Kind.BOOL:
            return Cond(lambda c, m: c.field(name))
        if kind in (Kind.ENUM, Kind.TEXT):
            return Sym(lambda c, m: c.field(name))
        if kind is Kind.DATE:
            return Dat(lambda c, m: c.field(name))
        raise self.unsupported(f"the {kind.value} ledger field `{name}`")

    def _evidence_count(self, layout: FactLayout, missing: bool) -> Num:
        name, members = layout.name, len(layout.bits)
        if K.mask_dtype(members) is None:
            raise self.unsupported(f"evidence `{name}` with more than 64 items")
        if missing:
            fn = lambda c, m: members - K.popcount(c.col(name))  # noqa: E731
        else:
            fn = lambda c, m: K.popcount(c.col(name))  # noqa: E731
        return Num(fn, 0, ZERO, Fr(members))

    def _in_set(self, e: ir.InSet) -> Cond:
        value = self.expr(e.value)
        if not isinstance(value, Sym):
            raise self.unsupported("`in { … }` over a value that is not an enum or text", e.span)
        codes = sorted({self.vocab.code(m) for m in e.members})
        if value.const is not None:
            holds = value.const in codes
            return Cond(_const_fn(holds), holds, value.fallible)
        fv = value.fn
        if len(codes) == 1:
            only = codes[0]
            return Cond(lambda c, m: fv(c, m) == only, None, value.fallible)
        array = np.array(codes, dtype=np.int64)
        return Cond(lambda c, m: np.isin(fv(c, m), array), None, value.fallible)

    def _binary(self, e: ir.Binary, what: str):
        op = e.op
        if op in ("and", "or"):
            return self.logic(op, self.cond(e.left), self.cond(e.right))
        a, b = self.expr(e.left), self.expr(e.right)
        if op in ("==", "!=", "<", "<=", ">", ">="):
            return self.compare(op, a, b, what)
        if not isinstance(a, Num) or not isinstance(b, Num):
            raise self.unsupported(f"`{op}` on values that are not numbers", e.span)
        if op == "+":
            return self.add(a, b, what)
        if op == "-":
            return self.add(a, b, what, sign=-1)
        if op == "*":
            return self.mul(a, b, what)
        if op == "/":
            return self.div(a, b, what)
        raise self.unsupported(f"the operator `{op}`", e.span)

    # ---- working days -----------------------------------------------------------------------
    def _workdays(self, e: ir.Call) -> Num:
        a, b = (self.expr(x) for x in e.args)
        if not isinstance(a, Dat) or not isinstance(b, Dat):
            raise self.unsupported("`workdays` of values that are not dates", e.span)
        first, cumulative, gaps = _workday_table(e.calendar)
        last = first + len(cumulative) - 1
        fa, fb = a.fn, b.fn

        def fn(c, m):
            start = _broadcast(fa(c, m), c.n).astype(np.int64)
            end = _broadcast(fb(c, m), c.n).astype(np.int64)
            later = end > start
            outside = later & ((start < first) | (end > last))
            i = np.clip(start - first, 0, len(cumulative) - 1)
            j = np.clip(end - first, 0, len(cumulative) - 1)
            if gaps is not None:  # a year between that no schedule covers
                outside |= later & (gaps[j + 1] - gaps[i] > 0)
            if outside.any():
                c.fail(outside, m)
            return np.where(later & ~outside, cumulative[j] - cumulative[i], 0)

        return Num(fn, 0, ZERO, Fr(last - first + 1), None, True)

    # ---- lookups --------------------------------------------------------------------------
    def table(self, key, table: ir.Table, span=None) -> Num:
        """The first row ``key`` matches; else the ``else`` value; else the row fails (the
        interpreter's NoRow: a lookup without a row stops scoring)."""
        must_find = table.default is None
        values = [Fr(row.value) for row in table.rows] + [Fr(table.default) if table.default is not None else ZERO]
        scale = max(places_of(row.value) for row in table.rows) if table.rows else 0
        if table.default is not None:
            scale = max(scale, places_of(table.default))
        units = [int(v * 10 ** scale) for v in values]
        lo, hi = min(values), max(values)
        self.check(lo, hi, scale, f"the table {table.name or ''}".rstrip())
        if isinstance(key, Sym):
            return self._table_members(key, table, units, scale, lo, hi, must_find)
        if isinstance(key, Num):
            return self._table_numbers(key, table, units, scale, lo, hi, must_find)
        raise self.unsupported("a lookup keyed by a value that is neither a number nor an enum", span)

    def _table_members(self, key: Sym, table: ir.Table, units, scale, lo, hi, must_find) -> Num:
        if any(row.member is None for row in table.rows):
            raise self.unsupported("a lookup mixing bands with members")
        codes = [self.vocab.code(row.member) for row in table.rows]
        size = len(self.vocab.names)
        lut = np.full(size + 1, units[-1], dtype=np.int64)
        found = np.zeros(size + 1, dtype=bool)
        for code, value in reversed(list(zip(codes, units))):
            lut[code], found[code] = value, True
        fk = key.fn
        if key.const is not None:
            index = min(key.const, size)
            if must_find and not found[index]:
                return Num(_fail_all, scale, lo, hi, None, True)
            value = int(lut[index])
            return Num(_const_fn(value), scale, Fr(value, 10 ** scale), Fr(value, 10 ** scale), value, key.fallible)

        def fn(c, m):
            index = np.minimum(fk(c, m), size)
            if must_find:
                missing = ~found.take(index)
                if missing.any():
                    c.fail(missing, m)
            return lut.take(index)

        return Num(fn, scale, lo, hi, None, must_find or key.fallible)

    def _table_numbers(self, key: Num, table: ir.Table, units, scale, lo, hi, must_find) -> Num:
        bands = [(i, Fr(row.low), Fr(row.high)) for i, row in enumerate(table.rows) if row.member is None]
        default = units[-1]
        fk = key.fn
        if key.scale == 0 and key.hi - key.lo <= LUT_DOMAIN:  # whole-number keys: a table over the domain
            first, last = math.floor(key.lo), math.ceil(key.hi)
            lut = np.full(last - first + 1, default, dtype=np.int64)
            found = np.zeros(last - first + 1, dtype=bool)
            for offset in range(last - first + 1):
                k = first + offset
                for i, low, high in bands:
                    if low <= k <= high:
                        lut[offset], found[offset] = units[i], True
                        break

            def fn(c, m):
                index = fk(c, m) - first
                if must_find:
                    missing = ~found.take(index)
                    if missing.any():
                        c.fail(missing, m)
                return lut.take(index)

            if key.column is not None and first >= 0:  # index the stored column itself
                name = key.column
                lut = np.concatenate([np.full(first, default, dtype=np.int64), lut])
                found = np.concatenate([np.zeros(first, dtype=bool), found])

                def fn(c, m):  # noqa: F811 - the faster form of the same lookup
                    index = c.col(name)
                    if must_find:
                        missing = ~found.take(index)
                        if missing.any():
                            c.fail(missing, m)
                    return lut.take(index)

            if key.const is not None:
                index = key.const - first
                if must_find and not found[index]:
                    return Num(_fail_all, scale, lo, hi, None, True)
                value = int(lut[index])
                return Num(_const_fn(value), scale, Fr(value, 10 ** scale), Fr(value, 10 ** scale), value)
            return Num(fn, scale, lo, hi, None, must_find or key.fallible)
        conds = []
        for i, low, high in bands:
            row_scale = max(key.scale, places_of(low), places_of(high))
            k = self.align(key, row_scale, "a lookup key")
            conds.append((i, int(low * 10 ** row_scale), int(high * 10 ** row_scale), k.fn, 10 ** (row_scale - key.scale)))

        def fn(c, m):
            raw = fk(c, m)
            matches, choices = [], []
            for i, low, high, _, factor in conds:
                x = raw * factor if factor != 1 else raw
                matches.append((x >= low) & (x <= high))
                choices.append(units[i])
            if not matches:
                result = np.full(c.n, default, dtype=np.int64)
                if must_find:
                    c.fail(np.ones(c.n, dtype=bool), m)
                return result
            if must_find:
                missing = ~np.logical_or.reduce(matches)
                if missing.any():
                    c.fail(missing, m)
            return np.select(matches, choices, default)

        return Num(fn, scale, lo, hi, None, must_find or key.fallible)

    # ---- ledgers -------------------------------------------------------------------------------
    def _ledger_layout(self, fact, span) -> FactLayout:
        layout = self.layouts[fact.name]
        if self.entry is not None:
            raise self.unsupported("a ledger read inside a ledger filter", span)
        if layout.kind is not Kind.LEDGER:
            raise self.unsupported(f"`{fact.name}` as a ledger", span)
        return layout

    def _in_entries(self, layout: FactLayout, build):
        outer, self.entry = self.entry, layout
        try:
            return build()
        finally:
            self.entry = outer

    def _entry_count(self, fact_layout: FactLayout, where: ir.Expr | None, span) -> Num:
        layout = self._ledger_layout(fact_layout.decl, span)
        name = layout.name
        if where is None:
            return Num(lambda c, m: np.diff(c.ledger(name).offsets), 0, ZERO, Fr(ENTRY_LIMIT))
        keep = self._in_entries(layout, lambda: self.cond(where))
        fk = keep.fn
        from assessc.backends.batch.columns import EntryChunk

        def fn(c, m):
            ledger = c.ledger(name)
            entries = EntryChunk(c, ledger)
            mask = None if m is None else m[ledger.owner]
            kept = _broadcast(fk(entries, mask), entries.n).astype(np.int64)
            return K.segment_sums(kept, ledger.offsets)

        return Num(fn, 0, ZERO, Fr(ENTRY_LIMIT), None, keep.fallible)

    def ledger_sum(self, body: ir.LedgerSum, span) -> Num:
        layout = self._ledger_layout(body.ledger, span)
        name = layout.name

        def build():
            field = self.expr(ir.FieldRef(body.ledger.type.field(body.field), _field_type(layout, body.field)))
            if isinstance(body.table, ir.Matrix):
                column = self.expr(ir.FieldRef(body.ledger.type.field(body.column_field),
                                               _field_type(layout, body.column_field)))
                points = self._matrix(field, column, body.table)
            else:
                points = self.table(field, body.table, span)
            keep = self.cond(body.where) if body.where is not None else None
            group = None
            if body.group is not None:
                group = self.expr(ir.FieldRef(body.ledger.type.field(body.group), _field_type(layout, body.group)))
            return points, keep, group

        points, keep, group = self._in_entries(layout, build)
        plo, phi = points.lo, points.hi
        lo, hi = min(ZERO, plo) * ENTRY_LIMIT, max(ZERO, phi) * ENTRY_LIMIT
        self.check(lo, hi, points.scale, "a ledger sum")
        fp = points.fn
        fw = keep.fn if keep is not None else None
        fg = group.fn if group is not None else None
        from assessc.backends.batch.columns import EntryChunk

        def fn(c, m):
            ledger = c.ledger(name)
            entries = EntryChunk(c, ledger)
            mask = None if m is None else m[ledger.owner]
            owner = ledger.owner
            if fw is not None:  # the points of the entries kept only: another entry's missing row is no error
                kept = _broadcast(fw(entries, mask), entries.n).astype(bool)
                pts = _broadcast(fp(entries, kept if mask is None else mask & kept), entries.n)
                if fg is None:
                    pts = np.where(kept, pts, 0)
            else:
                pts = _broadcast(fp(entries, mask), entries.n)
            if fg is None:
                return K.segment_sums(pts, ledger.offsets)
            groups = _broadcast(fg(entries, mask), entries.n)
            if fw is not None:
                pts, owner, groups = pts[kept], owner[kept], groups[kept]
            if len(pts) == 0:
                return np.zeros(c.n, dtype=np.int64)
            order = np.lexsort((groups, owner))
            pts, owner, groups = pts[order], owner[order], groups[order]
            starts = np.flatnonzero(np.concatenate(([True], (owner[1:] != owner[:-1]) | (groups[1:] != groups[:-1]))))
            best = np.maximum.reduceat(pts, starts)
            group_owner = owner[starts]
            offsets = np.searchsorted(group_owner, np.arange(c.n + 1), side="left")
            return K.segment_sums(best, offsets)

        return Num(fn, points.scale, lo, hi, None, points.fallible or (keep is not None and keep.fallible))

    def _matrix(self, row: Sym, column: Sym, matrix: ir.Matrix) -> Num:
        if not isinstance(row, Sym) or not isinstance(column, Sym):
            raise self.unsupported("a points matrix over fields that are not enums")
        scale = max([places_of(v) for r in matrix.rows for v in r.values] + [0])
        for r in matrix.rows:
            self.vocab.code(r.member)
        for col in matrix.columns:
            self.vocab.code(col)
        size = len(self.vocab.names)
        lut = np.zeros((size + 1, size + 1), dtype=np.int64)
        found = np.zeros((size + 1, size + 1), dtype=bool)  # a pair without a cell stops scoring
        values = [ZERO]
        for r in reversed(matrix.rows):  # the first row of a member wins, as Matrix.get does
            for col in matrix.columns:
                value = matrix.get(r.member, col)
                if value is not None:
                    cell = self.vocab.code(r.member), self.vocab.code(col)
                    lut[cell], found[cell] = int(Fr(value) * 10 ** scale), True
                    values.append(Fr(value))
        fr, fc = row.fn, column.fn

        def fn(c, m):
            rows, columns = np.minimum(fr(c, m), size), np.minimum(fc(c, m), size)
            missing = ~found[rows, columns]
            if missing.any():
                c.fail(missing, m)
            return lut[rows, columns]

        return Num(fn, scale, min(values), max(values), None, True)

    # ---- terms ------------------------------------------------------------------------------
    def body(self, body: ir.TermBody, what: str) -> Num:
        if isinstance(body, ir.Value):
            return self.number(body.expr)
        if isinstance(body, ir.Per):
            return self.mul(self.number(body.amount), self.number(body.count), what)
        if isinstance(body, ir.Steps):
            return self.steps(body, what)
        if isinstance(body, ir.Lookup):
            return self.table(self.expr(body.key), body.table)
        if isinstance(body, ir.LedgerSum):
            return self.ledger_sum(body, None)
        raise self.unsupported(f"the rule form {type(body).__name__}")

    def steps(self, body: ir.Steps, what: str) -> Num:
        amount, step = self.number(body.amount), self.number(body.step)
        threshold, value = self.number(body.threshold), self.number(body.value)
        gap = self.add(threshold, value, what, -1) if body.direction == "below" else self.add(value, threshold, what, -1)
        positive = self.compare(">", gap, self.const(0), what)
        if positive.const is False:
            return self.const(0)
        if body.partial == "proportional" and step.const:
            # max(gap, 0) / step × amount is 0 where the gap is not positive: one
            # pass fewer than choosing between two arrays, and the factors fold
            count = self.div(self.clamp(gap, Decimal(0), None, what), step, what)
            return self.mul(count, amount, what)
        if body.partial == "proportional":
            count = self.div(attrs.evolve(gap, lo=max(gap.lo, ZERO)), step, what)
        else:
            count = self._whole_steps(gap, step, body.partial == "started", what)
        return self.where(positive, self.mul(count, amount, what))

    def _whole_steps(self, gap: Num, step: Num, started: bool, what: str) -> Num:
        s = max(gap.scale, step.scale)
        g, st = self.align(gap, s, what), self.align(step, s, what)
        glo, ghi = max(gap.lo, ZERO), max(gap.hi, ZERO)
        rounder = math.ceil if started else math.floor
        if st.const is not None and st.const != 0:
            ends = [rounder(glo / step.lo), rounder(ghi / step.lo)]
            lo, hi = Fr(min(ends)), Fr(max(ends))
        else:
            bound = max(abs(glo), abs(ghi)) * 10 ** step.scale + 1
            lo, hi = -bound, bound
        self.check(lo, hi, 0, what)
        fg, fs = g.fn, st.fn

        def fn(c, m):
            x, y = fg(c, m), fs(c, m)
            if isinstance(y, np.ndarray) or y == 0:
                y = _broadcast(y, c.n)
                bad = (y == 0) & (_broadcast(x, c.n) > 0)
                if bad.any():
                    c.fail(bad, m)
                zero = y == 0
                y = np.where(zero, 1, y)
                q = -((-x) // y) if started else x // y
                return np.where(zero, 0, q)
            return -((-x) // y) if started else x // y

        return Num(fn, 0, lo, hi, None, st.const is None or st.const == 0 or g.fallible)


def _fail_all(c, m):
    c.fail(np.ones(c.n, dtype=bool), m)
    return np.zeros(c.n, dtype=np.int64)


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


def _field_type(layout: FactLayout, name: str) -> ExprType:
    kind = layout.fields[name].kind
    if kind in NUMERIC_KINDS:
        return ExprType.NUMBER
    return {Kind.BOOL: ExprType.BOOL, Kind.ENUM: ExprType.ENUM, Kind.TEXT: ExprType.TEXT,
            Kind.DATE: ExprType.DATE}.get(kind, ExprType.TEXT)


def _text(e) -> str:
    span = getattr(e, "span", None)
    if span is not None:
        try:
            text = " ".join(span.text().split())
        except Exception:  # noqa: BLE001 - a span into a file that is gone
            text = ""
        if text:
            return text
    return type(e).__name__


@functools.lru_cache(maxsize=8)
def _workday_table(calendar):
    """(first ordinal, cumulative working days, cumulative uncovered days or None) over the
    calendar's years: ``cum[i]`` working days in first..first+i; ``gaps[k]`` days before
    first+k in a year no schedule covers (None when the covered years have no gap)."""
    years = calendar.years()
    first = datetime.date(years[0], 1, 1).toordinal()
    last = datetime.date(years[-1], 12, 31).toordinal()
    ordinals = np.arange(first, last + 1, dtype=np.int64)
    flags = ((ordinals - 1) % 7 < 5).astype(np.int64)  # Monday..Friday (ordinal 1, 0001-01-01, is a Monday)
    off, on = calendar.adjustments()
    flags[np.array([d.toordinal() for d in off], dtype=np.int64) - first] = 0
    flags[np.array([d.toordinal() for d in on], dtype=np.int64) - first] = 1
    gaps = None
    missing = sorted(set(range(years[0], years[-1] + 1)) - set(years))
    if missing:
        uncovered = np.zeros(len(ordinals), dtype=np.int64)
        for year in missing:
            lo, hi = datetime.date(year, 1, 1).toordinal() - first, datetime.date(year, 12, 31).toordinal() - first
            uncovered[lo:hi + 1] = 1
        flags[uncovered == 1] = 0
        gaps = np.concatenate([[0], np.cumsum(uncovered)])
    return first, np.cumsum(flags), gaps


def _policy_constants(policy: ir.Policy):
    """Every decimal the policy writes: in expressions, tables, maxima, weights."""
    from assessc.ir.walk import body_exprs, subexpressions

    def exprs_consts(expr):
        if expr is None:
            return
        for sub in subexpressions(expr):
            if isinstance(sub, ir.Const) and isinstance(sub.value, Decimal):
                yield sub.value
            if isinstance(sub, ir.LookupValue):
                yield from table_consts(sub.table)
            if isinstance(sub, ir.LedgerValue):
                yield from body_consts(sub.body)

    def table_consts(table):
        if isinstance(table, ir.Matrix):
            for row in table.rows:
                yield from row.values
            return
        for row in table.rows:
            yield row.value
            if row.low is not None:
                yield row.low
                yield row.high
        if table.default is not None:
            yield table.default

    def body_consts(body):
        for expr in body_exprs(body):
            yield from exprs_consts(expr)
        if isinstance(body, (ir.Lookup, ir.LedgerSum)):
            yield from table_consts(body.table)
        if isinstance(body, ir.LedgerSum):
            yield from exprs_consts(body.where)

    if policy.max is not None:
        yield policy.max
    yield from exprs_consts(policy.coefficient)
    for veto in policy.vetoes:
        yield from exprs_consts(veto.condition)
    for node in policy.all_nodes():
        for value in (node.max, node.floor):
            if value is not None:
                yield value
        for expr in (node.start, node.applies, node.coefficient, *(z.condition for z in node.zero_if)):
            yield from exprs_consts(expr)
        if node.weight is not None:
            yield from body_consts(node.weight)
        for term in node.terms:
            yield from body_consts(term.body)
            yield from exprs_consts(term.condition)
