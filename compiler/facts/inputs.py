"""Open a facts file by its extension and find its main table and ledger tables.

* `.csv`: the file is the main table; a ledger's entries need a file of
  their own (given in ``tables``).
* `.xlsx` / `.xlsm`: the main table is the sheet named `facts`, or else the
  first sheet with an id column, or else the first sheet; a ledger's
  entries are the sheet named like the ledger fact (or its label).
* `.json`: one document; a ledger's entries are inline, under its key.

A table given for a ledger may be a CSV file, a workbook (its sheet named
like the ledger, or else its first sheet) or a JSON list of entry objects
each with an id key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import attrs

from assessc.diagnostics import DiagnosticBag, codes
from assessc.dsl.source import SourceFile
from assessc.facts.csv_source import read_csv
from assessc.facts.json_source import read_json
from assessc.facts.notes import note
from assessc.facts.records import Records, file_span
from assessc.facts.table import Table, has_id_column, to_records
from assessc.facts.xlsx_source import read_workbook
from assessc.ir.types import FactDecl

#: a tab-separated text file (`.tsv`, or `.txt` as Excel saves "Unicode text") is read as CSV
FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".json": "json", ".xlsx": "xlsx", ".xlsm": "xlsx"}
MAIN_SHEET = "facts"


@attrs.frozen
class Input:
    records: Records
    #: "csv", "json" or "xlsx"
    format: str
    #: every sheet of a workbook by name (empty for other formats)
    sheets: Mapping[str, Table] = attrs.field(factory=dict)


def id_keys_for(format: str, id_columns: Sequence[str]) -> tuple[str, ...]:
    """A JSON entity may always name its id `id`; tables use ``id_columns`` only."""
    keys = tuple(id_columns)
    return keys + ("id",) if format == "json" and "id" not in keys else keys


def file_format(path: Path, bag: DiagnosticBag) -> str | None:
    format = FORMATS.get(path.suffix.lower())
    if format is None:
        if path.suffix.lower() == ".xls":
            help = "save it from Excel as an .xlsx workbook, or as CSV UTF-8"
        else:
            help = "accepted: .csv (or tab-separated .tsv, .txt), .json, .xlsx"
        bag.add(codes.FACTS_UNREADABLE, file_span(SourceFile(str(path), "")),
                f"cannot read `{path}`: not a CSV, JSON or Excel (.xlsx) file", help=help)
    return format


def open_main(path: Path, id_columns: Sequence[str], bag: DiagnosticBag, ledgers: Sequence[FactDecl] = ()) -> Input | None:
    """The main table of ``path``; ``ledgers`` are the ledger facts, whose sheets it is not."""
    format = file_format(path, bag)
    if format is None:
        return None
    keys = id_keys_for(format, id_columns)
    if format == "json":
        records = read_json(path, bag, keys)
        return None if records is None else Input(records, format)
    if format == "csv":
        table = read_csv(path, bag)
        sheets = {}
    else:
        sheets = read_workbook(path, bag)
        table = None if not sheets else main_sheet(path, sheets, keys, ledgers)
    records = None if table is None else to_records(table, keys, bag)
    return None if records is None else Input(records, format, sheets or {})


def main_sheet(path: Path, sheets: Mapping[str, Table], id_keys: Sequence[str], ledgers: Sequence[FactDecl]) -> Table:
    """The sheet named `facts`; else the first with an id column that is no ledger's sheet (a
    workbook often opens with a sheet of instructions, 填表说明); else the first."""
    if MAIN_SHEET in sheets:
        return sheets[MAIN_SHEET]
    first = next(iter(sheets.values()))
    theirs = {id(ledger_sheet(sheets, decl)) for decl in ledgers}
    table = next((t for t in sheets.values() if id(t) not in theirs and has_id_column(t, id_keys)), first)
    if len(sheets) > 1:
        why = "the first" if table is first else "the first with an id column"
        note(f"`{path}`: the facts are in {table.title.split(' of ')[0]} ({why}; no sheet is named `{MAIN_SHEET}`)")
    return table


def ledger_sheet(sheets: Mapping[str, Table], decl: FactDecl) -> Table | None:
    return sheets.get(decl.name) or (sheets.get(decl.label) if decl.label else None)


def open_ledger(path: Path, decl: FactDecl, id_columns: Sequence[str], bag: DiagnosticBag) -> Records | None:
    """The entries table given for ``decl`` in its own file."""
    format = file_format(path, bag)
    if format is None:
        return None
    keys = id_keys_for(format, id_columns)
    if format == "json":
        return read_json(path, bag, keys)
    if format == "csv":
        table = read_csv(path, bag)
    else:
        sheets = read_workbook(path, bag)
        table = None if not sheets else ledger_sheet(sheets, decl) or next(iter(sheets.values()))
    return None if table is None else to_records(table, keys, bag)
