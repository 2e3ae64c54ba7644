"""The batch engine: score many entities at once, exactly, with NumPy int64 fixed point.

>>> from assessc.api import load_policy
>>> from assessc.backends.batch import compile_batch
>>> policy = load_policy("policies/guangxi_2017.assess")
>>> program = compile_batch(policy)
>>> run = program.score(program.read_csv("policies/guangxi_2017.facts.csv"))
>>> run.total(run.row("南宁"))
Decimal('20.0')

Compiling (:func:`compile_batch`) fixes the policy's scale and proves that
no intermediate value can leave int64 for the facts the policy allows, or
raises :class:`BatchOverflow`; a form the engine does not compute raises
:class:`BatchUnsupported` naming it and its line. Scores are those of the
interpreter, value for value (see :mod:`.arith` and :mod:`.steps` for how, and
``docs/embedding.md`` for the rules). NumPy is needed; Parquet input needs
pyarrow.
"""

from __future__ import annotations

from typing import Mapping

from assessc.backends.batch.errors import BatchInexact, BatchOverflow, BatchUnsupported

__all__ = ["BatchInexact", "BatchOverflow", "BatchUnsupported", "compile_batch", "score_file"]


def compile_batch(policy, *, fact_places: Mapping[str, int] | int | None = None):
    """A :class:`~.program.BatchProgram` for ``policy`` (an ``assessc.api.Policy``
    or a scoring graph).

    ``fact_places`` raises the decimal places kept for decimal, amount and
    percent facts (all of them, or by fact name) above the defaults (2 for
    decimals and amounts, 4 for percents as fractions).
    """
    from assessc.backends.batch.program import BatchProgram

    graph = getattr(policy, "graph", policy)
    return BatchProgram(graph, fact_places)


def score_file(policy, path, tables: Mapping[str, str] | None = None, *, program=None, progress=None):
    """Read ``path`` (CSV or Parquet with the fast readers; JSON or Excel through
    the fact loader) and score it; a :class:`~.run.BatchRun`."""
    from assessc.backends.batch.readers import read_any

    program = program or compile_batch(policy)
    columns = read_any(program, path, tables or {}, progress=progress)
    return program.score(columns, progress=progress)
