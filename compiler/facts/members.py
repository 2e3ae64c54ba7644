"""Enum values and evidence items: finding a member by its name or label.

People fill in spreadsheets with what they see on the form, which is often a
member's label (`宣誓人员名单`) rather than its name (`名单`), so both are
accepted; a value that matches neither exactly may still match one of them
ignoring case. An evidence cell lists several items separated by `;`, `,`,
`、` (or their full-width forms) or line breaks; a cell whose whole text is
one member's name or label is taken as that member even if the label itself
contains a separator.
"""

from __future__ import annotations

import re

from assessc.facts.messages import did_you_mean, ticked
from assessc.ir.types import FactType, Kind

_SEPARATORS = re.compile(r"[;；,，、\n\r]+")


def find_member(text: str, ftype: FactType) -> str | None:
    """The name of the member called or labelled ``text``, or None."""
    text = text.strip()
    for member in ftype.members:
        if any(text == spelling.strip() for spelling in member.spellings):
            return member.name
    folded = text.casefold()
    matches = {m.name for m in ftype.members if any(folded == sp.strip().casefold() for sp in m.spellings)}
    return matches.pop() if len(matches) == 1 else None


def split_items(text: str, ftype: FactType) -> list[str]:
    """The items an evidence cell lists (empty for an empty cell)."""
    if find_member(text, ftype) is not None:
        return [text.strip()]
    return [piece.strip() for piece in _SEPARATORS.split(text) if piece.strip()]


def members_help(ftype: FactType, unknown: str | None = None) -> str:
    """What is allowed, with labels and a "did you mean" for ``unknown``."""
    text = "allowed: " + ftype.describe()
    labels = [sp for m in ftype.members for sp in m.spellings[1:] if sp != m.name]
    if labels:
        text += "; their labels also work: " + ", ".join(labels)
    if ftype.kind is Kind.EVIDENCE:
        text += "; leave the cell empty when none was submitted"
    if unknown is not None:
        spellings = [m.name for m in ftype.members] + labels
        hint = did_you_mean(unknown, spellings)
        if hint:
            text += "; " + hint
    return text


def unknown_items_text(items: list[str]) -> str:
    if len(items) == 1:
        return f"lists {ticked(items)}, which is not one of its items"
    return f"lists {ticked(items)}, which are not among its items"
