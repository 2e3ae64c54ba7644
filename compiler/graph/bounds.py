"""Static bounds: the closed interval of values each node of the scoring graph can take.

``analyse(graph)`` computes, for every term, item and the total, an interval
``[lo, hi]`` that contains the node's value for *every* entity whose facts
the declared types and ranges allow. It is an abstract interpretation of
:mod:`assessc.backends.interp`: one pass down the item tree decides where
each item applies, then one pass over ``graph.order`` mirrors the
interpreter node by node, with each concrete value replaced by an abstract
one.

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

import datetime
import decimal
from collections.abc import Mapping
from decimal import Decimal
from typing import Iterable, Union

import attrs

from assessc.facts.numeric import bounds as fact_bounds
from assessc.graph.nodes import ITEM, TERM, TOTAL, VETO, ScoringGraph
from assessc.ir import nodes as ir
from assessc.ir.types import INTEGER_KINDS, NUMERIC_KINDS, ExprType, FactDecl, Kind
from assessc.runtime.decimals import ARITHMETIC_ERRORS, CONTEXT, divide, quantize, show

INF = Decimal("Infinity")
NEG_INF = Decimal("-Infinity")
ZERO = Decimal(0)
HUNDRED = Decimal(100)

#: the truth values a condition can take
Truth = frozenset
ALWAYS: Truth = frozenset({True})
NEVER: Truth = frozenset({False})
EITHER: Truth = frozenset({True, False})


# ---- intervals -------------------------------------------------------------------


def _show_end(value: Decimal) -> str:
    if value.is_infinite():
        return "-inf" if value < 0 else "inf"
    return show(value)


@attrs.frozen
class Interval:
    """A closed interval of finite decimals; an infinite end means unbounded."""

    lo: Decimal
    hi: Decimal

    def __attrs_post_init__(self):
        if not (self.lo <= self.hi and self.lo != INF and self.hi != NEG_INF):
            raise ValueError(f"not an interval: [{self.lo}, {self.hi}]")

    @classmethod
    def point(cls, value: Decimal) -> "Interval":
        return cls(value, value)

    @classmethod
    def full(cls) -> "Interval":
        return cls(NEG_INF, INF)

    def __contains__(self, value) -> bool:
        return self.lo <= value <= self.hi

    @property
    def bounded(self) -> bool:
        return self.lo.is_finite() and self.hi.is_finite()

    def hull(self, other: "Interval") -> "Interval":
        return Interval(min(self.lo, other.lo), max(self.hi, other.hi))

    def with_zero(self) -> "Interval":
        return self.hull(ZERO_INTERVAL)

    def meet(self, other: "Interval") -> "Interval | None":
        lo, hi = max(self.lo, other.lo), min(self.hi, other.hi)
        return Interval(lo, hi) if lo <= hi else None

    def describe(self) -> str:
        """The interval as a range: ``1..14``, ``0..inf``, ``2``."""
        if self.lo == self.hi:
            return _show_end(self.lo)
        return f"{_show_end(self.lo)}..{_show_end(self.hi)}"

    def __str__(self) -> str:
        return f"[{_show_end(self.lo)}, {_show_end(self.hi)}]"


ZERO_INTERVAL = Interval(ZERO, ZERO)


def _beyond(sign: int) -> Decimal:
    """An end past the largest decimal (10^999999): unbounded, as far as bounds go."""
    return INF if sign > 0 else NEG_INF


_HUGE = Decimal(f"1E+{CONTEXT.Emax}")


def _ends(lo: Decimal, hi: Decimal) -> Interval:
    """[lo, hi], where both ends past the largest decimal on one side (a product of huge
    constants) keep a finite end on the other: the value is finite, only too large to hold."""
    return Interval(_HUGE if lo == INF else lo, -_HUGE if hi == NEG_INF else hi)


def _plus(x: Decimal, y: Decimal) -> Decimal:
    try:
        return CONTEXT.add(x, y)
    except decimal.Overflow:  # two huge ends of one sign
        return _beyond(1 if x > 0 else -1)


def _add(a: Interval, b: Interval) -> Interval:
    return _ends(_exact_or(_plus, a.lo, b.lo, NEG_INF), _exact_or(_plus, a.hi, b.hi, INF))


def _exact_or(operation, x: Decimal, y: Decimal, unbounded: Decimal) -> Decimal:
    """``operation(x, y)``, or ``unbounded`` when the exact result has more digits than the context
    keeps (the interpreter stops there with an error; an unbounded end is still sound)."""
    try:
        return operation(x, y)
    except decimal.Inexact:
        return unbounded


def _neg(a: Interval) -> Interval:
    return Interval(-a.hi, -a.lo)


def _sub(a: Interval, b: Interval) -> Interval:
    return _add(a, _neg(b))


def _times(x: Decimal, y: Decimal) -> Decimal:
    if x.is_zero() or y.is_zero():
        return ZERO  # 0 × ∞ = 0: an infinite end stands for a finite value
    try:
        return CONTEXT.multiply(x, y)
    except decimal.Overflow:
        return _beyond(1 if (x > 0) == (y > 0) else -1)


def _mul(a: Interval, b: Interval) -> Interval:
    try:
        corners = [_times(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
    except decimal.Inexact:  # more digits than the context keeps: the interpreter stops there
        return Interval.full()
    return _ends(min(corners), max(corners))


def _quotients(x: Decimal, y: Decimal) -> list[Decimal]:
    """The values x / y approaches at a corner (y ≠ 0)."""
    if x.is_infinite() and y.is_infinite():
        sign = 1 if (x > 0) == (y > 0) else -1
        return [ZERO, INF if sign > 0 else NEG_INF]
    if x.is_zero() or y.is_infinite():
        return [ZERO]
    try:
        return [divide(x, y)]
    except decimal.Overflow:
        return [_beyond(1 if (x > 0) == (y > 0) else -1)]


def _towards_zero(x: Decimal, divisor_sign: int) -> list[Decimal]:
    """The value x / y approaches as y → 0 from the side ``divisor_sign``."""
    if x.is_zero():
        return [ZERO]
    return [INF if (x > 0) == (divisor_sign > 0) else NEG_INF]


def _div(a: Interval, b: Interval) -> Interval:
    if b.lo > 0 or b.hi < 0:
        corners = [q for x in (a.lo, a.hi) for y in (b.lo, b.hi) for q in _quotients(x, y)]
    elif b.lo == 0 and b.hi > 0:  # divisors in (0, hi]: 0 itself is an evaluation error
        corners = [q for x in (a.lo, a.hi) for q in _quotients(x, b.hi) + _towards_zero(x, 1)]
    elif b.hi == 0 and b.lo < 0:  # divisors in [lo, 0)
        corners = [q for x in (a.lo, a.hi) for q in _quotients(x, b.lo) + _towards_zero(x, -1)]
    else:  # 0 inside the divisor, or the divisor is exactly 0 (never a value)
        return Interval.full()
    return _ends(min(corners), max(corners))


def _map_ends(a: Interval, func) -> Interval:
    """Apply a monotone (non-decreasing) function to both finite ends."""
    return Interval(a.lo if a.lo.is_infinite() else func(a.lo), a.hi if a.hi.is_infinite() else func(a.hi))


def _floor(a: Interval) -> Interval:
    return _map_ends(a, lambda v: v.to_integral_value(rounding=decimal.ROUND_FLOOR))


def _ceil(a: Interval) -> Interval:
    return _map_ends(a, lambda v: v.to_integral_value(rounding=decimal.ROUND_CEILING))


def _round(a: Interval, rounding: ir.Rounding | None) -> Interval:
    if rounding is None:
        return a

    def end(value: Decimal) -> Decimal:
        try:
            return quantize(value, rounding.places, rounding.mode)
        except ARITHMETIC_ERRORS:  # too many digits: the interpreter cannot round it either
            return value

    return _map_ends(a, end)


def _integral_ends(a: Interval) -> Interval | None:
    """The smallest interval holding the whole numbers of ``a`` (None: none)."""
    lo = a.lo if a.lo.is_infinite() else a.lo.to_integral_value(rounding=decimal.ROUND_CEILING)
    hi = a.hi if a.hi.is_infinite() else a.hi.to_integral_value(rounding=decimal.ROUND_FLOOR)
    return Interval(lo, hi) if lo <= hi else None


def _hull_of(values: Iterable[Decimal]) -> Interval:
    values = list(values)
    return Interval(min(values), max(values))


# ---- lookups: which rows the key's allowed values reach ------------------------------------


@attrs.frozen
class Reach:
    """Which rows of one lookup table (or ledger table) the key's allowed values reach."""

    rows: tuple[bool, ...]  # one per row, in order: some allowed key value reaches it
    covered: tuple[bool, ...]  # one per row: some allowed key value matches it, earlier rows aside
    unmatched: bool  # some allowed key value matches no row (it takes the `else` row, or stops scoring)
    domain: "Interval | frozenset | None"  # the key's allowed values (None: unknown)
    integral: bool = False  # a numeric key that takes whole numbers only
    #: the allowed key values no row matches: pieces of numbers (:class:`_Piece`) or members;
    #: None when they are not known
    left: "tuple | None" = ()

    def describe_left(self) -> str:
        """The allowed key values no row matches, in words: ``9..14``, ``[0, 0.9)``, ``基本合格, 不合格``."""
        if self.left is None:
            return "some of its values"
        pieces = [p for p in self.left if isinstance(p, _Piece)]
        if not pieces:
            return ", ".join(str(m) for m in self.left)
        if self.integral:
            return ", ".join(_whole_range(lo, hi) for lo, hi in _whole_ranges(pieces))
        return ", ".join(p.describe() for p in _coalesce(pieces))

    def describe_domain(self) -> str:
        if isinstance(self.domain, Interval):
            whole = " (whole numbers)" if self.integral and self.domain.lo != self.domain.hi else ""
            return self.domain.describe() + whole
        if isinstance(self.domain, frozenset):
            return "{" + ", ".join(sorted(str(m) for m in self.domain)) + "}"
        return "any value"

    def merge(self, other: "Reach") -> "Reach":
        """Reachable in either of two evaluations of the same lookup."""
        if isinstance(self.domain, Interval) and isinstance(other.domain, Interval):
            domain = self.domain.hull(other.domain)
        elif isinstance(self.domain, frozenset) and isinstance(other.domain, frozenset):
            domain = self.domain | other.domain
        else:
            domain = None
        if self.left is None or other.left is None:
            left = None
        else:
            left = self.left + tuple(x for x in other.left if x not in self.left)
        return Reach(tuple(a or b for a, b in zip(self.rows, other.rows)),
                     tuple(a or b for a, b in zip(self.covered, other.covered)),
                     self.unmatched or other.unmatched, domain, self.integral and other.integral, left)


@attrs.frozen
class _Piece:
    """A piece of the key's domain not matched yet: an interval, each end open or closed."""

    lo: Decimal
    lo_open: bool
    hi: Decimal
    hi_open: bool

    def empty(self, integral: bool) -> bool:
        if integral:
            return self._first_whole() > self._last_whole()
        if self.lo < self.hi:
            return False
        return not (self.lo == self.hi and not self.lo_open and not self.hi_open)

    def _first_whole(self) -> Decimal:
        if self.lo.is_infinite():
            return self.lo
        whole = self.lo.to_integral_value(rounding=decimal.ROUND_CEILING)
        return whole + 1 if self.lo_open and whole == self.lo else whole

    def _last_whole(self) -> Decimal:
        if self.hi.is_infinite():
            return self.hi
        whole = self.hi.to_integral_value(rounding=decimal.ROUND_FLOOR)
        return whole - 1 if self.hi_open and whole == self.hi else whole

    def meet(self, lo: Decimal, hi: Decimal) -> "_Piece":
        new_lo, lo_open = (self.lo, self.lo_open) if self.lo >= lo else (lo, False)
        new_hi, hi_open = (self.hi, self.hi_open) if self.hi <= hi else (hi, False)
        return _Piece(new_lo, lo_open, new_hi, hi_open)

    def describe(self) -> str:
        if not self.lo_open and not self.hi_open:
            return _show_end(self.lo) if self.lo == self.hi else f"{_show_end(self.lo)}..{_show_end(self.hi)}"
        return f"{'(' if self.lo_open else '['}{_show_end(self.lo)}, {_show_end(self.hi)}{')' if self.hi_open else ']'}"

    def minus(self, lo: Decimal, hi: Decimal) -> list["_Piece"]:
        """What is left of this piece once the band ``lo..hi`` (closed) has matched."""
        below = _Piece(self.lo, self.lo_open, min(self.hi, lo), True if lo <= self.hi else self.hi_open)
        above = _Piece(max(self.lo, hi), True if hi >= self.lo else self.lo_open, self.hi, self.hi_open)
        return [below, above]


def _whole_ranges(pieces: list[_Piece]) -> list[tuple[Decimal, Decimal]]:
    """The whole numbers of ``pieces`` as ranges, sorted, touching ranges joined."""
    ranges = sorted((p._first_whole(), p._last_whole()) for p in pieces)
    joined: list[list[Decimal]] = []
    for lo, hi in ranges:
        if joined and lo <= joined[-1][1] + 1:
            joined[-1][1] = max(joined[-1][1], hi)
        else:
            joined.append([lo, hi])
    return [(lo, hi) for lo, hi in joined]


def _whole_range(lo: Decimal, hi: Decimal) -> str:
    return _show_end(lo) if lo == hi else f"{_show_end(lo)}..{_show_end(hi)}"


def _coalesce(pieces: list[_Piece]) -> list[_Piece]:
    """``pieces`` sorted, overlapping or touching ones joined."""
    out: list[_Piece] = []
    for piece in sorted(pieces, key=lambda p: (p.lo, p.lo_open)):
        if out:
            last = out[-1]
            if piece.lo < last.hi or (piece.lo == last.hi and not (piece.lo_open and last.hi_open)):
                if (piece.hi, not piece.hi_open) > (last.hi, not last.hi_open):
                    out[-1] = _Piece(last.lo, last.lo_open, piece.hi, piece.hi_open)
                continue
        out.append(piece)
    return out


def _reach_numbers(table: ir.Table, domain: Interval, integral: bool) -> Reach:
    if integral:
        domain = _integral_ends(domain) or domain
    whole = _Piece(domain.lo, domain.lo.is_infinite(), domain.hi, domain.hi.is_infinite())
    pieces = [whole]
    reached, covered = [], []
    for row in table.rows:
        if row.member is not None:
            reached.append(False)
            covered.append(False)
            continue
        reached.append(any(not p.meet(row.low, row.high).empty(integral) for p in pieces))
        covered.append(not whole.meet(row.low, row.high).empty(integral))
        pieces = [q for p in pieces for q in p.minus(row.low, row.high) if not q.empty(integral)]
    return Reach(tuple(reached), tuple(covered), bool(pieces), domain, integral, tuple(pieces))


def _reach_members(table: ir.Table, members: frozenset | None, order: tuple = ()) -> Reach:
    """``order``: the members as declared, the order the ones no row matches are listed in."""
    left = set(members) if members is not None else None
    reached, covered = [], []
    for row in table.rows:
        if row.member is None:
            reached.append(False)
        elif left is None:
            reached.append(True)
        else:
            reached.append(row.member in left)
            left.discard(row.member)
        covered.append(row.member is not None and (members is None or row.member in members))
    ranked = {m: k for k, m in enumerate(order)}
    rest = None if left is None else tuple(sorted(left, key=lambda m: (ranked.get(m, len(ranked)), str(m))))
    return Reach(tuple(reached), tuple(covered), left is None or bool(left), members, False, rest)


def _lookup_value(table: ir.Table, reach: Reach) -> Interval:
    values = [row.value for row, hit in zip(table.rows, reach.rows) if hit]
    if reach.unmatched and table.default is not None:  # without `else`, such a key stops scoring
        values.append(table.default)
    if not values:  # no allowed key finds a row: the lookup never gives a value
        return ZERO_INTERVAL
    return _hull_of(values)


# ---- the domain of facts, and environments narrowed by conditions ----------------------

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


class _Env:
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

    def set(self, expr: ir.Expr, value: Abstract) -> "_Env":
        env = _Env(self.narrowed, self.log)
        env.narrowed[_atom_key(expr)] = value
        return env

    def join(self, other: "_Env") -> "_Env":
        """Facts allowed by either environment: a key narrowed in one only is
        not narrowed at all."""
        joined = {}
        for key in self.narrowed.keys() & other.narrowed.keys():
            a, b = self.narrowed[key], other.narrowed[key]
            if isinstance(a, Interval) and isinstance(b, Interval):
                joined[key] = a.hull(b)
            elif isinstance(a, frozenset) and isinstance(b, frozenset):
                joined[key] = a | b
        return _Env(joined, self.log)

    def note(self, expr: ir.Expr, reach: Reach) -> None:
        if self.log is not None:
            self.log[expr] = self.log[expr].merge(reach) if expr in self.log else reach


BASE = _Env()


def _join(a: _Env | None, b: _Env | None) -> _Env | None:
    if a is None:
        return b
    if b is None:
        return a
    return a.join(b)


def _integral(expr: ir.Expr) -> bool:
    """Every value of ``expr`` is a whole number."""
    if isinstance(expr, ir.Const):
        return _is_whole(expr.value)
    if isinstance(expr, ir.FactRef):
        return _fact_integral(expr.fact)
    if isinstance(expr, (ir.MissingCount, ir.EntryCount)):
        return True
    if isinstance(expr, ir.Unary):
        return expr.op == "-" and _integral(expr.operand)
    if isinstance(expr, ir.Binary):
        return expr.op in ("+", "-", "*") and _integral(expr.left) and _integral(expr.right)
    if isinstance(expr, ir.Call):
        if expr.func == "workdays":
            return True
        return expr.func in ("min", "max") and all(_integral(a) for a in expr.args)
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


def _num(expr: ir.Expr, env: _Env) -> Interval:
    if isinstance(expr, ir.Const):
        return Interval.point(expr.value) if isinstance(expr.value, Decimal) else Interval.full()
    if _atom_key(expr) is not None:
        value = env.get(expr)
        return value if isinstance(value, Interval) else Interval.full()
    if isinstance(expr, ir.Unary) and expr.op == "-":
        return _neg(_num(expr.operand, env))
    if isinstance(expr, ir.Binary) and expr.op in ("+", "-", "*", "/"):
        a, b = _num(expr.left, env), _num(expr.right, env)
        return {"+": _add, "-": _sub, "*": _mul, "/": _div}[expr.op](a, b)
    if isinstance(expr, ir.Call):
        return _call(expr, env)
    if isinstance(expr, ir.EntryCount):  # `count L where (…)`: some of the entries
        return _atom_domain(expr)
    if isinstance(expr, ir.LookupValue):
        reach, value = _lookup(expr.table, expr.key, env)
        env.note(expr, reach)
        return value
    if isinstance(expr, getattr(ir, "LedgerValue", ())):  # `sum L … by F TABLE`
        value, reach = _ledger(expr.body)
        if reach is not None:
            env.note(expr, reach)
        return value
    return Interval.full()


def _call(expr: ir.Call, env: _Env) -> Interval:
    if expr.func in ("min", "max") and expr.args:
        args = [_num(a, env) for a in expr.args]
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


def _lookup(table: ir.Table, key: ir.Expr, env: _Env) -> tuple[Reach, Interval]:
    """Row reachability of ``table`` over ``key`` in ``env``, and the hull of
    the values the lookup gives."""
    if key.type is ExprType.NUMBER:
        reach = _reach_numbers(table, _num(key, env), _integral(key))
    else:
        order = key.fact.type.member_names if isinstance(key, (ir.FactRef, ir.FieldRef)) else ()
        reach = _reach_members(table, _members(key, env), tuple(order))
    return reach, _lookup_value(table, reach)


def _members(expr: ir.Expr, env: _Env) -> frozenset | None:
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


def truth(cond: ir.Expr, env: _Env = BASE) -> Truth:
    """The truth values ``cond`` can take over the facts ``env`` allows."""
    return frozenset(v for v in (True, False) if refine(env, cond, v) is not None)


def refine(env: _Env, cond: ir.Expr, want: bool) -> _Env | None:
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
        members = _members(cond.value, env)
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
    return _integral_ends(narrowed) if integral else narrowed


def _refine_numbers(env: _Env, left: ir.Expr, op: str, right: ir.Expr) -> _Env | None:
    a, b = _num(left, env), _num(right, env)
    if not _possible(op, a, b):
        return None
    for side, this, other, side_op in ((left, a, b, op), (right, b, a, _FLIPPED[op])):
        if _atom_key(side) is not None and isinstance(env.get(side), Interval):
            narrowed = _narrow(this, side_op, other, _integral(side))
            if narrowed is None:
                return None
            env = env.set(side, narrowed)
    return env


def _refine_equal(env: _Env, left: ir.Expr, op: str, right: ir.Expr) -> _Env | None:
    """``==`` / ``!=`` over enums, bools, dates and texts; ``<``… over dates."""
    if left.type is ExprType.BOOL or right.type is ExprType.BOOL:
        for side, other in ((left, right), (right, left)):
            if isinstance(other, ir.Const) and op in ("==", "!="):
                return refine(env, side, bool(other.value) == (op == "=="))
    a, b = _members(left, env), _members(right, env)
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


def _ledger(body: ir.LedgerSum) -> tuple[Interval, Reach | None]:
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
        reach = _reach_members(body.table, frozenset(members), tuple(members))
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
    entry = _hull_of(table_points.values())
    groups: list[Interval] | None = None
    if body.group is not None:
        if body.group == body.field:
            groups = [_hull_of(table_points[(m, c)] for c in columns if (m, c) in table_points) for m in members
                      if any((m, c) in table_points for c in columns)]
        elif column_field is not None and body.group == column_field:
            groups = [_hull_of(table_points[(m, c)] for m in members if (m, c) in table_points) for c in columns
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


def _steps(body: ir.Steps, env: _Env) -> Interval:
    amount, step = _num(body.amount, env), _num(body.step, env)
    threshold, value = _num(body.threshold, env), _num(body.value, env)
    gap = _sub(threshold, value) if body.direction == "below" else _sub(value, threshold)
    if gap.hi <= 0:
        return ZERO_INTERVAL
    positive = Interval(max(gap.lo, ZERO), gap.hi)
    quotient = _div(positive, step)
    if body.partial == "whole":
        steps = _floor(quotient)
    elif body.partial == "started":
        steps = _ceil(quotient)
    else:
        steps = quotient
    result = _mul(steps, amount)
    return result.with_zero() if gap.lo <= 0 else result


def _body(body: ir.TermBody, env: _Env) -> tuple[Interval, Reach | None]:
    if isinstance(body, ir.Value):
        return _num(body.expr, env), None
    if isinstance(body, ir.Per):
        return _mul(_num(body.amount, env), _num(body.count, env)), None
    if isinstance(body, ir.Steps):
        return _steps(body, env), None
    if isinstance(body, ir.Lookup):
        reach, value = _lookup(body.table, body.key, env)
        return value, reach
    if isinstance(body, ir.LedgerSum):
        return _ledger(body)
    return Interval.full(), None  # a form this analysis does not know: anything


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
      ``I:applies``, a veto under ``veto:k``, an outcome rule under ``outcome:k``;
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

    env: _Env | None
    own_off: bool
    off: bool


class _Analysis:
    def __init__(self, graph: ScoringGraph):
        self.graph = graph
        self.policy: ir.Policy = graph.policy
        rounding = self.policy.rounding
        self.rounding = rounding
        self.round_each = rounding if rounding is not None and rounding.scope == "each" else None
        self.out = Bounds()
        self.base = _Env(log=self.out.lookups)
        self.where: dict[str, _Where] = {}
        self.on: dict[str, Interval] = {}  # item id → value where it applies

    def run(self) -> Bounds:
        with decimal.localcontext(CONTEXT):
            for top in (*self.policy.items, *self.policy.bonuses, *self.policy.penalties):
                self._place(top, self.base, False)
            for node in self.graph.order:
                if node.kind == TERM:
                    self.out.values[node.id] = self._term(node.id, node.ir, self.where[node.parent].env)
                elif node.kind == ITEM:
                    self._item(node.ir)
                elif node.kind == VETO:
                    self.out.conditions[node.id] = truth(node.ir.condition, self.base)
                elif node.kind == TOTAL:
                    self.out.values[node.id] = self._total()
            for k, rule in enumerate(self.policy.outcomes.rules, start=1):  # for their lookups' rows
                self.out.conditions[f"outcome:{k}"] = truth(rule.condition, self.base)
        return self.out

    def _place(self, item: ir.Node, env: _Env | None, parent_off: bool) -> None:
        own_off = False
        if env is not None and item.applies is not None:
            holds = truth(item.applies, env)
            self.out.conditions[applies_id(item.id)] = holds
            own_off = False in holds
            env = refine(env, item.applies, True) if True in holds else None
        self.where[item.id] = _Where(env, own_off, parent_off or own_off or env is None)
        for child in item.children:
            self._place(child, env, self.where[item.id].off)

    def _term(self, term_id: str, term: ir.Term, env: _Env | None) -> Interval:
        holds = ALWAYS
        if env is not None and term.condition is not None:
            holds = truth(term.condition, env)
            self.out.conditions[term_id] = holds
            env = refine(env, term.condition, True) if True in holds else None
        if env is None:  # never evaluated: the item never applies, or the condition never holds
            return ZERO_INTERVAL
        body, reach = _body(term.body, env)
        if reach is not None:
            self.out.lookups[term_id] = reach
        value = _round(_neg(body) if term.sign < 0 else body, self.round_each)
        return value.with_zero() if False in holds else value

    def _contribution(self, child: ir.Node) -> Interval:
        """What a child (or a top-level item, bonus, penalty) adds to its parent
        (the total), given that the parent is scored."""
        where = self.where[child.id]
        if where.env is None:
            return ZERO_INTERVAL
        value = self.on[child.id]
        if child.weight is not None and child.max is not None:
            weight, reach = _body(child.weight, where.env)
            if reach is not None:
                self.out.lookups[weight_id(child.id)] = reach
            on_hundred = _div(_mul(value, Interval.point(HUNDRED)), Interval.point(child.max))
            value = _round(_mul(weight, on_hundred), self.round_each)
        return value.with_zero() if where.own_off else value

    def _item(self, item: ir.Node) -> None:
        where = self.where[item.id]
        env = where.env
        if env is None:  # never scored: no raw interval
            self.on[item.id] = self.out.values[item.id] = ZERO_INTERVAL
            return
        total = ZERO_INTERVAL
        if item.start is not None:
            total = self.out.starts[item.id] = _num(item.start, env)
        for k in range(1, len(item.terms) + 1):
            total = _add(total, self.out.values[f"{item.id}/{k}"])
        for child in item.children:
            total = _add(total, self._contribution(child))
        zeroes = []
        for k, zero in enumerate(item.zero_if, start=1):
            zeroes.append(truth(zero.condition, env))
            self.out.conditions[zero_id(item.id, k)] = zeroes[-1]
        if any(t == ALWAYS for t in zeroes):
            value = self.out.raw[item.id] = ZERO_INTERVAL
        else:
            may_zero = any(True in t for t in zeroes)
            self.out.raw[item.id] = total.with_zero() if may_zero else total
            value = total
            if item.coefficient is not None:
                value = _mul(value, _num(item.coefficient, env))
            value = _clamp(item, _round(value, self.round_each))  # the interpreter's order: floor and cap last
            if may_zero:
                value = value.with_zero()
        value = self.on[item.id] = value
        self.out.values[item.id] = value.with_zero() if where.off else value

    def _total(self) -> Interval:
        policy = self.policy
        main = ZERO_INTERVAL
        for top in policy.items:
            main = _add(main, self._contribution(top))
        if policy.coefficient is not None:
            main = _mul(main, _num(policy.coefficient, self.base))
        if policy.max is not None:
            main = Interval(min(main.lo, policy.max), min(main.hi, policy.max))
        value = main
        for extra in (*policy.bonuses, *policy.penalties):
            value = _add(value, self._contribution(extra))
        vetoes = [self.out.conditions[f"veto:{k}"] for k in range(1, len(policy.vetoes) + 1)]
        if any(t == ALWAYS for t in vetoes):
            value = ZERO_INTERVAL
        elif any(True in t for t in vetoes):
            value = value.with_zero()
        return _round(value, self.rounding)


def _clamp(item: ir.Node, value: Interval) -> Interval:
    lo, hi = value.lo, value.hi
    if item.floor is not None:
        lo, hi = max(lo, item.floor), max(hi, item.floor)
    if item.max is not None and not item.uncapped:
        if item.kind == "penalty":
            lo, hi = max(lo, -item.max), max(hi, -item.max)
        else:
            lo, hi = min(lo, item.max), min(hi, item.max)
    return Interval(lo, hi)


def analyse(graph: ScoringGraph) -> Bounds:
    """The static bounds of every term, item and the total of ``graph``."""
    return _Analysis(graph).run()


__all__ = ["Bounds", "Interval", "Reach", "Truth", "ALWAYS", "NEVER", "EITHER", "INF", "NEG_INF",
           "analyse", "truth", "zero_id", "applies_id", "weight_id"]
