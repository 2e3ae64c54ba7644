"""Single-use stage inlining: a stage column read once is written where it is read."""

from __future__ import annotations

from sqlglot import exp

from assessc.backends.sql.trees import _bin

_ATOMIC = (exp.Func, exp.Case, exp.Column, exp.Literal, exp.Paren, exp.Boolean, exp.Null)
#: where an expression needs no parentheses: a function's argument, a select item, a CASE's parts
_DELIMITED = (exp.Func, exp.Alias, exp.If, exp.Case)


def _inline_single_use(stages: list[tuple[str, list[tuple[str, exp.Expression]]]],
                       results: list[tuple[str, exp.Expression]]):
    """Stage columns read once are written where they are read, and columns never read are
    left out: the engine plans one expression instead of a chain of projections. A column read
    twice or more stays, so that nothing is computed twice. Stages are in order, so an
    expression moved later still finds every column it reads."""
    names = {column for _, columns in stages for column, _ in columns}

    def reads(sql: exp.Expression):
        return [c.name for c in sql.find_all(exp.Column) if not c.table and c.name in names]

    uses: dict[str, int] = {}
    definitions = {column: sql for _, columns in stages for column, sql in columns}
    for sql in [sql for _, sql in results] + list(definitions.values()):
        for name in reads(sql):
            uses[name] = uses.get(name, 0) + 1
    unread = [name for name in names if not uses.get(name)]
    while unread:  # a column nobody reads does not count as a reader either
        name = unread.pop()
        for read in reads(definitions[name]):
            uses[read] -= 1
            if not uses[read]:
                unread.append(read)
    written: dict[str, exp.Expression] = {}

    def substitute(sql: exp.Expression) -> exp.Expression:
        def swap(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Column) and not node.table and node.name in written:
                inner = written[node.name].copy()
                if isinstance(inner, _ATOMIC) or node.parent is None or isinstance(node.parent, _DELIMITED):
                    return inner
                return exp.Paren(this=inner)
            return node

        def minus(node: exp.Expression) -> exp.Expression:  # a + (-b) reads a - b
            if isinstance(node, exp.Add) and isinstance(node.expression.unnest(), exp.Neg):
                return _bin(exp.Sub, node.this, node.expression.unnest().this.unnest())
            return node
        return sql.copy().transform(swap, copy=False).transform(minus, copy=False)

    kept: list[tuple[str, list[tuple[str, exp.Expression]]]] = []
    for stage, columns in stages:
        staying = []
        for column, sql in columns:
            if not uses.get(column):
                continue
            sql = substitute(sql)
            if uses[column] == 1:
                written[column] = sql
            else:
                staying.append((column, sql))
        kept.append((stage, staying))
    return kept, [(name, substitute(sql)) for name, sql in results]
