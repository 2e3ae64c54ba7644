"""The operations a policy is scored with: the one statement of what each rule does.

A policy is lowered (:mod:`assessc.core.lower`) into a :class:`Program`: one *step* per node of the
scoring graph, in graph order. A step is a short list of operations over one running value that
starts at 0; every engine runs the same operations in the same order, so the order of an item's
adjustments (terms and children added, then ``zero if``, coefficient, rounding, floor, cap) is
written once, here and in the lowering, as data.

Steps:

* :class:`TermStep` — one ``add``/``deduct``: ``sign × body`` when its condition holds (else 0),
  rounded under ``round each``. The body is one of :data:`Body`.
* :class:`ItemStep` — an item: its operations (:data:`ItemOp`) over a value starting at 0.
* :class:`VetoStep` — a veto's condition.
* :class:`TotalStep` — the total: the same operations as an item, over the top-level items,
  bonuses and penalties, then :class:`Veto` and the policy's rounding.

Each operation makes at most one kind of explanation line, so what ``explain`` shows is read off
the operations that ran. Expressions inside operations are the IR's typed expressions
(:mod:`assessc.ir.nodes`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Union

import attrs

from assessc.dsl.source import Span
from assessc.ir import nodes as ir
from assessc.ir.types import FactDecl


def _span():
    return attrs.field(eq=False, repr=False, default=None)


# ---- term bodies: the amount of one `add`/`deduct` before its sign ---------------------------


@attrs.frozen(slots=True)
class Value:
    """``add E``: the value of an expression."""

    expr: ir.Expr


@attrs.frozen(slots=True)
class Per:
    """``add A per C``: amount × count (``count`` often ``missing F``)."""

    amount: ir.Expr
    count: ir.Expr


@attrs.frozen(slots=True)
class Steps:
    """``deduct A per S below T of V``: A for every step S by which V is beyond T; a step begun
    counts by ``partial``: ``whole`` (only whole steps), ``started``, or ``proportional``."""

    amount: ir.Expr
    step: ir.Expr
    below: bool  # the gap is threshold − value (else value − threshold)
    threshold: ir.Expr
    value: ir.Expr
    partial: str  # whole | started | proportional


@attrs.frozen(slots=True)
class Lookup:
    """``add lookup K TABLE``: the first row the key matches, else the ``else`` row; a key no row
    matches in a table without ``else`` stops scoring."""

    key: ir.Expr
    table: ir.Table


@attrs.frozen(slots=True)
class HighestPer:
    """``add sum L … by F TABLE [highest per G] [where C]``: the points of each entry (its field
    in a table, or its pair of fields in a matrix); with ``group``, only the highest of each
    group counts. Entries are numbered from 1 in the order the facts give them."""

    ledger: FactDecl
    field: str
    table: "ir.Table | ir.Matrix"
    group: str | None
    column_field: str | None
    where: ir.Expr | None


Body = Union[Value, Per, Steps, Lookup, HighestPer]


# ---- operations of an item or the total, over its running value -----------------------------


@attrs.frozen(slots=True)
class Sum:
    """``start + Σ terms + Σ children``: the amounts of term steps (computed before, in graph
    order), each child as it counts in its parent, and the item's ``start`` (evaluated last, as
    the item reads it when it is computed). The lines: the start, the terms', one per child."""

    terms: tuple[str, ...]  # term graph ids
    children: tuple["Child", ...]
    start: ir.Expr | None = None
    span: Span | None = _span()  # the item's: where its start is written


@attrs.frozen(slots=True)
class Child:
    """How a child item counts in its parent: its value, or, with ``weight``, weight × value ×
    100 / max (scored on 100, then weighted; rounded under ``round each``). A child that does
    not apply counts 0."""

    child: str  # the child's graph id
    title: str
    lead: tuple[str, ...]
    weight: "Body | None"
    max: Decimal | None
    round: "Round | None"  # a weighted amount is rounded under `round each`
    applies: ir.Expr | None  # the child's `applies if`, shown when it does not apply
    span: Span | None = _span()


@attrs.frozen(slots=True)
class ZeroIf:
    """``zero if C``: when C holds the value is 0 and no later operation runs."""

    condition: ir.Expr
    text: str
    span: Span | None = _span()


@attrs.frozen(slots=True)
class Scale:
    """``coefficient E``: the value multiplied by E."""

    factor: ir.Expr
    span: Span | None = _span()


@attrs.frozen(slots=True)
class Round:
    """The value rounded to ``places`` decimal places in ``mode``."""

    places: int
    mode: str  # a name of assessc.runtime.decimals.MODES


@attrs.frozen(slots=True)
class Clamp:
    """The floor, then the cap, so both always hold. ``floor`` (``until zero``): a value below it
    is raised to it. ``cap`` (``max N``): a value above N is lowered to N; with ``deduction`` (a
    penalty's max) a deduction beyond N is lowered to N (a value below −N is raised to −N);
    with ``of_items`` (the policy's max) it bounds the sum of the top-level items."""

    floor: Decimal | None
    cap: Decimal | None
    deduction: bool = False
    of_items: bool = False
    floor_span: Span | None = _span()
    cap_span: Span | None = _span()


@attrs.frozen(slots=True)
class Complete:
    """What completing an item takes (``requires``): its own requirements met and every
    applicable child that tracks completion complete. Not an operation on the value: an item
    step carries it, checked after the value is computed."""

    requires: tuple[ir.Requirement, ...]
    children: tuple[str, ...]  # ids of the children that track completion


@attrs.frozen(slots=True)
class Veto:
    """The total is 0 when any veto step held."""

    vetoes: tuple[str, ...]  # veto step ids
    span: Span | None = _span()


def children(step: "ItemStep | TotalStep") -> tuple[Child, ...]:
    """The children an item (or the total) adds, in order: those of its :class:`Sum` operations."""
    return tuple(child for op in step.ops if isinstance(op, Sum) for child in op.children)


ItemOp = Union[Sum, ZeroIf, Scale, Round, Clamp, Veto]


# ---- steps ------------------------------------------------------------------------------------


@attrs.frozen(slots=True)
class TermStep:
    id: str
    item: str  # the item the term belongs to
    text: str
    lead: tuple[str, ...]
    sign: int
    condition: ir.Expr | None
    body: Body
    round: Round | None
    span: Span | None = _span()


@attrs.frozen(slots=True)
class ItemStep:
    id: str
    title: str
    lead: tuple[str, ...]
    max: Decimal | None
    ops: tuple[ItemOp, ...]
    completion: Complete | None  # None: nothing in the item's subtree requires anything
    span: Span | None = _span()
    max_span: Span | None = _span()  # where its max is written


@attrs.frozen(slots=True)
class VetoStep:
    id: str
    reason: str
    condition: ir.Expr
    span: Span | None = _span()


@attrs.frozen(slots=True)
class TotalStep:
    id: str
    title: str
    lead: tuple[str, ...]
    max: Decimal | None
    ops: tuple[ItemOp, ...]
    span: Span | None = _span()


Step = Union[TermStep, ItemStep, VetoStep, TotalStep]


@attrs.frozen(slots=True)
class Applies:
    """``applies if C`` on an item: where C does not hold, the item and everything under it
    counts 0 and none of its rules is evaluated."""

    item: str
    condition: ir.Expr
    under: tuple[str, ...]  # the ids of the items under it


@attrs.frozen(slots=True)
class Reads:
    """The facts one item reads, by where they are read: ``applies`` (its ``applies if``, read
    wherever its parent is scored) and ``own`` (its rules, start, zero conditions, weight,
    coefficient and requirements, read where it applies), not its children's. ``parent``: the
    item it is under (None at the top). What an entity must supply follows from these."""

    item: str
    parent: str | None
    applies: frozenset[str]
    own: frozenset[str]


@attrs.frozen
class Program:
    """A policy as steps in graph order, with what decides applicability (checked first, in
    order, outermost items first)."""

    steps: tuple[Step, ...]
    applies: tuple[Applies, ...]
    #: the items whose subtree has a ``requires``: only they track completion
    tracks_completion: frozenset[str]
    by_id: dict = attrs.field(eq=False, repr=False)
    #: every item, bonus and penalty in source order, each before the items under it (the top-level
    #: items, then bonuses, then penalties), with the facts it reads
    reads: tuple[Reads, ...] = ()
    #: the facts only items that may not apply read: an entity gives them exactly where needed
    optional: frozenset[str] = frozenset()
