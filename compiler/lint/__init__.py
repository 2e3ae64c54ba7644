"""Lints: findings about a well-formed policy that are likely defects.

Each check is a function over the IR and its static bounds
(:mod:`assessc.graph.bounds`) yielding :class:`Finding` objects; the
``CHECKS`` tuple lists them in order. A finding belongs to an *owner* (an item
or the policy); an ``accept CODE "reason"`` on that owner acknowledges it, so
a known defect of a seed rule book stays visible, documented, and does not
fail the build. An ``accept`` that matches no finding is itself reported.
"""

from __future__ import annotations

from assessc.diagnostics import Diagnostic, DiagnosticBag, REGISTRY, codes
from assessc.graph.bounds import Bounds, analyse
from assessc.graph.from_ir import build
from assessc.ir import nodes as ir
from assessc.lint.calendar import CHECKS as CALENDAR_CHECKS
from assessc.lint.checks import CHECKS, Finding
from assessc.lint.grades import CHECKS as GRADE_CHECKS
from assessc.lint.structure import CHECKS as STRUCTURE_CHECKS


def run(policy: ir.Policy, bag: DiagnosticBag, bounds: Bounds | None = None) -> None:
    """Run every check; ``bounds`` are the policy's static bounds, computed
    here when the caller has not computed them already."""
    if bounds is None:
        bounds = analyse(build(policy))
    findings: list[Finding] = []
    for check in (*CHECKS, *STRUCTURE_CHECKS, *CALENDAR_CHECKS, *GRADE_CHECKS):
        findings.extend(check(policy, bounds))
    used: set[tuple[int, str]] = set()
    for finding in findings:
        diagnostic = finding.diagnostic
        for accept in finding.accepts:
            if accept.code == diagnostic.code.code:
                diagnostic = Diagnostic(diagnostic.code, diagnostic.span, diagnostic.message, diagnostic.help,
                                        diagnostic.notes, accepted=accept.reason)
                used.add((id(accept), accept.code))
                break
        bag.extend([diagnostic])
    for owner_accepts in _all_accepts(policy):
        for accept in owner_accepts:
            if (id(accept), accept.code) in used:
                continue
            if accept.code not in REGISTRY:
                message = f"`accept {accept.code}` names no diagnostic code"
            else:
                message = f"`accept {accept.code}` matches no finding here"
            bag.add(codes.UNKNOWN_ACCEPT, accept.span, message,
                    "remove it, or move it to the item the finding is reported on")


def _all_accepts(policy: ir.Policy):
    yield policy.accepts
    for node in policy.all_nodes():
        yield node.accepts


__all__ = ["run", "CHECKS", "Finding"]
