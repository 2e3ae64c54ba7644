"""An item step or the total step as columns of the query: its operations
(:mod:`assessc.core.ops`), in the order the program gives them, each compiled by the function
:data:`OPERATIONS` gives its class over a running value (:class:`_Run`); adding an operation is
adding one function here.

The run decides which values become columns of a stage, so that what several expressions read is
computed once: an item's terms (``_t``), its sum (``_s``: NULL where the item does not apply), its
value scaled and rounded (``_u``) and its final value (``_i``); the total's items before the
policy's max (``_m``), the total before vetoes and rounding (``_p``) and after vetoes (``_q``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import attrs
from sqlglot import exp

from assessc.backends.sql.trees import PRECISION, _case, _col, _ident
from assessc.backends.sql.values import (NUM, _X, _ZERO, _any_null, _clamp, _mul, _null_num, _num, _pick, _sum,
                                         _typed, _when, _zero_of)
from assessc.core import ops
from assessc.runtime.decimals import CONTEXT

if TYPE_CHECKING:
    from assessc.backends.sql.query import _Query


@attrs.define
class _Column:
    name: str
    value: _X

    def select(self) -> exp.Expression:
        v = self.value  # a number of known type is stored as it is (a narrow one stays narrow)
        sql = _typed(v, v.scale) if v.kind == NUM and v.width is None else v.sql
        return exp.alias_(sql, _ident(self.name))

    def ref(self) -> _X:
        v = self.value  # stored as select() stores it: its own type, or DECIMAL(38, scale)
        width = (v.width or PRECISION) if v.kind == NUM else None
        return _X(_col(self.name), v.kind, v.scale, v.nullable, v.const, width, v.integer, low=v.low, high=v.high)


@attrs.define
class _Level:
    """The columns of the items of one height, by stage: terms, sums, scaled values, final values."""

    terms: list[_Column] = attrs.Factory(list)
    sums: list[_Column] = attrs.Factory(list)
    scaled: list[_Column] = attrs.Factory(list)
    finals: list[_Column] = attrs.Factory(list)


class _Run:
    """A step's value while its operations are compiled. ``value`` None is the 0 it starts at;
    ``changed``: the value was scaled or rounded since it was last a column."""

    def __init__(self, query: "_Query", step):
        self.q, self.c, self.step = query, query.c, step
        self.value: _X | None = None
        self.changed = False

    def run(self) -> _X:
        for op in self.step.ops:
            OPERATIONS[op.__class__](self, op)
        return self.finish()

    def kept(self, name: str, stage: list[_Column]) -> None:
        """The value becomes the column ``name`` of ``stage``."""
        column = _Column(name, self.value)
        stage.append(column)
        self.value, self.changed = column.ref(), False

    # what an item and the total do at these points of their operations (only an item has terms
    # and `zero if`): where its values become columns
    def summed(self) -> None:
        pass

    def before_clamp(self) -> None:
        pass

    def settle(self) -> None:  # before a veto or a rounding
        pass


class _ItemRun(_Run):
    def __init__(self, query: "_Query", step: ops.ItemStep, k: int, level: _Level):
        super().__init__(query, step)
        self.k, self.level = k, level
        self.active = query.active[step.id]
        self.zeros: list[tuple[ops.ZeroIf, _X]] = []  # each `zero if` with the 0 it leaves

    def term(self, step: ops.TermStep, number: int) -> _X:
        column = _Column(f"_t{self.k}_{number}", self.c.term(step))
        self.level.terms.append(column)
        return self.c.round(column.ref()) if step.round is not None else column.ref()

    def summed(self) -> None:
        raw, active = self.value, self.active
        if active is not None:  # NULL where the item does not apply (never read there)
            self.value = _X(_case([(active.sql, raw.sql if raw.width else _typed(raw, raw.scale))], None),
                            NUM, raw.scale, raw.nullable or active.nullable, None, raw.width or PRECISION,
                            raw.integer and bool(raw.width))
        self.kept(f"_s{self.k}", self.level.sums)

    def before_clamp(self) -> None:
        if self.changed:
            self.kept(f"_u{self.k}", self.level.scaled)

    def zero_if(self, op: ops.ZeroIf) -> None:
        self.zeros.append((op, _zero_of(self.value)))

    def finish(self) -> _X:
        """The final value: where a `zero if` holds, the 0 it leaves, tested before what the
        operations after it compute (so its condition is compiled here, after theirs); 0 where
        the item does not apply."""
        c = self.c
        self.before_clamp()
        v = self.value
        if self.zeros:
            whens: list[tuple[exp.Expression, _X]] = []
            for op, zero in self.zeros:
                condition = c.expr(op.condition, c.entity)
                whens.append((condition.sql, zero))
                if condition.nullable:
                    whens.append((condition.sql.is_(exp.Null()), _null_num()))
            v = _pick(whens, v)
        if self.active is not None:
            v = _when(self.active, v, _num(_ZERO))
        column = _Column(f"_i{self.k}", v)
        self.level.finals.append(column)
        return column.ref()


class _TotalRun(_Run):
    def __init__(self, query: "_Query", step: ops.TotalStep):
        super().__init__(query, step)
        self.before = False  # the total before vetoes and rounding is a column

    def before_clamp(self) -> None:  # the items' sum, which the policy's max bounds
        self.staged("_m", "_main")

    def staged(self, name: str, stage: str) -> None:
        columns: list[_Column] = []
        self.kept(name, columns)
        self.q.stages.append((stage, columns))

    def settle(self) -> None:
        if not self.before:
            self.before = True
            self.staged("_p", "_tot")

    def finish(self) -> _X:
        self.settle()
        return self.value


# ---- operations: each updates the run's value ---------------------------------------------------


def _add(run: _Run, op: ops.Sum) -> None:
    """The value so far, the start, the terms, then each child as it counts in its parent."""
    c = run.c
    parts = [run.value] if run.value is not None else []
    if op.start is not None:
        parts.append(c.expr(op.start, c.entity))
    parts += [run.term(run.q.program.by_id[term], number) for number, term in enumerate(op.terms, start=1)]
    parts += [run.q.child_line(child) for child in op.children]
    run.value = _sum(parts)
    run.changed = True
    run.summed()


def _zero(run: _Run, op: ops.ZeroIf) -> None:
    run.zero_if(op)


def _scale(run: _Run, op: ops.Scale) -> None:
    run.value = _mul(run.value, run.c.expr(op.factor, run.c.entity))
    run.changed = True


def _round(run: _Run, op: ops.Round) -> None:
    run.settle()
    run.value = run.c.round(run.value)
    run.changed = True


def _bound(run: _Run, op: ops.Clamp) -> None:
    """The floor, then the cap (a penalty's: −max, in the exact context)."""
    run.before_clamp()
    v = run.value
    if op.floor is not None:
        v = _clamp(v, op.floor, upper=False)
    if op.cap is not None:
        v = _clamp(v, CONTEXT.minus(op.cap), upper=False) if op.deduction else _clamp(v, op.cap, upper=True)
    run.value, run.changed = v, False


def _veto(run: _Run, op: ops.Veto) -> None:
    """0 where any veto holds; NULL where any cannot be decided (every veto is decided; an error
    in any is an error)."""
    c = run.c
    run.settle()
    total = run.value
    conditions = [c.expr(run.q.program.by_id[veto].condition, c.entity) for veto in op.vetoes]
    held = conditions[0].sql
    for condition in conditions[1:]:
        held = exp.or_(held, condition.sql)
    whens = []
    failing = [condition for condition in conditions if condition.nullable]
    if failing:
        whens.append((_any_null(failing), _null_num()))
    whens.append((held, _zero_of(total)))
    run.value = _pick(whens, total, nullable=bool(failing) or total.nullable)
    run.staged("_q", "_veto")


#: each operation as SQL: ``(run, operation) -> None``
OPERATIONS: dict[type, Callable[[_Run, object], None]] = {
    ops.Sum: _add, ops.ZeroIf: _zero, ops.Scale: _scale, ops.Round: _round, ops.Clamp: _bound, ops.Veto: _veto,
}
