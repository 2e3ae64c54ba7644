"""One raw input value -> the typed value of a fact, or the reason it is not one.

The raw value is a cell's text (CSV, spreadsheet) or a JSON value, whose
numbers arrive as :class:`~decimal.Decimal`. What each kind becomes:

========  ====================================================================
count     ``Decimal``, a whole number >= 0
rank      ``Decimal``, a whole number >= 1
decimal   ``Decimal``
amount    ``Decimal``
percent   ``Decimal`` fraction: `95`, `95%` -> ``Decimal("0.95")``
bool      ``bool`` from true/false, yes/no, y/n, 1/0, 是/否, 有/无
date      ``datetime.date`` from 2017-12-31, 2017/12/31, 2017.12.31, 2017年12月31日
text      ``str``, stripped
enum      ``str``, the member's name (its name or label is accepted)
evidence  ``frozenset[str]`` of the member names of the items submitted
========  ====================================================================

Ledgers are lists of entries and are read by :mod:`assessc.facts.ledgers`.
Blank cells never reach this module: whether a blank takes a default or is
missing is the caller's decision. A problem is raised as :class:`BadValue`,
which carries the diagnostic code, the message tail after the fact's name,
and a help line saying what is allowed.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Callable

from assessc.diagnostics import codes
from assessc.diagnostics.codes import Code
from assessc.facts import members, numeric
from assessc.facts.messages import show
from assessc.ir.types import FactType, Kind


class Inexact(str):
    """A spreadsheet cell holding a computed binary number with no exact
    decimal form (`0.30000000000000004` from `=0.1+0.2`): its text, marked
    so that it is refused instead of silently becoming a wrong decimal."""


class BadValue(Exception):
    def __init__(self, code: Code, text: str, help: str | None) -> None:
        super().__init__(text)
        self.code = code
        self.text = text
        self.help = help


#: what a spreadsheet cell shows when its formula cannot be computed
EXCEL_ERRORS = frozenset({"#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"})


def parse_value(raw: object, ftype: FactType) -> object:
    """The typed value of ``raw`` (not blank) for a fact of type ``ftype``."""
    if isinstance(raw, Decimal) and not raw.is_finite():  # JSON's NaN and Infinity are no value of any fact
        raise _wrong(raw, _NOUNS[ftype.kind], ftype)
    if isinstance(raw, str) and "#" in raw and raw.strip().upper() in EXCEL_ERRORS:  # not even for a text fact
        raise BadValue(codes.WRONG_FACT_TYPE, f"is `{raw.strip()}`, an Excel error, not {_NOUNS[ftype.kind]}",
                       "the cell's formula could not be computed (a division by zero, a value not found, …): "
                       "correct the formula, or type the value; " + allowed(ftype))
    return _PARSERS[ftype.kind](raw, ftype)


def allowed(ftype: FactType) -> str:
    text = "allowed: " + numeric.effective_type(ftype).describe()
    if ftype.kind is Kind.PERCENT:
        text += " (`95` and `95%` both mean 95%)"
    if ftype.kind is Kind.DATE:
        text += f" ({DATE_FORMS})"
    return text


def _wrong(raw: object, noun: str, ftype: FactType) -> BadValue:
    return BadValue(codes.WRONG_FACT_TYPE, f"is `{show(raw)}`, not {noun}", allowed(ftype))


def _inexact(raw: Inexact) -> BadValue:
    return BadValue(
        codes.WRONG_FACT_TYPE,
        f"is `{raw}`, a computed number with no exact decimal value",
        "round it in the spreadsheet, e.g. `=ROUND(B2*C2, 2)`, or type the value itself",
    )


_NOUNS = {
    Kind.COUNT: "a whole number",
    Kind.RANK: "a whole number",
    Kind.DECIMAL: "a number",
    Kind.AMOUNT: "a number",
    Kind.PERCENT: "a percentage",
    Kind.BOOL: "yes or no",
    Kind.DATE: "a date yyyy-mm-dd",
    Kind.TEXT: "text",
    Kind.ENUM: "one of its values",
    Kind.EVIDENCE: "a list of items",
    Kind.LEDGER: "a list of entries",
}


def _number(raw: object, ftype: FactType) -> Decimal:
    if isinstance(raw, Inexact):
        raise _inexact(raw)
    value: Decimal | None = None
    text = None
    if isinstance(raw, Decimal):
        value = raw if raw.is_finite() else None  # JSON's NaN and Infinity are no numbers
    elif isinstance(raw, str):
        text = numeric.normalize(raw)
        if ftype.kind is Kind.PERCENT and text.endswith("%"):
            text = text[:-1]
        value = numeric.parse_number(text)
    if value is None:
        raise _wrong(raw, _NOUNS[ftype.kind], ftype)
    if ftype.kind in (Kind.COUNT, Kind.RANK) and not numeric.is_whole(value):
        raise _wrong(raw, _NOUNS[ftype.kind], ftype)
    if ftype.kind is Kind.PERCENT:
        value = numeric.percent_fraction(value)
    # the range first, so that a number out of it is said to be, however many digits it has
    if not numeric.in_range(value, ftype):
        raise BadValue(codes.FACT_OUT_OF_RANGE, f"is `{show(raw)}`, outside its range", allowed(ftype))
    if numeric.too_wide(value, text):
        raise BadValue(codes.FACT_OUT_OF_RANGE,
                       f"is `{show(raw)}`, a number with more digits than a fact may have",
                       f"{allowed(ftype)}, with at most {numeric.MAX_DIGITS} digits")
    if ftype.kind in (Kind.COUNT, Kind.RANK):
        return numeric.whole(value)
    return numeric.plain(value)


_TRUE = frozenset({"true", "yes", "y", "1", "是", "有"})
_FALSE = frozenset({"false", "no", "n", "0", "否", "无"})


def _bool(raw: object, ftype: FactType) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (str, Decimal)) and not isinstance(raw, Inexact):
        word = numeric.normalize(str(raw)).casefold()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise _wrong(raw, _NOUNS[Kind.BOOL], ftype)


# 2017-12-31, and as Excel on Chinese Windows writes a date into a CSV file or a person types it:
# 2017/12/31, 2017/1/5, 2017.12.31, 2017年12月31日; a time of midnight after it is what a date cell
# holds. Year first always: 05/01/2017 is May 1st in one country and January 5th in another.
_DATE = re.compile(r"(\d{4})(?:([-/.])(\d{1,2})\2(\d{1,2})|年(\d{1,2})月(\d{1,2})日?)(?: 0?0:00(?::00)?)?")
DATE_FORMS = "2017-12-31, 2017/12/31 or 2017年12月31日"


_EXCEL_EPOCH = datetime.date(1899, 12, 30)  # day 0 of the day numbers Excel stores dates as


def _date(raw: object, ftype: FactType) -> datetime.date:
    if isinstance(raw, str):
        text = " ".join(numeric.normalize(raw).split())
        match = _DATE.fullmatch(text)
        if match:
            year, _, month, day, month_cn, day_cn = match.groups()
            try:
                return datetime.date(int(year), int(month or month_cn), int(day or day_cn))
            except ValueError:
                pass
        if text.isdigit() and 10000 <= int(text) <= 80000:  # 1927..2118: a date cell that lost its format
            day = _EXCEL_EPOCH + datetime.timedelta(days=int(text))
            problem = _wrong(raw, _NOUNS[Kind.DATE], ftype)
            problem.help += (f"; `{text}` is how Excel stores the date {day.isoformat()}: format the cell as a "
                             "date (or type the date) so that the sheet shows it")
            raise problem
    raise _wrong(raw, _NOUNS[Kind.DATE], ftype)


def _text(raw: object, ftype: FactType) -> str:
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, Decimal):
        return str(raw)
    raise _wrong(raw, _NOUNS[Kind.TEXT], ftype)


def _enum(raw: object, ftype: FactType) -> str:
    if not isinstance(raw, (str, Decimal)):
        raise _wrong(raw, _NOUNS[Kind.ENUM], ftype)
    name = members.find_member(str(raw), ftype)
    if name is None:
        raise BadValue(
            codes.UNKNOWN_FACT_VALUE,
            f"is `{show(raw)}`, not one of its values",
            members.members_help(ftype, str(raw).strip()),
        )
    return name


def _evidence(raw: object, ftype: FactType) -> frozenset[str]:
    if isinstance(raw, str):
        items = members.split_items(raw, ftype)
    elif isinstance(raw, list) and all(isinstance(x, str) for x in raw):
        items = [x.strip() for x in raw if x.strip()]
    else:
        raise _wrong(raw, _NOUNS[Kind.EVIDENCE], ftype)
    found = {item: members.find_member(item, ftype) for item in items}
    unknown = [item for item, name in found.items() if name is None]
    if unknown:
        raise BadValue(
            codes.UNKNOWN_FACT_VALUE,
            members.unknown_items_text(unknown),
            members.members_help(ftype, unknown[0]),
        )
    return frozenset(found.values())


def _not_here(raw: object, ftype: FactType) -> object:
    raise AssertionError("ledgers are read by assessc.facts.ledgers")


_PARSERS: dict[Kind, Callable[[object, FactType], object]] = {
    Kind.COUNT: _number,
    Kind.RANK: _number,
    Kind.DECIMAL: _number,
    Kind.AMOUNT: _number,
    Kind.PERCENT: _number,
    Kind.BOOL: _bool,
    Kind.DATE: _date,
    Kind.TEXT: _text,
    Kind.ENUM: _enum,
    Kind.EVIDENCE: _evidence,
    Kind.LEDGER: _not_here,
}
