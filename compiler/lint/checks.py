"""The lint checks. Each takes the policy and its static bounds
(:mod:`assessc.graph.bounds`, computed once per policy) and yields findings."""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator

import attrs

from assessc.diagnostics import Diagnostic, Note, codes
from assessc.graph.bounds import ALWAYS, INF, NEVER, Bounds, applies_id, weight_id, zero_id
from assessc.ir import nodes as ir
from assessc.ir.types import ExprType, Kind
from assessc.ir.walk import body_exprs, facts_of_policy, subexpressions, term_exprs
from assessc.runtime.decimals import CONTEXT, ONE, show, sum_of


@attrs.frozen
class Finding:
    diagnostic: Diagnostic
    accepts: tuple[ir.Accept, ...]  # the owner's accepts that may acknowledge it


def _finding(code, span, message, help=None, accepts=(), notes=()) -> Finding:
    return Finding(Diagnostic(code, span, message, help, tuple(notes)), tuple(accepts))


def max_mismatch(policy: ir.Policy, bounds: Bounds) -> Iterator[Finding]:
    """W0501: a declared max that differs from the sum of its parts' maxima
    or, for an item that mixes its own rules with sub-items, from the most
    its rules and sub-items can score."""
    for node in policy.all_nodes():
        parts = node.children
        if node.max is not None and parts and (node.terms or node.start is not None):
            yield from _mixed_max_mismatch(node, bounds)
            continue
        if node.max is None or not parts or any(c.max is None for c in parts) or node.terms or node.start:
            continue
        if any(c.weight is not None or c.applies is not None for c in parts):
            continue  # weighted or conditional parts: W0513 checks the weights per kind of entity
        total = sum_of(c.max for c in parts)
        if total != node.max:
            yield _finding(codes.MAX_MISMATCH, node.max_span or node.span,
                           f"item `{node.id}` declares max {show(node.max)} but its parts add up to {show(total)}",
                           _mismatch_help(total, node.max), node.accepts,
                           [Note(c.max_span or c.span, f"`{c.id}` max {show(c.max)}") for c in parts])
    tops = policy.items
    weighted = any(t.weight is not None or t.applies is not None for t in tops)
    if policy.max is not None and tops and all(t.max is not None for t in tops) and not weighted:
        total = sum_of(t.max for t in tops)
        if total != policy.max:
            yield _finding(codes.MAX_MISMATCH, policy.max_span or policy.span,
                           f"policy declares max {show(policy.max)} but its items add up to {show(total)}",
                           _mismatch_help(total, policy.max), policy.accepts)


def _mixed_max_mismatch(node: ir.Node, bounds: Bounds) -> Iterator[Finding]:
    raw = bounds.raw.get(node.id)
    if raw is None or _always_zero(node, bounds):
        return  # never scored, or always 0: W0509/W0510 say so
    reach = _reach(node, raw)
    if reach == node.max:
        return
    what = "deduct" if node.kind == "penalty" else "score"
    if reach == INF:
        message = f"item `{node.id}` declares max {show(node.max)} but its rules and sub-items can {what} without limit"
        help = f"the item is capped at {show(node.max)}; check that the seed means a cap here"
    else:
        message = (f"item `{node.id}` declares max {show(node.max)} but its rules and sub-items can {what} "
                   f"at most {show(reach)}")
        help = _mismatch_help(reach, node.max)
    notes = [Note(c.max_span or c.span, f"`{c.id}` scores {bounds[c.id]}") for c in node.children]
    yield _finding(codes.MAX_MISMATCH, node.max_span or node.span, message, help, node.accepts, notes)


def _reach(node: ir.Node, raw) -> Decimal:
    """The most an item can score (a penalty: deduct) before its cap."""
    floor = node.floor if node.floor is not None else Decimal("-Infinity")
    if node.kind == "penalty":
        return CONTEXT.minus(max(raw.lo, floor))
    return max(raw.hi, floor)


def _always_zero(node: ir.Node, bounds: Bounds) -> bool:
    return any(bounds.conditions.get(zero_id(node.id, k)) == ALWAYS for k in range(1, len(node.zero_if) + 1))


def _mismatch_help(total: Decimal, declared: Decimal) -> str:
    if total > declared:
        return f"the score is capped at {show(declared)}, so {show(CONTEXT.subtract(total, declared))} point(s) can never count"
    return f"no entity can reach {show(declared)}: at most {show(total)}"


def implicit_partial_step(policy: ir.Policy, bounds: Bounds) -> Iterator[Finding]:
    """W0502: a rate-step rule that does not say how a partial step counts."""
    for node in policy.all_nodes():
        for term in node.terms:
            if isinstance(term.body, ir.Steps) and not term.body.partial_said:
                yield _finding(codes.IMPLICIT_PARTIAL_STEP, term.span,
                               "this rule does not say how a partial step counts; whole steps are assumed",
                               "add `counting whole steps`, `counting started steps` or `counting proportional steps`",
                               node.accepts)


def band_gaps(policy: ir.Policy, bounds: Bounds) -> Iterator[Finding]:
    """W0503: numeric bands that overlap. (Key values that no band covers, gaps between bands
    included, are W0520's finding: a key there stops scoring unless the table has `else`.)"""
    for node in policy.all_nodes():
        for term in node.terms:
            if not isinstance(term.body, ir.Lookup):
                continue
            rows = sorted((r for r in term.body.table.rows if r.member is None), key=lambda r: r.low)
            for before, after in zip(rows, rows[1:]):
                if after.low <= before.high:
                    yield _finding(codes.BAND_GAP, after.span or term.span,
                                   f"band {after.describe()} overlaps band {before.describe()}",
                                   "the first matching band wins; make the bands disjoint", node.accepts)


def lookup_without_row(policy: ir.Policy, bounds: Bounds) -> Iterator[Finding]:
    """W0520: a lookup whose key can take a value (an enum member, a number of its declared
    range, an entry's field) that no row matches, in a table without `else`: an entity with such
    a value stops scoring (D0609) in every engine."""
    seen = set()  # an item scored per period repeats its rules: one finding per place and message
    for table, key, reach, span, accepts in _lookups(policy, bounds):
        if not reach.unmatched or table.default is not None:
            continue
        where = f"table `{table.name}`" if table.name else "the table"
        message = f"{key} can be {reach.describe_left()}, which no row of {where} matches, and the table has no `else` row"
        if (span, message) in seen:
            continue
        seen.add((span, message))
        yield _finding(codes.LOOKUP_WITHOUT_ROW, span, message,
                       "an entity with such a value stops scoring (D0609); add the missing rows, or `else: 0` "
                       "if the rule book gives them no points", accepts)


def unused_facts(policy: ir.Policy, bounds: Bounds) -> Iterator[Finding]:
    """W0505: a fact declared but read by no rule."""
    used = facts_of_policy(policy)
    home = policy.span.path if policy.span else None
    for fact in policy.facts:  # facts of imported modules may serve other policies
        if fact.name not in used and fact.span is not None and fact.span.path == home:
            yield _finding(codes.UNUSED_FACT, fact.span, f"fact `{fact.name}` is declared but no rule uses it",
                           "remove it, or use it in a rule", policy.accepts)


def _with_ancestors(policy: ir.Policy):
    """Every item, bonus and penalty with its enclosing items, outermost first."""
    def walk(node: ir.Node, ancestors: tuple[ir.Node, ...]):
        yield node, ancestors
        for child in node.children:
            yield from walk(child, ancestors + (node,))

    for top in (*policy.items, *policy.bonuses, *policy.penalties):
        yield from walk(top, ())


def _term_ids(node: ir.Node):
    return [(f"{node.id}/{k}", term) for k, term in enumerate(node.terms, start=1)]


def unfloored_deduction(policy: ir.Policy, bounds: Bounds) -> Iterator[Finding]:
    """W0504: an item without `until zero` whose own deductions can take it
    below 0, with no enclosing item that floors it or stays above 0.

    Penalties are meant to be negative and are not reported."""
    for node, ancestors in _with_ancestors(policy):
        raw = bounds.raw.get(node.id)
        if raw is None or node.kind == "penalty" or node.floor is not None or raw.lo >= 0:
            continue
        deductions = [(tid, t) for tid, t in _term_ids(node) if bounds[tid].lo < 0]
        start_negative = node.id in bounds.starts and bounds.starts[node.id].lo < 0
        if not deductions and not start_negative:
            continue  # negative only through sub-items, which are reported themselves
        if any(a.floor is not None or bounds.raw[a.id].lo >= 0 for a in ancestors if a.id in bounds.raw):
            continue  # an enclosing item absorbs the deduction
        low = "without limit" if raw.lo.is_infinite() else f"to {show(raw.lo)}"
        notes = [Note(t.span, f"`{tid}` can deduct {_amount(CONTEXT.minus(bounds[tid].lo))}") for tid, t in deductions]
        yield _finding(codes.UNFLOORED_DEDUCTION, node.span,
                       f"item `{node.id}` has no `until zero`, and its deductions can take it below 0 ({low})",
                       "add `until zero` if the seed says 扣完为止; if the item may go negative, "
                       "acknowledge it with `accept W0504 \"reason\"`", node.accepts, notes)


def _amount(value: Decimal) -> str:
    return "without limit" if value.is_infinite() else f"up to {show(value)}"


def can_exceed_max(policy: ir.Policy, bounds: Bounds) -> Iterator[Finding]:
    """W0506: an `uncapped` item whose rules can score above its max (on a
    penalty: deduct more than its max)."""
    for node in policy.all_nodes():
        if node.max is None or not node.uncapped:
            continue
        raw = bounds.raw.get(node.id)
        if raw is None:
            continue
        reach = _reach(node, raw)
        what = "deduct" if node.kind == "penalty" else "score"
        if reach > node.max:
            how = "without limit" if reach.is_infinite() else f"up to {show(reach)}"
            yield _finding(codes.CAN_EXCEED_MAX, node.max_span or node.span,
                           f"item `{node.id}` is `uncapped` and can {what} {how}, more than its max {show(node.max)}",
                           "remove `uncapped` if the max is a cap; if the seed awards more than it declares, "
                           "acknowledge it with `accept W0506 \"reason\"`", node.accepts)


def unreachable_outcome(policy: ir.Policy, bounds: Bounds) -> Iterator[Finding]:
    """W0508: a lookup row (or `else`) that no allowed value of its key reaches."""
    for table, key, reach, span, accepts in _lookups(policy, bounds):
        for row, hit, covered in zip(table.rows, reach.rows, reach.covered):
            if hit:
                continue
            if covered:
                message = f"row `{row.describe()}` is never reached: earlier rows match every value of {key} it covers"
                help = "the first matching row wins; remove this row or fix the earlier ones"
            else:
                message = f"row `{row.describe()}` is never reached: {key} can only be {reach.describe_domain()} here"
                help = "fix the row, or the fact's declared range or members"
            yield _finding(codes.UNREACHABLE_OUTCOME, row.span or span, message, help, accepts)
        if table.default is not None and not reach.unmatched:
            yield _finding(codes.UNREACHABLE_OUTCOME, table.span or span,
                           f"the `else` row is never reached: the rows match every value {key} can take "
                           f"({reach.describe_domain()})", "remove the `else` row", accepts)


def _lookups(policy: ir.Policy, bounds: Bounds):
    """Every table looked up, with its key in words, its reachability, a span and the owner's accepts."""
    seen: set[int] = set()
    for node in policy.all_nodes():
        for term_id, term in _term_ids(node):
            reach = bounds.lookups.get(term_id)
            if reach is not None:
                yield term.body.table, _key_name(term.body), reach, term.span, node.accepts
        reach = bounds.lookups.get(weight_id(node.id))
        if reach is not None:
            yield node.weight.table, _key_name(node.weight), reach, node.span, node.accepts
        for expr in _own_exprs(node):
            yield from _expression_lookups(expr, bounds, node.accepts, seen)
    outcomes = [r.condition for r in (*policy.outcomes.rules, *policy.outcomes.vetoes)]
    for expr in [v.condition for v in policy.vetoes] + [policy.coefficient] + outcomes:
        yield from _expression_lookups(expr, bounds, policy.accepts, seen)


def _own_exprs(node: ir.Node) -> list[ir.Expr]:
    exprs = [node.start, node.applies, node.coefficient, *(z.condition for z in node.zero_if)]
    for term in node.terms:
        exprs += term_exprs(term)
    if node.weight is not None:
        exprs += body_exprs(node.weight)
    return [e for e in exprs if e is not None]


def _expression_lookups(expr: ir.Expr | None, bounds: Bounds, accepts, seen: set[int]):
    if expr is None:
        return
    for sub in subexpressions(expr):
        if isinstance(sub, (ir.LookupValue, getattr(ir, "LedgerValue", ()))) and id(sub) not in seen:
            seen.add(id(sub))
            reach = bounds.lookups.get(sub)
            if reach is not None:
                body = sub.body if isinstance(sub, getattr(ir, "LedgerValue", ())) else sub
                yield body.table, _key_name(body), reach, sub.span, accepts


def _key_name(body) -> str:
    if isinstance(body, ir.LedgerSum):
        return f"field `{body.field}` of `{body.ledger.name}`"
    key = body.key
    if isinstance(key, ir.FactRef):
        return f"`{key.fact.name}`"
    text = key.span.text() if key.span is not None else ""
    return f"`{text}`" if text and "\n" not in text else "the key"


def constant_condition(policy: ir.Policy, bounds: Bounds) -> Iterator[Finding]:
    """W0509 / W0510: an `add … if`, `zero if`, `applies if` or veto condition
    that is the same for every allowed set of facts."""
    for node in policy.all_nodes():
        if node.applies is not None:
            yield from _constant(bounds.conditions.get(applies_id(node.id)), node.applies, node.accepts,
                                 f"item `{node.id}` never applies", "`applies if` changes nothing")
        for term_id, term in _term_ids(node):
            if term.condition is not None:
                yield from _constant(bounds.conditions.get(term_id), term.condition, node.accepts,
                                     "the rule always contributes 0", "the `if` changes nothing")
        for k, zero in enumerate(node.zero_if, start=1):
            yield from _constant(bounds.conditions.get(zero_id(node.id, k)), zero.condition, node.accepts,
                                 "this `zero if` never zeroes the item", f"item `{node.id}` always scores 0")
    for k, veto in enumerate(policy.vetoes, start=1):
        yield from _constant(bounds.conditions.get(f"veto:{k}"), veto.condition, policy.accepts,
                             "this veto never applies", "every entity is vetoed")
    for k, veto in enumerate(policy.outcomes.vetoes, start=1):
        yield from _constant(bounds.conditions.get(f"grade-veto:{k}"), veto.condition, policy.accepts,
                             "this veto never applies", f"every entity is vetoed and graded `{veto.grade}`")


def _constant(holds, condition: ir.Expr, accepts, never: str, always: str) -> Iterator[Finding]:
    if holds == NEVER:
        yield _finding(codes.CONDITION_NEVER_HOLDS, condition.span,
                       f"this condition never holds for the facts the declarations allow: {never}",
                       "check the comparison against the facts' declared ranges and members", accepts)
    elif holds == ALWAYS:
        yield _finding(codes.CONDITION_ALWAYS_HOLDS, condition.span,
                       f"this condition holds for every set of facts the declarations allow: {always}",
                       "check the comparison against the facts' declared ranges and members", accepts)


def accumulate_without_cap(policy: ir.Policy, bounds: Bounds) -> Iterator[Finding]:
    """W0511: a rule that can add without limit (`add A per N` over an
    unbounded N, a ledger sum …) on an item that neither it nor any
    enclosing item caps with a `max`."""
    for node, ancestors in _with_ancestors(policy):
        if node.max is not None or node.id not in bounds.raw or bounds[node.id].hi != INF:
            continue  # an `uncapped` max is W0506's finding
        if any(a.max is not None and not a.uncapped for a in ancestors):
            continue
        for term_id, term in _term_ids(node):
            if bounds[term_id].hi == INF:
                yield _finding(codes.ACCUMULATE_WITHOUT_CAP, term.span,
                               f"this rule can add without limit and nothing caps item `{node.id}`",
                               "give the item a `max` (累计不超过N分), or declare the fact's range "
                               "(e.g. `count 0..N`)", node.accepts)


_COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")


def percent_units(policy: ir.Policy, bounds: Bounds) -> Iterator[Finding]:
    """W0545: a percent fact (held as a fraction: `95%` is 0.95) compared with, stepped by,
    thresholded against or looked up in bands of a plain number that only makes sense as a
    percentage: one above everything the fact can be (`rate >= 95`, `below 97 of rate`), or a
    step at least as wide as the fact's whole range (`per 1 below 97% of rate`)."""
    seen: set[tuple] = set()

    def once(finding: Finding) -> Iterator[Finding]:
        key = (finding.diagnostic.span, finding.diagnostic.message)
        if key not in seen:
            seen.add(key)
            yield finding

    for expr, accepts in _all_exprs(policy):
        for sub in subexpressions(expr):
            if isinstance(sub, ir.Binary) and sub.op in _COMPARISONS:
                for fact_side, number_side in ((sub.left, sub.right), (sub.right, sub.left)):
                    fact, number = _percent_fact(fact_side), _plain_number(number_side)
                    if fact is not None and number is not None and number > _ceiling(fact):
                        yield from once(_unit_finding(fact, number_side, number, "compared with", accepts))
            elif isinstance(sub, ir.LookupValue):
                yield from (g for f in _band_findings(sub.key, sub.table, accepts) for g in once(f))
    for node in policy.all_nodes():
        bodies = [t.body for t in node.terms] + ([node.weight] if node.weight is not None else [])
        for body in bodies:
            if isinstance(body, ir.Steps):
                yield from (g for f in _step_findings(body, node.accepts) for g in once(f))
            elif isinstance(body, ir.Lookup):
                yield from (g for f in _band_findings(body.key, body.table, node.accepts) for g in once(f))


def _all_exprs(policy: ir.Policy):
    """Every expression of the policy with the accepts that may acknowledge a finding in it."""
    for node in policy.all_nodes():
        for expr in _own_exprs(node):
            yield expr, node.accepts
        for requirement in node.requires:
            if requirement.condition is not None:
                yield requirement.condition, node.accepts
    outcomes = [r.condition for r in policy.outcomes.rules]
    checks = [c.condition for c in policy.fact_checks]
    for expr in [v.condition for v in policy.vetoes] + [policy.coefficient] + outcomes + checks:
        if expr is not None:
            yield expr, policy.accepts


def _step_findings(body: ir.Steps, accepts) -> Iterator[Finding]:
    fact = _percent_fact(body.value)
    if fact is None:
        return
    step = _plain_number(body.step)
    if step is not None and step >= max(ONE, _range_width(fact)):
        yield _unit_finding(fact, body.step, step, "stepped by", accepts,
                            "as a plain number the step is as wide as the fact's whole range, so at most one "
                            "step is ever counted")
    threshold = _plain_number(body.threshold)
    if threshold is not None and threshold > _ceiling(fact):
        yield _unit_finding(fact, body.threshold, threshold, "thresholded at", accepts)


def _band_findings(key: ir.Expr, table: ir.Table, accepts) -> Iterator[Finding]:
    fact = _percent_fact(key)
    if fact is None:
        return
    for row in table.rows:
        if row.member is None and row.span is not None and "%" not in row.span.text().split(":")[0]:
            high = row.high if row.high is not None and not row.high.is_infinite() else row.low
            if high is not None and not high.is_infinite() and high > _ceiling(fact):
                band = row.span.text().split(":")[0].strip()
                yield _finding(codes.PERCENT_UNIT_MISMATCH, row.span,
                               f"fact `{fact.name}` is a percent, but this band `{band}` is written as a plain "
                               f"number above {_percent(_ceiling(fact))}, which the fact never reaches",
                               f"write the band's ends with `%`, e.g. `{_with_percent(band)}`", accepts)


def _unit_finding(fact, expr: ir.Expr, number: Decimal, how: str, accepts, why: str | None = None) -> Finding:
    text = expr.span.text().strip()
    why = why or f"as a plain number it means {_percent(number)}, which the fact never reaches"
    return _finding(codes.PERCENT_UNIT_MISMATCH, expr.span,
                    f"fact `{fact.name}` is a percent, but it is {how} the plain number `{text}`: {why}",
                    f"write `{text}%` for {text} percent (a percent is a fraction: `95%` is 0.95)", accepts)


def _percent_fact(expr: ir.Expr):
    if isinstance(expr, (ir.FactRef, ir.FieldRef)) and expr.fact.type.kind is Kind.PERCENT:
        return expr.fact
    return None


def _plain_number(expr: ir.Expr) -> Decimal | None:
    """A number written without `%` (the IR holds `95%` as 0.95; only the source tells them apart)."""
    if not isinstance(expr, ir.Const) or expr.type is not ExprType.NUMBER or expr.span is None:
        return None
    text = expr.span.text().strip()
    return None if not text or text.endswith("%") else expr.value


def _ceiling(fact) -> Decimal:
    """The most a percent fact can be: its declared high end, 100% when it declares none."""
    high = fact.type.high
    return max(ONE, high) if high is not None else ONE


def _range_width(fact) -> Decimal:
    low = fact.type.low if fact.type.low is not None else Decimal(0)
    return CONTEXT.subtract(_ceiling(fact), low)


def _percent(value: Decimal) -> str:
    return f"{show(CONTEXT.multiply(value, Decimal(100)))}%"


def _with_percent(band: str) -> str:
    return "..".join(f"{end.strip()}%" for end in band.split(".."))


CHECKS = (max_mismatch, implicit_partial_step, band_gaps, unfloored_deduction, unused_facts, can_exceed_max,
          unreachable_outcome, constant_condition, accumulate_without_cap, lookup_without_row, percent_units)

__all__ = ["CHECKS", "Finding", "term_exprs"]
