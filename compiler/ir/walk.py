"""Walk IR expressions: the facts an expression, term or node reads."""

from __future__ import annotations

from typing import Iterator

from assessc.ir import nodes as ir


def subexpressions(expr: ir.Expr) -> Iterator[ir.Expr]:
    yield expr
    if isinstance(expr, ir.Unary):
        yield from subexpressions(expr.operand)
    elif isinstance(expr, ir.Binary):
        yield from subexpressions(expr.left)
        yield from subexpressions(expr.right)
    elif isinstance(expr, ir.InSet):
        yield from subexpressions(expr.value)
    elif isinstance(expr, ir.Call):
        for arg in expr.args:
            yield from subexpressions(arg)
    elif isinstance(expr, ir.LookupValue):
        yield from subexpressions(expr.key)
    elif isinstance(expr, ir.EntryCount) and expr.where is not None:
        yield from subexpressions(expr.where)
    elif isinstance(expr, ir.LedgerValue) and expr.body.where is not None:
        yield from subexpressions(expr.body.where)


def facts_of_expr(expr: ir.Expr | None) -> set[str]:
    if expr is None:
        return set()
    names = set()
    for e in subexpressions(expr):
        if isinstance(e, (ir.FactRef, ir.MissingCount, ir.EntryCount)):
            names.add(e.fact.name)
        elif isinstance(e, ir.LedgerValue):
            names.add(e.body.ledger.name)
    return names


def term_exprs(term: ir.Term) -> list[ir.Expr]:
    return body_exprs(term.body) + ([term.condition] if term.condition is not None else [])


def body_exprs(body: ir.TermBody) -> list[ir.Expr]:
    exprs: list[ir.Expr] = []
    if isinstance(body, ir.Value):
        exprs = [body.expr]
    elif isinstance(body, ir.Per):
        exprs = [body.amount, body.count]
    elif isinstance(body, ir.Steps):
        exprs = [body.amount, body.step, body.threshold, body.value]
    elif isinstance(body, ir.Lookup):
        exprs = [body.key]
    return exprs


def facts_of_term(term: ir.Term) -> set[str]:
    names = set().union(*(facts_of_expr(e) for e in term_exprs(term)))
    if isinstance(term.body, ir.LedgerSum):
        names.add(term.body.ledger.name)
        names |= facts_of_expr(term.body.where)
    return names


def facts_of_node_own(node: ir.Node) -> set[str]:
    """Facts read by the node itself (start, zero conditions, applicability,
    coefficient, weight), not by its terms."""
    names = facts_of_expr(node.start) | facts_of_expr(node.applies) | facts_of_expr(node.coefficient)
    for zero in node.zero_if:
        names |= facts_of_expr(zero.condition)
    if node.weight is not None:
        for expr in body_exprs(node.weight):
            names |= facts_of_expr(expr)
    for requirement in node.requires:
        names |= facts_of_expr(requirement.condition)
        if requirement.evidence is not None:
            names.add(requirement.evidence.name)
    return names


def facts_of_policy(policy: ir.Policy) -> set[str]:
    names: set[str] = set()
    for node in policy.all_nodes():
        names |= facts_of_node_own(node)
        for term in node.terms:
            names |= facts_of_term(term)
    for veto in policy.vetoes:
        names |= facts_of_expr(veto.condition)
    for rule in (*policy.outcomes.rules, *policy.outcomes.vetoes):
        names |= facts_of_expr(rule.condition)
    for check in policy.fact_checks:
        names |= facts_of_expr(check.condition)
    return names | facts_of_expr(policy.coefficient)
