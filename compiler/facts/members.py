"""Enum values and evidence items: finding a member by its name or label.

People fill in spreadsheets with what they see on the form, which is often a
member's label (`宣誓人员名单`) rather than its name (`名单`), so both are
accepted; a value that matches neither exactly may still match one of them
ignoring case. An evidence cell lists several items separated by `;`, `,`,
`、` (or their full-width forms) or line breaks; a cell whose whole text is
one member's name or label is taken as that member even if the label itself
contains a separator. The rules are :mod:`assessc.runtime.factvalues`.
"""

from __future__ import annotations

from assessc.facts.rules import rule_of
from assessc.ir.types import FactType
from assessc.runtime import factvalues
from assessc.runtime.factvalues import unknown_items_text  # noqa: F401 - the loader's name


def find_member(text: str, ftype: FactType) -> str | None:
    """The name of the member called or labelled ``text``, or None."""
    return factvalues.find_member(text, rule_of(ftype))


def split_items(text: str, ftype: FactType) -> list[str]:
    """The items an evidence cell lists (empty for an empty cell)."""
    return factvalues.split_items(text, rule_of(ftype))


def members_help(ftype: FactType, unknown: str | None = None) -> str:
    """What is allowed, with labels and a "did you mean" for ``unknown``."""
    return factvalues.members_help(rule_of(ftype), unknown)
