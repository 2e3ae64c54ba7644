"""The query, built from the program (:func:`assessc.core.lower.lower`): applicability flags,
then the items of each height (leaves first), then the total, each a stage of columns, assembled
into CTEs over the typed facts and the ledger aggregates.

An item's and the total's values are their operations, compiled by :mod:`.steps`."""

from __future__ import annotations

from decimal import Decimal

from sqlglot import exp

from assessc.backends.sql.cells import _evidence_cell, _typed_fact, _typed_value
from assessc.backends.sql.errors import SQLUnsupported
from assessc.backends.sql.expressions import _Compiler
from assessc.backends.sql.inlining import _inline_single_use
from assessc.backends.sql.names import applicable_fact_column
from assessc.backends.sql.nesting import nesting
from assessc.backends.sql.sources import _Aggregate
from assessc.backends.sql.steps import _Column, _ItemRun, _Level, _TotalRun
from assessc.backends.sql.trees import _bin, _case, _cast, _col, _dec_type, _ident, _not, _select, _table
from assessc.backends.sql.values import BOOL, NUM, _X, _ZERO, _mul, _num, _typed, _when
from assessc.core import ops
from assessc.ir.types import Kind


class _Query:
    def __init__(self, compiler: _Compiler):
        self.c = compiler
        self.program = compiler.program
        self.stages: list[tuple[str, list[_Column]]] = []
        self.active: dict[str, _X | None] = {}  # item id -> whether it applies (None: always)
        self.value: dict[str, _X] = {}  # item id -> its final column

    def build(self) -> exp.Select:
        c, program = self.c, self.program
        shape = nesting(program)
        index = {item: k for k, item in enumerate(shape.order, start=1)}
        self.flags = self.applicability(index, shape.enclosing)
        for item in shape.order:
            self.active[item] = self.active.get(shape.scope[item])
        for level in range(max(shape.height.values(), default=-1) + 1):
            columns = _Level()
            items = [item for item in shape.order if shape.height[item] == level]
            for item in items:
                self.value[item] = _ItemRun(self, program.by_id[item], index[item], columns).run()
            for name, stage in (("t", columns.terms), ("s", columns.sums), ("u", columns.scaled),
                                ("v", columns.finals)):
                if stage:
                    self.stages.append((f"_{name}{level}", stage))
        total_step = next(step for step in reversed(program.steps) if step.__class__ is ops.TotalStep)
        total = _TotalRun(self, total_step).run()
        every = [(step.id, self.value[step.id]) for step in program.steps if step.__class__ is ops.ItemStep]
        every = dict(every + [("total", total)])
        self.output = [(name, every[name]) for name in c.columns] if c.columns is not None else list(every.items())
        if c.applicability is not None:
            self.output = [(applies.item, self.active[applies.item]) for applies in program.applies]
            self.output += [(applicable_fact_column(k), c.fact_column(decl, decl.span, None))
                            for k, decl in enumerate(c.applicability)]
        return self.assemble()

    def applicability(self, index: dict[str, int], enclosing: dict[str, str | None]) -> list[_Column]:
        """A flag per item with `applies if`, outermost first: its condition holds and the
        enclosing item's flag (if any) is true. Sets :attr:`active` of the items with one."""
        c, flags = self.c, []
        for applies in self.program.applies:
            parent = self.active.get(enclosing[applies.item])
            own = c.expr(applies.condition, c.entity)
            if parent is None:
                flag = own
            elif own.const is not None:
                flag = parent if own.const else _X(exp.false(), BOOL, const=False)
            else:
                whens = [(parent.sql, own.sql)]
                if parent.nullable:
                    whens.append((_not(parent.sql), exp.false()))
                    flag = _X(_case(whens, None), BOOL, nullable=True)
                else:
                    flag = _X(_case(whens, exp.false()), BOOL, nullable=own.nullable)
            column = _Column(f"_a{index[applies.item]}", flag)
            flags.append(column)
            self.active[applies.item] = column.ref()
        return flags

    def child_line(self, child: ops.Child) -> _X:
        """How a child counts in its parent: its value, or W × value × 100 / max; 0 where it
        does not apply."""
        c, value, active = self.c, self.value[child.child], self.active[child.child]
        if child.weight is None:
            return value
        if child.max is None:  # pragma: no cover - the checker requires a max on a weighted item
            raise SQLUnsupported("a weight on an item without `max`", child.span)
        weight = c.body(child.weight, c.entity, child.span)
        factor = c.divide(_num(Decimal(100)), _num(child.max))
        if factor.const is not None:  # 100 / max is exact: W × value × (100 / max), constants first
            amount = _mul(_mul(weight, factor), value)
        else:
            amount = _mul(weight, c.divide(_mul(value, _num(Decimal(100))), _num(child.max)))
        if child.round is not None:
            amount = c.round(amount)
        if active is not None:
            amount = _when(active, amount, _num(_ZERO))
        return amount

    # ---- assembling the CTEs ------------------------------------------------------------------------
    def assemble(self) -> exp.Select:
        c = self.c
        ctes: list[tuple[str, exp.Select]] = []
        # 1. the input row: the id and every fact read, typed. An evidence cell is normalised
        # once, in `_raw`, and then searched for each of its items.
        evidence = any(fact.decl.type.kind is Kind.EVIDENCE for fact in c.facts.values())
        raw_columns = [exp.alias_(_col(c.id_column), _ident("_id"))]
        typed_columns = [_col("_id") if evidence else raw_columns[0]]
        for fact in c.facts.values():
            source = _col(fact.decl.name)
            if evidence:
                raw = "_r" + fact.column[2:]
                cell = _evidence_cell(source) if fact.decl.type.kind is Kind.EVIDENCE else source
                raw_columns.append(exp.alias_(cell, _ident(raw)))
                source = _col(raw)
            typed_columns.append(exp.alias_(_typed_fact(fact, source, c.typed_table), _ident(fact.column)))
        if c._calendar is not None:
            ctes.append(("_steps", c.calendar.table()))
        if evidence:
            ctes.append(("_raw", _select(raw_columns, _table(c.table))))
        ctes.append(("_facts", _select(typed_columns, _table("_raw" if evidence else c.table))))
        # 2. ledgers: their entries typed, and one aggregate per ledger sum or count
        joins: list[exp.Join] = []
        base_columns: list[exp.Expression] = []
        for ledger in c.ledgers.values():
            fields = [exp.alias_(_col(c.id_column), _ident("_id"))]
            for name, (column, kind, scale, decl) in ledger.fields.items():
                fields.append(exp.alias_(_typed_value(decl, kind, scale, _col(name), c.typed_table), _ident(column)))
            ctes.append((ledger.cte, _select(fields, _table(ledger.table))))
        plain: dict[str, list[_Aggregate]] = {}
        for aggregate in c.aggregates.values():
            if aggregate.group is None:
                plain.setdefault(aggregate.ledger.cte, []).append(aggregate)
        for k, aggregate in enumerate(c.aggregates.values(), start=1):
            if aggregate.group is not None:
                name = f"_A{aggregate.column}"
                ctes.append((name, _grouped(aggregate)))
                joins.append(_left_join(name))
        for ledger_cte, aggregates in plain.items():
            name = f"_A{ledger_cte}"
            ctes.append((name, _ungrouped(ledger_cte, aggregates)))
            joins.append(_left_join(name))
        for aggregate in c.aggregates.values():
            source = f"_A{aggregate.column}" if aggregate.group is not None else f"_A{aggregate.ledger.cte}"
            if aggregate.nullable:  # 0 for an entity without entries; NULL (an entry without a row) stays
                summed = _case([(_col("_id", source).is_(exp.Null()), exp.Literal.number(0))],
                               _col(aggregate.column, source))
            else:
                summed = exp.Coalesce(this=_col(aggregate.column, source), expressions=[exp.Literal.number(0)])
            base_columns.append(exp.alias_(_cast(summed, _dec_type(aggregate.scale)), _ident(aggregate.column)))
        for fact_name, column in c.workdays.items():  # each date joined with the step holding it
            day, steps = _col(c.facts[fact_name].column, "F"), f"_S{column}"
            base_columns.append(exp.alias_(c.calendar.index_sql(day, steps), _ident(column)))
            joins.append(exp.Join(this=_table("_steps", steps), side="LEFT",
                                  on=c.calendar.holds(c.calendar.day_number(day), steps)))
        if base_columns:
            source = _table("_facts", "F")
            ctes.append(("_base", _select(base_columns, source, star=exp.Column(this=exp.Star(), table=_ident("F")),
                                          joins=joins)))
        previous = ctes[-1][0]
        stages = ([("_ctx", self.flags)] if self.flags else []) + self.stages
        defined = [(name, [(col.name, col.select().this) for col in columns]) for name, columns in stages]
        results = [(name, _typed(v, v.scale) if v.kind == NUM else v.sql) for name, v in self.output]
        defined, results = _inline_single_use(defined, results)
        for name, columns in defined:
            if columns:
                ctes.append((name, _select([exp.alias_(sql, _ident(column)) for column, sql in columns],
                                           _table(previous), star=exp.Star())))
                previous = name
        outputs = [exp.alias_(_col("_id"), _ident("id"))]
        outputs += [exp.alias_(sql, _ident(name)) for name, sql in results]
        query = _select(outputs, _table(previous))
        # a fact that nothing left in the query reads (the columns not asked for) is not read
        read = {column.name for name, select in ctes if name not in ("_facts", "_raw")
                for column in select.find_all(exp.Column)}
        read |= {column.name for column in query.find_all(exp.Column)}
        selects = dict(ctes)
        for name in ("_facts", "_raw"):
            if name in selects:
                kept = [e for e in selects[name].expressions if e.alias_or_name in read | {"_id"}]
                selects[name].set("expressions", kept)
                read = {column.name for e in kept for column in e.find_all(exp.Column)}
        if [name for name, _ in ctes] == ["_facts"] and self._reads_in_place(selects["_facts"], results):
            ctes = self._read_in_place(query)
        if ctes:
            query.set("with_", exp.With(expressions=[
                exp.CTE(this=select, alias=exp.TableAlias(this=_ident(name)),
                        materialized=c.dialect.materialize or None)
                for name, select in ctes]))
        return query

    def _reads_in_place(self, facts: exp.Select, results) -> bool:
        """The query is one SELECT over ``_facts``, and ``_facts`` only renames the table's
        columns (cells read as they are; no evidence, ledgers or working days), none of them a
        name the query gives a column: the SELECT can read the table itself, one projection
        less for the engine to plan. (A chain of stages reads ``*`` and so keeps ``_facts``:
        a table may have more columns than the facts.)"""
        c = self.c
        if c.ledgers or c.workdays or c._calendar is not None:
            return False
        sources = {fact.column: fact.decl.name for fact in c.facts.values()} | {"_id": c.id_column}
        for e in facts.expressions:
            if not (isinstance(e, exp.Alias) and isinstance(e.this, exp.Column) and not e.this.table
                    and e.this.name == sources.get(e.alias)):
                return False
        outputs = {"id"} | {name.lower() for name, _ in results}
        return not c.id_column.startswith("_") and not any(
            fact.decl.name.startswith("_") or fact.decl.name.lower() in outputs for fact in c.facts.values())

    def _read_in_place(self, query: exp.Select) -> list:
        """``query`` reading the table directly, by the table's own column names; no CTEs."""
        c = self.c
        names = {fact.column: fact.decl.name for fact in c.facts.values()} | {"_id": c.id_column}
        for column in query.find_all(exp.Column):
            if column.name in names and not column.table:
                column.set("this", _ident(names[column.name]))
        query.set("from_", exp.From(this=_table(c.table)))
        return []


def _left_join(name: str) -> exp.Join:
    return exp.Join(this=_table(name), side="LEFT",
                    on=_bin(exp.EQ, _col("_id", name), _col("_id", "F")))


def _entries(aggregate: _Aggregate) -> tuple[exp.Expression, list[exp.Join]]:
    source = _table(aggregate.ledger.cte, "L")
    joins = [exp.Join(this=_table("_facts", "F"), on=_bin(exp.EQ, _col("_id", "F"), _col("_id", "L")))] \
        if aggregate.reads_facts else []
    return source, joins


def _ungrouped(ledger_cte: str, aggregates: list[_Aggregate]) -> exp.Select:
    columns = [exp.alias_(_col("_id", "L"), _ident("_id"))]
    joins: list[exp.Join] = []
    for aggregate in aggregates:
        value = aggregate.value if aggregate.value is not None else exp.Literal.number(1)
        if aggregate.where is not None:
            value = _case([(aggregate.where, value)], _cast(exp.Literal.number(0), _dec_type(aggregate.scale)))
        columns.append(exp.alias_(_strict(exp.Sum(this=value), value, aggregate.nullable), _ident(aggregate.column)))
        if aggregate.reads_facts and not joins:
            joins = _entries(aggregate)[1]
    return _select(columns, _table(ledger_cte, "L"), joins=joins, group=[_col("_id", "L")])


def _grouped(aggregate: _Aggregate) -> exp.Select:
    """Σ over the distinct values of the group field of the highest points among its entries."""
    source, joins = _entries(aggregate)
    best = _strict(exp.Max(this=aggregate.value), aggregate.value, aggregate.nullable)
    inner = _select([exp.alias_(_col("_id", "L"), _ident("_id")), exp.alias_(_col(aggregate.group, "L"), _ident("_k")),
                     exp.alias_(best, _ident("_m"))],
                    source, joins=joins, where=aggregate.where,
                    group=[_col("_id", "L"), _col(aggregate.group, "L")])
    subquery = exp.Subquery(this=inner, alias=exp.TableAlias(this=_ident("B")))
    total = _strict(exp.Sum(this=_col("_m", "B")), _col("_m", "B"), aggregate.nullable)
    return _select([exp.alias_(_col("_id", "B"), _ident("_id")), exp.alias_(total, _ident(aggregate.column))],
                   subquery, group=[_col("_id", "B")])


def _strict(aggregate: exp.Expression, value: exp.Expression, nullable: bool) -> exp.Expression:
    """``aggregate`` (SUM or MAX over ``value``), NULL when ``value`` is NULL for some row: an
    aggregate skips NULLs, and an entry's error must not be skipped."""
    if not nullable:
        return aggregate
    errors = exp.Sum(this=_case([(value.copy().is_(exp.Null()), exp.Literal.number(1))], exp.Literal.number(0)))
    return _case([(_bin(exp.EQ, errors, exp.Literal.number(0)), aggregate)], None)
