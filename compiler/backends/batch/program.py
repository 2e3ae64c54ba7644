"""A compiled batch program: the policy's operations (:func:`assessc.core.lower.lower`) as
vectorised closures (:mod:`.steps`), and the loop that scores columns chunk by chunk.

Scoring one chunk takes two passes, as the interpreter does per entity:

1. **applicability** -- for every ``applies if`` of the program, outermost first, the mask of
   rows for which the item (and each of its ancestors) applies;
2. **values** -- the total, which evaluates its items, which evaluate their terms and sub-items,
   each running its operations in the program's order (see :mod:`.steps`).

Rows for which the interpreter would stop (a division by zero, a lookup
with no row, a date outside the calendar) are marked while scoring; at the
end they are scored again by the interpreter, whose diagnostics the run
reports (so messages are the interpreter's own). Facts read only by items
that may not apply are checked per row as the fact loader does: needed
where an item reading them applies, and a value is an error elsewhere.
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping, Sequence

import numpy as np

from assessc.backends.batch import kernels as K
from assessc.backends.batch.columns import Columns
from assessc.backends.batch.constants import base_scale
from assessc.backends.batch.errors import Site
from assessc.backends.batch.exprs import Compiler
from assessc.backends.batch.layout import FactLayout, Vocab, fact_layout
from assessc.backends.batch.steps import CompiledSteps
from assessc.backends.batch.values import and_mask
from assessc.core import ops
from assessc.core.lower import lower
from assessc.graph.nodes import ScoringGraph
from assessc.ir import nodes as ir

CHUNK_ROWS = 65536


class BatchProgram:
    """A policy compiled for the batch engine; see :func:`compile_batch`."""

    def __init__(self, graph: ScoringGraph, fact_places: Mapping[str, int] | int | None = None):
        self.graph = graph
        self.policy: ir.Policy = graph.policy
        policy = self.policy
        #: the policy's operations (:mod:`assessc.core.ops`), which the engine compiles
        self.lowered = program = lower(graph)
        self.layouts: dict[str, FactLayout] = {f.name: fact_layout(f, fact_places) for f in policy.facts}
        self.vocab = Vocab(_seed_strings(policy))
        self.base_scale = base_scale(program, self.layouts)
        site = Site(policy.span and f"{policy.span.path}:{policy.span.line}" or policy.name, policy.span)
        self._compiler = Compiler(self.layouts, self.vocab, self.base_scale, site)
        # Twice: the first pass finds the scale each item's parts add up at; the second
        # computes each unweighted child at its parent's scale from the start, so the
        # factor that brings it there folds into its constants instead of costing a
        # multiplication of every row (the values are the same, exactly).
        compiled = CompiledSteps(program, self._compiler)
        compiled = CompiledSteps(program, self._compiler, compiled.child_targets())
        self.items = compiled.items
        self.total = compiled.total
        #: the reasons of the vetoes, in the order of a run's veto bits
        self.veto_reasons = tuple(veto.reason for veto in compiled.vetoes)
        self._applies = [(applies.item, self.items[applies.item].applies, applies.under)
                         for applies in program.applies]
        self.item_ids = [step.id for step in program.steps if isinstance(step, ops.ItemStep)]
        #: the policy's scale: every node value is an integer number of 10**-scale
        self.scale = max([self.items[i].num.scale for i in self.item_ids] + [self.total.scale])
        #: each item's values are kept at the item's own scale (no multiplication to
        #: store them, and the smallest integer type); totals at the policy's scale
        self.scales = {i: self.items[i].num.scale for i in self.item_ids}
        self.scales["total"] = self.scale
        self.dtypes = {}
        for node_id in [*self.item_ids, "total"]:
            num = self.total if node_id == "total" else self.items[node_id].num
            scale = self.scales[node_id]
            self._compiler.check(num.lo, num.hi, scale, f"the value of `{node_id}`")
            lo, hi = int(num.lo * 10 ** scale), int(num.hi * 10 ** scale)
            self.dtypes[node_id] = K.int_dtype(min(lo, hi) - 1, max(lo, hi) + 1)
        self.optional = program.optional
        self._optional_contexts = _optional_contexts(program, self.optional)
        self._interpreter = None

    # ---- scoring -----------------------------------------------------------------------
    def score(self, columns: Columns, *, chunk_rows: int = CHUNK_ROWS,
              progress: Callable[[int, int], None] | None = None, keep: Iterable[str] | None = None):
        """Score every row of ``columns``; a :class:`~.run.BatchRun`.

        ``keep`` names the items whose values the run keeps besides the total
        (default: every item); keeping only totals saves a column per item, which
        at millions of rows is most of the memory a run needs.

        Raises the API's ``FactsError`` (facts needed by the items that apply
        are missing, or given where none apply) or ``ScoringError`` (a rule
        cannot be computed for some entity), with the interpreter's
        diagnostics; :class:`BatchUnsupported` if a division is not exact at
        the engine's scale for some entity.
        """
        from assessc.backends.batch.run import BatchRun

        n = columns.n
        _warm_allocator(chunk_rows)
        wanted = None if keep is None else set(keep)
        unknown = sorted((wanted or set()) - set(self.item_ids) - {"total"})
        if unknown:
            raise KeyError(f"no item {unknown[0]!r} in this policy")
        kept = self.item_ids if wanted is None else [i for i in self.item_ids if i in wanted]
        outputs = {node_id: np.empty(n, dtype=self.dtypes[node_id]) for node_id in [*kept, "total"]}
        off_items = [i for i in self.item_ids if self.items[i].may_be_off]
        applicable = {i: np.ones(n, dtype=bool) for i in off_items}
        veto_bits = np.zeros(n, dtype=np.uint64) if self.veto_reasons else None
        failed: list[int] = []
        fact_problems: list[int] = []
        for start in range(0, n, chunk_rows):
            stop = min(n, start + chunk_rows)
            chunk = columns.chunk(start, stop)
            with np.errstate(all="ignore"):
                self._applicability(chunk)
                bad = self._check_optional(chunk, columns)
                if bad is not None:
                    fact_problems.extend(int(i) + start for i in np.flatnonzero(bad))
                    chunk.failed |= bad
                chunk.raw, chunk.vetoes, chunk.outputs, chunk.scale = {}, [], outputs, self.scale
                total = self.total.fn(chunk, None)
            if chunk.failed.any():
                failed.extend(int(i) + start for i in np.flatnonzero(chunk.failed))
            outputs["total"][start:stop] = _to_scale(total, self.total.scale, self.scale)
            for node_id in off_items:
                on = chunk.on[node_id]
                applicable[node_id][start:stop] = True if on is None else on
            for k, holds in enumerate(chunk.vetoes):
                if holds is not None:
                    veto_bits[start:stop] |= np.where(holds, np.uint64(1 << k), np.uint64(0))
            if progress is not None:
                progress(stop, n)
        if fact_problems:
            self._report_fact_problems(columns, fact_problems)
        if failed:
            self._report_failures(columns, sorted(set(failed) - set(fact_problems)))
        return BatchRun(self, columns, outputs, applicable, veto_bits)

    def _applicability(self, chunk) -> None:
        """``chunk.on``: each item's mask of the rows it applies to (None: every row)."""
        on = chunk.on = dict.fromkeys(self.item_ids)
        for item, applies, under in self._applies:  # outermost first: `on[item]` is its parent's
            mask = on[item]
            holds = applies.fn(chunk, mask)
            if holds is False or (isinstance(holds, (bool, np.bool_)) and not holds):
                holds = np.zeros(chunk.n, dtype=bool)
            on[item] = mask = and_mask(mask, None if holds is True else holds)
            for inner in under:
                on[inner] = mask

    def _check_optional(self, chunk, columns: Columns):
        """Rows where an optional fact is missing though needed, or given though not."""
        bad = None
        for name, contexts in self._optional_contexts.items():
            present = columns.present.get(name)
            if present is None:
                continue
            present = present[chunk.start:chunk.stop]
            needed = np.zeros(chunk.n, dtype=bool)
            for kind, node_id in contexts:
                if kind == "always":
                    needed[:] = True
                    break
                mask = chunk.on[node_id] if node_id is not None else None
                if mask is None:
                    needed[:] = True
                    break
                needed |= mask
            wrong = needed != present
            if wrong.any():
                bad = wrong if bad is None else bad | wrong
        return bad

    # ---- failures, reported as the interpreter reports them ----------------------------------
    def interpreter(self):
        if self._interpreter is None:
            from assessc.backends.interp import Interpreter

            self._interpreter = Interpreter(self.graph)
        return self._interpreter

    def _report_fact_problems(self, columns: Columns, rows: list[int]) -> None:
        from assessc.api import FactsError
        from assessc.diagnostics import DiagnosticBag

        bag = DiagnosticBag()
        for row in rows:
            _check_applicable_facts(self, columns.ids[row], columns.row_values(row), bag, columns.span(row))
        if not bag.has_errors:  # pragma: no cover - the engine marks exactly the rows the loader rejects
            raise AssertionError("the batch engine rejected facts that the loader accepts")
        raise FactsError(bag.sorted())

    def _report_failures(self, columns: Columns, rows: list[int]) -> None:
        from assessc.api import ScoringError
        from assessc.backends.interp import EvaluationError
        from assessc.diagnostics import DiagnosticBag, codes

        bag = DiagnosticBag()
        interpreter = self.interpreter()
        for row in rows:
            entity = columns.ids[row]
            try:
                interpreter.score(entity, columns.row_values(row))
            except EvaluationError as error:
                bag.add(codes.EVALUATION_FAILED, error.span,
                        f"entity `{error.entity}`: item `{error.node_id}`: {error.message}")
            else:  # pragma: no cover - the engine marks exactly the rows the interpreter fails on
                raise AssertionError(f"the batch engine could not score entity `{entity}`, which the interpreter scores")
        if bag.has_errors:
            raise ScoringError(bag.sorted())

    # ---- inputs ------------------------------------------------------------------------------
    def columns_from_facts(self, facts) -> Columns:
        """Columns from a loaded :class:`~assessc.facts.model.FactSet` (any input format)."""
        from assessc.backends.batch.convert import from_entities

        return from_entities(self, [e.id for e in facts.entities], [e.values for e in facts.entities],
                             [e.span for e in facts.entities], facts.source)

    def columns_from_values(self, ids: Sequence[str], values: Sequence[Mapping[str, object]]) -> Columns:
        """Columns from typed values, as :meth:`assessc.api.Policy.score_values` takes them
        (an absent fact takes its default); the policy's `require` checks are tried on them."""
        from assessc.backends.batch.convert import from_entities

        if self.policy.fact_checks:
            _check_values(self, ids, values)
        return from_entities(self, list(ids), list(values), None, "", check_applicable=False)

    def columns_from_arrays(self, arrays: Mapping[str, "np.ndarray"], ids: Sequence[str] | None = None,
                            places: Mapping[str, int] | None = None) -> Columns:
        """Columns from NumPy arrays, one per fact: bools for ``bool`` facts, integers
        for numbers, ``places[name]`` decimal places in a number array's integers
        (9537 with 4 places is 0.9537); checked as files are, used without a copy
        where possible. ``ids`` name the entities (by default "1", "2", …)."""
        from assessc.backends.batch.arrays import from_arrays

        return from_arrays(self, arrays, ids, places)

    def read_csv(self, path, tables=None, progress=None) -> Columns:
        from assessc.backends.batch.readers import read_csv

        return read_csv(self, path, tables or {}, progress)

    def read_parquet(self, path, tables=None, progress=None) -> Columns:
        from assessc.backends.batch.parquet import read_parquet

        return read_parquet(self, path, tables or {}, progress)


def _check_values(program, ids: Sequence[str], values: Sequence[Mapping[str, object]]) -> None:
    """The policy's `require` checks on typed values, defaults filled in (D0613 for each failure)."""
    from assessc.api import FactsError
    from assessc.diagnostics import DiagnosticBag
    from assessc.facts.checks import check_entity

    bag = DiagnosticBag()
    defaults = {f.name: f.default for f in program.policy.facts if f.default is not None}
    for entity, given in zip(ids, values):
        check_entity(entity, {**defaults, **given}, program.policy.fact_checks, bag)
    if bag.has_errors:
        raise FactsError(bag.sorted())


def _warm_allocator(chunk_rows: int) -> None:
    """Free one block larger than a chunk's temporaries first: glibc's malloc then
    serves those temporaries from its heap, reused chunk after chunk, instead of
    mapping fresh pages for each (a page fault per 4 KiB, several times slower)."""
    np.empty(chunk_rows * 256, dtype=np.uint8)


def _to_scale(values, scale: int, target: int):
    if not isinstance(values, np.ndarray):
        values = np.int64(values)
    if scale != target:
        values = values * 10 ** (target - scale)
    return values


# ---- which optional facts each context reads -------------------------------------------------


def _optional_contexts(program: ops.Program, optional) -> dict[str, list[tuple[str, str | None]]]:
    """Optional fact -> the contexts reading it: ("node", id) read where item id
    applies; ("parent", id) read where its parent applies (an `applies if`)."""
    contexts: dict[str, list] = {name: [] for name in optional}
    for reads in program.reads:
        for name in reads.applies & optional:
            contexts[name].append(("parent", reads.parent))
        for name in reads.own & optional:
            contexts[name].append(("node", reads.item))
    return contexts


def _check_applicable_facts(program: BatchProgram, entity: str, values, bag, span) -> None:
    """The fact loader's per-entity check (see ``assessc.api.Policy``), for one row."""
    from assessc.core.exact import Env
    from assessc.diagnostics import codes
    from assessc.ir.applicability import needed_facts
    from assessc.runtime.applicable import applicability_problems, undecided

    try:
        inactive = program.interpreter().inactive(Env(values))
    except KeyError as missing:
        code, message, help = undecided(entity, missing.args[0])
        bag.add(codes.REGISTRY[code], span, message, help)
        return
    problems = applicability_problems(entity, program.optional, needed_facts(program.policy, inactive), values,
                                      inactive)
    for code, message, help in problems:
        bag.add(codes.REGISTRY[code], span, message, help)


def _seed_strings(policy: ir.Policy) -> list[str]:
    names: list[str] = []
    for fact in policy.facts:
        names += list(fact.type.member_names)
        for field in fact.type.fields:
            names += list(field.type.member_names)
    if policy.periods is not None:
        names += [m.name for m in policy.periods.members]
    return names
