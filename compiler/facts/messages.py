"""Small text helpers shared by the fact loader's diagnostics.

Messages quote user input in backticks; a cell can hold a paragraph, so long
input is shortened to keep each diagnostic on one readable line (:func:`show`,
:mod:`assessc.runtime.factvalues`, which generated scorers word problems with too).
"""

from __future__ import annotations

from typing import Iterable

from assessc.runtime.factvalues import closest, did_you_mean, ticked  # noqa: F401 - the loader's names
from assessc.runtime.factvalues import raw_text as show  # noqa: F401


def listing(names: Iterable[str], limit: int = 15) -> str:
    """A comma-separated list that stays short when there are many names."""
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f", … ({len(names)} in all)"
