"""What a fact's value may be written as, and what is wrong with one that is not (D0602–D0605).

The one definition of how a raw value becomes the typed value of a fact. The facts loader
(:mod:`assessc.facts.values` reads every cell through it) and every generated scorer (its
``validate()``; ``pygen/module.py`` copies this file into the module) share it, so a cell
gives the same value, or the same problem word for word, in both. Standard library only.

A raw value is a cell's text (CSV, spreadsheet), a JSON value (numbers arrive as ``Decimal``),
or, given to a generated scorer's ``validate()``, an already typed value. What each kind becomes:

========  ====================================================================
count     ``Decimal``, a whole number >= 0
rank      ``Decimal``, a whole number >= 1
decimal   ``Decimal``
amount    ``Decimal``
percent   ``Decimal`` fraction: `95`, `95%` -> ``Decimal("0.95")``
bool      ``bool`` from true/false, yes/no, y/n, 1/0, 是/否, 有/无
date      ``datetime.date`` from 2017-12-31, 2017/12/31, 2017.12.31, 2017年12月31日
text      ``str``, stripped
enum      ``str``, the member's name (its name, label or an alias is accepted)
evidence  ``frozenset[str]`` of the member names of the items submitted
========  ====================================================================

Numbers are read from their text with ``Decimal``, so `0.1` stays one tenth; only plain
decimal notation is accepted (a sign, digits, a point, an exponent, `1,234.5`-style thousands
separators), never `NaN` or `Infinity`. Full-width forms (`９５％`) read like ASCII ones. A
number may have at most :data:`MAX_DIGITS` digits written out. Some kinds bound their values
without a declared range: a count is at least 0, a rank at least 1, a percent within 0 %..100 %
on each side that has no declared bound (:func:`bounds`).

Enum values and evidence items are found by a member's name, label or alias (exactly; else
ignoring case when only one member matches). An evidence cell lists items separated by `;`,
`,`, `、` (or their full-width forms) or line breaks; a cell whose whole text is one member's
spelling is that member even if the spelling holds a separator.

A problem is raised as :class:`BadValue`: its diagnostic code (a code of
``assessc.diagnostics.codes``, as text), the message after the fact's name, and a help line
saying what is allowed. Every name here is unique among the files a generated scorer holds.
"""

from __future__ import annotations

import datetime
import decimal
import difflib
import functools
import json
import re
import unicodedata
from decimal import Decimal
from typing import Mapping, NamedTuple

from .decimals import CONTEXT
from .decimals import show as show_decimal

# the diagnostic codes of fact problems (assessc.diagnostics.codes; a test checks they agree)
MISSING_FACT = "D0602"
WRONG_FACT_TYPE = "D0603"
FACT_OUT_OF_RANGE = "D0604"
UNKNOWN_FACT_VALUE = "D0605"


class FactRule(NamedTuple):
    """What a declared fact may hold: the loader makes one from a fact's type, a generated scorer
    holds one per fact as data."""

    name: str
    kind: str  # count, rank, decimal, amount, percent, bool, date, text, enum, evidence, ledger
    low: Decimal | None  # the declared bounds (None: none declared on that side)
    high: Decimal | None
    members: tuple  # of (name, label or None, aliases): an enum's members, an evidence list's items
    label: str | None
    default: object  # None: a blank is missing
    fields: tuple  # of FactRule: a ledger's fields


class BadValue(Exception):
    """A value that is not one of its fact: ``code``, ``text`` (after "fact `name`") and ``help``."""

    def __init__(self, code, text, help):
        super().__init__(text)
        self.code = code
        self.text = text
        self.help = help


class Inexact(str):
    """A spreadsheet cell holding a computed binary number with no exact decimal form
    (`0.30000000000000004` from `=0.1+0.2`): its text, marked so that it is refused instead of
    silently becoming a wrong decimal."""


# -- numbers --

NUMERIC_KINDS = ("count", "rank", "decimal", "amount", "percent")
WHOLE_KINDS = ("count", "rank")
#: the most digits a fact's number may have (`1e400` has 401): as many as the scoring arithmetic
#: keeps exactly
MAX_DIGITS = CONTEXT.prec
#: a context in which moving a number's point (`scaleb`, `quantize` to a whole number) is exact
EXACT_SHIFT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})


def normalize(text):
    """Full-width forms folded to ASCII and surrounding space removed."""
    if text.isascii():
        return text.strip()
    return unicodedata.normalize("NFKC", text).translate(_MINUS_SIGNS).strip()


def parse_number(text):
    """The exact number ``text`` spells, or None if it spells none."""
    text = normalize(text)
    if _GROUPED_NUMBER.fullmatch(text):
        text = text.replace(",", "")
    if not _PLAIN_NUMBER.fullmatch(text):
        return None
    return Decimal(text)


def width(value):
    """How many digits ``value`` has written out without an exponent (`1e3`: 4, `0.001`: 3)."""
    exponent = value.as_tuple().exponent
    return max(value.adjusted() + 1, 0) + max(-exponent, 0)


def too_wide(value, text=None):
    """Whether a finite ``value`` has more digits than the scoring arithmetic keeps exactly;
    ``text``, the value as written without an exponent, answers no at once when it is short."""
    if text is not None and len(text) <= MAX_DIGITS and "e" not in text and "E" not in text:
        return False
    return width(value) > MAX_DIGITS


def shift(value, places):
    """``value`` times 10 to the ``places``, exactly."""
    return value.scaleb(places, context=EXACT_SHIFT)


def plain(value):
    """``value`` without a positive exponent, so `1e3` prints as `1000` (exactly, at any size)."""
    if value.as_tuple().exponent > 0:
        return value.quantize(Decimal(1), context=EXACT_SHIFT)
    return value


def is_whole(value):
    return value == value.to_integral_value()


def whole(value):
    """An integral value as a Decimal with no fractional digits (`3.0` -> `3`)."""
    return Decimal(int(value))


def percent_fraction(value):
    """`95` (meaning 95 %) -> `0.95`, exactly."""
    return shift(value, -2)


_IMPLIED_LOW = {"count": Decimal(0), "rank": Decimal(1), "percent": Decimal(0)}
_IMPLIED_HIGH = {"percent": Decimal(1)}


def bounds(kind, low, high):
    """The inclusive (low, high) a fact of ``kind`` declared ``low``..``high`` allows, implied
    bounds included. A declared bound below a count's 0 or a rank's 1 is raised to it; for a
    percent a declared bound replaces the implied one (a policy may allow growth above 100 %)."""
    implied_low = _IMPLIED_LOW.get(kind)
    if implied_low is not None:
        if low is None:
            low = implied_low
        elif kind != "percent":
            low = max(low, implied_low)
    if high is None:
        high = _IMPLIED_HIGH.get(kind)
    return low, high


def in_range(value, rule):
    low, high = bounds(rule.kind, rule.low, rule.high)
    return (low is None or value >= low) and (high is None or value <= high)


# -- what is allowed, in words --

DATE_FORMS = "2017-12-31, 2017/12/31 or 2017年12月31日"
_WHAT_NUMBER = {"count": "a whole number", "rank": "a rank (whole number)", "decimal": "a decimal number",
                "percent": "a percentage", "amount": "an amount"}
#: what a value of each kind is, after "not"
KIND_NOUNS = {"count": "a whole number", "rank": "a whole number", "decimal": "a number", "amount": "a number",
              "percent": "a percentage", "bool": "yes or no", "date": "a date yyyy-mm-dd", "text": "text",
              "enum": "one of its values", "evidence": "a list of items", "ledger": "a list of entries"}


def describe(kind, low, high, names=(), fields=()):
    """What values a fact of ``kind`` allows, in words: ``low``/``high`` its bounds, ``names`` its
    members' names, ``fields`` a ledger's field names."""
    if kind == "enum":
        return "one of " + ", ".join(names)
    if kind == "evidence":
        return f"a list of {', '.join(names)} (separated by `;`)"
    if kind == "bool":
        return "yes/no (true, false, 1, 0, 是, 否)"
    if kind == "date":
        return "a date yyyy-mm-dd"
    if kind == "text":
        return "text"
    if kind == "ledger":
        return "a list of entries with fields " + ", ".join(fields)

    def show(v):
        return f"{show_decimal(v.scaleb(2, CONTEXT))}%" if kind == "percent" else show_decimal(v)

    what = _WHAT_NUMBER[kind]
    if low is not None and high is not None:
        return what + f" from {show(low)} to {show(high)}"
    if low is not None:
        return what + f" of at least {show(low)}"
    if high is not None:
        return what + f" of at most {show(high)}"
    return what


def allowed(rule):
    """The help line of a problem with a value of ``rule``: what is allowed, implied bounds included."""
    low, high = bounds(rule.kind, rule.low, rule.high)
    text = "allowed: " + describe(rule.kind, low, high, [m[0] for m in rule.members], [f.name for f in rule.fields])
    if rule.kind == "percent":
        text += " (`95` and `95%` both mean 95%)"
    if rule.kind == "date":
        text += f" ({DATE_FORMS})"
    return text


_LONGEST = 40


def raw_text(raw):
    """The input as the user wrote it, shortened, for use inside backticks."""
    if isinstance(raw, (str, Decimal, int, float, datetime.date)) and not isinstance(raw, bool):
        text = str(raw)
    else:
        text = json_text(raw)
    text = " ".join(text.split())
    return text if len(text) <= _LONGEST else text[: _LONGEST - 1] + "…"


def json_text(raw):
    """JSON text of a decoded value, numbers included (they are Decimals)."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if raw is None:
        return "null"
    if isinstance(raw, Decimal):
        return str(raw)
    if isinstance(raw, (list, tuple)):
        return "[" + ", ".join(json_text(x) for x in raw) + "]"
    if isinstance(raw, (set, frozenset)):
        return "[" + ", ".join(sorted(json_text(x) for x in raw)) + "]"
    if isinstance(raw, Mapping):
        return "{" + ", ".join(f"{json_text(str(k))}: {json_text(v)}" for k, v in raw.items()) + "}"
    return json.dumps(str(raw), ensure_ascii=False)


def ticked(names):
    return ", ".join(f"`{n}`" for n in names)


def closest(word, candidates, cutoff=0.6):
    """The closest candidate, if any is close enough (difflib's ratio)."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=cutoff)
    return close[0] if close else None


def did_you_mean(word, candidates, cutoff=0.6):
    """"did you mean" the :func:`closest` candidate, if any."""
    close = closest(word, candidates, cutoff)
    return f"did you mean `{close}`?" if close is not None else None


def wrong_value(raw, noun, rule):
    return BadValue(WRONG_FACT_TYPE, f"is `{raw_text(raw)}`, not {noun}", allowed(rule))


# -- enum members and evidence items --

_ITEM_SEPARATORS = re.compile(r"[;；,，、\n\r]+")


def spellings(member):
    """Every text an input may use for a member (name, label, aliases): its name first."""
    name, label, aliases = member
    return (name,) + ((label,) if label else ()) + tuple(aliases)


@functools.lru_cache(maxsize=1024)
def _spelling_tables(members):
    """(exact spelling -> member name, folded spelling -> member names) of ``members``."""
    exact, folded = {}, {}
    for member in members:
        for spelling in spellings(member):
            exact.setdefault(spelling.strip(), member[0])
            folded.setdefault(spelling.strip().casefold(), set()).add(member[0])
    return exact, folded


def find_member(text, rule):
    """The name of the member called or labelled ``text`` (exactly; else ignoring case if only
    one member matches), or None."""
    exact, folded = _spelling_tables(rule.members)
    text = text.strip()
    name = exact.get(text)
    if name is not None:
        return name
    matches = folded.get(text.casefold(), ())
    return next(iter(matches)) if len(matches) == 1 else None


def split_items(text, rule):
    """The items an evidence cell lists (empty for an empty cell)."""
    if find_member(text, rule) is not None:
        return [text.strip()]
    return [piece.strip() for piece in _ITEM_SEPARATORS.split(text) if piece.strip()]


def members_help(rule, unknown=None):
    """What is allowed, with labels and a "did you mean" for ``unknown``."""
    names = [m[0] for m in rule.members]
    text = "allowed: " + describe(rule.kind, rule.low, rule.high, names)
    labels = [sp for m in rule.members for sp in spellings(m)[1:] if sp != m[0]]
    if labels:
        text += "; their labels also work: " + ", ".join(labels)
    if rule.kind == "evidence":
        text += "; leave the cell empty when none was submitted"
    if unknown is not None:
        hint = did_you_mean(unknown, names + labels)
        if hint:
            text += "; " + hint
    return text


def unknown_items_text(items):
    if len(items) == 1:
        return f"lists {ticked(items)}, which is not one of its items"
    return f"lists {ticked(items)}, which are not among its items"


# -- one value --

#: what a spreadsheet cell shows when its formula cannot be computed
EXCEL_ERRORS = frozenset({"#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"})
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是", "有"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "否", "无"})
# 2017-12-31, and as Excel on Chinese Windows writes a date into a CSV file or a person types it:
# 2017/12/31, 2017/1/5, 2017.12.31, 2017年12月31日; a time of midnight after it is what a date cell
# holds. Year first always: 05/01/2017 is May 1st in one country and January 5th in another.
_DATE_CELL = re.compile(r"(\d{4})(?:([-/.])(\d{1,2})\2(\d{1,2})|年(\d{1,2})月(\d{1,2})日?)(?: 0?0:00(?::00)?)?")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)  # day 0 of the day numbers Excel stores dates as


def is_blank(raw):
    """A cell with nothing in it, a JSON null, or a key that is not there."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def blank_value(raw, rule):
    """What a blank ``raw`` gives ``rule``: an empty cell of an evidence list is no item submitted
    (a null or absent one is missing); else the fact's default; None: nothing (it is missing)."""
    if rule.kind == "evidence" and raw is not None:
        return frozenset()
    return rule.default


def parse_value(raw, rule, typed=False):
    """The typed value of ``raw`` (not blank) for a fact of ``rule`` (not a ledger), or
    :class:`BadValue`. With ``typed`` (a generated scorer's ``validate()``), a ``Decimal`` is a
    typed value: a percent's is a fraction already, and a fact's default is taken as it is (as
    for a blank, it need not be in range); else it is a JSON number, written as a cell would be."""
    if isinstance(raw, Decimal) and not raw.is_finite():  # JSON's NaN and Infinity are no value of any fact
        raise wrong_value(raw, KIND_NOUNS[rule.kind], rule)
    if isinstance(raw, str) and "#" in raw and raw.strip().upper() in EXCEL_ERRORS:  # not even for a text fact
        raise BadValue(WRONG_FACT_TYPE, f"is `{raw.strip()}`, an Excel error, not {KIND_NOUNS[rule.kind]}",
                       "the cell's formula could not be computed (a division by zero, a value not found, …): "
                       "correct the formula, or type the value; " + allowed(rule))
    return _VALUE_PARSERS[rule.kind](raw, rule, typed)


def _number_value(raw, rule, typed):
    kind = rule.kind
    if isinstance(raw, Inexact):
        raise BadValue(WRONG_FACT_TYPE, f"is `{raw}`, a computed number with no exact decimal value",
                       "round it in the spreadsheet, e.g. `=ROUND(B2*C2, 2)`, or type the value itself")
    if isinstance(raw, float):
        raise BadValue(WRONG_FACT_TYPE, f"is the binary float `{raw!r}`, which may not be the number meant",
                       "give the number as a Decimal or as text, e.g. Decimal('0.1') or '0.1'")
    value = text = None
    if isinstance(raw, Decimal):
        value = raw if typed or kind != "percent" else percent_fraction(raw)
    elif isinstance(raw, int) and not isinstance(raw, bool):  # a whole number as a cell would hold it
        value = Decimal(raw)
        if kind == "percent":
            value = percent_fraction(value)
    elif isinstance(raw, str):
        text = normalize(raw)
        if kind == "percent" and text.endswith("%"):
            text = text[:-1]
        value = parse_number(text)
        if value is not None and kind == "percent":
            value = percent_fraction(value)
    if value is None:
        raise wrong_value(raw, KIND_NOUNS[kind], rule)
    if kind in WHOLE_KINDS and not is_whole(value):
        raise wrong_value(raw, KIND_NOUNS[kind], rule)
    # the range first, so that a number out of it is said to be, however many digits it has
    if not in_range(value, rule):
        if typed and not isinstance(raw, str) and rule.default is not None and value == rule.default:
            return value  # a typed value equal to the default (which may lie outside the range) is the default
        raise BadValue(FACT_OUT_OF_RANGE, f"is `{raw_text(raw)}`, outside its range", allowed(rule))
    if too_wide(value, text):
        raise BadValue(FACT_OUT_OF_RANGE, f"is `{raw_text(raw)}`, a number with more digits than a fact may have",
                       f"{allowed(rule)}, with at most {MAX_DIGITS} digits")
    return whole(value) if kind in WHOLE_KINDS else plain(value)


def _bool_value(raw, rule, typed):
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (str, Decimal, int)) and not isinstance(raw, Inexact):
        word = normalize(str(raw)).casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise wrong_value(raw, KIND_NOUNS["bool"], rule)


def _date_value(raw, rule, typed):
    if isinstance(raw, datetime.date) and not isinstance(raw, datetime.datetime):
        return raw
    if isinstance(raw, str):
        text = " ".join(normalize(raw).split())
        match = _DATE_CELL.fullmatch(text)
        if match:
            year, _, month, day, month_cn, day_cn = match.groups()
            try:
                return datetime.date(int(year), int(month or month_cn), int(day or day_cn))
            except ValueError:
                pass
        if text.isdigit() and 10000 <= int(text) <= 80000:  # 1927..2118: a date cell that lost its format
            day = _EXCEL_EPOCH + datetime.timedelta(days=int(text))
            problem = wrong_value(raw, KIND_NOUNS["date"], rule)
            problem.help += (f"; `{text}` is how Excel stores the date {day.isoformat()}: format the cell as a "
                             "date (or type the date) so that the sheet shows it")
            raise problem
    raise wrong_value(raw, KIND_NOUNS["date"], rule)


def _text_value(raw, rule, typed):
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, (Decimal, int)) and not isinstance(raw, bool):
        return str(raw)
    raise wrong_value(raw, KIND_NOUNS["text"], rule)


def _enum_value(raw, rule, typed):
    if not isinstance(raw, (str, Decimal, int)) or isinstance(raw, bool):
        raise wrong_value(raw, KIND_NOUNS["enum"], rule)
    name = find_member(str(raw), rule)
    if name is None:
        raise BadValue(UNKNOWN_FACT_VALUE, f"is `{raw_text(raw)}`, not one of its values",
                       members_help(rule, str(raw).strip()))
    return name


def _evidence_value(raw, rule, typed):
    if isinstance(raw, str):
        items = split_items(raw, rule)
    elif isinstance(raw, (list, tuple, set, frozenset)) and all(isinstance(x, str) for x in raw):
        items = [x.strip() for x in raw if x.strip()]
    else:
        raise wrong_value(raw, KIND_NOUNS["evidence"], rule)
    found = {item: find_member(item, rule) for item in items}
    unknown = [item for item, name in found.items() if name is None]
    if unknown:
        raise BadValue(UNKNOWN_FACT_VALUE, unknown_items_text(unknown), members_help(rule, unknown[0]))
    return frozenset(found.values())


_VALUE_PARSERS = {"count": _number_value, "rank": _number_value, "decimal": _number_value,
                  "amount": _number_value, "percent": _number_value, "bool": _bool_value, "date": _date_value,
                  "text": _text_value, "enum": _enum_value, "evidence": _evidence_value}
