"""Render diagnostics as text (rustc/ruff shape) or as JSON-ready dicts.

Text::

    policies/x.assess:12:9: E0201 undefined name `missing_doc`
       |
    12 |   deduct 0.5 per missing_doc
       |                  ^^^^^^^^^^^
       = help: did you mean `missing_docs`?
"""

from __future__ import annotations

import unicodedata

from assessc.diagnostics.diagnostic import Diagnostic


def _display_width(text: str) -> int:
    """Terminal columns of ``text``: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _caret_line(diagnostic: Diagnostic) -> tuple[str, str] | None:
    span = diagnostic.span
    if span is None:
        return None
    line = span.source_line().replace("\t", " ")  # a tab's width is the terminal's: one space keeps the caret in line
    if not line and span.line <= 0:
        return None
    start = span.column - 1
    end = span.end_column - 1 if span.end_line == span.line else len(line)
    end = max(end, start + 1)
    pad = " " * _display_width(line[:start])
    carets = "^" * max(1, _display_width(line[start:end]))
    return line, pad + carets


def render_text(diagnostic: Diagnostic) -> str:
    label = diagnostic.severity.value
    where = str(diagnostic.span) if diagnostic.span else "<input>"
    out = [f"{where}: {diagnostic.code.code} {diagnostic.message}" + ("" if label == "error" else f" [{label}]")]
    caret = _caret_line(diagnostic)
    if caret is not None:
        number = str(diagnostic.span.line)
        gutter = " " * len(number)
        out.append(f"{gutter} |")
        out.append(f"{number} | {caret[0]}")
        out.append(f"{gutter} | {caret[1]}")
    for note in diagnostic.notes:
        where = f"{note.span}: " if note.span else ""
        out.append(f"   = note: {where}{note.message}")
    if diagnostic.help:
        out.append(f"   = help: {diagnostic.help}")
    if diagnostic.accepted is not None:
        out.append(f"   = accepted: {diagnostic.accepted}")
    return "\n".join(out)


def to_json(diagnostic: Diagnostic) -> dict:
    span = diagnostic.span
    return {
        "code": diagnostic.code.code,
        "name": diagnostic.code.name,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
        "file": span.path if span else None,
        "line": span.line if span else None,
        "column": span.column if span else None,
        "end_line": span.end_line if span else None,
        "end_column": span.end_column if span else None,
        "help": diagnostic.help,
        "notes": [
            {"message": n.message, "file": n.span.path if n.span else None, "line": n.span.line if n.span else None}
            for n in diagnostic.notes
        ],
        "accepted": diagnostic.accepted,
    }


def summary_line(diagnostics: list[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = sum(1 for d in diagnostics if not d.is_error and d.accepted is None)
    accepted = sum(1 for d in diagnostics if d.accepted is not None)
    parts = [f"{errors} error{'s' if errors != 1 else ''}", f"{warnings} warning{'s' if warnings != 1 else ''}"]
    if accepted:
        parts.append(f"{accepted} accepted")
    return ", ".join(parts)
