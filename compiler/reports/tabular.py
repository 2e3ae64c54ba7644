"""Tables as CSV and Excel files: typed cells, formula injection neutralised.

A table is a header row and rows of cells. A cell is text (``str``), a number
(``Decimal`` or ``int``) or empty (``None``). Every CSV and Excel writer of
assessc goes through here:

* **CSV**: UTF-8 with a byte-order mark (so Excel reads it as UTF-8), in a
  file or on standard output alike. Numbers are written as ``show`` gives them.
* **Excel** (``.xlsx``, with openpyxl): a header row in bold, frozen with the
  first column; column widths fitted to the text (a Chinese character counts
  two); text cells as text; a number as a number when the binary double Excel
  stores shows the same value (at most 15 significant digits, and the double's
  shortest form is the decimal itself), else as text, so no digit is lost.
* **Formula injection** (OWASP, CSV injection): a text cell that begins with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run as a
  formula by a spreadsheet. In CSV it gets a leading ``'``; in Excel it is a
  text cell marked as such (Excel's quote prefix), so it is shown as typed and
  never run. Numbers are never changed: a score of -1 stays the number -1.
"""

from __future__ import annotations

import csv
import itertools
from decimal import Decimal
from typing import IO, Iterable, Sequence

from assessc.backends.wording import _visible_direction
from assessc.reports.tables import width
from assessc.runtime.decimals import CONTEXT, show

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: the rows of a worksheet, the header included
EXCEL_MAX_ROWS = 1_048_576


class NumberText(str):
    """A number given as the exact text ``show`` made of it: written as it is in CSV, as a
    number in Excel (when a double shows it exactly)."""

    __slots__ = ()


class Row(list):
    """A row whose cells from index ``numbers`` on are numbers given as their exact text (as
    :class:`NumberText`), so a long row of scores is written without a check per cell."""

    __slots__ = ("numbers",)

    def __init__(self, cells, numbers: int):
        super().__init__(cells)
        self.numbers = numbers


def neutralise(text: str) -> str:
    """``text`` made safe to open in a spreadsheet: a leading ``'`` if it would start a formula,
    and any direction control written ``<U+202E>``."""
    text = _visible_direction(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value if value.__class__ is NumberText else neutralise(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return show(value)
    return str(value)


def write_csv(handle: IO[str], header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """The table as CSV (byte-order mark first) on the text handle ``handle``."""
    handle.write(BOM)
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow([csv_cell(h) for h in header])
    write = writer.writerow
    for row in rows:
        if row.__class__ is Row:
            k = row.numbers
            write([csv_cell(c) for c in row[:k]] + row[k:])
        else:
            write([csv_cell(c) for c in row])


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    import io

    buffer = io.StringIO()
    write_csv(buffer, header, rows)
    return buffer.getvalue()


def excel_number(value: Decimal | int) -> float | int | None:
    """The number Excel should store for ``value``, or None when a double cannot show it exactly."""
    if isinstance(value, int):
        return value if abs(value) < 10**15 else None
    if not value.is_finite():
        return None
    digits = value.normalize(CONTEXT).as_tuple().digits
    if len(digits) > 15:
        return None
    double = float(value)
    return double if Decimal(repr(double)) == value else None


class TooManyRows(Exception):
    pass


def write_xlsx(handle: IO[bytes], sheet: str, header: Sequence[str], rows: Iterable[Sequence], *,
               frozen_columns: int = 1, sample: int = 1000) -> None:
    """The table as one worksheet named ``sheet`` of a new workbook, saved to ``handle``.
    Raises :class:`TooManyRows` past Excel's 1,048,576 rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    ws = book.create_sheet(_sheet_title(sheet))
    rows = iter(rows)
    first = list(itertools.islice(rows, sample))  # column widths are fitted to these
    for index, heading in enumerate(header):
        longest = max([width(heading)] + [width(csv_cell(r[index])) for r in first if index < len(r)])
        ws.column_dimensions[get_column_letter(index + 1)].width = min(60, max(6, longest + 2))
    ws.freeze_panes = f"{get_column_letter(frozen_columns + 1)}2"
    bold = Font(bold=True)

    def cell(value, header_cell: bool = False):
        if value is None:
            return None
        if isinstance(value, bool):
            value = "yes" if value else "no"
        if value.__class__ is NumberText:
            value = Decimal(value)
        if not isinstance(value, str):
            number = excel_number(value)
            if number is not None:
                return number
            value = show(value) if isinstance(value, Decimal) else str(value)
        if not header_cell and not value.startswith(FORMULA_STARTS):
            return value  # a plain string is a text cell
        made = WriteOnlyCell(ws, value=value)
        made.data_type = "s"  # text, even if it looks like a formula
        if value.startswith(FORMULA_STARTS):
            made.quotePrefix = True
        if header_cell:
            made.font = bold
        return made

    ws.append([cell(h, True) for h in header])
    count = 1
    for row in itertools.chain(first, rows):
        count += 1
        if count > EXCEL_MAX_ROWS:
            raise TooManyRows(f"more than {EXCEL_MAX_ROWS - 1:,} rows, the most an Excel sheet holds")
        if row.__class__ is Row:
            k = row.numbers
            ws.append([cell(c) for c in row[:k]] + [cell(Decimal(c)) for c in row[k:]])
        else:
            ws.append([cell(c) for c in row])
    book.save(handle)


def _sheet_title(title: str) -> str:
    """A worksheet title Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip("'") or "Sheet1"
    return cleaned[:31]
