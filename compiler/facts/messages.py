"""Small text helpers shared by the fact loader's diagnostics.

Messages quote user input in backticks; a cell can hold a paragraph, so long
input is shortened to keep each diagnostic on one readable line.
"""

from __future__ import annotations

import difflib
import json
from decimal import Decimal
from typing import Iterable

_LONGEST = 40


def show(raw: object) -> str:
    """The input as the user wrote it, shortened, for use inside backticks."""
    text = str(raw) if isinstance(raw, (str, Decimal)) else _json(raw)
    text = " ".join(text.split())
    return text if len(text) <= _LONGEST else text[: _LONGEST - 1] + "…"


def _json(raw: object) -> str:
    """JSON text of a decoded value, numbers included (they are Decimals)."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if raw is None:
        return "null"
    if isinstance(raw, Decimal):
        return str(raw)
    if isinstance(raw, list):
        return "[" + ", ".join(_json(x) for x in raw) + "]"
    if isinstance(raw, dict):
        return "{" + ", ".join(f"{_json(str(k))}: {_json(v)}" for k, v in raw.items()) + "}"
    return json.dumps(str(raw), ensure_ascii=False)


def ticked(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def listing(names: Iterable[str], limit: int = 15) -> str:
    """A comma-separated list that stays short when there are many names."""
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f", … ({len(names)} in all)"


def closest(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The closest candidate, if any is close enough (difflib's ratio)."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=cutoff)
    return close[0] if close else None


def did_you_mean(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """"did you mean" the :func:`closest` candidate, if any."""
    close = closest(word, candidates, cutoff)
    return f"did you mean `{close}`?" if close is not None else None

