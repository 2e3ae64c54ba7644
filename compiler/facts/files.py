"""Reading a facts file's text: bytes, then UTF-8 without a byte-order mark.

A byte-order mark, which Excel writes in front of "CSV UTF-8", is dropped.
Files saved in a legacy Chinese encoding (GBK) are the usual reason decoding
fails, so the help says how to re-save. Every failure is reported as
`facts-unreadable` and returns None; nothing here raises.
"""

from __future__ import annotations

from pathlib import Path

from assessc.diagnostics import DiagnosticBag, codes
from assessc.dsl.source import SourceFile
from assessc.facts.records import file_span

_RESAVE = "save it as UTF-8 (in Excel: Save As > \"CSV UTF-8 (Comma delimited)\")"


def read_bytes(path: Path, bag: DiagnosticBag) -> bytes | None:
    """The file's bytes, or None after reporting why it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        bag.add(codes.FACTS_UNREADABLE, file_span(SourceFile(str(path), "")),
                f"cannot read `{path}`: {reason.lower()}")
        return None


def decode(data: bytes, path: Path, bag: DiagnosticBag) -> str | None:
    """UTF-8 text without a byte-order mark, or None after reporting."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        source = SourceFile(str(path), "")
        help = _RESAVE
        if _looks_like_gbk(data):
            help = "the file looks like GBK (a legacy Chinese encoding); " + _RESAVE
        bag.add(codes.FACTS_UNREADABLE, file_span(source, 1),
                f"`{path}` is not UTF-8 text (bad byte at line {line})", help=help)
        return None


def _looks_like_gbk(data: bytes) -> bool:
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return True
