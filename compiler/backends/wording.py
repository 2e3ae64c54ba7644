# ---- wording (the same in the interpreter and in every generated scorer) --------------------------
#
# How explanation lines and scoring errors word what a rule read and computed. The interpreter
# imports this module; a generated scorer holds a copy of its text (pygen/module.py), so the two
# word every line and every error alike. Standard library only; every name starts with `_`, and
# none may clash with a name of the generated module's runtime.

import datetime as _datetime
import decimal as _decimal
from decimal import Decimal

#: the scoring context's precision, in which explanations word numbers
_WORDS = _decimal.Context(prec=60, rounding=_decimal.ROUND_HALF_EVEN,
                          traps=[_decimal.DivisionByZero, _decimal.InvalidOperation, _decimal.Overflow])


def _show(value, context=_WORDS):
    """A score as people write it: 0.5, 2, -1.25 (no exponent, no trailing zeros, no -0)."""
    if value == 0:
        return "0"
    if value == value.to_integral_value(context=context):
        return str(value.quantize(Decimal(1), context=context))
    return format(value.normalize(context), "f")


def _brief(value, places=6):
    """``_show`` with at most ``places`` decimals, and `…` when cut (a quotient such as 250/300)."""
    if isinstance(value, Decimal) and value.as_tuple().exponent < -places:
        return _show(value.quantize(Decimal(1).scaleb(-places, _WORDS), rounding=_decimal.ROUND_HALF_UP,
                                    context=_WORDS)) + "…"
    return _show(value)


def _text(value):
    """A value read by a rule: a number, true/false, a date, an enum member or a text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _brief(value)
    if isinstance(value, _datetime.date):
        return value.isoformat()
    return str(value)


def _key_text(key):
    return key if isinstance(key, str) else _show(key)


# -- lookups --

def _no_row_words(key, table, rows):
    """Why a lookup stops scoring: the key's value has no row in the table, which has no `else`."""
    where = f"table `{table}`" if table else "the table"
    return f"`{_key_text(key)}` has no row in {where}, which has {rows or 'no rows'} and no `else` row"


def _no_cell_words(row, column, matrix, rows, columns):
    """Why a points matrix stops scoring: it has no cell for this pair of members."""
    return (f"`{row}`, `{column}` has no cell in matrix `{matrix}`, which has the rows {rows or 'none'} "
            f"and the columns {columns or 'none'}")


def _entry_words(ledger, number, words):
    """An error about one entry of a ledger (numbered from 1, in the order the facts give them)."""
    return f"`{ledger}` entry {number}: {words}"


def _missing_text(present, pairs):
    """Name the evidence not submitted (``pairs``: member name, label), so a line says what was missing."""
    missing = [label for name, label in pairs if name not in present]
    return f" (missing: {'、'.join(missing)})" if missing else ""
