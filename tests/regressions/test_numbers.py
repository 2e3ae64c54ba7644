"""Exact numbers everywhere: every value computed, compared, printed and written in the project's
exact decimal context; rounding bounded, to tens and hundreds too, with `half_down`; one list of
rounding modes for every engine.

Each test names the precision leak or limit it guards against, quoted in its docstring.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from assessc.api import load_policy
from assessc.cli import main
from assessc.dsl.fmt import format_module
from assessc.diagnostics import DiagnosticBag
from assessc.dsl.parser import parse
from assessc.dsl.source import SourceFile
from assessc.runtime import decimals
from assessc.runtime.decimals import ROUNDING_MODES, brief, show
from tests.regressions.decimal_scan import scan, scan_source

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "backends"))  # the differential harness, and those it puts on the path

LONG = "12345678901234567890123456789012345678"  # 38 digits: the most a literal may have
TINY = "0.00000000000000000000000000000000000001"  # 38 places
SIXTY_NINES = "0." + "9" * 60  # 1/3 + 1/3 + 1/3, each third kept to 60 digits


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# ---- printing: whole, never a 28-digit rounding ------------------------------------------------------

LONG_POLICY = f"""
facts {{
  x: count 0..1 "x"
}}

policy long "long" {{
  item 1 "a" {{
    add {LONG} * x
    add {TINY} * x
  }}
}}
"""


def test_a_value_longer_than_28_digits_is_printed_and_written_whole_everywhere(tmp_path):
    """A 40-digit literal is printed as its 28-digit rounding; a 39-digit literal plus a tiny one
    ends in `internal error: InvalidOperation` (exit 3)."""
    policy = write(tmp_path, "long.assess", LONG_POLICY)
    facts = write(tmp_path, "long.csv", "id,x\nA,1\nB,0\n")
    whole = f"{LONG}.{TINY[2:]}"  # 76 digits: the exact sum
    assert len(whole.replace(".", "")) == 76
    ranking = run("score", policy, facts)
    assert ranking.exit_code == 0 and whole in ranking.output
    assert run("score", policy, facts, "-o", tmp_path / "out.csv").exit_code == 0
    rows = list(csv.reader(io.StringIO((tmp_path / "out.csv").read_text(encoding="utf-8-sig"))))
    item = next(i for i, name in enumerate(rows[0]) if name.split(" ")[0] == "1")  # headed `1 TITLE`
    assert rows[1][rows[0].index("total")] == whole and rows[1][item] == whole
    assert run("score", policy, facts, "-o", tmp_path / "out.json").exit_code == 0
    written = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert whole in json.dumps(written)
    printed = json.loads(run("score", policy, facts, "--format", "json").stdout)
    assert whole in json.dumps(printed)
    explained = run("explain", policy, facts, "--entity", "A")
    assert f"total {whole}" in explained.output and f"+{LONG}" in explained.output
    assert whole in run("report", "breakdown", policy, facts).output


def test_show_prints_every_digit_and_brief_makes_its_cut_visible():
    """show() prints a value through a 28-digit rounding: a value with more digits prints as a rounder number."""
    assert show(Decimal(f"{LONG}.5")) == f"{LONG}.5"
    assert show(Decimal(SIXTY_NINES)) == SIXTY_NINES
    assert show(Decimal("1.2E+2")) == "120" and show(Decimal("-0.00")) == "0" and show(Decimal("2.50")) == "2.5"
    # brief() cuts, never rounds up, and says so: the digits shown are the value's own
    assert brief(Decimal(SIXTY_NINES)) == "0.999999…"
    assert brief(Decimal(2) / Decimal(3)) == "0.666666…"
    assert brief(Decimal("0.5000000000")) == "0.5"  # trailing zeros are no cut


# ---- the ranking and `assessc test` compare exactly ---------------------------------------------------

THIRDS = """
facts {
  whole: count 0..1 "whole"
  thirds: count 0..1 "thirds"
}

policy thirds "thirds" {
  item 1 "a" {
    add whole
    add thirds / 3
    add thirds / 3
    add thirds / 3
  }
}
"""


def test_thirds_adding_up_to_less_than_one_rank_below_exactly_one_whatever_the_row_order(tmp_path):
    """An entity totalling 1/3+1/3+1/3 is ranked above one totalling exactly 1, both shown as `1`,
    and the order depends on input rows."""
    policy = write(tmp_path, "thirds.assess", THIRDS)
    for rows in ("甲,1,0\n乙,0,1\n", "乙,0,1\n甲,1,0\n"):
        facts = write(tmp_path, "thirds.csv", "id,whole,thirds\n" + rows)
        result = run("score", policy, facts, "--format", "json")
        entities = json.loads(result.stdout)["entities"]
        ranking = sorted((row["rank"], row["entity"], row["total"], row["tie_size"]) for row in entities)
        assert ranking == [(1, "甲", "1", 1), (2, "乙", SIXTY_NINES, 1)], ranking
        table = run("score", policy, facts).stdout
        assert "tie" not in table and table.index("甲") < table.index("乙") and SIXTY_NINES in table
    run_ = load_policy(policy).score_facts(load_policy(policy).load_facts(facts))
    assert [(row.entity, row.rank, row.tie_size) for row in run_.ranking()] == [("甲", 1, 1), ("乙", 2, 1)]


def test_assessc_test_compares_exactly_and_prints_expected_and_actual_in_full(tmp_path):
    """`assessc test` reports "expected 1, actual 1"."""
    write(tmp_path, "thirds.assess", THIRDS)
    write(tmp_path, "thirds.csv", "id,whole,thirds\n乙,0,1\n")
    cases = write(tmp_path, "thirds.cases.toml", 'policy = "thirds.assess"\nfacts = "thirds.csv"\n\n[[case]]\n'
                  'name = "thirds"\nentity = "乙"\n[case.expect]\ntotal = "1"\n')
    failed = run("test", cases)
    assert failed.exit_code == 1
    assert SIXTY_NINES in failed.output, failed.output  # the actual value, whole
    cases.write_text(cases.read_text(encoding="utf-8").replace('total = "1"', f'total = "{SIXTY_NINES}"'),
                     encoding="utf-8")
    assert run("test", cases).exit_code == 0


# ---- what the policy's numbers may be, and what arithmetic keeps ---------------------------------------


def _check(tmp_path: Path, text: str):
    return run("check", write(tmp_path, "p.assess", text))


ROUNDED = """
facts {{
  x: decimal 0..1000 "x"
}}

policy p "p" {{
  round total {places} places {mode}
  item 1 "a" max 1000 {{
    add x
  }}
}}
"""


@pytest.mark.parametrize("places", ["60", "19", "-19"])
def test_rounding_to_more_places_than_every_engine_carries_is_refused_at_check(tmp_path, places):
    """`round … 60 places` passes `check` and then fails in the interpreter with InvalidOperation
    while batch and the generated module give a result and SQL emits an invalid type."""
    result = _check(tmp_path, ROUNDED.format(places=places, mode="half_up"))
    assert result.exit_code == 1 and "E0405" in result.output, result.output
    assert f"cannot round to {places} places: places run from -18 to 18" in result.output


@pytest.mark.parametrize("places", [18, -18])
def test_rounding_at_the_bounds_agrees_in_every_engine_or_is_refused_when_compiled(places):
    """Every engine agrees, or refuses at compile time, at the bounds `check` allows."""
    import differential_support as DS

    policy = DS.policy_from_text(ROUNDED.format(places=places, mode="half_up"))
    assert policy is not None
    engines = DS.build_engines(policy)
    entities = [(name, {"x": Decimal(value)}) for name, value in
                (("a", "0.12"), ("b", "999.99"), ("c", "0"), ("d", "500"))]
    outcome = DS.compare_all(engines, entities)
    DS.assert_agree(outcome)
    assert all(r.stage == "compile" for r in outcome.refusals), outcome.refusals
    assert {r.backend for r in outcome.refusals} <= {"batch"}  # 10**18 units of 1000 overflow int64
    totals = [policy.score_values(e, v).total for e, v in entities]
    if places < 0:
        assert totals == [0, 0, 0, 0]
    else:
        assert totals == [Decimal(v) for v in ("0.12", "999.99", "0", "500")]


def test_a_literal_with_more_digits_than_the_engines_carry_is_refused_at_check(tmp_path):
    """A 40-digit literal passes `check` and loses digits in the printers; decide how big a literal may be."""
    for literal in (LONG + "9", "0." + "0" * 38 + "1", LONG[:-1] + "." + "12", "0." + "0" * 37 + "1%"):
        result = _check(tmp_path, LONG_POLICY.replace(LONG, literal))
        assert result.exit_code == 1 and "E0406" in result.output, (literal, result.output)
    for literal in (LONG, TINY, LONG[:-2] + ".5", "0." + "0" * 35 + "1%"):
        assert "E0406" not in _check(tmp_path, LONG_POLICY.replace(LONG, literal)).output, literal


def test_an_operation_the_context_cannot_hold_exactly_is_a_located_error(tmp_path):
    """Overflow or inexactness of an operation ends in InvalidOperation rather than a located error."""
    policy = write(tmp_path, "big.assess", """
facts {
  x: decimal "x"
  y: decimal "y"
}

policy big "big" {
  item 1 "a" {
    add x * x
  }
  item 2 "b" {
    add y / y
  }
}
""")
    huge = "9" * 600
    facts = write(tmp_path, "big.csv", f"id,x,y\nA,{huge},1\nB,1,0\n")
    result = run("score", policy, facts)
    assert result.exit_code == 1
    assert "D0609 entity `A`: item `1/1`: cannot compute `add x * x`: the exact result needs more than " \
           f"{decimals.EXACT_DIGITS} significant digits" in result.output, result.output
    assert "D0609 entity `B`: item `2/1`: cannot compute `add y / y`: division by zero" in result.output
    assert "InvalidOperation" not in result.output
    assert "big.assess:9:5" in result.output  # located: the rule's line and column


@pytest.mark.parametrize("product", [f"x * {' * '.join([LONG] * 30)}", f"{' * '.join([LONG] * 30)} * x"])
def test_constants_multiplying_beyond_the_context_are_an_error_in_every_engine_never_a_crash(tmp_path, product):
    """Overflow or inexactness of an operation ends in an internal error rather than a located error."""
    import differential_support as DS
    from assessc.backends import sql as S

    text = LONG_POLICY.replace(f"add {LONG} * x\n    add {TINY} * x", f"add {product}")
    policy = write(tmp_path, "huge.assess", text)
    assert run("check", policy).exit_code == 0  # the static bounds do not fail: they become unbounded
    result = run("score", policy, write(tmp_path, "huge.csv", "id,x\nA,1\n"))
    assert result.exit_code == 1 and "needs more than 1000 significant digits" in result.output
    engines = DS.build_engines(DS.policy_from_text(text))
    outcome = DS.compare_all(engines, [("A", {"x": Decimal(1)})], backends=("pygen", "batch"))
    DS.assert_agree(outcome)  # the generated module stops with the interpreter's error; batch refuses
    assert outcome.failed == ["A"] and {r.backend for r in outcome.refusals} == {"batch"}
    if product.startswith(LONG):  # constants folded when the query is made: SQL refuses it then
        with pytest.raises(S.SQLUnsupported, match="more than 1000 digits"):
            S.to_sql(engines.policy.graph)


def test_a_weight_dividing_by_zero_is_a_scoring_error_not_a_crash_of_check(tmp_path):
    """A division by zero ends in `internal error: DivisionByZero` (exit 3) when the weights lint evaluates it."""
    policy = write(tmp_path, "w.assess", """
facts {
  a: decimal 0..10 "a"
}

policy w "w" {
  item 1 "g" max 100 {
    item 1 "x" max 10 {
      weight 1 / 0
      add a
    }
  }
}
""")
    assert run("check", policy).exit_code == 0
    result = run("score", policy, write(tmp_path, "w.csv", "id,a\nA,1\n"))
    assert result.exit_code == 1 and "division by zero" in result.output, result.output


def test_a_fact_longer_than_arithmetic_keeps_is_a_fact_error(tmp_path):
    """A fact such as `1e2000` ends in `internal error: InvalidOperation` (exit 3)."""
    policy = write(tmp_path, "p.assess", TENS.format(scope="total", places=0, mode="half_up").replace(
        "decimal -1000..1000", "decimal"))
    result = run("score", policy, write(tmp_path, "f.csv", "id,x\nA,1e2000\nB,1e30\n"))
    assert result.exit_code == 1 and "D0604 entity `A`: fact `x` is `1e2000`" in result.output, result.output
    assert "entity `B`" not in result.output  # 1e30 is a number: 31 digits, kept exactly


# ---- negative places and half_down, in every engine ---------------------------------------------------

TENS = """
facts {{
  x: decimal -1000..1000 "x"
}}

policy tens "tens" {{
  round {scope} {places} places {mode}
  item 1 "a" max 2000 {{
    add x
    add x / 2
  }}
}}
"""

VALUES = ("125", "135", "-125", "-135", "124.99", "150", "-150", "0", "5", "-5", "999.5", "-0.5")


def _agree_in_every_engine(mode: str, places: int) -> None:
    import differential_support as DS

    for scope in ("each", "total"):
        text = TENS.format(scope=scope, places=places, mode=mode)
        policy = DS.policy_from_text(text)
        assert policy is not None, text
        entities = [(f"e{k}", {"x": Decimal(v)}) for k, v in enumerate(VALUES)]
        outcome = DS.compare_all(DS.build_engines(policy), entities)
        DS.assert_agree(outcome, text)
        assert outcome.refusals == [], outcome.refusals
        assert all(n == len(VALUES) for n in outcome.compared.values()), outcome.compared


@pytest.mark.parametrize("mode, places", [("half_down", -2), ("half_down", 2), ("half_up", -1), ("floor", -1)])
def test_rounding_to_tens_and_hundreds_and_half_down_agree_in_every_engine(mode, places):
    """Rounding to tens or hundreds (negative places) cannot be written, and there is no `half_down` mode."""
    _agree_in_every_engine(mode, places)


@pytest.mark.slow
@pytest.mark.parametrize("places", [-2, -1, 0, 1])
@pytest.mark.parametrize("mode", ROUNDING_MODES)
def test_every_mode_at_every_kind_of_places_agrees_in_every_engine(mode, places):
    """Every mode to hundreds, tens, whole numbers and tenths: the interpreter, the generated module,
    the batch engine and SQL on DuckDB agree."""
    _agree_in_every_engine(mode, places)


@pytest.mark.parametrize("mode, expected", [
    ("half_up", ("170", "200", "-170", "-200", "190")),
    ("half_down", ("160", "190", "-160", "-190", "190")),
    ("half_even", ("160", "200", "-160", "-200", "190")),
    ("down", ("160", "190", "-160", "-190", "180")),
    ("up", ("170", "200", "-170", "-200", "190")),
    ("floor", ("160", "190", "-170", "-200", "180")),
    ("ceiling", ("170", "200", "-160", "-190", "190")),
])
def test_rounding_to_tens_gives_the_documented_whole_numbers(tmp_path, mode, expected):
    """Rounding to tens (`-1 places`) rounds the ties 165 and 195 (and 187.5) as docs/semantics.md shows."""
    policy = load_policy(write(tmp_path, "tens.assess", TENS.format(scope="total", places=-1, mode=mode)))
    totals = [policy.score_values(e, {"x": Decimal(x)}).total for e, x in
              (("a", "110"), ("b", "130"), ("c", "-110"), ("d", "-130"), ("e", "125"))]  # × 1.5
    assert [show(t) for t in totals] == list(expected)
    assert all(t.as_tuple().exponent == 0 for t in totals)  # whole numbers: 190, not 1.9E+2


def test_negative_places_parse_format_and_bound_statically(tmp_path):
    """Negative places cannot be written: the grammar, the formatter and the static bounds take them."""
    text = TENS.format(scope="total", places=-2, mode="half_down")
    module = parse(SourceFile("tens.assess", text), DiagnosticBag())
    assert "round total -2 places half_down" in format_module(module)
    path = write(tmp_path, "tens.assess", text)
    bounds = run("check", "--bounds", path)
    assert bounds.exit_code == 0
    assert "total  [-1500, 1500]" in bounds.output  # ±1500 is a multiple of 100: rounding keeps it
    fractional = _check(tmp_path, text.replace("-2 places", "-1.5 places"))
    assert "E0402" in fractional.output and "`-1.5` is not a whole number of decimal places" in fractional.output


def test_a_fact_named_places_after_a_range_is_still_a_name(tmp_path):
    """Negative places must not turn `places` into a keyword after a range's number (a soft keyword)."""
    result = _check(tmp_path, """
facts {
  n2: count 0..1
  places: rank
}

policy p "p" {
  round total -1 places half_up
  item 2 "x" {
    start places + n2
  }
}
""")
    assert result.exit_code == 0, result.output


# ---- one list of rounding modes --------------------------------------------------------------------


def test_every_engine_rounds_in_exactly_the_modes_of_the_one_list():
    """Rounding mode names are listed in five places: every engine must take them from one definition."""
    from assessc.backends.batch import kernels
    from assessc.backends.pygen import module as pygen_module
    from assessc.backends.sql.expressions import _ROUNDERS

    from assessc.runtime.decimals import Rounding
    from assessc.runtime.fixedpoint import ROUND_UNITS

    assert ROUNDING_MODES == tuple(decimals.MODES) == tuple(m.value for m in Rounding) and "half_down" in ROUNDING_MODES
    assert set(_ROUNDERS) == set(ROUNDING_MODES)
    assert set(ROUND_UNITS) == set(Rounding)
    runtime = pygen_module.runtime_text()
    namespace: dict = {}
    exec(compile(runtime, "runtime", "exec"), namespace)  # noqa: S102 - the generated module's own runtime
    assert tuple(namespace["MODES"]) == ROUNDING_MODES  # the module holds the one enum, not a copy of its names
    assert [m.value for m in namespace["Rounding"]] == list(ROUNDING_MODES)
    assert all(namespace[f"round_{mode}"] is namespace["ROUND_UNITS"][namespace["Rounding"](mode)]
               for mode in ROUNDING_MODES)
    for mode in ROUNDING_MODES:  # the batch kernels know each mode, on ints and on arrays
        import numpy as np

        assert kernels.round_units(1250, 2, mode) == int(kernels.round_units(np.array([1250]), 2, mode)[0])
    language = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    table = [line.split("`")[1] for line in language.splitlines() if line.startswith("| `") and "| 0.1" in line]
    assert tuple(table) == ROUNDING_MODES, table
    import policy_strategies

    assert policy_strategies.ROUNDING_MODES is ROUNDING_MODES


# ---- no arithmetic outside the exact context --------------------------------------------------------------


def test_no_decimal_operation_in_the_code_runs_in_the_default_context():
    """Printing, JSON, CSV, explain, the ranking's sort key, `test`, `fmt` and the SQL literal writer
    run in Python's default 28-digit decimal context."""
    found = scan(ROOT)
    assert not found, "\n".join(str(f) for f in found)


def test_the_scan_finds_each_kind_of_leak():
    """The scan that guards the context must itself see the leaks it is for."""
    leaks = scan_source('''
from decimal import Decimal
import attrs

@attrs.frozen
class Row:
    total: Decimal

def rank(rows):
    return sorted(rows, key=lambda r: -r.total)

def total(values):
    return sum(values, Decimal(0))

def shown(value: Decimal) -> str:
    return str(value.quantize(Decimal(1))) + format(value.normalize(), "f")

def half(value: Decimal) -> Decimal:
    return value / 2
''')
    kinds = sorted({f.what.split(" ")[0] for f in leaks})
    assert len({f.line for f in leaks}) == 4, [str(f) for f in leaks]
    assert kinds == ["Decimal", "`normalize()`", "`quantize()`", "`sum()`", "a"], kinds
    clean = scan_source('''
import decimal
from decimal import Decimal
CONTEXT = decimal.Context(prec=1000)

def rank(rows):
    return sorted(rows, key=lambda r: r.total, reverse=True)

def shown(value: Decimal) -> str:
    return format(value.normalize(CONTEXT), "f") + unicodedata.normalize("NFKC", "x")

def count(words) -> int:
    return sum(len(w) for w in words) + 1
''')
    assert clean == [], [str(f) for f in clean]


# ---- no float in generated SQL --------------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "spark"])
def test_generated_sql_never_computes_through_a_float_type(dialect):
    """PostgreSQL's query divided through DOUBLE PRECISION where sqlglot could not see the dividend's
    type: (3 + 1) / 150% came out as 2.666666666666670001."""
    from assessc.backends import sql as S

    quotient = ROOT / "tests" / "backends" / "sql" / "quotient_of_a_sum.assess"
    for path in [quotient, *sorted((ROOT / "policies").glob("*.assess"))]:
        sql = S.to_sql(load_policy(path).graph, dialect).upper()
        assert not any(word in sql for word in ("DOUBLE", "FLOAT", "REAL")), (path.name, dialect)
