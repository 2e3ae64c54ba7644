"""The result of a batch run: columns of node values, and the objects of
:mod:`assessc.backends.results` made from them on demand.

Node values are held as integers at the program's scale (``value =
units / 10**scale``) in the smallest integer type their static interval
fits. :meth:`BatchRun.to_score_run` builds the usual
:class:`~assessc.backends.results.ScoreRun` (values only: explanation lines
and completion are the interpreter's business); :meth:`BatchRun.write_csv`
writes the same CSV as ``assessc score -o out.csv`` without building one
object per entity.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Mapping

import numpy as np

from assessc.backends import results as R
from assessc.runtime.decimals import CONTEXT, show

#: a tie shared by more entities than this is written as a count in `tied_with`
TIE_LIST_LIMIT = 50


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
        return tuple(v.reason for k, v in enumerate(self.program.policy.vetoes) if bits >> k & 1)

    def row(self, entity: str) -> int:
        if not hasattr(self, "_index"):
            self._index = {e: i for i, e in enumerate(self.ids)}
        return self._index[entity]

    def entity_result(self, row: int) -> R.EntityResult:
        policy = self.program.policy
        nodes = {}
        for node_id in self.program.item_ids:
            item = self.program.items[node_id].node
            on = self.applicable.get(node_id)
            nodes[node_id] = R.NodeScore(node_id, item.title, self.value(row, node_id), (), item.max,
                                         applicable=True if on is None else bool(on[row]))
        total = self.total(row)
        nodes["total"] = R.NodeScore("total", policy.title, total, (), policy.max)
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
    def write_csv(self, path: str | Path, chunk_rows: int = 65536) -> None:
        """The CSV of ``assessc score -o``: entity, total, rank, tied_with, vetoed, every item.

        In a tie of more than :data:`TIE_LIST_LIMIT` entities, ``tied_with``
        says how many others share the total instead of naming them.
        """
        from assessc.reports.output import atomic_open

        with atomic_open(path, text=True) as handle:
            handle.write("\ufeff")
            self._write_rows(handle, chunk_rows)

    def csv_text(self) -> str:
        buffer = io.StringIO()
        buffer.write("\ufeff")
        self._write_rows(buffer, 65536)
        return buffer.getvalue()

    def _write_rows(self, handle, chunk_rows: int) -> None:
        writer = csv.writer(handle, lineterminator="\n")
        ids = self.program.item_ids
        writer.writerow(["entity", "total", "rank", "tied_with", "vetoed", *ids])
        rank, shared = self.ranks()
        tied = self._tied_with(shared)
        vetoed = self._veto_texts()
        n = len(self)
        for start in range(0, n, chunk_rows):
            stop = min(n, start + chunk_rows)
            columns = [self.ids[start:stop], self._texts(self.totals[start:stop], self.scale),
                       rank[start:stop].astype(str).tolist(), tied(start, stop), vetoed(start, stop)]
            columns += [self._texts(self._column(i)[start:stop], self.program.scales[i]) for i in ids]
            writer.writerows(zip(*columns))

    def _texts(self, units: np.ndarray, scale: int) -> list[str]:
        values, inverse = np.unique(units, return_inverse=True)
        texts = np.array([show(self.decimal(v, scale)) for v in values], dtype=object)
        return texts[inverse.reshape(-1)].tolist()

    def _tied_with(self, shared: np.ndarray):
        """Rows -> the `tied_with` cell: the others with the same total, in input order."""
        small = np.flatnonzero((shared > 1) & (shared <= TIE_LIST_LIMIT))
        names: dict[int, str] = {}
        if len(small):
            groups: dict[int, list[int]] = {}
            for row in small.tolist():
                groups.setdefault(int(self.totals[row]), []).append(row)
            for rows in groups.values():
                for row in rows:
                    names[row] = ";".join(self.ids[r] for r in rows if r != row)
        large = shared > TIE_LIST_LIMIT

        def cells(start: int, stop: int) -> list[str]:
            out = [""] * (stop - start)
            for row in range(start, stop):
                if row in names:
                    out[row - start] = names[row]
            if large[start:stop].any():
                for k in np.flatnonzero(large[start:stop]).tolist():
                    out[k] = f"({int(shared[start + k]) - 1} others)"
            return out

        return cells

    def _veto_texts(self):
        if self.veto_bits is None:
            return lambda start, stop: [""] * (stop - start)
        reasons = [v.reason for v in self.program.policy.vetoes]

        def cells(start: int, stop: int) -> list[str]:
            bits = self.veto_bits[start:stop]
            values, inverse = np.unique(bits, return_inverse=True)
            texts = np.array([";".join(r for k, r in enumerate(reasons) if int(v) >> k & 1) for v in values],
                             dtype=object)
            return texts[inverse.reshape(-1)].tolist()

        return cells

    def ranking_text(self, limit: int = 100) -> str:
        """The ranking table of ``assessc score``; past ``limit`` rows, the top rows and a note."""
        from assessc.reports.tables import format_table, ranking_table

        policy = self.program.policy
        if len(self) <= limit:
            return ranking_table(self.to_score_run(), policy)
        label = policy.entity_label or policy.entity
        rank, shared = self.ranks()
        order = self.order()[:limit]
        rows = []
        for row in order.tolist():
            mark = f"{rank[row]}=" if shared[row] > 1 else str(rank[row])
            rows.append([mark, self.ids[row], show(self.total(row)), "vetoed" if self.vetoed(row) else ""])
        title = f"{policy.title} — {len(self)} {label}"
        table = format_table(["rank", label, "total", ""], rows, right={2})
        ties = int((shared > 1).sum())
        note = (f"… {len(self) - limit:,} more rows; write them all with -o FILE.csv"
                + (f"; {ties:,} entities share their total with another (ties are not broken)" if ties else ""))
        return "\n".join([title, "", table, "", note])


class _LazyValues(Mapping):
    def __init__(self, run: BatchRun):
        self.run = run

    def __getitem__(self, entity: str):
        return self.run.columns.row_values(self.run.row(entity))

    def __iter__(self):
        return iter(self.run.ids)

    def __len__(self) -> int:
        return len(self.run.ids)
