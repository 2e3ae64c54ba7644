"""The reference interpreter: score one entity by walking the scoring graph.

Exact decimals throughout (see :mod:`assessc.runtime.decimals`). For each
graph node in topological order (items are walked depth first, which visits
terms and items exactly in ``graph.order``: an item's terms, its children,
then the item):

* a **term** is ``sign × body`` when its condition holds (or it has none),
  else 0; under ``round each`` its amount is rounded;
* an item whose ``applies if`` condition does not hold (or whose ancestor's
  does not) is **not applicable**: none of its rules is evaluated and it
  counts 0;
* an **item** is ``start + Σ terms + Σ children``; then, in this order,
  a ``zero if`` that holds sets it to 0 (and nothing else applies);
  a ``coefficient`` multiplies it; ``round each`` rounds it; ``until zero``
  raises a negative value to 0; a declared ``max`` lowers a larger value to
  the max (on a penalty, ``max N`` raises a value below −N to −N) unless
  ``uncapped``. Floors and caps come last, so they always hold;
* a child counts in its parent with its value, or, when it has
  ``weight W``, with ``W × value × 100 / max`` (scored on 100, then weighted);
* the **total** is ``min(Σ items × the policy's coefficient, policy max)
  + Σ bonuses + Σ penalties``; a veto that holds sets it to 0; ``round
  total`` (or ``round each``) rounds it.

Every adjustment is recorded as a line, so the lines of each node add up to
its value (see :mod:`results`).

Explanations are lazy. Scoring computes the numbers only; the lines (and the
text of every number in them) are made when a result's ``nodes`` are first
read, by scoring the entity again with ``explain`` on. Both runs are this one
code path: ``explain`` only decides whether lines are recorded, never how a
value is computed. A line's words (every value the rule read, compared or
computed) come from a description of the rule (:mod:`describe`) worded by
:mod:`wording`, as a generated scorer words its lines.

A lookup whose key no row matches, in a table without ``else``, stops scoring
(:class:`NoRow`, D0609) wherever it is written: a term, an expression, a
weight, a ledger sum's table; so does a pair a points matrix has no cell for.

Speed: what does not change between entities (each item's terms and
children, which items track completion, …) is worked out once per policy in
:class:`Interpreter`; term operands that are constants or facts are read
without a call to the evaluator (see the note above :func:`_value`).
"""

from __future__ import annotations

import datetime
import decimal
from decimal import Decimal
from functools import partial
from typing import Mapping

from assessc.backends import results as R
from assessc.backends import describe as D
from assessc.backends import wording as W  # the words shared with generated scorers
from assessc.graph.nodes import ITEM, TERM, TOTAL, VETO, ScoringGraph
from assessc.ir import nodes as ir
from assessc.runtime.decimals import (ARITHMETIC_ERRORS, CONTEXT, HUNDRED, ZERO, ceil_div, divide, failure, floor_div,
                                     quantize, show, sum_of)
from assessc.runtime.workdays import CalendarError


_CONST, _FACT = ir.Const, ir.FactRef
_SIGNS = {1: Decimal(1), -1: Decimal(-1)}  # a term's sign as a Decimal: an int would be converted at every use


class EvaluationError(Exception):
    def __init__(self, entity: str, node_id: str, message: str, span=None):
        super().__init__(f"entity `{entity}`: {node_id}: {message}")
        self.entity, self.node_id, self.message, self.span = entity, node_id, message, span


class _Env:
    """Fact values of one entity, and the expression evaluator over them.
    ``explain``: whether term bodies also word how they were computed."""

    __slots__ = ("values", "explain", "off", "entry")  # read for every expression: slots are quicker

    def __init__(self, values: Mapping[str, object], explain: bool = False):
        self.values = values
        self.explain = explain
        self.off: set[str] = set()  # ids of items that do not apply
        self.entry = None  # the ledger entry a `where (…)` is looking at

    def eval(self, expr: ir.Expr):
        kind = expr.__class__  # constants and facts, the most frequent, without isinstance calls
        if kind is _CONST:
            return expr.value
        if kind is _FACT:
            value = self.values[expr.fact.name]
            return value.isoformat() if isinstance(value, datetime.date) else value
        if isinstance(expr, ir.MissingCount):
            present = self.values[expr.fact.name]
            return Decimal(sum(1 for m in expr.fact.type.member_names if m not in present))
        if isinstance(expr, ir.EntryCount):
            return Decimal(len(self.entries(expr.fact.name, expr.where)))
        if isinstance(expr, ir.FieldRef):
            value = self.entry[expr.fact.name]
            return value.isoformat() if isinstance(value, datetime.date) else value
        if isinstance(expr, ir.LedgerValue):
            return _ledger(expr.body, self)[0]
        if isinstance(expr, ir.Unary):
            operand = self.eval(expr.operand)
            return (not operand) if expr.op == "not" else CONTEXT.minus(operand)  # exact wherever it is called
        if isinstance(expr, ir.InSet):
            return self.eval(expr.value) in expr.members
        if isinstance(expr, ir.LookupValue):
            return _lookup(expr.table, self.eval(expr.key))
        if isinstance(expr, ir.Call):
            args = [self.eval(a) for a in expr.args]
            if expr.func == "workdays":
                return expr.calendar.between(*args)
            return min(args) if expr.func == "min" else max(args)
        if isinstance(expr, ir.Binary):
            return self._binary(expr)
        raise TypeError(f"cannot evaluate {expr!r}")  # pragma: no cover

    def entries(self, ledger: str, where: ir.Expr | None) -> list:
        """The entries of ``ledger`` (evidence: the items present) for which ``where`` holds."""
        if where is None:
            return list(self.values[ledger])
        return [entry for _, entry in self.numbered_entries(ledger, where)]

    def numbered_entries(self, ledger: str, where: ir.Expr | None) -> list:
        """(number, entry) for the entries of ``ledger`` for which ``where`` holds, numbered from 1
        in the order the facts give them (the number names an entry in explanations and errors)."""
        entries = self.values[ledger]
        if where is None:
            return list(enumerate(entries, start=1))
        kept = []
        for number, entry in enumerate(entries, start=1):
            self.entry = entry
            if self.eval(where):
                kept.append((number, entry))
        self.entry = None
        return kept

    def _binary(self, expr: ir.Binary):
        op = expr.op
        if op == "and":
            return bool(self.eval(expr.left)) and bool(self.eval(expr.right))
        if op == "or":
            return bool(self.eval(expr.left)) or bool(self.eval(expr.right))
        a, b = self.eval(expr.left), self.eval(expr.right)
        if op == "+":
            return CONTEXT.add(a, b)
        if op == "-":
            return CONTEXT.subtract(a, b)
        if op == "*":
            return CONTEXT.multiply(a, b)
        if op == "/":
            return divide(a, b)
        return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


class NoRow(Exception):
    """A lookup found no row for its key in a table without `else` (or a points matrix no cell for
    its pair): the policy does not score this input, so scoring stops (D0609), in every engine."""


def _rows_text(table: ir.Table) -> str:
    return ", ".join(row.describe() for row in table.rows)


def _lookup(table: ir.Table, key) -> Decimal:
    """The points of ``key`` in ``table``: the first row it matches, else the `else` row; with
    neither, :class:`NoRow`."""
    for row in table.rows:
        if (row.member == key) if row.member is not None else (row.low <= key <= row.high):
            return row.value
    if table.default is not None:
        return table.default
    raise NoRow(W._no_row_words(key, table.name, _rows_text(table)))


def _cell(matrix: ir.Matrix, row: str, column: str) -> Decimal:
    """The points of a pair of members in a points matrix; :class:`NoRow` for a pair it has no cell for."""
    value = matrix.get(row, column)
    if value is None:
        raise NoRow(W._no_cell_words(row, column, matrix.name, ", ".join(r.member for r in matrix.rows),
                                     ", ".join(matrix.columns)))
    return value


def _term_body(body: ir.TermBody, env: _Env) -> tuple[Decimal, tuple | None]:
    """The body's value, and (if ``env.explain``) the numbers its explanation shows."""
    return _BODIES[body.__class__](body, env)


# Each body function returns the body's value and, when ``env.explain``, the numbers it computed
# for the explanation (the ``computed`` of wording's `_term_words`), else None.
#
# Most operands of a term are constants or facts. The body functions below read them directly,
# without the cost of a call: a constant's value (`x.value if x.__class__ is _CONST`), or a fact's
# (`env.values[x.fact.name] if x.__class__ is _FACT`). That is what `_Env.eval` returns for them:
# these operands are numbers, enum members or conditions (the type checker sees to it), never
# dates, which `_Env.eval` would write as text.


def _value(body: ir.Value, env: _Env) -> tuple[Decimal, tuple | None]:
    value = body.expr.value if body.expr.__class__ is _CONST else env.eval(body.expr)
    return value, ((value,) if env.explain else None)


def _per(body: ir.Per, env: _Env) -> tuple[Decimal, tuple | None]:
    amount = body.amount.value if body.amount.__class__ is _CONST else env.eval(body.amount)
    count = env.values[body.count.fact.name] if body.count.__class__ is _FACT else env.eval(body.count)
    computed = (amount, count, _missing_items(body.count, env)) if env.explain else None
    return CONTEXT.multiply(amount, count), computed


def _lookup_body(body: ir.Lookup, env: _Env) -> tuple[Decimal, tuple | None]:
    key = env.values[body.key.fact.name] if body.key.__class__ is _FACT else env.eval(body.key)
    value = _lookup(body.table, key)
    return value, ((key, value) if env.explain else None)


def _missing_items(expr: ir.Expr, env: _Env) -> str:
    """Name the evidence not submitted, so an explanation says what was missing."""
    if not isinstance(expr, ir.MissingCount):
        return ""
    return W._missing_text(env.values[expr.fact.name], ((m.name, m.label or m.name) for m in expr.fact.type.members))


def _steps(body: ir.Steps, env: _Env) -> tuple[Decimal, tuple | None]:
    amount = body.amount.value if body.amount.__class__ is _CONST else env.eval(body.amount)
    step = body.step.value if body.step.__class__ is _CONST else env.eval(body.step)
    threshold = body.threshold.value if body.threshold.__class__ is _CONST else env.eval(body.threshold)
    value = env.values[body.value.fact.name] if body.value.__class__ is _FACT else env.eval(body.value)
    gap = threshold - value if body.direction == "below" else value - threshold
    if gap <= 0:
        return ZERO, ((value, threshold, gap, None, amount) if env.explain else None)
    if body.partial == "whole":
        steps = floor_div(gap, step)
    elif body.partial == "started":
        steps = ceil_div(gap, step)
    else:
        steps = divide(gap, step)
    return CONTEXT.multiply(steps, amount), ((value, threshold, gap, steps, amount) if env.explain else None)


def _ledger(body: ir.LedgerSum, env: _Env) -> tuple[Decimal, tuple | None]:
    best: dict[object, Decimal] = {}
    kept = 0
    for number, entry in env.numbered_entries(body.ledger.name, body.where):
        kept += 1
        try:
            if body.column_field is not None:
                points = _cell(body.table, entry[body.field], entry[body.column_field])
            else:
                points = _lookup(body.table, entry[body.field])
        except NoRow as error:
            raise NoRow(W._entry_words(body.ledger.name, number, error)) from None
        group = entry[body.group] if body.group else number
        if group not in best or points > best[group]:
            best[group] = points
    total = sum_of(best.values())
    if not env.explain:
        return total, None
    parts = [f"{group if body.group else f'#{group}'}: {show(points)}" for group, points in best.items()]
    how = f"highest per {body.group}" if body.group else "each entry"
    noun = "entry" if kept == 1 else "entries"
    detail = f"{kept} {noun}, {how}: " + ("; ".join(parts) if parts else "none")
    return total, (detail,)


_BODIES = {ir.Value: _value, ir.Per: _per, ir.Steps: _steps, ir.Lookup: _lookup_body, ir.LedgerSum: _ledger}


class _Words:
    """The words of explanation lines (:mod:`wording`), from descriptions of the policy's rules
    (:mod:`describe`, made once per rule) and the values of their leaves for one entity. A
    generated scorer words its lines from the same descriptions with the same functions."""

    def __init__(self):
        self._described: dict[object, D.Described] = {}

    def _of(self, key, make) -> D.Described:
        found = self._described.get(key)
        if found is None:
            found = self._described[key] = make()
        return found

    @staticmethod
    def _reader(described: D.Described, env: _Env):
        values: dict[int, object] = {}
        leaves = described.leaves

        def value(i: int):
            if i not in values:
                values[i] = env.eval(leaves[i])
            return values[i]

        return value

    def term(self, term: ir.Term, env: _Env, holds: bool, computed=None, rounded=None) -> str:
        described = self._of(id(term), lambda: D.describe_term(term))
        return W._term_words(described.tree, self._reader(described, env), holds, computed, rounded)

    def value(self, expr: ir.Expr, env: _Env, result) -> str:
        described = self._of(id(expr), lambda: D.describe(expr))
        return W._value_words(described.tree, self._reader(described, env), result)

    def zero(self, zero: ir.ZeroIf, env: _Env, holds: bool) -> str:
        described = self._of(id(zero), lambda: D.describe(zero.condition))
        return W._zero_words(described.tree, self._reader(described, env), holds)

    def not_applicable(self, item: ir.Node, env: _Env) -> str:
        if item.applies is None:
            return "not applicable"
        described = self._of(("applies", id(item)), lambda: D.describe(item.applies))
        return W._not_applicable_words(described.tree, self._reader(described, env))

    def coefficient(self, expr: ir.Expr, env: _Env, before, factor, after) -> str:
        described = self._of(id(expr), lambda: D.describe(expr))
        return W._coefficient_words(before, factor, after, described.tree, self._reader(described, env))

    def weight(self, item: ir.Node, env: _Env, weight, on_hundred, value) -> str:
        described = self._of(("weight", id(item)), lambda: D.describe_weight(item.weight))
        return W._weight_words(weight, on_hundred, value, item.max, described.tree, self._reader(described, env))

    def vetoes(self, vetoes: list[ir.Veto], env: _Env) -> str:
        worded = []
        for veto in vetoes:
            described = self._of(id(veto), lambda: D.describe(veto.condition))
            worded.append((veto.reason, described.tree, self._reader(described, env)))
        return W._veto_words(worded)


class _Run:
    """One entity being scored: its facts and evaluator (``env``), what is known of the items
    scored so far, and the graph node being computed (named if it fails)."""

    __slots__ = ("env", "scores", "values", "completion", "node")

    def __init__(self, env: _Env, explain: bool, values: bool = False):
        self.env = env
        self.scores: dict[str, R.NodeScore] | None = {} if explain else None  # item id → score, in graph order
        self.values: dict[str, Decimal] | None = {} if values else None  # item id → value, without lines
        self.completion: dict[str, tuple[bool | None, tuple[str, ...]]] = {}  # items that track completion
        self.node = None


class Interpreter:
    """Scores entities against a compiled :class:`ScoringGraph`."""

    def __init__(self, graph: ScoringGraph):
        self.graph = graph
        self.policy: ir.Policy = graph.policy
        rounding = self.policy.rounding
        self.round_each = rounding is not None and rounding.scope == "each"
        self.rounding = rounding
        # Worked out once per policy rather than once per entity:
        nodes = graph.by_id
        self._tops = tuple(nodes[n.id] for n in (*self.policy.items, *self.policy.bonuses, *self.policy.penalties))
        terms_of: dict[str, list] = {}
        for node in graph.order:
            if node.kind == TERM:
                terms_of.setdefault(node.parent, []).append(node)
        # item id → its terms and its children, as graph nodes in graph order; whether every child
        # counts with its value (has no weight); whether the item is adjusted before its floor and
        # cap (by `zero if`, a coefficient or `round each`)
        self._parts = {n.id: (tuple(terms_of.get(n.id, ())), tuple(nodes[c.id] for c in n.children),
                              all(c.weight is None for c in n.children),
                              bool(n.zero_if) or n.coefficient is not None or self.round_each)
                       for n in self.policy.all_nodes()}
        self._vetoes = tuple(n for n in graph.order if n.kind == VETO)
        self._words = _Words()
        self._any_applies = any(node.applies is not None for node in self.policy.all_nodes())
        # items with a `requires` in their subtree; completion is None for every other item
        self._tracks_completion = {node.id for node in self.policy.all_nodes()
                                   if any(n.requires for n in node.walk())}
        # Items are scored depth first (_item), which must visit terms and items in graph order:
        # the order errors are found in, and the order of an explanation's nodes.
        walked = [n.id for top in self._tops for n in self._walk(top)]
        assert walked == [n.id for n in graph.order if n.kind in (TERM, ITEM)], "the walk must follow graph.order"

    def _walk(self, node):
        """The terms and items of ``node``'s subtree in the order :meth:`_item` computes them."""
        terms, children, _, _ = self._parts[node.id]
        yield from terms
        for child in children:
            yield from self._walk(child)
        yield node

    def _round(self, value: Decimal) -> Decimal:
        return quantize(value, self.rounding.places, self.rounding.mode)

    def inactive(self, env: "_Env") -> set[str]:
        """Ids of the items that do not apply to this entity, with their descendants."""
        out: set[str] = set()
        if not self._any_applies:
            return out

        def visit(node: ir.Node, parent_off: bool) -> None:
            off = parent_off or (node.applies is not None and not env.eval(node.applies))
            if off:
                out.add(node.id)
            for child in node.children:
                visit(child, off)

        for top in (*self.policy.items, *self.policy.bonuses, *self.policy.penalties):
            visit(top, False)
        return out

    def score(self, entity: str, values: Mapping[str, object], explain: bool = False) -> R.EntityResult:
        """Score ``entity``. Its explanation lines are made when ``nodes`` is first read
        (by scoring it again with lines on), or at once with ``explain``."""
        if explain:
            total, vetoes, nodes = self._evaluate(entity, values, explain=True)
            return R.EntityResult(entity, total, nodes, vetoes)
        values = dict(values)  # kept for the explanation: what the caller passes may change later
        total, vetoes, _ = self._evaluate(entity, values, explain=False)
        return R.EntityResult(entity, total, R.LazyNodes(partial(self._explained, entity, values, total)), vetoes)

    def values(self, entity: str, values: Mapping[str, object]) -> tuple[Decimal, tuple[str, ...], dict[str, Decimal]]:
        """(total, vetoes, every item's value in graph order): the numbers of :meth:`score`
        with nothing kept for an explanation, for runs too large to keep one per entity."""
        return self._evaluate(entity, values, explain=False, keep_values=True)

    def _explained(self, entity: str, values: Mapping[str, object], total: Decimal) -> dict[str, R.NodeScore]:
        """The node scores of an entity scored before, by scoring it again with lines on."""
        again, _, nodes = self._evaluate(entity, values, explain=True)
        assert again == total, entity  # the same code computed both runs
        return nodes

    def _evaluate(self, entity: str, values: Mapping[str, object], explain: bool, keep_values: bool = False):
        """(total, vetoes, nodes): with ``explain``, nodes maps every item and the total to its
        :class:`~results.NodeScore`, in graph order; with ``keep_values``, every item to its value;
        else nodes is None."""
        env = _Env(values, explain)
        run = _Run(env, explain, keep_values)
        with decimal.localcontext(CONTEXT):
            try:
                env.off = self.inactive(env)
            except ARITHMETIC_ERRORS as error:
                raise EvaluationError(entity, "applies", f"cannot decide applicability: {failure(error)}") from None
            except NoRow as error:
                raise EvaluationError(entity, "applies", f"cannot decide applicability: {error}") from None
            try:
                tops = []
                for top in self._tops:
                    tops.append(self._item(top, run))
                vetoes = []
                for veto in self._vetoes:
                    run.node = veto
                    if env.eval(veto.ir.condition):
                        vetoes.append(veto.ir)
                node = run.node = self.graph.by_id[TOTAL]
                lines = [] if explain else None
                total = self._total(node, tops, vetoes, env, lines)
                vetoes = [veto.reason for veto in vetoes]
            except ARITHMETIC_ERRORS as error:
                node = run.node
                raise EvaluationError(entity, node.id, f"cannot compute `{node.label}`: {failure(error)}",
                                      node.span) from None
            except (CalendarError, NoRow) as error:
                node = run.node
                raise EvaluationError(entity, node.id, f"`{node.label}`: {error}", node.span) from None
        if not explain:
            return total, tuple(vetoes), run.values
        run.scores[TOTAL] = R.NodeScore(TOTAL, self.policy.title, total, tuple(lines), self.policy.max)
        return total, tuple(vetoes), run.scores

    def _item(self, node, run: _Run) -> Decimal:
        """Score the item ``node`` and every item under it, in graph order: the item's terms,
        then its children (each with everything under it), then the item itself, in the order
        of docs/semantics.md. Returns its value; its score (when explaining) goes to
        ``run.scores``."""
        item: ir.Node = node.ir
        env = run.env
        if env.off and item.id in env.off:  # 0. not applicable
            return self._not_applicable(node, run)
        lines: list[R.Line] | None = None if run.scores is None else []
        term_nodes, child_nodes, unweighted, adjusted = self._parts[node.id]
        terms = []
        for term in term_nodes:
            run.node = term
            terms.append(self._term(term, env, lines))
        children = []
        for child in child_nodes:
            children.append(self._item(child, run))
        run.node = node
        value = ZERO  # 1. start + terms + children, added in the order the lines list them
        if item.start is not None:
            start = item.start.value if item.start.__class__ is _CONST else env.eval(item.start)
            value += start
            if lines is not None:  # first, though computed after the terms
                lines.insert(0, R.Line(R.START, node.id, "start", start, self._words.value(item.start, env, start),
                                       node.lead, item.span))
        for amount in terms:
            value += amount
        if lines is None and unweighted:
            for amount in children:  # each child's value (0 if it does not apply)
                value += amount
        else:
            for child, child_value in zip(item.children, children):
                value += self._child(child, child_value, env, lines)
        if adjusted:
            value = self._adjusted(node, env, value, lines)  # 2–6
        else:
            value = self._clamp(item, node, value, lines)  # 5, 6. floor and cap
        if self._tracks_completion and node.id in self._tracks_completion:
            run.completion[node.id] = self._completion(item, env, run.completion)
        if run.values is not None:
            run.values[node.id] = value
        if lines is not None:
            complete, missing = run.completion.get(node.id, (None, ()))
            run.scores[node.id] = R.NodeScore(node.id, item.title, value, tuple(lines), item.max,
                                              complete=complete, missing=missing)
        return value

    def _adjusted(self, node, env: _Env, value: Decimal, lines: list[R.Line] | None) -> Decimal:
        """Steps 2–6 of an item's value: `zero if`, coefficient, rounding, then floor and cap."""
        item: ir.Node = node.ir
        for zero in item.zero_if:  # 2. zero if
            if env.eval(zero.condition):
                if lines is not None:
                    lines.append(R.Line(R.ZERO, node.id, zero.text, -value, self._words.zero(zero, env, True),
                                        node.lead, zero.span))
                return ZERO
            if lines is not None:  # checked and not holding: what it compared, for 0
                lines.append(R.Line(R.ZERO, node.id, zero.text, ZERO, self._words.zero(zero, env, False),
                                    node.lead, zero.span))
        if item.coefficient is not None:  # 3. coefficient
            factor = env.eval(item.coefficient)
            scaled = CONTEXT.multiply(value, factor)
            if lines is not None:
                lines.append(R.Line(R.COEFFICIENT, node.id, "coefficient", scaled - value,
                                    self._words.coefficient(item.coefficient, env, value, factor, scaled), node.lead,
                                    item.span))
            value = scaled
        if self.round_each:  # 4. rounding
            value = self._round_line(node, value, lines)
        return self._clamp(item, node, value, lines)  # 5, 6. last, so a floor or a max always holds

    def _not_applicable(self, node, run: _Run) -> Decimal:
        """An item that does not apply, and every item under it, counts 0 and evaluates nothing."""
        for child in self._parts[node.id][1]:
            self._not_applicable(child, run)
        if run.scores is not None:
            run.scores[node.id] = R.NodeScore(node.id, node.ir.title, ZERO, (), node.ir.max, applicable=False)
        if run.values is not None:
            run.values[node.id] = ZERO
        return ZERO

    def _term(self, node, env: _Env, lines: list[R.Line] | None) -> Decimal:
        """The term's signed amount; its line goes to ``lines`` when that is a list."""
        term: ir.Term = node.ir
        condition = term.condition
        if condition is not None and not (env.values[condition.fact.name] if condition.__class__ is _FACT
                                          else env.eval(condition)):  # a fact here is a bool (see _value)
            if lines is not None:
                lines.append(R.Line(R.TERM, node.id, term.text, ZERO, self._words.term(term, env, False),
                                    node.lead, term.span))
            return ZERO
        body = term.body
        raw, computed = _BODIES[body.__class__](body, env)
        amount = raw * _SIGNS[term.sign]
        rounded = None
        if self.round_each:
            amount, unrounded = self._round(amount), amount
            if amount != unrounded:
                rounded = (unrounded, amount)
        if lines is not None:
            detail = self._words.term(term, env, True, computed, rounded)
            lines.append(R.Line(R.TERM, node.id, term.text, amount, detail, node.lead, term.span))
        return amount

    def _round_line(self, node, value: Decimal, lines: list[R.Line] | None) -> Decimal:
        """``value`` rounded (under `round each`), the change recorded as a line."""
        rounded = self._round(value)
        if rounded != value and lines is not None:
            lines.append(R.Line(R.ROUND, node.id, "rounding", rounded - value,
                                f"{show(value)} → {show(rounded)} ({self.rounding.mode}, {self.rounding.places} places)",
                                node.lead))
        return rounded

    def _completion(self, item: ir.Node, env: _Env, completion) -> tuple[bool | None, tuple[str, ...]]:
        """Own unmet requirements, and whether the item and its applicable children are complete
        (``completion``: that of the items computed so far that track it)."""
        missing: list[str] = []
        for requirement in item.requires:
            if requirement.evidence is not None:
                present = env.values[requirement.evidence.name]
                missing += [m.label or m.name for m in requirement.evidence.type.members if m.name not in present]
            elif not env.eval(requirement.condition):
                missing.append(requirement.text)
        states = [completion[c.id][0] for c in item.children if c.id in completion and c.id not in env.off]
        states = [s for s in states if s is not None]
        if not item.requires and not states:
            return None, ()
        return (not missing and all(states)), tuple(missing)

    def _child(self, child: ir.Node, value: Decimal, env: _Env, lines: list[R.Line] | None) -> Decimal:
        """How a child whose value is ``value`` counts in its parent: its value, weighted if it
        has a weight. Its line goes to ``lines`` when that is a list."""
        if child.id in env.off:
            if lines is not None:
                lines.append(R.Line(R.CHILD, child.id, child.title, ZERO, self._words.not_applicable(child, env),
                                    child.meta.lead, child.span))
            return ZERO
        if child.weight is None:
            if lines is not None:
                lines.append(R.Line(R.CHILD, child.id, child.title, value, "", child.meta.lead, child.span))
            return value
        weight, _ = _term_body(child.weight, env)
        on_hundred = divide(CONTEXT.multiply(value, HUNDRED), child.max)
        amount = CONTEXT.multiply(weight, on_hundred)
        if self.round_each:
            amount = self._round(amount)
        if lines is not None:
            detail = self._words.weight(child, env, weight, on_hundred, value)
            lines.append(R.Line(R.CHILD, child.id, child.title, amount, detail, child.meta.lead, child.span))
        return amount

    @staticmethod
    def _clamp(item: ir.Node, node, value: Decimal, lines: list[R.Line] | None) -> Decimal:
        """The floor, then the cap; each change recorded as a line when ``lines`` is a list."""
        floor, cap = item.floor, item.max
        if floor is not None and value < floor:
            if lines is not None:
                lines.append(R.Line(R.FLOOR, node.id, "until zero", floor - value,
                                    f"{show(value)} is below {show(floor)} → {show(floor)}", node.lead,
                                    item.floor_span))
            value = floor
        if cap is None or item.uncapped:
            return value
        if item.kind != "penalty":
            if value > cap:
                if lines is not None:
                    lines.append(R.Line(R.CAP, node.id, f"max {show(cap)}", cap - value,
                                        f"{show(value)} is over the max {show(cap)} → {show(cap)}", node.lead,
                                        item.max_span))
                value = cap
        elif value < -cap:  # on a penalty, max N bounds the deduction
            if lines is not None:
                lines.append(R.Line(R.CAP, node.id, f"max {show(cap)}", -cap - value,
                                    f"deduction {show(-value)} is over {show(cap)} → {show(-cap)}", node.lead,
                                    item.max_span))
            value = -cap
        return value

    def _total(self, node, tops: list[Decimal], vetoes: list[ir.Veto], env: _Env,
               lines: list[R.Line] | None) -> Decimal:
        """The total, from the values of the top-level items, bonuses and penalties (``tops``,
        in that order); its lines go to ``lines`` when that is a list. Every adjustment is added
        as its line's amount, in line order, so the value is exactly the sum of the lines."""
        policy = self.policy
        value = ZERO
        for top, top_value in zip(policy.items, tops):
            value += self._child(top, top_value, env, lines)
        main = value
        if policy.coefficient is not None:
            factor = env.eval(policy.coefficient)
            scaled = CONTEXT.multiply(main, factor)
            value += scaled - main
            if lines is not None:
                lines.append(R.Line(R.COEFFICIENT, TOTAL, "coefficient", scaled - main,
                                    self._words.coefficient(policy.coefficient, env, main, factor, scaled), node.lead,
                                    policy.span))
            main = scaled
        if policy.max is not None and main > policy.max:
            value += policy.max - main
            if lines is not None:
                lines.append(R.Line(R.CAP, TOTAL, f"max {show(policy.max)}", policy.max - main,
                                    f"items add up to {show(main)}, over the max {show(policy.max)} → {show(policy.max)}",
                                    node.lead, policy.max_span))
        for extra, extra_value in zip((*policy.bonuses, *policy.penalties), tops[len(policy.items):]):
            value += self._child(extra, extra_value, env, lines)
        if vetoes:
            if lines is not None:
                lines.append(R.Line(R.VETO, TOTAL, "veto", -value, self._words.vetoes(vetoes, env), node.lead,
                                    policy.span))
            value = ZERO
        if self.rounding is not None:
            rounded = self._round(value)
            if rounded != value:
                if lines is not None:
                    lines.append(R.Line(R.ROUND, TOTAL, "rounding", rounded - value,
                                        f"{show(value)} → {show(rounded)} ({self.rounding.mode}, "
                                        f"{self.rounding.places} places)", node.lead))
                value = rounded
        return value
