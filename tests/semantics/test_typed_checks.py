"""The checks a Policy builds once per fact for ``score_values``: counts and ranks take a
shortcut for plain ints in range, which must decide every value as the general rules do."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assessc.facts.typed import check_typed, checker
from assessc.facts.values import BadValue
from assessc.ir.types import FactType, Kind

D = Decimal
NEVER = D("0.5")  # a default no value below equals: a checker with it takes the general rules every time


class Whole(int):
    pass


WHOLE_TYPES = [FactType(kind, low, high) for kind in (Kind.COUNT, Kind.RANK)
               for low, high in [(None, None), (D(2), D("7.5")), (None, D(14)), (D("-3"), None), (D("0.5"), D(3))]]
VALUES = [-5, -1, 0, 1, 2, 3, 7, 8, 14, 15, 2 ** 63, 10 ** 30, -10 ** 30, True, False, 1.0, D(2), D("2.0"), D("2.5"),
          D("-0"), D("NaN"), D("Infinity"), D("1E+2"), "3", None, Whole(3)]


def _outcome(check, value):
    try:
        result = check(value)
    except BadValue as problem:
        return problem.code.code, problem.text, problem.help
    return repr(result), type(result).__name__


@pytest.mark.parametrize("ftype", WHOLE_TYPES, ids=lambda t: f"{t.kind.value}-{t.low}-{t.high}")
def test_the_shortcut_for_ints_decides_as_the_general_rules(ftype):
    shortcut, general = checker(ftype), checker(ftype, NEVER)
    for value in VALUES:
        assert _outcome(shortcut, value) == _outcome(general, value), value
        assert _outcome(shortcut, value) == _outcome(lambda v: check_typed(v, ftype), value), value


def test_an_int_equal_to_the_default_is_the_default():
    default = D("0.0")
    assert repr(checker(FactType(Kind.COUNT), default)(0)) == "Decimal('0.0')"
    assert repr(checker(FactType(Kind.COUNT))(0)) == "Decimal('0')"
