"""The reference interpreter: score one entity by walking the scoring graph.

Exact decimals throughout (see :mod:`assessc.runtime.decimals`). For each
graph node in topological order:

* a **term** is ``sign × body`` when its condition holds (or it has none),
  else 0; under ``round each`` its amount is rounded;
* an item whose ``applies if`` condition does not hold (or whose ancestor's
  does not) is **not applicable**: none of its rules is evaluated and it
  counts 0;
* an **item** is ``start + Σ terms + Σ children``; then, in this order,
  a ``zero if`` that holds sets it to 0 (and nothing else applies);
  a ``coefficient`` multiplies it; ``round each`` rounds it; ``until zero``
  raises a negative value to 0; a declared ``max`` lowers a larger value to
  the max (on a penalty, ``max N`` raises a value below −N to −N) unless
  ``uncapped``. Floors and caps come last, so they always hold;
* a child counts in its parent with its value, or, when it has
  ``weight W``, with ``W × value × 100 / max`` (scored on 100, then weighted);
* the **total** is ``min(Σ items × the policy's coefficient, policy max)
  + Σ bonuses + Σ penalties``; a veto that holds sets it to 0; ``round
  total`` (or ``round each``) rounds it.

Every adjustment is recorded as a line, so the lines of each node add up to
its value (see :mod:`results`).
"""

from __future__ import annotations

import datetime
import decimal
from decimal import Decimal
from typing import Mapping

from assessc.backends import results as R
from assessc.graph.nodes import ITEM, TERM, TOTAL, VETO, ScoringGraph
from assessc.ir import nodes as ir
from assessc.runtime.decimals import CONTEXT, ZERO, brief, ceil_div, floor_div, quantize, show
from assessc.runtime.workdays import CalendarError, workdays_between


class EvaluationError(Exception):
    def __init__(self, entity: str, node_id: str, message: str, span=None):
        super().__init__(f"entity `{entity}`: {node_id}: {message}")
        self.entity, self.node_id, self.message, self.span = entity, node_id, message, span


class _Env:
    """Fact values of one entity, and the expression evaluator over them."""

    def __init__(self, values: Mapping[str, object]):
        self.values = values
        self.off: set[str] = set()  # ids of items that do not apply
        self.entry = None  # the ledger entry a `where (…)` is looking at

    def eval(self, expr: ir.Expr):
        if isinstance(expr, ir.Const):
            return expr.value
        if isinstance(expr, ir.FactRef):
            value = self.values[expr.fact.name]
            return value.isoformat() if isinstance(value, datetime.date) else value
        if isinstance(expr, ir.MissingCount):
            present = self.values[expr.fact.name]
            return Decimal(sum(1 for m in expr.fact.type.member_names if m not in present))
        if isinstance(expr, ir.EntryCount):
            return Decimal(len(self.entries(expr.fact.name, expr.where)))
        if isinstance(expr, ir.FieldRef):
            value = self.entry[expr.fact.name]
            return value.isoformat() if isinstance(value, datetime.date) else value
        if isinstance(expr, ir.LedgerValue):
            return _ledger(expr.body, self)[0]
        if isinstance(expr, ir.Unary):
            operand = self.eval(expr.operand)
            return (not operand) if expr.op == "not" else -operand
        if isinstance(expr, ir.InSet):
            return self.eval(expr.value) in expr.members
        if isinstance(expr, ir.LookupValue):
            return _lookup_value(expr, self.eval(expr.key))
        if isinstance(expr, ir.Call):
            args = [self.eval(a) for a in expr.args]
            if expr.func == "workdays":
                return workdays_between(*args)
            return min(args) if expr.func == "min" else max(args)
        if isinstance(expr, ir.Binary):
            return self._binary(expr)
        raise TypeError(f"cannot evaluate {expr!r}")  # pragma: no cover

    def entries(self, ledger: str, where: ir.Expr | None) -> list:
        """The entries of ``ledger`` (evidence: the items present) for which ``where`` holds."""
        entries = self.values[ledger]
        if where is None:
            return list(entries)
        kept = []
        for entry in entries:
            self.entry = entry
            if self.eval(where):
                kept.append(entry)
        self.entry = None
        return kept

    def _binary(self, expr: ir.Binary):
        op = expr.op
        if op == "and":
            return bool(self.eval(expr.left)) and bool(self.eval(expr.right))
        if op == "or":
            return bool(self.eval(expr.left)) or bool(self.eval(expr.right))
        a, b = self.eval(expr.left), self.eval(expr.right)
        if op == "+":
            return CONTEXT.add(a, b)
        if op == "-":
            return CONTEXT.subtract(a, b)
        if op == "*":
            return CONTEXT.multiply(a, b)
        if op == "/":
            return CONTEXT.divide(a, b)
        return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _lookup(table: ir.Table, key) -> tuple[Decimal, str]:
    for row in table.rows:
        if row.member is not None:
            if row.member == key:
                return row.value, f"{key} → {show(row.value)}"
        elif row.low <= key <= row.high:
            return row.value, f"{show(key)} in {row.describe()} → {show(row.value)}"
    if table.default is not None:
        return table.default, f"{key if isinstance(key, str) else show(key)} → else {show(table.default)}"
    return ZERO, f"{key if isinstance(key, str) else show(key)} matches no row → 0"


class NoRow(Exception):
    """A lookup inside an expression found no row and the table has no `else`."""


def _lookup_value(expr: ir.LookupValue, key) -> Decimal:
    """A lookup used as a value (a quota, a weight) must find its row: a
    missing row is an input error, never a silent 0."""
    for row in expr.table.rows:
        if (row.member == key) if row.member is not None else (row.low <= key <= row.high):
            return row.value
    if expr.table.default is not None:
        return expr.table.default
    allowed = ", ".join(row.describe() for row in expr.table.rows)
    shown = key if isinstance(key, str) else show(key)
    raise NoRow(f"`{shown}` has no row in table {expr.table.name or ''}".rstrip() + f"; the table has: {allowed}")


def _term_body(body: ir.TermBody, env: _Env) -> tuple[Decimal, str]:
    if isinstance(body, ir.Value):
        value = env.eval(body.expr)
        return value, show(value)
    if isinstance(body, ir.Per):
        amount, count = env.eval(body.amount), env.eval(body.count)
        return CONTEXT.multiply(amount, count), f"{show(amount)} × {show(count)}{_missing_items(body.count, env)}"
    if isinstance(body, ir.Steps):
        return _steps(body, env)
    if isinstance(body, ir.Lookup):
        return _lookup(body.table, env.eval(body.key))
    if isinstance(body, ir.LedgerSum):
        return _ledger(body, env)
    raise TypeError(f"unknown term {body!r}")  # pragma: no cover


def _why_not(condition: ir.Expr, env: _Env) -> str:
    """The values a failed comparison saw, e.g. ": 23 >= 24 is false"."""
    if isinstance(condition, ir.Binary) and condition.op in ("<", "<=", ">", ">=", "==", "!="):
        left, right = env.eval(condition.left), env.eval(condition.right)
        text = lambda v: brief(v) if isinstance(v, Decimal) else str(v)  # noqa: E731
        return f": {text(left)} {condition.op} {text(right)} is false"
    return ""


def _missing_items(expr: ir.Expr, env: _Env) -> str:
    """Name the evidence not submitted, so an explanation says what was missing."""
    if not isinstance(expr, ir.MissingCount):
        return ""
    present = env.values[expr.fact.name]
    missing = [m.label or m.name for m in expr.fact.type.members if m.name not in present]
    return f" (missing: {'、'.join(missing)})" if missing else ""


def _steps(body: ir.Steps, env: _Env) -> tuple[Decimal, str]:
    amount, step = env.eval(body.amount), env.eval(body.step)
    threshold, value = env.eval(body.threshold), env.eval(body.value)
    gap = threshold - value if body.direction == "below" else value - threshold
    if gap <= 0:
        return ZERO, f"{brief(value)} is not {body.direction} {brief(threshold)} → 0 steps"
    if body.partial == "whole":
        steps = floor_div(gap, step)
    elif body.partial == "started":
        steps = ceil_div(gap, step)
    else:
        steps = CONTEXT.divide(gap, step)
    detail = (f"{brief(value)} is {brief(gap)} {body.direction} {brief(threshold)} → {brief(steps)} {body.partial} "
              f"steps × {brief(amount)}")
    return CONTEXT.multiply(steps, amount), detail


def _ledger(body: ir.LedgerSum, env: _Env) -> tuple[Decimal, str]:
    entries = env.entries(body.ledger.name, body.where)
    best: dict[object, Decimal] = {}
    parts = []
    for index, entry in enumerate(entries):
        if body.column_field is not None:
            points = body.table.get(entry[body.field], entry[body.column_field]) or ZERO
        else:
            points, _ = _lookup(body.table, entry[body.field])
        group = entry[body.group] if body.group else index
        if group not in best or points > best[group]:
            best[group] = points
    for group, points in best.items():
        label = group if body.group else f"#{group + 1}"
        parts.append(f"{label}: {show(points)}")
    total = sum(best.values(), ZERO)
    how = f"highest per {body.group}" if body.group else "each entry"
    noun = "entry" if len(entries) == 1 else "entries"
    detail = f"{len(entries)} {noun}, {how}: " + ("; ".join(parts) if parts else "none")
    return total, detail


class Interpreter:
    """Scores entities against a compiled :class:`ScoringGraph`."""

    def __init__(self, graph: ScoringGraph):
        self.graph = graph
        self.policy: ir.Policy = graph.policy
        rounding = self.policy.rounding
        self.round_each = rounding is not None and rounding.scope == "each"
        self.rounding = rounding

    def _round(self, value: Decimal) -> Decimal:
        return quantize(value, self.rounding.places, self.rounding.mode)

    def inactive(self, env: "_Env") -> set[str]:
        """Ids of the items that do not apply to this entity, with their descendants."""
        out: set[str] = set()

        def visit(node: ir.Node, parent_off: bool) -> None:
            off = parent_off or (node.applies is not None and not env.eval(node.applies))
            if off:
                out.add(node.id)
            for child in node.children:
                visit(child, off)

        for top in (*self.policy.items, *self.policy.bonuses, *self.policy.penalties):
            visit(top, False)
        return out

    def score(self, entity: str, values: Mapping[str, object]) -> R.EntityResult:
        env = _Env(values)
        amounts: dict[str, Decimal] = {}
        lines_of: dict[str, list[R.Line]] = {}
        scores: dict[str, R.NodeScore] = {}
        vetoes: list[str] = []
        try:
            with decimal.localcontext(CONTEXT):
                off = env.off = self.inactive(env)
        except (decimal.DivisionByZero, decimal.InvalidOperation, NoRow) as error:
            raise EvaluationError(entity, "applies", f"cannot decide applicability: {error or type(error).__name__}") from None
        for node in self.graph.order:
            if node.id in off or (node.kind == TERM and node.parent in off):
                if node.kind == ITEM:
                    scores[node.id] = R.NodeScore(node.id, node.ir.title, ZERO, (), node.ir.max, applicable=False)
                    amounts[node.id] = ZERO
                continue
            try:
                with decimal.localcontext(CONTEXT):
                    if node.kind == TERM:
                        amounts[node.id], line = self._term(node, env)
                        lines_of.setdefault(node.parent, []).append(line)
                    elif node.kind == ITEM:
                        score = self._item(node, env, lines_of.pop(node.id, []), amounts, scores)
                        scores[node.id] = score
                        amounts[node.id] = score.value
                    elif node.kind == VETO and env.eval(node.ir.condition):
                        vetoes.append(node.ir.reason)
                    elif node.kind == TOTAL:
                        scores[TOTAL] = self._total(node, amounts, vetoes, env)
            except (decimal.DivisionByZero, decimal.InvalidOperation) as error:
                raise EvaluationError(entity, node.id, f"cannot compute `{node.label}`: {type(error).__name__}",
                                      node.span) from None
            except (CalendarError, NoRow) as error:
                raise EvaluationError(entity, node.id, f"`{node.label}`: {error}", node.span) from None
        return R.EntityResult(entity, scores[TOTAL].value, scores, tuple(vetoes))

    def _term(self, node, env: _Env) -> tuple[Decimal, R.Line]:
        term: ir.Term = node.ir
        if term.condition is not None and not env.eval(term.condition):
            why = _why_not(term.condition, env)
            return ZERO, R.Line(R.TERM, node.id, term.text, ZERO, f"condition does not hold{why} → 0", node.lead,
                                term.span)
        raw, detail = _term_body(term.body, env)
        amount = raw * term.sign
        if self.round_each and amount != self._round(amount):
            detail += f" = {show(amount)} → {show(self._round(amount))} (rounded)"
            amount = self._round(amount)
        return amount, R.Line(R.TERM, node.id, term.text, amount, detail, node.lead, term.span)

    def _item(self, node, env: _Env, term_lines: list[R.Line], amounts, scores) -> R.NodeScore:
        item: ir.Node = node.ir
        lines: list[R.Line] = []
        if item.start is not None:
            start = env.eval(item.start)
            lines.append(R.Line(R.START, node.id, "start", start, show(start), node.lead, item.span))
        lines.extend(term_lines)
        for child in item.children:
            lines.append(self._child_line(child, amounts, env))
        value = sum((line.amount for line in lines), ZERO)
        for zero in item.zero_if:
            if env.eval(zero.condition):
                lines.append(R.Line(R.ZERO, node.id, zero.text, -value, "condition holds → item scores 0", node.lead, zero.span))
                value = ZERO
                break
        else:
            if item.coefficient is not None:
                factor = env.eval(item.coefficient)
                scaled = CONTEXT.multiply(value, factor)
                lines.append(R.Line(R.COEFFICIENT, node.id, "coefficient", scaled - value,
                                    f"{show(value)} × {show(factor)} = {show(scaled)}", node.lead, item.span))
                value = scaled
            value = self._round_line(node, value, lines)
            value = self._clamp(item, node, value, lines)  # last, so a floor or a max always holds
        complete, missing = self._completion(item, env, scores)
        return R.NodeScore(node.id, item.title, value, tuple(lines), item.max, complete=complete, missing=missing)

    def _round_line(self, node, value: Decimal, lines: list[R.Line]) -> Decimal:
        """Under `round each`, round ``value`` and record the change as a line."""
        if not self.round_each:
            return value
        rounded = self._round(value)
        if rounded != value:
            lines.append(R.Line(R.ROUND, node.id, "rounding", rounded - value,
                                f"{show(value)} → {show(rounded)} ({self.rounding.mode}, {self.rounding.places} places)",
                                node.lead))
        return rounded

    @staticmethod
    def _completion(item: ir.Node, env: _Env, scores) -> tuple[bool | None, tuple[str, ...]]:
        """Own unmet requirements, and whether the item and its applicable children are complete."""
        missing: list[str] = []
        for requirement in item.requires:
            if requirement.evidence is not None:
                present = env.values[requirement.evidence.name]
                missing += [m.label or m.name for m in requirement.evidence.type.members if m.name not in present]
            elif not env.eval(requirement.condition):
                missing.append(requirement.text)
        states = [scores[c.id].complete for c in item.children if scores[c.id].applicable]
        states = [s for s in states if s is not None]
        if not item.requires and not states:
            return None, ()
        return (not missing and all(states)), tuple(missing)

    def _child_line(self, child: ir.Node, amounts, env: _Env) -> R.Line:
        """How a child counts in its parent: its value, weighted if it has a weight."""
        value = amounts[child.id]
        if child.id in env.off:
            return R.Line(R.CHILD, child.id, child.title, ZERO, "not applicable", child.meta.lead, child.span)
        if child.weight is None:
            return R.Line(R.CHILD, child.id, child.title, value, "", child.meta.lead, child.span)
        if isinstance(child.weight, ir.Lookup):  # a weight must be found, never a silent 0
            weight = _lookup_value(ir.LookupValue(child.weight.key, child.weight.table), env.eval(child.weight.key))
        else:
            weight, _ = _term_body(child.weight, env)
        on_hundred = CONTEXT.divide(CONTEXT.multiply(value, Decimal(100)), child.max)
        amount = CONTEXT.multiply(weight, on_hundred)
        if self.round_each:
            amount = self._round(amount)
        detail = f"weight {brief(weight * 100)}% × {brief(on_hundred)} (scored on 100: {show(value)}/{show(child.max)})"
        return R.Line(R.CHILD, child.id, child.title, amount, detail, child.meta.lead, child.span)

    @staticmethod
    def _clamp(item: ir.Node, node, value: Decimal, lines: list[R.Line]) -> Decimal:
        if item.floor is not None and value < item.floor:
            lines.append(R.Line(R.FLOOR, node.id, "until zero", item.floor - value,
                                f"{show(value)} is below {show(item.floor)} → {show(item.floor)}", node.lead, item.floor_span))
            value = item.floor
        if item.max is not None and not item.uncapped:
            if item.kind == "penalty" and value < -item.max:
                lines.append(R.Line(R.CAP, node.id, f"max {show(item.max)}", -item.max - value,
                                    f"deduction {show(-value)} is over {show(item.max)} → {show(-item.max)}", node.lead, item.max_span))
                value = -item.max
            elif item.kind != "penalty" and value > item.max:
                lines.append(R.Line(R.CAP, node.id, f"max {show(item.max)}", item.max - value,
                                    f"{show(value)} is over the max {show(item.max)} → {show(item.max)}", node.lead, item.max_span))
                value = item.max
        return value

    def _total(self, node, amounts, vetoes: list[str], env: _Env) -> R.NodeScore:
        policy = self.policy
        lines: list[R.Line] = [self._child_line(top, amounts, env) for top in policy.items]
        main = sum((line.amount for line in lines), ZERO)
        if policy.coefficient is not None:
            factor = env.eval(policy.coefficient)
            scaled = CONTEXT.multiply(main, factor)
            lines.append(R.Line(R.COEFFICIENT, TOTAL, "coefficient", scaled - main,
                                f"{show(main)} × {show(factor)} = {show(scaled)}", node.lead, policy.span))
            main = scaled
        if policy.max is not None and main > policy.max:
            lines.append(R.Line(R.CAP, TOTAL, f"max {show(policy.max)}", policy.max - main,
                                f"items add up to {show(main)}, over the max {show(policy.max)} → {show(policy.max)}",
                                node.lead, policy.max_span))
        lines.extend(self._child_line(extra, amounts, env) for extra in (*policy.bonuses, *policy.penalties))
        value = sum((line.amount for line in lines), ZERO)
        if vetoes:
            lines.append(R.Line(R.VETO, TOTAL, "veto", -value, "vetoed: " + "; ".join(vetoes), node.lead, policy.span))
            value = ZERO
        if self.rounding is not None:
            rounded = self._round(value)
            if rounded != value:
                lines.append(R.Line(R.ROUND, TOTAL, "rounding", rounded - value,
                                    f"{show(value)} → {show(rounded)} ({self.rounding.mode}, {self.rounding.places} places)", node.lead))
                value = rounded
        return R.NodeScore(TOTAL, policy.title, value, tuple(lines), policy.max)
