"""The in-process API for programs that embed assess.

>>> policy = load_policy("policies/guangxi_2017.assess")
>>> run = policy.score_file("policies/guangxi_2017.facts.csv")
>>> run.result("南宁").total
Decimal('20.0')
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

from assessc.backends.interp import EvaluationError, Interpreter
from assessc.backends.results import EntityResult, ScoreRun
from assessc.diagnostics import Diagnostic, DiagnosticBag, codes
from assessc.driver import Compiled, compile_file
from assessc.facts.typed import checker
from assessc.facts.values import BadValue
from assessc.ir.applicability import needed_facts, optional_facts
from assessc.runtime.applicable import applicability_problems, undecided


class AssessError(Exception):
    """An error with diagnostics; ``str()`` renders them as text."""

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        from assessc.diagnostics.render import render_text

        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(render_text(d) for d in self.diagnostics if d.is_error))


class PolicyError(AssessError):
    """The policy file does not compile."""


class FactsError(AssessError):
    """The facts do not fit the policy's declared fact types."""


class ScoringError(AssessError):
    """A rule could not be computed for some entity (e.g. a division by zero)."""


class Policy:
    """A compiled policy, ready to score entities."""

    def __init__(self, compiled: Compiled, diagnostics: Sequence[Diagnostic] = ()):
        self.compiled = compiled
        self.ir = compiled.policy
        self.graph = compiled.graph
        self.warnings = tuple(diagnostics)
        self._interpreter = Interpreter(compiled.graph)
        self._optional = optional_facts(self.ir)
        # one check per fact, its bounds worked out now rather than for every value scored
        self._checks = tuple((fact.name, checker(fact.type, fact.default), fact) for fact in self.ir.facts)

    @property
    def name(self) -> str:
        return self.ir.name

    def load_facts(self, path: str | Path, tables: Mapping[str, str | Path] | None = None, bag: DiagnosticBag | None = None):
        from assessc.facts.load import load_facts

        bag = bag if bag is not None else DiagnosticBag()
        facts = load_facts(path, self.ir.facts, bag, id_columns=self.id_columns, tables=tables or {},
                           optional=self._optional, checks=self.ir.fact_checks)
        if facts is None or bag.has_errors:
            raise FactsError(bag.sorted())
        return facts

    @property
    def id_columns(self) -> tuple[str, ...]:
        from assessc.facts.id_columns import policy_id_columns

        return policy_id_columns(self.ir)

    def score_file(self, path: str | Path, tables: Mapping[str, str | Path] | None = None) -> ScoreRun:
        return self.score_facts(self.load_facts(path, tables))

    def score_facts(self, facts) -> ScoreRun:
        results = self._each_entity(facts, lambda entity: self._interpreter.score(entity.id, entity.values))
        return ScoreRun(self.ir.name, tuple(results))

    def score_table(self, facts, progress=None):
        """Every entity's standing and node values, as every output reads them
        (:class:`~assessc.backends.scored.Results`), without an explanation kept per entity:
        node values wait in a temporary file, so memory grows by little more than a total
        and a rank per entity. ``progress(done, total)`` is called as entities are scored."""
        from assessc.backends.scored import ValueSpool, results_of

        spool = ValueSpool(self.graph)
        interpreter = self._interpreter
        done = 0

        def one(entity):
            nonlocal done
            total, vetoes, values = interpreter.values(entity.id, entity.values)
            spool.add(values, total)
            done += 1
            if progress is not None and done % 512 == 0:
                progress(done, len(facts.entities))
            return total, vetoes

        try:
            scored = self._each_entity(facts, one)
        except BaseException:
            spool.close()
            raise
        if progress is not None:
            progress(len(facts.entities), len(facts.entities))
        entities = [e.id for e in facts.entities]
        return results_of(self.ir, self.graph, entities, [t for t, _ in scored], [v for _, v in scored],
                          facts=lambda i: facts.entities[i].values, rows=spool, engine="interp",
                          item_keys=spool.item_values)

    def _each_entity(self, facts, score) -> list:
        """``score(entity)`` for every entity of ``facts``, in order; every problem of every
        entity is collected first, then raised (FactsError, ScoringError)."""
        bag = DiagnosticBag()
        results = []
        for entity in facts.entities:
            if self._optional and not self._check_applicable_facts(entity.id, entity.values, bag, entity.span):
                continue
            try:
                results.append(score(entity))
            except EvaluationError as error:
                bag.add(codes.EVALUATION_FAILED, error.span, f"entity `{error.entity}`: item `{error.node_id}`: {error.message}")
        if any(d.code.code.startswith("D06") and d.code is not codes.EVALUATION_FAILED for d in bag if d.is_error):
            raise FactsError(bag.sorted())
        if bag.has_errors:
            raise ScoringError(bag.sorted())
        return results

    def _check_applicable_facts(self, entity: str, values: Mapping[str, object], bag: DiagnosticBag, span,
                                given: bool = True) -> bool:
        """Facts read only by items that may not apply: needed exactly where they apply (with
        ``given``, also refused where they do not; typed values are not checked for that)."""
        from assessc.core.exact import Env

        try:
            inactive = self._interpreter.inactive(Env(values))
        except KeyError as missing:
            code, message, help = undecided(entity, missing.args[0])
            bag.add(codes.REGISTRY[code], span, message, help)
            return False
        problems = applicability_problems(entity, self._optional, needed_facts(self.ir, inactive), values, inactive,
                                          given)
        for code, message, help in problems:
            bag.add(codes.REGISTRY[code], span, message, help)
        return not problems

    def score_values(self, entity: str, values: Mapping[str, object]) -> EntityResult:
        """Score one entity from already typed values: Decimal (or int) for
        numbers, percents as fractions, bool, date, str for texts and enum
        members, frozenset for evidence, a tuple of mappings for ledgers.
        Facts that are absent take their declared default; a fact that only
        items which may not apply read may be absent where they do not apply
        (as a blank cell may be). An absent fact without a default where it is
        needed, a value of the wrong type or out of its range, or values that fail one of the
        policy's `require` checks (D0613) is a
        :class:`FactsError` naming the entity, the fact and what is allowed."""
        bag = DiagnosticBag()
        complete = dict(values)
        for name, check, fact in self._checks:
            if name in complete:
                try:
                    complete[name] = check(complete[name])
                except BadValue as problem:
                    bag.add(problem.code, None, f"entity `{entity}`: fact `{name}` {problem.text}", problem.help)
                continue
            if fact.default is not None:
                complete[fact.name] = fact.default
            elif name not in self._optional:  # an optional one is checked below, once all are in
                bag.add(codes.MISSING_FACT, None, f"entity `{entity}`: fact `{fact.name}` is missing",
                        f"allowed: {fact.type.describe()}")
        if not bag.has_errors and any(name not in complete for name in self._optional):
            self._check_applicable_facts(entity, complete, bag, None, given=False)
        if not bag.has_errors and self.ir.fact_checks:
            from assessc.facts.checks import check_entity

            check_entity(entity, complete, self.ir.fact_checks, bag)
        if bag.has_errors:
            raise FactsError(bag.sorted())
        try:
            return self._interpreter.score(entity, complete)
        except EvaluationError as error:
            bag.add(codes.EVALUATION_FAILED, error.span, f"entity `{error.entity}`: item `{error.node_id}`: {error.message}")
            raise ScoringError(bag.sorted()) from None


def load_policy(path: str | Path) -> Policy:
    bag = DiagnosticBag()
    compiled = compile_file(path, bag)
    if compiled is None:
        raise PolicyError(bag.sorted())
    return Policy(compiled, bag.sorted())
