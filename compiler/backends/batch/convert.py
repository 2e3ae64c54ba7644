"""Typed fact values (as the fact loader makes them) -> :class:`Columns`.

This is the path for JSON and Excel facts, and for values built in
programs: the fact loader has already checked types, ranges and members;
here each value is also checked against the batch engine's layout: a number
must fit its fact's scale exactly, and a fact without a declared end must
stay within :data:`~.layout.OPEN_LIMIT` (see :mod:`.layout`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Mapping, Sequence

import numpy as np

from assessc.backends.batch import kernels as K
from assessc.backends.batch.columns import Columns, Ledger
from assessc.backends.batch.layout import ENTRY_LIMIT, OPEN_LIMIT, FactLayout, Vocab
from assessc.diagnostics import DiagnosticBag, codes
from assessc.ir.types import NUMERIC_KINDS, Kind

MAX_MESSAGES_PER_FACT = 20


class Problems:
    """Diagnostics about values, at most a few per fact, then a count."""

    def __init__(self, bag: DiagnosticBag | None = None):
        self.bag = bag if bag is not None else DiagnosticBag()
        self.counts: dict[str, int] = {}
        self.spans: dict[str, object] = {}

    def add(self, fact: str, code, span, message: str, help: str | None) -> None:
        count = self.counts[fact] = self.counts.get(fact, 0) + 1
        if count <= MAX_MESSAGES_PER_FACT:
            self.bag.add(code, span, message, help)
            self.spans[fact] = span

    def finish(self) -> None:
        for fact, count in self.counts.items():
            if count > MAX_MESSAGES_PER_FACT:
                more = count - MAX_MESSAGES_PER_FACT
                self.bag.add(codes.WRONG_FACT_TYPE, None,
                             f"fact `{fact}`: {more} more value{'s' if more != 1 else ''} like the above",
                             "fix the column and read the file again")

    @property
    def has_errors(self) -> bool:
        return self.bag.has_errors


def scale_problem(layout: FactLayout, who: str, shown: str) -> tuple[str, str]:
    """(message, help) for a value finer than its fact's scale; ``who`` names the cell's owner."""
    message = (f"{who}: fact `{layout.name}` is `{shown}`, which has more decimal places than the "
               f"batch engine keeps for it ({layout.scale_text()}, units of {_unit(layout.places)})")
    return message, "round the value, or score with the interpreter (`--engine interp`), which reads any exact value"


def limit_problem(layout: FactLayout, who: str, shown: str) -> tuple[str, str]:
    message = (f"{who}: fact `{layout.name}` is `{shown}`, beyond what the batch engine accepts for a "
               f"fact without a declared range (at most {OPEN_LIMIT:,} in size)")
    return message, (f"declare a range for `{layout.name}` in the policy, or score with the interpreter "
                     "(`--engine interp`)")


def _unit(places: int) -> str:
    return "1" if places == 0 else "0." + "0" * (places - 1) + "1"


def number_units(layout: FactLayout, value: Decimal) -> tuple[int | None, str | None]:
    """(units, None) or (None, "scale"/"limit")."""
    exact = Fraction(value) * 10 ** layout.places
    if exact.denominator != 1:
        return None, "scale"
    if (layout.open_high and value > OPEN_LIMIT) or (layout.open_low and value < -OPEN_LIMIT):
        return None, "limit"
    return exact.numerator, None


def placeholder(layout: FactLayout) -> int:
    """A value in the fact's domain for rows that leave an optional fact blank."""
    if layout.kind in NUMERIC_KINDS:
        return int(min(max(Fraction(0), layout.lo), layout.hi) * 10 ** layout.places)
    if layout.kind is Kind.DATE:
        return datetime.date(2000, 1, 1).toordinal()
    return 0


def column_dtype(layout: FactLayout):
    kind = layout.kind
    if kind in NUMERIC_KINDS:
        lo, hi = int(layout.lo * 10 ** layout.places), int(layout.hi * 10 ** layout.places)
        return K.int_dtype(min(lo, 0), max(hi, 0))
    if kind is Kind.BOOL:
        return np.bool_
    if kind in (Kind.ENUM, Kind.TEXT, Kind.DATE):
        return np.int32
    if kind is Kind.EVIDENCE:
        return K.mask_dtype(len(layout.bits)) or np.uint64
    raise AssertionError(kind)  # pragma: no cover


def encode(layout: FactLayout, value, vocab: Vocab):
    """The column value of a typed value; raises ValueError("scale"|"limit") for numbers."""
    kind = layout.kind
    if kind in NUMERIC_KINDS:
        units, problem = number_units(layout, value)
        if problem:
            raise ValueError(problem)
        return units
    if kind is Kind.BOOL:
        return bool(value)
    if kind in (Kind.ENUM, Kind.TEXT):
        return vocab.code(str(value))
    if kind is Kind.DATE:
        return value.toordinal()
    if kind is Kind.EVIDENCE:
        bits = 0
        for member in value:
            bits |= 1 << layout.bits[member]
        return bits
    raise AssertionError(kind)  # pragma: no cover


def from_entities(program, ids: Sequence[str], values: Sequence[Mapping[str, object]], spans, source: str,
                  check_applicable: bool = True) -> Columns:
    """``check_applicable``: facts read only by items that may not apply are checked per
    row when scoring, as the fact loader's entities are (typed values given to
    ``score_values`` are not checked)."""
    from assessc.api import FactsError

    n = len(ids)
    vocab = program.vocab.copy()
    problems = Problems()
    data, present, ledgers = {}, {}, {}
    for name, layout in program.layouts.items():
        decl = layout.decl
        if layout.kind is Kind.LEDGER:
            ledgers[name] = _ledger(layout, ids, values, vocab, problems)
            continue
        dtype = column_dtype(layout)
        if dtype is None:
            continue
        column = np.zeros(n, dtype=dtype)
        given = np.ones(n, dtype=bool)
        fill = placeholder(layout)
        for row, entity_values in enumerate(values):
            value = entity_values.get(name)
            if value is None:
                value = decl.default
            if value is None:
                given[row] = False
                column[row] = fill
                continue
            try:
                column[row] = encode(layout, value, vocab)
            except ValueError as problem:
                shown = format(value, "f") if isinstance(value, Decimal) else str(value)
                make = scale_problem if str(problem) == "scale" else limit_problem
                message, help = make(layout, f"entity `{ids[row]}`", shown)
                code = codes.WRONG_FACT_TYPE if str(problem) == "scale" else codes.FACT_OUT_OF_RANGE
                problems.add(name, code, spans[row] if spans else None, message, help)
        data[name] = column
        if name in program.optional and check_applicable:
            present[name] = given
        elif not given.all():
            for row in np.flatnonzero(~given)[:MAX_MESSAGES_PER_FACT]:
                problems.add(name, codes.MISSING_FACT, spans[row] if spans else None,
                                 f"entity `{ids[row]}`: fact `{name}` is missing",
                                 f"allowed: {decl.type.describe()}")
    problems.finish()
    if problems.has_errors:
        raise FactsError(problems.bag.sorted())
    return Columns(program.layouts, list(ids), data, present, ledgers, vocab, source, spans)


def _ledger(layout: FactLayout, ids, values, vocab: Vocab, problems: Problems) -> Ledger:
    counts = np.zeros(len(ids), dtype=np.int64)
    fields: dict[str, list] = {f: [] for f in layout.fields}
    for row, entity_values in enumerate(values):
        entries = entity_values.get(layout.name)
        if entries is None:
            entries = layout.decl.default or ()
        if len(entries) > ENTRY_LIMIT:
            problems.add(layout.name, codes.FACT_OUT_OF_RANGE, None,
                         f"entity `{ids[row]}`: ledger `{layout.name}` has {len(entries):,} entries, more than the "
                         f"batch engine's {ENTRY_LIMIT:,}", "score with the interpreter (`--engine interp`)")
        counts[row] = len(entries)
        for number, entry in enumerate(entries, start=1):
            for field, sub in layout.fields.items():
                value = entry.get(field, sub.decl.default)
                try:
                    fields[field].append(encode(sub, value, vocab) if value is not None else placeholder(sub))
                except ValueError as problem:
                    make = scale_problem if str(problem) == "scale" else limit_problem
                    message, help = make(sub, f"entity `{ids[row]}`: `{layout.name}` entry {number}", str(value))
                    problems.add(layout.name, codes.WRONG_FACT_TYPE, None, message.replace(": fact `", ", field `"), help)
                    fields[field].append(placeholder(sub))
    offsets = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    arrays = {}
    for field, sub in layout.fields.items():
        dtype = column_dtype(sub) if sub.kind is not Kind.LEDGER else None
        arrays[field] = np.array(fields[field], dtype=dtype if dtype is not None else np.int64)
    return Ledger(offsets, arrays)
