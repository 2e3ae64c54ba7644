"""The query: applicability flags, terms, items and their children, the total and vetoes as
stages of columns, then assembled into CTEs over the typed facts and the ledger aggregates."""

from __future__ import annotations

from decimal import Decimal

import attrs
from sqlglot import exp

from assessc.backends.sql.cells import _evidence_cell, _typed_fact, _typed_value
from assessc.backends.sql.errors import SQLUnsupported
from assessc.backends.sql.expressions import _Compiler
from assessc.backends.sql.inlining import _inline_single_use
from assessc.backends.sql.names import applicable_fact_column
from assessc.backends.sql.sources import _Aggregate
from assessc.backends.sql.trees import (PRECISION, _bin, _case, _cast, _col, _dec_type, _ident, _not,
                                        _select, _table)
from assessc.backends.sql.values import (BOOL, NUM, _X, _ZERO, _any_null, _clamp, _mul, _null_num, _num,
                                         _pick, _sum, _typed, _when, _zero_of)
from assessc.graph.nodes import ITEM
from assessc.ir import nodes as ir
from assessc.ir.types import Kind
from assessc.runtime.decimals import CONTEXT


@attrs.define
class _Column:
    name: str
    value: _X

    def select(self) -> exp.Expression:
        v = self.value  # a number of known type is stored as it is (a narrow one stays narrow)
        sql = _typed(v, v.scale) if v.kind == NUM and v.width is None else v.sql
        return exp.alias_(sql, _ident(self.name))

    def ref(self) -> _X:
        v = self.value  # stored as select() stores it: its own type, or DECIMAL(38, scale)
        width = (v.width or PRECISION) if v.kind == NUM else None
        return _X(_col(self.name), v.kind, v.scale, v.nullable, v.const, width, v.integer, low=v.low, high=v.high)


class _Query:
    def __init__(self, compiler: _Compiler):
        self.c = compiler
        self.policy = compiler.policy
        self.stages: list[tuple[str, list[_Column]]] = []

    def build(self) -> exp.Select:
        c, policy = self.c, self.policy
        nodes = list(policy.all_nodes())
        index = {node.id: k for k, node in enumerate(nodes, start=1)}
        # applicability flags, top down: an item applies when its ancestors do and its condition holds
        active: dict[str, _X | None] = {}
        flags: list[_Column] = []

        def visit(node: ir.Node, parent: _X | None) -> None:
            mine = parent
            if node.applies is not None:
                own = c.expr(node.applies, c.entity)
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
                column = _Column(f"_a{index[node.id]}", flag)
                flags.append(column)
                mine = column.ref()
            active[node.id] = mine
            for child in node.children:
                visit(child, mine)

        for top in (*policy.items, *policy.bonuses, *policy.penalties):
            visit(top, None)

        height: dict[str, int] = {}

        def measure(node: ir.Node) -> int:
            height[node.id] = 1 + max((measure(ch) for ch in node.children), default=-1)
            return height[node.id]

        for top in (*policy.items, *policy.bonuses, *policy.penalties):
            measure(top)
        value: dict[str, _X] = {}  # item id -> its final column
        for level in range(max(height.values(), default=-1) + 1):
            level_nodes = [n for n in nodes if height[n.id] == level]
            terms, raws, scaled, finals = [], [], [], []
            for node in level_nodes:
                k = index[node.id]
                parts: list[_X] = []
                if node.start is not None:
                    parts.append(c.expr(node.start, c.entity))
                for j, term in enumerate(node.terms, start=1):
                    column = _Column(f"_t{k}_{j}", c.term(term))
                    terms.append(column)
                    parts.append(c.round(column.ref()) if c.round_each else column.ref())
                for child in node.children:
                    parts.append(self.child_line(child, value[child.id], active[child.id]))
                raw = _sum(parts)
                if active[node.id] is not None:  # NULL where the item does not apply (never read there)
                    raw = _X(_case([(active[node.id].sql, raw.sql if raw.width else _typed(raw, raw.scale))], None),
                             NUM, raw.scale, raw.nullable or active[node.id].nullable, None, raw.width or PRECISION,
                             raw.integer and bool(raw.width))
                raw_column = _Column(f"_s{k}", raw)
                raws.append(raw_column)
                u = raw_column.ref()
                if node.coefficient is not None or c.round_each:
                    if node.coefficient is not None:
                        u = _mul(u, c.expr(node.coefficient, c.entity))
                    if c.round_each:
                        u = c.round(u)
                    u_column = _Column(f"_u{k}", u)
                    scaled.append(u_column)
                    u = u_column.ref()
                finals.append(_Column(f"_i{k}", self.final(node, raw_column.ref(), u, active[node.id])))
            for name, columns in (("t", terms), ("s", raws), ("u", scaled), ("v", finals)):
                if columns:
                    self.stages.append((f"_{name}{level}", columns))
            for column, node in zip(finals, level_nodes):
                value[node.id] = column.ref()
        # the total
        main = _sum([self.child_line(top, value[top.id], active[top.id]) for top in policy.items])
        if policy.coefficient is not None:
            main = _mul(main, c.expr(policy.coefficient, c.entity))
        if policy.max is not None:
            summed = _Column("_m", main)
            self.stages.append(("_main", [summed]))
            main = _clamp(summed.ref(), policy.max, upper=True)
        extras = [self.child_line(n, value[n.id], active[n.id]) for n in (*policy.bonuses, *policy.penalties)]
        before = _Column("_p", _sum([main] + extras))
        self.stages.append(("_tot", [before]))
        total = before.ref()
        if policy.vetoes:
            conditions = [c.expr(veto.condition, c.entity) for veto in policy.vetoes]
            held = conditions[0].sql
            for condition in conditions[1:]:
                held = exp.or_(held, condition.sql)
            whens = []
            failing = [cond for cond in conditions if cond.nullable]
            if failing:  # every veto is decided; an error in any is an error
                whens.append((_any_null(failing), _null_num()))
            whens.append((held, _zero_of(total)))
            vetoed = _Column("_q", _pick(whens, total, nullable=bool(failing) or total.nullable))
            self.stages.append(("_veto", [vetoed]))
            total = vetoed.ref()
        if c.rounding is not None:
            total = c.round(total)
        self.flags = flags
        every = dict([(node.id, value[node.id]) for node in self._item_order()] + [("total", total)])
        self.output = [(name, every[name]) for name in self.c.columns] if self.c.columns is not None \
            else list(every.items())
        if c.applicability is not None:
            self.output = [(node.id, active[node.id]) for node in nodes if node.applies is not None]
            self.output += [(applicable_fact_column(k), c.fact_column(decl, decl.span, None))
                            for k, decl in enumerate(c.applicability)]
        return self.assemble()

    def _item_order(self):
        by_id = {node.id: node for node in self.policy.all_nodes()}
        return [by_id[g.id] for g in self.c.graph.order if g.kind == ITEM]

    def child_line(self, child: ir.Node, value: _X, active: _X | None) -> _X:
        """How a child counts in its parent: its value, or W × value × 100 / max."""
        c = self.c
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
        if c.round_each:
            amount = c.round(amount)
        if active is not None:
            amount = _when(active, amount, _num(_ZERO))
        return amount

    def final(self, node: ir.Node, raw: _X, u: _X, active: _X | None) -> _X:
        c = self.c
        v = u
        if node.floor is not None:
            v = _clamp(v, node.floor, upper=False)
        if node.max is not None and not node.uncapped:
            if node.kind == "penalty":
                v = _clamp(v, CONTEXT.minus(node.max), upper=False)  # its bound: -max, in the exact context
            else:
                v = _clamp(v, node.max, upper=True)
        if node.zero_if:
            whens: list[tuple[exp.Expression, _X]] = []
            for zero in node.zero_if:
                condition = c.expr(zero.condition, c.entity)
                whens.append((condition.sql, _zero_of(raw)))
                if condition.nullable:
                    whens.append((condition.sql.is_(exp.Null()), _null_num()))
            v = _pick(whens, v)
        if active is not None:
            v = _when(active, v, _num(_ZERO))
        return v

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
