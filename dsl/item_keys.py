"""The forms an item key may take, as rule books number their items.

A key is a whole number (`3`), a name (`甲`, or a Chinese numeral: `一`, `十二`), a number
with hyphens (`1-9`: the book's own "indicator 1-9"), or a number or name in parentheses,
ASCII or full-width (`(3)`, `（三）`). An item's id is built from its key with the parentheses
dropped (`（三）` is `三`), so a key has one id however it is bracketed; the formatter writes the
key as the book did."""

from __future__ import annotations

import re

#: keys written in a form of their own: hyphenated numbers and bracketed numbers or names
BOOK_FORM = re.compile(r"\d+(?:-\d+)+|[(（](?:\d+|[^\W\d]\w*)[)）]")

#: what a key may be, in words, for the errors that refuse one
FORMS = ("a whole number (`3`), a name (`甲`, `一`), numbers joined by hyphens (`1-9`), "
         "or a whole number or name in parentheses (`(3)`, `（三）`)")

_BRACKETS = "(（", ")）"


def id_key(key: str) -> str:
    """The part of an item's id its key gives: the key without its parentheses."""
    if len(key) > 2 and key[0] in _BRACKETS[0] and key[-1] in _BRACKETS[1]:
        return key[1:-1]
    return key
