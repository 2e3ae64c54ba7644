"""Read one record's cells into typed values, reporting each bad cell.

Every cell of every record is checked, so one run shows all the problems of
an input; a bad cell is left out of the result (the load as a whole then
fails). What a blank cell means:

* an evidence cell that is empty means no item was submitted (an empty set);
  a JSON null or an absent key, by contrast, is a missing value;
* otherwise the fact's default, if it declares one;
* otherwise, for a fact that only items which may not apply read, nothing
  (the caller checks, per entity, that the items that apply have their facts);
* otherwise a `missing-fact` error naming the entity and the fact.

A fact whose whole column is missing was reported once by
:mod:`assessc.facts.columns`; here it only takes its default, if any.
"""

from __future__ import annotations

from typing import Callable, Sequence

from assessc.diagnostics import DiagnosticBag, codes
from assessc.facts.columns import ColumnMap
from assessc.facts.records import Record, is_blank
from assessc.facts.rules import rule_of_decl
from assessc.facts.values import BadValue, allowed, parse_value
from assessc.ir.types import FactDecl
from assessc.runtime.factvalues import blank_value

#: a fact's name -> how messages name it for this record, e.g. "entity `南宁`: fact `rank`"
Subject = Callable[[str], str]


def read_values(
    record: Record, decls: Sequence[FactDecl], colmap: ColumnMap, subject: Subject, blank: str, bag: DiagnosticBag
) -> dict[str, object]:
    values: dict[str, object] = {}
    for decl in decls:
        column = colmap.columns.get(decl.name)
        if column is None:
            if decl.default is not None:
                values[decl.name] = decl.default
            continue
        raw = record.values.get(column)
        if is_blank(raw):
            value = blank_value(raw, rule_of_decl(decl))
            if value is not None:
                values[decl.name] = value
            elif decl.name in colmap.optional:
                pass  # needed only if an item reading it applies: checked after loading
            else:
                bag.add(codes.MISSING_FACT, record.cell_span(column), f"{subject(decl.name)} is {blank}",
                        help=allowed(decl.type))
            continue
        try:
            values[decl.name] = parse_value(raw, decl.type)
        except BadValue as problem:
            bag.add(problem.code, record.cell_span(column), f"{subject(decl.name)} {problem.text}", help=problem.help)
    return values
