"""The common shape of every facts input: records of raw values by column.

A CSV file, a spreadsheet sheet and a JSON list of objects all become
:class:`Records`, so one checker (:mod:`assessc.facts.entities`) serves them
all. A record maps column names (JSON: keys) to raw values -- cell text, or a
JSON value -- and knows how to point at itself and at each of its cells.
Spans of cells are computed only when a diagnostic needs one, which keeps
large inputs cheap.
"""

from __future__ import annotations

from typing import Callable, Mapping

import attrs

from assessc.dsl.source import SourceFile, Span
from assessc.runtime.factvalues import is_blank  # noqa: F401 - one definition of a blank value

Locate = Callable[[str], "Span | None"]


def _nowhere(column: str) -> Span | None:
    return None


@attrs.frozen
class Record:
    """One row or object: raw values by column, and where it came from."""

    values: Mapping[str, object]
    #: how messages name the record when it has no usable id: `row 5`, `object 3`
    where: str
    span: Span | None = attrs.field(eq=False, default=None)
    locate: Locate = attrs.field(eq=False, repr=False, default=_nowhere)

    def cell_span(self, column: str) -> Span | None:
        return self.locate(column) or self.span


@attrs.frozen
class Records:
    """The records of one input, the columns they use, and words for messages."""

    rows: tuple[Record, ...]
    #: column names in input order (JSON: keys in order of first appearance)
    columns: tuple[str, ...]
    #: `column` for tables, `key` for JSON
    noun: str
    #: how a value that is not there is described: `blank` or `missing`
    blank: str
    #: the file or sheet, for messages and for spans of whole-input problems
    source: SourceFile
    #: where a column is named (a header cell, or a key's first appearance)
    column_span: Locate = attrs.field(eq=False, repr=False, default=_nowhere)
    #: where the input as a whole can be pointed at (the header row)
    span: Span | None = attrs.field(eq=False, default=None)


def file_span(source: SourceFile, line: int = 1) -> Span:
    """The start of ``line`` of a file, for problems with no better place."""
    width = len(source.line(line))
    return Span(source, line, 1, line, max(width, 1) + 1)
