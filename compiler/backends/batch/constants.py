"""The policy's base scale: the most decimal places of the numbers it writes (in expressions,
tables, maxima, floors, weights, rounding) and of the facts' layouts. A division whose result is
not a finite decimal at a known scale is computed at this scale and checked (:mod:`.arith`).

The numbers are read off the program's operations (:mod:`assessc.core.ops`), not the item tree:
each operation class lists what it writes in :data:`_WRITES`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator

from assessc.backends.batch.layout import FactLayout, places_of
from assessc.core import ops
from assessc.core.lower import body as body_of
from assessc.ir import nodes as ir
from assessc.ir.walk import subexpressions


def base_scale(program: ops.Program, layouts: dict[str, FactLayout]) -> int:
    places = [layout.places for layout in layouts.values()]
    places += [sub.places for layout in layouts.values() for sub in layout.fields.values()]
    places += program_places(program)
    return max(places, default=0)


def program_places(program: ops.Program) -> Iterator[int]:
    """The decimal places of every number the program writes, and of its rounding."""
    for applies in program.applies:
        yield from _expr(applies.condition)
    for step in program.steps:
        yield from _of(step)


def _of(operation) -> Iterator[int]:
    return _WRITES[operation.__class__](operation)


def _expr(expr: ir.Expr | None) -> Iterator[int]:
    if expr is None:
        return
    for sub in subexpressions(expr):
        if isinstance(sub, ir.Const) and isinstance(sub.value, Decimal):
            yield places_of(sub.value)
        if isinstance(sub, ir.LookupValue):
            yield from _table(sub.table)
        if isinstance(sub, ir.LedgerValue):
            yield from _of(body_of(sub.body))


def _table(table: "ir.Table | ir.Matrix") -> Iterator[int]:
    if isinstance(table, ir.Matrix):
        for row in table.rows:
            yield from map(places_of, row.values)
        return
    for row in table.rows:
        yield places_of(row.value)
        if row.low is not None:
            yield places_of(row.low)
            yield places_of(row.high)
    if table.default is not None:
        yield places_of(table.default)


def _numbers(*values) -> Iterator[int]:
    return (places_of(value) for value in values if value is not None)


def _item(step: "ops.ItemStep | ops.TotalStep") -> Iterator[int]:
    yield from _numbers(step.max)
    for op in step.ops:
        yield from _of(op)


def _sum(op: ops.Sum) -> Iterator[int]:
    yield from _expr(op.start)
    for child in op.children:
        yield from _numbers(child.max)
        yield from _expr(child.applies)
        if child.weight is not None:
            yield from _of(child.weight)


_WRITES = {
    # steps
    ops.TermStep: lambda step: (*_expr(step.condition), *_of(step.body)),
    ops.ItemStep: _item,
    ops.VetoStep: lambda step: _expr(step.condition),
    ops.TotalStep: _item,
    # operations of an item or the total
    ops.Sum: _sum,
    ops.ZeroIf: lambda op: _expr(op.condition),
    ops.Scale: lambda op: _expr(op.factor),
    ops.Round: lambda op: (op.places,),  # rounding to tens is -1
    ops.Clamp: lambda op: _numbers(op.floor, op.cap),
    ops.Veto: lambda op: (),
    # term bodies
    ops.Value: lambda body: _expr(body.expr),
    ops.Per: lambda body: (*_expr(body.amount), *_expr(body.count)),
    ops.Steps: lambda body: (*_expr(body.amount), *_expr(body.step), *_expr(body.threshold), *_expr(body.value)),
    ops.Lookup: lambda body: (*_expr(body.key), *_table(body.table)),
    ops.HighestPer: lambda body: (*_table(body.table), *_expr(body.where)),
}
