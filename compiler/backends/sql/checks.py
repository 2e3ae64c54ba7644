"""A query listing the cells of a facts table that the fact loader would refuse.

The scoring query (:func:`assessc.backends.sql.to_sql`) scores what the
tables hold: it does not check them. Tables filled from values the loader
accepted (:func:`~assessc.backends.sql.table_rows`) need no check; tables
filled any other way are checked by running :func:`checks_sql` first. It
returns one row per problem — ``id``, ``fact``, ``value`` (the cell as
text), ``problem`` and ``allowed`` — and no rows for valid tables:

* an entity id that is blank, or given on more than one row;
* a blank cell of a fact every entity must give: one without a default that
  a rule read for every entity reads;
* for a fact without a default read only inside items with ``applies if``:
  a blank cell where such an item applies to the entity, and a value given
  where none does (the loader refuses both). Whether each item applies is
  worked out by the scoring query's own conditions (``_applies``); where it
  cannot be decided, because a fact it depends on is blank (and listed),
  neither is listed;
* a number outside its fact's range (declared, or implied: a count is at
  least 0, a rank at least 1, a percent, held as a fraction, from 0 to 1);
  a fact's default is accepted as it is, as the loader accepts it;
* a count or rank that is not a whole number;
* an enum cell that is none of its members' names, labels or aliases;
* an evidence cell naming an item its fact does not declare (items are
  separated by ``;``, each a member's name, label or alias; the scoring query
  reads no other separator, so a cell ``a,b``, which the loader reads from a
  file as two items, is listed too); a NULL evidence cell where every entity
  must give the fact (an empty text lists no items);
* in a ledger's table, the same checks of each field (``fact`` is
  ``ledger.field``; a field without a default must be given), and an entry
  whose id is blank or names no row of the facts table.

The facts and fields checked are the ones the scoring query reads, typed as
it reads them.
"""

from __future__ import annotations

from typing import Mapping

from sqlglot import exp

from assessc.backends.sql.cells import EVIDENCE_SEPARATOR, FACT_SCALE, _default_sql, _evidence_spellings, _typed_value
from assessc.backends.sql.names import applicable_fact_column
from assessc.backends.sql.nesting import nesting
from assessc.backends.sql.scoring import _compile
from assessc.backends.sql.trees import _bin, _cast, _col, _dec_type, _ident, _number, _select, _string, _table, _wrap
from assessc.backends.sql.values import NUM
from assessc.core import ops
from assessc.facts import numeric
from assessc.graph.nodes import ScoringGraph
from assessc.ir.applicability import optional_facts
from assessc.ir.types import INTEGER_KINDS, Kind
from assessc.ir.walk import facts_of_expr

COLUMNS = ("id", "fact", "value", "problem", "allowed")
_APPLIES = "_applies"  # the CTE of which items apply to each entity: one column per item with `applies if`
_CHECK_SCALE = 18  # decimals a number cell of an untyped table is read with (20 whole digits remain)


def checks_sql(graph: ScoringGraph, dialect: str = "duckdb", *, table: str = "facts", id_column: str = "id",
               ledger_tables: Mapping[str, str] | None = None, fact_scale: int = FACT_SCALE,
               typed_table: bool = False, pretty: bool = True) -> str:
    """The query listing the invalid cells of ``table`` and of its ledger tables (the tables
    :func:`~assessc.backends.sql.to_sql` scores, with the same ``dialect``, ``id_column``,
    ``ledger_tables``, ``fact_scale`` and ``typed_table``); its
    columns are :data:`COLUMNS`, its rows ordered by id, then the entity's own problems (a
    repeated id: ``fact`` NULL), then by fact."""
    compiler, _ = _compile(graph, dialect, table, id_column, ledger_tables, fact_scale, typed_table=typed_table)
    optional = optional_facts(graph.policy)
    entity = _col(id_column)
    source = _table(table)
    parts = [
        _row(entity, None, None, "the entity id is blank", "allowed: an id on every row",
             source, entity.copy().is_(exp.Null())),
        _repeated_ids(entity, source),
    ]
    for fact in compiler.facts.values():
        decl = fact.decl
        if decl.type.kind is Kind.EVIDENCE:
            parts.append(_evidence_check(entity, source, decl))
            if decl.default is None and decl.name not in optional:  # NULL is missing; '' lists no items
                cell = _col(decl.name)
                parts.append(_row(entity, decl.name, cell, "is blank", "allowed: items separated by `;`, or '' "
                                  "for none", source, cell.copy().is_(exp.Null())))
        elif decl.type.kind is not Kind.LEDGER:
            required = decl.default is None and decl.name not in optional
            parts += _cell_checks(entity, source, decl.name, decl, fact.x_kind, fact.scale, typed_table, required)
    # (an evidence cell left blank lists no items: it is never missing)
    read_where_applicable = [fact.decl for fact in compiler.facts.values()
                             if fact.decl.name in optional and fact.decl.type.kind is not Kind.EVIDENCE]
    ctes: list[exp.CTE] = []
    if read_where_applicable:
        _, applies = _compile(graph, dialect, table, id_column, ledger_tables, fact_scale, typed_table=typed_table,
                                applicability=read_where_applicable)
        ctes = list(applies.args["with_"].expressions) if applies.args.get("with_") else []
        applies.set("with_", None)
        ctes.append(exp.CTE(this=applies, alias=exp.TableAlias(this=_ident(_APPLIES))))
        needed = _needed(compiler.program)
        for k, decl in enumerate(read_where_applicable):
            parts += _applicable_checks(decl, needed[decl.name], applicable_fact_column(k))
    for ledger in compiler.ledgers.values():
        entries = _table(ledger.table)
        parts.append(_stray_entries(entity, entries, ledger.decl.name, source))
        for name, (_, kind, scale, decl) in ledger.fields.items():
            parts += _cell_checks(entity, entries, f"{ledger.decl.name}.{name}", decl, kind, scale, typed_table,
                                  decl.default is None)
    query = parts[0]
    for part in parts[1:]:
        query = exp.Union(this=query, expression=part, distinct=False)
    ordered = exp.Select(expressions=[exp.Star()]).from_(exp.Subquery(this=query, alias=exp.TableAlias(
        this=_ident("_problems")))).order_by(
        _col("id"), exp.Ordered(this=_col("fact"), nulls_first=True))  # an entity's own problem first
    if ctes:
        ordered.set("with_", exp.With(expressions=ctes))
    return ordered.sql(dialect=dialect, pretty=pretty)


def _cell_checks(entity: exp.Expression, source: exp.Expression, label: str, decl, x_kind: str, scale: int,
                 typed_table: bool, required: bool) -> list[exp.Select]:
    """The checks of one column: blank (when ``required``), whole, in range, a member."""
    kind = decl.type.kind
    cell = _col(decl.name)
    allowed = _allowed(decl.type)
    parts = []
    if required:
        parts.append(_row(entity, label, cell, "is blank", allowed, source, cell.copy().is_(exp.Null())))
    default = _default_sql(decl, x_kind, scale)
    if x_kind == NUM and not typed_table:
        # read with every decimal a cell may have: the scoring query's cast to the fact's
        # scale would round 2.5 to a whole 3, or 1.0000001 into a range ending at 1
        value = _cast(cell.copy(), _dec_type(_CHECK_SCALE))
        if default is not None:
            value = exp.Coalesce(this=value, expressions=[default.copy()])
    else:
        value = _typed_value(decl, x_kind, scale, cell, typed_table)
    # the default is accepted as it is, even where the range would not allow it
    given = _bin(exp.NEQ, value.copy(), default) if default is not None and x_kind == NUM else None
    if kind in INTEGER_KINDS:
        not_whole = _bin(exp.NEQ, value.copy(), exp.Floor(this=value.copy()))
        parts.append(_row(entity, label, cell, "is not a whole number", allowed, source, _both(given, not_whole)))
    if x_kind == NUM:
        low, high = numeric.bounds(decl.type)
        outside = [_bin(op, value.copy(), _number(end)) for op, end in ((exp.LT, low), (exp.GT, high))
                   if end is not None]
        if outside:
            parts.append(_row(entity, label, cell, "is outside its range", allowed, source,
                              _both(given, exp.paren(exp.or_(*outside)))))
    if kind is Kind.ENUM:
        names = [_string(name) for name in decl.type.member_names]
        unknown = exp.Not(this=exp.In(this=_wrap(value.copy()), expressions=names))
        parts.append(_row(entity, label, cell, "is not one of its members", allowed, source, unknown))
    return parts


def _needed(program: ops.Program) -> dict[str, list[str | None]]:
    """For each fact, the items with `applies if` whose applying makes an entity need it, as
    the loader decides (:func:`~assessc.ir.applicability.needed_facts`): a fact read by an item
    (:attr:`~assessc.core.ops.Program.reads`) is needed where that item is scored, which is where
    its nearest ancestor-or-self with `applies if` applies; a fact read by an `applies if` is
    needed where the item's parent is scored. None stands for "every entity"."""
    shape = nesting(program)
    conditions = {applies.item: applies.condition for applies in program.applies}
    own = {reads.item: reads.own for reads in program.reads}
    needed: dict[str, list[str | None]] = {}
    for item in shape.order:
        if item in conditions:
            for name in facts_of_expr(conditions[item]):
                needed.setdefault(name, []).append(shape.enclosing[item])
        for name in own[item]:
            needed.setdefault(name, []).append(shape.scope[item])
    return needed


def _applicable_checks(decl, where: list[str | None], value_column: str) -> list[exp.Select]:
    """A fact read only by items with `applies if`: blank where one of them applies, given where
    none does. Whether an item applies and the fact's value are read from the same row of
    ``_applies``, so a repeated id cannot mix two rows. Where whether an item applies cannot be
    decided (a fact it depends on is blank, and listed as such), neither is listed."""
    flags = [_col(node_id, "_a") for node_id in dict.fromkeys(where) if node_id is not None]
    applies: exp.Expression = exp.or_(*flags) if len(flags) > 1 else flags[0]
    entity, cell = _col("id", "_a"), _col(value_column, "_a")
    rows = _table(_APPLIES).as_("_a")
    blank = exp.and_(cell.copy().is_(exp.Null()), exp.paren(applies.copy()))
    given = exp.and_(cell.copy().is_(exp.Null()).not_(), exp.Not(this=exp.paren(applies.copy())))
    return [_row(entity, decl.name, cell, "is blank, and an item that applies to the entity reads it",
                 _allowed(decl.type), rows, blank),
            _row(entity, decl.name, cell, "is given, but only items that do not apply to the entity read it",
                 "allowed: blank here", rows, given)]


def _evidence_check(entity: exp.Expression, source: exp.Expression, decl) -> exp.Select:
    """An evidence cell naming an item the fact does not declare. The cell ``a;b`` is read as
    ``;a;;b;`` (each separator doubled, so that neighbouring items do not share one); every
    declared spelling ``;s;`` is removed; anything but separators left over is unknown. An
    empty cell lists no items."""
    sep = EVIDENCE_SEPARATOR
    cell = _col(decl.name)
    text: exp.Expression = _cast(cell.copy(), "TEXT")
    text = exp.DPipe(this=exp.DPipe(this=_string(sep), expression=exp.Anonymous(
        this="REPLACE", expressions=[text, _string(sep), _string(sep + sep)])), expression=_string(sep))
    spellings = dict.fromkeys(s for member in decl.type.members for s in _evidence_spellings(member))
    for spelling in spellings:
        text = exp.Anonymous(this="REPLACE", expressions=[text, _string(f"{sep}{spelling}{sep}"), _string("")])
    left = exp.Anonymous(this="REPLACE", expressions=[text, _string(sep), _string("")])
    unknown = exp.and_(cell.copy().is_(exp.Null()).not_(), _bin(exp.NEQ, left, _string("")))
    names = ", ".join(member.name for member in decl.type.members)
    return _row(entity, decl.name, cell, "names an item the fact does not declare",
                f"allowed: items of {names}, separated by `{sep}` (an empty cell: none)", source, unknown)


def _stray_entries(entity: exp.Expression, entries: exp.Expression, ledger: str,
                   facts: exp.Expression) -> exp.Select:
    """Entries of a ledger whose id is blank or names no row of the facts table."""
    known = _select([exp.Literal.number(1)], facts.copy().as_("_e"),
                      where=_bin(exp.EQ, _col(entity.name, "_e"), _col(entity.name, "_l")))
    stray = exp.or_(_col(entity.name, "_l").is_(exp.Null()), exp.Not(this=exp.Exists(this=known)))
    return _row(_col(entity.name, "_l"), ledger, None, "is an entry for an entity the facts table does not have",
                "allowed: the id of a row of the facts table", entries.copy().as_("_l"), stray)


def _row(entity: exp.Expression, fact: str | None, cell: exp.Expression | None, problem: str, allowed: str,
         source: exp.Expression, where: exp.Expression) -> exp.Select:
    def text(value: str | None) -> exp.Expression:
        return _cast(exp.Null(), "TEXT") if value is None else _string(value)

    value = _cast(cell.copy(), "TEXT") if cell is not None else text(None)
    columns = [_cast(entity.copy(), "TEXT"), text(fact), value, text(problem),
               text(allowed)]
    return _select([exp.alias_(c, _ident(name)) for c, name in zip(columns, COLUMNS)], source.copy(),
                     where=where)


def _both(first: exp.Expression | None, second: exp.Expression) -> exp.Expression:
    return second if first is None else exp.and_(first, second)


def _repeated_ids(entity: exp.Expression, source: exp.Expression) -> exp.Select:
    """One row per id given on more than one row; its value is the number of rows."""
    select = _row(entity, None, exp.Count(this=exp.Star()), "the entity id is given on more than one row",
                  "allowed: one row per entity", source, entity.copy().is_(exp.Null()).not_())
    select.set("group", exp.Group(expressions=[entity.copy()]))
    return select.having(_bin(exp.GT, exp.Count(this=exp.Star()), exp.Literal.number(1)))


def _allowed(ftype) -> str:
    text = "allowed: " + numeric.effective_type(ftype).describe()
    if ftype.kind is Kind.PERCENT:
        text += " (held as a fraction: 0.95 is 95%)"
    if ftype.kind is Kind.ENUM:
        text += " (a member's name, label or alias)"
    return text

