"""Lower the scoring graph into operations (:mod:`assessc.core.ops`): the one place that says in
what order an item's rules apply.

An item: its terms and its children are added (each child with its value, or weighted), then its
``start``; then, in this order, each ``zero if``, the ``coefficient``, rounding under ``round
each``, the floor (``until zero``) and the cap (``max``, on a penalty a bound on the deduction).
Floors and caps come last, so they always hold. The total: the top-level items, the policy's
coefficient and max (which bound the items only), the bonuses and penalties, the vetoes, then
the policy's rounding.
"""

from __future__ import annotations

from assessc.core import ops
from assessc.graph.nodes import ITEM, TERM, TOTAL, VETO, ScoringGraph
from assessc.ir.applicability import own_reads
from assessc.ir import nodes as ir


def body(term_body: ir.TermBody) -> ops.Body:
    """The operation computing a term's (or a weight's) amount."""
    if isinstance(term_body, ir.Value):
        return ops.Value(term_body.expr)
    if isinstance(term_body, ir.Per):
        return ops.Per(term_body.amount, term_body.count)
    if isinstance(term_body, ir.Steps):
        return ops.Steps(term_body.amount, term_body.step, term_body.direction == "below", term_body.threshold,
                         term_body.value, term_body.partial)
    if isinstance(term_body, ir.Lookup):
        return ops.Lookup(term_body.key, term_body.table)
    if isinstance(term_body, ir.LedgerSum):
        return ops.HighestPer(term_body.ledger, term_body.field, term_body.table, term_body.group,
                              term_body.column_field, term_body.where)
    raise TypeError(f"no operation for {term_body!r}")  # pragma: no cover - the IR has these bodies only


def _child(child: ir.Node, round_each: ops.Round | None) -> ops.Child:
    weight = body(child.weight) if child.weight is not None else None
    return ops.Child(child.id, child.title, child.meta.lead, weight, child.max, round_each if weight else None,
                     child.applies, child.span)


def _item_ops(item: ir.Node, round_each: ops.Round | None) -> tuple[ops.ItemOp, ...]:
    terms = tuple(f"{item.id}/{k}" for k in range(1, len(item.terms) + 1))
    out: list[ops.ItemOp] = [ops.Sum(terms, tuple(_child(child, round_each) for child in item.children), item.start,
                                     item.span)]
    out += [ops.ZeroIf(zero.condition, zero.text, zero.span) for zero in item.zero_if]
    if item.coefficient is not None:
        out.append(ops.Scale(item.coefficient, item.span))
    if round_each is not None:
        out.append(round_each)
    cap = item.max if not item.uncapped else None
    if item.floor is not None or cap is not None:
        out.append(ops.Clamp(item.floor, cap, item.kind == "penalty", False, item.floor_span, item.max_span))
    return tuple(out)


def _total_ops(policy: ir.Policy, veto_ids: tuple[str, ...], round_each: ops.Round | None) -> tuple[ops.ItemOp, ...]:
    out: list[ops.ItemOp] = [ops.Sum((), tuple(_child(top, round_each) for top in policy.items))]
    if policy.coefficient is not None:
        out.append(ops.Scale(policy.coefficient, policy.span))
    if policy.max is not None:
        out.append(ops.Clamp(None, policy.max, False, True, None, policy.max_span))
    extras = (*policy.bonuses, *policy.penalties)
    if extras:
        out.append(ops.Sum((), tuple(_child(extra, round_each) for extra in extras)))
    if veto_ids:
        out.append(ops.Veto(veto_ids, policy.span))
    if policy.rounding is not None:  # `round each` rounds the total too
        out.append(ops.Round(policy.rounding.places, policy.rounding.mode))
    return tuple(out)


def _applies(policy: ir.Policy) -> tuple[ops.Applies, ...]:
    """Every ``applies if``, outermost first (depth first, in source order)."""
    out = []
    for node in policy.all_nodes():
        if node.applies is not None:
            out.append(ops.Applies(node.id, node.applies, tuple(n.id for n in node.walk() if n is not node)))
    return tuple(out)


def lower(graph: ScoringGraph) -> ops.Program:
    policy = graph.policy
    rounding = policy.rounding
    round_each = ops.Round(rounding.places, rounding.mode) if rounding is not None and rounding.scope == "each" else None
    tracks = frozenset(node.id for node in policy.all_nodes() if any(n.requires for n in node.walk()))
    veto_ids = tuple(node.id for node in graph.order if node.kind == VETO)
    steps: list[ops.Step] = []
    for node in graph.order:
        if node.kind == TERM:
            term: ir.Term = node.ir
            steps.append(ops.TermStep(node.id, node.parent, term.text, node.lead, term.sign, term.condition,
                                      body(term.body), round_each, term.span))
        elif node.kind == ITEM:
            item: ir.Node = node.ir
            completion = (ops.Complete(item.requires, tuple(c.id for c in item.children if c.id in tracks))
                          if item.id in tracks else None)
            steps.append(ops.ItemStep(item.id, item.title, node.lead, item.max, _item_ops(item, round_each),
                                      completion, item.span))
        elif node.kind == VETO:
            veto: ir.Veto = node.ir
            steps.append(ops.VetoStep(node.id, veto.reason, veto.condition, veto.span))
        elif node.kind == TOTAL:
            steps.append(ops.TotalStep(TOTAL, policy.title, node.lead, policy.max, _total_ops(policy, veto_ids, round_each),
                                       policy.span))
    reads = {node.id: frozenset(own_reads(node)) for node in policy.all_nodes()}
    return ops.Program(tuple(steps), _applies(policy), tracks, {step.id: step for step in steps}, reads)
