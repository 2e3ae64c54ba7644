"""Hypothesis strategies for typed fact values, driven by the declared types.

Values are generated already typed (as the facts loader produces them), in
and only in the range the policy declares, so every generated entity is a
valid input.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import strategies as st

from assessc.ir.types import FactDecl, Kind
from assessc.runtime.workdays import covered_years

_OPEN_HIGH = Decimal(40)  # an upper end for unbounded numeric facts


def _bounded_decimals(low: Decimal, high: Decimal, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=low, max_value=high, places=places, allow_nan=False, allow_infinity=False)


def value_strategy(fact: FactDecl) -> st.SearchStrategy:
    t = fact.type
    low = t.low if t.low is not None else Decimal(0)
    high = t.high if t.high is not None else max(low, Decimal(0)) + _OPEN_HIGH
    if t.kind in (Kind.COUNT, Kind.RANK):
        return st.integers(int(low), int(high)).map(Decimal)
    if t.kind in (Kind.DECIMAL, Kind.AMOUNT):
        values = _bounded_decimals(low, high, 2)
        if fact.default is not None:
            values = st.one_of(values, st.just(fact.default))
        return values
    if t.kind is Kind.PERCENT:
        return _bounded_decimals(low, high, 4)
    if t.kind is Kind.BOOL:
        return st.booleans()
    if t.kind is Kind.DATE:  # within the years the working-day calendar covers
        first, last = covered_years()
        return st.dates(datetime.date(first, 1, 1), datetime.date(last, 12, 31))
    if t.kind is Kind.TEXT:
        return st.sampled_from(["甲", "乙", "丙", "丁"])  # few values, so groups repeat
    if t.kind is Kind.ENUM:
        return st.sampled_from(t.member_names)
    if t.kind is Kind.EVIDENCE:
        return st.frozensets(st.sampled_from(t.member_names))
    if t.kind is Kind.LEDGER:
        entry = st.fixed_dictionaries({f.name: value_strategy(f) for f in t.fields})
        return st.lists(entry, max_size=15).map(tuple)
    raise AssertionError(f"no strategy for {t.kind}")


def entity_values(facts) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({f.name: value_strategy(f) for f in facts})
