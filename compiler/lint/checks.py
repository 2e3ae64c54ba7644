"""The lint checks. Each takes the policy and yields findings."""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator

import attrs

from assessc.diagnostics import Diagnostic, Note, codes
from assessc.ir import nodes as ir
from assessc.ir.types import Kind
from assessc.ir.walk import facts_of_policy, term_exprs
from assessc.runtime.decimals import show


@attrs.frozen
class Finding:
    diagnostic: Diagnostic
    accepts: tuple[ir.Accept, ...]  # the owner's accepts that may acknowledge it


def _finding(code, span, message, help=None, accepts=(), notes=()) -> Finding:
    return Finding(Diagnostic(code, span, message, help, tuple(notes)), tuple(accepts))


def max_mismatch(policy: ir.Policy) -> Iterator[Finding]:
    """W0501: a declared max that differs from the sum of its parts' maxima."""
    for node in policy.all_nodes():
        parts = node.children
        if node.max is None or not parts or any(c.max is None for c in parts) or node.terms or node.start:
            continue
        total = sum((c.max for c in parts), Decimal(0))
        if total != node.max:
            yield _finding(codes.MAX_MISMATCH, node.max_span or node.span,
                           f"item `{node.id}` declares max {show(node.max)} but its parts add up to {show(total)}",
                           _mismatch_help(total, node.max), node.accepts,
                           [Note(c.max_span or c.span, f"`{c.id}` max {show(c.max)}") for c in parts])
    tops = policy.items
    if policy.max is not None and tops and all(t.max is not None for t in tops):
        total = sum((t.max for t in tops), Decimal(0))
        if total != policy.max:
            yield _finding(codes.MAX_MISMATCH, policy.max_span or policy.span,
                           f"policy declares max {show(policy.max)} but its items add up to {show(total)}",
                           _mismatch_help(total, policy.max), policy.accepts)


def _mismatch_help(total: Decimal, declared: Decimal) -> str:
    if total > declared:
        return f"the score is capped at {show(declared)}, so {show(total - declared)} point(s) can never count"
    return f"no entity can reach {show(declared)}: at most {show(total)}"


def implicit_partial_step(policy: ir.Policy) -> Iterator[Finding]:
    """W0502: a rate-step rule that does not say how a partial step counts."""
    for node in policy.all_nodes():
        for term in node.terms:
            if isinstance(term.body, ir.Steps) and not term.body.partial_said:
                yield _finding(codes.IMPLICIT_PARTIAL_STEP, term.span,
                               "this rule does not say how a partial step counts; whole steps are assumed",
                               "add `counting whole steps`, `counting started steps` or `counting proportional steps`",
                               node.accepts)


def band_gaps(policy: ir.Policy) -> Iterator[Finding]:
    """W0503: numeric bands with gaps or overlaps (over integer keys: ranks, counts)."""
    for node in policy.all_nodes():
        for term in node.terms:
            if not isinstance(term.body, ir.Lookup):
                continue
            rows = sorted((r for r in term.body.table.rows if r.member is None), key=lambda r: r.low)
            integral = _integral_key(term.body.key)
            for before, after in zip(rows, rows[1:]):
                if after.low <= before.high:
                    yield _finding(codes.BAND_GAP, after.span or term.span,
                                   f"band {after.describe()} overlaps band {before.describe()}",
                                   "the first matching band wins; make the bands disjoint", node.accepts)
                elif integral and after.low > before.high + 1 and term.body.table.default is None:
                    yield _finding(codes.BAND_GAP, after.span or term.span,
                                   f"no band covers {show(before.high + 1)}..{show(after.low - 1)}",
                                   "values in the gap score 0; add a band or an `else` row", node.accepts)


def _integral_key(expr: ir.Expr) -> bool:
    return isinstance(expr, ir.FactRef) and expr.fact.type.kind in (Kind.RANK, Kind.COUNT)


def unused_facts(policy: ir.Policy) -> Iterator[Finding]:
    """W0505: a fact declared but read by no rule."""
    used = facts_of_policy(policy)
    home = policy.span.path if policy.span else None
    for fact in policy.facts:  # facts of imported modules may serve other policies
        if fact.name not in used and fact.span is not None and fact.span.path == home:
            yield _finding(codes.UNUSED_FACT, fact.span, f"fact `{fact.name}` is declared but no rule uses it",
                           "remove it, or use it in a rule", policy.accepts)


CHECKS = (max_mismatch, implicit_partial_step, band_gaps, unused_facts)

__all__ = ["CHECKS", "Finding", "term_exprs"]
