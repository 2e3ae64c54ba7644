"""Build the scoring graph from the IR.

Ids: a fact is ``fact:NAME``; an item keeps its IR id (``6.1``); the k-th
``add``/``deduct`` of an item is ``ITEM/k`` (1-based); a veto is
``veto:K``; the total is ``total``. Edges run from what is read to what reads
it. The order is a topological sort (Kahn's algorithm, ties kept in source
order), so a backend that walks ``order`` always finds its inputs computed.
Among the nodes ready at any moment the one written first goes first, so the
terms of an item keep the order of the policy's statements.
"""

from __future__ import annotations

import heapq

from assessc.graph.nodes import FACT, ITEM, TERM, TOTAL, VETO, GraphNode, ScoringGraph
from assessc.ir import nodes as ir
from assessc.ir.walk import facts_of_expr, facts_of_node_own, facts_of_term


def build(policy: ir.Policy) -> ScoringGraph:
    nodes: list[GraphNode] = []
    for fact in policy.facts:
        nodes.append(GraphNode(f"fact:{fact.name}", FACT, fact.label or fact.name, (), None, (), fact.span, fact))

    def item(node: ir.Node, parent: str | None) -> None:
        deps = [f"fact:{name}" for name in sorted(facts_of_node_own(node))]
        for k, term in enumerate(node.terms, start=1):
            term_id = f"{node.id}/{k}"
            term_deps = tuple(f"fact:{name}" for name in sorted(facts_of_term(term)))
            nodes.append(GraphNode(term_id, TERM, term.text, term_deps, node.id, node.meta.lead, term.span, term))
            deps.append(term_id)
        for child in node.children:
            item(child, node.id)
            deps.append(child.id)
        nodes.append(GraphNode(node.id, ITEM, node.title, tuple(deps), parent, node.meta.lead, node.span, node))

    for top in (*policy.items, *policy.bonuses, *policy.penalties):
        item(top, TOTAL)
    total_deps = [n.id for n in (*policy.items, *policy.bonuses, *policy.penalties)]
    for k, veto in enumerate(policy.vetoes, start=1):
        veto_id = f"veto:{k}"
        deps = tuple(f"fact:{name}" for name in sorted(facts_of_expr(veto.condition)))
        nodes.append(GraphNode(veto_id, VETO, veto.reason, deps, TOTAL, policy.meta.lead, veto.span, veto))
        total_deps.append(veto_id)
    total_deps += [f"fact:{name}" for name in sorted(facts_of_expr(policy.coefficient))]
    nodes.append(GraphNode(TOTAL, TOTAL, policy.title, tuple(total_deps), None, policy.meta.lead, policy.span, policy))
    order = topological_order(nodes)
    return ScoringGraph(policy, tuple(order), {n.id: n for n in order})


def topological_order(nodes: list[GraphNode]) -> list[GraphNode]:
    by_id = {n.id: n for n in nodes}
    position = {n.id: i for i, n in enumerate(nodes)}
    pending = {n.id: sum(1 for d in n.deps if d in by_id) for n in nodes}
    readers: dict[str, list[str]] = {n.id: [] for n in nodes}
    for n in nodes:
        for dep in n.deps:
            if dep in by_id:
                readers[dep].append(n.id)
    ready = [position[i] for i, c in pending.items() if c == 0]
    heapq.heapify(ready)
    out: list[GraphNode] = []
    while ready:
        current = nodes[heapq.heappop(ready)].id
        out.append(by_id[current])
        for reader in readers[current]:
            pending[reader] -= 1
            if pending[reader] == 0:
                heapq.heappush(ready, position[reader])
    if len(out) != len(nodes):  # pragma: no cover - the IR is a tree over facts
        stuck = sorted(set(by_id) - {n.id for n in out})
        raise ValueError(f"scoring graph has a cycle through {', '.join(stuck)}")
    return out
