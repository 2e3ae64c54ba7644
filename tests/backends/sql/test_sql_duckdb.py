"""The SQL backend run by DuckDB agrees exactly with the interpreter.

* every bundled policy on its bundled facts: every node and the total;
* random valid policies (``policy_strategies.policies()``) on random facts,
  derandomized; rounding ties (x.xx5, −x.xx5) in every mode, zero floors;
* a lookup used as a value with no row, a division by zero and a date outside
  the working-day calendar give NULL where the interpreter stops;
* the comparison fails when the SQL's rounding is changed;
* nothing a policy names or says is pasted into SQL as code.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest

duckdb = pytest.importorskip("duckdb", reason="DuckDB (pip install duckdb) runs the generated SQL in process")
pytest.importorskip("sqlglot", reason="the SQL backend builds its queries with sqlglot")

from hypothesis import HealthCheck, Phase, given, reject, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import sql_harness as H  # noqa: E402
from assessc.api import PolicyError, load_policy  # noqa: E402
from assessc.backends import sql as S  # noqa: E402
from assessc.backends.sql.expressions import _Compiler  # noqa: E402
from assessc.dsl.source import DIRECTION_CONTROLS  # noqa: E402
from assessc.ir import nodes as ir  # noqa: E402
from assessc.ir import walk  # noqa: E402
from assessc.runtime.decimals import ROUNDING_MODES  # noqa: E402
from fact_strategies import entity_values  # noqa: E402
from policy_strategies import GeneratedPolicy, policies  # noqa: E402

pytestmark = pytest.mark.slow  # a long generated, differential or database run: `pytest -m slow`

ROOT = Path(__file__).resolve().parents[3]
BUNDLED = sorted(p.stem for p in (ROOT / "policies").glob("*.assess"))
_WORKDIR = tempfile.TemporaryDirectory(prefix="assess-sql-")


def bundled(name: str):
    policy = load_policy(ROOT / "policies" / f"{name}.assess")
    facts_file = next((ROOT / "policies").glob(f"{name}.facts.*"))
    return policy, policy.load_facts(facts_file)


def compile_text(text: str):
    path = Path(_WORKDIR.name) / (hashlib.sha1(text.encode("utf-8")).hexdigest()[:20] + ".assess")
    path.write_text(text, encoding="utf-8")
    try:
        return load_policy(path)
    except PolicyError as error:
        raise AssertionError(f"the policy does not compile:\n{error}\n---- source ----\n{text}") from None


def check(policy, entities, sql: str | None = None) -> list:
    """The mismatches between DuckDB and the interpreter (empty when they agree)."""
    rows, columns = H.score_duckdb(policy.graph, entities, sql)
    assert columns == S.output_columns(policy.graph)
    return H.compare(policy.graph, H.expected(policy, entities), rows, columns)


# ---- the bundled policies ------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_policy_scores_exactly_as_the_interpreter(name):
    policy, facts = bundled(name)
    run = policy.score_facts(facts)
    rows, columns = H.score_duckdb(policy.graph, [(e.id, e.values) for e in facts.entities])
    assert len(rows) == len(facts.entities)
    wrong = H.compare(policy.graph, {r.entity: r for r in run.results}, rows, columns)
    assert wrong == []
    items = [node.id for node in policy.graph.order if node.kind == "item"]
    assert columns == ["id", *items, "total"]


def test_the_bundled_totals_are_the_documented_ones():
    policy, facts = bundled("guangxi_2017")
    rows, columns = H.score_duckdb(policy.graph, [(e.id, e.values) for e in facts.entities])
    totals = {row[0]: row[columns.index("total")] for row in rows}
    assert totals["南宁"] == policy.score_facts(facts).result("南宁").total
    assert all(isinstance(v, Decimal) for v in totals.values())  # exact DECIMAL, never a float


# ---- random policies, random facts ------------------------------------------------------------------

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def _settings(examples: int, **extra) -> settings:
    return settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                    suppress_health_check=_HEALTH, **extra)


def _terminates(divisor) -> bool:
    if not (isinstance(divisor, ir.Const) and isinstance(divisor.value, Decimal) and divisor.value != 0):
        return False
    context = decimal.Context(prec=100, traps=[])
    context.divide(Decimal(1), divisor.value)
    return not context.flags[decimal.Inexact]


def has_inexact_quotient(policy) -> bool:
    """A division whose quotient may have no finite decimal form: the interpreter keeps
    60 significant digits of it and SQL DIVISION_SCALE places."""
    exprs = []
    for node in policy.all_nodes():
        exprs += [node.start, node.applies, node.coefficient] + [z.condition for z in node.zero_if]
        for term in node.terms:
            exprs += walk.term_exprs(term)
        if node.weight is not None:
            if node.max is None or not _terminates(ir.Const(node.max, None)):
                return True
            exprs += walk.body_exprs(node.weight)
    exprs += [v.condition for v in policy.vetoes] + [policy.coefficient]
    for expr in exprs:
        for sub in walk.subexpressions(expr) if expr is not None else ():
            if isinstance(sub, ir.Binary) and sub.op == "/" and not _terminates(sub.right):
                return True
            if isinstance(sub, ir.Steps) or (isinstance(sub, ir.Call) and sub.func == "workdays"):
                pass
    for node in policy.all_nodes():
        for term in node.terms:
            if isinstance(term.body, ir.Steps) and not _terminates(term.body.step):
                return True
    return False


def differential(config: settings):
    @config
    @given(policies(), st.data())
    def run(generated: GeneratedPolicy, data):
        try:
            policy = compile_text(generated.text)
        except AssertionError:  # the generator and the checker disagree: their own tests report it
            reject()
        values = data.draw(st.lists(entity_values(policy.ir.facts), min_size=3, max_size=6), label="entities")
        entities = [(f"e{k}", v) for k, v in enumerate(values)]
        wrong = check(policy, entities)
        if has_inexact_quotient(policy.ir):  # 60 digits against DIVISION_SCALE places: equal to 1e-15
            wrong = [w for w in wrong if len(w) < 4 or w[2] is None or w[3] is None
                     or not H.within_sql_tolerance(w[2], Decimal(w[3]))]
        assert wrong == [], f"{wrong[:4]}\n---- policy ----\n{generated.text}"

    return run


def test_random_policies_score_exactly_as_the_interpreter():
    differential(_settings(50, phases=(Phase.explicit, Phase.generate)))()


# ---- rounding: ties, signs, every mode -----------------------------------------------------------

TIE_POLICY = """
facts {{
  x: decimal -5..5 "x"
  n: count "n"
}}

policy ties "ties" {{
  round {scope} {places} places {mode}
  item 1 "a" max 3 {{
    add x
    add 0.5 * x
  }}
  item 2 "b" max 2 {{
    start 1
    deduct 0.125 per n
    until zero
  }}
  penalty 减 "c" max 1 {{
    deduct 0.005 * n
  }}
}}
"""

TIE_VALUES = [Decimal(v) for v in ("0.125", "-0.125", "0.135", "-0.135", "0.005", "-0.005", "2.345", "-2.345",
                                   "0.25", "-0.75", "0", "1.115", "-1.115", "4.999", "-4.999", "0.01")]
MODES = ROUNDING_MODES


def tie_entities():
    return [(f"e{k}", {"x": x, "n": Decimal(k % 11)}) for k, x in enumerate(TIE_VALUES)]


@pytest.mark.parametrize("places", [2, -1])  # hundredths, and tens
@pytest.mark.parametrize("scope", ["each", "total"])
@pytest.mark.parametrize("mode", MODES)
def test_rounding_ties_and_zero_floors_in_every_mode(mode, scope, places):
    policy = compile_text(TIE_POLICY.format(mode=mode, scope=scope, places=places))
    entities = tie_entities()
    assert check(policy, entities) == []
    results = H.expected(policy, entities)
    if places >= 0:  # (rounding every rule up to tens, `ceiling` keeps item 2 off its floor)
        assert any(r.value("2") == 0 for r in results.values())  # the floor was reached


def test_half_up_is_away_from_zero_on_ties():
    policy = compile_text(TIE_POLICY.format(mode="half_up", scope="each", places=2))
    rows, columns = H.score_duckdb(policy.graph, [("p", {"x": Decimal("0.05"), "n": Decimal(0)}),
                                                  ("m", {"x": Decimal("-0.05"), "n": Decimal(0)})])
    item = {row[0]: row[columns.index("1")] for row in rows}
    # add x = 0.05, add 0.5 * x = 0.025 → 0.03 (away from zero): 0.08; for −0.05: −0.08
    assert item == {"p": Decimal("0.08"), "m": Decimal("-0.08")}


def test_the_comparison_fails_when_the_sql_rounds_differently(monkeypatch):
    """Round half to even in the SQL while the policy says half_up: the ties must show it."""
    policy = compile_text(TIE_POLICY.format(mode="half_up", scope="each", places=2))
    entities = tie_entities()
    assert check(policy, entities) == []
    original = _Compiler.round

    def half_even(self, x):
        rounding = self.rounding
        self.rounding = type(rounding)(rounding.scope, rounding.places, "half_even")
        try:
            return original(self, x)
        finally:
            self.rounding = rounding

    monkeypatch.setattr(_Compiler, "round", half_even)
    wrong = check(policy, entities)
    assert wrong, "the differential comparison did not notice a change of rounding mode"
    assert {w[0] for w in wrong} >= {"e0"}  # 0.125 + 0.0625 → 0.13 + 0.06 (half_up) vs 0.12 + 0.06


@pytest.mark.filterwarnings("ignore:Generating overly large repr")  # the failing example is a whole policy
def test_the_random_differential_also_finds_a_change_of_rounding(monkeypatch):
    original = _Compiler.round

    def truncate(self, x):
        rounding = self.rounding
        self.rounding = type(rounding)(rounding.scope, rounding.places, "down")
        try:
            return original(self, x)
        finally:
            self.rounding = rounding

    monkeypatch.setattr(_Compiler, "round", truncate)
    with pytest.raises(AssertionError):
        differential(_settings(150, phases=(Phase.explicit, Phase.generate), report_multiple_bugs=False))()


# ---- errors are NULL, never a silent 0 -------------------------------------------------------------

ERRORS = """
facts {
  category: enum { 市州, 直管市, 其他 } "类别"
  reports: count "条数"
  d: count "分母"
  a: date "公告日期"
  b: date "备案日期"
}

table quota { 市州: 24  直管市: 18 }

policy errors "errors" {
  item 1 "quota" max 60 {
    add 60 if reports >= lookup category quota
  }
  item 2 "ratio" {
    add reports / d
  }
  item 3 "late" {
    deduct 2 per max(0, workdays(a, b) - 15)
  }
  item 4 "weighted" {
    item 1 "part" max 10 {
      weight lookup category { 市州: 50%  直管市: 40% }
      start 10
    }
  }
}
"""


def test_a_lookup_without_a_row_a_zero_divisor_and_an_uncovered_date_are_null():
    policy = compile_text(ERRORS)
    ok = {"category": "市州", "reports": Decimal(30), "d": Decimal(4), "a": datetime.date(2017, 9, 20),
          "b": datetime.date(2017, 10, 20)}
    entities = [
        ("ok", ok),
        ("no-row", {**ok, "category": "其他"}),
        ("zero", {**ok, "d": Decimal(0)}),
        ("uncovered", {**ok, "b": datetime.date(2030, 1, 5)}),
        ("backwards", {**ok, "a": datetime.date(2031, 1, 5), "b": datetime.date(2017, 1, 5)}),  # not after: 0
    ]
    expected = H.expected(policy, entities)
    assert expected["ok"] is not None and expected["backwards"] is not None
    assert expected["no-row"] is None and expected["zero"] is None and expected["uncovered"] is None
    assert check(policy, entities) == []
    rows, columns = H.score_duckdb(policy.graph, entities)
    got = {row[0]: dict(zip(columns, row)) for row in rows}
    assert got["no-row"]["1"] is None and got["no-row"]["4.1"] == 10 and got["no-row"]["4"] is None
    assert got["zero"]["2"] is None and got["zero"]["1"] == 60
    assert got["uncovered"]["3"] is None
    assert all(got[e]["total"] is None for e in ("no-row", "zero", "uncovered"))
    assert got["ok"]["3"] == -2 * (expected["ok"].value("3") / -2)  # 22 working days: 7 late


def test_working_days_match_the_calendar_for_random_dates():
    policy = compile_text("""
facts { a: date  b: date }
policy w "w" { item 1 "w" { add workdays(a, b)  add workdays(2017-06-20, b)  add workdays(a, 2018-02-28) } }
""")

    days = st.one_of(st.dates(datetime.date(2003, 11, 1), datetime.date(2004, 3, 1)),  # the calendar's ends
                     st.dates(datetime.date(2016, 10, 1), datetime.date(2018, 12, 31)),
                     st.dates(datetime.date(2026, 9, 1), datetime.date(2027, 1, 31)))

    @_settings(30)
    @given(st.lists(st.tuples(days, st.integers(-40, 200)), min_size=5, max_size=20))
    def run(pairs):
        entities = [(f"e{k}", {"a": a, "b": a + datetime.timedelta(days=days)}) for k, (a, days) in enumerate(pairs)]
        assert check(policy, entities) == []

    run()


def test_working_days_on_declared_years_match_the_interpreter():
    # 2027 and 2029 declared beyond chinese-calendar's 2026, so 2028 is a year no schedule covers:
    # a count through it is NULL, a count on either side of it is the interpreter's
    policy = compile_text("""
calendar 2027 "example" { holiday "春节" 2027-02-06..2027-02-12 workdays 2027-02-14, 2027-02-20 }
calendar 2029 "example" { holiday "元旦" 2029-01-01..2029-01-02 workdays 2029-01-06 }
facts { a: date  b: date }
policy w "w" { item 1 "w" { add workdays(a, b)  add workdays(2027-02-01, b)  add workdays(a, 2029-01-08) } }
""")
    days = st.one_of(st.dates(datetime.date(2026, 11, 1), datetime.date(2027, 3, 1)),
                     st.dates(datetime.date(2027, 12, 1), datetime.date(2029, 2, 1)))

    @_settings(30)
    @given(st.lists(st.tuples(days, st.integers(-40, 420)), min_size=5, max_size=20))
    def run(pairs):
        entities = [(f"e{k}", {"a": a, "b": a + datetime.timedelta(days=days)}) for k, (a, days) in enumerate(pairs)]
        assert check(policy, entities) == []

    run()


# ---- ledgers ---------------------------------------------------------------------------------------

LEDGERS = """
facts {
  cases: ledger {
    matter: text "事项"
    kind: enum { award "表彰" also "获奖", model, other }
    n: count 0..3
  }
  limit: count "上限"
}

policy ledgers "ledgers" {
  bonus 加分 "highest per matter" max 10 {
    add cases by kind { award: 1.5  model: 1  else: 0.25 } highest per matter
  }
  bonus 多 "each entry" {
    add cases by kind { award: 1  model: 0.5 }
  }
  penalty 减 "where" {
    deduct sum cases where (n >= limit and kind != other) by kind { award: 2  model: 1 } highest per n
  }
  item 1 "count" max 5 {
    add 0.5 per count cases
    add 1 per count cases where (kind == model)
  }
}
"""


def test_ledger_sums_counts_groups_and_where_match_the_interpreter():
    policy = compile_text(LEDGERS)
    entry = lambda matter, kind, n: {"matter": matter, "kind": kind, "n": Decimal(n)}  # noqa: E731
    entities = [
        ("none", {"cases": (), "limit": Decimal(0)}),
        ("one", {"cases": (entry("甲", "award", 1),), "limit": Decimal(1)}),
        ("twice", {"cases": (entry("甲", "award", 1), entry("甲", "model", 2), entry("乙", "model", 3),
                             entry("乙", "other", 0)), "limit": Decimal(2)}),
        ("many", {"cases": tuple(entry(m, k, n) for m in "甲乙丙丁" for k in ("award", "model", "other")
                                 for n in (0, 3)), "limit": Decimal(1)}),
    ]
    assert check(policy, entities) == []


def test_enum_labels_and_aliases_in_the_table_read_as_members():
    policy = compile_text(LEDGERS)
    rows, columns = H.score_duckdb(policy.graph, [("a", {"cases": ({"matter": "甲", "kind": "获奖", "n": Decimal(0)},
                                                                    {"matter": "乙", "kind": "表彰", "n": Decimal(0)}),
                                                         "limit": Decimal(0)})])
    assert rows[0][columns.index("加分")] == 3  # both read as `award`


# ---- nothing from a policy becomes SQL code --------------------------------------------------------

NASTY = ["'); DROP TABLE facts; --", "it's", 'say "hi"', "a;b", "-- comment", "back\\slash\\", "两行\\n换行",
         "\u202eevil\u202c", "\u2066isolate\u2069", "/* x */"]


def _nasty_policy() -> str:
    # a policy cannot hold a text direction control (E0106), so they are left out here; entity values
    # still hold them
    escaped = [s.translate({ord(ch): None for ch in DIRECTION_CONTROLS}).replace("\\", "\\\\").replace('"', '\\"')
               for s in NASTY]
    aliases = " ".join(f'"{s}"' for s in escaped[1:4])
    labels = ", ".join(f'm{k} "{s}"' for k, s in enumerate(escaped[4:], start=1))
    return f"""
facts {{
  grade: enum {{ 优秀 "{escaped[0]}" also {aliases}, 合格 }} "{escaped[1]}" default 合格
  ev: evidence {{ {labels} }} "{escaped[2]}"
  total: count "a fact named total"
  rank: rank 1..9
  cases: ledger {{
    matter: text "{escaped[3]}" default "{escaped[0]}"
    kind: enum {{ a "{escaped[5]}" also "{escaped[6]}", b }}
  }}
}}

policy nasty "{escaped[0]}" {{
  entity unit "{escaped[3]}"
  lead "{escaped[4]}"
  item 1 "{escaped[0]}" max 100 {{
    text "{escaped[5]}"
    add lookup grade {{ 优秀: 2  合格: 1 }}
    deduct 0.5 per missing ev
    add 0.25 per total
    add lookup rank {{ 1..3: 3  4..9: 1 }}
  }}
  bonus drop_table "{escaped[1]}" {{ add cases by kind {{ a: 1  b: 0.5 }} highest per matter }}
}}
"""


def _nasty_entities(policy):
    members = policy.ir.fact("ev").type.member_names
    out = []
    for k, spelling in enumerate(NASTY + ["plain"]):
        cases = ({"matter": spelling, "kind": "a"}, {"matter": "x", "kind": "b"}, {"matter": NASTY[0], "kind": "a"})
        out.append((f"e{k}'; --", {"grade": "优秀" if k % 2 else "合格", "ev": frozenset(members[: k % 4]),
                                   "total": Decimal(k), "rank": Decimal(1 + k % 9), "cases": cases[: k % 4]}))
    return out


def test_titles_members_and_strings_with_quotes_and_controls_stay_literals():
    import sqlglot

    policy = compile_text(_nasty_policy())
    for dialect in S.DIALECTS:
        text = S.to_sql(policy.graph, dialect)
        statements = sqlglot.parse(text, read=dialect)
        assert len(statements) == 1 and isinstance(statements[0], sqlglot.exp.Select)
        assert not list(statements[0].find_all(sqlglot.exp.Drop, sqlglot.exp.Command))
        literals = {lit.this for lit in statements[0].find_all(sqlglot.exp.Literal) if lit.is_string}
        for nasty in ("'); DROP TABLE facts; --", "it's", 'say "hi"', "/* x */"):
            assert any(nasty in literal for literal in literals), nasty
    entities = _nasty_entities(policy)
    assert check(policy, entities) == []
    # a blank `matter` reads as its default, here the same text as another entry's: one group
    filled = {"grade": "优秀", "ev": frozenset(), "total": Decimal(0), "rank": Decimal(1),
              "cases": ({"matter": NASTY[0], "kind": "a"}, {"matter": NASTY[0], "kind": "b"})}
    blank = {**filled, "cases": ({"matter": NASTY[0], "kind": "a"}, {"matter": None, "kind": "b"})}
    rows, columns = H.score_duckdb(policy.graph, [("filled", filled), ("blank", blank)])
    assert [row[columns.index("drop_table")] for row in rows] == [1, 1]
    assert H.expected(policy, [("filled", filled)])["filled"].value("drop_table") == 1
    connection = duckdb.connect()
    H.load(connection.execute, connection.executemany, policy.graph, "duckdb", entities)
    connection.execute(S.to_sql(policy.graph, "duckdb")).fetchall()
    assert connection.execute('SELECT count(*) FROM "facts"').fetchone()[0] == len(entities)  # still there


def test_labels_and_aliases_with_quotes_are_read_in_the_table():
    policy = compile_text(_nasty_policy())
    base = {"ev": frozenset(), "total": Decimal(0), "rank": Decimal(1), "cases": ()}
    spellings = [NASTY[0], *NASTY[1:4], "优秀"]
    rows, columns = H.score_duckdb(policy.graph, [(f"e{k}", {**base, "grade": spelling})
                                                  for k, spelling in enumerate(spellings)])
    assert [row[columns.index("1")] for row in rows] == [Decimal("2") + 3 - Decimal("0.5") * 6] * len(spellings)


def test_a_table_name_is_quoted_not_pasted():
    import sqlglot

    policy = compile_text('facts { n: count }\npolicy p "t" { item 1 "a" { add n } }\n')
    text = S.to_sql(policy.graph, table='we"ird; DROP TABLE x; --', id_column="k'ey")
    statement = sqlglot.parse_one(text, read="duckdb")
    assert not list(statement.find_all(sqlglot.exp.Drop))
    connection = duckdb.connect()
    connection.execute('CREATE TABLE "we""ird; DROP TABLE x; --" ("k\'ey" TEXT, n DECIMAL(38, 0))')
    connection.execute('INSERT INTO "we""ird; DROP TABLE x; --" VALUES (\'a\', 3)')
    assert connection.execute(text).fetchall() == [("a", Decimal(3), Decimal(3))]


# ---- names at the limits SQL keeps apart ----------------------------------------------------------------

_LONG = "法治政府建设示范创建工作年度完成情况汇总"  # 20 characters, 60 bytes in UTF-8
#: two facts of 63 bytes (21 Chinese characters) that differ only in their last character, names
#: that differ in more than case, a 63-byte item key, a ledger and its fields named in Chinese: the
#: longest names PostgreSQL keeps whole, and names DuckDB and Spark keep apart
NAMES_POLICY = f"""
facts {{
  {_LONG}一: count "第一项"
  {_LONG}二: count "第二项"
  rate: percent
  rate_2: percent
  奖励: ledger {{
    事项: text
    级别: enum {{ 国家级, 省级 }}
  }}
}}

policy names "names" {{
  item A "甲" max 10 {{
    add 1 per {_LONG}一
    add 2 per {_LONG}二
  }}
  item b "乙" max 2 {{
    add 1 if rate > 50%
    add 1 if rate_2 > 50%
  }}
  bonus {_LONG}奖 "奖" {{ add 奖励 by 级别 {{ 国家级: 1  省级: 0.5 }} }}
}}
"""


def names_entities():
    awards = ({"事项": "x", "级别": "国家级"}, {"事项": "y", "级别": "省级"})
    return [(f"e{k}", {f"{_LONG}一": Decimal(k), f"{_LONG}二": Decimal(3 - k), "rate": Decimal(k) / 4,
                       "rate_2": Decimal(3 - k) / 4, "奖励": awards[:k]}) for k in range(4)]


def test_names_at_the_limits_sql_keeps_apart():
    policy = compile_text(NAMES_POLICY)
    assert max(len(n.encode("utf-8")) for n in S.output_columns(policy.graph)) == S.MAX_NAME_BYTES
    assert check(policy, names_entities()) == []


# ---- what SQL cannot say ------------------------------------------------------------------------------


def test_an_item_keyed_like_an_output_column_is_refused_with_its_line():
    policy = compile_text('policy p "t" {\n  item 1 "a" { start 1 }\n  bonus id "b" { start 1 }\n}\n')
    with pytest.raises(S.SQLUnsupported) as info:
        S.to_sql(policy.graph)
    assert ":3:" in str(info.value) and "`id`" in str(info.value)


def test_a_where_that_can_fail_is_refused_with_its_line():
    policy = compile_text("""facts {
  cases: ledger { kind: enum { a, b } }
}
table t { a: 1 }
policy p "t" {
  bonus x "x" {
    add sum cases where (lookup kind t >= 1) by kind { a: 1 }
  }
}
""")
    with pytest.raises(S.SQLUnsupported) as info:
        S.to_sql(policy.graph)
    assert ":7:" in str(info.value) and "where" in str(info.value)


# ---- weights, applicability, coefficients ----------------------------------------------------------

WEIGHTS = """
facts {{
  region: enum {{ 木里, 五县 "布拖、金阳", 其他 }} "县市类别"
  base: decimal 0..100 "1-12项得分"
  tibet: decimal 0..30 "第13项得分"
  index: decimal 0..2 "指数"
  fraud: bool "弄虚作假"
  n: count 0..9 "次数"
}}

policy weights "weights" {{
  {rounding}
  max 90
  coefficient index
  item 1 "法律七进" {{
    item 1 "1-12项" max 100 {{
      weight lookup region {{ 木里: 10%  五县: 10%  其他: 15% }}
      add base
    }}
    item 13 "木里" max 30 {{
      applies if region == 木里
      weight 5%
      add tibet
      item 1 "nested" max 3 {{
        applies if n > 2
        start 3
        deduct 0.7 per n
      }}
    }}
  }}
  item 2 "其他任务" max 100 {{
    weight 85%
    coefficient index
    start 100
    deduct 3.3 per n
    zero if fraud and n > 7
    until zero
  }}
  bonus 3 "加分" max 2.5 {{
    applies if region != 其他
    coefficient 1 / 3
    add 0.35 per n
  }}
  penalty 4 "减分" max 1.25 {{
    deduct 0.45 per n
  }}
}}
"""


@pytest.mark.parametrize("rounding", ["", "round each 2 places half_up", "round total 1 places half_even",
                                      "round each 1 places floor"])
def test_weights_applicability_and_coefficients_match_the_interpreter(rounding):
    policy = compile_text(WEIGHTS.format(rounding=rounding))

    @_settings(15)
    @given(st.lists(entity_values(policy.ir.facts), min_size=5, max_size=15))
    def run(values):
        entities = [(f"e{k}", v) for k, v in enumerate(values)]
        wrong = check(policy, entities)
        # `coefficient 1 / 3` has no finite decimal form: unrounded values agree to 1e-15
        # (a rounded one differs by a whole unit of its last place, if at all)
        wrong = [w for w in wrong if w[3] is None or not H.within_sql_tolerance(w[2], Decimal(w[3]))]
        assert wrong == []

    run()
