"""Results as tables, JSON and the ranking on screen: one set of columns for every output.

``score`` (screen, ``-o`` CSV/JSON/XLSX) and ``report ranking`` read the same
:class:`~assessc.backends.scored.Results` through the functions here, so a
file never says something else than the screen. Columns, in order:

``entity, total, rank, tie_group, tie_size, vetoed``, then for each award
scheme ``SCHEME`` (the award after demotion and veto) and ``SCHEME by rank``
(the band the rank alone gives), then ``demotions``, ``placed_last`` and ``flags``
when the policy has such rules, then for each ``grades`` scheme one column
headed by its title (``grade`` when untitled) holding the entity's grade
(empty when no band holds its score), then (``score`` only) one column
per item headed by its id and title (``1.1 按照…制定配套文件``). ``tie_group``
is the rank the tie group shares (empty when not tied) and ``tie_size`` how
many entities share it.
"""

from __future__ import annotations

import json
from typing import IO, Iterator

from assessc.backends.outcomes import Standing
from assessc.backends.scored import Results
from assessc.reports.tables import format_table
from assessc.runtime.decimals import show

#: rows of the ranking shown on screen; the rest go to -o FILE
SCREEN_ROWS = 100


def header(results: Results, nodes: bool = True) -> list[str]:
    out = ["entity", "total", "rank", "tie_group", "tie_size", "vetoed"]
    for scheme in results.schemes:
        out += [scheme, f"{scheme} by rank"]
    if results.has_demotions:
        out.append("demotions")
    if results.has_forced_last:
        out.append("placed_last")
    if results.has_flags:
        out.append("flags")
    out += results.grade_schemes
    if nodes:
        out += [c.heading for c in results.columns]
    return out


def cells(results: Results, s: Standing) -> list:
    """The standing's cells, in :func:`header`'s order (before the node columns)."""
    out = [s.entity, s.total, s.rank, s.tie_group, s.tie_size, "; ".join(s.vetoed)]
    for award in s.awards:
        out += [award.band, award.by_rank]
    if results.has_demotions:
        out.append("; ".join(s.demotions))
    if results.has_forced_last:
        out.append("; ".join(s.forced_last))
    if results.has_flags:
        out.append("; ".join(s.flags))
    out += [g.grade for g in s.grades]
    return out


def rows(results: Results) -> Iterator[list]:
    """Every entity in input order with its node values (``score -o``)."""
    from assessc.reports.tabular import Row

    for standing, values in results.rows():
        first = cells(results, standing)
        yield Row(first + list(values), len(first))


def ranked_rows(results: Results) -> Iterator[list]:
    """Every entity in rank order, without node values (``report ranking``)."""
    return (cells(results, s) for s in results.ranked())


def standing_json(s: Standing) -> dict:
    return {
        "entity": s.entity, "total": show(s.total), "rank": s.rank, "tie_group": s.tie_group, "tie_size": s.tie_size,
        "vetoed": list(s.vetoed), "placed_last": list(s.forced_last), "demotions": list(s.demotions),
        "awards": [{"scheme": a.scheme, "award": a.band, "by_rank": a.by_rank, "note": a.note} for a in s.awards],
        "flags": list(s.flags), "grade": s.grade,
        "grades": [{"scheme": g.scheme, "of": g.item, "grade": g.grade, "vetoed": g.vetoed} for g in s.grades],
    }


def json_chunks(results: Results) -> Iterator[str]:
    """``score``'s JSON document in pieces, one entity per line, in input order."""
    def dumps(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    columns = ",\n    ".join(dumps({"id": c.id, "title": c.title, "max": show(c.max) if c.max is not None else None})
                            for c in results.columns)
    yield (f'{{\n  "policy": {dumps(results.policy_name)},\n  "title": {dumps(results.policy.title)},\n'
           f'  "engine": {dumps(results.engine)},\n  "columns": [' + (f"\n    {columns}\n  " if columns else "")
           + '],\n  "entities": [')
    ids = [c.id for c in results.columns]
    first = True
    for standing, values in results.rows():
        entry = standing_json(standing)
        entry["nodes"] = {**dict(zip(ids, values)), "total": entry["total"]}
        yield ("\n    " if first else ",\n    ") + json.dumps(entry, ensure_ascii=False)
        first = False
    yield ("\n  ]\n}\n" if not first else "]\n}\n")


def write_json(handle: IO[str], results: Results) -> None:
    for chunk in json_chunks(results):
        handle.write(chunk)


# ---- the ranking on screen ------------------------------------------------------------------------


def screen_text(results: Results, limit: int | None = SCREEN_ROWS, heading: str | None = None) -> str:
    """The ranking: rank (``=`` when tied), entity, total, each scheme's award, demotions, forced
    last place, flags and vetoes (the columns that say something), then notes on ties, award bands
    and demotions; past ``limit`` rows, the top rows and a note."""
    policy = results.policy
    label = policy.entity_label or policy.entity
    shown: list[Standing] = []
    for standing in results.ranked():
        if limit is not None and len(shown) == limit:
            break
        shown.append(standing)
    head = ["rank", label, "total", *results.schemes, *results.grade_schemes, "demoted", "placed last", "flags",
            "vetoed"]
    table = []
    for s in shown:
        table.append([f"{s.rank}=" if s.tied else str(s.rank), s.entity, show(s.total),
                      *((a.band or "—") for a in s.awards), *((g.grade or "—") for g in s.grades),
                      "; ".join(s.demotions), "; ".join(s.forced_last), "; ".join(s.flags),
                      "vetoed" if s.vetoed else ""])
    fixed = 3 + len(results.schemes) + len(results.grade_schemes)
    used = [i for i in range(len(head)) if i < fixed or any(r[i] for r in table)]
    body = format_table([head[i] for i in used], [[r[i] for i in used] for r in table], right={2})
    title = heading or f"{policy.title} — {len(results)} {label}"
    notes = _notes(shown)
    more = len(results) - len(shown)
    if more:
        ties = sum(1 for s in results.standings if s.tied)
        notes.append(f"… {more:,} more rows; write them all with -o FILE.csv"
                     + (f"; {ties:,} entities share their rank with another (ties are not broken)" if ties else ""))
    return "\n".join([title, "", body, *([""] + notes if notes else [])]) + "\n"


def _notes(shown: list[Standing]) -> list[str]:
    notes: list[str] = []
    groups: dict[int, list[str]] = {}
    sizes: dict[int, int] = {}
    for s in shown:
        if s.tied:
            groups.setdefault(s.rank, []).append(s.entity)
            sizes[s.rank] = s.tie_size
    for rank, names in groups.items():
        if sizes[rank] <= 10 and len(names) == sizes[rank]:
            notes.append(f"tie at rank {rank}: {', '.join(names)} (not broken)")
        else:
            notes.append(f"tie at rank {rank}: {sizes[rank]:,} entities (not broken)")
    seen = set()
    for s in shown:
        for award in s.awards:
            if award.note and award.note not in seen:
                seen.add(award.note)
                notes.append(award.note)
            if award.by_rank and award.band != award.by_rank:
                why = "(vetoed)" if s.vetoed else f"after demotion ({'; '.join(s.demotions)})"
                notes.append(f"{s.entity}: {award.scheme} {award.by_rank} by rank, {award.band or 'no award'} {why}")
        for grade in s.grades:
            if grade.vetoed is not None:
                notes.append(f"{s.entity}: {grade.scheme} {grade.grade} (vetoed: {grade.vetoed}); "
                             f"the total {show(s.total)} stands")
    return notes


def write_file(results: Results, path, fmt: str) -> None:
    """``score -o``: the results as ``fmt`` (csv, json or xlsx), whole or not at all."""
    from assessc.reports.output import OutputError, atomic_open
    from assessc.reports.tabular import TooManyRows, write_csv, write_xlsx

    if fmt == "xlsx":
        try:
            with atomic_open(path) as handle:
                write_xlsx(handle, results.policy_name, header(results), rows(results))
        except TooManyRows as error:
            raise OutputError(f"cannot write `{path}`: {error}; write a .csv file instead") from None
        return
    with atomic_open(path, text=True) as handle:
        if fmt == "csv":
            write_csv(handle, header(results), rows(results))
        else:
            write_json(handle, results)
