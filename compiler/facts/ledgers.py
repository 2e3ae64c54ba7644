"""Ledger facts: each entity's list of entries (bonuses, penalties, awards).

An entry is a read-only mapping from field name to typed value, each field
checked against the ledger's field declarations exactly as facts are.

From a table (a CSV file, or a sheet of the workbook): one row per entry,
an id column naming the entity, one column per field. An entity with no
rows has no entries (an empty tuple). Rows naming an entity that the main
table lacks are one `unknown-entity` error per such id, pointing at its
first row -- usually a typo in the id, so the help offers the closest.

From JSON: the entity's key holds a list of objects, one per entry. A null
or absent key is a missing value (the fact's default, or an error); an
empty list is no entries.
"""

from __future__ import annotations

import types
from typing import Mapping, Sequence

from assessc.diagnostics import DiagnosticBag, codes
from assessc.facts.cells import read_values
from assessc.facts.columns import Context, match_columns
from assessc.facts.entities import Draft, id_key, record_id
from assessc.facts.messages import did_you_mean, show
from assessc.facts.records import Record, Records, is_blank
from assessc.facts.values import allowed
from assessc.ir.types import FactDecl

Entry = Mapping[str, object]


def _freeze(values: dict[str, object]) -> Entry:
    return types.MappingProxyType(values)


def _subject(entity: str, ledger: str, number: int):
    return lambda field: f"entity `{entity}`: `{ledger}` entry {number}, field `{field}`"


def _row_subject(where: str, ledger: str):
    return lambda field: f"{where}: `{ledger}` field `{field}`"


def from_table(
    rs: Records, decl: FactDecl, drafts: Mapping[str, Draft], id_keys: Sequence[str], bag: DiagnosticBag
) -> None:
    """Fill in ``decl`` for every draft from a table of entries."""
    fields = decl.type.fields
    colmap = match_columns(rs, fields, id_keys, Context(ledger=decl.name), bag)
    if colmap is None:
        return
    entries: dict[str, list[Entry]] = {d: [] for d in drafts}
    strays: dict[str, list[Record]] = {}
    for record in rs.rows:
        entity_id = record_id(record, id_keys, rs.noun, bag)
        if entity_id is None:
            read_values(record, fields, colmap, _row_subject(record.where, decl.name), rs.blank, bag)
            continue
        owned = entries.get(entity_id)
        number = len(owned) + 1 if owned is not None else len(strays.setdefault(entity_id, [])) + 1
        values = read_values(record, fields, colmap, _subject(entity_id, decl.name, number), rs.blank, bag)
        if owned is None:
            strays[entity_id].append(record)
        else:
            owned.append(_freeze(values))
    for entity_id, records in strays.items():
        _stray(decl, entity_id, records, id_keys, list(drafts), bag)
    for entity_id, draft in drafts.items():
        draft.values[decl.name] = tuple(entries[entity_id])


def _stray(
    decl: FactDecl, entity_id: str, records: list[Record], id_keys: Sequence[str], known: list[str], bag: DiagnosticBag
) -> None:
    rows = "a row" if len(records) == 1 else f"{len(records)} rows"
    # a lower cutoff than usual: a typo in a two-character id such as `柳州`
    # leaves at most half of it matching
    help = did_you_mean(entity_id, known, cutoff=0.5) or "add the entity to the main table, or correct the id"
    bag.add(codes.UNKNOWN_ENTITY, records[0].cell_span(id_key(records[0], id_keys)),
            f"ledger `{decl.name}` has {rows} for entity `{entity_id}`, which is not in the facts", help=help)


def from_json(
    rs: Records, decl: FactDecl, column: str | None, drafts: Mapping[str, Draft], bag: DiagnosticBag
) -> None:
    """Fill in ``decl`` for every draft from the list under its key."""
    rows: list[Record] = []
    owners: list[tuple[Draft, int]] = []
    for draft in drafts.values():
        raw = draft.record.values.get(column) if column is not None else None
        where = draft.record.cell_span(column) if column is not None else draft.record.span
        if is_blank(raw):
            _blank(draft, decl, column, where, bag)
        elif not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
            bag.add(codes.WRONG_FACT_TYPE, where,
                    f"entity `{draft.id}`: fact `{decl.name}` is `{show(raw)}`, not a list of entries",
                    help=allowed(decl.type))
        else:
            draft.values[decl.name] = ()
            for number, entry in enumerate(raw, start=1):
                rows.append(Record(entry, f"entry {number} of entity `{draft.id}`", where))
                owners.append((draft, number))
    entries = _entry_records(rs, rows)
    colmap = match_columns(entries, decl.type.fields, (), Context(ledger=decl.name), bag)
    for record, (draft, number) in zip(rows, owners):
        values = read_values(record, decl.type.fields, colmap, _subject(draft.id, decl.name, number), rs.blank, bag)
        draft.values[decl.name] += (_freeze(values),)


def _blank(draft: Draft, decl: FactDecl, column: str | None, where, bag: DiagnosticBag) -> None:
    if decl.default is not None:
        draft.values[decl.name] = decl.default
    elif column is not None:  # a key missing from every entity was reported once already
        bag.add(codes.MISSING_FACT, where, f"entity `{draft.id}`: fact `{decl.name}` is missing",
                help=allowed(decl.type) + "; write [] for none")


def _entry_records(rs: Records, rows: list[Record]) -> Records:
    columns: dict[str, Record] = {}
    for record in rows:
        for key in record.values:
            columns.setdefault(key, record)
    return Records(
        rows=tuple(rows),
        columns=tuple(columns),
        noun="key",
        blank="missing",
        source=rs.source,
        column_span=lambda key: columns[key].span if key in columns else None,
        span=rows[0].span if rows else None,
    )
