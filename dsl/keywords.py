"""The one table of keywords.

The grammar refers to keywords only by terminal name (``KW_ITEM`` …); the
spellings live here and :func:`grammar_declarations` turns them into terminal
definitions appended to the grammar. Adding a second keyword language means
adding spellings to the tuples below; the grammar's structure does not change.

Keywords are *soft*: the parser uses Lark's contextual lexer, so a word is a
keyword only where the grammar accepts that keyword, and a name elsewhere. A
fact may be called ``rank`` or ``count``; ``rank: rank 1..14`` declares it. A
keyword wins over a name where both are allowed (e.g. ``count`` at the start
of an expression).
"""

from __future__ import annotations

# terminal name -> spellings (English first; that spelling is used in messages
# and by the formatter).
KEYWORDS: dict[str, tuple[str, ...]] = {
    # declarations
    "KW_POLICY": ("policy",),
    "KW_IMPORT": ("import",),
    "KW_FACTS": ("facts",),
    "KW_TABLE": ("table",),
    "KW_TEMPLATE": ("template",),
    "KW_USE": ("use",),
    # structure
    "KW_ITEM": ("item",),
    "KW_BONUS": ("bonus",),
    "KW_PENALTY": ("penalty",),
    "KW_VETO": ("veto",),
    "KW_MAX": ("max",),
    "KW_UNCAPPED": ("uncapped",),
    "KW_ENTITY": ("entity",),
    "KW_ROUND": ("round",),
    "KW_EACH": ("each",),
    "KW_TOTAL": ("total",),
    "KW_PLACES": ("places",),
    "KW_ACCEPT": ("accept",),
    "KW_WEIGHT": ("weight",),
    "KW_MATRIX": ("matrix",),
    "KW_OUTCOMES": ("outcomes",),
    "KW_PERIODS": ("periods",),
    "KW_REQUIRES": ("requires",),
    "KW_WHERE": ("where",),
    "KW_SUM": ("sum",),
    "KW_AWARDS": ("awards",),
    "KW_DEMOTE": ("demote",),
    "KW_LAST": ("last",),
    "KW_FLAG": ("flag",),
    "KW_COLUMNS": ("columns",),
    "KW_ALSO": ("also",),
    "KW_APPLIES": ("applies",),
    "KW_COEFFICIENT": ("coefficient",),
    # the official working-day calendar of a year
    "KW_CALENDAR": ("calendar",),
    "KW_HOLIDAY": ("holiday",),
    "KW_WORKDAYS": ("workdays",),
    # metadata
    "KW_LEAD": ("lead",),
    "KW_DEADLINE": ("deadline",),
    "KW_EVIDENCE": ("evidence",),
    "KW_TEXT": ("text",),
    "KW_NOTE": ("note",),
    "KW_RESPONSIBLE": ("responsible",),
    "KW_BASIS": ("basis",),
    # scoring statements
    "KW_START": ("start",),
    "KW_ADD": ("add",),
    "KW_DEDUCT": ("deduct",),
    "KW_PER": ("per",),
    "KW_IF": ("if",),
    "KW_UNTIL": ("until",),
    "KW_ZERO": ("zero",),
    "KW_BELOW": ("below",),
    "KW_ABOVE": ("above",),
    "KW_OF": ("of",),
    "KW_COUNTING": ("counting",),
    "KW_WHOLE": ("whole",),
    "KW_STARTED": ("started",),
    "KW_PROPORTIONAL": ("proportional",),
    "KW_STEPS": ("steps",),
    "KW_LOOKUP": ("lookup",),
    "KW_BY": ("by",),
    "KW_HIGHEST": ("highest",),
    "KW_ELSE": ("else",),
    # expressions
    "KW_AND": ("and",),
    "KW_OR": ("or",),
    "KW_NOT": ("not",),
    "KW_IN": ("in",),
    "KW_MISSING": ("missing",),
    "KW_TRUE": ("true",),
    "KW_FALSE": ("false",),
    # fact types
    "KW_COUNT": ("count",),
    "KW_DECIMAL": ("decimal",),
    "KW_PERCENT": ("percent",),
    "KW_BOOL": ("bool",),
    "KW_RANK": ("rank",),
    "KW_AMOUNT": ("amount",),
    "KW_DATE": ("date",),
    "KW_ENUM": ("enum",),
    "KW_LEDGER": ("ledger",),
    "KW_DEFAULT": ("default",),
    # grades (等次) by score
    "KW_GRADES": ("grades",),
    "KW_GRADE": ("grade",),
    "KW_REQUIRE": ("require",),
}

#: spelling -> terminal name, for the post-lexer.
BY_SPELLING: dict[str, str] = {
    spelling: terminal for terminal, spellings in KEYWORDS.items() for spelling in spellings
}


def spelling(terminal: str) -> str:
    """The display spelling of a keyword terminal (its first, English form)."""
    return KEYWORDS[terminal][0]


def grammar_declarations() -> str:
    """A terminal definition per keyword: any of its spellings as a whole
    word, with priority over ``NAME``."""
    import re

    lines = []
    for terminal, spellings in KEYWORDS.items():
        alternatives = "|".join(re.escape(s) for s in spellings)
        lines.append(f"{terminal}.2: /(?:{alternatives})(?!\\w)/")
    return "\n".join(lines) + "\n"
