"""Writing Python source safely: literals, comments, and a line buffer with a line map.

Every string that comes from a policy (titles, ids, rule texts, member names,
labels, reasons) reaches the generated module only through :func:`literal`,
which uses ``repr()``: Python escapes quotes, backslashes, line breaks and
every non-printable character (``\\u2028``, bidi controls …), so such a
string can only ever be a string constant. Comments carry policy text for
readers; :func:`comment` drops everything that could end the comment line or
reorder how it displays. Identifiers are never made from policy names: the
generator numbers them.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import unicodedata
from contextvars import ContextVar
from decimal import Decimal
from pathlib import Path
from typing import Callable

#: bidirectional embedding/override/isolate controls, which could make code display in another order
BIDI = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C))
COMMENT_WIDTH = 100


def comment(text: str | None, width: int = COMMENT_WIDTH) -> str:
    """``text`` made safe for a ``#`` comment: one line, printable characters only, shortened."""
    if not text:
        return ""
    out = []
    for ch in str(text):
        if ch in BIDI or ch in "\r\n\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85" or not ch.isprintable():
            out.append(" ")
        elif unicodedata.category(ch) in ("Cf", "Zl", "Zp"):
            out.append(" ")
        else:
            out.append(ch)
    text = " ".join("".join(out).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def literal(value) -> str:
    """A Python expression for a constant: str, bool, None, int, Decimal, date, tuples and frozensets of them."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, str):
        text = repr(value)
        assert "\n" not in text and "\r" not in text
        return text
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, Decimal):
        return f"Decimal({str(value)!r})"
    if isinstance(value, datetime.date):
        return f"_date({value.year}, {value.month}, {value.day})"
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, frozenset):
        return "frozenset({" + ", ".join(literal(v) for v in sorted(value, key=repr)) + "})" if value else "frozenset()"
    raise TypeError(f"no literal for {type(value).__name__}")


#: how the module being generated names a policy file (see :func:`places_named_from`)
_place_name: ContextVar[Callable[[str], str] | None] = ContextVar("place_name", default=None)


def place_name(path: str, policy_path: str) -> str:
    """The name a generated module gives a policy file: relative to the folder of the policy it
    scores (the policy itself is its file name, a module it imports ``lib/x.assess`` or
    ``../shared/x.assess``), a standard-library module ``<stdlib>/NAME.assess``. Never an
    absolute path: the module must not carry the file system of the machine that built it."""
    from assessc.ir.modules import stdlib_dir

    absolute = os.path.abspath(path)
    stdlib = os.path.abspath(stdlib_dir())
    if os.path.commonpath([absolute, stdlib]) == stdlib:
        return "<stdlib>/" + Path(os.path.relpath(absolute, stdlib)).as_posix()
    try:
        return Path(os.path.relpath(absolute, os.path.dirname(os.path.abspath(policy_path)))).as_posix()
    except ValueError:  # another drive
        return Path(path).name


@contextlib.contextmanager
def places_named_from(policy_path: str):
    """Within the block, :func:`where` names files as :func:`place_name` does for ``policy_path``."""
    token = _place_name.set(lambda path: place_name(path, policy_path))
    try:
        yield
    finally:
        _place_name.reset(token)


def where(span) -> tuple | None:
    """(path, line, column) of a span, or None."""
    if span is None:
        return None
    name = _place_name.get()
    return (name(span.path) if name is not None else span.path, span.line, span.column)


class Code:
    """Lines of Python with their indentation and, for the line map, the policy place each comes from."""

    def __init__(self) -> None:
        self.lines: list[tuple[int, str, tuple | None]] = []
        self.depth = 0
        #: the policy place of lines added without one (the graph node being written)
        self.at: tuple | None = None

    def __call__(self, text: str, at: tuple | None = None) -> None:
        assert "\n" not in text and "\r" not in text, text
        self.lines.append((self.depth, text, at if at is not None else self.at))

    def indent(self) -> "_Indent":
        return _Indent(self)

    def splice(self, other: "Code") -> None:
        for depth, text, at in other.lines:
            self.lines.append((self.depth + depth, text, at if at is not None else self.at))

    def blank(self) -> None:
        self.lines.append((0, "", None))

    def render(self, first_line: int, line_map: dict) -> str:
        out = []
        for offset, (depth, text, at) in enumerate(self.lines):
            out.append(("    " * depth + text) if text else "")
            if at is not None:
                line_map[first_line + offset] = at
        return "\n".join(out) + "\n"


class _Indent:
    def __init__(self, code: Code) -> None:
        self.code = code

    def __enter__(self):
        self.code.depth += 1

    def __exit__(self, *exc):
        self.code.depth -= 1
