"""Score a facts file with one of the engines, into the results every output reads.

``auto`` (the default of ``assessc score``) uses the batch engine when it can
score the policy and the facts exactly — NumPy is installed, the policy has
no form the engine refuses, every cell fits the engine's scale and every
division is exact — and the interpreter otherwise. Both give the same
:class:`~assessc.backends.scored.Results`; :class:`Scored` says which ran, and
why the batch engine did not.
"""

from __future__ import annotations

from typing import Callable, Mapping

import attrs

from assessc.backends.scored import Results

ENGINES = ("auto", "interp", "batch")


class BatchRefused(Exception):
    """``--engine batch`` was asked for, and the batch engine cannot score this exactly;
    ``diagnostics`` say why (E07xx, located in the policy)."""

    def __init__(self, reason: str, diagnostics: tuple):
        super().__init__(reason)
        self.diagnostics = diagnostics


@attrs.frozen
class Scored:
    results: Results
    engine: str  # the engine that ran: interp or batch
    why_not_batch: str | None = None  # with auto: why the batch engine did not run

    def engine_line(self) -> str:
        if self.engine == "batch":
            return "assessc: engine: batch (NumPy, 64-bit integer fixed point)"
        if self.why_not_batch:
            return f"assessc: engine: interp ({self.why_not_batch})"
        return "assessc: engine: interp"


def score(policy, facts: str, tables: Mapping[str, str], engine: str, progress=None,
          warn: Callable[[list], None] = lambda warnings: None) -> Scored:
    """Score ``facts`` under ``policy`` (an ``assessc.api.Policy``) with ``engine``.

    Raises the API's ``AssessError`` for bad facts or a rule that cannot be computed, and
    :class:`BatchRefused` when ``--engine batch`` cannot score exactly. ``warn`` receives the
    facts' warnings; ``progress(done, total, stage)`` is told how far scoring is."""
    why_not = None
    if engine in ("auto", "batch"):
        try:
            return _batch(policy, facts, tables, progress, warn, explicit=engine == "batch")
        except _Fallback as fallback:
            if engine == "batch":
                raise BatchRefused(fallback.reason, fallback.diagnostics) from None
            why_not = fallback.reason
    return Scored(_interp(policy, facts, tables, progress, warn), "interp", why_not)


class _Fallback(Exception):
    """Why the batch engine does not score: ``reason`` for the engine line of ``--engine auto``,
    ``diagnostics`` for ``--engine batch``."""

    def __init__(self, reason: str, diagnostics: tuple = ()):
        super().__init__(reason)
        self.reason, self.diagnostics = reason, diagnostics


def _interp(policy, facts: str, tables: Mapping[str, str], progress, warn) -> Results:
    from assessc.diagnostics import DiagnosticBag

    bag = DiagnosticBag()
    loaded = policy.load_facts(facts, tables, bag)
    warn([d for d in bag.sorted() if not d.is_error])
    stage = None if progress is None else (lambda done, total: progress(done, total, "scoring"))
    return policy.score_table(loaded, stage)


def _batch(policy, facts: str, tables: Mapping[str, str], progress, warn, explicit: bool) -> Scored:
    from assessc.api import AssessError
    from assessc.backends.refusal import missing_backend
    from assessc.diagnostics import DiagnosticBag

    try:
        from assessc.backends.batch import BatchOverflow, BatchUnsupported, compile_batch
        from assessc.backends.batch.readers import read_any
    except ModuleNotFoundError as error:
        if error.name != "numpy":
            raise
        reason = "the batch engine needs NumPy, which is not installed"
        raise _Fallback(reason, (missing_backend(reason, "install it (`pip install 'assessc[batch]'`), or score "
                                                         "with the interpreter (`--engine interp`)"),)) from None
    try:
        program = compile_batch(policy)
    except (BatchUnsupported, BatchOverflow) as error:
        raise _Fallback(f"the batch engine cannot score this policy exactly: {error}", error.diagnostics) from None
    bag = DiagnosticBag()
    try:
        columns = read_any(program, facts, tables, bag=bag, progress=progress)
    except BatchUnsupported as error:
        raise _Fallback(f"the batch engine cannot read these facts exactly: {error}", error.diagnostics) from None
    except AssessError as error:
        if explicit:
            raise
        # bad facts, or facts the batch engine keeps fewer decimal places of than given: the
        # interpreter reads them again, and reports what really is wrong
        raise _Fallback(f"the batch engine cannot read these facts: {_first(error)}") from None
    try:
        run = program.score(columns, progress=progress)
    except BatchUnsupported as error:
        raise _Fallback(f"the batch engine cannot score these facts exactly: {error}", error.diagnostics) from None
    except AssessError as error:
        if explicit:
            raise
        # e.g. a value given for a fact only inapplicable items read: the interpreter scores
        # again and points at the cell (the batch engine's columns no longer know the row's line)
        raise _Fallback(f"the batch engine cannot score these facts: {_first(error)}") from None
    warn([d for d in bag.sorted() if not d.is_error])
    return Scored(run.results(), "batch")


def _first(error) -> str:
    """The first diagnostic's message of an ``AssessError``."""
    return error.diagnostics[0].message if error.diagnostics else str(error)
