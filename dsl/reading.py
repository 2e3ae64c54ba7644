"""Read a policy or module file into a :class:`SourceFile`, or say exactly
why it is not one.

A source file is UTF-8 text. A byte order mark at its start (Notepad writes
one) is dropped. A file that is not UTF-8 is refused with the line and
column of its first bad byte, and the encoding it looks like: a rule book
saved by Notepad on Chinese Windows is GBK. A file with a NUL byte is not
text at all (an image, a spreadsheet, ``/proc/self/environ``). A file is
read only up to :data:`limits.MAX_SOURCE_BYTES`, so neither a huge file nor
an endless one (``/dev/zero``) is read whole. Problems are raised as
:class:`SourceProblem`; nothing of the file's text goes into them.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import attrs

from assessc.diagnostics import codes
from assessc.diagnostics.codes import Code
from assessc.dsl import limits
from assessc.dsl.source import SourceFile

_BOM = "\ufeff"


@attrs.frozen
class SourceProblem(Exception):
    """Why a file cannot be read as a source file; ``line`` and ``column``
    (1-based, in characters) place it when the file was read."""

    code: Code
    message: str
    help: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return self.message


def read_source(path: str | Path, *, quote: bool = True) -> SourceFile:
    """The source file at ``path``; ``quote=False`` keeps its lines out of
    diagnostics. Raises :class:`SourceProblem`."""
    shown = shorten(str(path))
    data = _read_bytes(path, shown)
    nul = data.find(b"\0")
    if nul >= 0:
        line, column = _position(data, nul)
        raise SourceProblem(codes.SOURCE_ENCODING, f"`{shown}` is not a text file: it holds a NUL byte",
                            "a policy is a text file of the assess language", line, column)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _position(data, error.start)
        raise SourceProblem(codes.SOURCE_ENCODING,
                            f"`{shown}` is not UTF-8 text: byte 0x{data[error.start]:02X} is not valid here"
                            f"{_looks_like(data)}", "save the file as UTF-8 (Notepad: Save As, Encoding: UTF-8)",
                            line, column) from None
    if text.startswith(_BOM):
        text = text[1:]
    return SourceFile(shown, text, quote=quote)


def _read_bytes(path: str | Path, shown: str) -> bytes:
    """At most one byte more than a source file may have, from a regular file."""
    try:
        # without blocking: opening a named pipe would wait for a writer
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with open(descriptor, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise SourceProblem(codes.MODULE_NOT_FOUND, f"`{shown}` is not a regular file",
                                    "a policy is a text file of the assess language")
            data = file.read(limits.MAX_SOURCE_BYTES + 1)
    except FileNotFoundError:
        raise SourceProblem(codes.MODULE_NOT_FOUND, f"`{shown}` does not exist") from None
    except IsADirectoryError:
        raise SourceProblem(codes.MODULE_NOT_FOUND, f"`{shown}` is a directory, not a policy file") from None
    except ValueError:  # a NUL character in the path
        raise SourceProblem(codes.MODULE_NOT_FOUND, f"`{shown}` cannot be a file name: it holds a NUL "
                            "character") from None
    except OSError as error:
        raise SourceProblem(codes.MODULE_NOT_FOUND, f"`{shown}` cannot be read: {describe_os_error(error)}") \
            from None
    if len(data) > limits.MAX_SOURCE_BYTES:
        raise SourceProblem(codes.TOO_LARGE, f"`{shown}` is larger than {limits.MAX_SOURCE_BYTES // 2**20} MiB, "
                            "the most a source file may hold", "split the policy into modules and import them")
    return data


def describe_os_error(error: OSError) -> str:
    """Why a file cannot be opened, in words (no path: the caller names it)."""
    reasons = {
        errno.ENAMETOOLONG: "the path is longer than the system allows",
        errno.ELOOP: "its symbolic links form a loop",
        errno.EACCES: "permission denied",
        errno.ENOTDIR: "a part of the path is not a directory",
    }
    return reasons.get(error.errno, error.strerror or type(error).__name__)


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """The line and column (in characters) of byte ``offset``, which starts
    no character before it that is not UTF-8."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    before = data[line_start:offset].decode("utf-8", errors="replace")
    if line == 1 and before.startswith(_BOM):
        before = before[1:]
    return line, len(before) + 1


def _looks_like(data: bytes) -> str:
    """``; it looks like GBK …`` when another encoding reads the file."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "; it looks like UTF-16 (Notepad's \"Unicode\")"
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return ""
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "; it looks like GBK (GB2312, as Notepad saves it on Chinese Windows)"
    return ""


def shorten(path: str, most: int = 160) -> str:
    """A path as a message shows it: NUL written ``\\0``, the middle of a very long one left out."""
    path = path.replace("\0", "\\0")
    return path if len(path) <= most else path[: most // 2] + "…" + path[-most // 2:]
