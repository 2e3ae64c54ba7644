"""Helpers shared by the batch engine's tests: compare a batch run with the interpreter."""

from __future__ import annotations

import decimal

from assessc.backends.batch import BatchUnsupported, compile_batch
from assessc.runtime.decimals import CONTEXT


def assert_same(policy, batch_run, interp_results) -> None:
    """Every entity's total, every item's value and applicability, and the vetoes agree."""
    assert len(batch_run) == len(interp_results)
    for row, expected in enumerate(interp_results):
        got = batch_run.entity_result(row)
        where = f"entity `{expected.entity}`"
        assert got.entity == expected.entity, where
        assert got.total == expected.total, f"{where}: total {got.total} != {expected.total}"
        assert got.vetoed == expected.vetoed, where
        assert list(got.nodes) == list(expected.nodes), where
        for node_id, score in expected.nodes.items():
            mine = got.nodes[node_id]
            assert mine.value == score.value, f"{where}: `{node_id}` {mine.value} != {score.value}"
            assert mine.applicable == score.applicable, f"{where}: `{node_id}` applicability"


def differential(policy, entities: list[dict]):
    """Score typed entities with both engines; None when the batch engine refuses
    (with a message), else the number of entities compared. Any difference fails."""
    try:
        program = compile_batch(policy)
    except BatchUnsupported as refused:
        assert str(refused)
        return None
    ids = [f"e{k}" for k in range(len(entities))]
    expected, failed = [], False
    from assessc.api import AssessError

    for entity, values in zip(ids, entities):
        try:
            with decimal.localcontext(CONTEXT):
                expected.append(policy.score_values(entity, values))
        except AssessError:
            failed = True
    try:
        columns = program.columns_from_values(ids, entities)
        run = program.score(columns)
    except BatchUnsupported as refused:
        assert str(refused)
        return None
    except AssessError:
        assert failed, "the batch engine failed where the interpreter scored every entity"
        return None
    assert not failed, "the interpreter failed where the batch engine scored every entity"
    assert_same(policy, run, expected)
    return len(entities)
