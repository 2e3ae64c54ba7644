"""Render diagnostics as text (rustc/ruff shape) or as JSON-ready dicts.

Text::

    policies/x.assess:12:9: E0201 undefined name `missing_doc`
       |
    12 |   deduct 0.5 per missing_doc
       |                  ^^^^^^^^^^^
       = help: did you mean `missing_docs`?
"""

from __future__ import annotations

import re
import unicodedata

from assessc.diagnostics.diagnostic import Diagnostic
from assessc.dsl.source import DIRECTION_CONTROLS


def _display_width(text: str) -> int:
    """Terminal columns of ``text``: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# Characters a terminal would not show as themselves: controls, and those that
# change the direction the rest of the line is shown in (Trojan Source).
_UNSEEN = re.compile(f"[\0-\x08\x0b-\x1f\x7f{DIRECTION_CONTROLS}]")


def _visible(text: str) -> str:
    """``text`` with every character a terminal would not show written ``<U+202E>``."""
    return _UNSEEN.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


#: terminal columns of a quoted source line; a wider line is cut around the span
_WIDEST_LINE = 120


def _window(line: str, start: int, end: int) -> tuple[str, int, int]:
    """The part of a wide ``line`` shown: from a little before ``start``, as much as fits,
    with `…` where it is cut; and ``start`` and ``end`` in it. A line may have megabytes."""
    first, width = start, 0
    while first > 0 and width + _display_width(line[first - 1]) <= _WIDEST_LINE // 4:
        first -= 1
        width += _display_width(line[first])
    last, width = first, 0
    while last < len(line) and width + _display_width(line[last]) <= _WIDEST_LINE:
        width += _display_width(line[last])
        last += 1
    before, after = ("…" if first > 0 else ""), ("…" if last < len(line) else "")
    shift = len(before) - first
    return before + line[first:last] + after, start + shift, min(end, last) + shift


def _caret_line(diagnostic: Diagnostic) -> tuple[str, str] | None:
    span = diagnostic.span
    if span is None or not span.file.quote:
        return None
    line = span.source_line().replace("\t", " ")  # a tab's width is the terminal's: one space keeps the caret in line
    if not line and span.line <= 0:
        return None
    start = min(span.column - 1, len(line))  # a span past the line's end points just after it
    end = span.end_column - 1 if span.end_line == span.line else len(line)
    end = max(end, start + 1)
    if len(line) > _WIDEST_LINE // 2 and (len(line) > _WIDEST_LINE or _display_width(line) > _WIDEST_LINE):
        line, start, end = _window(line, start, end)
    pad = " " * _display_width(_visible(line[:start]))
    carets = "^" * max(1, _display_width(_visible(line[start:end])))
    return _visible(line), pad + carets


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
