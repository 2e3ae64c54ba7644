"""Shared helpers of the generated-Python backend tests: load a generated module, and compare its
results with the reference interpreter's, node by node and line by line."""

from __future__ import annotations

import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
POLICIES = ROOT / "policies"
if str(ROOT / "tests" / "properties") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests" / "properties"))

from assessc.api import load_policy  # noqa: E402,F401 - for the tests
from assessc.backends.interp import EvaluationError, Interpreter  # noqa: E402
from assessc.core.exact import Env  # noqa: E402
from assessc.backends.pygen import generate  # noqa: E402
from assessc.ir.applicability import needed_facts, optional_facts  # noqa: E402


def load_module(source: str, name: str = "generated_scorer") -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


def scorer_for(policy) -> types.ModuleType:
    return load_module(generate(policy.graph).source)


def applicable_values(policy, values: dict) -> dict:
    """``values`` without the facts that only items not applying to this entity read (the facts
    loader requires them blank there), so that they are valid input for the CLI's checks."""
    optional = optional_facts(policy.ir)
    if not optional:
        return dict(values)
    inactive = Interpreter(policy.graph).inactive(Env(values))
    needed = needed_facts(policy.ir, inactive)
    return {name: value for name, value in values.items() if name not in optional or name in needed}


def reference(policy, entity: str, values: dict):
    """The interpreter's result (typed values, defaults filled in as the loader fills them)."""
    complete = dict(values)
    for fact in policy.ir.facts:
        if fact.name not in complete and fact.default is not None:
            complete[fact.name] = fact.default
    return Interpreter(policy.graph).score(entity, complete)


def line_tuple(line):
    return (line.kind, line.source_id, line.label, line.amount, line.detail)


def differences(policy, module, entity: str, values: dict, *, lines: bool = True, fast: bool = True) -> list:
    """Every way the generated module's result differs from the interpreter's: values of every node,
    vetoes, the items that do not apply, completion, explanation lines; and whether the fast path
    took the input (``fast``). An interpreter error must be the module's ScoringError, word for word."""
    try:
        expected = reference(policy, entity, values)
    except EvaluationError as error:
        try:
            module.score(values, entity=entity)
        except module.ScoringError as mine:
            message = f"entity `{error.entity}`: item `{error.node_id}`: {error.message}"
            return [] if str(mine) == message else [("error message", message, str(mine))]
        return [("no error", str(error))]
    found = []
    results = {"score": module.score(values, entity=entity)}
    typed = module.validate(values, entity=entity)
    explained = {}
    results["exact"] = module._exact(typed, explained, entity)
    if fast:
        try:
            results["fast"] = module._fast(values, entity)
        except Exception as error:  # noqa: BLE001 - reported as a difference
            found.append(("fast path refused", repr(error)))
    for how, result in results.items():
        for node_id, score in expected.nodes.items():
            if result.values[node_id] != score.value:
                found.append((how, node_id, score.value, result.values[node_id]))
        if tuple(result.vetoed) != tuple(expected.vetoed):
            found.append((how, "vetoed", expected.vetoed, result.vetoed))
        off = {node_id for node_id, score in expected.nodes.items() if not score.applicable}
        if set(result.inactive) != off:
            found.append((how, "inactive", off, set(result.inactive)))
        completion = {node_id: (score.complete, tuple(score.missing)) for node_id, score in expected.nodes.items()
                      if score.complete is not None}
        if result.completion != completion:
            found.append((how, "completion", completion, result.completion))
    if lines:
        for node_id, score in expected.nodes.items():
            mine = [line_tuple(line) for line in explained.get(node_id, ())]
            theirs = [line_tuple(line) for line in score.lines]
            if mine != theirs:
                found.append(("lines", node_id, theirs, mine))
    return found
