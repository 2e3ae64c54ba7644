"""The policy's names in SQL: each set of names that must be told apart (tables, columns of a
table, columns of the result), and E0410 / E0411 for two equal but for case or one PostgreSQL
would cut."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import attrs

from assessc.backends.sql.errors import SQLUnsupported
from assessc.core import ops
from assessc.diagnostics import Diagnostic, Note, codes
from assessc.dsl.source import Span

if TYPE_CHECKING:
    from assessc.backends.sql.expressions import _Compiler

#: PostgreSQL keeps the first 63 bytes of a name (NAMEDATALEN - 1) and drops the rest
MAX_NAME_BYTES = 63


class SQLNameClash(SQLUnsupported):
    """Names of the policy that would not be valid and distinct SQL names in every dialect the
    query is tested on: two that differ only in case (DuckDB and Spark ignore case), or one
    longer than :data:`MAX_NAME_BYTES` (PostgreSQL cuts it). ``diagnostics`` are E0410 and
    E0411, each located at the name in the policy."""

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        first = diagnostics[0]
        super().__init__("these names", first.span, first.message)
        self.diagnostics = tuple(diagnostics)


def applicable_fact_column(k: int) -> str:
    """The column of the applicability query (``_compile(applicability=…)``) holding the k-th fact
    asked for: numbered, since a fact's own name made longer could be cut or clash."""
    return f"_p{k + 1}"


@attrs.frozen
class _Name:
    text: str
    what: str  # "fact `rate`"
    span: Span | None = None


def _name_groups(compiler: _Compiler, outputs: Sequence[str], steps: Sequence[str]) -> list[tuple[str, list[_Name]]]:
    """Each set of names that must be told apart in SQL, with what they name there."""
    c = compiler
    spans = {step.id: step.span for step in c.program.steps if step.__class__ is ops.ItemStep}
    id_column = _Name(c.id_column, f"the id column `{c.id_column}`")
    tables = [_Name(c.table, f"the facts table `{c.table}`")]
    tables += [_Name(ledger.table, f"the table `{ledger.table}` of ledger `{ledger.decl.name}`", ledger.decl.span)
               for ledger in c.ledgers.values()]
    tables += [_Name(step, f"the query's own step `{step}`") for step in steps]
    groups = [("one table", tables),
              ("one column of the facts table",
               [id_column] + [_Name(f.decl.name, f"fact `{f.decl.name}`", f.decl.span) for f in c.facts.values()])]
    for ledger in c.ledgers.values():
        groups.append((f"one column of the table of ledger `{ledger.decl.name}`", [id_column] + [
            _Name(name, f"field `{name}` of ledger `{ledger.decl.name}`", decl.span)
            for name, (_, _, _, decl) in ledger.fields.items()]))
    result = [_Name("id", "the result's `id` column")]
    for name in outputs:
        if name in spans:
            result.append(_Name(name, f"the column of item `{name}`", spans[name]))
        elif not name.startswith("_"):
            result.append(_Name(name, f"the result's `{name}` column"))
    groups.append(("one column of the result", result))
    return groups


def _name_problems(groups: list[tuple[str, list[_Name]]]) -> list[Diagnostic]:
    """E0411 for a name longer than PostgreSQL keeps; E0410 for two names equal but for case."""
    problems: list[Diagnostic] = []
    cut: set[tuple[str, int | None]] = set()
    for role, names in groups:
        seen: dict[str, _Name] = {}
        for name in names:
            size = len(name.text.encode("utf-8"))
            if size > MAX_NAME_BYTES and (name.text, id(name.span)) not in cut:
                cut.add((name.text, id(name.span)))
                problems.append(Diagnostic(
                    codes.SQL_NAME_TOO_LONG, name.span,
                    f"{name.what} is {size} bytes long in UTF-8; PostgreSQL keeps only the first {MAX_NAME_BYTES} "
                    "bytes of a SQL name",
                    f"shorten it to at most {MAX_NAME_BYTES} bytes (a Chinese character takes 3, a letter or digit 1); "
                    "a fact's label can keep the long text"))
            first = seen.setdefault(name.text.lower(), name)
            if first is not name:
                here, other = (name, first) if name.span is not None else (first, name)  # the located one first
                problems.append(Diagnostic(
                    codes.SQL_NAME_CLASH, here.span,
                    f"{here.what} and {other.what} would be {role} in SQL: DuckDB and Spark do not tell "
                    "names apart by case",
                    "rename one of them so that the two differ in more than case",
                    (Note(other.span, f"{other.what} is here"),) if other.span is not None else ()))
    return sorted(problems, key=Diagnostic.sort_key)
