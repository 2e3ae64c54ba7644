"""NumPy arrays a program already holds -> :class:`Columns`, checked, without a copy
where the array can be used as it is.

One array per fact, all of one length: ``bool`` arrays for ``bool`` facts,
integer arrays for numbers, integer bit masks for evidence (bit i set when the
i-th declared item was submitted). A number array holds whole units: ``places`` says
how many decimal places its integers carry (``places={"rate": 4}``: 9537 means
0.9537, i.e. 95.37 % for a percent, which is a fraction). Floats are refused: a
binary float is rarely the decimal that was meant. Every value is checked
against its fact's range, and against the batch engine's scale, as the readers
check cells; problems are a ``FactsError`` naming entity, fact and what is
allowed. Facts of other kinds (enums, texts, dates, ledgers) come through
:meth:`~.program.BatchProgram.columns_from_values` or the file readers.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Mapping, Sequence

import numpy as np

from assessc.backends.batch.columns import Columns
from assessc.backends.batch.convert import MAX_MESSAGES_PER_FACT, Problems, placeholder
from assessc.diagnostics import codes
from assessc.facts.values import allowed
from assessc.ir.types import NUMERIC_KINDS, Kind


def from_arrays(program, arrays: Mapping[str, np.ndarray], ids: Sequence[str] | None = None,
                places: Mapping[str, int] | None = None) -> Columns:
    from assessc.api import FactsError
    from assessc.backends.batch.readers import refuse_fact_checks

    refuse_fact_checks(program, "reading NumPy arrays")
    places = dict(places or {})
    lengths = {len(a) for a in arrays.values()}
    problems = Problems()
    if len(lengths) > 1:
        problems.bag.add(codes.WRONG_FACT_TYPE, None, f"the arrays have different lengths: {sorted(lengths)}",
                         "give one value per entity in every array")
        raise FactsError(problems.bag.sorted())
    n = lengths.pop() if lengths else len(ids or ())
    ids = list(ids) if ids is not None else Numbered(n)
    if len(ids) != n:
        problems.bag.add(codes.WRONG_FACT_TYPE, None, f"{len(ids)} entity ids for arrays of {n} values",
                         "give one id per entity")
        raise FactsError(problems.bag.sorted())
    who = lambda row: f"entity `{ids[row]}`"  # noqa: E731
    for name in sorted(set(arrays) - set(program.layouts)):
        problems.bag.add(codes.UNKNOWN_COLUMN, None, f"array `{name}` names no fact the policy declares", None)
    data, present = {}, {}
    for name, layout in program.layouts.items():
        decl = layout.decl
        array = arrays.get(name)
        if array is None:
            if decl.default is None and name not in program.optional and layout.kind is not Kind.LEDGER:
                problems.add(name, codes.MISSING_FACT, None, f"fact `{name}`: no array given",
                             f"{allowed(decl.type)}; give an array, or declare a default")
                continue
            if layout.kind is Kind.LEDGER:
                problems.add(name, codes.MISSING_FACT, None, f"ledger `{name}` cannot be given as an array",
                             "read ledgers from files (`read_csv(..., tables=...)`) or use `columns_from_values`")
                continue
            if decl.default is None:  # an optional fact given for no entity
                data[name] = np.full(n, placeholder(layout), dtype=np.int64)
                present[name] = np.zeros(n, dtype=bool)
                continue
            from assessc.backends.batch.convert import column_dtype, encode

            data[name] = np.full(n, encode(layout, decl.default, program.vocab), dtype=column_dtype(layout))
            continue
        array = np.asarray(array)
        if layout.kind is Kind.BOOL:
            if array.dtype != np.bool_:
                problems.add(name, codes.WRONG_FACT_TYPE, None,
                             f"fact `{name}`: an array of {array.dtype}, not of bools", allowed(decl.type))
                continue
            data[name] = array
        elif layout.kind in NUMERIC_KINDS:
            column = _numbers(layout, array, places.get(name, 0), problems, who)
            if column is not None:
                data[name] = column
        elif layout.kind is Kind.EVIDENCE:
            column = _masks(layout, array, problems, who)
            if column is not None:
                data[name] = column
        else:
            problems.add(name, codes.WRONG_FACT_TYPE, None, f"fact `{name}` ({decl.type.describe()}) cannot be given "
                         "as an array", "use `columns_from_values`, or read the facts from a file")
        if name in program.optional and name in data:
            present[name] = np.ones(n, dtype=bool)
    problems.finish()
    if problems.has_errors:
        raise FactsError(problems.bag.sorted())
    return Columns(program.layouts, ids, data, present, {}, program.vocab.copy(), "<arrays>")


class Numbered(Sequence):
    """The ids "1", "2", … of entities given without ids, made when read: a
    million Python strings would cost more memory than many facts tables."""

    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [str(i + 1) for i in range(*index.indices(self.n))]
        if not -self.n <= index < self.n:
            raise IndexError(index)
        return str(index % self.n + 1)


def _numbers(layout, array: np.ndarray, given: int, problems: Problems, who):
    name, decl = layout.name, layout.decl
    if not np.issubdtype(array.dtype, np.integer):
        problems.add(name, codes.WRONG_FACT_TYPE, None,
                     f"fact `{name}`: an array of {array.dtype}, not of integers",
                     "give whole units in an integer array and their decimal places in `places` "
                     "(a float is not exact)")
        return None
    if given > layout.places:
        factor = 10 ** (given - layout.places)
        fine = array % factor != 0
        if fine.any():
            for row in np.flatnonzero(fine)[:MAX_MESSAGES_PER_FACT].tolist():
                problems.add(name, codes.WRONG_FACT_TYPE, None,
                             f"{who(row)}: fact `{name}` is `{_show(array[row], given)}`, which has more decimal "
                             f"places than the batch engine keeps for it ({layout.scale_text()})",
                             "round the values, or score with the interpreter, which reads any exact value")
            problems.counts[name] += max(0, int(fine.sum()) - MAX_MESSAGES_PER_FACT)
            return None
        array = array // factor
    elif given < layout.places:
        array = array.astype(np.int64) * 10 ** (layout.places - given)
    lo, hi = int(layout.lo * 10 ** layout.places), int(layout.hi * 10 ** layout.places)
    low, high = (int(array.min()), int(array.max())) if len(array) else (lo, hi)
    if low < lo or high > hi:
        outside = (array < lo) | (array > hi)
        for row in np.flatnonzero(outside)[:MAX_MESSAGES_PER_FACT].tolist():
            value = _show(array[row], layout.places)
            if layout.kind is Kind.PERCENT:
                value += f" ({_show(array[row], layout.places - 2)}%)"
            problems.add(name, codes.FACT_OUT_OF_RANGE, None, f"{who(row)}: fact `{name}` is `{value}`, "
                         "outside its range", _range_help(layout, given))
        problems.counts[name] += max(0, int(outside.sum()) - MAX_MESSAGES_PER_FACT)  # told as "N more"
        return None
    return array


def _masks(layout, array: np.ndarray, problems: Problems, who):
    """Evidence as bit masks: bit i set when the i-th declared item was submitted."""
    from assessc.backends.batch.convert import column_dtype

    name, items = layout.name, list(layout.bits)
    if not np.issubdtype(array.dtype, np.integer):
        problems.add(name, codes.WRONG_FACT_TYPE, None, f"fact `{name}`: an array of {array.dtype}, not of integer "
                     "bit masks", f"bit i is the i-th item: {', '.join(f'{1 << i} = {m}' for i, m in enumerate(items))}")
        return None
    outside = (array < 0) | (array >= 1 << len(items))
    if outside.any():
        for row in np.flatnonzero(outside)[:MAX_MESSAGES_PER_FACT].tolist():
            problems.add(name, codes.UNKNOWN_FACT_VALUE, None, f"{who(row)}: fact `{name}` is the mask {int(array[row])}, "
                         f"which sets a bit beyond its {len(items)} items",
                         f"bit i is the i-th item: {', '.join(f'{1 << i} = {m}' for i, m in enumerate(items))}")
        problems.counts[name] += max(0, int(outside.sum()) - MAX_MESSAGES_PER_FACT)
        return None
    return array.astype(column_dtype(layout), copy=False)


def _range_help(layout, given: int) -> str:
    from assessc.facts.numeric import effective_type

    text = "allowed: " + effective_type(layout.decl.type).describe()
    if layout.kind is Kind.PERCENT:
        text += ", as a fraction"
    if layout.open_high or layout.open_low:
        text += " (the batch engine holds a fact without a declared range within ±1,000,000,000)"
    return text + f"; the array's integers were read with {given} decimal places (set them in `places`)"


def _show(units, places: int) -> str:
    value = Fraction(int(units), 10 ** places) if places >= 0 else Fraction(int(units) * 10 ** -places)
    if value.denominator == 1:
        return str(value.numerator)
    sign = "-" if value < 0 else ""
    whole, rest = divmod(abs(int(units)), 10 ** places)
    return f"{sign}{whole}.{rest:0{places}d}".rstrip("0")
