"""The main input's records -> draft entities: ids, duplicates and plain facts.

An entity's id is the first id column (JSON: id key) that the record fills
in; a number is read as its text. A record without an id is reported and its
cells are still checked (messages then name its row). The same id twice is a
`duplicate-entity` error naming both rows; the first row is kept, and the
later one is checked too, so its other problems are not hidden.

Ledger facts are filled in afterwards by :mod:`assessc.facts.ledgers`, which
is why this module returns mutable drafts rather than entities.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Sequence

import attrs

from assessc.diagnostics import DiagnosticBag, Note, codes
from assessc.facts.cells import read_values
from assessc.facts.columns import ColumnMap, Context, match_columns
from assessc.facts.messages import show
from assessc.facts.records import Record, Records, file_span, is_blank
from assessc.ir.types import FactDecl, Kind


@attrs.define
class Draft:
    """An entity whose ledger facts may still be missing."""

    id: str
    values: dict[str, object]
    record: Record


def read_entities(
    rs: Records, facts: Sequence[FactDecl], id_keys: Sequence[str], context: Context, bag: DiagnosticBag
) -> tuple[list[Draft], ColumnMap] | None:
    if not rs.rows and rs.noun == "key":  # an empty JSON list: it has no keys to check either
        no_entities(rs, bag)
        return None
    colmap = match_columns(rs, facts, id_keys, context, bag)
    if colmap is None:
        return None
    if not rs.rows:  # a header and nothing under it
        no_entities(rs, bag)
        return None
    plain = [f for f in facts if f.type.kind is not Kind.LEDGER]
    drafts: dict[str, Draft] = {}
    for record in rs.rows:
        entity_id = record_id(record, id_keys, rs.noun, bag)
        who = f"entity `{entity_id}`" if entity_id is not None else record.where
        values = read_values(record, plain, colmap, lambda name: f"{who}: fact `{name}`", rs.blank, bag)
        if entity_id is None:
            continue
        first = drafts.get(entity_id)
        if first is not None:
            _duplicate(entity_id, first.record, record, id_keys, bag)
            continue
        drafts[entity_id] = Draft(entity_id, values, record)
    return list(drafts.values()), colmap


def no_entities(rs: Records, bag: DiagnosticBag) -> None:
    """Report an input with no entity at all: nothing would be scored, and an empty result
    written, which is never what was meant."""
    where = rs.span or file_span(rs.source)
    if rs.noun == "column":
        bag.add(codes.FACTS_UNREADABLE, where, f"`{rs.source.path}` has no entities: no row follows its header",
                help="add one row per entity under the header")
    else:
        bag.add(codes.FACTS_UNREADABLE, where, f"`{rs.source.path}` holds no entities",
                help='write one object per entity: [{"id": ..., ...}, ...]')


def id_key(record: Record, id_keys: Sequence[str]) -> str:
    """The id column this record uses: the first one it fills in."""
    filled = [k for k in id_keys if k in record.values]
    return next((k for k in filled if not is_blank(record.values[k])), filled[0] if filled else id_keys[0])


def record_id(record: Record, id_keys: Sequence[str], noun: str, bag: DiagnosticBag) -> str | None:
    """The record's entity id as text, or None after reporting why there is none."""
    key = id_key(record, id_keys)
    raw = record.values.get(key)
    if is_blank(raw):
        bag.add(codes.MISSING_FACT, record.cell_span(key), f"{record.where} has no entity id",
                help=f"fill in its `{key}` {noun}")
        return None
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, Decimal) and raw.is_finite():
        return str(raw)
    bag.add(codes.WRONG_FACT_TYPE, record.cell_span(key), f"{record.where} has the id `{show(raw)}`, which is not text",
            help="an entity id is text or a whole number")
    return None


def _duplicate(entity_id: str, first: Record, again: Record, id_keys: Sequence[str], bag: DiagnosticBag) -> None:
    bag.add(
        codes.DUPLICATE_ENTITY,
        again.cell_span(id_key(again, id_keys)),
        f"entity `{entity_id}` appears twice, in {first.where} and {again.where}",
        help="give each entity one row, or tell the two apart by their ids",
        notes=[Note(first.cell_span(id_key(first, id_keys)), f"`{entity_id}` first appears here")],
    )
