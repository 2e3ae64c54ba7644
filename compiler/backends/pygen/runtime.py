# ---- the scoring API of a generated scorer --------------------------------------------------------
#
# `score`, `score_rows`, `validate`, `rank` and their result and error types. Everything a
# generated scorer shares with assessc is copied in above this text from the one definition
# (exact decimals, fixed-point rounding, the working-day count, fact values and their problems,
# standings, the wording of explanations); the imports of those files below name what this text
# uses of them (pygen/module.py writes them as plain names). The generated part of the module
# (below) defines the policy's data and the functions `_fast`, `_exact` and `_applies`.
# Standard library only.

import datetime as _datetime
import decimal as _decimal
import re as _re
import types as _types
from decimal import Decimal
from typing import Iterable, Mapping, NamedTuple

from ...runtime.applicable import applicability_problems, undecided
from ...runtime.daycount import CalendarError, DayTable, as_date, count_workdays, uncovered_year
from ...runtime.decimals import CONTEXT as _C
from ...runtime.decimals import HUNDRED as _HUNDRED
from ...runtime.decimals import QUOTIENT as _Q
from ...runtime.decimals import ZERO as _ZERO
from ...runtime.decimals import ceil_div as _ceil_div
from ...runtime.decimals import failure as _failure
from ...runtime.decimals import floor_div as _floor_div
from ...runtime.decimals import quantize as _quantize
from ...runtime.decimals import sum_of as _sum
from ...runtime.factvalues import BadValue, FactRule, allowed, blank_value, is_blank, parse_value, raw_text
from ...runtime.standing import FORCED_LAST, PLACED, VETOED, band_award, grade_of, placement
from ..wording import _entry_words, _no_cell_words, _no_row_words, _show, _visible_direction

__all__ = ["score", "score_rows", "validate", "rank", "Result", "Standing", "Award", "Line", "Problem", "FactsError",
           "ScoringError", "CalendarError", "POLICY", "TITLE", "NODES", "SCHEMES", "LINE_MAP"]

_date = _datetime.date
_Fact = FactRule  # the policy's facts are written as _Fact(name, kind, low, high, members, label, default, fields)


# -- exact decimals and integer fixed point, as the generated code uses them --

def _dec(units, scale):
    """The Decimal ``units`` × 10**-scale (exact)."""
    return Decimal(units).scaleb(-scale, _C)


def _dq(value, places, mode):
    """A Decimal rounded to ``places`` decimals, as integer units of 10**-places (of 1 when
    ``places`` is negative: the value is then a whole number of tens, hundreds, …)."""
    return int(_quantize(value, places, mode).scaleb(max(places, 0), _C))


# -- lookups --

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


class _NoRow(Exception):
    """A lookup found no row and its table has no `else` (or a matrix no cell for a pair)."""


class _Slow(Exception):
    """The fast path does not take this input; the checked exact path does."""


def _no_row(key, table, rows):
    raise _NoRow(_no_row_words(key, table, rows))


# -- working days: the policy's calendar table (_YEARS, _OFF, _ON, written by the compiler), counted
# as assessc counts (daycount above)

def _calendar(years, off, on):
    """The counting table of the covered years and the month-day tables by year of the holidays on
    Monday..Friday (off) and the adjusted working days on weekends (on)."""
    def ordinals(table):
        out = []
        for year, days in table.items():
            out += [_date(year, int(d[:2]), int(d[2:])).toordinal() for d in days.split()]
        return tuple(sorted(out))

    return DayTable(frozenset(years), ordinals(off), ordinals(on))


def _workdays(start, end):
    """Working days after ``start`` up to and including ``end`` (0 if end <= start), as an int."""
    start, end = as_date(start), as_date(end)
    if end <= start:
        return 0
    year = uncovered_year(_CALENDAR, start, end)  # every year counted through must be covered
    if year is not None:
        raise CalendarError(year, _MISSING_YEAR.replace("{year}", str(year)))
    return count_workdays(_CALENDAR, start, end)


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
    grade: str | None = None  # the grade (等次) of the total, if the policy grades it
    grades: tuple = ()  # (title, grade) for every `grades` scheme, in written order

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
    held = [_grade_vetoes(values[i]) for i in range(n)] if values is not None else [()] * n
    vetoed = [tuple(result.vetoed) + tuple(reason for reason, _ in held[i]) for i, result in enumerate(results)]
    grades = [_grades(result, held[i][0][1] if held[i] else None) for i, result in enumerate(results)]
    known = [_scores(result, grades[i]) for i, result in enumerate(results)]
    rules = [_outcome_rules(values[i], known[i]) for i in range(n)] if values is not None else [((), ())] * n
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
        flags = _flags(values[i], known[i], Decimal(ranks[i]), Decimal(worst)) if values is not None else ()
        grade = next((g for (_, item, _), (_, g) in zip(GRADES, grades[i]) if item is None), None)
        standings.append(Standing(result.entity, result.total, ranks[i], sizes[i], vetoed[i], last,
                                  demotions, awards, flags, grade, grades[i]))
    return [standings[i] for i in order]


def _grades(result, fixed):
    """(title, grade) in every `grades` scheme: the first band holding the exact total (or the item's
    value); ``fixed``, a grade veto's grade, sets the grade of the total."""
    return tuple((title, grade_of(bands, result.total, fixed) if item is None else grade_of(bands, result.value(item)))
                 for title, item, bands in GRADES)


def _scores(result, grades):
    """What the outcome conditions may read of the scores, by name (total, score:ITEM, grade, grade:ITEM)."""
    if not _HAS_OUTCOME_RULES:
        return None
    known = {"total": result.total, "grade": None}
    for (_, item, _), (_, grade) in zip(GRADES, grades):
        known["grade" if item is None else "grade:" + item] = grade
    return _ScoreReads(known, result)


class _ScoreReads(dict):
    """The reads of the scores: an item's value is read from the result when asked for."""

    def __init__(self, known, result):
        super().__init__(known)
        self.result = result

    def __missing__(self, key):
        if key.startswith("score:"):
            return self.result.value(key[len("score:"):])
        return None


# -- fact validation: the facts loader's rules (factvalues above), on a mapping of fact names to values --

def _read(values, mapping, decls, subject, problems, optional=frozenset()):
    """As the loader reads a record's cells: every fact of ``decls`` from ``mapping`` into ``values``."""
    for fact in decls:
        if fact.name in mapping:
            raw = mapping[fact.name]
        elif fact.label is not None and fact.label in mapping:
            raw = mapping[fact.label]
        else:
            raw = None
        if is_blank(raw):
            value = blank_value(raw, fact)
            if value is not None:
                values[fact.name] = value
            elif fact.name not in optional:
                state = "blank" if raw is not None else "missing"
                problems.append(Problem("D0602", f"{subject(fact.name)} is {state}", allowed(fact)))
            continue
        if fact.kind == "ledger":
            entries = _ledger(raw, fact, subject, problems)
            if entries is not None:
                values[fact.name] = entries
            continue
        try:
            values[fact.name] = parse_value(raw, fact, typed=True)
        except BadValue as bad:
            problems.append(Problem(bad.code, f"{subject(fact.name)} {bad.text}", bad.help))


def _ledger(raw, fact, subject, problems):
    if isinstance(raw, Mapping) or isinstance(raw, (str, bytes)) or not isinstance(raw, Iterable):
        problems.append(Problem("D0603", f"{subject(fact.name)} is `{raw_text(raw)}`, not a list of entries",
                                allowed(fact)))
        return None
    raw = list(raw)
    if not all(isinstance(entry, Mapping) for entry in raw):
        problems.append(Problem("D0603", f"{subject(fact.name)} is `{raw_text(raw)}`, not a list of entries",
                                allowed(fact)))
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
        problems.append(Problem(*undecided(entity, missing.args[0])))
        return
    except Exception:  # noqa: BLE001 - scoring reports it
        return
    needed = set(_ALWAYS_NEEDED)
    for node_id, parent, applies_reads, own_reads in _READS:
        if parent is None or parent not in inactive:
            needed.update(applies_reads)
        if node_id not in inactive:
            needed.update(own_reads)
    problems.extend(Problem(*p) for p in applicability_problems(entity, _OPTIONAL, needed, values, inactive))


def _scoring_error(entity, node_id, error):
    label = LABELS.get(node_id, node_id)
    if node_id == "applies":
        detail = _failure(error) if isinstance(error, _decimal.DecimalException) else error
        return ScoringError(entity, "applies", f"cannot decide applicability: {detail}")
    if isinstance(error, (CalendarError, _NoRow)):
        return ScoringError(entity, node_id, f"`{label}`: {error}")
    return ScoringError(entity, node_id, f"cannot compute `{label}`: {_failure(error)}")
