"""A grid of text cells (a CSV file or a spreadsheet sheet) -> :class:`Records`.

Both sources give rows of cell text with the line each row starts on; a
spreadsheet is shown as one CSV-like line per sheet row, so diagnostics on
either point at a line and, within it, at the cell.

The header is the first non-blank row that names an id column, looked for
among the first few rows, so a title row above the header (common in
spreadsheets made for printing) does no harm; without an id column anywhere
the first non-blank row is the header and the checker reports the missing
id. Blank rows are skipped. Problems of the grid itself are reported here:
a column named twice, and a row with more cells than the header has columns
(usually a comma inside an unquoted value), are errors; values under a
column with no name are a warning, and are ignored.
"""

from __future__ import annotations

import functools
from typing import Sequence

import attrs

from assessc.diagnostics import DiagnosticBag, codes
from assessc.dsl.source import SourceFile, Span
from assessc.facts.columns import column_key
from assessc.facts.messages import show
from assessc.facts.notes import note
from assessc.facts.records import Record, Records, file_span

_HEADER_SEARCH = 10


@attrs.frozen
class Row:
    #: the line (spreadsheet: row number) the row starts on
    line: int
    cells: tuple[str, ...]
    #: False for a CSV row with a line break inside a quoted cell
    single_line: bool = True

    def is_blank(self) -> bool:
        return not any(c.strip() for c in self.cells)


@attrs.frozen
class Table:
    source: SourceFile
    rows: tuple[Row, ...]
    #: how messages name the grid: `` `facts.csv` `` or `` sheet `bonus` ``
    title: str
    #: what separates the cells of a line of ``source``: a comma, or a tab
    delimiter: str = ","


def _line_texts(source: SourceFile) -> tuple[str, ...]:
    """The source's lines as the CSV reader counts them: split at line feeds only (not at the
    other characters ``str.splitlines`` breaks at, such as U+001E in a cell), without the CR of
    a CRLF."""
    return tuple(line[:-1] if line.endswith("\r") else line for line in source.text.split("\n"))


def field_bounds(line: str, delimiter: str = ",") -> list[tuple[int, int]]:
    """0-based (start, end) of each field of one CSV line."""
    bounds, start, quoted = [], 0, False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            bounds.append((start, i))
            start = i + 1
    bounds.append((start, len(line)))
    return bounds


def sniff_delimiter(lines: Sequence[str]) -> str:
    """A tab when the first line with text has tabs and no comma (Excel's "Unicode text" and
    other tab-separated files), else a comma."""
    first = next((line for line in lines if line.strip(" \t\r\n,")), "")
    return "\t" if "\t" in first and "," not in first else ","


@attrs.frozen
class _Lines:
    """Line texts of a source, split once, and spans within them."""

    source: SourceFile
    lines: tuple[str, ...]
    delimiter: str = ","

    def line_span(self, line: int) -> Span:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return Span(self.source, line, 1, line, max(len(text), 1) + 1)

    def cell_span(self, row: Row, index: int) -> Span:
        text = self.lines[row.line - 1] if 0 < row.line <= len(self.lines) else ""
        bounds = field_bounds(text, self.delimiter) if row.single_line else []
        if index >= len(bounds):
            return self.line_span(row.line)
        start, end = bounds[index]
        return Span(self.source, row.line, start + 1, row.line, max(end, start + 1) + 1)


def _find_header(rows: Sequence[Row], id_keys: Sequence[str]) -> int:
    candidates = [i for i, r in enumerate(rows) if not r.is_blank()][:_HEADER_SEARCH]
    return next((i for i in candidates if _names_id_column(rows[i], id_keys)), candidates[0])


def _names_id_column(row: Row, id_keys: Sequence[str]) -> bool:
    return any(id_column_name(c, id_keys) in id_keys for c in row.cells)


def id_column_name(cell: str, id_keys: Sequence[str]) -> str:
    """A header cell's column name: the id key it spells (`ID`, `设区市 ` -> `id`, `设区市`),
    else its text without surrounding spaces."""
    key = column_key(cell)
    return next((k for k in id_keys if column_key(k) == key), cell.strip())


def has_id_column(table: Table, id_keys: Sequence[str]) -> bool:
    """Whether one of the table's first rows names an id column, as its header would."""
    rows = [r for r in table.rows if not r.is_blank()][:_HEADER_SEARCH]
    return any(_names_id_column(r, id_keys) for r in rows)


def header_note(title: str, header_line: int, skipped: Sequence[int]) -> str:
    rows = f"row {skipped[0]}" if len(skipped) == 1 else "rows " + ", ".join(map(str, skipped))
    return f"{title}: the header is row {header_line}; {rows} above it skipped"


def to_records(table: Table, id_keys: Sequence[str], bag: DiagnosticBag) -> Records | None:
    """The table's rows as records, or None (reported) if it has no rows."""
    if all(r.is_blank() for r in table.rows):
        bag.add(codes.FACTS_UNREADABLE, file_span(table.source), f"{table.title} is empty",
                help="the first row names the columns (`id` and one column per fact), one row per entity follows")
        return None
    lines = _Lines(table.source, _line_texts(table.source), table.delimiter)
    h = _find_header(table.rows, id_keys)
    header_row = table.rows[h]
    skipped = [r.line for r in table.rows[:h] if not r.is_blank()]
    if skipped:
        note(header_note(table.title, header_row.line, skipped))
    header = [id_column_name(c, id_keys) for c in header_row.cells]
    index = _column_index(header, header_row, lines, bag)
    data = [r for r in table.rows[h + 1 :] if not r.is_blank()]
    _check_unnamed(header, data, lines, bag)
    records = []
    for row in data:
        _check_width(row, len(header), lines, bag)
        values = {name: (row.cells[i] if i < len(row.cells) else "") for name, i in index.items()}
        locate = functools.partial(_locate, lines, row, index)
        records.append(Record(values, f"row {row.line}", lines.line_span(row.line), locate))
    return Records(
        rows=tuple(records),
        columns=tuple(index),
        noun="column",
        blank="blank",
        source=table.source,
        column_span=functools.partial(_locate, lines, header_row, index),
        span=lines.line_span(header_row.line),
    )


def header_places(source: SourceFile, line: int, cells: Sequence[str], index: dict[str, int], delimiter: str = ","):
    """(where each column is named, where the header row is) for a header read elsewhere (the
    batch engine's streaming reader), given the source text up to and including its ``line``."""
    lines = _Lines(source, _line_texts(source), delimiter)
    row = Row(line, tuple(cells))
    return functools.partial(_locate, lines, row, index), lines.line_span(line)


def _locate(lines: _Lines, row: Row, index: dict[str, int], column: str) -> Span | None:
    i = index.get(column)
    return None if i is None else lines.cell_span(row, i)


def _column_index(header: list[str], row: Row, lines: _Lines, bag: DiagnosticBag) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        if not name:
            continue
        if name in index:
            bag.add(codes.FACTS_UNREADABLE, lines.cell_span(row, i),
                    f"column `{name}` appears twice, as columns {index[name] + 1} and {i + 1}",
                    help="rename or remove one of them")
            continue
        index[name] = i
    return index


def _check_unnamed(header: list[str], data: list[Row], lines: _Lines, bag: DiagnosticBag) -> None:
    for i, name in enumerate(header):
        if name:
            continue
        row = next((r for r in data if i < len(r.cells) and r.cells[i].strip()), None)
        if row is not None:
            bag.add(codes.UNKNOWN_COLUMN, lines.cell_span(row, i),
                    f"column {i + 1} has values but no name; they are ignored",
                    help="name the column after the fact it holds")


def _check_width(row: Row, width: int, lines: _Lines, bag: DiagnosticBag) -> None:
    extra = [c for c in row.cells[width:] if c.strip()]
    if extra:
        bag.add(codes.FACTS_UNREADABLE, lines.cell_span(row, width),
                f"row {row.line} has {len(row.cells)} cells, but the header names {width} columns "
                f"(first extra cell: `{show(extra[0])}`)",
                help="put quotes around a value that contains a comma, or name the extra column")
