"""Term bodies (:data:`assessc.core.ops.Body`) compiled: the amount of one ``add``/``deduct``, or
of a weight, before its sign. :data:`BODIES` maps each body operation to the function compiling
it, as :data:`assessc.core.exact.BODIES` computes it for one entity.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction as Fr

import attrs
import numpy as np

from assessc.backends.batch import ledgers, lookups
from assessc.backends.batch.exprs import Compiler
from assessc.backends.batch.values import ZERO, Num, broadcast
from assessc.core import ops


def body(comp: Compiler, body: ops.Body, what: str) -> Num:
    """The compiled amount of ``body`` (``what`` names it in an overflow)."""
    compile_body = BODIES.get(body.__class__)
    if compile_body is None:  # pragma: no cover - every body of the core has its function
        raise comp.unsupported(f"the rule form {type(body).__name__}")
    return compile_body(comp, body, what)


def _value(comp: Compiler, body: ops.Value, what: str) -> Num:
    return comp.number(body.expr)


def _per(comp: Compiler, body: ops.Per, what: str) -> Num:
    return comp.mul(comp.number(body.amount), comp.number(body.count), what)


def _lookup(comp: Compiler, body: ops.Lookup, what: str) -> Num:
    return lookups.table(comp, comp.expr(body.key), body.table)


def _highest_per(comp: Compiler, body: ops.HighestPer, what: str) -> Num:
    return ledgers.highest_per(comp, body, None)


def _steps(comp: Compiler, body: ops.Steps, what: str) -> Num:
    amount, step = comp.number(body.amount), comp.number(body.step)
    threshold, value = comp.number(body.threshold), comp.number(body.value)
    gap = comp.add(threshold, value, what, -1) if body.below else comp.add(value, threshold, what, -1)
    positive = comp.compare(">", gap, comp.const(0), what)
    if positive.const is False:
        return comp.const(0)
    if body.partial == "proportional" and step.const:
        # max(gap, 0) / step × amount is 0 where the gap is not positive: one
        # pass fewer than choosing between two arrays, and the factors fold
        count = comp.div(comp.clamp(gap, Decimal(0), None, what), step, what)
        return comp.mul(count, amount, what)
    if body.partial == "proportional":
        count = comp.div(attrs.evolve(gap, lo=max(gap.lo, ZERO)), step, what)
    else:
        count = _whole_steps(comp, gap, step, body.partial == "started", what)
    return comp.where(positive, comp.mul(count, amount, what))


def _whole_steps(comp: Compiler, gap: Num, step: Num, started: bool, what: str) -> Num:
    s = max(gap.scale, step.scale)
    g, st = comp.align(gap, s, what), comp.align(step, s, what)
    glo, ghi = max(gap.lo, ZERO), max(gap.hi, ZERO)
    rounder = math.ceil if started else math.floor
    if st.const is not None and st.const != 0:
        ends = [rounder(glo / step.lo), rounder(ghi / step.lo)]
        lo, hi = Fr(min(ends)), Fr(max(ends))
    else:
        bound = max(abs(glo), abs(ghi)) * 10 ** step.scale + 1
        lo, hi = -bound, bound
    comp.check(lo, hi, 0, what)
    fg, fs = g.fn, st.fn

    def fn(c, m):
        x, y = fg(c, m), fs(c, m)
        if isinstance(y, np.ndarray) or y == 0:
            y = broadcast(y, c.n)
            bad = (y == 0) & (broadcast(x, c.n) > 0)
            if bad.any():
                c.fail(bad, m)
            zero = y == 0
            y = np.where(zero, 1, y)
            q = -((-x) // y) if started else x // y
            return np.where(zero, 0, q)
        return -((-x) // y) if started else x // y

    return Num(fn, 0, lo, hi, None, st.const is None or st.const == 0 or g.fallible)


BODIES = {ops.Value: _value, ops.Per: _per, ops.Steps: _steps, ops.Lookup: _lookup, ops.HighestPer: _highest_per}
