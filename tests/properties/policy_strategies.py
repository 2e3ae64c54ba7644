"""Hypothesis strategies for random valid policies, built as ASTs.

:func:`policies` draws a :class:`GeneratedPolicy`: an :class:`ast.Module`
holding one policy made of the language's constructs, the ``facts`` its rules
read, named tables and templates, and the module's source text as printed by
the formatter (:mod:`assessc.dsl.fmt`). Tests compile that text, so every
generated policy goes through the parser too.

What is generated:

* facts of every kind -- count and rank (with and without ranges), percent
  (default and wider ranges), decimal, amount (``default 0``), bool, date,
  enum and evidence (members with labels), ledgers (a text field, an enum
  field, a count field) -- with labels and defaults, some named after soft
  keywords (``rank``, ``total``, ``of``, ``in`` …), some in Chinese;
* items nested up to three levels, with ``max`` (sometimes ``uncapped``),
  bonuses and penalties with and without ``max``, item keys as numbers and
  names, and every metadata statement;
* ``start``; ``add``/``deduct`` with plain terms, ``per`` terms (over counts,
  ``missing`` evidence, ``count`` of ledgers), steps (below and above, each
  ``counting`` mode, and none), lookups (numeric bands over rank and count
  facts, with gaps, single keys and ``else``; enum tables; inline and named
  tables; most cover every value of their key or have ``else``, the rest
  stop scoring an entity whose key no row matches), ledger sums (``highest per`` or not); ``if`` conditions;
* ``until zero``, ``zero if``, vetoes, ``accept``, ``entity``, a policy
  ``max``, ``round each|total N places MODE``;
* ``outcomes`` with ``grades`` of the total (and of an item): bands open or
  closed at their cuts, now and then a gap, an overlap or bands out of order;
  ``veto … grade G`` vetoes; ``demote``/``rank last``/``flag`` conditions that
  read ``total()``, ``score(ITEM)`` and ``grade()`` (``==``, ``!=``, ``in``);
* conditions: comparisons of numbers, percents and dates, enum ``==``/``!=``
  (either way round) and ``in {…}``, ``and``/``or``/``not``, bool facts and
  literals; arithmetic ``+ - * /`` (dividing by constants only), unary minus,
  ``min``/``max``;
* templates with number, condition, evidence and count parameters, a template
  that uses another, and ``import deductions`` with its three templates;
* titles, labels and notes with Chinese text, quotes, backslashes, ``#``,
  braces, tabs and line breaks.

Under ``round each N places``, maxima are drawn with at most N decimals: a
max finer than the rounding can be exceeded after rounding (see
``test_generated_policies.py``).
"""

from __future__ import annotations

import functools
import itertools
from decimal import Decimal
from typing import Callable

import attrs
from hypothesis import strategies as st

from assessc.dsl import ast
from assessc.dsl.fmt import format_module
from assessc.runtime.decimals import ROUNDING_MODES

D = Decimal

# ---- literals -----------------------------------------------------------------

_TEXT_CHARS = list('考评法治建设扣分加分得完为止优秀合格年度单位"\\\n\t #{}()《》“”、,。%;:aZ ')
TRICKY_TEXTS = (
    "全部完成得1分,每少出台1项配套文件扣0.5分,扣完为止。",
    'the "quoted" rule',
    "C:\\路径\\文件\\",
    "两行\n第二行",
    "制表\t分隔",
    "# 不是注释",
    '\\"',
    "{ 花括号 }",
    "",
    "《中华人民共和国政府信息公开条例》",
)


_TEXTS = st.one_of(st.sampled_from(TRICKY_TEXTS), st.text(st.sampled_from(_TEXT_CHARS), max_size=12))
# Member names carry digits and labels never do, so a label never reads as
# another member's name in a facts file.
_MEMBER_LABELS = st.text(st.sampled_from([c for c in _TEXT_CHARS if not c.isdigit()]), min_size=1, max_size=8)


def texts() -> st.SearchStrategy[str]:
    return _TEXTS


@functools.lru_cache(maxsize=None)
def _ints(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)  # strategies are built once: drawing is the generator's hot path


POINTS = tuple(D(x) for x in ("1", "0.5", "2", "1.5", "0.25", "3", "5", "0.1", "4", "10", "0.2", "2.5"))
PERCENT_POINTS = tuple(D(x) for x in ("0.5", "0.25", "1.5"))  # written 50%, 25%, 150%
SOFT_NAMES = ("rank", "total", "of", "per", "by", "below", "steps", "places", "weight", "zero", "item", "start",
              "deduct", "until", "and", "or", "in", "if", "policy", "matrix", "also", "percent", "whole")
MAX_TEMPLATES = 3
STDLIB_TEMPLATES = {  # stdlib/deductions.assess: parameter roles, and whether it has `start` / `until zero`
    "per_occurrence_until_zero": ((("points", "num"), ("per_case", "amount"), ("cases", "count")), True),
    "checklist_until_zero": ((("points", "num"), ("per_missing", "amount"), ("items", "ev")), True),
    "all_or_nothing": ((("points", "num"), ("condition", "cond")), False),
}


def num(value, percent: bool = False) -> ast.Number:
    return ast.Number(D(value), percent)


def decimals_of(value: Decimal) -> int:
    return max(0, -value.normalize().as_tuple().exponent)


# ---- what the generator keeps track of ------------------------------------------


@attrs.define
class Fact:
    name: str
    kind: str
    low: Decimal | None = None
    high: Decimal | None = None
    members: tuple[str, ...] = ()
    #: ledgers: the enum field, its members, the text field, the count field
    enum_field: str | None = None
    enum_members: tuple[str, ...] = ()
    text_field: str | None = None
    count_field: str | None = None


@attrs.define
class Table:
    name: str
    members: tuple[str, ...] | None  # None: numeric bands


@attrs.define
class Template:
    name: str
    params: tuple[tuple[str, str], ...]  # (name, role): num, amount, cond, ev, count
    has_start: bool
    has_until: bool


@attrs.frozen(repr=False)
class GeneratedPolicy:
    module: ast.Module
    text: str

    def __repr__(self) -> str:  # hypothesis prints the failing example: show the source
        return f"GeneratedPolicy(text=\n{self.text})"


class _Gen:
    """Draws one module. Facts, tables and templates are created when a rule
    first needs them (or an existing one is reused), so every declaration is
    consistent with its uses by construction."""

    def __init__(self, draw: Callable, total_tables: bool = False):
        self.draw = draw
        #: every table covers its key's values or has `else` (no entity stops scoring for a key
        #: no row matches): for properties of the scores themselves
        self.total_tables = total_tables
        self.counter = itertools.count(1)
        self.fields: list[ast.FactField] = []
        self.facts: dict[str, list[Fact]] = {}
        self.soft = list(SOFT_NAMES)
        self.tables: list[tuple[Table, ast.TableDecl]] = []
        self.templates: list[tuple[Template, ast.TemplateDecl | None]] = []
        self.stdlib = False
        self.cap_places: int | None = None
        self.params: tuple[tuple[str, str], ...] = ()  # the parameters in scope (inside a template)
        self.used_params: set[str] = set()

    # ---- drawing helpers -----------------------------------------------------
    def pick(self, options):
        options = tuple(options)
        return options[self.draw(_ints(0, len(options) - 1))]

    def chance(self, percent: int) -> bool:
        return self.draw(_ints(0, 99)) >= 100 - percent  # shrinks towards "no"

    def upto(self, n: int, low: int = 0) -> int:
        return self.draw(_ints(low, n))

    def subset(self, options, low: int = 0) -> tuple:
        chosen = tuple(o for o in options if self.chance(50))
        return chosen if len(chosen) >= low else tuple(options[:low])

    def shuffled(self, items: list) -> list:
        items, out = list(items), []
        while items:
            out.append(items.pop(self.upto(len(items) - 1)))
        return out

    def fresh(self, prefix: str) -> str:
        return f"{prefix}{next(self.counter)}"

    def text(self) -> str:
        return self.draw(texts())

    def label(self) -> str | None:
        return self.text() if self.chance(60) else None

    def points(self) -> ast.Number:
        if self.chance(10):
            return num(self.pick(PERCENT_POINTS), True)
        return num(self.pick(POINTS))

    def signed_points(self) -> ast.Number:
        value = self.points()
        return attrs.evolve(value, value=-value.value) if self.chance(20) else value

    def cap_value(self) -> ast.Number:
        options = POINTS if self.cap_places is None else tuple(p for p in POINTS if decimals_of(p) <= self.cap_places)
        return num(self.pick(options))

    # ---- facts ----------------------------------------------------------------
    def fact_name(self, prefix: str) -> str:
        if self.soft and self.chance(12):
            return self.soft.pop(self.upto(len(self.soft) - 1))
        return self.fresh(prefix)

    def fact(self, kind: str, reuse: int = 60) -> Fact:
        existing = self.facts.get(kind, [])
        if existing and self.chance(reuse):
            return self.pick(existing)
        return getattr(self, f"_new_{kind}")()

    def _declare(self, fact: Fact, ftype: ast.FactType, default=None, label: str | None = None) -> Fact:
        self.fields.append(ast.FactField(fact.name, ftype, label if label is not None else self.label(), default))
        self.facts.setdefault(fact.kind, []).append(fact)
        return fact

    def _new_count(self) -> Fact:
        fact = Fact(self.fact_name(self.pick(("n", "件数", "cases"))), "count")
        rng = None
        if self.chance(40):
            low, high = self.upto(1), self.upto(12, 1)
            rng, fact.low, fact.high = ast.Range(num(low), num(high)), D(low), D(high)
        default = None
        if self.chance(15):  # a default lies within the fact's range
            low = int(fact.low) if rng is not None else 0
            high = int(fact.high) if rng is not None else 2
            default = num(min(high, low + self.upto(2)))
        return self._declare(fact, ast.FactType("count", range=rng), default)

    def _new_rank(self) -> Fact:
        fact = Fact(self.fact_name(self.pick(("排名", "rk"))), "rank", D(1))
        rng = None
        if self.chance(80):
            fact.high = D(self.upto(14, 2))
            rng = ast.Range(num(1), num(fact.high))
        return self._declare(fact, ast.FactType("rank", range=rng))

    def _new_percent(self) -> Fact:
        fact = Fact(self.fact_name(self.pick(("比率", "rate"))), "percent", D(0), D(1))
        rng = None
        if self.chance(35):
            fact.low, fact.high = self.pick(((D(0), D(1)), (D("0.5"), D(1)), (D(0), D(3))))
            rng = ast.Range(num(fact.low, True), num(fact.high, True))
        return self._declare(fact, ast.FactType("percent", range=rng))

    def _new_decimal(self) -> Fact:
        fact = Fact(self.fact_name(self.pick(("x", "数值"))), "decimal", D(0), D(40))
        rng = None
        if self.chance(70):
            fact.low, fact.high = self.pick(((D(-5), D(5)), (D(0), D(10)), (D("0.5"), D("2.5"))))
            rng = ast.Range(num(fact.low), num(fact.high))
        return self._declare(fact, ast.FactType("decimal", range=rng))

    def _new_amount(self) -> Fact:
        fact = Fact(self.fact_name(self.pick(("amt", "扣分"))), "amount")
        fact.low, fact.high = self.pick(((D(1), D(3)), (D(0), D(5)), (D("0.5"), D(2))))
        default = num(0) if self.chance(60) else None
        return self._declare(fact, ast.FactType("amount", range=ast.Range(num(fact.low), num(fact.high))), default)

    def _new_bool(self) -> Fact:
        fact = Fact(self.fact_name(self.pick(("ok", "是否"))), "bool")
        default = ast.BoolLit(self.chance(50)) if self.chance(15) else None
        return self._declare(fact, ast.FactType("bool"), default)

    def _new_date(self) -> Fact:
        fact = Fact(self.fact_name(self.pick(("day", "日期"))), "date")
        default = ast.DateLit("2018-01-01") if self.chance(20) else None
        return self._declare(fact, ast.FactType("date"), default)

    def _members(self, prefixes, low: int, high: int) -> tuple[ast.Member, ...]:
        count = self.upto(high, low)
        members = []
        for _ in range(count):
            label = self.draw(_MEMBER_LABELS) if self.chance(50) else None
            members.append(ast.Member(self.fresh(self.pick(prefixes)), label))
        return tuple(members)

    def _new_enum(self) -> Fact:
        members = self._members(("优秀", "合格", "grade", "级"), 2, 4)
        fact = Fact(self.fact_name(self.pick(("等次", "level"))), "enum", members=tuple(m.name for m in members))
        default = ast.Name(self.pick(fact.members)) if self.chance(20) else None
        return self._declare(fact, ast.FactType("enum", members=members), default)

    def _new_evidence(self) -> Fact:
        members = self._members(("材料", "doc", "图片"), 1, 4)
        fact = Fact(self.fact_name(self.pick(("证据", "evidence_"))), "evidence", members=tuple(m.name for m in members))
        return self._declare(fact, ast.FactType("evidence", members=members))

    def _new_ledger(self) -> Fact:
        members = self._members(("award", "奖", "case"), 1, 3)
        fact = Fact(self.fact_name(self.pick(("台账", "cases_"))), "ledger", enum_field=self.fresh("kind"),
                    enum_members=tuple(m.name for m in members), text_field=self.fresh("matter"))
        text_default = ast.StringLit(self.text()) if self.chance(20) else None
        fields = [
            ast.FactField(fact.text_field, ast.FactType("text"), self.label(), text_default),
            ast.FactField(fact.enum_field, ast.FactType("enum", members=members), self.label(), None),
        ]
        if self.chance(30):
            fact.count_field = self.fresh("件")
            fields.append(ast.FactField(fact.count_field, ast.FactType("count", range=ast.Range(num(0), num(3))),
                                        None, None))
        return self._declare(fact, ast.FactType("ledger", fields=tuple(self.shuffled(fields))))

    # ---- expressions -------------------------------------------------------------
    def param(self, role: str) -> str | None:
        names = [p for p, r in self.params if r == role or (role == "num" and r in ("amount", "count"))]
        if not names or not self.chance(60):
            return None
        name = self.pick(names)
        self.used_params.add(name)
        return name

    def const_for(self, fact: Fact) -> ast.Expr:
        """A constant of the fact's scale, within (or near) its range."""
        if fact.kind == "percent":
            return num(self.pick((D("0.95"), D("0.5"), D(1), D("0.975"), D("1.2"))), True)
        low = fact.low if fact.low is not None else D(0)
        high = fact.high if fact.high is not None else low + 10
        value = self.pick(sorted({low, high, (low + high) / 2, low + 1}))
        value = value.quantize(D(1)) if fact.kind in ("count", "rank") else value
        return num(abs(value)) if value >= 0 else ast.Unary("-", num(-value))

    def numeric_fact(self) -> Fact:
        return self.fact(self.pick(("count", "rank", "percent", "decimal", "amount")))

    def num_expr(self, depth: int = 0) -> ast.Expr:
        choice = self.upto(8 if depth < 2 else 2)
        if choice == 0:
            name = self.param("num")
            return ast.Name(name) if name else self.points()
        if choice == 1:
            return ast.Name(self.numeric_fact().name)
        if choice == 2:
            return self.count_expr()
        if choice in (3, 4):
            op = self.pick(("+", "-", "*"))
            return ast.Binary(op, self.num_expr(depth + 1), self.num_expr(depth + 1))
        if choice == 5:
            return ast.Binary("/", self.num_expr(depth + 1), self.points())
        if choice == 6:
            return ast.Unary("-", self.num_expr(depth + 1))
        if choice == 7:
            args = tuple(self.num_expr(depth + 1) for _ in range(self.upto(3, 2)))
            return ast.Call(ast.Name(self.pick(("min", "max"))), args)
        return self.points()

    def count_expr(self) -> ast.Expr:
        """Something counted: a count fact, missing evidence, ledger entries."""
        choice = self.upto(4)
        if choice == 0:
            name = self.param("count")
            return ast.Name(name or self.fact("count").name)
        if choice == 1:
            name = self.param("ev")
            return ast.Missing(ast.Name(name or self.fact("evidence").name))
        if choice == 2:
            return ast.CountEntries(ast.Name(self.fact(self.pick(("ledger", "evidence"))).name))
        if choice == 3:
            return ast.Name(self.fact("rank").name)
        return ast.Name(self.fact("count").name)

    def cond(self, depth: int = 0) -> ast.Expr:
        choice = self.upto(9 if depth < 2 else 6)
        if choice == 0:
            name = self.param("cond")
            return ast.Name(name or self.fact("bool").name)
        if choice in (1, 2):
            fact = self.numeric_fact()
            op = self.pick(("<", "<=", ">", ">=", "==", "!="))
            left, right = ast.Name(fact.name), self.const_for(fact)
            return ast.Binary(op, left, right) if self.chance(75) else ast.Binary(op, right, left)
        if choice == 3:
            fact = self.fact("enum")
            member, var = ast.Name(self.pick(fact.members)), ast.Name(fact.name)
            op = self.pick(("==", "!="))
            return ast.Binary(op, var, member) if self.chance(70) else ast.Binary(op, member, var)
        if choice == 4:
            fact = self.fact("enum")
            chosen = self.subset(fact.members, 1)
            return ast.InSet(ast.Name(fact.name), tuple(ast.Name(m) for m in chosen))
        if choice == 5:
            fact = self.fact("date")
            return ast.Binary(self.pick(("<", "<=", ">", ">=", "==")), ast.Name(fact.name),
                              ast.DateLit(self.pick(("2018-01-31", "2020-06-30", "2024-02-29"))))
        if choice == 6:
            return ast.Binary(self.pick(("==", ">=", "<")), self.count_expr(), num(self.upto(2)))
        if choice == 7:
            return ast.Binary(self.pick(("and", "or")), self.cond(depth + 1), self.cond(depth + 1))
        if choice == 8:
            return ast.Unary("not", self.cond(depth + 1))
        return ast.BoolLit(self.chance(50))

    # ---- tables --------------------------------------------------------------------
    def bands(self, fact: Fact) -> ast.TableBody:
        low = int(fact.low if fact.low is not None else 0)
        high = int(fact.high if fact.high is not None else low + 12)
        entries, start, gap = [], low, False
        for _ in range(self.upto(4, 1)):
            if start > high:
                break
            width = self.upto(3)
            end = min(start + width, high)
            if end == start and self.chance(60):
                entries.append(ast.TableEntry("single", num(start), num(start), None, self.signed_points()))
            else:
                entries.append(ast.TableEntry("range", num(start), num(end), None, self.signed_points()))
            skip = 1 if self.chance(15) else 0
            gap = gap or (skip and end + 1 <= high)
            start = end + 1 + skip - (1 if self.chance(5) else 0)
        # a key no row matches stops scoring: most tables cover the key's values or have `else`
        covered = fact.high is not None and not gap and start > high
        if self.chance(40) or (not covered and (self.total_tables or self.chance(85))):
            entries.append(ast.TableEntry("else", None, None, None, self.signed_points()))
        return ast.TableBody(tuple(entries))

    def member_table(self, members: tuple[str, ...], signed: bool = True) -> ast.TableBody:
        chosen = self.shuffled(self.subset(members))
        value = self.signed_points if signed else self.points
        entries = [ast.TableEntry("member", None, None, m, value()) for m in chosen]
        covered = set(chosen) == set(members)
        if not entries or self.chance(30) or (not covered and (self.total_tables or self.chance(85))):
            entries.append(ast.TableEntry("else", None, None, None, value()))
        return ast.TableBody(tuple(entries))

    def table_ref(self, body_for: Callable[[], ast.TableBody], members: tuple[str, ...] | None) -> ast.TableRef:
        """An inline table, a new named one, or a named one that fits."""
        fitting = [t for t, decl in self.tables if t.members == members
                   and not (self.total_tables and members is None  # bands made for another fact's range
                            and not any(e.kind == "else" for e in decl.body.entries))]
        choice = self.upto(3)
        if choice == 2 and fitting:
            return ast.TableRef(None, ast.Name(self.pick(fitting).name))
        body = body_for()
        if choice == 3:
            table = Table(self.fresh(self.pick(("分值表", "points"))), members)
            self.tables.append((table, ast.TableDecl(table.name, body)))
            return ast.TableRef(None, ast.Name(table.name))
        return ast.TableRef(body, None)

    # ---- terms and statements ------------------------------------------------------
    def term(self, sign: int) -> ast.Expr:
        choice = self.upto(9)
        if choice <= 1:
            return ast.PlainTerm(self.num_expr())
        if choice <= 3:
            name = self.param("amount")
            amount = ast.Name(name) if name else (self.points() if self.chance(85) else self.num_expr(1))
            return ast.PerTerm(amount, self.count_expr())
        if choice <= 5:
            return self.steps()
        if choice <= 7:
            if self.chance(50):
                fact = self.fact(self.pick(("rank", "count")))
                return ast.LookupTerm(ast.Name(fact.name), self.table_ref(lambda: self.bands(fact), None))
            fact = self.fact("enum")
            return ast.LookupTerm(ast.Name(fact.name), self.table_ref(lambda: self.member_table(fact.members),
                                                                      fact.members))
        return self.ledger_term(signed=sign < 0 and self.chance(20))

    def steps(self) -> ast.StepsTerm:
        fact = self.fact(self.pick(("percent", "count", "decimal")))
        if fact.kind == "percent":
            step = num(self.pick((D("0.01"), D("0.005"), D("0.02"), D("0.05"))), True)
            threshold = num(self.pick((D("0.97"), D("0.9"), D("0.5"), D("0.02"))), True)
        else:
            step, threshold = num(self.pick((D(1), D(2), D("0.5")))), self.const_for(fact)
        partial = self.pick((None, "whole", "started", "proportional"))
        return ast.StepsTerm(self.points(), step, self.pick(("below", "above")), threshold, ast.Name(fact.name), partial)

    def ledger_term(self, signed: bool) -> ast.LedgerTerm:
        fact = self.fact("ledger")
        table = self.table_ref(lambda: self.member_table(fact.enum_members, signed=signed), fact.enum_members)
        group = None
        if self.chance(60):
            group = ast.Name(self.pick([f for f in (fact.text_field, fact.enum_field, fact.count_field) if f]))
        return ast.LedgerTerm(ast.Name(fact.name), ast.Name(fact.enum_field), table, group)

    def adjust(self, sign: int) -> ast.Adjust:
        condition = self.cond() if self.chance(30) else None
        return ast.Adjust(sign, self.term(sign), condition)

    def meta(self, taken: set[str]) -> list[ast.Stmt]:
        stmts = []
        for key in ("lead", "responsible", "deadline", "text", "note", "basis", "evidence"):
            if not self.chance(7):
                continue
            if key in ("lead", "responsible"):
                stmts.append(ast.Meta(key, tuple(self.text() for _ in range(self.upto(2, 1)))))
            elif key == "deadline":
                stmts.append(ast.Meta(key, (self.pick(("2017-12-31", "2020-10-29")),)))
            else:
                stmts.append(ast.Meta(key, (self.text(),)))
        taken.update(s.key for s in stmts)
        return stmts

    def use(self, flags: dict[str, bool]) -> ast.Use | None:
        """Paste a template that fits (a statement a template holds may not be
        in the item twice): one declared before, or one made now, so that
        every template is used."""
        usable = [t for t, _ in self.templates
                  if not (t.has_start and flags["start"]) and not (t.has_until and flags["until"])]
        custom = sum(1 for _, decl in self.templates if decl is not None)
        if (not usable or self.chance(40)) and custom < MAX_TEMPLATES:
            usable = [self.template(flags)]
        if not usable:
            return None
        template = self.pick(usable)
        flags["start"] |= template.has_start
        flags["until"] |= template.has_until
        args = tuple(ast.Arg(p, self.argument(role)) for p, role in template.params)
        return ast.Use(ast.Name(template.name), tuple(self.shuffled(args)))

    def argument(self, role: str) -> ast.Expr:
        if role == "cond":
            return self.cond(1)
        if role == "ev":
            name = self.param("ev")
            return ast.Name(name or self.fact("evidence").name)
        if role == "count":
            name = self.param("count")
            return ast.Name(name or self.fact("count", reuse=30).name)
        if role == "amount":
            return self.points() if self.chance(80) else self.num_expr(1)
        return self.num_expr(1)

    def body(self, kind: str, depth: int) -> list[ast.Stmt]:
        flags = {"start": False, "until": False}
        stmts: list[ast.Stmt] = self.meta(set())
        if self.chance(25):
            use = self.use(flags)
            if use is not None:
                stmts.append(use)
        if not flags["start"] and self.chance(50 if kind == "item" else 15):
            stmts.append(ast.Start(self.points() if self.chance(80) else self.num_expr(1)))
        sign_bias = {"item": 40, "bonus": 85, "penalty": 10}[kind]
        for _ in range(self.upto(2 if depth else 3)):
            stmts.append(self.adjust(+1 if self.chance(sign_bias) else -1))
        if kind == "bonus" and self.chance(60):
            stmts.append(ast.Adjust(+1, self.ledger_term(signed=False), None))
        if kind == "penalty" and self.chance(50):
            stmts.append(ast.Adjust(-1, self.ledger_term(signed=False) if self.chance(60)
                                    else ast.PlainTerm(ast.Name(self.fact("amount").name)), None))
        if self.chance(15):
            stmts.append(ast.ZeroIf(self.cond()))
        if not flags["until"] and self.chance(35):
            stmts.append(ast.UntilZero())
        if self.chance(5):
            stmts.append(ast.Accept(self.pick(("W0501", "W0502", "W0503")), self.text()))
        if depth < 2 and self.chance(35 if depth == 0 else 15):
            for key in range(1, self.upto(2, 1) + 1):
                stmts.append(self.item("item", str(key), depth + 1))
        return self.shuffled(stmts) if self.chance(30) else stmts

    def item(self, kind: str, key: str, depth: int) -> ast.Item:
        cap = None
        if self.chance(70 if kind == "item" else 50):
            cap = ast.Cap(self.cap_value(), kind == "item" and self.chance(10))
        return ast.Item(kind, key, self.text(), cap, tuple(self.body(kind, depth)))

    # ---- templates -----------------------------------------------------------------
    def template(self, taken: dict[str, bool]) -> Template:
        """A new template whose statements fit where ``taken`` says which
        once-only statements are already there. Every parameter is used, so
        every fact an argument names is read."""
        name = self.fresh(self.pick(("tpl", "模板")))
        roles = [self.pick(("num", "amount", "cond", "ev", "count")) for _ in range(self.upto(3, 1))]
        params = tuple((self.fresh(self.pick(("p", "参数"))), role) for role in roles)
        outer = self.params, self.used_params
        self.params, self.used_params = params, set()
        flags = dict(taken)
        stmts: list[ast.Stmt] = []
        if self.templates and self.chance(30):
            use = self.use(flags)
            if use is not None:
                stmts.append(use)
        if not flags["start"] and self.chance(50):
            stmts.append(ast.Start(self.num_expr(1)))
        for _ in range(self.upto(3, 1)):
            stmts.append(self.adjust(+1 if self.chance(40) else -1))
        if self.chance(15):
            stmts.append(ast.ZeroIf(self.cond(1)))
        if not flags["until"] and self.chance(40):
            stmts.append(ast.UntilZero())
        if self.chance(15):
            stmts.append(ast.Meta("note", (self.text(),)))
        for param, role in params:
            if param not in self.used_params:
                stmts.append(self._param_use(param, role))
        self.params, self.used_params = outer
        added = {"start": any(isinstance(s, ast.Start) for s in stmts),
                 "until": any(isinstance(s, ast.UntilZero) for s in stmts)}
        info = Template(name, params, (flags["start"] and not taken["start"]) or added["start"],
                        (flags["until"] and not taken["until"]) or added["until"])
        self.templates.append((info, ast.TemplateDecl(name, tuple(p for p, _ in params), tuple(stmts))))
        return info

    def _param_use(self, param: str, role: str) -> ast.Adjust:
        if role == "cond":
            return ast.Adjust(+1, ast.PlainTerm(self.points()), ast.Name(param))
        if role == "ev":
            return ast.Adjust(-1, ast.PerTerm(self.points(), ast.Missing(ast.Name(param))), None)
        if role in ("count", "amount") and self.chance(60):
            return ast.Adjust(-1, ast.PerTerm(self.points(), ast.Name(param)), None)
        return ast.Adjust(self.pick((1, -1)), ast.PlainTerm(ast.Name(param)), None)

    def use_stdlib(self) -> None:
        self.stdlib = True
        for name, (params, has_start_and_until) in STDLIB_TEMPLATES.items():
            self.templates.append((Template(name, params, has_start_and_until, has_start_and_until), None))

    # ---- the module ------------------------------------------------------------------
    # ---- outcomes: grades (等次), grade vetoes, conditions that read the scores ----
    def grades(self, item: str | None) -> ast.GradeBands:
        """Bands from the top down, each closed or open at its cuts; now and then a band is left out
        or a cut's ends disagree (a gap or an overlap: the first written wins, or no grade)."""
        cuts = sorted({D(self.pick(("-1", "0", "0.5", "1", "2", "2.5", "3", "5", "7.5", "10")))
                       for _ in range(self.upto(3, 1))}, reverse=True)
        bands = []
        above_open = None  # whether the band above excludes its low cut
        for k in range(len(cuts) + 1):
            high = cuts[k - 1] if k > 0 else None
            low = cuts[k] if k < len(cuts) else None
            low_open = low is not None and self.chance(30)
            high_open = high is not None and (not above_open if not self.chance(10) else self.chance(50))
            name = self.fresh(self.pick(("优秀", "合格", "good", "不合格")))
            band = ast.GradeBand(name, self.label() if self.chance(20) else None,
                                 num(low) if low is not None else None, low_open,
                                 num(high) if high is not None else None, high_open)
            above_open = low_open
            if not self.chance(8):
                bands.append(band)
        bands = self.shuffled(bands) if self.chance(10) else bands
        return ast.GradeBands(self.text() if self.chance(50) else None, item, tuple(bands))

    def _score_read(self, keys: list[str]) -> ast.Expr:
        key = self.pick(keys)
        arg = num(key) if key.isdigit() else ast.Name(key)
        read = ast.Call(ast.Name("total"), ()) if self.chance(50) else ast.Call(ast.Name("score"), (arg,))
        return ast.Binary(self.pick(("<", ">=", "==")), read, num(self.pick(("0", "1", "2.5", "5"))))

    def outcomes(self, keys: list[str]) -> tuple[ast.Outcomes, list[ast.Veto]]:
        """`outcomes` with grades of the total and maybe of an item, rules that read the scores and
        grades, and maybe `veto … grade G` vetoes."""
        total = self.grades(None)
        schemes = [total]
        if self.chance(30):
            schemes.append(self.grades(self.pick(keys)))
        names = [band.name for band in total.bands]
        rules: list = []
        for _ in range(self.upto(2)):
            if names and self.chance(50):
                grade = ast.Call(ast.Name("grade"), ())
                cond = (ast.Binary(self.pick(("==", "!=")), grade, ast.Name(self.pick(names))) if self.chance(60)
                        else ast.InSet(grade, tuple(ast.Name(n) for n in self.subset(names, 1))))
            else:
                cond = self._score_read(keys)
            rules.append(ast.OutcomeRule(self.pick(("demote", "last", "flag")), self.text(), cond))
        vetoes = [ast.Veto(self.text(), self.cond(), None, self.pick(names)) for _ in range(self.upto(2))] if names else []
        return ast.Outcomes(tuple([*schemes, *rules])), vetoes

    def module(self) -> ast.Module:
        if self.chance(25):
            self.use_stdlib()
        stmts: list[ast.Stmt] = []
        if self.chance(30):
            stmts.append(ast.EntityStmt(self.fresh(self.pick(("单位", "unit"))), self.label()))
        if self.chance(40):
            stmts.append(ast.MaxStmt(num(self.pick((D(5), D(10), D(20), D(100), D("7.5"))))))
        if self.chance(40):
            scope = self.pick(("each", "total"))
            places = -self.upto(2, 1) if self.chance(15) else self.upto(3)  # tens and hundreds too
            stmts.append(ast.RoundStmt(scope, places, self.pick(ROUNDING_MODES)))
            self.cap_places = max(places, 0) if scope == "each" else None
        stmts.extend(self.meta(set()) if self.chance(30) else [])
        for _ in range(self.upto(2)):
            stmts.append(ast.Veto(self.text(), self.cond()))
        if self.chance(5):
            stmts.append(ast.Accept("W0501", self.text()))
        keys = [str(k) for k in range(1, self.upto(3, 1) + 1)]
        if self.chance(20):
            keys[-1] = self.fresh(self.pick(("甲", "part")))
        items = [self.item("item", key, 0) for key in keys]
        items += [self.item("bonus", self.fresh("加分"), 0) for _ in range((0, 1, 1, 2)[self.upto(3)])]
        items += [self.item("penalty", self.fresh("减分"), 0) for _ in range((0, 1, 0, 2)[self.upto(3)])]
        body = stmts + items
        if self.chance(30):
            outcomes, vetoes = self.outcomes(keys)
            body += [*vetoes, outcomes]
        policy = ast.PolicyDecl(self.fresh(self.pick(("p", "考评"))), self.text(), tuple(body))
        decls: list = [ast.ImportDecl("deductions", False)] if self.stdlib else []
        if self.fields:
            split = self.upto(len(self.fields)) if self.chance(15) else len(self.fields)
            decls.append(ast.FactsDecl(tuple(self.fields[:split])))
            if split < len(self.fields):
                decls.append(ast.FactsDecl(tuple(self.fields[split:])))
        decls += [decl for _, decl in self.tables]
        decls += [decl for _, decl in self.templates if decl is not None]
        decls.append(policy)
        if self.chance(20):
            decls = self.shuffled(decls)
        return ast.Module(tuple(decls))


@st.composite
def policies(draw, total_tables: bool = False) -> GeneratedPolicy:
    """A random valid policy module and its formatted text; with ``total_tables``, every lookup
    table covers its key or has `else`, so every entity is scored."""
    module = _Gen(draw, total_tables).module()
    return GeneratedPolicy(module, format_module(module))


# ---- comments and layout ---------------------------------------------------------------

COMMENT_TEXTS = ("# 扣完为止", "#", "# note: \"quoted\" { braces } (parens), commas", "#no space", "# 1..4: 2",
                 "# ## twice", "# 全角　空格 and tab\tinside", "# ends in spaces   ")


@attrs.frozen(repr=False)
class CommentedPolicy:
    module: ast.Module
    text: str  # the generated policy's text with comments and blank lines added, lines joined or split

    def __repr__(self) -> str:
        return f"CommentedPolicy(text=\n{self.text})"


@st.composite
def commented_policies(draw) -> CommentedPolicy:
    """A generated policy whose text has comments in random places: on their
    own lines (before a declaration, a statement, a field, a member, a table
    row, a closing brace, the end of the file) or at the end of a line (after
    any token, so also inside expressions, heads and one-line lists); and
    blank lines added, line breaks removed or added between tokens."""
    from assessc.dsl.lexer import lexemes

    generated = draw(policies())
    text = generated.text
    gaps = [0] + [offset + len(lexeme) for _, lexeme, offset in lexemes(text)]
    chosen = sorted(set(draw(st.lists(st.sampled_from(gaps), min_size=1, max_size=20))), reverse=True)
    for at in chosen:  # from the end, so earlier offsets stay valid
        kind = draw(st.sampled_from(("own", "own", "trailing", "trailing", "blank", "join", "break")))
        comment = draw(st.sampled_from(COMMENT_TEXTS))
        if kind == "own":
            blank = draw(st.sampled_from(("", "\n")))
            insert = f"\n{blank}{'  ' * draw(_ints(0, 3))}{comment}\n{draw(st.sampled_from(('', chr(10))))}"
        elif kind == "trailing":
            insert = f" {comment}\n"
        elif kind == "blank":
            insert = "\n\n"
        elif kind == "break":
            insert = "\n    "
        else:  # join this token's line with the next: drop the white space after it
            rest = text[at:]
            text = text[:at] + " " + rest.lstrip(" \n") if rest.strip() else text
            continue
        text = text[:at] + insert + text[at:]
    return CommentedPolicy(generated.module, text)
