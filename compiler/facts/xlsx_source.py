"""Read the sheets of an Excel workbook (.xlsx) into tables of cell text.

openpyxl is an optional dependency (the `excel` extra), imported only when a
workbook is read. Cells are read with their cached values (a formula counts
as the value Excel last computed) and turned into the text a person sees:

* a number is written out exactly from the shortest text that reproduces the
  stored binary number (`0.1`, not `0.1000000000000000055…`). A number that
  needs more than 15 significant digits for that was computed, not typed
  (`=0.1+0.2` is `0.30000000000000004`), and is marked
  :class:`~assessc.facts.values.Inexact` so the checker refuses it;
* a number formatted as a percentage (shown `95%`, stored `0.95`; shown
  `100%`, stored as the whole number `1`) becomes `95%` (`100%`), which a
  percent fact reads as 95 % (100 %), whatever the number's size or how it
  is stored. Only a `%` of the format itself scales: `0"%"` shows the stored
  number with a percent sign after it, and is read as that number;
* a date becomes yyyy-mm-dd; true/false become `true`/`false`.

Each sheet becomes a :class:`~assessc.facts.table.Table` whose "source text"
is the sheet written as CSV, one line per sheet row, so that line numbers are
row numbers and a diagnostic's caret underlines the cell; the diagnostic names
the cell as Excel does, `facts.xlsx[Sheet1]!C3`
(:class:`~assessc.facts.sheet_source.SheetSource`).
"""

from __future__ import annotations

import csv
import datetime
import io
import warnings
from decimal import Decimal
from pathlib import Path

from assessc.diagnostics import DiagnosticBag, codes
from assessc.dsl.source import SourceFile
from assessc.facts.numeric import plain, shift
from assessc.facts.records import file_span
from assessc.facts.sheet_source import SheetSource
from assessc.facts.table import Row, Table
from assessc.facts.values import Inexact
from assessc.runtime.decimals import CONTEXT, show

_SIGNIFICANT = 15
EXCEL_HELP = "install the `excel` extra: pip install 'assessc[excel]'"


def read_workbook(path: Path, bag: DiagnosticBag) -> dict[str, Table] | None:
    """Every sheet of the workbook by name, in workbook order."""
    where = file_span(SourceFile(str(path), ""))
    try:
        import openpyxl
    except ImportError:
        bag.add(codes.FACTS_UNREADABLE, where, f"cannot read `{path}`: reading Excel files needs openpyxl",
                help=EXCEL_HELP)
        return None
    try:
        with warnings.catch_warnings():
            # openpyxl warns about workbook features it skips (data validation,
            # conditional formats); they do not affect cell values
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                return {ws.title: _sheet_table(path, ws) for ws in workbook.worksheets}
            finally:
                workbook.close()
    except OSError as error:
        bag.add(codes.FACTS_UNREADABLE, where, f"cannot read `{path}`: {(error.strerror or str(error)).lower()}")
    except Exception as error:  # openpyxl raises many kinds for a damaged or foreign file
        bag.add(codes.FACTS_UNREADABLE, where, f"cannot read `{path}` as an Excel workbook: {error}",
                help="save it from Excel as an .xlsx workbook, or as CSV UTF-8")
    return None


def _sheet_table(path: Path, worksheet) -> Table:
    worksheet.reset_dimensions()
    rows: list[Row] = []
    for number, cells in enumerate(worksheet.iter_rows(min_row=1), start=1):
        texts = [cell_text(c.value, getattr(c, "number_format", None) or "") for c in cells]
        while texts and not texts[-1]:
            texts.pop()
        rows.append(Row(number, tuple(texts)))
    source = SheetSource(f"{path}[{worksheet.title}]", _as_csv(rows))
    return Table(source, tuple(r for r in rows if r.cells), f"sheet `{worksheet.title}` of `{path}`")


def _as_csv(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([" ".join(c.split()) for c in row.cells])
    return out.getvalue()


def cell_text(value: object, number_format: str) -> str:
    """What the cell shows, as text (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return _number_text(value, is_percent_format(number_format, value < 0, value == 0))
    return str(value)


def _number_text(value: int | float, percent: bool) -> str:
    if isinstance(value, int):  # exact as it is, at any size
        return f"{value * 100}%" if percent else str(value)
    text = repr(value)
    try:
        exact = Decimal(text)
    except ArithmeticError:
        return Inexact(text)
    if not exact.is_finite() or len(exact.normalize(CONTEXT).as_tuple().digits) > _SIGNIFICANT:
        return Inexact(text)
    if percent:
        return show(shift(exact, 2)) + "%"
    return format(plain(exact), "f")


def is_percent_format(number_format: str, negative: bool = False, zero: bool = False) -> bool:
    """Whether Excel shows a number in ``number_format`` multiplied by 100 with a `%`.

    Only a `%` outside quotes, brackets and escapes scales the number (`0.0%`, `#,##0%`);
    `0"%"` and `0\\%` show the stored number with a percent sign after it. A format may have
    sections for positive numbers, negative numbers and zero (`0%;[Red]-0%;"-"`): the one
    that applies to the value counts.
    """
    if "%" not in number_format:
        return False
    sections = _sections(number_format)
    section = sections[0]
    if negative and len(sections) > 1:
        section = sections[1]
    elif zero and len(sections) > 2:
        section = sections[2]
    return "%" in section


def _sections(number_format: str) -> list[str]:
    """The format's sections, with quoted text, escaped characters and bracketed parts left out."""
    sections, current, i = [], [], 0
    while i < len(number_format):
        ch = number_format[i]
        if ch == '"':
            end = number_format.find('"', i + 1)
            i = len(number_format) if end < 0 else end + 1
            continue
        if ch == "[":
            end = number_format.find("]", i + 1)
            i = len(number_format) if end < 0 else end + 1
            continue
        if ch in "\\_*":  # an escaped character, a space as wide as one, a character repeated to fill
            i += 2
            continue
        if ch == ";":
            sections.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    sections.append("".join(current))
    return sections
