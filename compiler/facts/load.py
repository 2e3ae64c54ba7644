"""Load the facts of every entity from a CSV, JSON or Excel file.

:func:`load_facts` is the entry point. It never raises for bad input: every
problem -- an unreadable file, a missing column, a bad cell, an unknown or
repeated entity -- becomes a diagnostic in the bag, and all rows are checked
so one run shows them all. It returns None when it added any error.

Stages: open the file (:mod:`inputs`) into records (:mod:`records`); match
columns to the declared facts once (:mod:`columns`); read each record's
cells into typed values (:mod:`entities`, :mod:`cells`, :mod:`values`); then
fill in ledger facts from their tables or inline lists (:mod:`ledgers`); last, try the
policy's `require` checks on every entity (:mod:`checks`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

from assessc.diagnostics import DiagnosticBag, codes
from assessc.facts import inputs, ledgers
from assessc.facts.checks import check_entity
from assessc.facts.columns import ColumnMap, Context
from assessc.facts.entities import Draft, read_entities
from assessc.facts.messages import listing
from assessc.facts.model import Entity, FactSet
from assessc.facts.records import file_span
from assessc.facts.table import to_records
from assessc.ir.nodes import FactCheck
from assessc.ir.types import FactDecl, Kind


def load_facts(
    path: str | Path,
    facts: Sequence[FactDecl],
    bag: DiagnosticBag,
    *,
    id_columns: Sequence[str] = ("id",),
    tables: Mapping[str, str | Path] = {},
    optional: frozenset[str] = frozenset(),
    checks: Sequence[FactCheck] = (),
) -> FactSet | None:
    """Every entity of ``path`` with each fact of ``facts`` typed and checked.

    ``id_columns`` are the names an entity's id column may have, in order of
    preference. ``tables`` maps a ledger fact's name to the file holding its
    entries (one row per entry, with an id column); a workbook may instead
    hold them in a sheet named like the fact, and JSON inline. ``optional``
    names facts that may be left blank (or have no column): the caller
    decides per entity whether they are needed. ``checks`` are the policy's
    `require` checks, tried on every entity (D0613).
    """
    path = Path(path)
    id_columns = (id_columns,) if isinstance(id_columns, str) else tuple(id_columns)
    errors_before = _errors(bag)
    ledger_facts = [f for f in facts if f.type.kind is Kind.LEDGER]
    main = inputs.open_main(path, id_columns, bag, ledger_facts)
    if main is None:
        return None
    _check_tables(tables, ledger_facts, main, bag)
    separate = {f.name for f in ledger_facts if main.format != "json" or f.name in tables}
    keys = inputs.id_keys_for(main.format, id_columns)
    read = read_entities(main.records, facts, keys, Context(separate=frozenset(separate), optional=frozenset(optional)), bag)
    if read is None:
        return None
    drafts, colmap = read
    by_id = {d.id: d for d in drafts}
    for decl in ledger_facts:
        _fill_ledger(decl, main, colmap, tables, id_columns, by_id, bag)
    for draft in drafts if checks else ():
        check_entity(draft.id, draft.values, checks, bag, draft.record.span)
    if _errors(bag) > errors_before:
        return None
    return FactSet(tuple(_entity(d) for d in drafts), str(path))


def _errors(bag: DiagnosticBag) -> int:
    return sum(1 for d in bag if d.is_error)


def _entity(draft: Draft) -> Entity:
    return Entity(draft.id, draft.values, draft.record.span)


def _fill_ledger(
    decl: FactDecl,
    main: inputs.Input,
    colmap: ColumnMap,
    tables: Mapping[str, str | Path],
    id_columns: Sequence[str],
    drafts: dict[str, Draft],
    bag: DiagnosticBag,
) -> None:
    given = tables.get(decl.name)
    if given is not None:
        path = Path(given)
        records = inputs.open_ledger(path, decl, id_columns, bag)
        keys = inputs.id_keys_for(inputs.FORMATS.get(path.suffix.lower(), ""), id_columns)
    elif main.format == "json":
        ledgers.from_json(main.records, decl, colmap.columns.get(decl.name), drafts, bag)
        return
    else:
        sheet = inputs.ledger_sheet(main.sheets, decl)
        if sheet is None:
            _no_table(decl, main, id_columns[0], drafts, bag)
            return
        keys = inputs.id_keys_for(main.format, id_columns)
        records = to_records(sheet, keys, bag)
    if records is not None:
        ledgers.from_table(records, decl, drafts, keys, bag)


def _no_table(decl: FactDecl, main: inputs.Input, id_column: str, drafts: dict[str, Draft], bag: DiagnosticBag) -> None:
    if decl.default is not None:
        for draft in drafts.values():
            draft.values[decl.name] = decl.default
        return
    fields = ", ".join(f"`{f.name}`" for f in decl.type.fields)
    layout = f"one row per entry: an `{id_column}` column and the columns {fields}"
    if main.format == "xlsx":
        help = f"add a sheet named `{decl.name}` with {layout}"
    else:
        help = f"give the entries in a file of their own, as the table for `{decl.name}`, with {layout}"
    where = main.records.span or file_span(main.records.source)
    bag.add(codes.MISSING_FACT, where, f"no table of entries for ledger `{decl.name}`", help=help)


def _check_tables(
    tables: Mapping[str, str | Path], ledger_facts: list[FactDecl], main: inputs.Input, bag: DiagnosticBag
) -> None:
    names = [f.name for f in ledger_facts]
    for name in tables:
        if name not in names:
            where = main.records.span or file_span(main.records.source)
            bag.add(codes.UNKNOWN_COLUMN, where,
                    f"a table is given for `{name}`, which is not a ledger fact; it is ignored",
                    help=f"ledger facts: {listing(names) or 'none'}")
