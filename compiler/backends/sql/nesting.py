"""How the program's items nest, as the query is staged by it: read off the operations (each
item's children are those its :class:`~assessc.core.ops.Sum` adds; the total's are the top-level
items, bonuses and penalties) and off :attr:`~assessc.core.ops.Program.applies`."""

from __future__ import annotations

import attrs

from assessc.core import ops


def children(step: ops.ItemStep | ops.TotalStep) -> tuple[str, ...]:
    """The ids of the items a step adds, in order."""
    return tuple(child.child for child in ops.children(step))


@attrs.frozen
class Nesting:
    #: every item, depth first in the order the policy writes them (its items, bonuses, penalties)
    order: tuple[str, ...]
    children: dict[str, tuple[str, ...]]
    #: how far each item is from its deepest descendant: 0 for an item without children
    height: dict[str, int]
    #: each item's nearest ancestor-or-self with `applies if` (None: it applies to every entity)
    scope: dict[str, str | None]
    #: for each item with `applies if`: the nearest item with `applies if` strictly above it, where
    #: its condition is read (None: the total's)
    enclosing: dict[str, str | None]


def nesting(program: ops.Program) -> Nesting:
    total = next(step for step in reversed(program.steps) if step.__class__ is ops.TotalStep)
    kids = {step.id: children(step) for step in program.steps if step.__class__ is ops.ItemStep}
    order: list[str] = []

    def visit(item: str) -> None:
        order.append(item)
        for child in kids[item]:
            visit(child)

    for top in children(total):
        visit(top)
    height: dict[str, int] = {}
    for item in reversed(order):  # children come after their parent
        height[item] = 1 + max((height[child] for child in kids[item]), default=-1)
    scope: dict[str, str | None] = dict.fromkeys(order)
    enclosing: dict[str, str | None] = {}
    for applies in program.applies:  # outermost first: an inner one overrides for its subtree
        enclosing[applies.item] = scope[applies.item]
        for item in (applies.item, *applies.under):
            scope[item] = applies.item
    return Nesting(tuple(order), kids, height, scope, enclosing)
