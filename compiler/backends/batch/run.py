"""The result of a batch run: columns of node values, and the objects of
:mod:`assessc.backends.results` made from them on demand.

Node values are held as integers at the program's scale (``value =
units / 10**scale``) in the smallest integer type their static interval
fits. :meth:`BatchRun.to_score_run` builds the usual
:class:`~assessc.backends.results.ScoreRun` (values only: explanation lines
and completion are the interpreter's business); :meth:`BatchRun.results`
gives the :class:`~assessc.backends.scored.Results` every output reads,
without building an :class:`~assessc.backends.results.EntityResult` per
entity.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Mapping

import numpy as np

from assessc.backends import results as R
from assessc.runtime.decimals import CONTEXT, show


class BatchRun:
    def __init__(self, program, columns, outputs: Mapping[str, np.ndarray], applicable: Mapping[str, np.ndarray],
                 veto_bits: np.ndarray | None):
        self.program = program
        self.columns = columns
        self.policy_name = program.policy.name
        self.ids = columns.ids
        self.scale = program.scale
        self.nodes = dict(outputs)
        self.totals = self.nodes.pop("total")
        self.applicable = dict(applicable)
        self.veto_bits = veto_bits
        self._run: R.ScoreRun | None = None

    def __len__(self) -> int:
        return len(self.ids)

    # ---- single values --------------------------------------------------------------
    def decimal(self, units, scale: int | None = None) -> Decimal:
        """``units`` of 10**-scale (by default the policy's scale, that of the totals)."""
        scale = self.scale if scale is None else scale
        return Decimal(int(units)).scaleb(-scale, CONTEXT) if scale else Decimal(int(units))

    def total(self, row: int) -> Decimal:
        return self.decimal(self.totals[row])

    def value(self, row: int, node_id: str) -> Decimal:
        if node_id == "total":
            return self.total(row)
        return self.decimal(self._column(node_id)[row], self.program.scales[node_id])

    def _column(self, node_id: str) -> np.ndarray:
        found = self.nodes.get(node_id)
        if found is None:
            if node_id in self.program.items:
                raise KeyError(f"item {node_id!r} was not kept by this run: score with keep=None (every item) "
                               "or name it in keep")
            raise KeyError(f"no item {node_id!r} in this policy")
        return found

    def vetoed(self, row: int) -> tuple[str, ...]:
        if self.veto_bits is None:
            return ()
        bits = int(self.veto_bits[row])
        return tuple(reason for k, reason in enumerate(self.program.veto_reasons) if bits >> k & 1)

    def row(self, entity: str) -> int:
        if not hasattr(self, "_index"):
            self._index = {e: i for i, e in enumerate(self.ids)}
        return self._index[entity]

    def entity_result(self, row: int) -> R.EntityResult:
        steps = self.program.lowered.by_id  # each item's title and max
        nodes = {}
        for node_id in self.program.item_ids:
            item = steps[node_id]
            on = self.applicable.get(node_id)
            nodes[node_id] = R.NodeScore(node_id, item.title, self.value(row, node_id), (), item.max,
                                         applicable=True if on is None else bool(on[row]))
        total = self.total(row)
        whole = steps["total"]
        nodes["total"] = R.NodeScore("total", whole.title, total, (), whole.max)
        return R.EntityResult(self.ids[row], total, nodes, self.vetoed(row))

    def to_score_run(self) -> R.ScoreRun:
        """The run as per-entity objects (values only, no explanation lines)."""
        if self._run is None:
            self._run = R.ScoreRun(self.policy_name, tuple(self.entity_result(i) for i in range(len(self))))
        return self._run

    def fact_values(self) -> Mapping[str, Mapping[str, object]]:
        """Each entity's typed facts, read from the columns when asked for."""
        return _LazyValues(self)

    # ---- ranking ----------------------------------------------------------------------
    def ranks(self) -> tuple[np.ndarray, np.ndarray]:
        """(competition rank of every row, how many rows share its total)."""
        keys = np.negative(self.totals, dtype=np.int64)  # highest total first
        ascending = np.sort(keys)
        small = np.int32 if len(keys) < 2**31 else np.int64  # half the memory at millions of rows
        rank = np.searchsorted(ascending, keys, side="left").astype(small)
        shared = np.searchsorted(ascending, keys, side="right").astype(small)
        del keys, ascending
        shared -= rank
        rank += 1
        return rank, shared

    def order(self) -> np.ndarray:
        """Rows by total, highest first; ties keep input order."""
        return np.argsort(-self.totals.astype(np.int64), kind="stable")

    # ---- output ---------------------------------------------------------------------------
    def results(self):
        """The run as :class:`~assessc.backends.scored.Results`, the model every output reads:
        the standings decided as for the interpreter (outcome rules read the facts from the
        columns), node values shown from the columns chunk by chunk."""
        from assessc.backends.scored import results_of

        program = self.program
        values, inverse = np.unique(self.totals, return_inverse=True)
        decimals = [self.decimal(v) for v in values.tolist()]
        shown_totals = [decimals[k] for k in inverse.reshape(-1).tolist()]
        facts = self.fact_values()
        return results_of(program.policy, program.graph, self.ids, self.totals.tolist(), self._vetoes_by_row(),
                          rows=_Rows(self), engine="batch", facts=lambda i: facts[self.ids[i]],
                          item_keys=lambda item: self._column(item).tolist(), shown_totals=shown_totals,
                          item_values=self._item_decimals)

    def _item_decimals(self, item: str) -> list[Decimal]:
        """An item's value for every row, as Decimals (grades and `score()` read them)."""
        scale = self.program.scales[item]
        values, inverse = np.unique(self._column(item), return_inverse=True)
        decimals = [self.decimal(v, scale) for v in values.tolist()]
        return [decimals[k] for k in inverse.reshape(-1).tolist()]

    def _vetoes_by_row(self) -> list[tuple[str, ...]]:
        n = len(self)
        if self.veto_bits is None:
            return [()] * n
        reasons = self.program.veto_reasons
        values, inverse = np.unique(self.veto_bits, return_inverse=True)
        texts = [tuple(r for k, r in enumerate(reasons) if int(v) >> k & 1) for v in values.tolist()]
        return [texts[k] for k in inverse.reshape(-1).tolist()]

    def write_csv(self, path: str | Path) -> None:
        """The CSV of ``assessc score -o out.csv`` (the same bytes as the interpreter's)."""
        from assessc.reports.standings import write_file

        write_file(self.results(), path, "csv")

    def csv_text(self) -> str:
        from assessc.reports import standings
        from assessc.reports.tabular import csv_text

        results = self.results()
        return csv_text(standings.header(results), standings.rows(results))

    def _texts(self, units: np.ndarray, scale: int) -> list[str]:
        values, inverse = np.unique(units, return_inverse=True)
        texts = np.array([show(self.decimal(v, scale)) for v in values], dtype=object)
        return texts[inverse.reshape(-1)].tolist()


class _Rows:
    """Every row's node values as text, in row order, made a chunk at a time."""

    def __init__(self, run: BatchRun, chunk_rows: int = 65536):
        self.run, self.chunk_rows = run, chunk_rows

    def __iter__(self):
        run = self.run
        ids = run.program.item_ids
        for start in range(0, len(run), self.chunk_rows):
            stop = min(len(run), start + self.chunk_rows)
            columns = [run._texts(run._column(i)[start:stop], run.program.scales[i]) for i in ids]
            if not columns:
                yield from ((),) * (stop - start)
                continue
            yield from zip(*columns)


class _LazyValues(Mapping):
    def __init__(self, run: BatchRun):
        self.run = run

    def __getitem__(self, entity: str):
        return self.run.columns.row_values(self.run.row(entity))

    def __iter__(self):
        return iter(self.run.ids)

    def __len__(self) -> int:
        return len(self.run.ids)
