"""The ranking-and-awards report: rank, total, awards, demotions, forced
last place and flags of every entity (F25–F27), as text, CSV rows or JSON."""

from __future__ import annotations

from assessc.backends.outcomes import Outcome
from assessc.ir import nodes as ir
from assessc.reports.tables import format_table
from assessc.runtime.decimals import show

HEADER = ["rank", "entity", "total", "awards", "demoted", "placed last", "flags", "tied with", "vetoed"]


def rows(outcomes: list[Outcome]) -> list[list[str]]:
    out = []
    for o in outcomes:
        awards = "; ".join(f"{a.scheme}: {a.band or '—'}" for a in o.awards)
        out.append([
            f"{o.rank}=" if o.tied_with else str(o.rank), o.entity, show(o.total), awards,
            "; ".join(o.demotions), "; ".join(o.forced_last), "; ".join(o.flags), ", ".join(o.tied_with),
            "; ".join(o.vetoed),
        ])
    return out


def notes(outcomes: list[Outcome]) -> list[str]:
    seen, out = set(), []
    for o in outcomes:
        for award in o.awards:
            if award.note and award.note not in seen:
                seen.add(award.note)
                out.append(award.note)
            if award.by_rank and award.band != award.by_rank:
                out.append(f"{o.entity}: {award.scheme} {award.by_rank} by rank, "
                           f"{award.band or 'no award'} after demotion ({'; '.join(o.demotions)})")
    return out


def text(outcomes: list[Outcome], policy: ir.Policy) -> str:
    table = rows(outcomes)
    used = [i for i in range(len(HEADER)) if i < 3 or any(r[i] for r in table)]
    body = format_table([HEADER[i] for i in used], [[r[i] for i in used] for r in table], right={2})
    extra = notes(outcomes)
    return "\n".join([f"{policy.title}: ranking and awards", "", body, *([""] + extra if extra else [])]) + "\n"


def json_data(outcomes: list[Outcome]) -> list[dict]:
    return [
        {
            "rank": o.rank, "entity": o.entity, "total": show(o.total), "tied_with": list(o.tied_with),
            "awards": [{"scheme": a.scheme, "award": a.band, "by_rank": a.by_rank, "note": a.note} for a in o.awards],
            "demotions": list(o.demotions), "placed_last": list(o.forced_last), "flags": list(o.flags),
            "vetoed": list(o.vetoed),
        }
        for o in outcomes
    ]
