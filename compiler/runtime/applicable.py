"""Facts read only by items that may not apply: needed exactly where those items apply.

A fact that only items with an `applies if` read may be left blank for an entity those items
do not apply to, must be given where one of them applies, and must not be given where none
does (D0602, D0611). The words of those problems, for the facts loader and the batch engine
(:mod:`assessc.api`, :mod:`assessc.backends.batch.program`) and every generated scorer's
``validate()`` (``pygen/module.py`` copies this file into it). Standard library only.
"""

from __future__ import annotations

from .factvalues import MISSING_FACT

FACT_NOT_APPLICABLE = "D0611"


def undecided(entity, name):
    """(code, message, help) for a fact that is missing and decides which items apply."""
    return MISSING_FACT, f"entity `{entity}`: fact `{name}` is missing", "it decides which items apply to this entity"


def applicability_problems(entity, optional, needed, given, inactive, refuse_given=True):
    """(code, message, help) for each fact of ``optional`` (read only by items that may not
    apply), in name order, that is not in ``given`` though ``needed`` (read by an item that
    applies), or, with ``refuse_given``, given though not needed; ``inactive`` are the ids of the
    items that do not apply."""
    problems = []
    for name in sorted(optional):
        if name in needed and name not in given:
            problems.append((MISSING_FACT, f"entity `{entity}`: fact `{name}` is missing",
                             "an item that applies to this entity reads it"))
        elif refuse_given and name not in needed and name in given:
            items = ", ".join(f"`{i}`" for i in sorted(inactive))
            problems.append((FACT_NOT_APPLICABLE,
                             f"entity `{entity}`: fact `{name}` is given, but only items that do not apply to it read it",
                             f"leave it blank; not applicable here: {items}"))
    return problems
