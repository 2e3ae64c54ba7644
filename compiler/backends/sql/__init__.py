"""The SQL backend: one query that scores every entity of a facts table.

:func:`to_sql` turns a :class:`~assessc.graph.nodes.ScoringGraph` into one
``SELECT`` over a table that holds one row per entity: an id column and one
column per fact. The query returns ``id``, one column per item, bonus and
penalty (named by its node id) and ``total``, with the same values as the
interpreter (:mod:`assessc.backends.interp`), whose evaluation order it
follows:

* a **term** is ``sign × body`` when its condition holds, else 0; under
  ``round each`` it is rounded;
* an item whose ``applies if`` (or an ancestor's) does not hold counts 0 and
  none of its rules matters;
* an **item** is ``start + Σ terms + Σ children``; a ``zero if`` that holds
  makes it 0; otherwise the coefficient multiplies it, ``round each`` rounds
  it, ``until zero`` floors it and ``max`` caps it (a penalty's ``max N``
  bounds its deduction);
* a weighted child counts ``W × value × 100 / max``;
* the **total** is ``min(Σ items × coefficient, max) + Σ bonuses + Σ
  penalties``, 0 under a veto, rounded under ``round total``/``round each``.

The query is built from the policy's operations (:func:`assessc.core.lower.lower`),
which say what each rule does and in what order, as a tree of :mod:`sqlglot`
expressions printed in the dialect asked for; nothing from the policy is pasted into SQL text, so a
title, a member or a string holding quotes or ``--`` stays a literal or a
quoted identifier. Each stage is a CTE that adds columns to the previous
one: the typed facts, the ledger aggregates, the applicability flags, then,
for the items of each height (leaves first), their terms, raw sums, scaled
and rounded values and final values, so every value is computed once. A
column that only one later expression reads is written into it instead
(:mod:`.inlining`), and one nothing reads is left out: a policy
whose values are each read once becomes one expression, as a person would
write it, which the engine parses and plans in a fraction of the time.

Arithmetic is exact DECIMAL: the scale ``s`` of every value is known when
the query is generated (a literal's decimals, a fact's scale, the larger
scale for a sum, the sum of the scales for a product), and so is the type
the engine gives it (``width`` of a :mod:`.values` value): DECIMAL(w, s) by the engine's own rules,
which widen a sum instead of rounding it. A value is cast to
``DECIMAL(38, s)`` where those rules would not keep ``s``: a CASE branch or
LEAST/GREATEST argument whose whole part would leave no room for the
others' decimals, a value of unknown type, and every column the query
returns (so a result's type is always ``DECIMAL(38, s)``); constants of
a CASE are written with its scale (``5.00``), and a CASE of whole-number
constants stays an INTEGER, which is never added to another INTEGER
(:func:`.values._apart`). A quotient that has no finite decimal form is
rounded half-even at :data:`DIVISION_SCALE` places (the interpreter keeps 60
significant digits); a quotient that has one is exact. Division never goes
through a floating-point type.

Names: the facts table's columns are the facts' names, a ledger's table is
``<table>_<ledger>``, and the result's columns are ``id``, the item ids and
``total``. Every one must be valid and distinct in each tested dialect: DuckDB
and Spark ignore case, PostgreSQL cuts a name after :data:`MAX_NAME_BYTES`.
A policy whose names would collide or be cut is refused (:class:`SQLNameClash`,
E0410 and E0411, located in the policy) rather than compiled to a query that
fails or reads one column for two facts. The query's own steps and columns are
numbered (``_f1``, ``_i3``), never made from a policy's names.

NULL marks an evaluation error: where the interpreter stops scoring an entity
(a lookup used as a value that has no row, a division by zero, a date outside
the working-day calendar), the values that read it are NULL, and so is the
total.

The package, one job a module (names with a leading underscore are the
package's own, shared between its modules; the names below are its API):

* :mod:`.trees` — sqlglot trees: quoted names, casts, operators that keep
  their precedence, literals, SELECTs;
* :mod:`.values` — a generated value with its scale, width, bounds and
  errors, and the exact DECIMAL arithmetic on such values;
* :mod:`.dialects` — every difference between DuckDB, PostgreSQL and Spark,
  as one table;
* :mod:`.calendar` — the working-day steps and a day's index in SQL;
* :mod:`.sources` — an entity's row or a ledger entry as the source of an
  expression's facts and fields;
* :mod:`.expressions` — expressions, lookups, ledgers, term bodies (a table
  from body operation to function), terms and rounding modes as SQL values;
* :mod:`.steps` — an item step or the total step as columns: a table from
  each operation to the function compiling it;
* :mod:`.nesting` — how the program's items nest (source order, heights, the
  enclosing `applies if`);
* :mod:`.query` — the stages (applicability, the items of each height, the
  total) and their assembly into CTEs; :mod:`.inlining` writes a column read
  once where it is read;
* :mod:`.cells` — a table cell read as its fact's value;
* :mod:`.names` — names SQL could not keep apart (E0410, E0411);
* :mod:`.scoring` — :func:`to_sql` and :func:`output_columns`;
* :mod:`.tables` — :func:`create_tables`, :func:`table_columns`,
  :func:`table_rows`;
* :mod:`.checks` — :func:`~.checks.checks_sql`, the query listing the cells
  of a facts table the loader would refuse;
* :mod:`.errors` — :class:`SQLUnsupported`.
"""

from assessc.backends.sql.cells import EVIDENCE_SEPARATOR, FACT_SCALE
from assessc.backends.sql.dialects import DIALECTS
from assessc.backends.sql.errors import SQLUnsupported
from assessc.backends.sql.names import MAX_NAME_BYTES, SQLNameClash, applicable_fact_column
from assessc.backends.sql.scoring import output_columns, to_sql
from assessc.backends.sql.tables import create_tables, table_columns, table_rows
from assessc.backends.sql.values import DIVISION_SCALE

__all__ = ["DIALECTS", "DIVISION_SCALE", "EVIDENCE_SEPARATOR", "FACT_SCALE", "MAX_NAME_BYTES", "SQLNameClash",
           "SQLUnsupported", "applicable_fact_column", "create_tables", "output_columns", "table_columns",
           "table_rows", "to_sql"]
