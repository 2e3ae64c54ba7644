"""One raw input value -> the typed value of a fact, or the reason it is not one.

The rules (what each kind may be written as, and the words of every problem) are
:mod:`assessc.runtime.factvalues`, which generated scorers hold too; this module
reads by them with a fact's declared type and gives problems their registry code.

The raw value is a cell's text (CSV, spreadsheet) or a JSON value, whose
numbers arrive as :class:`~decimal.Decimal`. Ledgers are lists of entries and
are read by :mod:`assessc.facts.ledgers`. Blank cells never reach this module:
whether a blank takes a default or is missing is the caller's decision. A
problem is raised as :class:`BadValue`, which carries the diagnostic code, the
message tail after the fact's name, and a help line saying what is allowed.
"""

from __future__ import annotations

from assessc.diagnostics import codes
from assessc.diagnostics.codes import Code
from assessc.facts.rules import rule_of
from assessc.ir.types import FactType
from assessc.runtime import factvalues
from assessc.runtime.factvalues import DATE_FORMS, EXCEL_ERRORS, Inexact  # noqa: F401 - the loader's names

__all__ = ["BadValue", "DATE_FORMS", "EXCEL_ERRORS", "Inexact", "allowed", "parse_value"]


class BadValue(factvalues.BadValue):
    """A problem with a value, its ``code`` the registry's entry."""

    def __init__(self, code: Code, text: str, help: str | None) -> None:
        super().__init__(code, text, help)


def parse_value(raw: object, ftype: FactType) -> object:
    """The typed value of ``raw`` (not blank) for a fact of type ``ftype``."""
    try:
        return factvalues.parse_value(raw, rule_of(ftype))
    except factvalues.BadValue as problem:
        raise BadValue(codes.REGISTRY[problem.code], problem.text, problem.help) from None


def allowed(ftype: FactType) -> str:
    """What a fact of type ``ftype`` allows, as a help line."""
    return factvalues.allowed(rule_of(ftype))
