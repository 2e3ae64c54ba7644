"""What scoring produces, shared by every backend.

An :class:`EntityResult` holds, for every item and for the total, the value
and the *lines* that make it up: each line is one contribution (a start
value, a term, a child item, or an adjustment such as a cap, a floor, a
zeroing condition, a veto or rounding) with its source. The lines of a node
always add up exactly to its value; that is what ``explain`` prints.

The interpreter makes the node scores on demand (:class:`LazyNodes`):
scoring an entity computes its numbers only, and the lines are made when
``nodes`` is first read.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Callable, Iterator, Mapping

import attrs

from assessc.dsl.source import Span

START, TERM, CHILD, CAP, FLOOR, ZERO, ROUND, VETO = "start", "term", "child", "cap", "floor", "zero", "round", "veto"
COEFFICIENT, NOT_APPLICABLE = "coefficient", "not-applicable"


@attrs.frozen
class Line:
    kind: str
    source_id: str  # graph id of what contributed (term, child item, veto) or of the node itself
    label: str  # the rule's text or the child's title
    amount: Decimal
    detail: str  # how the amount was computed, with the facts it read
    lead: tuple[str, ...] = ()
    span: Span | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class NodeScore:
    id: str
    title: str
    value: Decimal
    lines: tuple[Line, ...]
    max: Decimal | None = None
    applicable: bool = True
    #: completion (items with `requires`): None when nothing in the subtree requires anything
    complete: bool | None = None
    #: the requirements of this item that are not met (evidence item labels or condition texts)
    missing: tuple[str, ...] = ()


class LazyNodes(Mapping[str, "NodeScore"]):
    """Node scores made by ``build`` when first read, then kept.

    Most results are only ranked or totalled; formatting every number of
    every line for them would cost far more than scoring itself. Equal to
    any mapping with the same node scores, such as a plain dict.
    """

    __slots__ = ("_build", "_nodes")

    def __init__(self, build: Callable[[], dict[str, "NodeScore"]]):
        self._build: Callable[[], dict[str, NodeScore]] | None = build
        self._nodes: dict[str, NodeScore] | None = None

    def _made(self) -> dict[str, "NodeScore"]:
        if self._nodes is None:
            self._nodes = self._build()
            self._build = None
        return self._nodes

    def __getitem__(self, node_id: str) -> "NodeScore":
        return self._made()[node_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._made())

    def __len__(self) -> int:
        return len(self._made())

    def __repr__(self) -> str:
        return repr(self._made())


@attrs.frozen
class EntityResult:
    entity: str
    total: Decimal
    nodes: Mapping[str, NodeScore]
    vetoed: tuple[str, ...] = ()

    def value(self, node_id: str) -> Decimal:
        return self.nodes[node_id].value


@attrs.frozen
class RankRow:
    entity: str
    total: Decimal
    rank: int
    tied_with: tuple[str, ...]
    vetoed: bool


@attrs.frozen
class ScoreRun:
    policy_name: str
    results: tuple[EntityResult, ...]

    def result(self, entity: str) -> EntityResult:
        for result in self.results:
            if result.entity == entity:
                return result
        raise KeyError(entity)

    def ranking(self) -> list[RankRow]:
        """Standard competition ranking (1, 2, 2, 4) by total, highest first.

        Ties are reported, never broken: tied entities share a rank and each
        row names the others. Rows of one rank keep the input order.
        """
        # stable: ties keep input order; no arithmetic on a total (a negated one would be rounded)
        ordered = sorted(self.results, key=lambda r: r.total, reverse=True)
        by_total: dict[Decimal, list[str]] = {}
        for result in ordered:
            by_total.setdefault(result.total, []).append(result.entity)
        rows: list[RankRow] = []
        rank = 0
        for position, result in enumerate(ordered, start=1):
            if not rows or rows[-1].total != result.total:
                rank = position
            same = tuple(e for e in by_total[result.total] if e != result.entity)
            rows.append(RankRow(result.entity, result.total, rank, same, bool(result.vetoed)))
        return rows
