"""Run case files: score each case's entity and compare every expected value exactly.

A case passes when every expected value equals the computed one as a decimal
(``"19.5"`` equals ``19.50``; there is no error margin). A case whose file or
whose own lines have an error is not run and counts as an error; a case
whose facts cannot be scored (e.g. a division by zero) is an error too.

The facts file shared by a file's cases is scored once, as a whole, exactly
as ``assessc score`` scores it; inline facts are scored on their own.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Iterable, Sequence

import attrs

from assessc.api import AssessError
from assessc.backends import results as R
from assessc.diagnostics import Diagnostic, DiagnosticBag, codes
from assessc.reports.tables import format_table
from assessc.runtime.decimals import show
from assessc.testing.cases import CASES_SUFFIX, VETOED, Case, CaseFile, case_file_for, load_case_file

PASS, FAIL, ERROR = "pass", "fail", "error"


@attrs.frozen
class Mismatch:
    node: str
    expected: str
    actual: str
    #: the node's explanation: its value, then each line that makes it up
    explain: tuple[str, ...] = ()


@attrs.frozen
class CaseOutcome:
    case: Case
    status: str
    mismatches: tuple[Mismatch, ...] = ()
    #: the errors that kept the case from running
    diagnostics: tuple[Diagnostic, ...] = ()
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return self.case.name


@attrs.frozen
class FileOutcome:
    path: Path
    cases: tuple[CaseOutcome, ...]
    #: every diagnostic of the file and its cases, in file order, each once
    diagnostics: tuple[Diagnostic, ...]
    #: False when the file as a whole has an error, so no case ran
    loaded: bool
    policy_name: str | None = None

    def count(self, status: str) -> int:
        return sum(1 for c in self.cases if c.status == status)

    @property
    def tally(self) -> "Tally":
        """What this file counts for: each case; a file that could not be loaded is one test
        in error (its cases did not run)."""
        if not self.loaded:
            return Tally(tests=1, errors=1)
        return Tally(len(self.cases), self.count(PASS), self.count(FAIL), self.count(ERROR))


@attrs.frozen
class Tally:
    """The counts that the summary line and the JUnit XML both report."""

    tests: int = 0
    passed: int = 0
    failures: int = 0
    errors: int = 0

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(self.tests + other.tests, self.passed + other.passed, self.failures + other.failures,
                     self.errors + other.errors)


# -- finding case files ----------------------------------------------------------------


def discover(paths: Sequence[str | Path], bag: DiagnosticBag) -> list[Path]:
    """The case files named by ``paths``: case files, policies (their
    `.cases.toml` beside them) and folders (every case file under them)."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*" + CASES_SUFFIX) if p.is_file())
            if not inside:
                bag.add(codes.FACTS_UNREADABLE, None, f"no case files (*{CASES_SUFFIX}) under `{path}`")
            found.extend(inside)
        elif path.suffix == ".assess":
            cases = case_file_for(path)
            if cases.is_file():
                found.append(cases)
            else:
                bag.add(codes.FACTS_UNREADABLE, None, f"no case file `{cases}` beside `{path}`",
                        help=f"write the policy's example cases in `{cases.name}`")
        elif path.is_file():
            found.append(path)
        else:
            bag.add(codes.FACTS_UNREADABLE, None, f"no file or folder `{path}`")
    unique: dict[Path, None] = {}
    for path in found:
        unique.setdefault(path, None)
    return list(unique)


# -- running ---------------------------------------------------------------------------


def run_file(path: str | Path) -> FileOutcome:
    return run_cases(load_case_file(path))


def run_cases(case_file: CaseFile) -> FileOutcome:
    diagnostics = _Unique(case_file.all_diagnostics())
    policy = case_file.policy
    if not case_file.ok:
        outcomes = tuple(CaseOutcome(c, ERROR, diagnostics=tuple(d for d in c.diagnostics if d.is_error))
                         for c in case_file.cases)
        return FileOutcome(case_file.path, outcomes, diagnostics.items, False, policy.name if policy else None)
    runs: dict[int, tuple[R.ScoreRun | None, tuple[Diagnostic, ...]]] = {}
    outcomes = []
    for case in case_file.cases:
        started = time.perf_counter()
        if not case.ok:
            outcome = CaseOutcome(case, ERROR, diagnostics=tuple(d for d in case.diagnostics if d.is_error))
        else:
            key = id(case.facts)
            if key not in runs:
                try:
                    runs[key] = (policy.score_facts(case.facts), ())
                except AssessError as error:
                    runs[key] = (None, tuple(error.diagnostics))
                    diagnostics.extend(error.diagnostics)
            run, problems = runs[key]
            if run is None:
                outcome = CaseOutcome(case, ERROR, diagnostics=problems)
            else:
                mismatches = tuple(_compare(case, run.result(case.entity)))
                outcome = CaseOutcome(case, FAIL if mismatches else PASS, mismatches)
        outcomes.append(attrs.evolve(outcome, seconds=time.perf_counter() - started))
    return FileOutcome(case_file.path, tuple(outcomes), diagnostics.items, True, policy.name)


class _Unique:
    """Diagnostics in order, each once (a scoring error is shared by the cases of a file)."""

    def __init__(self, items: Iterable[Diagnostic]) -> None:
        self._items: list[Diagnostic] = []
        self.extend(items)

    def extend(self, items: Iterable[Diagnostic]) -> None:
        for item in items:
            if item not in self._items:
                self._items.append(item)

    @property
    def items(self) -> tuple[Diagnostic, ...]:
        return tuple(self._items)


def _compare(case: Case, result: R.EntityResult):
    for expectation in case.expectations:
        if expectation.node == VETOED:
            vetoes = tuple(result.vetoed)
            wanted = expectation.expected
            same = bool(vetoes) == wanted if isinstance(wanted, bool) else sorted(vetoes) == sorted(wanted)
            if not same:
                if isinstance(wanted, bool):
                    actual = "true: " + "; ".join(vetoes) if vetoes else "false"
                else:
                    actual = "; ".join(vetoes) or "[]"
                yield Mismatch(VETOED, expectation.written, actual, tuple(vetoes))
            continue
        if expectation.node == "total":
            actual = result.total
        else:
            score = result.nodes.get(expectation.node)
            actual = score.value if score is not None else None
        if actual is None:
            yield Mismatch(expectation.node, expectation.written, "(not scored)")
        elif actual != expectation.expected:
            yield Mismatch(expectation.node, expectation.written, show(actual), explain_node(result, expectation.node))


def _signed(value) -> str:
    text = show(value)
    return text if text.startswith("-") else "+" + text


def explain_node(result: R.EntityResult, node_id: str) -> tuple[str, ...]:
    """One node's explanation, one level deep: its value, then each line with its amount and source."""
    score = result.nodes.get(node_id)
    if score is None:
        return ()
    cap = f" / {show(score.max)}" if score.max is not None else ""
    out = [f"{node_id} {score.title}: {show(score.value)}{cap}"]
    if node_id == "total" and result.vetoed:
        out[0] += "  (vetoed: " + "; ".join(result.vetoed) + ")"
    for line in score.lines:
        where = f"  {Path(line.span.path).name}:{line.span.line}" if line.span is not None else ""
        if line.kind == R.CHILD:
            child = result.nodes.get(line.source_id)
            value = f"  ({show(child.value)}{f' / {show(child.max)}' if child.max is not None else ''})" if child else ""
            out.append(f"{_signed(line.amount):>7}  {line.source_id} {line.label}{value}{where}")
        else:
            detail = f"  = {line.detail}" if line.detail else ""
            out.append(f"{_signed(line.amount):>7}  {line.label}{detail}{where}")
    return tuple(out)


# -- reporting -------------------------------------------------------------------------


def mismatch_table(mismatches: Sequence[Mismatch]) -> str:
    rows = [[m.node, m.expected, m.actual] for m in mismatches]
    return format_table(["node", "expected", "actual"], rows, right={1, 2})


def failure_text(outcome: CaseOutcome) -> str:
    """The diff table of a failed case, then the explanation of each node that differs."""
    parts = [mismatch_table(outcome.mismatches)]
    for mismatch in outcome.mismatches:
        if mismatch.explain and mismatch.node != VETOED:
            parts.append("\n".join(mismatch.explain))
    return "\n\n".join(parts)


_CONTROL = re.compile("[\x00-\x1f\x7f]")


def control_picture(ch: str) -> str:
    """The visible stand-in of a C0 control character or DEL: its Unicode control picture (␇)."""
    return chr(0x2400 + ord(ch)) if ch < " " else "\u2421"


def visible(name: str) -> str:
    """A case name for a one-line report: control characters (a terminal would act on an
    escape) shown as control pictures."""
    return _CONTROL.sub(lambda m: control_picture(m.group()), name)


def _indent(text: str, pad: str = "      ") -> list[str]:
    return [(pad + line).rstrip() for line in text.splitlines()]


def report_lines(outcome: FileOutcome) -> list[str]:
    """One line per case (PASS/FAIL/ERROR); under a failure its diff table and explanations."""
    lines: list[str] = []
    if not outcome.loaded:
        errors = sum(1 for d in outcome.diagnostics if d.is_error)
        lines.append(f"ERROR {outcome.path}: not run ({errors} error{'s' if errors != 1 else ''})")
        return lines
    for case in outcome.cases:
        if case.status == PASS:
            lines.append(f"PASS  {outcome.path}: {visible(case.name)}")
        elif case.status == FAIL:
            lines.append(f"FAIL  {outcome.path}: {visible(case.name)}")
            lines.extend(_indent(failure_text(case)))
        else:
            errors = len(case.diagnostics)
            lines.append(f"ERROR {outcome.path}: {visible(case.name)} (not run: {errors} error{'s' if errors != 1 else ''})")
    return lines


#: what a run counts for when a path named no case file (or no readable one): one test in error
NOT_FOUND = Tally(tests=1, errors=1)


def tally(outcomes: Sequence[FileOutcome], not_found: bool = False) -> Tally:
    """The counts over all files; ``not_found``: some path named no case file."""
    total = NOT_FOUND if not_found else Tally()
    for outcome in outcomes:
        total += outcome.tally
    return total


def summary_line(outcomes: Sequence[FileOutcome], not_found: bool = False) -> str:
    """``N passed, M failed``: a case that could not run, a case file that could not be loaded
    and a path that named no case file each count as failed, as they count as errors in JUnit."""
    counts = tally(outcomes, not_found)
    return f"{counts.passed} passed, {counts.failures + counts.errors} failed"


def all_passed(outcomes: Sequence[FileOutcome]) -> bool:
    return all(o.loaded and o.count(PASS) == len(o.cases) for o in outcomes)
