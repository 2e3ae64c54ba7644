"""How each fact is held in columns: its scale, its interval, its codes.

* ``count``, ``rank``: whole numbers, scale 0;
* ``decimal``, ``amount``: fixed point with at least 2 decimal places (more
  if the declared range or default has more), ``percent``: the fraction with
  at least 4 places (95.55 % = 0.9555); a value with more places than its
  fact's scale is refused when the facts are read, naming entity, fact and
  scale (the interpreter reads any exact value);
* a numeric fact without a declared upper (lower) end is held up to
  :data:`OPEN_LIMIT` (down to −:data:`OPEN_LIMIT`); a larger value is refused
  when read. The limit is what lets the compiler prove that no intermediate
  value leaves int64;
* ``bool``: NumPy bools; ``enum`` and ``text``: int32 codes into one
  vocabulary of strings (enum members and string constants first, then texts
  as they are read), so equal strings have equal codes whatever fact they
  come from; ``date``: int32 proleptic ordinals (``date.toordinal()``);
* ``evidence``: a bit mask, one bit per declared item (at most 64 items);
* ``ledger``: entries in entity order, one array per field, and offsets
  (see :class:`~assessc.backends.batch.columns.Ledger`); at most
  :data:`ENTRY_LIMIT` entries per entity.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Mapping

import attrs

from assessc.facts.numeric import bounds as fact_bounds
from assessc.ir.types import INTEGER_KINDS, NUMERIC_KINDS, FactDecl, Kind
from assessc.runtime.decimals import CONTEXT, divide

#: the largest magnitude a numeric fact without a declared end may take
OPEN_LIMIT = 10 ** 9
#: the most entries one entity's ledger may hold
ENTRY_LIMIT = 10 ** 6
MIN_PLACES = {Kind.DECIMAL: 2, Kind.AMOUNT: 2, Kind.PERCENT: 4}


def places_of(value) -> int:
    """Decimal places of an exact value (0 for whole numbers)."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return 0
        value = divide(Decimal(value.numerator), Decimal(value.denominator))
    if not isinstance(value, Decimal) or not value.is_finite():
        return 0
    exponent = value.normalize(CONTEXT).as_tuple().exponent
    return max(0, -exponent)


def units_of(value: Decimal, places: int) -> int | None:
    """``value × 10**places`` as an int, or None if that is not whole."""
    scaled = Fraction(value) * 10 ** places
    return scaled.numerator if scaled.denominator == 1 else None


class Vocab:
    """Strings (enum members, texts, period names) and their int codes."""

    def __init__(self, names=()):
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        for name in names:
            self.code(name)

    def code(self, name: str) -> int:
        found = self.index.get(name)
        if found is None:
            found = self.index[name] = len(self.names)
            self.names.append(name)
        return found

    def copy(self) -> "Vocab":
        other = Vocab()
        other.names = list(self.names)
        other.index = dict(self.index)
        return other


@attrs.frozen
class FactLayout:
    decl: FactDecl
    #: decimal places of a numeric fact's units (0 for other kinds)
    places: int = 0
    #: interval of a numeric fact, with the open limit on an undeclared end
    lo: Fraction = Fraction(0)
    hi: Fraction = Fraction(0)
    #: ends that are the open limit rather than declared
    open_low: bool = False
    open_high: bool = False
    #: evidence: member name -> bit
    bits: Mapping[str, int] = attrs.field(factory=dict)
    #: ledger: field name -> layout
    fields: Mapping[str, "FactLayout"] = attrs.field(factory=dict)

    @property
    def name(self) -> str:
        return self.decl.name

    @property
    def kind(self) -> Kind:
        return self.decl.type.kind

    def scale_text(self) -> str:
        return f"{self.places} decimal places" if self.places != 1 else "1 decimal place"


def fact_layout(decl: FactDecl, places: Mapping[str, int] | int | None = None) -> FactLayout:
    kind = decl.type.kind
    if kind in NUMERIC_KINDS:
        if kind in INTEGER_KINDS:
            p = 0
        else:
            p = MIN_PLACES[kind]
            if isinstance(places, int):
                p = max(p, places)
            elif places and decl.name in places:
                p = max(p, places[decl.name])
            for end in (decl.type.low, decl.type.high, decl.default):
                if isinstance(end, Decimal):
                    p = max(p, places_of(end))
        low, high = fact_bounds(decl.type)
        lo = Fraction(low) if low is not None else Fraction(-OPEN_LIMIT)
        hi = Fraction(high) if high is not None else Fraction(OPEN_LIMIT)
        if isinstance(decl.default, Decimal):
            lo, hi = min(lo, Fraction(decl.default)), max(hi, Fraction(decl.default))
        return FactLayout(decl, p, lo, hi, low is None, high is None)
    if kind is Kind.EVIDENCE:
        return FactLayout(decl, bits={m: i for i, m in enumerate(decl.type.member_names)})
    if kind is Kind.LEDGER:
        fields = {f.name: fact_layout(f, places) for f in decl.type.fields}
        return FactLayout(decl, fields=fields)
    return FactLayout(decl)
