# ---- runtime (the same in every generated scorer) ------------------------------------------------
#
# Exact decimal arithmetic, the working-day calendar, fact validation and the result type.
# Everything here uses the standard library only. The generated part of the module (below)
# defines the policy's data and the functions `_fast`, `_exact` and `_applies`.

import datetime as _datetime
import decimal as _decimal
import difflib as _difflib
import json as _json
import re as _re
import types as _types
import unicodedata as _unicodedata
from bisect import bisect_right as _bisect
from decimal import Decimal
from typing import Iterable, Mapping, NamedTuple

__all__ = ["score", "score_rows", "validate", "rank", "Result", "Standing", "Award", "Line", "Problem", "FactsError",
           "ScoringError", "CalendarError", "POLICY", "TITLE", "NODES", "SCHEMES", "LINE_MAP"]

# -- exact decimals: the compiler's contexts and rounding modes (assessc.runtime.decimals) --
#
# _C: +, -, ×, comparisons and printing, exact (a result needing more digits than _C keeps traps
# Inexact); _Q: a quotient, rounded half-even to its digits when it has no finite decimal form;
# _R: an explicit rounding. The compiler writes the three contexts and _MODES in here.

_C = _Q = _R = _MODES = None  # @decimal-contexts@
_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_date = _datetime.date


def _quantize(value, places, mode):
    """``value`` rounded to ``places`` decimal places with rounding ``mode`` (a policy mode name); a
    negative ``places`` rounds to tens, hundreds, …, written as a whole number."""
    rounded = value.quantize(_ONE.scaleb(-places, _C), rounding=_MODES[mode], context=_R)
    return rounded.quantize(_ONE, context=_C) if places < 0 else rounded


def _floor_div(a, b):
    """The greatest whole number <= a / b, exactly."""
    whole, rest = _C.divmod(a, b)
    return _C.subtract(whole, _ONE) if rest and (rest < 0) != (b < 0) else whole


def _ceil_div(a, b):
    return _C.minus(_floor_div(_C.minus(a), b))


def _sum(parts):
    """Σ parts from 0, left to right, exactly (the interpreter's `sum_of`)."""
    total = _ZERO
    for part in parts:
        total = _C.add(total, part)
    return total


def _lookup_x(rows, default, key, table, rows_text):
    """A lookup term: the first row ``key`` matches, else the `else` value, else no row (an error)."""
    for member, low, high, value in rows:
        if (member == key) if member is not None else (low <= key <= high):
            return value
    if default is not None:
        return default
    raise _NoRow(_no_row_words(key, table, rows_text))


def _entry_points(points, key, ledger, number, table, rows_text):
    """The points of a ledger entry's member in a table, or an error naming the entry."""
    value = points.get(key)
    if value is None:
        raise _NoRow(_entry_words(ledger, number, _no_row_words(key, table, rows_text)))
    return value


def _entry_cell(cells, row, column, ledger, number, matrix, rows_text, columns_text):
    """The points of a ledger entry's pair of members in a matrix, or an error naming the entry."""
    value = cells.get((row, column))
    if value is None:
        raise _NoRow(_entry_words(ledger, number, _no_cell_words(row, column, matrix, rows_text, columns_text)))
    return value


def _dec(units, scale):
    """The Decimal ``units`` × 10**-scale (exact)."""
    return Decimal(units).scaleb(-scale, _C)




# -- integer fixed point: rounding ``units`` to a multiple of ``factor`` (a power of ten) --

def _r_half_up(units, factor):
    q = (abs(units) + factor // 2) // factor
    return q if units >= 0 else -q


def _r_half_down(units, factor):
    q, r = divmod(abs(units), factor)
    if 2 * r > factor:
        q += 1
    return q if units >= 0 else -q


def _r_half_even(units, factor):
    q, r = divmod(abs(units), factor)
    if 2 * r > factor or (2 * r == factor and q % 2):
        q += 1
    return q if units >= 0 else -q


def _r_down(units, factor):
    q = abs(units) // factor
    return q if units >= 0 else -q


def _r_up(units, factor):
    q = -(-abs(units) // factor)
    return q if units >= 0 else -q


def _r_floor(units, factor):
    return units // factor


def _r_ceiling(units, factor):
    return -(-units // factor)


def _dq(value, places, mode):
    """A Decimal rounded to ``places`` decimals, as integer units of 10**-places (of 1 when
    ``places`` is negative: the value is then a whole number of tens, hundreds, …)."""
    return int(_quantize(value, places, mode).scaleb(max(places, 0), _C))


# -- errors --

class Problem(NamedTuple):
    """One input problem: its diagnostic code, the message and what is allowed."""

    code: str
    message: str
    help: str | None = None

    def __str__(self):
        return f"{self.code}: {self.message}" + (f"\n  help: {self.help}" if self.help else "")


class FactsError(ValueError):
    """The facts do not fit the policy's declared fact types; ``problems`` lists every problem found."""

    def __init__(self, problems):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ScoringError(ArithmeticError):
    """A rule could not be computed for an entity (a division by zero, a lookup without a row, a date
    outside the working-day calendar)."""

    def __init__(self, entity, node_id, message, problems=None):
        self.entity, self.node_id, self.message = entity, node_id, message
        self.problems = tuple(problems or (Problem("D0609", f"entity `{entity}`: item `{node_id}`: {message}"),))
        super().__init__("\n".join(p.message for p in self.problems))


class CalendarError(ValueError):
    pass


class _NoRow(Exception):
    """A lookup found no row and its table has no `else` (or a matrix no cell for a pair)."""


class _Slow(Exception):
    """The fast path does not take this input; the checked exact path does."""


def _no_row(key, table, rows):
    raise _NoRow(_no_row_words(key, table, rows))


# -- working days on the official calendar of the People's Republic of China --
# Built from the tables below (_OFF, _ON, _YEARS), which the compiler took from the policy's declared
# `calendar` years and the `chinese-calendar` package.

def _calendar(years, off, on):
    """(covered years, weekday holidays, weekend working days) as ordinals, from month-day tables by year."""
    def ordinals(table):
        out = []
        for year, days in table.items():
            out += [_date(year, int(d[:2]), int(d[2:])).toordinal() for d in days.split()]
        return sorted(out)

    return frozenset(years), ordinals(off), ordinals(on)


def _weekdays_upto(ordinal):
    """Monday..Friday among the days 1..ordinal (day 1, 0001-01-01, is a Monday)."""
    return ordinal // 7 * 5 + min(ordinal % 7, 5)


def _workdays(start, end):
    """Working days after ``start`` up to and including ``end`` (0 if end <= start), as an int."""
    if isinstance(start, str):
        start = _date.fromisoformat(start)
    if isinstance(end, str):
        end = _date.fromisoformat(end)
    if end <= start:
        return 0
    years, off, on = _CALENDAR
    for year in range(start.year, end.year + 1):  # every year counted through must be covered
        if year not in years:
            raise CalendarError(_MISSING_YEAR.replace("{year}", str(year)))
    a, b = start.toordinal(), end.toordinal()
    count = _weekdays_upto(b) - _weekdays_upto(a)
    count -= _bisect(off, b) - _bisect(off, a)
    count += _bisect(on, b) - _bisect(on, a)
    return count


def _workdays_dec(start, end):
    return Decimal(_workdays(start, end))


# -- results --

class Line(NamedTuple):
    """One contribution to a node's value, as the reference interpreter explains it."""

    kind: str  # start | term | child | cap | floor | zero | round | veto | coefficient
    source_id: str
    label: str
    amount: Decimal
    detail: str
    lead: tuple = ()
    where: tuple | None = None  # (path, line, column) in the policy


def _to_decimal(value, scale):
    if scale is None:
        return value
    while scale and value % 10 == 0:
        value //= 10
        scale -= 1
    return Decimal(value) if scale == 0 else Decimal(value).scaleb(-scale, _C)


class Result:
    """The score of one entity: ``total``, ``values`` (node id -> Decimal for every item, bonus,
    penalty and the total), ``vetoed`` (the reasons of the vetoes that hold), ``inactive`` (ids of
    the items that do not apply), ``completion`` and ``explain()``."""

    # The fast path keeps the total and the fact values it scored (`_units`, immutable: ints,
    # bools, str, dates, frozensets, and ledgers it copied) and works out the value of every node
    # from them again when `values` is first asked for; the exact path keeps every value (`_raw`).
    __slots__ = ("entity", "vetoed", "_facts", "_raw", "_more", "_cache", "_total", "_units")

    def __init__(self, entity, vetoed, facts, raw, more, cache=None):
        self.entity = entity
        self.vetoed = vetoed
        self._facts = facts  # what was scored: explain() scores it again
        self._raw = raw  # the value of every node of NODES (ints in fixed point, or Decimals)
        self._total = raw[-1]
        self._more = more  # (the fixed-point scale of each value or None, inactive ids, completion)
        self._cache = cache  # {"lines": …, "values": …}, filled on demand

    @property
    def total(self) -> Decimal:
        scales = self._more[0]
        return _to_decimal(self._total, scales[-1] if scales else None)

    @property
    def values(self) -> dict:
        cache = getattr(self, "_cache", None)
        if cache is None:
            cache = self._cache = {}
        values = cache.get("values")
        if values is None:
            raw = getattr(self, "_raw", None)
            if raw is None:
                raw = self._raw = _fast(self._units, _UNITS)
            scales = self._more[0] or (None,) * len(NODES)
            values = cache["values"] = {node: _to_decimal(value, scale)
                                        for node, value, scale in zip(NODES, raw, scales)}
        return values

    def value(self, node_id: str) -> Decimal:
        return self.values[node_id]

    @property
    def inactive(self) -> frozenset:
        """Ids of the items that do not apply to this entity (`applies if`), with everything under them."""
        return self._more[1]

    @property
    def completion(self) -> dict:
        """Item id -> (complete, unmet requirements) for every item with requirements in its subtree."""
        return dict(self._more[2])

    def explain(self) -> dict:
        """Node id -> the lines that make up its value (see :class:`Line`); they add up exactly."""
        cache = getattr(self, "_cache", None)
        if cache is None:
            cache = self._cache = {}
        lines = cache.get("lines")
        if lines is None:
            values = validate(self._facts, entity=self.entity)
            lines = {}
            _exact(values, lines, self.entity)
            cache["lines"] = lines
        return {node: tuple(lines.get(node, ())) for node in NODES}

    def explain_text(self) -> str:
        """The explanation as ``assessc explain`` prints it."""
        lines = self.explain()
        values = self.values
        out = [f"{self.entity}: {TITLE}", f"total {_show(self.total)}"]
        if self.vetoed:
            out.append("VETOED: " + "; ".join(self.vetoed))
        out.append("")

        def signed(amount):
            text = _show(amount)
            return text if text.startswith("-") else "+" + text

        def node(node_id, depth):
            pad = "    " * depth
            for line in lines[node_id]:
                lead = f"  [{'、'.join(line.lead)}]" if line.lead else ""
                where = f"{_basename(line.where[0])}:{line.where[1]}" if line.where else ""
                detail = f"  = {line.detail}" if line.detail else ""
                if line.kind == "child":
                    cap = MAXIMA.get(line.source_id)
                    cap = f" / {_show(cap)}" if cap is not None else ""
                    out.append(f"{pad}{signed(line.amount):>7}  {line.source_id} {line.label}  "
                               f"({_show(values[line.source_id])}{cap}){detail}{lead}  {where}".rstrip())
                    node(line.source_id, depth + 1)
                else:
                    out.append(f"{pad}{signed(line.amount):>7}  {line.label}{detail}{lead}  {where}".rstrip())

        node("total", 0)
        return _visible_direction("\n".join(out) + "\n")

    def __repr__(self):
        return f"Result(entity={self.entity!r}, total={self.total!r}, vetoed={self.vetoed!r})"


_new = object.__new__
_UNITS = object()  # as `entity`: `_fast` is given the fact values it kept, and returns every node's value


def _basename(path):
    return path.replace("\\", "/").rsplit("/", 1)[-1]


# -- scoring entry points --

def _entity_of(facts, entity):
    if entity is not None:
        return str(entity)
    if type(facts) is dict or isinstance(facts, Mapping):
        for column in ID_COLUMNS:
            value = facts.get(column)
            if value is not None and str(value).strip():
                return str(value).strip()
    return "?"


def score(facts: Mapping[str, object], *, entity: str | None = None) -> Result:
    """Validate ``facts`` (one entity: fact name -> value) and score them.

    Values may be typed (Decimal, with percents as fractions; bool; str for enum members and text;
    datetime.date; frozenset of evidence item names; a tuple of mappings per ledger) or text and
    whole numbers as a CSV cell holds them (`95` or `95%` for a percent, `是`/`否` for a bool,
    `名单;图片` for evidence). Raises FactsError listing every problem, or ScoringError.
    """
    if entity is None and type(facts) is dict:  # _entity_of, inline for the common case
        name = "?"
        for column in ID_COLUMNS:
            value = facts.get(column)
            if value is not None and str(value).strip():
                name = str(value).strip()
                break
    else:
        name = entity if type(entity) is str else _entity_of(facts, entity)
    try:
        return _fast(facts, name)
    except Exception:  # not for the fast path: check the input, then score exactly
        pass
    values = validate(facts, entity=name)
    try:
        return _fast(values, name)
    except Exception:
        pass
    return _exact(values, None, name)


def score_rows(rows: Iterable[Mapping[str, object]]) -> list:
    """Score many entities (an iterable of fact mappings), in order. Every row is checked first:
    FactsError lists the problems of every row; then ScoringError lists every rule that failed."""
    results, problems, failed = [], [], []
    for number, row in enumerate(rows, start=1):
        name = _entity_of(row, None)
        if name == "?":
            name = f"row {number}"
        try:
            results.append(_fast(row, name))
            continue
        except Exception:  # not for the fast path
            pass
        try:
            values = validate(row, entity=name)
        except FactsError as error:
            problems.extend(error.problems)
            continue
        try:
            results.append(_fast(values, name))
        except Exception:
            try:
                results.append(_exact(values, None, name))
            except ScoringError as error:
                failed.append(error)
    if problems:
        raise FactsError(problems)
    if failed:
        first = failed[0]
        raise ScoringError(first.entity, first.node_id, first.message, [p for e in failed for p in e.problems])
    return results


# -- fact validation (the rules of the facts loader) --

class Award(NamedTuple):
    """An entity's award in one scheme: ``band`` after demotion and veto (None: no award),
    ``by_rank`` the band its rank alone gives, ``note`` on a tie that straddles a band's last place."""

    scheme: str
    band: str | None
    by_rank: str | None
    note: str | None = None


class Standing(NamedTuple):
    """Where an entity stands after ranking, as ``assessc score`` reports it."""

    entity: str
    total: Decimal
    rank: int
    tie_size: int  # entities sharing the rank (1: not tied); the group is named by its rank
    vetoed: tuple
    forced_last: tuple  # reasons of the `rank last` rules that hold
    demotions: tuple
    awards: tuple
    flags: tuple
    grade: str | None = None

    @property
    def tie_group(self):
        return self.rank if self.tie_size > 1 else None


def rank(results, rows=None) -> list:
    """Every entity's :class:`Standing`, in rank order (ties in input order), as assessc decides
    it: entities placed by total, highest first; then those a `rank last` rule places last; then
    vetoed ones. Standard competition ranks (1, 2, 2, 4); ties are never broken. ``rows`` are the
    facts the results were scored from, in the same order: needed when the policy has `rank
    last`, `demote` or `flag` rules (they read the facts)."""
    results = list(results)
    n = len(results)
    values = None
    if _HAS_OUTCOME_RULES:
        if rows is None:
            raise TypeError("rank(results, rows): this policy's outcome rules read the facts; "
                            "pass the rows the results were scored from")
        rows = list(rows)
        if len(rows) != n:
            raise ValueError(f"rank(results, rows): {n} results but {len(rows)} rows")
        values = [validate(row, entity=result.entity) for row, result in zip(rows, results)]
    rules = [_outcome_rules(values[i]) for i in range(n)] if values is not None else [((), ())] * n
    vetoed = [result.vetoed for result in results]
    classes = [VETOED if vetoed[i] else FORCED_LAST if rules[i][0] else PLACED for i in range(n)]
    order, ranks, sizes = placement(classes, [result.total for result in results])
    worst = max(ranks, default=0)
    schemes = []
    for title, item, bands in SCHEMES:
        if item is None:
            schemes.append((title, item, bands, ranks, sizes))
        else:
            _, item_ranks, item_sizes = placement([VETOED if v else PLACED for v in vetoed],
                                                  [result.value(item) for result in results])
            schemes.append((title, item, bands, item_ranks, item_sizes))
    standings = []
    for i, result in enumerate(results):
        last, demotions = rules[i]
        awards = tuple(Award(title, *band_award(bands, r[i], z[i], len(demotions) if item is None else 0,
                                                bool(vetoed[i])))
                       for title, item, bands, r, z in schemes)
        flags = _flags(values[i], Decimal(ranks[i]), Decimal(worst)) if values is not None else ()
        standings.append(Standing(result.entity, result.total, ranks[i], sizes[i], tuple(vetoed[i]), last,
                                  demotions, awards, flags))
    return [standings[i] for i in order]


class _Fact(NamedTuple):
    name: str
    kind: str
    low: Decimal | None
    high: Decimal | None
    members: tuple  # of (name, label, aliases)
    label: str | None
    default: object
    fields: tuple  # of _Fact (ledgers)


class _BadValue(Exception):
    def __init__(self, code, text, help):
        super().__init__(text)
        self.code, self.text, self.help = code, text, help


_PLAIN = _re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED = _re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})
_DATE = _re.compile(r"(\d{4})(?:([-/.])(\d{1,2})\2(\d{1,2})|年(\d{1,2})月(\d{1,2})日?)(?: 0?0:00(?::00)?)?")
_SEPARATORS = _re.compile(r"[;；,，、\n\r]+")
_TRUE = frozenset({"true", "yes", "y", "1", "是", "有"})
_FALSE = frozenset({"false", "no", "n", "0", "否", "无"})
_NUMERIC = ("count", "rank", "decimal", "amount", "percent")
_NOUNS = {"count": "a whole number", "rank": "a whole number", "decimal": "a number", "amount": "a number",
          "percent": "a percentage"}
_LONGEST = 40


def _normalize(text):
    if text.isascii():
        return text.strip()
    return _unicodedata.normalize("NFKC", text).translate(_MINUS_SIGNS).strip()


def _parse_number(text):
    text = _normalize(text)
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if not _PLAIN.fullmatch(text):
        return None
    return Decimal(text)


def _plain(value):
    """``value`` without a positive exponent, so `1e3` reads as `1000` (exactly, at any size)."""
    sign, digits, exponent = value.as_tuple()
    if exponent > 0:
        return Decimal((sign, digits + (0,) * exponent, 0))
    return value


def _percent_fraction(value):
    """`95` (meaning 95 %) -> `0.95`, exactly."""
    sign, digits, exponent = value.as_tuple()
    return Decimal((sign, digits, exponent - 2))


def _too_wide(value):
    """More digits written out than the arithmetic keeps exactly (`1e400` has 401)."""
    sign, digits, exponent = value.as_tuple()
    return max(len(digits) + exponent, 0) + max(-exponent, 0) > _C.prec


_IMPLIED_LOW = {"count": Decimal(0), "rank": Decimal(1), "percent": Decimal(0)}


def _bounds(fact):
    low, high = fact.low, fact.high
    implied = _IMPLIED_LOW.get(fact.kind)
    if implied is not None:
        if low is None:
            low = implied
        elif fact.kind != "percent":
            low = max(low, implied)
    if high is None and fact.kind == "percent":
        high = Decimal(1)
    return low, high


def _in_range(value, fact):
    low, high = _bounds(fact)
    return (low is None or value >= low) and (high is None or value <= high)


def _describe(fact, low, high):
    k = fact.kind
    names = ", ".join(m[0] for m in fact.members)
    if k == "enum":
        return f"one of {names}"
    if k == "evidence":
        return f"a list of {names} (separated by `;`)"
    if k == "bool":
        return "yes/no (true, false, 1, 0, 是, 否)"
    if k == "date":
        return "a date yyyy-mm-dd (2017-12-31, 2017/12/31 or 2017年12月31日)"
    if k == "text":
        return "text"
    if k == "ledger":
        return "a list of entries with fields " + ", ".join(f.name for f in fact.fields)
    what = {"count": "a whole number", "rank": "a rank (whole number)", "decimal": "a decimal number",
            "percent": "a percentage", "amount": "an amount"}[k]

    def show(v):
        return f"{_show(v.scaleb(2, _C))}%" if k == "percent" else _show(v)

    if low is not None and high is not None:
        return what + f" from {show(low)} to {show(high)}"
    if low is not None:
        return what + f" of at least {show(low)}"
    if high is not None:
        return what + f" of at most {show(high)}"
    return what


def _allowed(fact):
    if fact.kind in _NUMERIC:
        text = "allowed: " + _describe(fact, *_bounds(fact))
    else:
        text = "allowed: " + _describe(fact, fact.low, fact.high)
    if fact.kind == "percent":
        text += " (`95` and `95%` both mean 95%)"
    return text


def _json_text(raw):
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if raw is None:
        return "null"
    if isinstance(raw, Decimal):
        return str(raw)
    if isinstance(raw, (list, tuple)):
        return "[" + ", ".join(_json_text(x) for x in raw) + "]"
    if isinstance(raw, (set, frozenset)):
        return "[" + ", ".join(sorted(_json_text(x) for x in raw)) + "]"
    if isinstance(raw, Mapping):
        return "{" + ", ".join(f"{_json_text(str(k))}: {_json_text(v)}" for k, v in raw.items()) + "}"
    return _json.dumps(str(raw), ensure_ascii=False)


def _raw_text(raw):
    """The input as the user wrote it, shortened, for use inside backticks."""
    text = str(raw) if isinstance(raw, (str, Decimal, int, float, _date)) and not isinstance(raw, bool) \
        else _json_text(raw)
    text = " ".join(text.split())
    return text if len(text) <= _LONGEST else text[: _LONGEST - 1] + "…"


def _did_you_mean(word, candidates, cutoff=0.6):
    close = _difflib.get_close_matches(word, list(candidates), n=1, cutoff=cutoff)
    return f"did you mean `{close[0]}`?" if close else None


def _spellings(member):
    name, label, aliases = member
    return (name,) + ((label,) if label else ()) + tuple(aliases)


_SPELLINGS = {}  # id of a fact -> (exact spelling -> member, folded spelling -> members)


def _find_member(text, fact):
    """The member called or labelled ``text`` (exactly; else ignoring case if only one matches)."""
    tables = _SPELLINGS.get(id(fact))
    if tables is None:
        exact, folded = {}, {}
        for member in fact.members:
            for spelling in _spellings(member):
                exact.setdefault(spelling.strip(), member[0])
                folded.setdefault(spelling.strip().casefold(), set()).add(member[0])
        tables = _SPELLINGS[id(fact)] = (exact, folded)
    text = text.strip()
    name = tables[0].get(text)
    if name is not None:
        return name
    matches = tables[1].get(text.casefold(), ())
    return next(iter(matches)) if len(matches) == 1 else None


def _split_items(text, fact):
    if _find_member(text, fact) is not None:
        return [text.strip()]
    return [piece.strip() for piece in _SEPARATORS.split(text) if piece.strip()]


def _members_help(fact, unknown=None):
    text = "allowed: " + _describe(fact, fact.low, fact.high)
    labels = [sp for m in fact.members for sp in _spellings(m)[1:] if sp != m[0]]
    if labels:
        text += "; their labels also work: " + ", ".join(labels)
    if fact.kind == "evidence":
        text += "; leave the cell empty when none was submitted"
    if unknown is not None:
        hint = _did_you_mean(unknown, [m[0] for m in fact.members] + labels)
        if hint:
            text += "; " + hint
    return text


def _wrong(raw, noun, fact):
    return _BadValue("D0603", f"is `{_raw_text(raw)}`, not {noun}", _allowed(fact))


_EXCEL_ERRORS = frozenset({"#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"})
_KIND_NOUNS = {**_NOUNS, "bool": "yes or no", "date": "a date yyyy-mm-dd", "text": "text", "enum": "one of its values",
               "evidence": "a list of items"}


def _parse(raw, fact):
    """As the facts loader reads a cell: what a spreadsheet shows for a formula it cannot compute is no value."""
    if isinstance(raw, str) and "#" in raw and raw.strip().upper() in _EXCEL_ERRORS:
        raise _BadValue("D0603", f"is `{raw.strip()}`, an Excel error, not {_KIND_NOUNS[fact.kind]}",
                        "the cell's formula could not be computed (a division by zero, a value not found, …): "
                        "correct the formula, or type the value; " + _allowed(fact))
    return _PARSERS[fact.kind](raw, fact)


def _number(raw, fact):
    value = None
    if isinstance(raw, float):
        raise _BadValue("D0603", f"is the binary float `{raw!r}`, which may not be the number meant",
                        "give the number as a Decimal or as text, e.g. Decimal('0.1') or '0.1'")
    if isinstance(raw, Decimal):  # a typed value: percents are fractions already
        if not raw.is_finite():
            raise _wrong(raw, _NOUNS[fact.kind], fact)
        value = raw
    elif isinstance(raw, int) and not isinstance(raw, bool):  # a whole number as a cell would hold it
        value = Decimal(raw)
        if fact.kind == "percent":
            value = _percent_fraction(value)
    elif isinstance(raw, str):
        text = _normalize(raw)
        percent = fact.kind == "percent"
        if percent and text.endswith("%"):
            text = text[:-1]
        value = _parse_number(text)
        if value is not None and percent:
            value = _percent_fraction(value)
    if value is None:
        raise _wrong(raw, _NOUNS[fact.kind], fact)
    if fact.kind in ("count", "rank") and value != value.to_integral_value():
        raise _wrong(raw, _NOUNS[fact.kind], fact)
    if not _in_range(value, fact):
        if not isinstance(raw, str) and fact.default is not None and value == fact.default:
            return value  # a typed value equal to the default (which may lie outside the range) is the default
        raise _BadValue("D0604", f"is `{_raw_text(raw)}`, outside its range", _allowed(fact))
    if _too_wide(value):
        raise _BadValue("D0604", f"is `{_raw_text(raw)}`, a number with more digits than a fact may have",
                        f"{_allowed(fact)}, with at most {_C.prec} digits")
    return Decimal(int(value)) if fact.kind in ("count", "rank") else _plain(value)


def _bool(raw, fact):
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (str, Decimal, int)):
        word = _normalize(str(raw)).casefold()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise _wrong(raw, "yes or no", fact)


def _date_value(raw, fact):
    if isinstance(raw, _date) and not isinstance(raw, _datetime.datetime):
        return raw
    if isinstance(raw, str):  # as the facts loader reads a date cell: year first, - / . or 年月日
        text = " ".join(_normalize(raw).split())
        match = _DATE.fullmatch(text)
        if match:
            year, _, month, day, month_cn, day_cn = match.groups()
            try:
                return _date(int(year), int(month or month_cn), int(day or day_cn))
            except ValueError:
                pass
        if text.isdigit() and 10000 <= int(text) <= 80000:  # 1927..2118: a date cell that lost its format
            day = _date(1899, 12, 30) + _datetime.timedelta(days=int(text))
            problem = _wrong(raw, "a date yyyy-mm-dd", fact)
            problem.help += (f"; `{text}` is how Excel stores the date {day.isoformat()}: format the cell as a "
                             "date (or type the date) so that the sheet shows it")
            raise problem
    raise _wrong(raw, "a date yyyy-mm-dd", fact)


def _text_value(raw, fact):
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, (Decimal, int)) and not isinstance(raw, bool):
        return str(raw)
    raise _wrong(raw, "text", fact)


def _enum(raw, fact):
    if not isinstance(raw, (str, Decimal, int)) or isinstance(raw, bool):
        raise _wrong(raw, "one of its values", fact)
    name = _find_member(str(raw), fact)
    if name is None:
        raise _BadValue("D0605", f"is `{_raw_text(raw)}`, not one of its values",
                        _members_help(fact, str(raw).strip()))
    return name


def _evidence(raw, fact):
    if isinstance(raw, str):
        items = _split_items(raw, fact)
    elif isinstance(raw, (list, tuple, set, frozenset)) and all(isinstance(x, str) for x in raw):
        items = [x.strip() for x in raw if x.strip()]
    else:
        raise _wrong(raw, "a list of items", fact)
    found = {item: _find_member(item, fact) for item in items}
    unknown = [item for item, name in found.items() if name is None]
    if unknown:
        ticked = ", ".join(f"`{n}`" for n in unknown)
        text = f"lists {ticked}, which is not one of its items" if len(unknown) == 1 \
            else f"lists {ticked}, which are not among its items"
        raise _BadValue("D0605", text, _members_help(fact, unknown[0]))
    return frozenset(found.values())


_PARSERS = {"count": _number, "rank": _number, "decimal": _number, "amount": _number, "percent": _number,
            "bool": _bool, "date": _date_value, "text": _text_value, "enum": _enum, "evidence": _evidence}


def _blank(raw):
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _read(values, mapping, decls, subject, problems, optional=frozenset()):
    """Mirror of the loader's cell reading: every fact of ``decls`` from ``mapping`` into ``values``."""
    for fact in decls:
        if fact.name in mapping:
            raw = mapping[fact.name]
        elif fact.label is not None and fact.label in mapping:
            raw = mapping[fact.label]
        else:
            raw = None
        if _blank(raw):
            if fact.kind == "evidence" and raw is not None:
                values[fact.name] = frozenset()
            elif fact.default is not None:
                values[fact.name] = fact.default
            elif fact.name in optional:
                pass
            else:
                state = "blank" if raw is not None else "missing"
                problems.append(Problem("D0602", f"{subject(fact.name)} is {state}", _allowed(fact)))
            continue
        if fact.kind == "ledger":
            entries = _ledger(raw, fact, subject, problems)
            if entries is not None:
                values[fact.name] = entries
            continue
        try:
            values[fact.name] = _parse(raw, fact)
        except _BadValue as bad:
            problems.append(Problem(bad.code, f"{subject(fact.name)} {bad.text}", bad.help))


def _ledger(raw, fact, subject, problems):
    if isinstance(raw, Mapping) or isinstance(raw, (str, bytes)) or not isinstance(raw, Iterable):
        problems.append(Problem("D0603", f"{subject(fact.name)} is `{_raw_text(raw)}`, not a list of entries",
                                _allowed(fact)))
        return None
    raw = list(raw)
    if not all(isinstance(entry, Mapping) for entry in raw):
        problems.append(Problem("D0603", f"{subject(fact.name)} is `{_raw_text(raw)}`, not a list of entries",
                                _allowed(fact)))
        return None
    entity = subject.entity
    entries = []
    for number, entry in enumerate(raw, start=1):
        values = {}

        def entry_subject(field, number=number):
            return f"entity `{entity}`: `{fact.name}` entry {number}, field `{field}`"

        _read(values, entry, fact.fields, entry_subject, problems)
        entries.append(_types.MappingProxyType(values))
    return tuple(entries)


class _Subject:
    def __init__(self, entity):
        self.entity = entity

    def __call__(self, name):
        return f"entity `{self.entity}`: fact `{name}`"


def validate(facts: Mapping[str, object], *, entity: str | None = None) -> dict:
    """Check ``facts`` against the declared fact types as the facts loader does, and return the typed
    values (defaults filled in). Raises FactsError listing every problem, each naming the entity, the
    fact and what is allowed."""
    entity = _entity_of(facts, entity)
    if not isinstance(facts, Mapping):
        raise FactsError([Problem("D0603", f"entity `{entity}`: the facts are a {type(facts).__name__}, "
                                           "not a mapping of fact names to values")])
    problems = []
    values = {}
    _read(values, facts, _FACTS, _Subject(entity), problems, _OPTIONAL)
    if not problems and _OPTIONAL:
        _check_applicable(entity, values, problems)
    if problems:
        raise FactsError(problems)
    return values


def _check_applicable(entity, values, problems):
    """Facts read only by items that may not apply: needed exactly where they apply."""
    try:
        inactive = _applies(values)
    except KeyError as missing:
        problems.append(Problem("D0602", f"entity `{entity}`: fact `{missing.args[0]}` is missing",
                                "it decides which items apply to this entity"))
        return
    except Exception:  # noqa: BLE001 - scoring reports it
        return
    needed = set(_ALWAYS_NEEDED)
    for node_id, parent, applies_reads, own_reads in _READS:
        if parent is None or parent not in inactive:
            needed.update(applies_reads)
        if node_id not in inactive:
            needed.update(own_reads)
    for name in sorted(_OPTIONAL):
        if name in needed and name not in values:
            problems.append(Problem("D0602", f"entity `{entity}`: fact `{name}` is missing",
                                    "an item that applies to this entity reads it"))
        elif name not in needed and name in values:
            items = ", ".join(f"`{i}`" for i in sorted(inactive))
            problems.append(Problem("D0611", f"entity `{entity}`: fact `{name}` is given, but only items that do "
                                             "not apply to it read it",
                                    f"leave it blank; not applicable here: {items}"))


def _scoring_error(entity, node_id, error):
    label = LABELS.get(node_id, node_id)
    if node_id == "applies":
        detail = _failure(error) if isinstance(error, _decimal.DecimalException) else error
        return ScoringError(entity, "applies", f"cannot decide applicability: {detail}")
    if isinstance(error, (CalendarError, _NoRow)):
        return ScoringError(entity, node_id, f"`{label}`: {error}")
    return ScoringError(entity, node_id, f"cannot compute `{label}`: {_failure(error)}")


def _failure(error):
    """What went wrong with an operation, in words (the interpreter's `decimals.failure`)."""
    conditions = error.args[0] if error.args and isinstance(error.args[0], list) else [type(error)]
    if any(issubclass(c, (_decimal.DivisionByZero, _decimal.DivisionUndefined)) for c in conditions):
        return "division by zero"  # 0 / 0 is signalled as an InvalidOperation for DivisionUndefined
    if isinstance(error, _decimal.Overflow):
        return "the result is too large"
    if isinstance(error, _decimal.Inexact):
        return f"the exact result needs more than {_C.prec} significant digits"
    return type(error).__name__

# ---- end of runtime --------------------------------------------------------------------------------
