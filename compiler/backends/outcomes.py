"""Where each entity stands after scoring: rank, tie group, awards, demotions,
forced last place, flags and veto (F23, F25–F27 of the seeds).

The algorithm:

1. **Placement.** Entities fall into three classes, placed in this order:
   those placed by their total; those for which a ``rank last "…" if C``
   rule holds (直接排名最后一位), placed after every other whatever their
   score; and vetoed entities (一票否决: the entity fails the assessment),
   placed after all of them. Within a class, entities are ordered by total,
   highest first. Ranks are standard competition ranks (1, 2, 2, 4): the
   entities of one class with one total form a **tie group**, share the
   group's best rank and keep their input order; ties are reported, never
   broken. A vetoed entity (total 0) is therefore never tied with an entity
   that scored a genuine 0.
2. **Award bands.** Each ``awards … by rank [of ITEM] { NAME: lo..hi }``
   scheme gives an entity the band holding its rank (by the total, or by
   ITEM's value for a single-item scheme, where vetoed entities are also
   placed after the others). When a tie group straddles the last place of a
   band — e.g. two entities tied at rank 5 of a 1..5 band — both get the
   band (they share rank 5), and the award carries a note that the band then
   holds more entities than places, so the deciding body can settle it
   (第十六条 "原则上" / "由…综合评定"). A vetoed entity gets no award.
3. **Demotion.** Each ``demote "…" if C`` that holds moves the entity one
   band down in every scheme ranked by the total (降低一个等次评奖); below the
   last band there is no award.
4. **Flags.** ``flag "…" if C`` is decided with ``place()`` (the entity's
   rank) and ``last_place()`` (the worst rank this year) known, e.g. last
   place two years running given last year's result (第十八条).
5. **Grades.** Each ``grades … { NAME: lo..hi }`` scheme gives an entity the
   first band (in written order) that holds its exact total (after rounding),
   or ITEM's value for ``of ITEM``; none when no band holds it. A
   ``veto "…" grade G if C`` that holds fixes the grade of every scheme of the
   total to G, keeps the score, and places the entity with the vetoed ones
   (after all others: never tied with a scored entity, no award). Grades are
   decided before the outcome rules, which may read them (``grade()``), the
   total (``total()``) and item values (``score(ITEM)``).

Ranking sorts the totals themselves (``sorted(…, reverse=True)``, stable), so
no arithmetic, and no rounding, enters it; it takes O(n log n) time. Placement
and bands are defined once, in :mod:`assessc.runtime.standing`, which the
generated Python scorer also carries.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Callable, Mapping, Sequence

import attrs

from assessc.core.exact import Env, NoRow
from assessc.ir import nodes as ir
from assessc.runtime.decimals import ARITHMETIC_ERRORS, CONTEXT, failure
from assessc.ir.grades import key_of, read_of, reads_of
from assessc.runtime.standing import FORCED_LAST, PLACED, VETOED, band_award, grade_of, placement

__all__ = ["Award", "Grade", "Standing", "decide", "decide_standings", "grades_of", "grade_why", "placement",
           "PLACED", "FORCED_LAST", "VETOED"]

@attrs.frozen(slots=True)
class Award:
    scheme: str
    band: str | None  # after demotion (and veto); None: no award
    by_rank: str | None  # the band the rank alone gives
    note: str | None = None


@attrs.frozen(slots=True)
class Grade:
    """An entity's grade in one `grades` scheme: ``grade`` None when no band holds its score;
    ``vetoed`` the reason of the grade veto that fixed it."""

    scheme: str
    grade: str | None
    item: str | None = None  # None: the grade of the total
    vetoed: str | None = None


def scheme_bands(scheme: ir.GradeScheme) -> tuple:
    """The bands as :func:`assessc.runtime.standing.grade_of` reads them."""
    return tuple((b.name, *b.ends()) for b in scheme.bands)


def grades_of(outcomes: ir.Outcomes, total: Decimal, value_of: Callable[[str], Decimal],
              fixed: ir.GradeVeto | None = None, bands: Sequence[tuple] | None = None) -> tuple[Grade, ...]:
    """An entity's grade in every scheme: of its exact ``total``, or of ``value_of(item)``; ``fixed``
    (the first grade veto that holds) sets the grade of the schemes of the total."""
    bands = bands if bands is not None else [scheme_bands(s) for s in outcomes.grades]
    out = []
    for scheme, scheme_bands_ in zip(outcomes.grades, bands):
        if scheme.item is None:
            out.append(Grade(scheme.title, grade_of(scheme_bands_, total, fixed.grade if fixed else None), None,
                             fixed.reason if fixed else None))
        else:
            out.append(Grade(scheme.title, grade_of(scheme_bands_, value_of(scheme.item)), scheme.item))
    return tuple(out)


def grade_why(policy: ir.Policy, grade: Grade, value: Decimal) -> str:
    """One line saying an entity's grade and why: the band its score lies in, or the veto that fixed it."""
    from assessc.runtime.decimals import show

    scheme = next(s for s in policy.outcomes.grades if s.item == grade.item)  # one scheme per score graded
    score = f"total {show(value)}" if scheme.item is None else f"item {scheme.item} = {show(value)}"
    head = f"{grade.scheme}: {grade.grade or '—'}"
    if grade.vetoed is not None:
        return f"{head}  (vetoed: {grade.vetoed}; the {score} stands)"
    if grade.grade is None:
        bands = ", ".join(f"{b.name} {b.describe()}" for b in scheme.bands)
        return f"{head}  ({score} is in no grade: {bands})"
    band = next(b for b in scheme.bands if b.name == grade.grade)
    return f"{head}  ({score} is in {band.describe()})"


@attrs.frozen(slots=True)
class Standing:
    """One entity's place after scoring: what every output reports of it besides its node scores."""

    entity: str
    total: Decimal
    rank: int
    #: how many entities share this rank (1: not tied); the group is named by its rank
    tie_size: int = 1
    vetoed: tuple[str, ...] = ()  # the reasons of the vetoes that hold
    forced_last: tuple[str, ...] = ()  # reasons
    demotions: tuple[str, ...] = ()  # reasons
    awards: tuple[Award, ...] = ()
    flags: tuple[str, ...] = ()
    #: the grade (等次) of the total, for policies that grade it; None otherwise (or in no band)
    grade: str | None = None
    #: the grade in every `grades` scheme, in written order
    grades: tuple[Grade, ...] = ()

    @property
    def tied(self) -> bool:
        return self.tie_size > 1

    @property
    def tie_group(self) -> int | None:
        """The tie group's id (its shared rank), or None when not tied."""
        return self.rank if self.tie_size > 1 else None


# Kept for programs written against the earlier name.
Outcome = Standing


class _OutcomeEnv(Env):
    """Fact values plus what outcome conditions read after scoring: ``scores`` (total(), score(ITEM),
    grade(), grade(ITEM) by :func:`~assessc.ir.grades.key_of`) and, for flags, the entity's place."""

    def __init__(self, values, scores: Mapping[str, object], place: int | None = None, last: int | None = None):
        super().__init__(values)
        self.scores, self.place, self.last = scores, place, last

    def eval(self, expr):
        if isinstance(expr, ir.Call):
            if expr.func in ("place", "last_place"):
                return Decimal(self.place if expr.func == "place" else self.last)
            if expr.func in ("total", "score", "grade"):
                return self.scores[key_of(*read_of(expr))]
        return super().eval(expr)


class _Scheme:
    """One award scheme's bands over one placement; each tie group's note made once."""

    def __init__(self, scheme: ir.AwardScheme, ranks: list[int], sizes: list[int]):
        self.scheme, self.ranks, self.sizes = scheme, ranks, sizes
        self.bands = tuple((b.name, b.low, b.high) for b in scheme.bands)
        self.notes: dict[int, str | None] = {}

    def award(self, position: int, demote: int, vetoed: bool) -> Award:
        rank = self.ranks[position]
        band, by_rank, note = band_award(self.bands, rank, self.sizes[position], demote, vetoed)
        if note is not None:
            note = self.notes.setdefault(rank, note)  # one string per tie group
        return Award(self.scheme.title, band, by_rank, note)


class _Conditions:
    """Evaluates outcome conditions; one that cannot be computed for an entity (a lookup without a
    row, a division by zero, a date outside the calendar) is reported as scoring reports it (D0609),
    once every entity's outcome has been tried."""

    def __init__(self):
        from assessc.diagnostics import DiagnosticBag

        self.bag = DiagnosticBag()

    def holds(self, rule: ir.OutcomeRule | ir.GradeVeto, env: Env, entity: str) -> bool:
        from assessc.runtime.workdays import CalendarError

        try:
            with decimal.localcontext(CONTEXT):
                return bool(env.eval(rule.condition))
        except (NoRow, CalendarError) as error:
            problem = str(error)
        except ARITHMETIC_ERRORS as error:
            problem = f"cannot compute it: {failure(error)}"
        from assessc.diagnostics import codes

        kind = getattr(rule, "kind", "veto")
        self.bag.add(codes.EVALUATION_FAILED, rule.span,
                     f"entity `{entity}`: outcome `{kind} \"{rule.reason}\"`: {problem}")
        return False

    def check(self) -> None:
        if self.bag.has_errors:
            from assessc.api import ScoringError

            raise ScoringError(self.bag.sorted())


def decide_standings(policy: ir.Policy, entities: Sequence[str], totals: Sequence, vetoed: Sequence[tuple[str, ...]],
                     facts: Callable[[int], Mapping[str, object]] | None = None,
                     item_keys: Callable[[str], Sequence] | None = None,
                     shown_totals: Sequence[Decimal] | None = None,
                     item_values: Callable[[str], Sequence[Decimal]] | None = None) -> tuple[list[Standing], list[int]]:
    """The standing of every entity, in input order, and the positions in rank order.

    ``totals`` are the sort keys of the totals (Decimals, or integers of one scale);
    ``shown_totals`` the Decimal totals when the keys are not (default: the keys).
    ``facts(i)`` gives entity i's fact values (needed when the policy has outcome rules or grade vetoes);
    ``item_keys(item_id)`` the values of an item for every entity (for `by rank of ITEM`), as sort
    keys; ``item_values(item_id)`` the same as Decimals when the keys are not (for grades and score()).
    """
    outcomes = policy.outcomes
    conditions = _Conditions()
    n = len(entities)
    none: tuple[str, ...] = ()
    shown = totals if shown_totals is None else shown_totals
    values_of = item_values if item_values is not None else item_keys
    items: dict[str, Sequence[Decimal]] = {}

    def item_value(i: int, item: str) -> Decimal:
        if item not in items:
            items[item] = values_of(item)
        return items[item][i]

    # grade vetoes: the score stands, the grade is fixed, the entity is placed with the vetoed
    held = ([tuple(v for v in outcomes.vetoes if conditions.holds(v, Env(facts(i)), entities[i])) for i in range(n)]
            if outcomes.vetoes else [()] * n)
    vetoed = [tuple(vetoed[i]) + tuple(v.reason for v in held[i]) for i in range(n)] if outcomes.vetoes else vetoed
    bands = [scheme_bands(s) for s in outcomes.grades]
    grades = ([grades_of(outcomes, shown[i], lambda item, i=i: item_value(i, item), held[i][0] if held[i] else None,
                         bands) for i in range(n)]
              if outcomes.grades else [()] * n)
    reads = reads_of(outcomes)

    def scores(i: int) -> dict[str, object]:
        """What outcome conditions read of entity i's scores."""
        out: dict[str, object] = {}
        for func, item in reads:
            if func == "grade":
                out[key_of(func, item)] = next((g.grade for g in grades[i] if g.item == item), None)
            else:
                out[key_of(func, item)] = shown[i] if item is None else item_value(i, item)
        return out

    def env(i: int, place: int | None = None, last: int | None = None) -> Env:
        return _OutcomeEnv(facts(i), scores(i), place, last) if reads or place is not None else Env(facts(i))

    def reasons(rules, e: Env, i: int) -> tuple[str, ...]:
        return tuple(r.reason for r in rules if conditions.holds(r, e, entities[i])) or none

    last_rules, demote_rules, flag_rules = (outcomes.of_kind(k) for k in ("last", "demote", "flag"))
    forced = [reasons(last_rules, env(i), i) for i in range(n)] if last_rules else [none] * n
    classes = [VETOED if vetoed[i] else FORCED_LAST if forced[i] else PLACED for i in range(n)]
    order, ranks, sizes = placement(classes, totals)
    worst = max(ranks, default=0)
    schemes = []
    for scheme in outcomes.schemes:
        if scheme.item is None:
            schemes.append(_Scheme(scheme, ranks, sizes))
        else:
            _, item_ranks, item_sizes = placement([VETOED if v else PLACED for v in vetoed], item_keys(scheme.item))
            schemes.append(_Scheme(scheme, item_ranks, item_sizes))
    standings = []
    for i in range(n):
        demotions = reasons(demote_rules, env(i), i) if demote_rules else none
        awards = tuple(s.award(i, len(demotions) if s.scheme.item is None else 0, bool(vetoed[i])) for s in schemes)
        flags = none
        if flag_rules:
            flags = reasons(flag_rules, env(i, ranks[i], worst), i)
        grade = next((g.grade for g in grades[i] if g.item is None), None)
        standings.append(Standing(entities[i], shown[i], ranks[i], sizes[i], vetoed[i] or none, forced[i],
                                  demotions, awards, flags, grade, grades[i]))
    conditions.check()
    return standings, order


def decide(policy: ir.Policy, run, values: Mapping[str, Mapping[str, object]]) -> list[Standing]:
    """The standing of every entity of the :class:`~assessc.backends.results.ScoreRun` ``run``,
    in rank order; ``values`` holds each entity's fact values."""
    results = run.results
    entities = [r.entity for r in results]
    standings, order = decide_standings(
        policy, entities, [r.total for r in results], [r.vetoed for r in results],
        facts=lambda i: values[entities[i]],
        item_keys=lambda item: [r.value(item) for r in results])
    return [standings[i] for i in order]
