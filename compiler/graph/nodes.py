"""The scoring graph: a DAG of computations with provenance.

Each :class:`GraphNode` is a fact input, a term (one ``add``/``deduct``
statement), an item (bonus, penalty), a veto or the total. Its ``deps`` are
the ids of the nodes it reads; ``order`` lists every node after all of its
dependencies. Every node keeps its id, the rule text, the source span and the
lead unit, so any computed value can be traced to the policy line it came
from.
"""

from __future__ import annotations

import attrs

from assessc.dsl.source import Span
from assessc.ir import nodes as ir

FACT, TERM, ITEM, VETO, TOTAL = "fact", "term", "item", "veto", "total"


@attrs.frozen
class GraphNode:
    id: str
    kind: str  # fact | term | item | veto | total
    label: str  # a title, a rule's text or a fact's label
    deps: tuple[str, ...]
    parent: str | None
    lead: tuple[str, ...]
    span: Span | None = attrs.field(eq=False, repr=False)
    ir: object = attrs.field(eq=False, repr=False)  # the IR node, term, fact or veto


@attrs.frozen
class ScoringGraph:
    policy: ir.Policy
    order: tuple[GraphNode, ...]
    by_id: dict = attrs.field(eq=False, repr=False)

    def node(self, node_id: str) -> GraphNode:
        return self.by_id[node_id]

    def children(self, node_id: str) -> list[GraphNode]:
        return [n for n in self.order if n.parent == node_id]
