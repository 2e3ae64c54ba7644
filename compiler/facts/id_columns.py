"""Which column of a facts file (key of a JSON entity) holds each entity's id.

Three names are accepted, in this order: `id`; the policy's entity name
(`city` for `entity city "设区市"`); and the entity's label (`设区市`), which
is how a sheet made from the rule book's own table heads that column. Every
reader of facts files (the fact loader, the batch engine's readers, the
generated Python module) takes its id columns from :func:`id_columns`.

Since one of those columns is always taken for the id, a fact (or a ledger
field) named like one of them could never be given in a facts file;
:func:`check_fact_names` reports such a fact when the policy is checked.
"""

from __future__ import annotations

from typing import Iterator, Sequence

from assessc.diagnostics import DiagnosticBag, codes
from assessc.ir.types import FactDecl

ID = "id"


def id_columns(entity: str, entity_label: str | None = None) -> tuple[str, ...]:
    """The id column's possible names for a policy with this entity (and label)."""
    return tuple(dict.fromkeys(name for name in (ID, entity, entity_label) if name))


def policy_id_columns(policy) -> tuple[str, ...]:
    """:func:`id_columns` of an IR policy."""
    return id_columns(policy.entity, policy.entity_label)


def check_fact_names(facts: Sequence[FactDecl], columns: Sequence[str], bag: DiagnosticBag) -> None:
    """Report every fact or ledger field that no facts file could give, its name being an id column's."""
    for decl, ledger in _declarations(facts):
        if decl.name not in columns:
            continue
        what = f"field `{decl.name}` of ledger `{ledger}`" if ledger else f"fact `{decl.name}`"
        holder = "the id of the entity each entry belongs to" if ledger else "each entity's id"
        bag.add(codes.FACT_NAMED_LIKE_ID, decl.span,
                f"{what} cannot be given in a facts file: a column or key named `{decl.name}` holds {holder}",
                help=f"rename the {'field' if ledger else 'fact'}: the id column may be named "
                     + " or ".join(f"`{c}`" for c in columns))


def _declarations(facts: Sequence[FactDecl]) -> Iterator[tuple[FactDecl, str | None]]:
    for decl in facts:
        yield decl, None
        for field in decl.type.fields:
            yield field, decl.name
