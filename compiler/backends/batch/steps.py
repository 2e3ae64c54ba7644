"""The program's steps (:mod:`assessc.core.ops`) compiled into functions of a chunk of rows.

As the interpreter (:mod:`assessc.backends.interp`) does per entity, each step and each operation
has its function here: :data:`STEPS` maps a step class to the function compiling it, and
:data:`OPERATIONS` an item's (or the total's) operation class to the function compiling it over
the running value, in the order the operations give. Term bodies are compiled by
:mod:`.bodies`, expressions by :mod:`.exprs`.

An item's value is computed by a *runner* (:func:`_item_runner`) that scores it once per chunk,
where it applies: its :class:`~ops.Sum` is computed and stored; each ``zero if`` is then
decided where no earlier one held, and the operations after it (coefficient, rounding, floor,
cap) run on the stored value only where none held; the item is 0 where one held or where it
does not apply. Steps are compiled when a step reading them needs them: an item's children
before its operations, a term when its item's sum adds it, the total's items and vetoes before
its operations.
"""

from __future__ import annotations

from fractions import Fraction as Fr

import numpy as np

from assessc.backends.batch import bodies
from assessc.backends.batch.exprs import Compiler
from assessc.backends.batch.values import Cond, Num, and_mask
from assessc.core import ops


class ItemProgram:
    """An item compiled: whether it applies (``applies``, with its ancestors': ``may_be_off``),
    its value (``num``, from its runner) and the scale its sum adds up at."""

    __slots__ = ("step", "applies", "may_be_off", "num", "sum_scale")

    def __init__(self, step: ops.ItemStep):
        self.step = step
        self.applies: Cond | None = None
        self.may_be_off = False
        self.num: Num | None = None
        self.sum_scale = 0


class _Running:
    """The value an item's (or the total's) operations are building, as they are compiled."""

    __slots__ = ("item", "site", "what", "value", "stored", "pending", "segments", "zeros")

    def __init__(self, item: ItemProgram | None, site: str, what: str):
        self.item, self.site, self.what = item, site, what
        self.value: Num | None = None  # the running value
        self.stored: Num | None = None  # an item's sum, stored for the operations after it
        self.pending = False  # operations since the value was stored
        self.segments: list[tuple[bool, Num | Cond]] = []  # (is a zero if, what it computes), after the sum
        self.zeros: list[Cond] = []


class CompiledSteps:
    """Every step of ``program`` compiled with ``comp``. ``targets``: the scale to compute each
    unweighted child's sum at (its parent's, found by a first compilation), so that the factor
    bringing it there folds into its constants instead of multiplying every row."""

    def __init__(self, program: ops.Program, comp: Compiler, targets: dict[str, int] | None = None):
        self.program = program
        self.comp = comp
        self.targets = targets or {}
        self.items: dict[str, ItemProgram] = {}  # in the order they are compiled: parents first
        self._compiled: dict[str, object] = {}
        self._applies = {applies.item: applies for applies in program.applies}
        self.vetoes: list[ops.VetoStep] = []  # in the order the total's veto bits are numbered
        total = next(step for step in program.steps if isinstance(step, ops.TotalStep))
        self.total: Num = self.step(total.id)

    def step(self, step_id: str, parent_off: bool = False):
        """The compiled step (compiled when first needed): a term's or an item's :class:`Num`, a
        veto's :class:`Cond`."""
        found = self._compiled.get(step_id)
        if found is None:
            step = self.program.by_id[step_id]
            found = self._compiled[step_id] = STEPS[step.__class__](self, step, parent_off)
        return found

    def child_targets(self) -> dict[str, int]:
        """Each unweighted child's parent's sum scale (the ``targets`` of a second compilation)."""
        return {child.child: self.items[step.id].sum_scale for step in self.program.steps
                if isinstance(step, ops.ItemStep) for child in ops.children(step) if child.weight is None}

    def _read_first(self, step: "ops.ItemStep | ops.TotalStep", off: bool) -> None:
        """Compile the items and vetoes a step reads before its own operations."""
        for child in ops.children(step):
            self.step(child.child, off)
        for op in step.ops:
            for veto in op.vetoes if isinstance(op, ops.Veto) else ():
                self.step(veto)


# ---- steps -------------------------------------------------------------------------------------


def _term(self: CompiledSteps, step: ops.TermStep, parent_off: bool) -> Num:
    """``sign × body``, rounded under ``round each``, where its condition holds (else 0)."""
    c = self.comp
    c.site = c.locate(step.span, c.site)
    what = f"`{' '.join(step.text.split())}`"
    value = bodies.body(c, step.body, what)
    if step.sign < 0:
        value = c.neg(value)
    value = c.round(value, step.round, what)
    if step.condition is not None:
        value = c.where(c.cond(step.condition), value)
    return value


def _item(self: CompiledSteps, step: ops.ItemStep, parent_off: bool) -> Num:
    c = self.comp
    item = self.items[step.id] = ItemProgram(step)
    site = c.site = c.locate(step.span)
    applies = self._applies.get(step.id)
    if applies is not None:
        item.applies = c.cond(applies.condition)
    item.may_be_off = parent_off or (applies is not None and item.applies.const is not True)
    self._read_first(step, item.may_be_off)
    running = _Running(item, site, f"item `{step.id}`")
    for op in step.ops:
        c.site = site
        OPERATIONS[op.__class__](self, op, running)
    value = running.value
    running.segments.append((False, value))  # what the last zero if leaves
    zeros = running.zeros
    lo, hi = value.lo, value.hi
    if zeros or item.may_be_off:
        lo, hi = min(lo, Fr(0)), max(hi, Fr(0))
    if any(zero.const is True for zero in zeros):
        lo = hi = Fr(0)
    item.num = Num(_item_runner(step.id, running.stored, running.segments), value.scale, lo, hi, None, True)
    return item.num


def _veto(self: CompiledSteps, step: ops.VetoStep, parent_off: bool) -> Cond:
    c = self.comp
    c.site = c.locate(step.span)
    return c.cond(step.condition)


def _total(self: CompiledSteps, step: ops.TotalStep, parent_off: bool) -> Num:
    c = self.comp
    self._read_first(step, False)
    running = _Running(None, c.locate(step.span), "the total")
    for op in step.ops:
        c.site = running.site
        OPERATIONS[op.__class__](self, op, running)
    return running.value


STEPS = {ops.TermStep: _term, ops.ItemStep: _item, ops.VetoStep: _veto, ops.TotalStep: _total}


# ---- operations over the running value -------------------------------------------------------


def _sum(self: CompiledSteps, op: ops.Sum, running: _Running) -> None:
    """``start + Σ terms + Σ children`` (added to the value so far, if any). An item's sum is
    stored: the operations after it read it."""
    c = self.comp
    parts = [] if running.value is None else [running.value]
    if op.start is not None:
        parts.append(c.number(op.start))
    for term in op.terms:
        parts.append(self.step(term))
        c.site = running.site
    for child in op.children:
        parts.append(_contribution(self, child))
        c.site = running.site
    value = c.sum(parts, running.what)
    item = running.item
    if item is None or running.stored is not None:
        _running_op(running, value)
        return
    item.sum_scale = value.scale
    target = self.targets.get(item.step.id, value.scale)
    if target > value.scale:
        value = c.align(value, target, running.what)
    running.stored = value
    running.value = Num(_stored_reader(item.step.id), value.scale, value.lo, value.hi)


def _contribution(self: CompiledSteps, child: ops.Child) -> Num:
    """What a child adds to its parent (or a top-level item to the total): its value, or
    ``W × value × 100 / max``, rounded under ``round each``; 0 where it does not apply."""
    c = self.comp
    item = self.items[child.child]
    stored = item.num  # its runner scores the child (once) and stores its value
    value = Num(stored.fn, stored.scale, stored.lo, stored.hi)
    if child.weight is None:
        return value
    c.site = c.locate(child.span)
    what = f"the weighted amount of `{child.child}`"
    weight = bodies.body(c, child.weight, what)
    if child.max is None:  # pragma: no cover - the compiler requires a max on weighted items
        raise c.unsupported("a weight on an item without `max`", child.span)
    on_hundred = c.div(c.mul(value, c.const(100), what), c.const(Fr(child.max)), what)
    amount = c.round(c.mul(weight, on_hundred, what), child.round, what)
    lo, hi = amount.lo, amount.hi
    if item.may_be_off:
        lo, hi = min(lo, Fr(0)), max(hi, Fr(0))
    return Num(_weighted_runner(child.child, amount), amount.scale, lo, hi, None, True)


def _zero_if(self: CompiledSteps, op: ops.ZeroIf, running: _Running) -> None:
    """Where the condition holds the item is 0 and no later operation runs there."""
    if running.pending:  # the operations before it run where no earlier zero if held
        running.segments.append((False, running.value))
        value = running.value
        running.value = Num(_stored_reader(running.item.step.id), value.scale, value.lo, value.hi)
        running.pending = False
    zero = self.comp.cond(op.condition)
    if zero.const is False and not zero.fallible:
        return
    running.segments.append((True, zero))
    running.zeros.append(zero)


def _scale(self: CompiledSteps, op: ops.Scale, running: _Running) -> None:
    c = self.comp
    _running_op(running, c.mul(running.value, c.number(op.factor), running.what))


def _round(self: CompiledSteps, op: ops.Round, running: _Running) -> None:
    _running_op(running, self.comp.round(running.value, op, running.what))


def _clamp(self: CompiledSteps, op: ops.Clamp, running: _Running) -> None:
    """The floor, then the cap; a penalty's cap bounds the deduction (the value is at least −cap)."""
    floor, cap = op.floor, op.cap
    if op.deduction:  # both are lower bounds: the larger holds
        lowest = [bound for bound in (floor, -cap if cap is not None else None) if bound is not None]
        floor, cap = (max(lowest) if lowest else None), None
    _running_op(running, self.comp.clamp(running.value, floor, cap, running.what))


def _veto_op(self: CompiledSteps, op: ops.Veto, running: _Running) -> None:
    """0 where any veto holds; which held is recorded per row (a bit per veto)."""
    vetoes = [self.step(veto) for veto in op.vetoes]
    self.vetoes = [self.program.by_id[veto] for veto in op.vetoes]
    value = running.value
    _running_op(running, Num(_veto_runner(value, vetoes), value.scale, min(value.lo, Fr(0)), max(value.hi, Fr(0)),
                             None, True))


def _running_op(running: _Running, value: Num) -> None:
    running.value = value
    running.pending = running.item is not None


OPERATIONS = {ops.Sum: _sum, ops.ZeroIf: _zero_if, ops.Scale: _scale, ops.Round: _round, ops.Clamp: _clamp,
              ops.Veto: _veto_op}


# ---- runtime closures --------------------------------------------------------------------------


def _stored_reader(node_id: str):
    return lambda c, m: c.raw[node_id]


def _item_runner(node_id: str, stored: Num, segments: list[tuple[bool, Num | Cond]]):
    """Scores the item once per chunk where it applies (``c.on``), keeps its value if asked
    (``c.outputs``) and returns it."""
    fv = stored.fn
    steps = tuple((is_zero, part.fn, part.fallible) for is_zero, part in segments)
    any_zero = any(is_zero for is_zero, _ in segments)

    def run(c, parent_mask):
        m = c.on[node_id]
        value = fv(c, m)
        zeroed = None
        remaining = m
        for is_zero, fn, fallible in steps:
            if is_zero:
                holds = fn(c, remaining if fallible else m)
                if not isinstance(holds, np.ndarray):
                    holds = np.full(c.n, bool(holds))
                zeroed = holds if zeroed is None else (zeroed | holds)
                remaining = and_mask(m, ~zeroed)
            else:
                c.raw[node_id] = value
                value = fn(c, remaining if fallible else m)
        del c.raw[node_id]
        if any_zero:
            value = value * ~zeroed
        if m is not None:
            value = value * m
        elif not isinstance(value, np.ndarray):
            value = np.full(c.n, value, dtype=np.int64)
        out = c.outputs.get(node_id)
        if out is not None:
            out[c.start:c.stop] = value
        return value

    return run


def _weighted_runner(node_id: str, amount: Num):
    fa = amount.fn

    def run(c, parent_mask):
        on = c.on[node_id]
        value = fa(c, on)
        return value if on is None else value * on

    return run


def _veto_runner(value: Num, vetoes: list[Cond]):
    fv = value.fn

    def run(c, m):
        result = fv(c, m)
        vetoed = None
        for veto in vetoes:
            holds = veto.fn(c, None)
            if not isinstance(holds, np.ndarray):
                holds = np.full(c.n, bool(holds))
            c.vetoes.append(holds)
            vetoed = holds if vetoed is None else vetoed | holds
        return result * ~vetoed

    return run
