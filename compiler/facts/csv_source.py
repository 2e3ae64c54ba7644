"""Read a CSV file into a :class:`~assessc.facts.table.Table`.

The file's encoding is decided by :mod:`assessc.facts.files`; its cells are
separated by commas, or by tabs when its first line with text has tabs and no
comma (Excel's "Unicode text", a `.txt` file in UTF-16). Each row remembers the line it starts on, so a row with a line break
inside a quoted cell still points at the right line.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from assessc.diagnostics import DiagnosticBag, codes
from assessc.dsl.source import SourceFile
from assessc.facts.files import decode, read_bytes
from assessc.facts.records import file_span
from assessc.facts.notes import note
from assessc.facts.table import Row, Table, sniff_delimiter

#: lines looked at for the delimiter: those before the header, which is among the first ten
_SNIFF_LINES = 10


def read_csv(path: Path, bag: DiagnosticBag) -> Table | None:
    data = read_bytes(path, bag)
    if data is None:
        return None
    text = decode(data, path, bag)
    if text is None:
        return None
    source = SourceFile(str(path), text)
    delimiter = sniff_delimiter(text.splitlines()[:_SNIFF_LINES])
    rows = parse_rows(source, bag, delimiter)
    if rows is None:
        return None
    if delimiter != ",":
        note(f"`{path}`: its cells are separated by tabs")
    return Table(source, tuple(rows), f"`{path}`", delimiter)


def parse_rows(source: SourceFile, bag: DiagnosticBag, delimiter: str = ",") -> list[Row] | None:
    reader = csv.reader(io.StringIO(source.text, newline=""), strict=True, delimiter=delimiter)
    rows: list[Row] = []
    start = 1
    try:
        for cells in reader:
            rows.append(Row(start, tuple(cells), reader.line_num == start))
            start = reader.line_num + 1
    except csv.Error as error:
        bag.add(codes.FACTS_UNREADABLE, file_span(source, start),
                f"`{source.path}` is not valid CSV at line {start}: {str(error).lower()}",
                help="check the quotes on this line: a quoted cell must end with a quote")
        return None
    return rows
