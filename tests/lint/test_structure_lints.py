"""W0512 numbering gaps, W0513 weights per kind of entity, W0514 matrix gaps: the
golden 'bad' cases live in tests/golden/diagnostics/lint_*.assess; these are the 'good' ones."""

from pathlib import Path

import pytest

from assessc.diagnostics import DiagnosticBag
from assessc.driver import compile_file

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "diagnostics"


def codes_of(tmp_path, text: str) -> list[str]:
    path = tmp_path / "p.assess"
    path.write_text(text, encoding="utf-8")
    bag = DiagnosticBag()
    compile_file(path, bag)
    return [d.code.code for d in bag]


@pytest.mark.parametrize("name, code", [("lint_numbering_gap", "W0512"), ("lint_weights", "W0513"),
                                        ("lint_matrix_gap", "W0514")])
def test_bad_cases_fire(name, code, tmp_path):
    assert code in codes_of(tmp_path, (GOLDEN / f"{name}.assess").read_text(encoding="utf-8"))


def test_consecutive_numbers_are_silent(tmp_path):
    assert "W0512" not in codes_of(tmp_path, 'policy p "t" { item 1 "a" { item 1 "x" { start 1 } '
                                             'item 2 "y" { start 1 } item 3 "z" { start 1 } } }')


def test_weights_adding_to_100_for_every_kind_are_silent(tmp_path):
    text = (GOLDEN / "lint_weights.assess").read_text(encoding="utf-8")
    text = text.replace("applies if county_group == 木里", "applies if county_group in {木里, 五县}")
    assert "W0513" not in codes_of(tmp_path, text)


def test_a_complete_matrix_is_silent(tmp_path):
    text = (GOLDEN / "lint_matrix_gap.assess").read_text(encoding="utf-8")
    text = text.replace("columns (一等奖, 二等奖)", "columns (一等奖, 二等奖, 三等奖)")
    text = text.replace("省级: 1, 0.8", "省级: 1, 0.8, 0.6").replace("州级: 0.6, 0.4", "州级: 0.6, 0.4, 0.2\n  县级: 0")
    assert "W0514" not in codes_of(tmp_path, text)
