"""Plain-text tables that line up with Chinese text (wide characters)."""

from __future__ import annotations

import unicodedata

from assessc.backends.wording import _visible_direction


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int, right: bool = False) -> str:
    fill = " " * max(0, size - width(text))
    return fill + text if right else text + fill


def format_table(header: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> str:
    """The table aligned for Chinese text; direction controls in a cell are shown as ``<U+202E>``."""
    header = [_visible_direction(c) for c in header]
    rows = [[_visible_direction(c) for c in row] for row in rows]
    sizes = [max(width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(pad(c, sizes[i], i in right) for i, c in enumerate(header)).rstrip(),
             "  ".join("-" * s for s in sizes)]
    for row in rows:
        lines.append("  ".join(pad(c, sizes[i], i in right) for i, c in enumerate(row)).rstrip())
    return "\n".join(lines)
