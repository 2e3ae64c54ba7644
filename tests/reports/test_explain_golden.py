"""A whole `assessc explain` of one seed entity, kept as a golden file.

桂林 (000, the Guangxi rule book) meets most of the forms an explanation words: deductions per
missing document with the facts they read, evidence items not submitted, floors (扣完为止), a
rank looked up in its band, a condition that holds and one that does not, a `zero if` that
zeroes its item, the total's cap. The generated Python module prints the same text.
Regenerate with ``ASSESS_UPDATE_GOLDEN=1`` after a deliberate change, and read the diff.
"""

from __future__ import annotations

import os
import types
from pathlib import Path

from click.testing import CliRunner

from assessc.api import load_policy
from assessc.backends.pygen import generate
from assessc.cli import main

ROOT = Path(__file__).resolve().parents[2]
UPDATE_GOLDEN = os.environ.get("ASSESS_UPDATE_GOLDEN") == "1"

POLICY = ROOT / "policies" / "guangxi_2017.assess"
FACTS = ROOT / "policies" / "guangxi_2017.facts.csv"
GOLDEN = ROOT / "tests" / "golden" / "explain" / "guangxi_2017.桂林.out"


def test_the_explanation_of_a_seed_entity_is_the_golden_one(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["explain", "policies/guangxi_2017.assess", "policies/guangxi_2017.facts.csv",
                                       "--entity", "桂林"])
    assert result.exit_code == 0, result.output
    if UPDATE_GOLDEN or not GOLDEN.exists():
        GOLDEN.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == GOLDEN.read_text(encoding="utf-8")


def test_the_generated_module_explains_the_seed_entity_word_for_word():
    policy = load_policy(POLICY)
    module = types.ModuleType("scorer")
    exec(compile(generate(policy.graph).source, "<scorer>", "exec"), module.__dict__)
    entity = next(e for e in policy.load_facts(FACTS).entities if e.id == "桂林")
    assert module.score(dict(entity.values), entity="桂林").explain_text() == GOLDEN.read_text(encoding="utf-8")
