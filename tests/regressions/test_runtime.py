"""Regression tests for the runtime a generated scorer shares with assessc: its ``validate()``
reads facts by the loader's own rules (assessc/runtime/factvalues.py), so where the two copies
once differed, the loader's documented behaviour is the one both have now."""

from __future__ import annotations

import json
import types
from decimal import Decimal

import pytest

from assessc.api import FactsError, load_policy
from assessc.backends.pygen import generate
from assessc.diagnostics import codes
from assessc.runtime import applicable, factvalues

POLICY = """
facts {
  grade: enum { 优秀, 合格 }
  note: text
  n: count
}

policy p "p" {
  item 1 "a" max 10 {
    add 5 if grade == 优秀
    add n
  }
}
"""


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    path = tmp_path_factory.mktemp("runtime") / "p.assess"
    path.write_text(POLICY, encoding="utf-8")
    return load_policy(path)


def _module(policy):
    module = types.ModuleType("scorer")
    exec(compile(generate(policy.graph).source, "scorer", "exec"), module.__dict__)  # noqa: S102
    return module


def test_nan_for_a_text_or_enum_fact_is_refused_by_the_generated_module_as_by_the_facts_loader(policy, tmp_path):
    """A generated scorer's validate() took Decimal('NaN') as the text `NaN`, and called it an unknown
    member of an enum (D0605), where the facts loader refuses it as no value of any fact (D0603)."""
    path = tmp_path / "facts.json"
    path.write_text(json.dumps([{"id": "南宁", "grade": "NAN_GRADE", "note": "NAN_NOTE", "n": 1}])
                    .replace('"NAN_GRADE"', "NaN").replace('"NAN_NOTE"', "NaN"), encoding="utf-8")
    with pytest.raises(FactsError) as loader:
        policy.load_facts(path)
    expected = [(d.code.code, d.message, d.help) for d in loader.value.diagnostics]
    assert [e[:2] for e in expected] == [
        ("D0603", "entity `南宁`: fact `grade` is `NaN`, not one of its values"),
        ("D0603", "entity `南宁`: fact `note` is `NaN`, not text")]
    module = _module(policy)
    with pytest.raises(module.FactsError) as mine:
        module.validate({"id": "南宁", "grade": Decimal("NaN"), "note": Decimal("NaN"), "n": 1})
    assert [tuple(p) for p in mine.value.problems] == expected


def test_the_codes_the_shared_runtime_words_problems_with_are_the_registrys():
    """The runtime names its diagnostic codes as text (it cannot import the registry): they must be the registry's."""
    assert codes.REGISTRY[factvalues.MISSING_FACT] is codes.MISSING_FACT
    assert codes.REGISTRY[factvalues.WRONG_FACT_TYPE] is codes.WRONG_FACT_TYPE
    assert codes.REGISTRY[factvalues.FACT_OUT_OF_RANGE] is codes.FACT_OUT_OF_RANGE
    assert codes.REGISTRY[factvalues.UNKNOWN_FACT_VALUE] is codes.UNKNOWN_FACT_VALUE
    assert codes.REGISTRY[applicable.FACT_NOT_APPLICABLE] is codes.FACT_NOT_APPLICABLE
