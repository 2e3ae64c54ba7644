"""Outcomes after scoring: ranks, award bands, demotions, forced last place, flags.

The algorithm (F25–F27 of the seeds):

1. **Placement.** Entities are ordered by total, highest first; an entity
   for which a ``rank last "…" if C`` rule holds (直接排名最后一位) is placed
   after every other entity, whatever its score. Ranks are standard
   competition ranks (1, 2, 2, 4): tied entities share the better rank, and
   ties are reported, never broken.
2. **Award bands.** Each ``awards … by rank [of ITEM] { NAME: lo..hi }``
   scheme gives an entity the band holding its rank (by the total, or by
   ITEM's value for a single-item scheme). When a tie group straddles the
   last place of a band — e.g. two entities tied at rank 5 of a 1..5 band —
   both get the band (they share rank 5), and the result carries a note
   that the band then holds more entities than places, so the deciding body
   can settle it (第十六条 "原则上" / "由…综合评定").
3. **Demotion.** Each ``demote "…" if C`` that holds moves the entity one
   band down in every scheme ranked by the total (降低一个等次评奖); below the
   last band there is no award.
4. **Flags.** ``flag "…" if C`` is decided with ``place()`` (the entity's
   rank) and ``last_place()`` (the worst rank this year) known, e.g. last
   place two years running given last year's result (第十八条).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Mapping

import attrs

from assessc.backends.interp import _Env
from assessc.backends.results import ScoreRun
from assessc.ir import nodes as ir


@attrs.frozen
class Award:
    scheme: str
    band: str | None  # after demotion; None: no award
    by_rank: str | None  # the band the rank alone gives
    note: str | None = None


@attrs.frozen
class Outcome:
    entity: str
    total: Decimal
    rank: int
    tied_with: tuple[str, ...]
    forced_last: tuple[str, ...]  # reasons
    demotions: tuple[str, ...]  # reasons
    awards: tuple[Award, ...]
    flags: tuple[str, ...]
    vetoed: tuple[str, ...]


class _OutcomeEnv(_Env):
    """Fact values plus the entity's place, for `flag` conditions."""

    def __init__(self, values, place: int, last: int):
        super().__init__(values)
        self.place, self.last = place, last

    def eval(self, expr):
        if isinstance(expr, ir.Call) and expr.func in ("place", "last_place"):
            return Decimal(self.place if expr.func == "place" else self.last)
        return super().eval(expr)


def _competition_ranks(keys: list[tuple]) -> list[int]:
    ranks: list[int] = []
    for position, key in enumerate(keys, start=1):
        ranks.append(ranks[-1] if ranks and keys[position - 2] == key else position)
    return ranks


def _ranked(entities: list[str], value_of: Mapping[str, Decimal], last: set[str]) -> dict[str, int]:
    """Competition ranks; entities in ``last`` after all others."""
    by_value = sorted(entities, key=lambda e: value_of[e], reverse=True)  # stable, and no arithmetic on a total
    order = sorted(by_value, key=lambda e: e in last)
    keys = [(e in last, value_of[e]) for e in order]
    return dict(zip(order, _competition_ranks(keys)))


def _band_for(scheme: ir.AwardScheme, rank: int) -> int | None:
    for index, band in enumerate(scheme.bands):
        if band.low <= rank <= band.high:
            return index
    return None


def decide(policy: ir.Policy, run: ScoreRun, values: Mapping[str, Mapping[str, object]]) -> list[Outcome]:
    """The outcome of every entity of ``run``, in rank order."""
    outcomes = policy.outcomes
    entities = [r.entity for r in run.results]
    totals = {r.entity: r.total for r in run.results}
    last_reasons = {e: tuple(r.reason for r in outcomes.of_kind("last") if _Env(values[e]).eval(r.condition))
                    for e in entities}
    forced = {e for e, reasons in last_reasons.items() if reasons}
    ranks = _ranked(entities, totals, forced)
    worst = max(ranks.values(), default=0)
    scheme_ranks = {s.title: ranks if s.item is None else
                    _ranked(entities, {r.entity: r.value(s.item) for r in run.results}, set())
                    for s in outcomes.schemes}
    groups = {title: _groups(r) for title, r in scheme_ranks.items()}
    by_rank = _groups(ranks)
    position = {e: i for i, e in enumerate(entities)}
    result = []
    for entity in sorted(entities, key=lambda e: (ranks[e], position[e])):
        tied = tuple(e for e in by_rank[ranks[entity]] if e != entity)
        demotions = tuple(r.reason for r in outcomes.of_kind("demote") if _Env(values[entity]).eval(r.condition))
        awards = tuple(_award(s, scheme_ranks[s.title][entity], groups[s.title],
                              len(demotions) if s.item is None else 0) for s in outcomes.schemes)
        env = _OutcomeEnv(values[entity], ranks[entity], worst)
        flags = tuple(r.reason for r in outcomes.of_kind("flag") if env.eval(r.condition))
        vetoed = run.result(entity).vetoed
        result.append(Outcome(entity, totals[entity], ranks[entity], tied, last_reasons[entity], demotions,
                              awards, flags, vetoed))
    return result


def _groups(ranks: Mapping[str, int]) -> dict[int, list[str]]:
    groups: dict[int, list[str]] = {}
    for entity, rank in ranks.items():
        groups.setdefault(rank, []).append(entity)
    return groups


def _award(scheme: ir.AwardScheme, rank: int, groups: Mapping[int, list[str]], demote: int) -> Award:
    index = _band_for(scheme, rank)
    by_rank = scheme.bands[index].name if index is not None else None
    note = None
    if index is not None:
        band = scheme.bands[index]
        group = groups[rank]
        if rank + len(group) - 1 > band.high:
            note = (f"tie at rank {rank} ({', '.join(group)}) straddles the last place of {band.name} "
                    f"({band.low}..{band.high}): the band holds more entities than places")
    band_index = index + demote if index is not None else None
    band = scheme.bands[band_index].name if band_index is not None and band_index < len(scheme.bands) else None
    return Award(scheme.title, band, by_rank, note)
