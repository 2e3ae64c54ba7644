"""Where the keys and tables of a TOML file are, for pointing diagnostics at them.

:mod:`tomllib` keeps no positions, so the text is scanned once, line by line:
table headers (``[case.expect]``), array-of-tables headers (``[[case]]``,
counted, so the third ``[[case]]`` is index 2) and ``key = value`` lines. A
place is named by its path in the decoded document, e.g.
``("case", 2, "expect", "1.1")``.

The scan is deliberately simple: lines inside a multi-line string or a value
that spans several lines (an array or inline table left open) are skipped, and
keys inside inline tables are not found. :meth:`TomlSpans.near` then falls
back to the closest enclosing key or table, and at worst to the first line.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from typing import Hashable

from assessc.dsl.source import SourceFile, Span

_BARE = r"[A-Za-z0-9_-]+"
_BASIC = r'"(?:[^"\\\n]|\\.)*"'
_LITERAL = r"'[^'\n]*'"
_KEY = rf"(?:{_BARE}|{_BASIC}|{_LITERAL})"
_DOTTED = rf"{_KEY}(?:[ \t]*\.[ \t]*{_KEY})*"
_ARRAY_HEADER = re.compile(rf"[ \t]*\[\[[ \t]*({_DOTTED})[ \t]*\]\]")
_TABLE_HEADER = re.compile(rf"[ \t]*\[[ \t]*({_DOTTED})[ \t]*\]")
_KEYVAL = re.compile(rf"[ \t]*({_DOTTED})[ \t]*=")
_PART = re.compile(_KEY)

Path = tuple[Hashable, ...]


@lru_cache(maxsize=512)
def _unquote(part: str) -> str:
    if part[0] in "\"'":
        return next(iter(tomllib.loads(f"{part} = 0")))
    return part


def _parts(dotted: str) -> list[str]:
    return [_unquote(m.group(0)) for m in _PART.finditer(dotted)]


def _open_brackets(value: str) -> int:
    """How many more `[`/`{` than `]`/`}` the value text opens, outside strings and comments."""
    depth, i, n = 0, 0, len(value)
    while i < n:
        ch = value[i]
        if ch == "#":
            break
        if ch in "\"'":
            triple = value.startswith(ch * 3, i)
            if triple:
                return depth  # a multi-line string: handled by the caller
            end = i + 1
            while end < n and value[end] != ch:
                end += 2 if ch == '"' and value[end] == "\\" else 1
            i = end + 1
            continue
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        i += 1
    return depth


class TomlSpans:
    """Spans of the keys and tables of one TOML file."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self._keys: dict[Path, Span] = {}
        self._tables: dict[Path, Span] = {}
        self._scan()

    # -- lookups ---------------------------------------------------------------

    def key(self, *path: Hashable) -> Span | None:
        return self._keys.get(tuple(path))

    def table(self, *path: Hashable) -> Span | None:
        return self._tables.get(tuple(path))

    def near(self, *path: Hashable) -> Span:
        """The key or table at ``path``, else the closest enclosing one, else line 1."""
        path = tuple(path)
        while path:
            found = self._keys.get(path) or self._tables.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return self.start()

    def start(self) -> Span:
        width = len(self.source.line(1))
        return Span(self.source, 1, 1, 1, max(width, 1) + 1)

    # -- the scan --------------------------------------------------------------

    def _span(self, number: int, start: int, end: int) -> Span:
        return Span(self.source, number, start + 1, number, max(end, start + 1) + 1)

    def _scan(self) -> None:
        arrays: dict[Path, int] = {}
        current: Path = ()
        depth = 0
        in_string: str | None = None
        for number, line in enumerate(self.source.text.splitlines(), start=1):
            if in_string is not None:
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            if depth > 0:
                depth = max(0, depth + _open_brackets(line))
                continue
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            header = _ARRAY_HEADER.match(line)
            if header:
                current = self._resolve(_parts(header.group(1)), arrays, new_element=True)
                self._tables[current] = self._span(number, len(line) - len(line.lstrip()), len(line.rstrip()))
                continue
            header = _TABLE_HEADER.match(line)
            if header:
                current = self._resolve(_parts(header.group(1)), arrays, new_element=False)
                self._tables.setdefault(current, self._span(number, len(line) - len(line.lstrip()), len(line.rstrip())))
                continue
            keyval = _KEYVAL.match(line)
            if not keyval:
                continue
            path = current + tuple(_parts(keyval.group(1)))
            self._keys.setdefault(path, self._span(number, keyval.start(1), keyval.end(1)))
            value = line[keyval.end():]
            for quote in ('"""', "'''"):
                if value.count(quote) % 2 == 1:
                    in_string = quote
                    break
            else:
                depth = max(0, _open_brackets(value))

    @staticmethod
    def _resolve(parts: list[str], arrays: dict[Path, int], new_element: bool) -> Path:
        """The concrete path of a header: array-of-tables names get their current index."""
        concrete: list[Hashable] = []
        for i, part in enumerate(parts):
            concrete.append(part)
            last = i == len(parts) - 1
            key = tuple(concrete)
            if last and new_element:
                index = arrays.get(key, 0)
                arrays[key] = index + 1
                concrete.append(index)
            elif key in arrays:
                concrete.append(arrays[key] - 1)
        return tuple(concrete)
