"""The reference interpreter: score one entity by running the policy's operations
(:mod:`assessc.core.ops`) in exact decimals.

What each operation means is said once, in :mod:`assessc.core.ops` and :mod:`assessc.core.lower`
(which gives the order of an item's adjustments); this module is their exact domain with
explanation lines: for each step of the program (terms, items, vetoes, the total, in graph
order) it runs the step's operations over a value starting at 0. Expressions and term bodies are
evaluated by :mod:`assessc.core.exact`.

* an item whose ``applies if`` condition does not hold (or whose ancestor's does not) is **not
  applicable**: none of its rules is evaluated and it counts 0;
* every operation makes at most one kind of line, so the lines of each node add up to its value
  (see :mod:`results`).

Explanations are lazy. Scoring computes the numbers only; the lines (and the text of every number
in them) are made when a result's ``nodes`` are first read, by scoring the entity again with
``explain`` on. Both runs are this one code path: ``explain`` only decides whether lines are
recorded, never how a value is computed. A line's words (every value the rule read, compared or
computed) come from a description of the rule (:mod:`describe`) worded by :mod:`wording`, as a
generated scorer words its lines.

Speed: the program is lowered once per policy; term operands that are constants or facts are read
without a call to the evaluator (see :mod:`assessc.core.exact`).
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from functools import partial
from typing import Mapping

from assessc.backends import results as R
from assessc.backends import describe as D
from assessc.backends import wording as W  # the words shared with generated scorers
from assessc.core import evaluate, ops
from assessc.core.exact import BODIES, Env, NoRow
from assessc.core.lower import lower
from assessc.graph.nodes import TOTAL, ScoringGraph
from assessc.ir import nodes as ir
from assessc.runtime.decimals import ARITHMETIC_ERRORS, CONTEXT, HUNDRED, ZERO, divide, failure, quantize, show
from assessc.runtime.workdays import CalendarError

__all__ = ["EvaluationError", "Interpreter", "NoRow"]

_CONST, _FACT = ir.Const, ir.FactRef


_FAILURES = (ARITHMETIC_ERRORS, CalendarError, NoRow)  # what stops scoring an entity, naming the rule


class EvaluationError(Exception):
    def __init__(self, entity: str, node_id: str, message: str, span=None):
        super().__init__(f"entity `{entity}`: {node_id}: {message}")
        self.entity, self.node_id, self.message, self.span = entity, node_id, message, span


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
    def _reader(described: D.Described, env: Env):
        values: dict[int, object] = {}
        leaves = described.leaves

        def value(i: int):
            if i not in values:
                values[i] = env.eval(leaves[i])
            return values[i]

        return value

    def term(self, step: ops.TermStep, env: Env, holds: bool, computed=None, rounded=None) -> str:
        described = self._of(id(step), lambda: D.describe_term(step.body, step.condition))
        return W._term_words(described.tree, self._reader(described, env), holds, computed, rounded)

    def value(self, expr: ir.Expr, env: Env, result) -> str:
        described = self._of(id(expr), lambda: D.describe(expr))
        return W._value_words(described.tree, self._reader(described, env), result)

    def zero(self, zero: ops.ZeroIf, env: Env, holds: bool) -> str:
        described = self._of(id(zero), lambda: D.describe(zero.condition))
        return W._zero_words(described.tree, self._reader(described, env), holds)

    def not_applicable(self, child: ops.Child, env: Env) -> str:
        if child.applies is None:
            return "not applicable"
        described = self._of(("applies", id(child)), lambda: D.describe(child.applies))
        return W._not_applicable_words(described.tree, self._reader(described, env))

    def coefficient(self, expr: ir.Expr, env: Env, before, factor, after) -> str:
        described = self._of(id(expr), lambda: D.describe(expr))
        return W._coefficient_words(before, factor, after, described.tree, self._reader(described, env))

    def weight(self, child: ops.Child, env: Env, weight, on_hundred, value) -> str:
        described = self._of(("weight", id(child)), lambda: D.describe_weight(child.weight))
        return W._weight_words(weight, on_hundred, value, child.max, described.tree, self._reader(described, env))

    def vetoes(self, vetoes: list[ops.VetoStep], env: Env) -> str:
        worded = []
        for veto in vetoes:
            described = self._of(id(veto), lambda: D.describe(veto.condition))
            worded.append((veto.reason, described.tree, self._reader(described, env)))
        return W._veto_words(worded)



class _Run:
    """One entity being scored: its facts and evaluator (``env``), and the values (and, when
    explaining, the lines) of the steps run so far."""

    __slots__ = ("env", "amounts", "lines", "term_lines", "scores", "values", "completion", "vetoes")

    def __init__(self, env: Env, explain: bool, values: bool = False):
        self.env = env
        self.amounts: dict[str, Decimal] = {}  # term and item id → its value
        self.lines: list[R.Line] | None = None  # the lines of the item being computed, when explaining
        self.term_lines: dict[str, R.Line] | None = {} if explain else None
        self.scores: dict[str, R.NodeScore] | None = {} if explain else None  # item id → score, in graph order
        self.values: dict[str, Decimal] | None = {} if values else None  # item id → value, without lines
        self.completion: dict[str, tuple[bool | None, tuple[str, ...]]] = {}  # items that track completion
        self.vetoes: list[ops.VetoStep] = []  # the vetoes that held


class Interpreter:
    """Scores entities with a policy's operations, lowered once from a :class:`ScoringGraph`."""

    def __init__(self, graph: ScoringGraph):
        self.graph = graph
        self.policy: ir.Policy = graph.policy
        self.program = lower(graph)
        self._steps = self.program.steps
        self._words = _Words()
        self._plan = evaluate.plan(
            self.program,
            steps={ops.TermStep: self._term, ops.ItemStep: self._item, ops.VetoStep: self._veto,
                   ops.TotalStep: self._total},
            operations={ops.Sum: self._sum, ops.ZeroIf: self._zero_if, ops.Scale: self._scale,
                        ops.Round: self._round_op, ops.Clamp: self._clamp, ops.Veto: self._veto_total},
            bodies=BODIES)

    def inactive(self, env: Env) -> set[str]:
        """Ids of the items that do not apply to this entity, with their descendants."""
        off: set[str] = set()
        for applies in self.program.applies:
            if applies.item not in off and not env.eval(applies.condition):
                off.add(applies.item)
                off.update(applies.under)
        return off

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
        env = Env(values, explain)
        run = _Run(env, explain, keep_values)
        with decimal.localcontext(CONTEXT):
            try:
                env.off = self.inactive(env) if self.program.applies else env.off
            except ARITHMETIC_ERRORS as error:
                raise EvaluationError(entity, "applies", f"cannot decide applicability: {failure(error)}") from None
            except NoRow as error:
                raise EvaluationError(entity, "applies", f"cannot decide applicability: {error}") from None
            try:
                evaluate.run(self._plan, run, _FAILURES)
            except evaluate.StepFailed as failed:
                node, error = self.graph.by_id[failed.step.id], failed.error
                message = (f"cannot compute `{node.label}`: {failure(error)}" if isinstance(error, ARITHMETIC_ERRORS)
                           else f"`{node.label}`: {error}")
                raise EvaluationError(entity, node.id, message, node.span) from None
        total = run.amounts[TOTAL]
        vetoes = tuple(veto.reason for veto in run.vetoes)
        if not explain:
            return total, vetoes, run.values
        return total, vetoes, run.scores

    # ---- steps ----------------------------------------------------------------------------

    def _term(self, step: ops.TermStep, run: _Run, amount_of) -> None:
        """The term's signed amount (its body's value by ``amount_of``); its line is kept for its
        item when explaining."""
        env = run.env
        if env.off and step.item in env.off:
            return
        condition = step.condition
        lines = run.term_lines
        if condition is not None and not (env.values[condition.fact.name] if condition.__class__ is _FACT
                                          else env.eval(condition)):  # a fact here is a bool
            if lines is not None:
                lines[step.id] = R.Line(R.TERM, step.id, step.text, ZERO, self._words.term(step, env, False),
                                        step.lead, step.span)
            run.amounts[step.id] = ZERO
            return
        body = step.body
        raw, computed = amount_of(body, env)
        amount = raw if step.sign > 0 else -raw  # exact: scoring runs in the exact context
        rounded = None
        if step.round is not None:
            amount, unrounded = quantize(amount, step.round.places, step.round.mode), amount
            if amount != unrounded:
                rounded = (unrounded, amount)
        if lines is not None:
            detail = self._words.term(step, env, True, computed, rounded)
            lines[step.id] = R.Line(R.TERM, step.id, step.text, amount, detail, step.lead, step.span)
        run.amounts[step.id] = amount

    def _item(self, step: ops.ItemStep, run: _Run, operations) -> None:
        """The item's value: its ``operations`` (each with its handler), in order, over a value
        starting at 0."""
        env = run.env
        if env.off and step.id in env.off:  # not applicable: counts 0, evaluates nothing
            run.amounts[step.id] = ZERO
            if run.scores is not None:
                run.scores[step.id] = R.NodeScore(step.id, step.title, ZERO, (), step.max, applicable=False)
            if run.values is not None:
                run.values[step.id] = ZERO
            return
        run.lines = lines = None if run.scores is None else []
        value = ZERO
        for handler, op in operations:
            value = handler(op, value, step, run)
            if value is evaluate.STOP:  # a `zero if` held: 0, and nothing after it applies
                value = ZERO
                break
        run.amounts[step.id] = value
        if step.completion is not None:
            run.completion[step.id] = self._completion(step.completion, env, run.completion)
        if run.values is not None:
            run.values[step.id] = value
        if lines is not None:
            complete, missing = run.completion.get(step.id, (None, ()))
            run.scores[step.id] = R.NodeScore(step.id, step.title, value, tuple(lines), step.max,
                                              complete=complete, missing=missing)

    def _veto(self, step: ops.VetoStep, run: _Run, _=None) -> None:
        if run.env.eval(step.condition):
            run.vetoes.append(step)

    def _total(self, step: ops.TotalStep, run: _Run, operations) -> None:
        run.lines = lines = None if run.scores is None else []
        value = ZERO
        for handler, op in operations:
            value = handler(op, value, step, run)
        run.amounts[TOTAL] = value
        if lines is not None:
            run.scores[TOTAL] = R.NodeScore(TOTAL, step.title, value, tuple(lines), step.max)

    # ---- operations: each returns the new value, and adds its line when explaining ----------

    def _sum(self, op: ops.Sum, value: Decimal, step, run: _Run) -> Decimal:
        """The terms' amounts, then each child as it counts in its parent."""
        amounts, lines = run.amounts, run.lines
        for term in op.terms:
            value += amounts[term]
        if lines is not None:
            lines.extend(run.term_lines[term] for term in op.terms)
        for child in op.children:
            if child.weight is None and lines is None:  # the common case, without a call
                value += amounts[child.child]  # 0 for a child that does not apply
            else:
                value += self._child(child, run)
        if op.start is not None:  # evaluated last, as the item reads it; its line goes first
            env = run.env
            start = op.start.value if op.start.__class__ is _CONST else env.eval(op.start)
            if lines is not None:
                lines.insert(0, R.Line(R.START, step.id, "start", start, self._words.value(op.start, env, start),
                                       step.lead, op.span))
            value += start
        return value

    def _child(self, child: ops.Child, run: _Run) -> Decimal:
        """A child counts with its value, or, weighted, with W × value × 100 / max."""
        env, lines = run.env, run.lines
        if env.off and child.child in env.off:
            if lines is not None:
                lines.append(R.Line(R.CHILD, child.child, child.title, ZERO,
                                    self._words.not_applicable(child, env), child.lead, child.span))
            return ZERO
        child_value = run.amounts[child.child]
        if child.weight is None:
            if lines is not None:
                lines.append(R.Line(R.CHILD, child.child, child.title, child_value, "", child.lead, child.span))
            return child_value
        weight, _ = BODIES[child.weight.__class__](child.weight, env)
        on_hundred = divide(CONTEXT.multiply(child_value, HUNDRED), child.max)
        amount = CONTEXT.multiply(weight, on_hundred)
        if child.round is not None:
            amount = quantize(amount, child.round.places, child.round.mode)
        if lines is not None:
            detail = self._words.weight(child, env, weight, on_hundred, child_value)
            lines.append(R.Line(R.CHILD, child.child, child.title, amount, detail, child.lead, child.span))
        return amount

    def _zero_if(self, op: ops.ZeroIf, value: Decimal, step, run: _Run) -> Decimal | None:
        env, lines = run.env, run.lines
        holds = bool(env.eval(op.condition))
        if lines is not None:  # held: what it took away; not holding: what it compared, for 0
            lines.append(R.Line(R.ZERO, step.id, op.text, -value if holds else ZERO,
                                self._words.zero(op, env, holds), step.lead, op.span))
        return evaluate.STOP if holds else value

    def _scale(self, op: ops.Scale, value: Decimal, step, run: _Run) -> Decimal:
        env = run.env
        factor = env.eval(op.factor)
        scaled = CONTEXT.multiply(value, factor)
        if run.lines is not None:
            run.lines.append(R.Line(R.COEFFICIENT, step.id, "coefficient", scaled - value,
                                    self._words.coefficient(op.factor, env, value, factor, scaled), step.lead,
                                    op.span))
        return scaled

    def _round_op(self, op: ops.Round, value: Decimal, step, run: _Run) -> Decimal:
        rounded = quantize(value, op.places, op.mode)
        if rounded != value and run.lines is not None:
            run.lines.append(R.Line(R.ROUND, step.id, "rounding", rounded - value,
                                    f"{show(value)} → {show(rounded)} ({op.mode}, {op.places} places)", step.lead))
        return rounded

    def _clamp(self, op: ops.Clamp, value: Decimal, step, run: _Run) -> Decimal:
        floor, cap, lines = op.floor, op.cap, run.lines
        if floor is not None and value < floor:
            if lines is not None:
                lines.append(R.Line(R.FLOOR, step.id, "until zero", floor - value,
                                    f"{show(value)} is below {show(floor)} → {show(floor)}", step.lead,
                                    op.floor_span))
            value = floor
        if cap is None:
            return value
        if op.deduction:
            if value < -cap:
                if lines is not None:
                    lines.append(R.Line(R.CAP, step.id, f"max {show(cap)}", -cap - value,
                                        f"deduction {show(-value)} is over {show(cap)} → {show(-cap)}", step.lead,
                                        op.cap_span))
                value = -cap
        elif value > cap:
            if lines is not None:
                detail = (f"items add up to {show(value)}, over the max {show(cap)} → {show(cap)}" if op.of_items
                          else f"{show(value)} is over the max {show(cap)} → {show(cap)}")
                lines.append(R.Line(R.CAP, step.id, f"max {show(cap)}", cap - value, detail, step.lead, op.cap_span))
            value = cap
        return value

    def _veto_total(self, op: ops.Veto, value: Decimal, step, run: _Run) -> Decimal:
        if not run.vetoes:
            return value
        if run.lines is not None:
            run.lines.append(R.Line(R.VETO, step.id, "veto", -value,
                                    self._words.vetoes(run.vetoes, run.env), step.lead,
                                    op.span))
        return ZERO

    @staticmethod
    def _completion(complete: ops.Complete, env: Env, completion) -> tuple[bool | None, tuple[str, ...]]:
        """Own unmet requirements, and whether the item and its applicable children are complete
        (``completion``: that of the items computed so far that track it)."""
        missing: list[str] = []
        for requirement in complete.requires:
            if requirement.evidence is not None:
                present = env.values[requirement.evidence.name]
                missing += [m.label or m.name for m in requirement.evidence.type.members if m.name not in present]
            elif not env.eval(requirement.condition):
                missing.append(requirement.text)
        states = [completion[c][0] for c in complete.children if c in completion and c not in env.off]
        states = [s for s in states if s is not None]
        if not complete.requires and not states:
            return None, ()
        return (not missing and all(states)), tuple(missing)
