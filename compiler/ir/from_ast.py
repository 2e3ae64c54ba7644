"""Lower a loaded program's AST to the resolved IR :class:`ir.Policy`.

The algorithm, in order:

1. :func:`symbols.collect` enters every fact, table and template of every
   module into one namespace, reporting clashes.
2. The root module must hold exactly one ``policy``.
3. Items are lowered depth first. An item's id is its parent's id, a dot,
   and its key (``1`` inside ``3`` is ``3.1``); keys are unique per parent.
   Statements that may appear once (``start``, ``until zero``, ``text``,
   ``deadline``) are checked for repeats. ``use T(a: …)`` expands template T
   in place: its statements are lowered with the template's parameters bound
   to the argument expressions, which are resolved in the caller's scope.
4. The lead unit is inherited: an item without ``lead`` takes its parent's.

Every error is reported and lowering continues; the caller checks the bag.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from assessc.diagnostics import DiagnosticBag, Note, codes
from assessc.dsl import ast, limits
from assessc.dsl.item_keys import id_key
from assessc.dsl.source import Span
from assessc.facts.id_columns import check_fact_names, policy_id_columns
from assessc.ir import grades as G
from assessc.ir import nodes as ir
from assessc.ir.calendar import declared_calendar
from assessc.ir.exprs import Scope, resolve, table_for
from assessc.ir.ledgers import ledger_sum
from assessc.ir.modules import Program
from assessc.ir.symbols import Symbols, collect, resolve_table
from assessc.ir.types import ExprType, Kind
from assessc.runtime.decimals import MAX_PLACES, ROUNDING_MODES

T = ExprType
_ONCE = ("start", "until zero", "text", "deadline", "lead", "responsible", "weight", "applies", "coefficient")
_MAX_TEMPLATE_DEPTH = 16


@attrs.define
class _Body:
    """What the statements of one item (or template expansion) produce."""

    start: ir.Expr | None = None
    floor: Decimal | None = None
    floor_span: object = None
    terms: list = attrs.Factory(list)
    children: list = attrs.Factory(list)
    zero_if: list = attrs.Factory(list)
    accepts: list = attrs.Factory(list)
    meta: dict = attrs.Factory(dict)
    seen: dict = attrs.Factory(dict)  # statement kind -> span, for repeats
    child_keys: dict = attrs.Factory(dict)
    weight: object = None
    applies: object = None
    coefficient: object = None
    requires: list = attrs.Factory(list)


def lower_program(program: Program, bag: DiagnosticBag) -> ir.Policy | None:
    symbols = collect(program, bag)
    policies = [d for d in program.root.tree.decls if isinstance(d, ast.PolicyDecl)]
    if len(policies) != 1:
        root = program.root.source
        span = policies[1].span if len(policies) > 1 else Span(root, 1, 1, 1, 2)  # none: the file
        bag.add(codes.POLICY_COUNT, span,
                f"`{program.root.source.path}` holds {len(policies)} policies; a scored file holds exactly one",
                "put shared facts, tables and templates in a module without a policy and import it")
        return None
    for module in program.modules[:-1]:
        for decl in module.tree.decls:
            if isinstance(decl, ast.PolicyDecl):
                bag.add(codes.POLICY_COUNT, decl.span, "an imported module cannot hold a policy",
                        "only the file given to assessc holds the policy")
    calendar = declared_calendar(program, bag)
    scope = Scope(symbols, bag, calendar=calendar)
    policy = _Lowerer(scope).policy(policies[0])
    policy = attrs.evolve(policy, facts=tuple(symbols.facts.values()), calendar=calendar,
                          fact_checks=_fact_checks(program, scope))
    check_fact_names(policy.facts, policy_id_columns(policy), bag)
    return policy


def _fact_checks(program: Program, scope: Scope) -> tuple[ir.FactCheck, ...]:
    """The `require` checks of every facts block, resolved like any condition."""
    return tuple(ir.FactCheck(resolve(check.condition, scope, T.BOOL), check.message, check.span)
                 for module in program.modules for decl in module.tree.decls
                 if isinstance(decl, ast.FactsDecl) for check in decl.checks)


class _Lowerer:
    def __init__(self, scope: Scope):
        self.scope = scope
        self.bag = scope.bag
        self.periods: ir.Periods | None = None

    # ---- policy ------------------------------------------------------------
    def policy(self, decl: ast.PolicyDecl) -> ir.Policy:
        entity, entity_label, maximum, max_span, rounding = "entity", None, None, None, None
        outcome_stmts = None
        vetoes, accepts, grade_vetoes = [], [], []
        body = _Body()
        groups: dict[str, list] = {"item": [], "bonus": [], "penalty": []}
        seen: dict[str, object] = {}
        for stmt in decl.body:
            if isinstance(stmt, ast.MaxStmt):
                self._once(seen, "max", stmt.span)
                maximum, max_span = stmt.value.value, stmt.span
                self._positive(stmt.value)
            elif isinstance(stmt, ast.EntityStmt):
                self._once(seen, "entity", stmt.span)
                entity, entity_label = stmt.name, stmt.label
            elif isinstance(stmt, ast.RoundStmt):
                self._once(seen, "round", stmt.span)
                if stmt.mode not in ROUNDING_MODES:
                    self.bag.add(codes.BAD_ROUNDING, stmt.span, f"unknown rounding mode `{stmt.mode}`",
                                 "the modes are: " + ", ".join(ROUNDING_MODES) + " (四舍五入 is half_up)")
                if not -MAX_PLACES <= stmt.places <= MAX_PLACES:
                    self.bag.add(codes.PLACES_OUT_OF_RANGE, stmt.span,
                                 f"cannot round to {stmt.places} places: places run from {-MAX_PLACES} to {MAX_PLACES}",
                                 f"every engine rounds exactly within ±{MAX_PLACES} places (the batch engine computes "
                                 f"in 64-bit integers, which hold 10^{MAX_PLACES}); `2 places` rounds to hundredths, "
                                 "`-1 places` to tens")
                rounding = ir.Rounding(stmt.scope, stmt.places, stmt.mode, stmt.span)
            elif isinstance(stmt, ast.Veto) and stmt.grade is not None:
                grade_vetoes.append(stmt)  # checked against the grades once `outcomes` is lowered
            elif isinstance(stmt, ast.Veto):
                vetoes.append(ir.Veto(stmt.reason, resolve(stmt.condition, self.scope, T.BOOL), stmt.span))
            elif isinstance(stmt, ast.Accept):
                accepts.append(ir.Accept(stmt.code, stmt.reason, stmt.span))
            elif isinstance(stmt, ast.Meta):
                self._meta(stmt, body)
            elif isinstance(stmt, ast.Coefficient):
                self._once(seen, "coefficient", stmt.span)
                body.coefficient = resolve(stmt.value, self.scope, T.NUMBER)
            elif isinstance(stmt, ast.PeriodsDecl):
                self._once(seen, "periods", stmt.span)
                from assessc.ir.symbols import resolve_members

                self.periods = ir.Periods(stmt.name, stmt.label, resolve_members(stmt.members, self.bag), stmt.span)
            elif isinstance(stmt, ast.Outcomes):
                self._once(seen, "outcomes", stmt.span)
                outcome_stmts = stmt
            elif isinstance(stmt, ast.Item):
                self._check_key(stmt, body)
                groups[stmt.kind].append(stmt)
        meta = self._make_meta(body.meta, inherited=ir.Meta())
        items = tuple(self.item(s, "", meta) for s in groups["item"])
        bonuses = tuple(self.item(s, "", meta) for s in groups["bonus"])
        penalties = tuple(self.item(s, "", meta) for s in groups["penalty"])
        ids = {n.id for top in (*items, *bonuses, *penalties) for n in top.walk()}
        outcomes = self._outcomes(outcome_stmts, ids) if outcome_stmts is not None else ir.Outcomes()
        if grade_vetoes:
            lowered = tuple(G.lower_grade_veto(v, resolve(v.condition, self.scope, T.BOOL), outcomes.grades, self.bag)
                            for v in grade_vetoes)
            outcomes = attrs.evolve(outcomes, vetoes=lowered)
        return ir.Policy(decl.name, decl.title, entity, entity_label, maximum, rounding, items, bonuses,
                         penalties, tuple(vetoes), (), tuple(accepts), meta, body.coefficient, outcomes,
                         self.periods, decl.span, max_span)

    def _outcomes(self, stmt: ast.Outcomes, ids: set[str]) -> ir.Outcomes:
        schemes, rules = [], []
        grades = tuple(G.lower_grades(r, ids, self.bag) for r in stmt.rules if isinstance(r, ast.GradeBands))
        G.check_schemes(grades, self.bag)
        scored = attrs.evolve(self.scope, scored=G.scored_names(grades, ids))
        after = attrs.evolve(scored, after_ranking=True)
        for rule in stmt.rules:
            if isinstance(rule, ast.GradeBands):
                continue
            if isinstance(rule, ast.OutcomeRule):
                scope = after if rule.kind == "flag" else scored
                rules.append(ir.OutcomeRule(rule.kind, rule.reason, resolve(rule.condition, scope, T.BOOL), rule.span))
                continue
            if rule.item is not None and rule.item not in ids:
                self.bag.add(codes.UNDEFINED_NAME, rule.item_span, f"no item `{rule.item}` to rank by",
                             self.scope.symbols.suggest(rule.item, ids))
            bands = []
            for band in rule.bands:
                low, high = band.low.value, band.high.value
                if low != low.to_integral_value() or high != high.to_integral_value() or low < 1 or low > high:
                    self.bag.add(codes.BAD_RANGE, band.span, f"award band `{band.name}` must be whole ranks from low to high",
                                 "write e.g. `一等奖: 1..5`")
                    continue
                bands.append(ir.AwardBand(band.name, band.label, int(low), int(high), band.span))
            title = rule.title or ("awards" if rule.item is None else f"awards by {rule.item}")
            schemes.append(ir.AwardScheme(title, rule.item, tuple(bands), rule.span))
        return ir.Outcomes(tuple(schemes), tuple(rules), grades)

    # ---- items ---------------------------------------------------------------
    def item(self, stmt: ast.Item, parent_id: str, parent_meta: ir.Meta, scope: Scope | None = None) -> ir.Node:
        scope = scope or self.scope
        key = id_key(stmt.key)
        node_id = f"{parent_id}.{key}" if parent_id else key
        if stmt.per is not None:
            return self._per_period(stmt, node_id, parent_meta, scope)
        body = _Body()
        maximum, uncapped = None, False
        if stmt.cap is not None:
            maximum, uncapped = stmt.cap.value.value, stmt.cap.uncapped
            self._positive(stmt.cap.value)
        self._statements(stmt.body, body, scope, depth=0)
        if body.children and node_id.count(".") + 1 >= limits.MAX_ITEM_DEPTH:
            # templates' items inside items: the parser limits how deep items are written
            self.bag.add(codes.TOO_DEEP, body.children[0].span,
                         f"with the templates' items in place, items nest deeper than {limits.MAX_ITEM_DEPTH} levels",
                         "flatten the items, or the templates' items")
            body.children.clear()
        if body.weight is not None and maximum is None:
            self.bag.add(codes.MISPLACED, body.seen["weight"], f"item `{node_id}` has a weight but no max",
                         "a weighted item is scored on 100 (value × 100 / max), so it needs `max N`")
        meta = self._make_meta(body.meta, inherited=parent_meta)
        children = tuple(self.item(child, node_id, meta, scope) for child in body.children)
        return ir.Node(
            id=node_id, kind=stmt.kind, title=stmt.title, max=maximum, uncapped=uncapped,
            floor=body.floor, start=body.start, terms=tuple(body.terms), children=children,
            zero_if=tuple(body.zero_if), meta=meta, accepts=tuple(body.accepts),
            weight=body.weight, applies=body.applies, coefficient=body.coefficient,
            requires=tuple(body.requires), span=stmt.span,
            max_span=stmt.cap.span if stmt.cap else None, floor_span=body.floor_span,
        )

    def _per_period(self, stmt: ast.Item, node_id: str, parent_meta: ir.Meta, scope: Scope) -> ir.Node:
        """``item K "t" per P { … }``: one copy per period, summed (F20).

        Copy ``K.Q1`` is the item as written, scored with ``period()`` = Q1;
        the item itself is the sum of its copies, with no max of its own.
        """
        periods = self.periods
        if periods is None or periods.name != stmt.per:
            known = f"`{periods.name}`" if periods is not None else "none (declare `periods NAME { … }`)"
            self.bag.add(codes.UNDEFINED_NAME, stmt.key_span, f"no periods named `{stmt.per}`",
                         f"the policy's periods: {known}")
            periods = None
        copies = []
        for member in periods.members if periods else ():
            label = member.label or member.name
            copy = attrs.evolve(stmt, key=member.name, title=f"{stmt.title}（{label}）", per=None)
            copies.append(self.item(copy, node_id, parent_meta, attrs.evolve(scope, period=member.name)))
        meta = copies[0].meta if copies else parent_meta
        return ir.Node(id=node_id, kind=stmt.kind, title=stmt.title, max=None, uncapped=False, floor=None, start=None,
                       terms=(), children=tuple(copies), zero_if=(), meta=meta, accepts=(), span=stmt.span)

    def _requirement(self, stmt: ast.Requires, scope: Scope) -> ir.Requirement:
        value = stmt.value
        if isinstance(value, ast.Name):
            fact = scope.symbols.facts.get(value.name)
            if fact is not None and fact.type.kind is Kind.EVIDENCE:
                return ir.Requirement(stmt.text or fact.label or fact.name, evidence=fact, span=stmt.span)
        condition = resolve(value, scope, T.BOOL)
        text = stmt.text or " ".join((value.span.text() if value.span else "").split())
        return ir.Requirement(text, condition=condition, span=stmt.span)

    def _statements(self, stmts, body: _Body, scope: Scope, depth: int) -> None:
        for stmt in stmts:
            if isinstance(stmt, ast.Item):
                self._check_key(stmt, body)
                body.children.append(stmt)
            elif isinstance(stmt, ast.Meta):
                self._meta(stmt, body)
            elif isinstance(stmt, ast.Start):
                self._once(body.seen, "start", stmt.span)
                body.start = resolve(stmt.value, scope, T.NUMBER)
            elif isinstance(stmt, ast.UntilZero):
                self._once(body.seen, "until zero", stmt.span)
                body.floor, body.floor_span = Decimal(0), stmt.span
            elif isinstance(stmt, ast.ZeroIf):
                cond = resolve(stmt.condition, scope, T.BOOL)
                body.zero_if.append(ir.ZeroIf(cond, stmt.span.text() if stmt.span else "", stmt.span))
            elif isinstance(stmt, ast.Adjust):
                body.terms.append(self._term(stmt, scope))
            elif isinstance(stmt, ast.Accept):
                body.accepts.append(ir.Accept(stmt.code, stmt.reason, stmt.span))
            elif isinstance(stmt, ast.Use):
                self._use(stmt, body, scope, depth)
            elif isinstance(stmt, ast.Weight):
                self._once(body.seen, "weight", stmt.span)
                body.weight = self._term_body(stmt.value, scope)
            elif isinstance(stmt, ast.Applies):
                self._once(body.seen, "applies", stmt.span)
                body.applies = resolve(stmt.condition, scope, T.BOOL)
            elif isinstance(stmt, ast.Coefficient):
                self._once(body.seen, "coefficient", stmt.span)
                body.coefficient = resolve(stmt.value, scope, T.NUMBER)
            elif isinstance(stmt, ast.Requires):
                body.requires.append(self._requirement(stmt, scope))

    def _use(self, stmt: ast.Use, body: _Body, scope: Scope, depth: int) -> None:
        template = self.scope.symbols.templates.get(stmt.template.name)
        if template is None:
            other = self.scope.symbols.kind_of(stmt.template.name)
            if other:
                self.bag.add(codes.KIND_MISMATCH, stmt.template.span, f"`{stmt.template.name}` is a {other}, not a template")
            else:
                self.bag.add(codes.UNDEFINED_NAME, stmt.template.span, f"undefined template `{stmt.template.name}`",
                             self.scope.symbols.suggest(stmt.template.name, self.scope.symbols.templates))
            return
        if depth >= _MAX_TEMPLATE_DEPTH:
            self.bag.add(codes.BAD_TEMPLATE_USE, stmt.span, f"template `{template.name}` uses itself (directly or not)")
            return
        given: dict[str, tuple[ast.Expr, Scope]] = {}
        for arg in stmt.args:
            if arg.name in given:
                self.bag.add(codes.BAD_TEMPLATE_USE, arg.span, f"argument `{arg.name}` is given twice")
            elif arg.name not in template.params:
                self.bag.add(codes.BAD_TEMPLATE_USE, arg.span, f"template `{template.name}` has no parameter `{arg.name}`",
                             self.scope.symbols.suggest(arg.name, template.params)
                             or "its parameters are: " + ", ".join(template.params))
            else:
                given[arg.name] = (arg.value, scope)
        missing = [p for p in template.params if p not in given]
        if missing:
            self.bag.add(codes.BAD_TEMPLATE_USE, stmt.span,
                         f"template `{template.name}` needs {', '.join(f'`{m}`' for m in missing)}",
                         f"write `use {template.name}(" + ", ".join(f"{p}: …" for p in template.params) + ")`")
            return
        inner = attrs.evolve(scope, params=given)
        before = len(body.terms)
        self._statements(template.body, body, inner, depth + 1)
        # An expanded rule is explained at the `use` that wrote it, naming the template's rule.
        use_text = " ".join((stmt.span.text() if stmt.span else f"use {template.name}").split())
        body.terms[before:] = [attrs.evolve(term, text=f"{use_text}: {term.text}", span=stmt.span)
                               for term in body.terms[before:]]

    # ---- terms ---------------------------------------------------------------
    def _term(self, stmt: ast.Adjust, scope: Scope) -> ir.Term:
        body = self._term_body(stmt.term, scope)
        condition = resolve(stmt.condition, scope, T.BOOL) if stmt.condition is not None else None
        text = stmt.span.text() if stmt.span else ""
        return ir.Term(stmt.sign, body, condition, " ".join(text.split()), stmt.span)

    def _term_body(self, term, scope: Scope) -> ir.TermBody:
        num = lambda e: resolve(e, scope, T.NUMBER)  # noqa: E731
        if isinstance(term, ast.PlainTerm):
            body = ir.Value(num(term.value))
        elif isinstance(term, ast.PerTerm):
            body = ir.Per(num(term.amount), num(term.count))
        elif isinstance(term, ast.StepsTerm):
            body = ir.Steps(num(term.amount), num(term.step), term.direction, num(term.threshold), num(term.value),
                            term.partial or "whole", term.partial is not None)
        elif isinstance(term, ast.LookupTerm):
            key = resolve(term.key, scope)
            body = ir.Lookup(key, table_for(term.table, key, term.key.span, scope))
        else:
            body = ledger_sum(term, scope)
        return body

    # ---- metadata and checks ---------------------------------------------------
    def _meta(self, stmt: ast.Meta, body: _Body) -> None:
        if stmt.key in _ONCE:
            self._once(body.seen, stmt.key, stmt.span)
        body.meta.setdefault(stmt.key, []).extend(stmt.values)

    @staticmethod
    def _make_meta(values: dict, inherited: ir.Meta) -> ir.Meta:
        def one(key):
            return values[key][0] if values.get(key) else None

        return ir.Meta(
            lead=tuple(values.get("lead", ())) or inherited.lead,
            responsible=tuple(values.get("responsible", ())) or inherited.responsible,
            deadline=one("deadline") or inherited.deadline,
            evidence=tuple(values.get("evidence", ())),
            text=one("text"),
            notes=tuple(values.get("note", ())),
            basis=tuple(values.get("basis", ())),
        )

    def _once(self, seen: dict, what: str, span) -> None:
        if what in seen:
            self.bag.add(codes.DUPLICATE_STATEMENT, span, f"`{what}` appears twice here",
                         None, [Note(seen[what], "first here")])
        else:
            seen[what] = span

    def _check_key(self, stmt: ast.Item, body: _Body) -> None:
        key = id_key(stmt.key)  # `(3)` and `3` are one key
        if key == "total":
            self.bag.add(codes.DUPLICATE_ITEM, stmt.key_span, "`total` is the id of the policy's total and cannot name an item",
                         "pick another key, e.g. `sum` or a number")
        if key in body.child_keys:
            self.bag.add(codes.DUPLICATE_ITEM, stmt.key_span, f"item `{key}` is declared twice here",
                         "number the items uniquely", [Note(body.child_keys[key], "first declared here")])
        else:
            body.child_keys[key] = stmt.key_span

    def _positive(self, number: ast.Number) -> None:
        if number.value <= 0:
            self.bag.add(codes.NEGATIVE_MAX, number.span, f"a maximum must be positive, not {number.value}")
