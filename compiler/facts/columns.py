"""Match an input's columns (or JSON keys) to declared facts, once per input.

Checking columns before rows turns a whole missing column into one error
instead of one per row, and an unknown column into one warning. A fact's
column is the one named like the fact or, failing that, like its label (a
spreadsheet made from the policy's form often uses the labels); a name that
differs only in spaces, line breaks, full-width forms or case also counts
(:func:`column_key`).

* a declared fact with no column and no default: one `missing-fact` error,
  whose help lists the columns present (a fact with a default simply takes
  it for every entity);
* a column that names no fact: one `unknown-column` warning with a
  "did you mean"; its values are ignored.

The same matching serves ledger tables, whose "facts" are the ledger's
fields. In a table a ledger fact has no column (its entries come from a
table of their own); in JSON it is a key like any other.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Mapping, Sequence

import attrs

from assessc.diagnostics import DiagnosticBag, codes
from assessc.facts.messages import closest, did_you_mean, listing, ticked
from assessc.facts.notes import note
from assessc.facts.records import Records, file_span
from assessc.facts.numeric import shift
from assessc.ir.types import FactDecl, Kind
from assessc.runtime.decimals import show


@attrs.frozen
class ColumnMap:
    #: the id column (JSON: the first id key seen); None where ids are not read
    id_column: str | None
    #: declared name -> the column holding it; a fact without a column is absent
    columns: Mapping[str, str]
    #: facts that only items which may not apply read: a blank is no error here
    optional: frozenset[str] = frozenset()


@attrs.frozen
class Context:
    """Whose columns these are, for the words of messages."""

    #: the ledger whose fields these are, or None for an input's facts
    ledger: str | None = None
    #: ledger facts whose entries come from tables of their own, not from here
    separate: frozenset[str] = frozenset()
    #: facts read only by items that may not apply; whether each entity needs
    #: them is decided after loading, from the items that apply to it
    optional: frozenset[str] = frozenset()

    def thing(self) -> str:
        return "fact" if self.ledger is None else "field"

    def prefix(self) -> str:
        return "" if self.ledger is None else f"ledger `{self.ledger}`: "


def column_key(name: str) -> str:
    """What a column's name is matched by when it is not written exactly as the fact's name or
    label: without spaces and line breaks (a long header cell is often wrapped, `未按要求出台的
    配套文件数`), full-width forms as ASCII, and case ignored (`ID`)."""
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def in_columns(decl: FactDecl, context: Context) -> bool:
    return not (decl.type.kind is Kind.LEDGER and decl.name in context.separate)


def match_columns(
    rs: Records, decls: Sequence[FactDecl], id_keys: Sequence[str], context: Context, bag: DiagnosticBag
) -> ColumnMap | None:
    """The column of each declared fact; None (reported) if ids are needed but no id column exists."""
    id_column = next((k for k in id_keys if k in rs.columns), None)
    if id_keys and id_column is None:
        _no_id_column(rs, id_keys, context, bag)
        return None
    present = set(rs.columns)
    by_key: dict[str, str] = {}
    for column in rs.columns:
        by_key.setdefault(column_key(column), column)
    matched: dict[str, str] = {}
    for decl in decls:
        if not in_columns(decl, context):
            continue
        spellings = [decl.name] + ([decl.label] if decl.label else [])
        column = next((c for c in spellings if c in present), None) or \
            next((by_key[column_key(c)] for c in spellings if column_key(c) in by_key), None)
        if column is not None:
            matched[decl.name] = column
        elif decl.default is None and decl.name not in context.optional and (rs.rows or rs.noun == "column"):
            _missing_column(rs, decl, id_keys, context, bag)
    _unknown_columns(rs, decls, set(id_keys) | set(matched.values()), set(matched), context, bag)
    return ColumnMap(id_column, matched, context.optional)


def _where(rs: Records):
    return rs.span or file_span(rs.source)


def _no_id_column(rs: Records, id_keys: Sequence[str], context: Context, bag: DiagnosticBag) -> None:
    others = f" (or one of {', '.join(id_keys[1:])})" if len(id_keys) > 1 else ""
    present = listing(rs.columns) or "none"
    holds = "each entity's id" if context.ledger is None else "the id of the entity each entry belongs to"
    bag.add(codes.FACTS_UNREADABLE, _where(rs), f"{context.prefix()}`{rs.source.path}` has no id {rs.noun}",
            help=f"add a {rs.noun} named `{id_keys[0]}`{others} holding {holds}; {rs.noun}s present: {present}")


def _missing_column(rs: Records, decl: FactDecl, id_keys: Sequence[str], context: Context, bag: DiagnosticBag) -> None:
    thing = context.thing()
    if rs.noun == "column":
        message = f"{context.prefix()}no column for {thing} `{decl.name}`"
    else:
        giver = "entity" if context.ledger is None else "entry"
        message = f"{context.prefix()}no {giver} gives {thing} `{decl.name}`"
    others = [c for c in rs.columns if c not in id_keys]
    help = f"{rs.noun}s present: {listing(rs.columns) or 'none'}"
    hint = did_you_mean(decl.name, others) or (decl.label and did_you_mean(decl.label, others))
    if hint:
        help += "; " + hint
    bag.add(codes.MISSING_FACT, _where(rs), message, help=help)


def _unknown_columns(
    rs: Records, decls: Sequence[FactDecl], known: set[str], found: set[str], context: Context, bag: DiagnosticBag
) -> None:
    """Report the columns that are not ``known`` (ids and the columns of the ``found`` facts)."""
    by_label = {d.label: d for d in decls if d.label}
    names = [d.name for d in decls if in_columns(d, context)]
    spellings = names + list(by_label)
    unknown = [c for c in rs.columns if c not in known]
    # facts left without a column here, but for those that a column's name is close to: an
    # unknown column may be meant for one of them
    claimed = {closest(c, spellings) for c in unknown} - {None}
    columnless = [d for d in decls if in_columns(d, context) and d.name not in found
                  and d.name not in claimed and d.label not in claimed]
    quiet: list[str] = []
    for column in rs.columns:
        if column in known:
            continue
        ledger = next((d for d in decls if d.name == column and not in_columns(d, context)), None)
        labelled = by_label.get(column)
        if ledger is not None:
            message = f"{rs.noun} `{column}` is a ledger, whose entries come from a table of their own; it is ignored"
            help = "give the entries one row each in their own table: an id column and one column per field"
        elif labelled is not None:
            message = (
                f"{rs.noun} `{column}` is the label of {context.thing()} `{labelled.name}`, "
                f"which has its own {rs.noun}; it is ignored"
            )
            help = f"remove one of the two {rs.noun}s"
        else:
            hint = did_you_mean(column, spellings)
            if hint is None and not columnless:
                quiet.append(column)  # every fact has its column: this one is the sheet's own (序号, 备注)
                continue
            owner = "declared fact" if context.ledger is None else f"field of ledger `{context.ledger}`"
            message = f"{rs.noun} `{column}` names no {owner}; it is ignored"
            help = hint or _columnless_help(columnless, rs.noun, context)
        bag.add(codes.UNKNOWN_COLUMN, rs.column_span(column) or _where(rs), message, help=help)
    if quiet:
        what = f"{rs.noun}s {ticked(quiet)} name no {context.thing()}; they are" if len(quiet) > 1 else \
            f"{rs.noun} `{quiet[0]}` names no {context.thing()}; it is"
        note(f"{context.prefix()}`{rs.source.path}`: {what} ignored")


def _columnless_help(columnless: Sequence[FactDecl], noun: str, context: Context) -> str:
    """Help for an unknown column when some facts have none: it may be meant for one of them."""
    def fills(decl: FactDecl) -> str:
        if decl.default is not None:
            return f"`{decl.name}` (which takes its default, {_default_text(decl)}, for every entity)"
        return f"`{decl.name}`"

    return (f"{context.thing()}s without a {noun}: {', '.join(fills(d) for d in columnless)}; "
            f"name the {noun} after the one it holds, or remove it")


def _default_text(decl: FactDecl) -> str:
    """A fact's default as the policy writes it (`0`, `95%`, `true`, `2017-12-31`, `合格`)."""
    value = decl.default
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        percent = decl.type.kind is Kind.PERCENT
        return show(shift(value, 2) if percent else value) + ("%" if percent else "")
    if isinstance(value, (tuple, frozenset)):
        return "none"
    return str(value)
