"""Differential test: random policies (``policy_strategies``) on random facts, batch
engine against the interpreter, value for value. Policies or inputs the batch engine
refuses (a division that is not exact at its scale, a form it does not compute) are
counted, and most examples must be compared. Rounding ties (x.xx5) and zero floors get
a policy of their own under every rounding mode; and a batch engine whose rounding is
changed fails the comparison, so the test can fail."""

from __future__ import annotations

import functools
import hashlib
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("numpy")
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from assessc.api import PolicyError, load_policy
from assessc.backends.batch import kernels
from assessc.runtime.decimals import ROUNDING_MODES
from batch_support import differential
from fact_strategies import entity_values
from policy_strategies import GeneratedPolicy, policies

pytestmark = pytest.mark.slow  # a long generated, differential or database run: `pytest -m slow`

_WORKDIR = tempfile.TemporaryDirectory(prefix="assess-batch-")
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def _write(text: str) -> Path:
    path = Path(_WORKDIR.name) / (hashlib.sha1(text.encode("utf-8")).hexdigest()[:20] + ".assess")
    path.write_text(text, encoding="utf-8")
    return path


@functools.lru_cache(maxsize=256)
def compile_text(text: str):
    """The policy, or None if the compiler rejects what the generator drew (the
    generator's own tests cover that)."""
    try:
        return load_policy(_write(text))
    except PolicyError:
        return None


def test_random_policies_score_as_the_interpreter_scores_them():
    outcome = {"compared": 0, "refused": 0}

    @settings(max_examples=150, derandomize=True, deadline=None, database=None, suppress_health_check=_HEALTH)
    @given(policies(), st.data())
    def check(generated: GeneratedPolicy, data):
        policy = compile_text(generated.text)
        assume(policy is not None)
        entities = data.draw(st.lists(entity_values(policy.ir.facts), min_size=3, max_size=8), label="entities")
        compared = differential(policy, entities)
        outcome["compared" if compared else "refused"] += 1

    check()
    # Refused: the engine declines a policy or a quotient it cannot compute exactly (by design), or
    # both engines fail on an entity. Which examples are drawn shifts with what else the run has
    # imported; most must still be compared, or the comparison says little.
    assert outcome["compared"] >= outcome["refused"] + 10, outcome


# ---- rounding ties and zero floors, every mode ----------------------------------------------

TIES = """
facts {
  n: count 0..40 "件数"
  rate: percent "比率"
  ok: bool "达标"
}

policy ties "ties" {
  round each 2 places MODE
  item 1 "ties" max 10 {
    start 1
    deduct 0.125 per n
    add 0.005 if ok
    until zero
  }
  item 2 "rate" max 5 {
    add 2.5 * rate
    deduct 0.015 per n
  }
  penalty 减分 "减分" max 0.5 {
    deduct 0.025 per n
  }
}
"""

MODES = ROUNDING_MODES


def tie_entities() -> list[dict]:
    entities = []
    for n in range(0, 12):
        for rate in ("0", "0.0010", "0.0030", "0.0050", "0.9990", "1"):
            entities.append({"n": Decimal(n), "rate": Decimal(rate), "ok": n % 2 == 0})
    return entities


@pytest.mark.parametrize("mode", MODES)
def test_ties_and_zero_floors_in_every_rounding_mode(mode):
    policy = load_policy(_write(TIES.replace("MODE", mode)))
    entities = tie_entities()
    assert differential(policy, entities) == len(entities)


def test_the_comparison_fails_when_the_engine_rounds_differently(monkeypatch):
    """Ties to even where the policy says 四舍五入: the differential check must notice."""
    policy = load_policy(_write(TIES.replace("MODE", "half_up")))
    original = kernels.round_units

    def wrong(x, drop, mode):
        return original(x, drop, "half_even" if mode == "half_up" else mode)

    monkeypatch.setattr(kernels, "round_units", wrong)
    with pytest.raises(AssertionError, match="!="):
        differential(policy, tie_entities())
