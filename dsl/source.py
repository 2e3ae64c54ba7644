"""Source files and spans.

A :class:`Span` points into a :class:`SourceFile` by 1-based line and column
(columns count characters, so a Chinese title counts one per character) and
by 0-based character offsets. Spans never take part in node equality.
"""

from __future__ import annotations

from pathlib import Path

import attrs

#: The invisible characters that change the direction text is shown in
#: (bidirectional embeddings, overrides, isolates and marks), as rustc's
#: ``text_direction_codepoint_in_literal`` lists them: a comment or title
#: holding them can display in another order than the compiler reads it
#: (Trojan Source). The parser refuses them; outputs drop them.
DIRECTION_CONTROLS = "".join(sorted("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


@attrs.frozen
class SourceFile:
    path: str
    text: str = attrs.field(repr=False)
    #: False for a file whose lines diagnostics must not show (one that is not
    #: a policy, or from outside the policy's folder)
    quote: bool = attrs.field(default=True, kw_only=True, eq=False, repr=False)
    # the text split into lines when first asked for (a large facts file may never be)
    _lines: tuple[str, ...] | None = attrs.field(init=False, default=None, repr=False, eq=False)

    @property
    def lines(self) -> tuple[str, ...]:
        """The lines, split once for the many spans and diagnostics that quote one."""
        if self._lines is None:
            object.__setattr__(self, "_lines", tuple(self.text.split("\n")))  # the parser counts only \n
        return self._lines

    @classmethod
    def read(cls, path: str | Path) -> "SourceFile":
        """The file as UTF-8 text; :func:`assessc.dsl.reading.read_source`
        reads a policy file, refusing what is not one in words."""
        return cls(str(path), Path(path).read_text(encoding="utf-8"))

    def line(self, number: int) -> str:
        lines = self.lines
        return lines[number - 1].rstrip("\r") if 0 < number <= len(lines) else ""

    def where(self, span: "Span") -> str:
        """How diagnostics name the place of ``span``: `path:line:column` (a spreadsheet's
        sheet names its cells instead, see :mod:`assessc.facts.sheet_source`)."""
        return f"{self.path}:{span.line}:{span.column}"


@attrs.frozen
class Span:
    file: SourceFile = attrs.field(repr=False)
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def path(self) -> str:
        return self.file.path

    def source_line(self) -> str:
        return self.file.line(self.line)

    def text(self) -> str:
        """The source text under the span (for rule text in explanations)."""
        lines = list(self.file.lines[self.line - 1 : self.end_line])
        if not lines:
            return ""
        if len(lines) == 1:
            return lines[0][self.column - 1 : self.end_column - 1]
        lines[0] = lines[0][self.column - 1 :]
        lines[-1] = lines[-1][: self.end_column - 1]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.file.where(self)
