"""``assessc fmt`` on files: find them, format them, show or write the change.

A file is read as bytes and decoded as UTF-8 (no newline translation), so
:func:`dsl.fmt.format_text` sees its byte-order mark and line breaks and
keeps them. A file is rewritten only when it parses and its formatted text
differs, through a temporary file renamed over it (whole or not at all),
keeping its permission bits; a symbolic link is followed, not replaced.
"""

from __future__ import annotations

import difflib
import os
import stat
from pathlib import Path

import attrs

from assessc import driver
from assessc.diagnostics import DiagnosticBag
from assessc.dsl.fmt import FormatError, format_text
from assessc.reports.output import atomic_write

SUFFIX = ".assess"


def collect(paths) -> list[Path]:
    """The files named, a folder standing for every ``.assess`` file under it
    (sorted) but those in hidden folders (``.git``, ``.venv`` …); each file
    once, in the order first named."""
    found: dict[Path, None] = {}
    for path in map(Path, paths):
        if path.is_dir():
            found.update(dict.fromkeys(sorted(
                p for p in path.rglob("*" + SUFFIX)
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts[:-1]))))
        else:
            found[path] = None
    return list(found)


@attrs.frozen
class Formatted:
    path: Path
    original: str | None  # None: the file could not be read
    formatted: str | None  # None: it could not be formatted (see diagnostics or error)
    diagnostics: DiagnosticBag
    error: str | None = None  # a tree the printer cannot write

    @property
    def changed(self) -> bool:
        return self.formatted is not None and self.formatted != self.original

    def diff(self) -> str:
        """The change as a unified diff (as ``diff -u`` marks a last line without a line break)."""
        lines = difflib.unified_diff(self.original.splitlines(keepends=True), self.formatted.splitlines(keepends=True),
                                     fromfile=str(self.path), tofile=str(self.path))
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def format_file(path: Path) -> Formatted:
    bag = DiagnosticBag()
    try:
        original = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        driver.read_source(path, bag)  # the usual diagnostic for a file that cannot be read
        return Formatted(path, None, None, bag, None if bag.has_errors else "it cannot be read")
    try:
        return Formatted(path, original, format_text(original, str(path), bag), bag)
    except FormatError as error:
        return Formatted(path, original, None, bag, str(error))


def write(result: Formatted) -> None:
    """Replace the file's text by its formatted text (:class:`OutputError` if
    it cannot be written)."""
    target = result.path.resolve()
    mode = stat.S_IMODE(target.stat().st_mode)
    atomic_write(target, result.formatted.encode("utf-8"))
    os.chmod(target, mode)
