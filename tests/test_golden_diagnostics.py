"""Golden tests: each .assess file under tests/golden/diagnostics is checked and
its rendered diagnostics compared with the .out file beside it. A file named
``sql_*.assess`` is then compiled to SQL too (`assessc compile --target sql`),
``python_*.assess`` to a Python module (`--target python`) and ``batch_*.assess``
by the batch engine (`score --engine batch`), and the backend's refusal (E0410,
E0411, E07xx) follows the check's diagnostics.

Re-record with ASSESS_UPDATE_GOLDEN=1 (then read the diff before committing).
"""

import os
from pathlib import Path

import pytest

from assessc.diagnostics import DiagnosticBag
from assessc.diagnostics.render import render_text
from assessc.driver import compile_file
ROOT = Path(__file__).resolve().parents[1]
UPDATE_GOLDEN = os.environ.get("ASSESS_UPDATE_GOLDEN") == "1"

GOLDEN = ROOT / "tests" / "golden" / "diagnostics"
# files that are not UTF-8 text live in a folder of their own, which the tests
# that read every golden file as text do not look into
CASES = sorted(GOLDEN.glob("*.assess")) + sorted((GOLDEN / "not_text").glob("*.assess"))
# modules that exist only to be imported by another case
IMPORTED_ONLY = {"cycle_b"}


def render_check(path: Path) -> str:
    bag = DiagnosticBag()
    compiled = compile_file(path.relative_to(ROOT), bag)
    diagnostics = bag.sorted()
    backend = BACKENDS.get(path.stem.split("_")[0])
    if compiled is not None and backend is not None:
        from assessc.backends.refusal import Refusal

        try:
            backend()(compiled.graph)
        except Refusal as error:
            diagnostics += list(error.diagnostics)
    return "".join(render_text(d) + "\n" for d in diagnostics)


def _sql():
    from assessc.backends.sql import to_sql

    return to_sql


def _python():
    from assessc.backends.pygen import generate

    return generate


def _batch():
    pytest.importorskip("numpy")
    from assessc.backends.batch import compile_batch

    return compile_batch


#: the backend a golden file's name asks for, by the name's first word
BACKENDS = {"sql": _sql, "python": _python, "batch": _batch}


@pytest.mark.parametrize("case", [c for c in CASES if c.stem not in IMPORTED_ONLY], ids=lambda p: str(p.relative_to(GOLDEN).with_suffix("")))
def test_diagnostics_match_golden(case: Path, monkeypatch):
    monkeypatch.chdir(ROOT)
    actual = render_check(case)
    expected_file = case.with_suffix(".out")
    if UPDATE_GOLDEN or not expected_file.exists():
        expected_file.write_text(actual, encoding="utf-8")
    assert actual == expected_file.read_text(encoding="utf-8")
    assert actual, "a golden case must produce at least one diagnostic"
