"""Which rows of a lookup table the allowed values of its key reach: for the static bounds'
values of lookups and ledger sums, and for the lints on rows never reached and keys no row
matches (W0520)."""

from __future__ import annotations

import decimal
from decimal import Decimal

import attrs

from assessc.core.intervals import ZERO_INTERVAL, Interval, hull_of, integral_ends, show_end
from assessc.ir import nodes as ir




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
            return show_end(self.lo) if self.lo == self.hi else f"{show_end(self.lo)}..{show_end(self.hi)}"
        return f"{'(' if self.lo_open else '['}{show_end(self.lo)}, {show_end(self.hi)}{')' if self.hi_open else ']'}"

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
    return show_end(lo) if lo == hi else f"{show_end(lo)}..{show_end(hi)}"


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


def reach_numbers(table: ir.Table, domain: Interval, integral: bool) -> Reach:
    if integral:
        domain = integral_ends(domain) or domain
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


def reach_members(table: ir.Table, members: frozenset | None, order: tuple = ()) -> Reach:
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


def lookup_value(table: ir.Table, reach: Reach) -> Interval:
    values = [row.value for row, hit in zip(table.rows, reach.rows) if hit]
    if reach.unmatched and table.default is not None:  # without `else`, such a key stops scoring
        values.append(table.default)
    if not values:  # no allowed key finds a row: the lookup never gives a value
        return ZERO_INTERVAL
    return hull_of(values)


