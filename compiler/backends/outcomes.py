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
from assessc.runtime.standing import FORCED_LAST, PLACED, VETOED, band_award, placement

__all__ = ["Award", "Standing", "decide", "decide_standings", "placement", "PLACED", "FORCED_LAST", "VETOED"]

@attrs.frozen(slots=True)
class Award:
    scheme: str
    band: str | None  # after demotion (and veto); None: no award
    by_rank: str | None  # the band the rank alone gives
    note: str | None = None


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
    #: a grade (等次) by score, for policies that define grades; None otherwise
    grade: str | None = None

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
    """Fact values plus the entity's place, for `flag` conditions."""

    def __init__(self, values, place: int, last: int):
        super().__init__(values)
        self.place, self.last = place, last

    def eval(self, expr):
        if isinstance(expr, ir.Call) and expr.func in ("place", "last_place"):
            return Decimal(self.place if expr.func == "place" else self.last)
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

    def holds(self, rule: ir.OutcomeRule, env: Env, entity: str) -> bool:
        from assessc.runtime.workdays import CalendarError

        try:
            with decimal.localcontext(CONTEXT):
                return bool(env.eval(rule.condition))
        except (NoRow, CalendarError) as error:
            problem = str(error)
        except ARITHMETIC_ERRORS as error:
            problem = f"cannot compute it: {failure(error)}"
        from assessc.diagnostics import codes

        self.bag.add(codes.EVALUATION_FAILED, rule.span,
                     f"entity `{entity}`: outcome `{rule.kind} \"{rule.reason}\"`: {problem}")
        return False

    def check(self) -> None:
        if self.bag.has_errors:
            from assessc.api import ScoringError

            raise ScoringError(self.bag.sorted())


def decide_standings(policy: ir.Policy, entities: Sequence[str], totals: Sequence, vetoed: Sequence[tuple[str, ...]],
                     facts: Callable[[int], Mapping[str, object]] | None = None,
                     item_keys: Callable[[str], Sequence] | None = None,
                     shown_totals: Sequence[Decimal] | None = None) -> tuple[list[Standing], list[int]]:
    """The standing of every entity, in input order, and the positions in rank order.

    ``totals`` are the sort keys of the totals (Decimals, or integers of one scale);
    ``shown_totals`` the Decimal totals when the keys are not (default: the keys).
    ``facts(i)`` gives entity i's fact values (needed when the policy has outcome rules);
    ``item_keys(item_id)`` the values of an item for every entity (for `by rank of ITEM`).
    """
    outcomes = policy.outcomes
    conditions = _Conditions()
    n = len(entities)
    last_rules, demote_rules, flag_rules = (outcomes.of_kind(k) for k in ("last", "demote", "flag"))
    none: tuple[str, ...] = ()
    forced = ([tuple(r.reason for r in last_rules if conditions.holds(r, Env(facts(i)), entities[i])) or none
               for i in range(n)]
              if last_rules else [none] * n)
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
    shown = totals if shown_totals is None else shown_totals
    standings = []
    for i in range(n):
        demotions = (tuple(r.reason for r in demote_rules if conditions.holds(r, Env(facts(i)), entities[i])) or none
                     if demote_rules else none)
        awards = tuple(s.award(i, len(demotions) if s.scheme.item is None else 0, bool(vetoed[i])) for s in schemes)
        flags = none
        if flag_rules:
            env = _OutcomeEnv(facts(i), ranks[i], worst)
            flags = tuple(r.reason for r in flag_rules if conditions.holds(r, env, entities[i])) or none
        standings.append(Standing(entities[i], shown[i], ranks[i], sizes[i], vetoed[i] or none, forced[i],
                                  demotions, awards, flags))
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
