"""Facts as columns: one NumPy array per fact, one row per entity.

A :class:`Columns` is tied to the layout of one compiled program (see
:mod:`assessc.backends.batch.layout`). Scoring walks it in chunks of rows
(:meth:`Columns.chunk`), so temporaries stay small and are reused.

Columns are made by the fast readers (:mod:`.readers`), or from typed values
(:meth:`BatchProgram.columns_from_facts`, :meth:`BatchProgram.columns_from_values`),
and can give one entity's typed values back (:meth:`Columns.row_values`), as
the fact loader would have produced them.
"""

from __future__ import annotations

import datetime
import types
from decimal import Decimal
from typing import Mapping, Sequence

import numpy as np

from assessc.backends.batch.layout import FactLayout, Vocab
from assessc.ir.types import NUMERIC_KINDS, Kind
from assessc.runtime.decimals import CONTEXT


class Ledger:
    """The entries of one ledger fact for every entity, in entity order.

    Entity ``i``'s entries are ``offsets[i]:offsets[i+1]`` of every field array.
    """

    def __init__(self, offsets: np.ndarray, fields: Mapping[str, np.ndarray], present: Mapping[str, np.ndarray] | None = None):
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.fields = dict(fields)
        #: field name -> entries where the field has a value (fields with no default may be blank)
        self.present = dict(present or {})

    def slice(self, start: int, stop: int) -> "LedgerChunk":
        lo, hi = int(self.offsets[start]), int(self.offsets[stop])
        offsets = self.offsets[start:stop + 1] - lo
        counts = np.diff(offsets)
        owner = np.repeat(np.arange(stop - start, dtype=np.int64), counts)
        return LedgerChunk(offsets, owner, {k: v[lo:hi] for k, v in self.fields.items()})


class LedgerChunk:
    __slots__ = ("offsets", "owner", "fields", "n")

    def __init__(self, offsets, owner, fields):
        self.offsets, self.owner, self.fields = offsets, owner, fields
        self.n = len(owner)


class Chunk:
    """Rows ``start:stop`` of some columns, as one scoring pass sees them."""

    def __init__(self, columns: "Columns", start: int, stop: int):
        self.columns = columns
        self.start, self.stop = start, stop
        self.n = stop - start
        self.failed = np.zeros(self.n, dtype=bool)
        self._cache: dict = {}

    def col(self, name: str):
        found = self._cache.get(name)
        if found is None:
            found = self._cache[name] = self.columns.data[name][self.start:self.stop]
        return found

    def num(self, name: str):
        key = ("num", name)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self.col(name).astype(np.int64, copy=False)
        return found

    def ledger(self, name: str) -> LedgerChunk:
        key = ("ledger", name)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self.columns.ledgers[name].slice(self.start, self.stop)
        return found

    def fail(self, bad, mask) -> None:
        rows = bad if mask is None else (bad & mask)
        if np.any(rows):
            self.failed |= rows

    def entity(self, row: int) -> str:
        return self.columns.ids[self.start + row]

    def first(self, rows) -> int:
        return int(np.flatnonzero(rows)[0])


class EntryChunk:
    """The entries of one ledger for the rows of a chunk, for ``where (…)`` and points."""

    def __init__(self, chunk: Chunk, ledger: LedgerChunk):
        self.parent, self.ledger = chunk, ledger
        self.n = ledger.n
        self._cache: dict = {}

    def field(self, name: str):
        return self.ledger.fields[name]

    def field_num(self, name: str):
        return self.ledger.fields[name].astype(np.int64, copy=False)

    def col(self, name: str):
        return self.parent.col(name)[self.ledger.owner]

    def num(self, name: str):
        return self.parent.num(name)[self.ledger.owner]

    def entry_ledger(self, name):  # pragma: no cover - guarded at compile time
        raise AssertionError("a ledger inside a ledger filter")

    def fail(self, bad, mask) -> None:
        rows = bad if mask is None else (bad & mask)
        if np.any(rows):
            self.parent.failed[self.ledger.owner[rows]] = True

    def entity(self, entry: int) -> str:
        return self.parent.entity(int(self.ledger.owner[entry]))

    def first(self, rows) -> int:
        return int(np.flatnonzero(rows)[0])


class Columns:
    """Every entity's facts, one array per fact (see the module docstring)."""

    def __init__(self, layouts: Mapping[str, FactLayout], ids: Sequence[str], data: Mapping[str, np.ndarray],
                 present: Mapping[str, np.ndarray], ledgers: Mapping[str, Ledger], vocab: Vocab, source: str = "",
                 spans: Sequence | None = None):
        self.layouts = layouts
        self.ids = ids
        self.data = dict(data)
        #: optional facts (read only by items that may not apply): rows that give a value
        self.present = dict(present)
        self.ledgers = dict(ledgers)
        self.vocab = vocab
        self.source = source
        self.spans = spans

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def n(self) -> int:
        return len(self.ids)

    def chunk(self, start: int, stop: int) -> Chunk:
        return Chunk(self, start, stop)

    def span(self, row: int):
        return self.spans[row] if self.spans is not None else None

    # ---- back to typed values ------------------------------------------------------
    def row_values(self, row: int) -> dict[str, object]:
        """Entity ``row``'s facts as the fact loader types them (absent optional facts left out)."""
        values: dict[str, object] = {}
        for name, layout in self.layouts.items():
            if layout.kind is Kind.LEDGER:
                if name in self.ledgers:
                    values[name] = self._entries(layout, row)
                continue
            if name not in self.data:
                continue
            present = self.present.get(name)
            if present is not None and not present[row]:
                continue
            values[name] = self._value(layout, self.data[name][row])
        return values

    def _value(self, layout: FactLayout, raw) -> object:
        kind = layout.kind
        if kind in NUMERIC_KINDS:
            return Decimal(int(raw)).scaleb(-layout.places, CONTEXT) if layout.places else Decimal(int(raw))
        if kind is Kind.BOOL:
            return bool(raw)
        if kind in (Kind.ENUM, Kind.TEXT):
            return self.vocab.names[int(raw)]
        if kind is Kind.DATE:
            return datetime.date.fromordinal(int(raw))
        if kind is Kind.EVIDENCE:
            bits = int(raw)
            return frozenset(m for m, b in layout.bits.items() if bits >> b & 1)
        raise AssertionError(kind)  # pragma: no cover

    def _entries(self, layout: FactLayout, row: int) -> tuple:
        ledger = self.ledgers[layout.name]
        lo, hi = int(ledger.offsets[row]), int(ledger.offsets[row + 1])
        entries = []
        for k in range(lo, hi):
            entry = {}
            for field, sub in layout.fields.items():
                if field not in ledger.fields:
                    continue
                present = ledger.present.get(field)
                if present is not None and not present[k]:
                    continue
                entry[field] = self._value(sub, ledger.fields[field][k])
            entries.append(types.MappingProxyType(entry))
        return tuple(entries)
