"""A compiled batch program: the policy's items as vectorised closures, and
the loop that scores columns chunk by chunk.

Scoring one chunk takes two passes, as the interpreter does per entity:

1. **applicability** -- for every item in tree order, the mask of rows for
   which it (and each of its ancestors) applies;
2. **values** -- the total, which evaluates its items, which evaluate their
   rules and sub-items: ``start + Σ rules + Σ sub-items``, then ``zero if``,
   ``coefficient``, ``round each``, ``until zero``, ``max`` (a penalty's
   ``max`` bounds the deduction), then 0 where the item does not apply; a
   weighted sub-item counts ``W × value × 100 / max``, rounded under
   ``round each``. The total is ``min(Σ items × coefficient, max) + Σ bonuses
   + Σ penalties``, 0 if a veto holds, then rounded.

Rows for which the interpreter would stop (a division by zero, a lookup
with no row, a date outside the calendar) are marked while scoring; at the
end they are scored again by the interpreter, whose diagnostics the run
reports (so messages are the interpreter's own). Facts read only by items
that may not apply are checked per row as the fact loader does: needed
where an item reading them applies, and a value is an error elsewhere.
"""

from __future__ import annotations

import time
from decimal import Decimal
from fractions import Fraction as Fr
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np

from assessc.backends.batch import kernels as K
from assessc.backends.batch.columns import Columns
from assessc.backends.batch.compile import Compiler, Cond, Num, and_mask
from assessc.backends.batch.errors import BatchOverflow
from assessc.backends.batch.layout import FactLayout, Vocab, fact_layout
from assessc.graph.nodes import ITEM, ScoringGraph
from assessc.ir import nodes as ir
from assessc.ir.applicability import optional_facts, own_reads
from assessc.ir.types import Kind
from assessc.ir.walk import facts_of_expr

CHUNK_ROWS = 65536


class _ItemProgram:
    __slots__ = ("node", "applies", "parent", "num", "may_be_off", "children", "sum_scale")

    def __init__(self, node: ir.Node, parent: str | None):
        self.node, self.parent = node, parent
        self.applies: Cond | None = None
        self.num: Num | None = None
        self.may_be_off = False
        self.children: list["_ItemProgram"] = []
        #: the scale its parts add up at (its children are brought to it)
        self.sum_scale = 0


class BatchProgram:
    """A policy compiled for the batch engine; see :func:`compile_batch`."""

    def __init__(self, graph: ScoringGraph, fact_places: Mapping[str, int] | int | None = None):
        self.graph = graph
        self.policy: ir.Policy = graph.policy
        policy = self.policy
        self.layouts: dict[str, FactLayout] = {f.name: fact_layout(f, fact_places) for f in policy.facts}
        self.vocab = Vocab(_seed_strings(policy))
        self._compiler = Compiler(policy, self.layouts, self.vocab)
        self.base_scale = self._compiler.base_scale
        # Twice: the first pass finds the scale each item's parts add up at; the second
        # computes each unweighted child at its parent's scale from the start, so the
        # factor that brings it there folds into its constants instead of costing a
        # multiplication of every row (the values are the same, exactly).
        self._targets: dict[str, int] = {}
        self._compile_items()
        self._targets = {child.node.id: prog.sum_scale for prog in self.items.values() for child in prog.children
                         if child.node.weight is None}
        self._compile_items()
        self._vetoes = [self._compiler.cond(v.condition) for v in policy.vetoes]
        self.total = self._total()
        self.item_ids = [n.id for n in graph.order if n.kind == ITEM]
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
        self.optional = optional_facts(policy)
        self._optional_contexts = _optional_contexts(policy, self.optional)
        self._interpreter = None

    # ---- compiling items -----------------------------------------------------------
    def _compile_items(self) -> None:
        policy = self.policy
        self.items: dict[str, _ItemProgram] = {}
        self._tops = [self._item(top, None, False) for top in (*policy.items, *policy.bonuses, *policy.penalties)]

    def _item(self, node: ir.Node, parent: str | None, parent_off: bool) -> _ItemProgram:
        c = self._compiler
        prog = self.items[node.id] = _ItemProgram(node, parent)
        site = c.locate(node.span)
        c.site = site
        if node.applies is not None:
            prog.applies = c.cond(node.applies)
        prog.may_be_off = parent_off or (node.applies is not None and prog.applies.const is not True)
        prog.children = [self._item(child, node.id, prog.may_be_off) for child in node.children]
        c.site = site
        what = f"item `{node.id}`"
        parts: list[Num] = []
        if node.start is not None:
            parts.append(c.number(node.start))
        for term in node.terms:
            c.site = c.locate(term.span, site)
            parts.append(self._term(term))
        c.site = site
        parts += [self._contribution(child) for child in prog.children]
        value = c.sum(parts, what)
        prog.sum_scale = value.scale
        target = self._targets.get(node.id, value.scale)
        if target > value.scale:
            value = c.align(value, target, what)
        raw = Num(_raw_reader(node.id), value.scale, value.lo, value.hi)
        rest = raw
        if node.coefficient is not None:
            rest = c.mul(rest, c.number(node.coefficient), what)
        rest = c.round(rest, c.round_each, what)
        cap = node.max if node.max is not None and not node.uncapped else None
        if node.kind == "penalty":  # the floor, then `max N` bounds the deduction
            lowest = [b for b in (node.floor, -cap if cap is not None else None) if b is not None]
            rest = c.clamp(rest, max(lowest) if lowest else None, None, what)
        else:
            rest = c.clamp(rest, node.floor, cap, what)
        zeros = [c.cond(z.condition) for z in node.zero_if]
        zeros = [z for z in zeros if not (z.const is False and not z.fallible)]
        lo, hi = rest.lo, rest.hi
        if zeros or prog.may_be_off:
            lo, hi = min(lo, Fr(0)), max(hi, Fr(0))
        if any(z.const is True for z in zeros):
            lo = hi = Fr(0)
        prog.num = Num(_item_runner(node.id, value, rest, zeros, rest.scale), rest.scale, lo, hi, None, True)
        return prog

    def _term(self, term: ir.Term) -> Num:
        c = self._compiler
        what = f"`{' '.join(term.text.split())}`"
        value = c.body(term.body, what)
        if term.sign < 0:
            value = c.neg(value)
        value = c.round(value, c.round_each, what)
        if term.condition is not None:
            value = c.where(c.cond(term.condition), value)
        return value

    def _contribution(self, prog: _ItemProgram) -> Num:
        """What a child (or a top-level node) adds to its parent (or the total)."""
        c = self._compiler
        child = prog.node
        stored = prog.num  # its runner scores the child (once) and stores its value
        value = Num(stored.fn, stored.scale, stored.lo, stored.hi)
        if child.weight is None:
            return value
        c.site = c.locate(child.span)
        what = f"the weighted amount of `{child.id}`"
        weight = c.body(child.weight, what)
        if child.max is None:  # pragma: no cover - the compiler requires a max on weighted items
            raise c.unsupported("a weight on an item without `max`", child.span)
        on_hundred = c.div(c.mul(value, c.const(100), what), c.const(Fr(child.max)), what)
        amount = c.round(c.mul(weight, on_hundred, what), c.round_each, what)
        lo, hi = amount.lo, amount.hi
        if prog.may_be_off:
            lo, hi = min(lo, Fr(0)), max(hi, Fr(0))
        return Num(_weighted_runner(child.id, amount), amount.scale, lo, hi, None, True)

    def _total(self) -> Num:
        c = self._compiler
        policy = self.policy
        c.site = c.locate(policy.span)
        what = "the total"
        items = [self._contribution(self.items[top.id]) for top in policy.items]
        main = c.sum(items, what)
        if policy.coefficient is not None:
            main = c.mul(main, c.number(policy.coefficient), what)
        if policy.max is not None:
            main = c.clamp(main, None, policy.max, what)
        extras = [self._contribution(self.items[node.id]) for node in (*policy.bonuses, *policy.penalties)]
        value = c.sum([main, *extras], what)
        if self._vetoes:
            value = Num(_veto_runner(value, self._vetoes), value.scale, min(value.lo, Fr(0)), max(value.hi, Fr(0)), None, True)
        return c.round(value, policy.rounding, what)

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
        veto_bits = np.zeros(n, dtype=np.uint64) if self._vetoes else None
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
        chunk.on = {}
        for prog in self.items.values():  # parents come before their children
            mask = chunk.on[prog.parent] if prog.parent is not None else None
            if prog.applies is not None:
                holds = prog.applies.fn(chunk, mask)
                if holds is False or (isinstance(holds, (bool, np.bool_)) and not holds):
                    holds = np.zeros(chunk.n, dtype=bool)
                mask = and_mask(mask, None if holds is True else holds)
            chunk.on[prog.node.id] = mask

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
        (an absent fact takes its default)."""
        from assessc.backends.batch.convert import from_entities

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
        from assessc.backends.batch.readers import read_parquet

        return read_parquet(self, path, tables or {}, progress)


def _warm_allocator(chunk_rows: int) -> None:
    """Free one block larger than a chunk's temporaries first: glibc's malloc then
    serves those temporaries from its heap, reused chunk after chunk, instead of
    mapping fresh pages for each (a page fault per 4 KiB, several times slower)."""
    np.empty(chunk_rows * 256, dtype=np.uint8)


# ---- runtime closures -----------------------------------------------------------------------


def _raw_reader(node_id: str):
    return lambda c, m: c.raw[node_id]


def _item_runner(node_id: str, value: Num, rest: Num, zeros: list[Cond], scale: int):
    fv, fr = value.fn, rest.fn
    zero_fns = [(z.fn, z.fallible, z.const) for z in zeros]
    rest_fallible = rest.fallible

    def run(c, parent_mask):
        m = c.on[node_id]
        raw = fv(c, m)
        c.raw[node_id] = raw
        if zero_fns:
            zeroed = None
            remaining = m
            for fz, fallible, const in zero_fns:
                holds = fz(c, remaining if fallible else m)
                if not isinstance(holds, np.ndarray):
                    holds = np.full(c.n, bool(holds))
                zeroed = holds if zeroed is None else (zeroed | holds)
                remaining = and_mask(m, ~zeroed)
            result = fr(c, remaining if rest_fallible else m)
            result = result * ~zeroed
        else:
            result = fr(c, m)
        if m is not None:
            result = result * m
        elif not isinstance(result, np.ndarray):
            result = np.full(c.n, result, dtype=np.int64)
        del c.raw[node_id]
        out = c.outputs.get(node_id)
        if out is not None:
            out[c.start:c.stop] = result
        return result

    return run


def _weighted_runner(node_id: str, amount: Num):
    fa = amount.fn

    def run(c, parent_mask):
        on = c.on[node_id]
        value = fa(c, on)
        return value if on is None else value * on

    return run


def _veto_runner(value: Num, vetoes: list[Cond]):
    fv = value.fn

    def run(c, m):
        result = fv(c, m)
        vetoed = None
        for veto in vetoes:
            holds = veto.fn(c, None)
            if not isinstance(holds, np.ndarray):
                holds = np.full(c.n, bool(holds))
            c.vetoes.append(holds)
            vetoed = holds if vetoed is None else vetoed | holds
        return result * ~vetoed

    return run


def _to_scale(values, scale: int, target: int):
    if not isinstance(values, np.ndarray):
        values = np.int64(values)
    if scale != target:
        values = values * 10 ** (target - scale)
    return values


# ---- which optional facts each context reads -------------------------------------------------


def _optional_contexts(policy: ir.Policy, optional) -> dict[str, list[tuple[str, str | None]]]:
    """Optional fact -> the contexts reading it: ("node", id) read where item id
    applies; ("parent", id) read where its parent applies (an `applies if`)."""
    contexts: dict[str, list] = {name: [] for name in optional}

    def visit(node: ir.Node, parent: str | None) -> None:
        for name in facts_of_expr(node.applies) & set(optional):
            contexts[name].append(("parent", parent))
        for name in own_reads(node) & set(optional):
            contexts[name].append(("node", node.id))
        for child in node.children:
            visit(child, node.id)

    for top in (*policy.items, *policy.bonuses, *policy.penalties):
        visit(top, None)
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
