"""The exact domain: what expressions and term bodies (:mod:`assessc.core.ops`) evaluate to for
one entity, in exact decimals (:mod:`assessc.runtime.decimals`).

:class:`Env` evaluates the IR's typed expressions over an entity's facts; :data:`BODIES` computes
a term body's amount and, when explaining, the numbers its line shows. The interpreter
(:mod:`assessc.backends.interp`), the outcome rules and the lints read values through these.

A lookup whose key no row matches, in a table without ``else``, stops scoring (:class:`NoRow`,
D0609) wherever it is written: a term, an expression, a weight, a ledger sum's table; so does a
pair a points matrix has no cell for.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Mapping

from assessc.backends import wording as W  # the words shared with generated scorers
from assessc.core import ops
from assessc.core.lower import body as body_of
from assessc.ir import nodes as ir
from assessc.runtime.decimals import CONTEXT, ZERO, ceil_div, divide, floor_div, show, sum_of

_CONST, _FACT = ir.Const, ir.FactRef


class Env:
    """Fact values of one entity, and the expression evaluator over them.
    ``explain``: whether term bodies also word how they were computed."""

    __slots__ = ("values", "explain", "off", "entry")  # read for every expression: slots are quicker

    def __init__(self, values: Mapping[str, object], explain: bool = False):
        self.values = values
        self.explain = explain
        self.off: set[str] = set()  # ids of items that do not apply
        self.entry = None  # the ledger entry a `where (…)` is looking at

    def eval(self, expr: ir.Expr):
        kind = expr.__class__  # constants and facts, the most frequent, without isinstance calls
        if kind is _CONST:
            return expr.value
        if kind is _FACT:
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
            return _ledger(_lowered(expr.body), self)[0]
        if isinstance(expr, ir.Unary):
            operand = self.eval(expr.operand)
            return (not operand) if expr.op == "not" else CONTEXT.minus(operand)  # exact wherever it is called
        if isinstance(expr, ir.InSet):
            return self.eval(expr.value) in expr.members
        if isinstance(expr, ir.LookupValue):
            return lookup(expr.table, self.eval(expr.key))
        if isinstance(expr, ir.Call):
            args = [self.eval(a) for a in expr.args]
            if expr.func == "workdays":
                return expr.calendar.between(*args)
            return min(args) if expr.func == "min" else max(args)
        if isinstance(expr, ir.Binary):
            return self._binary(expr)
        raise TypeError(f"cannot evaluate {expr!r}")  # pragma: no cover

    def entries(self, ledger: str, where: ir.Expr | None) -> list:
        """The entries of ``ledger`` (evidence: the items present) for which ``where`` holds."""
        if where is None:
            return list(self.values[ledger])
        return [entry for _, entry in self.numbered_entries(ledger, where)]

    def numbered_entries(self, ledger: str, where: ir.Expr | None) -> list:
        """(number, entry) for the entries of ``ledger`` for which ``where`` holds, numbered from 1
        in the order the facts give them (the number names an entry in explanations and errors)."""
        entries = self.values[ledger]
        if where is None:
            return list(enumerate(entries, start=1))
        kept = []
        for number, entry in enumerate(entries, start=1):
            self.entry = entry
            if self.eval(where):
                kept.append((number, entry))
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
            return divide(a, b)
        return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


_LOWERED: dict[int, tuple[object, ops.HighestPer]] = {}  # id → (the IR ledger sum, kept alive; its operation)


def _lowered(ledger) -> ops.HighestPer:
    """A ledger sum inside an expression as its operation, lowered once, not for every entity."""
    found = _LOWERED.get(id(ledger))
    if found is None or found[0] is not ledger:
        found = _LOWERED[id(ledger)] = (ledger, body_of(ledger))
    return found[1]


class NoRow(Exception):
    """A lookup found no row for its key in a table without `else` (or a points matrix no cell for
    its pair): the policy does not score this input, so scoring stops (D0609), in every engine."""


def _rows_text(table: ir.Table) -> str:
    return ", ".join(row.describe() for row in table.rows)


def lookup(table: ir.Table, key) -> Decimal:
    """The points of ``key`` in ``table``: the first row it matches, else the `else` row; with
    neither, :class:`NoRow`."""
    for row in table.rows:
        if (row.member == key) if row.member is not None else (row.low <= key <= row.high):
            return row.value
    if table.default is not None:
        return table.default
    raise NoRow(W._no_row_words(key, table.name, _rows_text(table)))


def cell(matrix: ir.Matrix, row: str, column: str) -> Decimal:
    """The points of a pair of members in a points matrix; :class:`NoRow` for a pair it has no cell for."""
    value = matrix.get(row, column)
    if value is None:
        raise NoRow(W._no_cell_words(row, column, matrix.name, ", ".join(r.member for r in matrix.rows),
                                     ", ".join(matrix.columns)))
    return value


def amount(body: ops.Body, env: Env) -> tuple[Decimal, tuple | None]:
    """The body's value, and (if ``env.explain``) the numbers its explanation shows."""
    return BODIES[body.__class__](body, env)


# Each body function returns the body's value and, when ``env.explain``, the numbers it computed
# for the explanation (the ``computed`` of wording's `_term_words`), else None.
#
# Most operands of a term are constants or facts. The body functions below read them directly,
# without the cost of a call: a constant's value (`x.value if x.__class__ is _CONST`), or a fact's
# (`env.values[x.fact.name] if x.__class__ is _FACT`). That is what `Env.eval` returns for them:
# these operands are numbers, enum members or conditions (the type checker sees to it), never
# dates, which `Env.eval` would write as text.


def _value(body: ops.Value, env: Env) -> tuple[Decimal, tuple | None]:
    value = body.expr.value if body.expr.__class__ is _CONST else env.eval(body.expr)
    return value, ((value,) if env.explain else None)


def _per(body: ops.Per, env: Env) -> tuple[Decimal, tuple | None]:
    amount = body.amount.value if body.amount.__class__ is _CONST else env.eval(body.amount)
    count = env.values[body.count.fact.name] if body.count.__class__ is _FACT else env.eval(body.count)
    computed = (amount, count, _missing_items(body.count, env)) if env.explain else None
    return CONTEXT.multiply(amount, count), computed


def _lookup_body(body: ops.Lookup, env: Env) -> tuple[Decimal, tuple | None]:
    key = env.values[body.key.fact.name] if body.key.__class__ is _FACT else env.eval(body.key)
    value = lookup(body.table, key)
    return value, ((key, value) if env.explain else None)


def _missing_items(expr: ir.Expr, env: Env) -> str:
    """Name the evidence not submitted, so an explanation says what was missing."""
    if not isinstance(expr, ir.MissingCount):
        return ""
    return W._missing_text(env.values[expr.fact.name], ((m.name, m.label or m.name) for m in expr.fact.type.members))


def _steps(body: ops.Steps, env: Env) -> tuple[Decimal, tuple | None]:
    amount = body.amount.value if body.amount.__class__ is _CONST else env.eval(body.amount)
    step = body.step.value if body.step.__class__ is _CONST else env.eval(body.step)
    threshold = body.threshold.value if body.threshold.__class__ is _CONST else env.eval(body.threshold)
    value = env.values[body.value.fact.name] if body.value.__class__ is _FACT else env.eval(body.value)
    gap = threshold - value if body.below else value - threshold
    if gap <= 0:
        return ZERO, ((value, threshold, gap, None, amount) if env.explain else None)
    if body.partial == "whole":
        steps = floor_div(gap, step)
    elif body.partial == "started":
        steps = ceil_div(gap, step)
    else:
        steps = divide(gap, step)
    return CONTEXT.multiply(steps, amount), ((value, threshold, gap, steps, amount) if env.explain else None)


def _ledger(body: ops.HighestPer, env: Env) -> tuple[Decimal, tuple | None]:
    best: dict[object, Decimal] = {}
    kept = 0
    for number, entry in env.numbered_entries(body.ledger.name, body.where):
        kept += 1
        try:
            if body.column_field is not None:
                points = cell(body.table, entry[body.field], entry[body.column_field])
            else:
                points = lookup(body.table, entry[body.field])
        except NoRow as error:
            raise NoRow(W._entry_words(body.ledger.name, number, error)) from None
        group = entry[body.group] if body.group else number
        if group not in best or points > best[group]:
            best[group] = points
    total = sum_of(best.values())
    if not env.explain:
        return total, None
    parts = [f"{group if body.group else f'#{group}'}: {show(points)}" for group, points in best.items()]
    how = f"highest per {body.group}" if body.group else "each entry"
    noun = "entry" if kept == 1 else "entries"
    detail = f"{kept} {noun}, {how}: " + ("; ".join(parts) if parts else "none")
    return total, (detail,)


BODIES = {ops.Value: _value, ops.Per: _per, ops.Steps: _steps, ops.Lookup: _lookup_body, ops.HighestPer: _ledger}


