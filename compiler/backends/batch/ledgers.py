"""Ledger reads compiled: ``count L where C`` and the points of a ledger's entries
(:class:`assessc.core.ops.HighestPer`: each entry's points from a table or a matrix; with a
group, only the highest of each group counts), summed per entity with segment sums over the
entries of a chunk (:class:`~.columns.EntryChunk`). An entity holds at most
:data:`~.layout.ENTRY_LIMIT` entries, which bounds the sums.
"""

from __future__ import annotations

from fractions import Fraction as Fr

import numpy as np

from assessc.backends.batch import kernels as K
from assessc.backends.batch import lookups
from assessc.backends.batch.columns import EntryChunk
from assessc.backends.batch.layout import ENTRY_LIMIT, FactLayout
from assessc.backends.batch.values import ZERO, Num, broadcast
from assessc.core import ops
from assessc.ir import nodes as ir
from assessc.ir.types import NUMERIC_KINDS, ExprType, Kind


def _ledger_layout(comp, fact, span) -> FactLayout:
    layout = comp.layouts[fact.name]
    if comp.entry is not None:
        raise comp.unsupported("a ledger read inside a ledger filter", span)
    if layout.kind is not Kind.LEDGER:
        raise comp.unsupported(f"`{fact.name}` as a ledger", span)
    return layout


def _in_entries(comp, layout: FactLayout, build):
    outer, comp.entry = comp.entry, layout
    try:
        return build()
    finally:
        comp.entry = outer


def entry_count(comp, fact_layout: FactLayout, where: ir.Expr | None, span) -> Num:
    layout = _ledger_layout(comp, fact_layout.decl, span)
    name = layout.name
    if where is None:
        return Num(lambda c, m: np.diff(c.ledger(name).offsets), 0, ZERO, Fr(ENTRY_LIMIT))
    keep = _in_entries(comp, layout, lambda: comp.cond(where))
    fk = keep.fn

    def fn(c, m):
        ledger = c.ledger(name)
        entries = EntryChunk(c, ledger)
        mask = None if m is None else m[ledger.owner]
        kept = broadcast(fk(entries, mask), entries.n).astype(np.int64)
        return K.segment_sums(kept, ledger.offsets)

    return Num(fn, 0, ZERO, Fr(ENTRY_LIMIT), None, keep.fallible)


def highest_per(comp, body: ops.HighestPer, span) -> Num:
    layout = _ledger_layout(comp, body.ledger, span)
    name = layout.name

    def build():
        field = comp.expr(ir.FieldRef(body.ledger.type.field(body.field), _field_type(layout, body.field)))
        if isinstance(body.table, ir.Matrix):
            column = comp.expr(ir.FieldRef(body.ledger.type.field(body.column_field),
                                           _field_type(layout, body.column_field)))
            points = lookups.matrix(comp, field, column, body.table)
        else:
            points = lookups.table(comp, field, body.table, span)
        keep = comp.cond(body.where) if body.where is not None else None
        group = None
        if body.group is not None:
            group = comp.expr(ir.FieldRef(body.ledger.type.field(body.group), _field_type(layout, body.group)))
        return points, keep, group

    points, keep, group = _in_entries(comp, layout, build)
    plo, phi = points.lo, points.hi
    lo, hi = min(ZERO, plo) * ENTRY_LIMIT, max(ZERO, phi) * ENTRY_LIMIT
    comp.check(lo, hi, points.scale, "a ledger sum")
    fp = points.fn
    fw = keep.fn if keep is not None else None
    fg = group.fn if group is not None else None

    def fn(c, m):
        ledger = c.ledger(name)
        entries = EntryChunk(c, ledger)
        mask = None if m is None else m[ledger.owner]
        owner = ledger.owner
        if fw is not None:  # the points of the entries kept only: another entry's missing row is no error
            kept = broadcast(fw(entries, mask), entries.n).astype(bool)
            pts = broadcast(fp(entries, kept if mask is None else mask & kept), entries.n)
            if fg is None:
                pts = np.where(kept, pts, 0)
        else:
            pts = broadcast(fp(entries, mask), entries.n)
        if fg is None:
            return K.segment_sums(pts, ledger.offsets)
        groups = broadcast(fg(entries, mask), entries.n)
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


def _field_type(layout: FactLayout, name: str) -> ExprType:
    kind = layout.fields[name].kind
    if kind in NUMERIC_KINDS:
        return ExprType.NUMBER
    return {Kind.BOOL: ExprType.BOOL, Kind.ENUM: ExprType.ENUM, Kind.TEXT: ExprType.TEXT,
            Kind.DATE: ExprType.DATE}.get(kind, ExprType.TEXT)
