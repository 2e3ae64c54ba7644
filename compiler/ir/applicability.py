"""Which facts an entity must supply, given the items that apply to it.

An item with ``applies if C`` (F18) is scored only for entities where C
holds; the facts that only such items read are needed only by those
entities. Reading is attributed to a *context*: an item's rules, start, zero
conditions, weight and coefficient are read in the item's own context; its
``applies`` condition is read in its parent's context (it is evaluated
whenever the parent is scored).

:func:`optional_facts` lists the facts that no unconditional context reads:
the loader lets them be blank. :func:`needed_facts` gives, for one entity's
set of inapplicable items, the facts it must supply; the caller reports a
missing needed fact, and a value given for a fact that only inapplicable
items read (scoring an item that does not apply is an input error).
"""

from __future__ import annotations

from assessc.ir import nodes as ir
from assessc.ir.types import Kind
from assessc.ir.walk import body_exprs, facts_of_expr, facts_of_term


def own_reads(node: ir.Node) -> set[str]:
    """Facts an item reads itself (not its children), applicability aside."""
    names = facts_of_expr(node.start) | facts_of_expr(node.coefficient)
    for zero in node.zero_if:
        names |= facts_of_expr(zero.condition)
    for term in node.terms:
        names |= facts_of_term(term)
    if node.weight is not None:
        for expr in body_exprs(node.weight):
            names |= facts_of_expr(expr)
    for requirement in node.requires:
        names |= facts_of_expr(requirement.condition)
        if requirement.evidence is not None:
            names.add(requirement.evidence.name)
    return names


def _policy_reads(policy: ir.Policy) -> set[str]:
    names = facts_of_expr(policy.coefficient)
    for veto in policy.vetoes:
        names |= facts_of_expr(veto.condition)
    for rule in (*policy.outcomes.rules, *policy.outcomes.vetoes):
        names |= facts_of_expr(rule.condition)
    return names


def needed_facts(policy: ir.Policy, inactive: set[str]) -> set[str]:
    """Facts read by the contexts that are scored when ``inactive`` items are skipped."""
    needed = _policy_reads(policy)

    def visit(node: ir.Node) -> None:
        nonlocal needed
        needed |= facts_of_expr(node.applies)  # read in the parent's context
        if node.id in inactive:
            return
        needed |= own_reads(node)
        for child in node.children:
            visit(child)

    for top in (*policy.items, *policy.bonuses, *policy.penalties):
        visit(top)
    return needed


def optional_facts(policy: ir.Policy) -> frozenset[str]:
    """Non-ledger facts read only inside items that may not apply (a fact
    no rule reads is not among them: giving it is harmless)."""
    conditional = {node.id for node in _conditional_nodes(policy)}
    always = needed_facts(policy, conditional)
    anywhere = needed_facts(policy, set())
    return frozenset(f.name for f in policy.facts if f.name in anywhere and f.name not in always
                     and f.type.kind is not Kind.LEDGER and f.default is None)


def _conditional_nodes(policy: ir.Policy):
    def visit(node: ir.Node, under: bool):
        here = under or node.applies is not None
        if here:
            yield node
        for child in node.children:
            yield from visit(child, here)

    for top in (*policy.items, *policy.bonuses, *policy.penalties):
        yield from visit(top, False)
