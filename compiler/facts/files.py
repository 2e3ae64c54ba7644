"""Reading a facts file's text: its bytes, then its encoding.

Which encoding a text file is in is decided once, here, for every reader (the
fact loader and the batch engine's CSV reader, which streams the file):

* a byte-order mark names it: UTF-8 (Excel's "CSV UTF-8" writes one, and it
  is dropped) or UTF-16 (Excel's "Unicode text");
* otherwise the file's first non-ASCII text decides: UTF-8 when it reads as
  UTF-8; GB18030 when it does not and reads as GB18030. GB18030 is the
  superset of GBK, the encoding Excel on Chinese Windows writes for "CSV
  (逗号分隔)". Text in which most multi-byte sequences are valid UTF-8 is
  UTF-8 with a damaged byte, and is reported, not read as garbled Chinese;
* a file with no non-ASCII byte is read as UTF-8.

The whole file is then decoded with that encoding; a byte it does not allow
is `facts-unreadable`, with the line. The encoding used is a note (printed
by ``-v``). Nothing here raises.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import BinaryIO

from assessc.diagnostics import DiagnosticBag, codes
from assessc.dsl.source import SourceFile, Span
from assessc.facts.notes import note
from assessc.facts.records import file_span

_RESAVE = "save it as UTF-8 (in Excel: Save As > \"CSV UTF-8 (Comma delimited)\")"
#: how much of the first non-ASCII text decides the encoding
_WINDOW = 1 << 16
_CHUNK = 1 << 20
_NON_ASCII = re.compile(rb"[\x80-\xff]")

#: codec name -> how notes and messages name it
NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (with a byte-order mark)", "utf-16": "UTF-16",
         "gb18030": "GB18030 (GBK)"}


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
    """The file's text (without a byte-order mark), or None after reporting."""
    encoding = encoding_of(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        report_undecodable(data, error.start, encoding, path, bag)
        return None
    note(f"read `{path}` as {NAMES[encoding]}")
    return text


def report_undecodable(data: bytes, offset: int, encoding: str, path: Path, bag: DiagnosticBag) -> None:
    """A `facts-unreadable` for the byte at ``offset``, which ``encoding`` does not allow."""
    line = data[:offset].count(b"\n") + 1
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode(encoding, errors="replace")) + 1
    help = _RESAVE
    if encoding == "utf-8" and _decodes(data, "gb18030"):
        help = "part of the file looks like GBK (a legacy Chinese encoding), part like UTF-8; " + _RESAVE
    # the text with each bad byte shown as U+FFFD, so that the caret can point at it
    source = SourceFile(str(path), data.decode(encoding, errors="replace"))
    bag.add(codes.FACTS_UNREADABLE, Span(source, line, column, line, column + 1),
            f"`{path}` is not {NAMES[encoding].split(' (')[0]} text (bad byte at line {line})", help=help)


def encoding_of(data: bytes) -> str:
    """The codec to read ``data`` with (see the module docstring)."""
    marked = _marked(data[:4])
    if marked is not None:
        return marked
    start = _first_non_ascii(data)
    return "utf-8" if start is None else _by_text(data[start : start + _WINDOW])


def encoding_of_file(handle: BinaryIO) -> str:
    """:func:`encoding_of` a file's bytes, reading no more of it than it needs; the
    file is left at its start."""
    head = handle.read(4)
    marked = _marked(head)
    if marked is not None:
        handle.seek(0)
        return marked
    handle.seek(0)
    while True:
        chunk = handle.read(_CHUNK)
        if not chunk:
            handle.seek(0)
            return "utf-8"
        start = _first_non_ascii(chunk)
        if start is not None:
            window = chunk[start : start + _WINDOW]
            if len(window) < _WINDOW:
                window += handle.read(_WINDOW - len(window))
            handle.seek(0)
            return _by_text(window)


def _marked(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _first_non_ascii(data: bytes) -> int | None:
    if data.isascii():
        return None
    return _NON_ASCII.search(data).start()


def _by_text(window: bytes) -> str:
    """UTF-8 or GB18030 for the first non-ASCII text of a file (cut off anywhere)."""
    if _decodes(window, "utf-8", final=False):
        return "utf-8"
    text = window.decode("utf-8", errors="surrogateescape")
    bad = sum(1 for ch in text if "\udc80" <= ch <= "\udcff")
    good = sum(1 for ch in text if ch > "\x7f" and not "\udc80" <= ch <= "\udcff")
    if bad > good and _decodes(window, "gb18030", final=False):
        return "gb18030"
    return "utf-8"


def _decodes(data: bytes, encoding: str, final: bool = True) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True
