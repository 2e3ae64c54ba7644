"""Static bounds: the closed interval of values each node of the scoring graph can take.

``analyse(graph)`` computes, for every term, item and the total, an interval
``[lo, hi]`` that contains the node's value for *every* entity whose facts
the declared types and ranges allow. It runs the policy's operations
(:mod:`assessc.core.ops`, in the order :mod:`assessc.core.lower` gives them)
as the interpreter does, over the interval domain (:mod:`assessc.core.intervals`,
expressions and term bodies in :mod:`assessc.core.abstract`) instead of exact
decimals: one pass down the item tree decides where each item applies, then
one pass over the program's steps mirrors the interpreter step by step.

Invariants
==========

* **Soundness.** For every allowed set of facts, the interpreter's value of
  a node lies in its interval. Every abstract operation over-approximates
  its concrete counterpart; nothing is ever dropped to gain precision. A
  term of an item that does not apply has no value; its interval bounds the
  values it takes where the item applies.
* **Exactness of the ends.** Ends are exact :class:`~decimal.Decimal` values
  computed in the interpreter's contexts (exact ``+ - ×``, quotients to 60
  digits, half-even; :mod:`assessc.runtime.decimals`). Every
  concrete operation is monotone in each operand on the side an end is taken
  from, and so is the interpreter's rounding, so an end computed with the
  same single operation bounds the interpreter's rounded result.
* **Explicit infinities.** An unbounded side is ``Decimal('-Infinity')`` or
  ``Decimal('Infinity')``; ``lo`` is never +∞ and ``hi`` never −∞ (an
  interval holds finite values only). In products ``0 × ∞`` is 0: an
  infinite end stands for "arbitrarily large but finite".
* **Non-relational.** Each node's interval is computed from its inputs'
  intervals alone; correlations between inputs (the same fact read by two
  terms) are not tracked, so an interval may be wider than the set of
  values actually reachable, never narrower.

The domain of the facts
=======================

A numeric fact takes any value in its range (implied bounds included: a
count is ≥ 0, a rank ≥ 1, a percent within 0 %..100 % unless declared) and
its ``default``, which a blank cell takes unchecked; a count or rank whose
values are all whole numbers is *integral*. ``missing F`` and ``count F`` of
an evidence fact lie in ``[0, #members]``; ``count L`` of a ledger in
``[0, +∞)``, filtered by ``where`` or not; ``workdays(a, b)`` in
``[0, +∞)``. A bool is
``{true, false}``, an enum the set of its members; a date or a text fact is
unknown (only constants compare).

Conditions
==========

A condition is evaluated to the set of truth values it can take (a
three-valued logic: always, never, or either). The core is *refinement*:
``refine(env, C, v)`` narrows the facts' domains to those for which ``C``
can evaluate to ``v`` (``rank > 4`` narrows a rank 1..14 to 5..14; an enum
``!= m`` drops the member ``m``; ``and``/``or``/``not`` combine narrowings,
``or`` by joining them), or reports that no allowed facts make ``C`` equal
``v``. ``C`` can be true iff ``refine(env, C, true)`` is feasible, and false
iff ``refine(env, C, false)`` is.

Each item is analysed in its *applicable environment*: the facts refined
by its own and its ancestors' ``applies if`` conditions, since nothing in an
item is evaluated where it does not apply. A term's body is evaluated in its
item's environment refined further by the term's own ``if``, so a lookup
guarded by ``grade != m`` does not reach the row ``m``.

Forms
=====

* arithmetic: interval ``+ − ×``; ``÷`` by corners; by an interval that
  holds 0 as an end, that side becomes unbounded (a divisor of exactly 0 is
  an evaluation error, not a value); by one holding 0 inside, unbounded;
  ``min``/``max`` end by end;
* ``A per N``: ``A × N``;
* steps: the gap ``T − V`` (``V − T`` above) restricted to its positive part,
  divided by the step, floored/ceiled/kept, times ``A``; hull with 0 when
  the gap may be ≤ 0;
* lookup (a term, or ``lookup`` inside an expression): the rows are tried in
  order over the key's domain (an interval, integral or not, or a set of
  members), consuming the key values each row matches: a row is
  *reachable* when some key value is left for it; the value is the hull of
  the reachable rows' values, with the ``else`` value when some key value
  matches no row (without ``else`` such a key stops scoring: no value);
* ledger sum (a term, or ``sum …`` inside an expression): each entry scores
  in the hull ``P`` of the points of the members (of a matrix: the pairs of
  members) its fields may hold that have a row (a cell), whatever its
  ``where`` filter keeps (an entry without one stops scoring); with no
  ``highest per`` (or a group field of unbounded domain) the number of
  entries is unbounded, so the sum is
  ``[−∞ if P can be negative else 0, +∞ if P can be positive else 0]``;
  grouped by a field of finite domain, each possible group counts at most
  once, at points within what that group's entries can score;
* a term with ``if C``: 0 if ``C`` never holds, the (signed, and under
  ``round each`` rounded) body if it always holds, else their hull with 0;
* an item: ``start + Σ terms + Σ children``, where a child counts as its
  value or, with ``weight W``, ``W × value × 100 / max`` (rounded under
  ``round each``), and as 0 where it does not apply; its *raw* interval is
  that sum after ``zero if`` (forced to 0 if a condition always holds, hull
  with 0 if one may) and before floor and cap; then, in the interpreter's
  order, ``coefficient``, ``round each`` rounding both ends with the
  policy's mode (every rounding mode is monotone), ``until zero`` and
  ``max`` (on a penalty: the deduction) — floors and caps last — and the
  hull with 0 when a ``zero if`` may hold; an item that may not apply also
  takes the value 0;
* the total: ``min(Σ items × coefficient, max) + Σ bonuses + Σ penalties``,
  then the veto (0 if a veto always holds, hull with 0 if one may), then
  rounding.

Besides the intervals, :class:`Bounds` keeps what the lints need: each
item's raw interval, the truth values of every condition, and the
reachability of every lookup table's rows.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping

import attrs

from assessc.core import evaluate, ops
from assessc.core.abstract import BODIES, Env, amount, num, refine, truth
from assessc.core.intervals import (ALWAYS, EITHER, INF, NEG_INF, NEVER, ZERO_INTERVAL, Interval, Truth, add, div,
                                    mul, neg, round_ends)
from assessc.core.lower import lower
from assessc.core.reach import Reach
from assessc.graph.nodes import TOTAL, ScoringGraph
from assessc.runtime.decimals import CONTEXT, HUNDRED

# ---- the result --------------------------------------------------------------------------


@attrs.frozen
class Bounds(Mapping):
    """Node id → :class:`Interval` for every term, item and the total.

    * ``raw``: item id → its interval after ``zero if`` and before
      ``until zero``, ``max`` and ``coefficient``, where it applies (absent
      for an item that applies nowhere);
    * ``starts``: item id → the interval of its ``start``, if it has one;
    * ``conditions``: condition id → the truth values it can take: a term's
      ``if`` under the term's id, the k-th ``zero if`` of item I under
      ``I:zero:k`` (:func:`zero_id`), an ``applies if`` under
      ``I:applies``, a veto under ``veto:k``, an outcome rule under ``outcome:k``, a
      ``veto … grade G`` under ``grade-veto:k``;
    * ``lookups``: the reachability of every table's rows, under the term's
      id for a lookup or ledger term, ``I:weight`` for an item's weight, and
      the expression itself for a ``lookup`` or a ``sum`` inside an
      expression.
    """

    values: dict = attrs.field(factory=dict)
    raw: dict = attrs.field(factory=dict)
    starts: dict = attrs.field(factory=dict)
    conditions: dict = attrs.field(factory=dict)
    lookups: dict = attrs.field(factory=dict)

    def __getitem__(self, node_id: str) -> Interval:
        return self.values[node_id]

    def __iter__(self):
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def zero_id(item_id: str, k: int) -> str:
    """The condition id of the k-th (1-based) ``zero if`` of an item."""
    return f"{item_id}:zero:{k}"


def applies_id(item_id: str) -> str:
    return f"{item_id}:applies"


def weight_id(item_id: str) -> str:
    return f"{item_id}:weight"


# ---- the analysis ---------------------------------------------------------------------------


@attrs.frozen
class _Where:
    """Where an item is scored: the facts where it applies (None: nowhere),
    whether it may not apply although its parent does, and whether its value
    may be 0 because it or an ancestor does not apply."""

    env: Env | None
    own_off: bool
    off: bool


class _Item:
    """An item (or the total) being analysed: the facts where it is scored, whether a ``zero if``
    may hold, and its raw interval once known."""

    __slots__ = ("env", "zeroes", "may_zero", "raw")

    def __init__(self, env: Env):
        self.env = env
        self.zeroes = 0  # the `zero if`s analysed so far
        self.may_zero = False
        self.raw: Interval | None = None


_ADJUSTMENTS = (ops.Scale, ops.Round, ops.Clamp)  # what comes after the raw value


class _Analysis:
    def __init__(self, graph: ScoringGraph):
        self.graph = graph
        self.policy = graph.policy
        self.program = lower(graph)
        self.out = Bounds()
        self.base = Env(log=self.out.lookups)
        self.where: dict[str, _Where] = {}
        self.on: dict[str, Interval] = {}  # item id → value where it applies
        self.applies = {applies.item: applies.condition for applies in self.program.applies}
        self.steps = {ops.TermStep: self._term, ops.ItemStep: self._item, ops.VetoStep: self._veto,
                      ops.TotalStep: self._total}
        self.operations = {ops.Sum: self._sum, ops.ZeroIf: self._zero_if, ops.Scale: self._scale,
                           ops.Round: self._round, ops.Clamp: self._clamp, ops.Veto: self._veto_total}

    def run(self) -> Bounds:
        program = self.program
        with decimal.localcontext(CONTEXT):
            for top in (child.child for child in ops.children(program.by_id[TOTAL])):
                self._place(top, self.base, False)
            evaluate.run(evaluate.plan(program, self.steps, self.operations, BODIES), self)
            for k, rule in enumerate(self.policy.outcomes.rules, start=1):  # for their lookups' rows
                self.out.conditions[f"outcome:{k}"] = truth(rule.condition, self.base)
            for k, veto in enumerate(self.policy.outcomes.vetoes, start=1):  # `veto … grade G if C`
                self.out.conditions[f"grade-veto:{k}"] = truth(veto.condition, self.base)
        return self.out

    def _veto(self, step: ops.VetoStep, _, __) -> None:
        self.out.conditions[step.id] = truth(step.condition, self.base)

    def _total(self, step: ops.TotalStep, _, operations) -> None:
        self.out.values[step.id] = self._operations(step, operations, _Item(self.base))

    def _place(self, item_id: str, env: Env | None, parent_off: bool) -> None:
        """Where the item and everything under it is scored: the facts refined by its own and its
        ancestors' ``applies if``, depth first in source order."""
        own_off = False
        condition = self.applies.get(item_id)
        if env is not None and condition is not None:
            holds = truth(condition, env)
            self.out.conditions[applies_id(item_id)] = holds
            own_off = False in holds
            env = refine(env, condition, True) if True in holds else None
        where = self.where[item_id] = _Where(env, own_off, parent_off or own_off or env is None)
        for child in (c.child for c in ops.children(self.program.by_id[item_id])):
            self._place(child, env, where.off)

    def _term(self, step: ops.TermStep, _, amount_of) -> None:
        self.out.values[step.id] = self._term_value(step, self.where[step.item].env, amount_of)

    def _term_value(self, step: ops.TermStep, env: Env | None, amount_of) -> Interval:
        holds = ALWAYS
        if env is not None and step.condition is not None:
            holds = truth(step.condition, env)
            self.out.conditions[step.id] = holds
            env = refine(env, step.condition, True) if True in holds else None
        if env is None:  # never evaluated: the item never applies, or the condition never holds
            return ZERO_INTERVAL
        body, reach = amount_of(step.body, env)
        if reach is not None:
            self.out.lookups[step.id] = reach
        value = round_ends(neg(body) if step.sign < 0 else body, step.round)
        return value.with_zero() if False in holds else value

    def _item(self, step: ops.ItemStep, _, operations) -> None:
        where = self.where[step.id]
        if where.env is None:  # never scored: no raw interval
            self.on[step.id] = self.out.values[step.id] = ZERO_INTERVAL
            return
        item = _Item(where.env)
        value = self._operations(step, operations, item)
        self.out.raw[step.id] = item.raw
        value = self.on[step.id] = value
        self.out.values[step.id] = value.with_zero() if where.off else value

    def _operations(self, step, operations: tuple, item: _Item) -> Interval:
        """The step's operations in order. Its raw interval is the value after ``zero if`` and
        before the adjustments (coefficient, rounding, floor, cap). A ``zero if`` that always
        holds ends the item at 0, as in the interpreter; the ``zero if``s after it are still
        analysed, for what the lints say of each condition."""
        value = ZERO_INTERVAL
        for index, (handler, op) in enumerate(operations):
            if item.raw is None and isinstance(op, _ADJUSTMENTS):
                item.raw = value.with_zero() if item.may_zero else value
            result = handler(op, value, step, item)
            if result is evaluate.STOP:
                for later, rest in operations[index + 1:]:
                    if isinstance(rest, ops.ZeroIf):
                        later(rest, value, step, item)
                item.raw = ZERO_INTERVAL
                return ZERO_INTERVAL
            value = result
        if item.raw is None:
            item.raw = value.with_zero() if item.may_zero else value
        return value.with_zero() if item.may_zero else value

    # ---- operations over intervals -------------------------------------------------------

    def _sum(self, op: ops.Sum, value: Interval, step, item: _Item) -> Interval:
        if op.start is not None:
            value = self.out.starts[step.id] = num(op.start, item.env)
        for term in op.terms:
            value = add(value, self.out.values[term])
        for child in op.children:
            value = add(value, self._contribution(child))
        return value

    def _contribution(self, child: ops.Child) -> Interval:
        """What a child (or a top-level item, bonus, penalty) adds to its parent
        (the total), given that the parent is scored."""
        where = self.where[child.child]
        if where.env is None:
            return ZERO_INTERVAL
        value = self.on[child.child]
        if child.weight is not None and child.max is not None:
            weight, reach = amount(child.weight, where.env)
            if reach is not None:
                self.out.lookups[weight_id(child.child)] = reach
            on_hundred = div(mul(value, Interval.point(HUNDRED)), Interval.point(child.max))
            value = round_ends(mul(weight, on_hundred), child.round)
        return value.with_zero() if where.own_off else value

    def _zero_if(self, op: ops.ZeroIf, value: Interval, step, item: _Item) -> Interval:
        item.zeroes += 1
        holds = self.out.conditions[zero_id(step.id, item.zeroes)] = truth(op.condition, item.env)
        if holds == ALWAYS:
            return evaluate.STOP
        if True in holds:
            item.may_zero = True
        return value

    def _scale(self, op: ops.Scale, value: Interval, step, item: _Item) -> Interval:
        return mul(value, num(op.factor, item.env))

    @staticmethod
    def _round(op: ops.Round, value: Interval, step, item: _Item) -> Interval:
        return round_ends(value, op)

    @staticmethod
    def _clamp(op: ops.Clamp, value: Interval, step, item: _Item) -> Interval:
        lo, hi = value.lo, value.hi
        if op.floor is not None:
            lo, hi = max(lo, op.floor), max(hi, op.floor)
        if op.cap is not None:
            if op.deduction:
                lo, hi = max(lo, -op.cap), max(hi, -op.cap)
            else:
                lo, hi = min(lo, op.cap), min(hi, op.cap)
        return Interval(lo, hi)

    def _veto_total(self, op: ops.Veto, value: Interval, step, item: _Item) -> Interval:
        vetoes = [self.out.conditions[veto] for veto in op.vetoes]
        if any(t == ALWAYS for t in vetoes):
            return ZERO_INTERVAL
        if any(True in t for t in vetoes):
            return value.with_zero()
        return value


def analyse(graph: ScoringGraph) -> Bounds:
    """The static bounds of every term, item and the total of ``graph``."""
    return _Analysis(graph).run()


__all__ = ["Bounds", "Interval", "Reach", "Truth", "ALWAYS", "NEVER", "EITHER", "INF", "NEG_INF",
           "analyse", "truth", "zero_id", "applies_id", "weight_id"]
