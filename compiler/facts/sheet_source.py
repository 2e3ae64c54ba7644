"""A spreadsheet sheet as a source of diagnostics: places are named as Excel names cells.

A sheet is shown to diagnostics as CSV-like text, one line per sheet row (see
:mod:`assessc.facts.xlsx_source`), so that a caret can underline a cell. Its
places, though, are named the way the people who fill in the sheet know
them: `facts.xlsx[考核]!L3` for the cell in column L of row 3, and
`facts.xlsx[考核]!A3:F3` for a span over several cells (a whole row).
"""

from __future__ import annotations

import attrs

from assessc.dsl.source import SourceFile, Span


def column_letters(number: int) -> str:
    """Excel's name of the 1-based column ``number``: 1 -> A, 26 -> Z, 27 -> AA."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@attrs.frozen
class SheetSource(SourceFile):
    """The text of one sheet; ``path`` is `book.xlsx[sheet]`."""

    def where(self, span: Span) -> str:
        first = self.cell(span.line, span.column - 1)
        last = self.cell(span.end_line, max(span.end_column - 2, span.column - 1))
        return f"{self.path}!{first if first == last else first + ':' + last}"

    def cell(self, line: int, offset: int) -> str:
        """The name of the cell at character ``offset`` of the sheet's ``line``."""
        from assessc.facts.table import field_bounds

        bounds = field_bounds(self.line(line))
        index = next((i for i, (_, end) in enumerate(bounds) if offset <= end), len(bounds) - 1)
        return f"{column_letters(index + 1)}{max(line, 1)}"
