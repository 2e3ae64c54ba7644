"""Lookups (``lookup K TABLE``, a table in an expression or a ledger sum) and points matrices,
compiled: the first row the key matches, else the ``else`` row; a key no row matches, in a
table without one, marks the row as failing (the interpreter's ``NoRow``, D0609), as does a
pair a matrix has no cell for.

Whole-number keys over a small domain and enum members index a table of every key's points;
bands over other numbers are chosen with ``np.select``.
"""

from __future__ import annotations

import math
from fractions import Fraction as Fr

import numpy as np

from assessc.backends.batch.layout import places_of
from assessc.backends.batch.values import ZERO, Num, Sym, const_fn, fail_all
from assessc.ir import nodes as ir

#: the widest integer key domain turned into a lookup table (rather than np.select)
LUT_DOMAIN = 1 << 16


def table(comp, key, table: ir.Table, span=None) -> Num:
    """The first row ``key`` matches; else the ``else`` value; else the row fails (the
    interpreter's NoRow: a lookup without a row stops scoring)."""
    must_find = table.default is None
    values = [Fr(row.value) for row in table.rows] + [Fr(table.default) if table.default is not None else ZERO]
    scale = max(places_of(row.value) for row in table.rows) if table.rows else 0
    if table.default is not None:
        scale = max(scale, places_of(table.default))
    units = [int(v * 10 ** scale) for v in values]
    lo, hi = min(values), max(values)
    comp.check(lo, hi, scale, f"the table {table.name or ''}".rstrip())
    if isinstance(key, Sym):
        return _table_members(comp, key, table, units, scale, lo, hi, must_find)
    if isinstance(key, Num):
        return _table_numbers(comp, key, table, units, scale, lo, hi, must_find)
    raise comp.unsupported("a lookup keyed by a value that is neither a number nor an enum", span)


def _table_members(comp, key: Sym, table: ir.Table, units, scale, lo, hi, must_find) -> Num:
    if any(row.member is None for row in table.rows):
        raise comp.unsupported("a lookup mixing bands with members")
    codes = [comp.vocab.code(row.member) for row in table.rows]
    size = len(comp.vocab.names)
    lut = np.full(size + 1, units[-1], dtype=np.int64)
    found = np.zeros(size + 1, dtype=bool)
    for code, value in reversed(list(zip(codes, units))):
        lut[code], found[code] = value, True
    fk = key.fn
    if key.const is not None:
        index = min(key.const, size)
        if must_find and not found[index]:
            return Num(fail_all, scale, lo, hi, None, True)
        value = int(lut[index])
        return Num(const_fn(value), scale, Fr(value, 10 ** scale), Fr(value, 10 ** scale), value, key.fallible)

    def fn(c, m):
        index = np.minimum(fk(c, m), size)
        if must_find:
            missing = ~found.take(index)
            if missing.any():
                c.fail(missing, m)
        return lut.take(index)

    return Num(fn, scale, lo, hi, None, must_find or key.fallible)


def _table_numbers(comp, key: Num, table: ir.Table, units, scale, lo, hi, must_find) -> Num:
    bands = [(i, Fr(row.low), Fr(row.high)) for i, row in enumerate(table.rows) if row.member is None]
    default = units[-1]
    fk = key.fn
    if key.scale == 0 and key.hi - key.lo <= LUT_DOMAIN:  # whole-number keys: a table over the domain
        first, last = math.floor(key.lo), math.ceil(key.hi)
        lut = np.full(last - first + 1, default, dtype=np.int64)
        found = np.zeros(last - first + 1, dtype=bool)
        for offset in range(last - first + 1):
            k = first + offset
            for i, low, high in bands:
                if low <= k <= high:
                    lut[offset], found[offset] = units[i], True
                    break

        def fn(c, m):
            index = fk(c, m) - first
            if must_find:
                missing = ~found.take(index)
                if missing.any():
                    c.fail(missing, m)
            return lut.take(index)

        if key.column is not None and first >= 0:  # index the stored column itself
            name = key.column
            lut = np.concatenate([np.full(first, default, dtype=np.int64), lut])
            found = np.concatenate([np.zeros(first, dtype=bool), found])

            def fn(c, m):  # noqa: F811 - the faster form of the same lookup
                index = c.col(name)
                if must_find:
                    missing = ~found.take(index)
                    if missing.any():
                        c.fail(missing, m)
                return lut.take(index)

        if key.const is not None:
            index = key.const - first
            if must_find and not found[index]:
                return Num(fail_all, scale, lo, hi, None, True)
            value = int(lut[index])
            return Num(const_fn(value), scale, Fr(value, 10 ** scale), Fr(value, 10 ** scale), value)
        return Num(fn, scale, lo, hi, None, must_find or key.fallible)
    conds = []
    for i, low, high in bands:
        row_scale = max(key.scale, places_of(low), places_of(high))
        k = comp.align(key, row_scale, "a lookup key")
        conds.append((i, int(low * 10 ** row_scale), int(high * 10 ** row_scale), k.fn, 10 ** (row_scale - key.scale)))

    def fn(c, m):
        raw = fk(c, m)
        matches, choices = [], []
        for i, low, high, _, factor in conds:
            x = raw * factor if factor != 1 else raw
            matches.append((x >= low) & (x <= high))
            choices.append(units[i])
        if not matches:
            result = np.full(c.n, default, dtype=np.int64)
            if must_find:
                c.fail(np.ones(c.n, dtype=bool), m)
            return result
        if must_find:
            missing = ~np.logical_or.reduce(matches)
            if missing.any():
                c.fail(missing, m)
        return np.select(matches, choices, default)

    return Num(fn, scale, lo, hi, None, must_find or key.fallible)


def matrix(comp, row: Sym, column: Sym, matrix: ir.Matrix) -> Num:
    if not isinstance(row, Sym) or not isinstance(column, Sym):
        raise comp.unsupported("a points matrix over fields that are not enums")
    scale = max([places_of(v) for r in matrix.rows for v in r.values] + [0])
    for r in matrix.rows:
        comp.vocab.code(r.member)
    for col in matrix.columns:
        comp.vocab.code(col)
    size = len(comp.vocab.names)
    lut = np.zeros((size + 1, size + 1), dtype=np.int64)
    found = np.zeros((size + 1, size + 1), dtype=bool)  # a pair without a cell stops scoring
    values = [ZERO]
    for r in reversed(matrix.rows):  # the first row of a member wins, as Matrix.get does
        for col in matrix.columns:
            value = matrix.get(r.member, col)
            if value is not None:
                cell = comp.vocab.code(r.member), comp.vocab.code(col)
                lut[cell], found[cell] = int(Fr(value) * 10 ** scale), True
                values.append(Fr(value))
    fr, fc = row.fn, column.fn

    def fn(c, m):
        rows, columns = np.minimum(fr(c, m), size), np.minimum(fc(c, m), size)
        missing = ~found[rows, columns]
        if missing.any():
            c.fail(missing, m)
        return lut[rows, columns]

    return Num(fn, scale, min(values), max(values), None, True)
