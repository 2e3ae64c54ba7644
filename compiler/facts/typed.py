"""Checking values that a program passes already typed (``Policy.score_values``).

A file's cells go through :mod:`assessc.facts.values`; a program's values are
checked here against the same rules, with the same codes and help: numbers are
``Decimal`` (an ``int`` is taken as the same whole number; a ``float`` is
refused, since it is rarely the decimal that was meant), percents are fractions
(``Decimal("0.95")``), ranges hold, enum members and evidence items are
declared. Ledger entries are not checked field by field here.

:func:`checker` works out a fact's bounds and members once and returns the
check for its values; a :class:`~assessc.api.Policy` builds one per fact when
it is loaded, so scoring an entity does not redo that work for every value.
"""

from __future__ import annotations

import datetime
import decimal
import sys
from decimal import Decimal
from typing import Callable

from assessc.diagnostics import codes
from assessc.facts import numeric
from assessc.facts.messages import show
from assessc.facts.values import BadValue, allowed
from assessc.ir.types import INTEGER_KINDS, NUMERIC_KINDS, FactType, Kind

Check = Callable[[object], object]


def check_typed(value: object, ftype: FactType, default: object = None) -> object:
    """``value`` as the interpreter takes it, or :class:`BadValue` saying why not.
    The fact's ``default`` is accepted as it is (as for a blank cell, it need not
    be in range: `amount 1..3 default 0`)."""
    return checker(ftype, default)(value)


def checker(ftype: FactType, default: object = None) -> Check:
    """The check :func:`check_typed` makes for a fact of type ``ftype``, as a function of the value."""
    kind = ftype.kind
    if kind in NUMERIC_KINDS:
        return _number_checker(ftype, default)
    if kind is Kind.BOOL:
        return _instance_checker(bool, "`True` or `False`", ftype)
    if kind is Kind.DATE:
        return _date_checker(ftype)
    if kind is Kind.TEXT:
        return _instance_checker(str, "a `str`", ftype)
    if kind is Kind.ENUM:
        return _enum_checker(ftype)
    if kind is Kind.EVIDENCE:
        return _evidence_checker(ftype)
    if kind is Kind.LEDGER:
        return _ledger_checker(ftype)
    return lambda value: value  # pragma: no cover - every kind is handled above


_BELOW_ALL, _ABOVE_ALL = Decimal("-Infinity"), Decimal("Infinity")
# Counts and ranks are mostly small. Decimals are immutable, so those are made once and shared
# rather than made (and kept with every result) for each value checked.
_SMALL = {n: Decimal(n) for n in range(1000)}


def _number_checker(ftype: FactType, default: object) -> Check:
    low, high = numeric.bounds(ftype)
    low = _BELOW_ALL if low is None else low  # an open end as an infinite bound: one comparison per value
    high = _ABOVE_ALL if high is None else high
    whole = ftype.kind in INTEGER_KINDS

    def check(value: object) -> object:
        kind = type(value)
        # ints and Decimals, the usual values, are told apart without the slower isinstance tests
        if kind is not int and kind is not Decimal and (isinstance(value, bool) or not isinstance(value, (int, Decimal))):
            raise _wrong(value, "a `Decimal` or an `int`" + (" (a float is not exact)" if isinstance(value, float) else ""),
                         ftype)
        if default is not None and value == default:
            return default
        if kind is int or isinstance(value, int):
            number = Decimal(value)  # whole and finite
        else:
            number = value
            if not number.is_finite():
                raise _wrong(value, "a finite number", ftype)
            if whole and number != number.to_integral_value():
                raise _wrong(value, "a whole number", ftype)
        if not low <= number <= high:
            raise BadValue(codes.FACT_OUT_OF_RANGE, f"is `{show(number)}`, outside its range", _allowed(ftype))
        if numeric.too_wide(number):
            raise BadValue(codes.FACT_OUT_OF_RANGE, f"is `{show(number)}`, a number with more digits than a fact may have",
                           f"{_allowed(ftype)}, with at most {numeric.MAX_DIGITS} digits")
        return number

    if not whole or default is not None:
        return check
    # Counts and ranks are mostly plain ints: one in the range, compared as ints, needs no other test.
    # Any other value (or an int beyond sys.maxsize) goes through `check`, which gives the same
    # Decimal for such an int.
    int_low = int(low.to_integral_value(rounding=decimal.ROUND_CEILING)) if low.is_finite() else -sys.maxsize
    int_high = int(high.to_integral_value(rounding=decimal.ROUND_FLOOR)) if high.is_finite() else sys.maxsize

    def check_whole(value: object) -> object:
        if type(value) is int and int_low <= value <= int_high:
            number = _SMALL.get(value)
            return Decimal(value) if number is None else number
        return check(value)

    return check_whole


def _instance_checker(kind: type, noun: str, ftype: FactType) -> Check:
    def check(value: object) -> object:
        if isinstance(value, kind):
            return value
        raise _wrong(value, noun, ftype)

    return check


def _date_checker(ftype: FactType) -> Check:
    def check(value: object) -> object:
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value
        raise _wrong(value, "a `datetime.date`", ftype)

    return check


def _enum_checker(ftype: FactType) -> Check:
    names = ftype.member_names

    def check(value: object) -> object:
        if isinstance(value, str) and value in names:
            return value
        raise BadValue(codes.UNKNOWN_FACT_VALUE, f"is `{value!r}`, not one of its members",
                       f"allowed: {', '.join(names)} (members by name)")

    return check


def _evidence_checker(ftype: FactType) -> Check:
    names = ftype.member_names

    def check(value: object) -> object:
        if isinstance(value, (frozenset, set)) and all(isinstance(v, str) for v in value):
            unknown = sorted(set(value) - set(names))
            if not unknown:
                return frozenset(value)
            raise BadValue(codes.UNKNOWN_FACT_VALUE, f"names items it does not declare: {', '.join(unknown)}",
                           f"allowed: {', '.join(names)} (items by name)")
        raise _wrong(value, "a `frozenset` of item names", ftype)

    return check


def _ledger_checker(ftype: FactType) -> Check:
    def check(value: object) -> object:
        if isinstance(value, (tuple, list)) and all(hasattr(e, "get") for e in value):
            return tuple(value)
        raise _wrong(value, "a tuple of entries (mappings)", ftype)

    return check


def _allowed(ftype: FactType) -> str:
    text = allowed(ftype)
    if ftype.kind is Kind.BOOL:
        return "allowed: True or False"
    if ftype.kind is Kind.PERCENT:
        return "allowed: " + numeric.effective_type(ftype).describe() + " (as a fraction: Decimal('0.95') is 95%)"
    return text


def _wrong(value: object, noun: str, ftype: FactType) -> BadValue:
    return BadValue(codes.WRONG_FACT_TYPE, f"is `{value!r}` of type `{type(value).__name__}`, not {noun}",
                    _allowed(ftype))
