"""Which format an output file is written in: its extension decides.

One rule for ``score -o`` and ``report -o``: ``.csv``, ``.json`` and ``.xlsx``
(and, for ``report``, ``.txt`` for the text report) name the format; any
other extension is a usage error. ``--format``, when given as well, must name
the same format, or it is a usage error: a file is never written in a format
its name does not say.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

SUFFIXES = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".txt": "text"}


class FormatMismatch(ValueError):
    """An output file name whose extension is not a format the command writes, or that
    contradicts ``--format``."""


def file_format(path: str | Path, allowed: Sequence[str], given: str | None = None) -> str:
    """The format of output file ``path`` (one of ``allowed``); ``given`` is ``--format``
    when the user gave it."""
    suffix = Path(path).suffix.lower()
    fmt = SUFFIXES.get(suffix)
    names = ", ".join(s for s, f in SUFFIXES.items() if f in allowed)
    if fmt is None or fmt not in allowed:
        what = f"`{suffix}`" if suffix else "no extension"
        raise FormatMismatch(f"cannot write `{path}`: {what} is not an output format here; "
                             f"the extension decides the format: {names}")
    if given is not None and given != fmt:
        raise FormatMismatch(f"--format {given} does not match `{path}`, which is written as {fmt} "
                             f"(the extension decides the format); drop --format or name the file "
                             f"{Path(path).with_suffix(_suffix_of(given)).name if _suffix_of(given) else 'accordingly'}")
    return fmt


def _suffix_of(fmt: str) -> str:
    return next((s for s, f in SUFFIXES.items() if f == fmt), "")
