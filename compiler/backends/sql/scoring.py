"""The scoring query: :func:`to_sql`, the columns it returns, and :func:`_compile`, which the
tables and the checks of a facts table build on."""

from __future__ import annotations

import decimal
import difflib
from typing import Mapping, Sequence

from sqlglot import exp

from assessc.backends.sql.cells import FACT_SCALE
from assessc.backends.sql.errors import SQLUnsupported
from assessc.backends.sql.expressions import _Compiler
from assessc.backends.sql.names import SQLNameClash, _name_groups, _name_problems
from assessc.backends.sql.query import _Query
from assessc.core import ops
from assessc.core.lower import lower
from assessc.diagnostics import codes
from assessc.graph.nodes import ScoringGraph
from assessc.ir.types import FactDecl
from assessc.runtime.decimals import CONTEXT


def _compile(graph: ScoringGraph, dialect: str, table: str, id_column: str,
             ledger_tables: Mapping[str, str] | None, fact_scale: int,
             columns: Sequence[str] | None = None, typed_table: bool = False,
             applicability: Sequence[FactDecl] | None = None) -> tuple[_Compiler, exp.Select]:
    """The compiler and the query: the scores; or, with ``applicability``, one column per item with
    `applies if`, named by its id, saying whether it applies to the entity (NULL where that cannot
    be decided), and one per fact listed, named by :func:`applicable_fact_column`: its value.
    Raises :class:`SQLNameClash` for names SQL cannot keep apart."""
    if graph.policy.fact_checks:  # the query reads facts no loader has tried the checks on
        check = graph.policy.fact_checks[0]
        raise SQLUnsupported("`require` checks on facts", check.span,
                             help="score this policy with `assessc score`, which tries the checks as it loads the facts")
    if not isinstance(fact_scale, int) or not 0 <= fact_scale <= 18:
        raise ValueError("fact_scale must be a whole number from 0 to 18")
    with decimal.localcontext(CONTEXT):  # constants are folded and bounded exactly
        compiler = _Compiler(graph, dialect, table, id_column, ledger_tables or {}, fact_scale)
        compiler.columns = _checked_columns(compiler.program, columns)
        compiler.typed_table = bool(typed_table)
        compiler.applicability = list(applicability) if applicability is not None else None
        builder = _Query(compiler)
        try:
            query = builder.build()
        except decimal.Inexact:
            raise SQLUnsupported(f"a constant of more than {CONTEXT.prec} digits", graph.policy.span,
                                 "the policy's constants multiply to a number no DECIMAL holds",
                                 codes.BEYOND_FIXED_POINT, "write the rules with constants of fewer digits: no "
                                 f"engine computes with numbers of more than {CONTEXT.prec} digits") from None
    steps = [cte.alias for cte in query.args["with_"].expressions] if query.args.get("with_") else []
    problems = _name_problems(_name_groups(compiler, [name for name, _ in builder.output], steps))
    if problems:
        raise SQLNameClash(problems)
    return compiler, query


def _checked_columns(program: ops.Program, columns: Sequence[str] | None) -> list[str] | None:
    if columns is None:
        return None
    if isinstance(columns, str):
        raise ValueError("columns must be a list of names, not one string")
    known = _columns(program)
    chosen: list[str] = []
    for name in columns:
        if name not in known:
            close = difflib.get_close_matches(str(name), known, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else f"; the columns are: {', '.join(known)}"
            raise ValueError(f"no column `{name}` (an item's id or `total`){hint}")
        if name in chosen:
            raise ValueError(f"the column `{name}` is asked for twice")
        chosen.append(name)
    if not chosen:
        raise ValueError("columns is empty: ask for `total` or an item's id")
    return chosen


def to_sql(graph: ScoringGraph, dialect: str = "duckdb", *, table: str = "facts", id_column: str = "id",
           ledger_tables: Mapping[str, str] | None = None, fact_scale: int = FACT_SCALE, pretty: bool = True,
           columns: Sequence[str] | None = None, typed_table: bool = False) -> str:
    """One query scoring every row of ``table``: columns ``id``, one per item
    (named by its node id) and ``total``; or ``id`` and the ``columns`` asked for
    (item ids and ``total``, in that order), in which case nothing else is computed.

    ``table`` holds one row per entity: ``id_column`` and one column per fact
    the policy reads (see :func:`create_tables`). A ledger fact ``L`` is read
    from the table ``<table>_L`` (or ``ledger_tables[L]``): one row per entry,
    with ``id_column`` and one column per field. ``fact_scale`` is the number
    of decimals decimal, percent and amount facts are read with.

    Each cell is cast to its fact's type, whatever the table's column types. With
    ``typed_table=True`` the query relies on the tables having exactly the types
    :func:`create_tables` gives them (as tables it made do) and reads the cells as
    they are, which saves the engine a cast per fact; a column of another type (a
    DOUBLE) would then be computed in that type, inexactly.

    Raises :class:`SQLUnsupported` for a form SQL cannot express.
    """
    compiler, query = _compile(graph, dialect, table, id_column, ledger_tables, fact_scale, columns, typed_table)
    return query.sql(dialect=dialect, pretty=pretty)


def output_columns(graph: ScoringGraph, columns: Sequence[str] | None = None) -> list[str]:
    """The columns of the query's result, in order."""
    program = lower(graph)
    return ["id", *(_checked_columns(program, columns) if columns is not None else _columns(program))]


def _columns(program: ops.Program) -> list[str]:
    """Every column of the result after ``id``: the items in the program's order, then ``total``."""
    return [step.id for step in program.steps if step.__class__ is ops.ItemStep] + ["total"]
