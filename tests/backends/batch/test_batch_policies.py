"""The batch engine scores every bundled policy it supports exactly as the interpreter does,
on the bundled facts and on random facts; the others it refuses, saying why and where."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("numpy")
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessc.api import load_policy
from assessc.backends.batch import BatchUnsupported, compile_batch
from batch_support import assert_same, differential
from fact_strategies import entity_values

ROOT = Path(__file__).resolve().parents[3]
POLICIES = ROOT / "policies"
BUNDLED = sorted(p for p in POLICIES.glob("*.assess"))
#: policies the batch engine refuses, and a phrase of the reason
REFUSED = {"liangshan_2017": "weighted amount of `1.13` is not exact"}


def facts_file(path: Path) -> Path:
    return next(path.parent / f"{path.stem}.facts.{ext}" for ext in ("csv", "json", "xlsx")
                if (path.parent / f"{path.stem}.facts.{ext}").exists())


@pytest.fixture(scope="module", params=[p.stem for p in BUNDLED])
def bundled(request):
    path = POLICIES / f"{request.param}.assess"
    return request.param, load_policy(path), facts_file(path)


def test_bundled_facts_score_as_the_interpreter_scores_them(bundled):
    name, policy, facts_path = bundled
    facts = policy.load_facts(facts_path)
    program = compile_batch(policy)
    if name in REFUSED:
        with pytest.raises(BatchUnsupported, match=REFUSED[name]) as refused:
            program.score(program.columns_from_facts(facts))
        assert f"{name}.assess:" in str(refused.value) and "--engine interp" in str(refused.value)
        return
    run = program.score(program.columns_from_facts(facts))
    assert_same(policy, run, policy.score_facts(facts).results)


def test_bundled_csv_read_by_the_fast_reader_scores_the_same(bundled):
    name, policy, facts_path = bundled
    if facts_path.suffix != ".csv":
        pytest.skip("no CSV facts")
    program = compile_batch(policy)
    run = program.score(program.read_csv(facts_path))
    assert_same(policy, run, policy.score_file(facts_path).results)


@pytest.mark.parametrize("name", [p.stem for p in BUNDLED if p.stem not in REFUSED])
def test_random_facts_score_as_the_interpreter_scores_them(name):
    policy = load_policy(POLICIES / f"{name}.assess")

    @settings(max_examples=12, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(entity_values(policy.ir.facts), min_size=1, max_size=6))
    def check(entities):
        assert differential(policy, entities) == len(entities)

    check()
