"""Run one policy on the same entities through all four scoring backends and compare them with
the reference interpreter, node by node.

The backends are the reference interpreter (``Policy.score_values``), the generated
standard-library Python scorer (``pygen``), the NumPy int64 batch engine (``batch``) and the SQL
backend run by DuckDB in process (``sql``). The generated module is loaded with
``pygen_support.scorer_for`` and the SQL run with ``sql_harness.score_duckdb``, as their own tests
do; the batch engine is driven through its public API with the calls ``batch_support.differential``
makes (``compile_batch``, ``columns_from_values``, ``score``, ``entity_result``), since that helper
asserts on the first difference instead of returning them. Every difference is collected as a
:class:`Mismatch` that names the backend, the entity, the node and both values, so a failing run
says exactly where.

What is compared, per entity: every item's, bonus's and penalty's value and the total, as
``Decimal`` values (``0.50 == 0.5``); applicability (``applies if``) where the backend exposes it
(pygen ``inactive``, batch ``NodeScore.applicable``); the vetoes (pygen, batch). Where the
interpreter cannot score an entity (a division by zero, a lookup used as a value without a row, a
date outside the working-day calendar), every backend must say so too: pygen raises its
``ScoringError``, the batch engine the API's ``AssessError`` and the SQL query gives a NULL total.

What is *not* a mismatch, and is recorded instead:

* a **refusal**: the batch engine raising ``BatchUnsupported``/``BatchOverflow`` (a division that
  is not exact at its scale, a bound beyond int64), or a backend that cannot express a form
  (``SQLUnsupported``, pygen ``CompileError``) -- recorded with the backend's reason, and the other
  backends are still compared;
* the SQL backend's **documented approximation** (docs/embedding.md, "What it computes, and how
  exactly"): a quotient without a finite decimal form is kept to ``DIVISION_SCALE`` (18) places
  where the interpreter keeps 60 significant digits. Only a value the interpreter itself holds
  with more than 18 decimal places may differ, and by at most 10^-15; every other value must be
  equal.

The interpreter's roundings are watched while it scores (:class:`TieProbe`), so a test can count
how many rounding *ties* (a value exactly halfway between two neighbours at the policy's places,
such as 0.125 at 2 places) the comparison went through; its explanation lines give the floors
(``until zero``) and caps (``max``) that were hit.
"""

from __future__ import annotations

import decimal
import hashlib
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Callable, Sequence

import attrs

HERE = Path(__file__).resolve().parent
for _folder in (HERE.parent / "properties", HERE / "sql", HERE / "pygen"):
    if str(_folder) not in sys.path:  # the strategies and the backends' own harnesses
        sys.path.insert(0, str(_folder))

import pygen_support  # noqa: E402
import sql_harness  # noqa: E402

from assessc.api import AssessError, PolicyError, load_policy  # noqa: E402
from assessc.backends import interp as _interp  # noqa: E402
from assessc.backends import results as R  # noqa: E402
from assessc.backends import sql as S  # noqa: E402
from assessc.backends.batch import BatchUnsupported, compile_batch  # noqa: E402
from assessc.backends.pygen import CompileError  # noqa: E402
from assessc.runtime.decimals import CONTEXT  # noqa: E402

BACKENDS = ("pygen", "batch", "sql")
SQL_TOLERANCE = sql_harness.SQL_TOLERANCE
within_sql_tolerance = sql_harness.within_sql_tolerance

_WORKDIR = tempfile.TemporaryDirectory(prefix="assess-differential-")


# ---- results -------------------------------------------------------------------------------------


@attrs.frozen
class Mismatch:
    """One way a backend differs from the interpreter."""

    backend: str
    entity: str
    node: str  # a node id, "total", or what else differs ("vetoed", "error")
    expected: object  # the interpreter's
    got: object  # the backend's
    what: str = "value"  # value | applicable | vetoed | error

    def __str__(self) -> str:
        if self.what in ("error", "row"):
            return (f"{self.backend}: entity `{self.entity}`: node `{self.node}`: interpreter {_show(self.expected)}, "
                    f"{self.backend} {_show(self.got)}")
        return (f"{self.backend}: entity `{self.entity}`: node `{self.node}`: {self.what} differs: "
                f"interpreter {_show(self.expected)}, {self.backend} {_show(self.got)}")


@attrs.frozen
class Refusal:
    """A backend that declined to score a policy (or these entities), and why."""

    backend: str
    reason: str
    stage: str  # compile | run

    def __str__(self) -> str:
        return f"{self.backend} refused ({self.stage}): {self.reason}"


@attrs.define
class Outcome:
    """Everything one comparison found."""

    entities: list[str]
    scored: list[str] = attrs.Factory(list)  # the entities the interpreter scored
    failed: list[str] = attrs.Factory(list)  # ... and those it could not score
    compared: dict[str, int] = attrs.Factory(lambda: dict.fromkeys(BACKENDS, 0))  # entities per backend
    refusals: list[Refusal] = attrs.Factory(list)
    mismatches: list[Mismatch] = attrs.Factory(list)
    approximate: list[tuple[str, str, Decimal, Decimal]] = attrs.Factory(list)  # SQL, documented
    ties: set[tuple[str, str, int, str]] = attrs.Factory(set)  # (entity, unrounded value, places, mode)
    roundings: int = 0
    floors: int = 0  # `until zero` lines that raised a value
    caps: int = 0  # `max` lines that lowered (or, on a penalty, raised) a value
    graded: int = 0  # entities whose grades the generated module's rank() gave as the interpreter's
    grade_vetoed: int = 0  # ... of which a `veto … grade G` changed the grade the total gives

    def refused(self, backend: str) -> bool:
        return any(r.backend == backend for r in self.refusals)

    def report(self, limit: int = 12) -> str:
        lines = [str(m) for m in self.mismatches[:limit]]
        if len(self.mismatches) > limit:
            lines.append(f"... and {len(self.mismatches) - limit} more")
        return "\n".join(lines)


def _show(value) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


# ---- compiling ---------------------------------------------------------------------------------


def policy_from_text(text: str):
    """The policy compiled from ``text`` (written to a file, as ``assessc`` reads policies), or
    None when the compiler rejects it (the generator's own tests report that)."""
    path = Path(_WORKDIR.name) / (hashlib.sha1(text.encode("utf-8")).hexdigest()[:20] + ".assess")
    path.write_text(text, encoding="utf-8")
    try:
        return load_policy(path)
    except PolicyError:
        return None


@attrs.define
class Engines:
    """A policy compiled for every backend; ``refusals`` holds the backends that declined it."""

    policy: object
    pygen: object | None
    batch: object | None
    sql: str | None
    refusals: list[Refusal]
    #: the query that reads the cells as create_tables typed them (typed_table=True), which the
    #: differential tables are: the engine's own DECIMAL typing must give the same values
    sql_typed: str | None = None


def build_engines(policy) -> Engines:
    """Compile ``policy`` for the three other backends, now (nothing cached: a test that changes a
    backend builds its engines under the change)."""
    refusals = []
    try:
        module = pygen_support.scorer_for(policy)
    except CompileError as error:
        module = None
        refusals.append(Refusal("pygen", str(error), "compile"))
    try:
        program = compile_batch(policy)
    except BatchUnsupported as error:  # BatchOverflow is one too
        program = None
        refusals.append(Refusal("batch", f"{type(error).__name__}: {error}", "compile"))
    try:
        query = S.to_sql(policy.graph, "duckdb", pretty=False)
        typed = S.to_sql(policy.graph, "duckdb", pretty=False, typed_table=True)
    except S.SQLUnsupported as error:
        query = typed = None
        refusals.append(Refusal("sql", str(error), "compile"))
    return Engines(policy, module, program, query, refusals, typed)


_ENGINES: dict[str, Engines] = {}


def engines_for_text(text: str) -> Engines | None:
    """:func:`build_engines` for a policy text, cached by text (Hypothesis draws the same policy
    for several examples); None if the text does not compile."""
    if text not in _ENGINES:
        if len(_ENGINES) > 256:
            _ENGINES.clear()
        policy = policy_from_text(text)
        _ENGINES[text] = None if policy is None else build_engines(policy)
    return _ENGINES[text]


# ---- the interpreter, watched ------------------------------------------------------------------


def is_tie(value: Decimal, places: int) -> bool:
    """``value`` lies exactly halfway between two multiples of 10^-places."""
    shifted = value.scaleb(places, CONTEXT)
    return CONTEXT.remainder(shifted, Decimal(1)).copy_abs() == Decimal("0.5")


class TieProbe:
    """Counts the interpreter's roundings, and records those that met a tie, while it is active.

    It wraps the ``quantize`` the interpreter rounds with (``assessc.backends.interp.quantize``)
    and passes every call through unchanged."""

    def __init__(self):
        self.entity = ""
        self.ties: set[tuple[str, str, int, str]] = set()
        self.roundings = 0
        self._original: Callable | None = None

    def _quantize(self, value, places, mode):
        self.roundings += 1
        if is_tie(value, places):
            self.ties.add((self.entity, str(value), places, mode))
        return self._original(value, places, mode)

    def __enter__(self) -> "TieProbe":
        self._original = _interp.quantize
        _interp.quantize = self._quantize
        return self

    def __exit__(self, *exc) -> None:
        _interp.quantize = self._original


def _reference(policy, entities, outcome: Outcome) -> dict:
    """entity -> the interpreter's EntityResult, or the AssessError it raised."""
    expected = {}
    with TieProbe() as probe, decimal.localcontext(CONTEXT):
        for entity, values in entities:
            probe.entity = entity
            try:
                expected[entity] = policy.score_values(entity, values)
            except AssessError as error:
                expected[entity] = error
    outcome.ties |= probe.ties
    outcome.roundings += probe.roundings
    for entity, result in expected.items():
        if isinstance(result, AssessError):
            outcome.failed.append(entity)
            continue
        outcome.scored.append(entity)
        for score in result.nodes.values():
            for line in score.lines:
                if line.amount != 0 and line.kind == R.FLOOR:
                    outcome.floors += 1
                elif line.amount != 0 and line.kind == R.CAP:
                    outcome.caps += 1
    return expected


# ---- the comparison ----------------------------------------------------------------------------


def _compare_nodes(backend: str, entity: str, expected, values: dict, outcome: Outcome,
                   applicable: dict | None = None, vetoed=None, approximate: bool = False) -> None:
    """``values``: node id -> the backend's value (None for a missing or NULL one)."""
    for node_id, score in expected.nodes.items():
        got = values.get(node_id)
        want = score.value
        if got is not None and Decimal(got) == want:
            pass
        elif (approximate and got is not None and -want.as_tuple().exponent > S.DIVISION_SCALE
              and within_sql_tolerance(want, Decimal(got))):
            outcome.approximate.append((entity, node_id, want, Decimal(got)))
        else:
            outcome.mismatches.append(Mismatch(backend, entity, node_id, want, got))
        if applicable is not None and applicable.get(node_id, True) != score.applicable:
            outcome.mismatches.append(Mismatch(backend, entity, node_id, score.applicable,
                                               applicable.get(node_id, True), "applicable"))
    if vetoed is not None and tuple(vetoed) != tuple(expected.vetoed):
        outcome.mismatches.append(Mismatch(backend, entity, "total", tuple(expected.vetoed), tuple(vetoed), "vetoed"))


def _error(error) -> str:
    return f"raised {type(error).__name__}: {str(error).strip()}"


SCORED = "scored it"


def _compare_pygen(module, expected: dict, entities, outcome: Outcome) -> None:
    for entity, values in entities:
        want = expected[entity]
        try:
            result = module.score(values, entity=entity)
        except (module.ScoringError, module.FactsError) as error:
            if not isinstance(want, AssessError):
                outcome.mismatches.append(Mismatch("pygen", entity, "total", SCORED, _error(error), "error"))
            continue
        if isinstance(want, AssessError):
            outcome.mismatches.append(Mismatch("pygen", entity, "total", _error(want), result.total, "error"))
            continue
        values_by_node = dict(result.values)
        values_by_node["total"] = result.total
        applicable = {node_id: node_id not in set(result.inactive) for node_id in want.nodes}
        _compare_nodes("pygen", entity, want, values_by_node, outcome, applicable, result.vetoed)
        outcome.compared["pygen"] += 1


def _compare_standings(policy, module, expected: dict, entities, outcome: Outcome) -> None:
    """The generated module's ``rank()`` against the interpreter's standings, over the entities both
    scored: rank, tie size, vetoes, grades, awards, demotions, forced last place and flags."""
    if not (policy.ir.outcomes.grades or policy.ir.outcomes.rules or policy.ir.outcomes.schemes):
        return
    from assessc.backends.outcomes import decide

    scored = [(e, v) for e, v in entities if not isinstance(expected[e], AssessError)]
    values = dict(scored)
    try:
        want = decide(policy.ir, R.ScoreRun(policy.ir.name, tuple(expected[e] for e, _ in scored)), values)
    except AssessError as error:
        want = error
    try:
        results = [module.score(v, entity=e) for e, v in scored]
        got = module.rank(results, [v for _, v in scored])
    except (module.ScoringError, module.FactsError) as error:
        if not isinstance(want, AssessError):
            outcome.mismatches.append(Mismatch("pygen", "*", "rank()", SCORED, _error(error), "error"))
        return
    if isinstance(want, AssessError):
        outcome.mismatches.append(Mismatch("pygen", "*", "rank()", _error(want), "ranked", "error"))
        return
    for theirs, ours in zip(want, got):
        expected_row = (theirs.entity, theirs.rank, theirs.tie_size, tuple(theirs.vetoed), theirs.grade,
                        tuple((g.scheme, g.grade) for g in theirs.grades),
                        tuple((a.band, a.by_rank) for a in theirs.awards), theirs.demotions, theirs.forced_last,
                        theirs.flags)
        got_row = (ours.entity, ours.rank, ours.tie_size, tuple(ours.vetoed), ours.grade, tuple(ours.grades),
                   tuple((a.band, a.by_rank) for a in ours.awards), ours.demotions, ours.forced_last, ours.flags)
        if expected_row != got_row:
            outcome.mismatches.append(Mismatch("pygen", theirs.entity, "standing", expected_row, got_row, "standing"))
        elif theirs.grades:
            outcome.graded += 1
            outcome.grade_vetoed += any(g.vetoed and g.grade != _grade_by_score(policy, g, theirs) for g in theirs.grades)


def _grade_by_score(policy, grade, standing):
    """The grade the total alone gives (what a grade veto overrides)."""
    from assessc.backends.outcomes import scheme_bands
    from assessc.runtime.standing import grade_of

    scheme = next(s for s in policy.ir.outcomes.grades if s.item == grade.item)
    return grade_of(scheme_bands(scheme), standing.total)


def _batch_run(program, entities):
    ids = [entity for entity, _ in entities]
    return program.score(program.columns_from_values(ids, [values for _, values in entities]))


def _compare_batch(program, expected: dict, entities, outcome: Outcome) -> None:
    scored = [(e, v) for e, v in entities if not isinstance(expected[e], AssessError)]
    failed = [(e, v) for e, v in entities if isinstance(expected[e], AssessError)]
    if scored:
        try:
            run = _batch_run(program, scored)
        except BatchUnsupported as error:  # e.g. a division not exact at the engine's scale for a row
            outcome.refusals.append(Refusal("batch", f"{type(error).__name__}: {error}", "run"))
            return
        except AssessError as error:
            outcome.mismatches.append(Mismatch("batch", ", ".join(e for e, _ in scored), "total", SCORED,
                                               _error(error), "error"))
            return
        for row, (entity, _) in enumerate(scored):
            got = run.entity_result(row)
            if got.entity != entity:
                outcome.mismatches.append(Mismatch("batch", entity, "entity", entity, got.entity, "row"))
                continue
            values = {node_id: score.value for node_id, score in got.nodes.items()}
            values["total"] = got.total
            applicable = {node_id: score.applicable for node_id, score in got.nodes.items()}
            _compare_nodes("batch", entity, expected[entity], values, outcome, applicable, got.vetoed)
            outcome.compared["batch"] += 1
    for entity, values in failed:  # each alone: the engine must not score what the interpreter cannot
        try:
            run = _batch_run(program, [(entity, values)])
        except (AssessError, BatchUnsupported):
            continue
        outcome.mismatches.append(Mismatch("batch", entity, "total", _error(expected[entity]), run.total(0), "error"))


def _compare_sql(query: str, graph, expected: dict, entities, outcome: Outcome, count: bool = True) -> None:
    """``count``: the entities compared count for the backend (False for a second query of it)."""
    try:
        rows, columns = sql_harness.score_duckdb(graph, entities, query)
    except Exception as error:  # noqa: BLE001 - DuckDB's errors have no common base worth naming
        outcome.mismatches.append(Mismatch("sql", ", ".join(e for e, _ in entities), "query", SCORED,
                                           _error(error), "error"))
        return
    by_id = {row[0]: dict(zip(columns, row)) for row in rows}
    for entity, _ in entities:
        want, got = expected[entity], by_id.get(entity)
        if got is None:
            outcome.mismatches.append(Mismatch("sql", entity, "total", SCORED, "no row", "row"))
        elif isinstance(want, AssessError):
            if got["total"] is not None:
                outcome.mismatches.append(Mismatch("sql", entity, "total", _error(want), got["total"], "error"))
        else:
            _compare_nodes("sql", entity, want, got, outcome, approximate=True)
            outcome.compared["sql"] += count


def compare_all(engines: Engines, entities: Sequence[tuple[str, dict]],
                backends: Sequence[str] = BACKENDS) -> Outcome:
    """Score ``entities`` ((id, typed values) pairs) with the interpreter and with each of
    ``backends``, and collect every difference. Nothing here raises for a difference: see
    :func:`assert_agree`."""
    entities = list(entities)
    outcome = Outcome([entity for entity, _ in entities])
    outcome.refusals.extend(r for r in engines.refusals if r.backend in backends)
    expected = _reference(engines.policy, entities, outcome)
    if "pygen" in backends and engines.pygen is not None:
        _compare_pygen(engines.pygen, expected, entities, outcome)
        _compare_standings(engines.policy, engines.pygen, expected, entities, outcome)
    if "batch" in backends and engines.batch is not None:
        _compare_batch(engines.batch, expected, entities, outcome)
    if "sql" in backends and engines.sql is not None:
        _compare_sql(engines.sql, engines.policy.graph, expected, entities, outcome)
        if engines.sql_typed is not None and engines.sql_typed != engines.sql:
            _compare_sql(engines.sql_typed, engines.policy.graph, expected, entities, outcome, count=False)
    return outcome


def assert_agree(outcome: Outcome, source: str = "") -> None:
    """Fail, naming every difference (backend, entity, node, both values), if any backend disagrees."""
    if outcome.mismatches:
        text = f"\n---- policy ----\n{source}" if source else ""
        raise AssertionError(f"{len(outcome.mismatches)} difference(s) from the interpreter:\n"
                             f"{outcome.report()}{text}")


# ---- a tally over many comparisons ----------------------------------------------------------------


@attrs.define
class Tally:
    """What a whole run went through: how many policies and entities each backend was compared on,
    the refusals with their reasons, ties, floors and caps met."""

    policies: set[str] = attrs.Factory(set)  # distinct policy texts
    examples: int = 0
    scored_examples: int = 0  # examples with at least one entity the interpreter scored
    entities: int = 0
    compared: dict[str, int] = attrs.Factory(lambda: dict.fromkeys(BACKENDS, 0))  # entities
    policies_compared: dict[str, set[str]] = attrs.Factory(lambda: {b: set() for b in BACKENDS})
    refusals: dict[str, dict[str, str]] = attrs.Factory(lambda: {b: {} for b in BACKENDS})  # policy -> reason
    refused_examples: dict[str, int] = attrs.Factory(lambda: dict.fromkeys(BACKENDS, 0))
    compared_examples: dict[str, int] = attrs.Factory(lambda: dict.fromkeys(BACKENDS, 0))
    failed: int = 0
    ties: set = attrs.Factory(set)
    tie_policies: set[str] = attrs.Factory(set)
    roundings: int = 0
    floors: int = 0
    caps: int = 0
    approximate: int = 0

    def add(self, source: str, outcome: Outcome) -> None:
        key = hashlib.sha1(source.encode("utf-8")).hexdigest()[:12]
        self.policies.add(key)
        self.examples += 1
        self.scored_examples += bool(outcome.scored)
        self.entities += len(outcome.entities)
        self.failed += len(outcome.failed)
        for backend in BACKENDS:
            self.compared[backend] += outcome.compared[backend]
            if outcome.compared[backend]:
                self.policies_compared[backend].add(key)
                self.compared_examples[backend] += 1
            if outcome.refused(backend):
                self.refused_examples[backend] += 1
        for refusal in outcome.refusals:
            self.refusals[refusal.backend].setdefault(key, refusal.reason)
        self.ties |= {(key, *tie) for tie in outcome.ties}
        if outcome.ties:
            self.tie_policies.add(key)
        self.roundings += outcome.roundings
        self.floors += outcome.floors
        self.caps += outcome.caps
        self.approximate += len(outcome.approximate)

    def summary(self) -> str:
        refused = {b: len(r) for b, r in self.refusals.items() if r}
        lines = [
            f"{len(self.policies)} distinct policies in {self.examples} examples, {self.entities} entities "
            f"({self.failed} the interpreter could not score)",
            "entities compared: " + ", ".join(f"{b} {n}" for b, n in self.compared.items()),
            "policies compared: " + ", ".join(f"{b} {len(p)}" for b, p in self.policies_compared.items()),
            f"refused policies: {refused or 'none'}; examples compared / refused: "
            + ", ".join(f"{b} {self.compared_examples[b]}/{self.refused_examples[b]}" for b in BACKENDS),
            f"roundings {self.roundings}, ties {len(self.ties)} (in {len(self.tie_policies)} policies), "
            f"floors hit {self.floors}, caps hit {self.caps}, SQL values within 1e-15 (documented) {self.approximate}",
        ]
        for backend, reasons in self.refusals.items():
            for key, reason in list(reasons.items())[:5]:
                lines.append(f"  {backend} refused {key}: {reason[:200]}")
        return "\n".join(lines)
