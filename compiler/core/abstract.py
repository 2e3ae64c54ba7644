"""The interval domain of expressions and term bodies: the values an expression can take over
every set of facts the declarations allow, and conditions as the truth values they can take.

The domain of a numeric fact is its range (implied bounds included: a count is ≥ 0, a rank ≥ 1, a
percent within 0 %..100 % unless declared) and its ``default``, which a blank cell takes
unchecked; a count or rank whose values are all whole numbers is *integral*. ``missing F`` and
``count F`` of an evidence fact lie in ``[0, #members]``; ``count L`` of a ledger in ``[0, +∞)``;
``workdays(a, b)`` in ``[0, +∞)``. A bool is ``{true, false}``, an enum the set of its members; a
date or a text fact is unknown (only constants compare).

The core of conditions is *refinement*: ``refine(env, C, v)`` narrows the facts' domains to
those for which ``C`` can evaluate to ``v`` (``rank > 4`` narrows a rank 1..14 to 5..14; an enum
``!= m`` drops the member ``m``; ``and``/``or``/``not`` combine narrowings, ``or`` by joining
them), or reports that no allowed facts make ``C`` equal ``v``. ``C`` can be true iff
``refine(env, C, true)`` is feasible, and false iff ``refine(env, C, false)`` is.

This is the abstract counterpart of :mod:`assessc.core.exact`; the static bounds
(:mod:`assessc.graph.bounds`) run the policy's operations over it.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Mapping
from decimal import Decimal
from typing import Union

from assessc.core import ops
from assessc.core.lower import body as body_of
from assessc.core.intervals import (EITHER, INF, NEG_INF, ZERO, ZERO_INTERVAL, Interval, Truth, add,
                                    ceil, div, floor, hull_of, integral_ends, mul, neg, sub)
from assessc.core.reach import Reach, lookup_value, reach_members, reach_numbers
from assessc.facts.numeric import bounds as fact_bounds
from assessc.ir import nodes as ir
from assessc.ir.types import INTEGER_KINDS, NUMERIC_KINDS, ExprType, FactDecl, Kind



#: an abstract value: an Interval (numbers), a frozenset of bools or enum
#: members, or None (unknown: dates and texts other than constants)
Abstract = Union[Interval, frozenset, None]


def _atom_key(expr: ir.Expr):
    """The key under which a condition may narrow ``expr``'s domain (None: it cannot)."""
    if isinstance(expr, ir.FactRef):
        return ("fact", expr.fact.name)
    if isinstance(expr, ir.MissingCount):
        return ("missing", expr.fact.name)
    if isinstance(expr, ir.EntryCount) and getattr(expr, "where", None) is None:
        return ("count", expr.fact.name)
    return None


def _is_whole(value) -> bool:
    return isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value()


def _fact_integral(fact: FactDecl) -> bool:
    return fact.type.kind in INTEGER_KINDS and (fact.default is None or _is_whole(fact.default))


def _fact_domain(fact: FactDecl) -> Abstract:
    kind = fact.type.kind
    if kind in NUMERIC_KINDS:
        low, high = fact_bounds(fact.type)
        domain = Interval(NEG_INF if low is None else low, INF if high is None else high)
        if isinstance(fact.default, Decimal):  # a blank takes the default, unchecked
            domain = domain.hull(Interval.point(fact.default))
        return domain
    if kind is Kind.BOOL:
        return EITHER
    if kind is Kind.ENUM:
        return frozenset(fact.type.member_names)
    return None


def _atom_domain(expr: ir.Expr) -> Abstract:
    if isinstance(expr, ir.FactRef):
        return _fact_domain(expr.fact)
    fact = expr.fact
    if isinstance(expr, ir.EntryCount) and fact.type.kind is Kind.LEDGER:
        return Interval(ZERO, INF)
    return Interval(ZERO, Decimal(len(fact.type.members)))  # missing F / count F of an evidence F


class Env:
    """The facts' domains, some narrowed by conditions assumed to hold.

    ``log`` collects the reachability of lookups met inside expressions
    (shared by every environment derived from one analysis)."""

    __slots__ = ("narrowed", "log")

    def __init__(self, narrowed: Mapping | None = None, log: dict | None = None):
        self.narrowed = dict(narrowed or {})
        self.log = log

    def get(self, expr: ir.Expr) -> Abstract:
        key = _atom_key(expr)
        if key in self.narrowed:
            return self.narrowed[key]
        return _atom_domain(expr)

    def set(self, expr: ir.Expr, value: Abstract) -> "Env":
        env = Env(self.narrowed, self.log)
        env.narrowed[_atom_key(expr)] = value
        return env

    def join(self, other: "Env") -> "Env":
        """Facts allowed by either environment: a key narrowed in one only is
        not narrowed at all."""
        joined = {}
        for key in self.narrowed.keys() & other.narrowed.keys():
            a, b = self.narrowed[key], other.narrowed[key]
            if isinstance(a, Interval) and isinstance(b, Interval):
                joined[key] = a.hull(b)
            elif isinstance(a, frozenset) and isinstance(b, frozenset):
                joined[key] = a | b
        return Env(joined, self.log)

    def note(self, expr: ir.Expr, reach: Reach) -> None:
        if self.log is not None:
            self.log[expr] = self.log[expr].merge(reach) if expr in self.log else reach


BASE = Env()


def _join(a: Env | None, b: Env | None) -> Env | None:
    if a is None:
        return b
    if b is None:
        return a
    return a.join(b)


def integral(expr: ir.Expr) -> bool:
    """Every value of ``expr`` is a whole number."""
    if isinstance(expr, ir.Const):
        return _is_whole(expr.value)
    if isinstance(expr, ir.FactRef):
        return _fact_integral(expr.fact)
    if isinstance(expr, (ir.MissingCount, ir.EntryCount)):
        return True
    if isinstance(expr, ir.Unary):
        return expr.op == "-" and integral(expr.operand)
    if isinstance(expr, ir.Binary):
        return expr.op in ("+", "-", "*") and integral(expr.left) and integral(expr.right)
    if isinstance(expr, ir.Call):
        if expr.func == "workdays":
            return True
        return expr.func in ("min", "max") and all(integral(a) for a in expr.args)
    if isinstance(expr, ir.LookupValue):
        return _whole_table(expr.table)
    if isinstance(expr, getattr(ir, "LedgerValue", ())):
        return _whole_table(expr.body.table)
    return False


def _whole_table(table) -> bool:
    """Every value a table (or matrix) gives, 0 included, is a whole number."""
    if isinstance(table, ir.Table):
        values = [row.value for row in table.rows] + [table.default if table.default is not None else ZERO]
    else:
        values = [v for row in table.rows for v in row.values]
    return all(_is_whole(v) for v in values)


# ---- expressions ---------------------------------------------------------------------


def num(expr: ir.Expr, env: Env) -> Interval:
    if isinstance(expr, ir.Const):
        return Interval.point(expr.value) if isinstance(expr.value, Decimal) else Interval.full()
    if _atom_key(expr) is not None:
        value = env.get(expr)
        return value if isinstance(value, Interval) else Interval.full()
    if isinstance(expr, ir.Unary) and expr.op == "-":
        return neg(num(expr.operand, env))
    if isinstance(expr, ir.Binary) and expr.op in ("+", "-", "*", "/"):
        a, b = num(expr.left, env), num(expr.right, env)
        return {"+": add, "-": sub, "*": mul, "/": div}[expr.op](a, b)
    if isinstance(expr, ir.Call):
        return _call(expr, env)
    if isinstance(expr, ir.EntryCount):  # `count L where (…)`: some of the entries
        return _atom_domain(expr)
    if isinstance(expr, ir.LookupValue):
        reach, value = lookup(expr.table, expr.key, env)
        env.note(expr, reach)
        return value
    if isinstance(expr, getattr(ir, "LedgerValue", ())):  # `sum L … by F TABLE`
        value, reach = ledger(body_of(expr.body))
        if reach is not None:
            env.note(expr, reach)
        return value
    return Interval.full()


def _call(expr: ir.Call, env: Env) -> Interval:
    if expr.func in ("min", "max") and expr.args:
        args = [num(a, env) for a in expr.args]
        pick = min if expr.func == "min" else max
        return Interval(pick(a.lo for a in args), pick(a.hi for a in args))
    if expr.func == "workdays":
        if all(isinstance(a, ir.Const) for a in expr.args):
            from assessc.runtime.workdays import CalendarError

            try:
                return Interval.point(expr.calendar.between(*(a.value for a in expr.args)))
            except (CalendarError, ValueError, TypeError):
                pass  # an evaluation error, never a value
        return Interval(ZERO, INF)
    return Interval.full()  # a function this analysis does not know: anything


def lookup(table: ir.Table, key: ir.Expr, env: Env) -> tuple[Reach, Interval]:
    """Row reachability of ``table`` over ``key`` in ``env``, and the hull of
    the values the lookup gives."""
    if key.type is ExprType.NUMBER:
        reach = reach_numbers(table, num(key, env), integral(key))
    else:
        order = key.fact.type.member_names if isinstance(key, (ir.FactRef, ir.FieldRef)) else ()
        reach = reach_members(table, members_of(key, env), tuple(order))
    return reach, lookup_value(table, reach)


def members_of(expr: ir.Expr, env: Env) -> frozenset | None:
    """The enum members (or bools, or constant dates and texts) an
    expression can be; None: unknown."""
    if isinstance(expr, ir.Const):
        return frozenset({expr.value})
    if expr.type is ExprType.BOOL:
        return truth(expr, env)
    if _atom_key(expr) is not None:
        value = env.get(expr)
        return value if isinstance(value, frozenset) else None
    return None


_NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def truth(cond: ir.Expr, env: Env = BASE) -> Truth:
    """The truth values ``cond`` can take over the facts ``env`` allows."""
    return frozenset(v for v in (True, False) if refine(env, cond, v) is not None)


def refine(env: Env, cond: ir.Expr, want: bool) -> Env | None:
    """``env`` narrowed to facts for which ``cond`` evaluates to ``want``;
    None when no allowed facts do."""
    if isinstance(cond, ir.Const):
        return env if bool(cond.value) == want else None
    if isinstance(cond, ir.Unary) and cond.op == "not":
        return refine(env, cond.operand, not want)
    if isinstance(cond, ir.Binary) and cond.op in ("and", "or"):
        if (cond.op == "and") == want:  # both sides must take `want`
            left = refine(env, cond.left, want)
            return None if left is None else refine(left, cond.right, want)
        return _join(refine(env, cond.left, want), refine(env, cond.right, want))
    if isinstance(cond, ir.InSet):
        members = members_of(cond.value, env)
        if members is None:
            return env
        kept = members & frozenset(cond.members) if want else members - frozenset(cond.members)
        if not kept:
            return None
        return env.set(cond.value, kept) if _atom_key(cond.value) is not None else env
    if _atom_key(cond) is not None:  # a bool fact used as a condition
        value = env.get(cond)
        if isinstance(value, frozenset):
            return env.set(cond, value & {want}) if want in value else None
        return env
    if isinstance(cond, ir.Binary) and cond.op in _NEGATED:
        op = cond.op if want else _NEGATED[cond.op]
        if cond.left.type is ExprType.NUMBER:
            return _refine_numbers(env, cond.left, op, cond.right)
        return _refine_equal(env, cond.left, op, cond.right)
    return env


def _possible(op: str, a: Interval, b: Interval) -> bool:
    """Some a ∈ ``a``, b ∈ ``b`` satisfy ``a op b``."""
    if op == "<":
        return a.lo < b.hi
    if op == "<=":
        return a.lo <= b.hi
    if op == ">":
        return a.hi > b.lo
    if op == ">=":
        return a.hi >= b.lo
    if op == "==":
        return a.meet(b) is not None
    return not (a.lo == a.hi == b.lo == b.hi)  # !=


def _narrow(x: Interval, op: str, other: Interval, integral: bool) -> Interval | None:
    """The values of ``x`` that satisfy ``x op y`` for some y ∈ ``other``."""
    lo, hi = x.lo, x.hi
    if op in ("<", "<="):
        limit = other.hi
        if op == "<" and integral and limit.is_finite():
            limit = limit.to_integral_value(rounding=decimal.ROUND_CEILING) - 1
        hi = min(hi, limit)
    elif op in (">", ">="):
        limit = other.lo
        if op == ">" and integral and limit.is_finite():
            limit = limit.to_integral_value(rounding=decimal.ROUND_FLOOR) + 1
        lo = max(lo, limit)
    elif op == "==":
        lo, hi = max(lo, other.lo), min(hi, other.hi)
    elif op == "!=" and integral and other.lo == other.hi:
        if lo == other.lo:
            lo += 1
        if hi == other.hi:
            hi -= 1
    if lo > hi or lo == INF or hi == NEG_INF:
        return None
    narrowed = Interval(lo, hi)
    return integral_ends(narrowed) if integral else narrowed


def _refine_numbers(env: Env, left: ir.Expr, op: str, right: ir.Expr) -> Env | None:
    a, b = num(left, env), num(right, env)
    if not _possible(op, a, b):
        return None
    for side, this, other, side_op in ((left, a, b, op), (right, b, a, _FLIPPED[op])):
        if _atom_key(side) is not None and isinstance(env.get(side), Interval):
            narrowed = _narrow(this, side_op, other, integral(side))
            if narrowed is None:
                return None
            env = env.set(side, narrowed)
    return env


def _refine_equal(env: Env, left: ir.Expr, op: str, right: ir.Expr) -> Env | None:
    """``==`` / ``!=`` over enums, bools, dates and texts; ``<``… over dates."""
    if left.type is ExprType.BOOL or right.type is ExprType.BOOL:
        for side, other in ((left, right), (right, left)):
            if isinstance(other, ir.Const) and op in ("==", "!="):
                return refine(env, side, bool(other.value) == (op == "=="))
    a, b = members_of(left, env), members_of(right, env)
    if a is None or b is None:
        return env
    if op not in ("==", "!="):  # dates: only constants compare
        if len(a) == 1 and len(b) == 1:
            x, y = _iso(next(iter(a))), _iso(next(iter(b)))
            holds = {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]
            return env if holds else None
        return env
    if op == "==":
        common = a & b
        if not common:
            return None
        for side in (left, right):
            if _atom_key(side) is not None and isinstance(env.get(side), frozenset):
                env = env.set(side, common)
        return env
    if len(a) == 1 and a == b:
        return None
    for side, other in ((left, b), (right, a)):
        if len(other) == 1 and _atom_key(side) is not None and isinstance(env.get(side), frozenset):
            kept = env.get(side) - other
            if not kept:
                return None
            env = env.set(side, kept)
    return env


def _iso(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


# ---- ledgers --------------------------------------------------------------------------


def _field_values(fact: FactDecl | None) -> list | None:
    """The values a ledger field can hold, when they are finitely many."""
    if fact is None:
        return None
    kind = fact.type.kind
    if kind is Kind.ENUM:
        return list(fact.type.member_names)
    if kind is Kind.BOOL:
        return [True, False]
    if kind in INTEGER_KINDS and _fact_integral(fact):
        low, high = fact_bounds(fact.type)
        if low is None or high is None or high - low > 10_000:
            return None
        values = [Decimal(n) for n in range(int(low), int(high) + 1)]
        if fact.default is not None and fact.default not in values:
            values.append(fact.default)
        return values
    return None


def ledger(body: ops.HighestPer) -> tuple[Interval, Reach | None]:
    fields = body.ledger.type
    field = fields.field(body.field)
    members = list(field.type.member_names) if field is not None else []
    column_field = getattr(body, "column_field", None)
    reach = None
    if column_field is not None:  # a matrix: points of (field, column field); a pair without a cell stops scoring
        column = fields.field(column_field)
        columns = list(column.type.member_names) if column is not None else []

        def points(member, col):
            return body.table.get(member, col)
    else:
        columns = [None]
        reach = reach_members(body.table, frozenset(members), tuple(members))
        by_member = {}
        for row in body.table.rows:
            if row.member is not None and row.member not in by_member:
                by_member[row.member] = row.value

        def points(member, col):  # None: no row and no `else`, the entry stops scoring
            return by_member.get(member, body.table.default)

    if not members or not columns:
        return Interval.full(), reach
    table_points = {(m, c): points(m, c) for m in members for c in columns}
    table_points = {pair: value for pair, value in table_points.items() if value is not None}
    if not table_points:  # every entry stops scoring: only an entity without entries scores, 0
        return ZERO_INTERVAL, reach
    entry = hull_of(table_points.values())
    groups: list[Interval] | None = None
    if body.group is not None:
        if body.group == body.field:
            groups = [hull_of(table_points[(m, c)] for c in columns if (m, c) in table_points) for m in members
                      if any((m, c) in table_points for c in columns)]
        elif column_field is not None and body.group == column_field:
            groups = [hull_of(table_points[(m, c)] for m in members if (m, c) in table_points) for c in columns
                      if any((m, c) in table_points for m in members)]
        else:
            values = _field_values(fields.field(body.group))
            if values is not None:
                groups = [entry] * len(values)
    if groups is None:  # any number of entries, each within `entry`
        return Interval(NEG_INF if entry.lo < 0 else ZERO, INF if entry.hi > 0 else ZERO), reach
    lo = sum((min(g.lo, ZERO) for g in groups), ZERO)
    hi = sum((max(g.hi, ZERO) for g in groups), ZERO)
    return Interval(lo, hi), reach


# ---- terms ------------------------------------------------------------------------------


def _value(body: ops.Value, env: Env) -> tuple[Interval, Reach | None]:
    return num(body.expr, env), None


def _per(body: ops.Per, env: Env) -> tuple[Interval, Reach | None]:
    return mul(num(body.amount, env), num(body.count, env)), None


def _steps(body: ops.Steps, env: Env) -> tuple[Interval, Reach | None]:
    """The gap restricted to its positive part, divided by the step, floored/ceiled/kept, times
    the amount; hull with 0 when the gap may be ≤ 0."""
    amount, step = num(body.amount, env), num(body.step, env)
    threshold, value = num(body.threshold, env), num(body.value, env)
    gap = sub(threshold, value) if body.below else sub(value, threshold)
    if gap.hi <= 0:
        return ZERO_INTERVAL, None
    positive = Interval(max(gap.lo, ZERO), gap.hi)
    quotient = div(positive, step)
    if body.partial == "whole":
        counted = floor(quotient)
    elif body.partial == "started":
        counted = ceil(quotient)
    else:
        counted = quotient
    result = mul(counted, amount)
    return (result.with_zero() if gap.lo <= 0 else result), None


def _lookup_body(body: ops.Lookup, env: Env) -> tuple[Interval, Reach | None]:
    reach, value = lookup(body.table, body.key, env)
    return value, reach


def amount(body: ops.Body, env: Env) -> tuple[Interval, Reach | None]:
    """The interval of a term body's amount over ``env``, and the reachability of its table's
    rows (lookups and ledger sums)."""
    return BODIES[body.__class__](body, env)


BODIES = {ops.Value: _value, ops.Per: _per, ops.Steps: _steps, ops.Lookup: _lookup_body,
          ops.HighestPer: lambda body, env: ledger(body)}
