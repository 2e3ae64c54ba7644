"""Lints of `grades` (等次 by score): bands that overlap or leave a reachable score without a grade
(W0535), and bands no score can fall in (W0536).

The scores a scheme grades are those its total (or item) can take: the static bounds' interval
(:mod:`assessc.graph.bounds`) and, when the policy rounds that score, only the multiples of its
rounding step — so ``良好: 75..89.9`` then ``优秀: 90..`` leaves no gap under
``round total 1 places`` (no total lies between 89.9 and 90) and a gap without it (89.95).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator

from assessc.diagnostics import codes
from assessc.graph.bounds import Bounds
from assessc.ir import nodes as ir
from assessc.lint.checks import Finding, _finding
from assessc.runtime.decimals import CONTEXT, show

# A stretch of scores: (low, low_open, high, high_open); None ends are unbounded.


def _nonempty(lo, lo_open, hi, hi_open, step: Decimal | None) -> bool:
    """Whether the stretch holds a score: any number, or with ``step`` a multiple of it."""
    if lo is not None and hi is not None and (lo > hi or (lo == hi and (lo_open or hi_open))):
        return False
    if step is None or lo is None or hi is None:
        return True
    first = CONTEXT.multiply(CONTEXT.divide_int(lo, step), step)  # the multiple at or below lo
    while first < lo or (lo_open and first == lo):
        first = CONTEXT.add(first, step)
    return first < hi or (first == hi and not hi_open)


def _minus(piece, band) -> list[tuple]:
    """``piece`` without ``band``: the parts below and above it."""
    lo, lo_open, hi, hi_open = piece
    b_lo, b_lo_open, b_hi, b_hi_open = band
    out = []
    if b_lo is not None:  # below the band
        top, top_open = (b_lo, not b_lo_open) if hi is None or b_lo < hi or (b_lo == hi and not hi_open) else (hi, hi_open)
        out.append((lo, lo_open, top, top_open))
    if b_hi is not None:  # above the band
        bottom, bottom_open = ((b_hi, not b_hi_open) if lo is None or b_hi > lo or (b_hi == lo and not lo_open)
                               else (lo, lo_open))
        out.append((bottom, bottom_open, hi, hi_open))
    return out


def _overlap(a, b):
    lo, lo_open = max((a[0], a[1]), (b[0], b[1]), key=lambda e: (e[0] is not None, e[0] or 0, e[1]))
    hi, hi_open = min((a[2], a[3]), (b[2], b[3]), key=lambda e: (e[0] is None, e[0] or 0, not e[1]))
    return lo, lo_open, hi, hi_open


def _describe(lo, lo_open, hi, hi_open) -> str:
    if lo is not None and lo == hi:
        return show(lo)
    low = "" if lo is None else (">" if lo_open else "") + show(lo)
    high = "" if hi is None else ("<" if hi_open else "") + show(hi)
    return f"{low}..{high}"


def _step(policy: ir.Policy, scheme: ir.GradeScheme) -> Decimal | None:
    """The rounding step of the score a scheme grades (None: exact, any decimal)."""
    rounding = policy.rounding
    if rounding is None or (scheme.item is not None and rounding.scope != "each"):
        return None
    return Decimal(1).scaleb(-rounding.places, CONTEXT)


def _reach(bounds: Bounds, scheme: ir.GradeScheme):
    interval = bounds.values.get("total" if scheme.item is None else scheme.item)
    if interval is None:
        return (None, False, None, False)
    lo = None if interval.lo.is_infinite() else interval.lo
    hi = None if interval.hi.is_infinite() else interval.hi
    return (lo, False, hi, False)


def grade_bands(policy: ir.Policy, bounds: Bounds) -> Iterator[Finding]:
    """W0535 and W0536 for every `grades` scheme."""
    accepts = policy.accepts
    for scheme in policy.outcomes.grades:
        step = _step(policy, scheme)
        reach = _reach(bounds, scheme)
        what = "total" if scheme.item is None else f"value of item `{scheme.item}`"
        bands = [(b, b.ends()) for b in scheme.bands]
        for k, (band, ends) in enumerate(bands):
            if not _nonempty(*_overlap(ends, reach), step):
                yield _finding(codes.UNREACHABLE_GRADE, band.span,
                               f"no {what} can be {band.describe()}, so no entity is graded `{band.name}`",
                               f"the {what} lies in {_describe(*reach)}; check the band's bounds", accepts)
            for earlier, earlier_ends in bands[:k]:
                common = _overlap(_overlap(ends, earlier_ends), reach)
                if _nonempty(*common, step):
                    yield _finding(codes.GRADE_GAP, band.span,
                                   f"grade `{band.name}` {band.describe()} overlaps grade `{earlier.name}` "
                                   f"{earlier.describe()}: a {what} of {_describe(*common)} is in both",
                                   f"the first band written wins (`{earlier.name}`); make the bands disjoint, "
                                   "e.g. `75..<90` for 75分至不满90分", accepts)
        uncovered = [reach]
        for _, ends in bands:
            uncovered = [part for piece in uncovered for part in _minus(piece, ends) if _nonempty(*part, step)]
        for piece in uncovered:
            yield _finding(codes.GRADE_GAP, scheme.span,
                           f"a {what} of {_describe(*piece)} is in no grade of `{scheme.title}`",
                           "widen a band to cover it (`75..<90` rather than `75..89.9` when scores are not "
                           "rounded to one place), or say it is not graded with `accept W0535 \"…\"`", accepts)


CHECKS = (grade_bands,)
