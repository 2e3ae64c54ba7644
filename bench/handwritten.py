"""Hand-written scorers for the benchmark policy: what a careful programmer types
for this one rule book, in each style the targets compare against.

They are written against the plain description in :mod:`policy` (the policy is
generated, so their source is too — one expression per indicator, literal
constants, nothing looked up at run time). Every one is exact and rounds the
total half-up to cents; ``python -m bench.handwritten SIZE`` checks them against
each other. Run ``python bench/handwritten.py show`` to read the generated code.

* ``straight_int``   straight-line Python, int fixed point (1e-4 points)
* ``straight_decimal`` straight-line Python, ``decimal.Decimal``
* ``rule_table``     a loop over a table of rules with a branch per kind, Decimal
  (what a program looks like when the rules live in configuration)
* ``numpy_int64``    NumPy int64 fixed point over 65,536-row chunks
* ``duckdb_sql``     one DECIMAL ``SELECT`` for DuckDB
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from policy import BenchPolicy, Leaf

CENT = Decimal("0.01")


def _u(value, places: int = 4) -> int:
    """A decimal as whole units of 10^-places."""
    scaled = Decimal(value).scaleb(places)
    assert scaled == scaled.to_integral_value(), value
    return int(scaled)


# ---- straight-line Python: int fixed point -------------------------------------------------


def _int_leaf(leaf: Leaf, v: str) -> str:
    """The indicator's points in units of 1e-4; v names the fact's value."""
    m, p = _u(leaf.max), leaf.params
    if leaf.kind == "flag":
        return f"({m} if {v} else 0)"
    if leaf.kind == "deduct":
        return f"max({m} - {_u(p['d'])} * {v}, 0)"
    if leaf.kind == "accum":
        return f"min({_u(p['p'])} * {v}, {m})"
    if leaf.kind == "rate":  # shortfall in basis points × points per 1 % (in 1e-2) = 1e-4 points
        return f"max({m} - {_u(p['per'], 2)} * max({p['thr'] * 100} - int({v} * 10000), 0), 0)"
    if leaf.kind == "rank":
        return "(" + "".join(f"{_u(points)} if {v} <= {upper} else " for upper, points in p["bands"]) + "0)"
    parts = [f"{_u(points)} if {v} >= {bit} else " for bit, points in p["levels"]]  # highest level held
    return "(" + "".join(parts) + "0)"


def straight_int_source(policy: BenchPolicy) -> str:
    lines = ["def score(f):", "    total = 0"]
    for section in policy.sections:
        lines.append("    s = 0")
        lines += [f"    v = f[{leaf.fact!r}]; s += {_int_leaf(leaf, 'v')}" for leaf in section.leaves]
        lines.append(f"    total += {_u(section.weight_percent, 0)} * min(s, {_u(section.cap)})")
    lines.append("    s = 0")
    lines += [f"    v = f[{leaf.fact!r}]; s += {_int_leaf(leaf, 'v')}" for leaf in policy.bonus]
    lines.append(f"    total += 100 * min(s, {_u(policy.bonus_cap)})")
    lines.append("    return (total + 5000) // 10000  # cents, half-up (totals are never negative)")
    return "\n".join(lines) + "\n"


# ---- straight-line Python: Decimal ---------------------------------------------------------


def _dec_leaf(leaf: Leaf, v: str, k) -> str:
    m, p = k(leaf.max), leaf.params
    if leaf.kind == "flag":
        return f"({m} if {v} else ZERO)"
    if leaf.kind == "deduct":
        return f"max({m} - {k(p['d'])} * {v}, ZERO)"
    if leaf.kind == "accum":
        return f"min({k(p['p'])} * {v}, {m})"
    if leaf.kind == "rate":  # points per percentage point below the threshold, pro rata
        return f"max({m} - {k(p['per'])} * max({k(p['thr'])} - {v} * 100, ZERO), ZERO)"
    if leaf.kind == "rank":
        return "(" + "".join(f"{k(points)} if {v} <= {upper} else " for upper, points in p["bands"]) + "ZERO)"
    return "(" + "".join(f"{k(points)} if {v} >= {bit} else " for bit, points in p["levels"]) + "ZERO)"


def straight_decimal_source(policy: BenchPolicy) -> str:
    constants: dict[str, str] = {}

    def k(value) -> str:
        return constants.setdefault(format(Decimal(value).normalize(), "f"), f"K{len(constants)}")

    body = ["def score(f):", "    total = ZERO"]
    for section in policy.sections:
        terms = "\n        + ".join(_dec_leaf(leaf, f"f[{leaf.fact!r}]", k) for leaf in section.leaves)
        body.append(f"    total += {k(section.weight_percent / 100)} * min({terms},\n        {k(section.cap)})")
    terms = "\n        + ".join(_dec_leaf(leaf, f"f[{leaf.fact!r}]", k) for leaf in policy.bonus)
    body.append(f"    total += min({terms},\n        {k(policy.bonus_cap)})")
    body.append("    return total.quantize(CENT, ROUND_HALF_UP)")
    head = ["from decimal import ROUND_HALF_UP, Decimal", "ZERO = Decimal(0)", "CENT = Decimal('0.01')"]
    head += [f"{name} = Decimal({text!r})" for text, name in constants.items()]
    return "\n".join(head + body) + "\n"


def _load(source: str, name: str):
    namespace: dict = {}
    exec(compile(source, f"<hand-written {name}>", "exec"), namespace)
    return namespace["score"]


def straight_int(policy: BenchPolicy):
    """score(record) -> total in cents (int)."""
    return _load(straight_int_source(policy), "int")


def straight_decimal(policy: BenchPolicy):
    """score(record) -> total (Decimal, 2 places)."""
    return _load(straight_decimal_source(policy), "decimal")


# ---- a rule-table loop, Decimal ------------------------------------------------------------


def rule_table(policy: BenchPolicy):
    """score(record) -> total (Decimal, 2 places), by walking a table of rules."""
    zero = Decimal(0)

    def row(leaf: Leaf):
        p = dict(leaf.params)
        for key in ("d", "p", "per"):
            if key in p:
                p[key] = Decimal(p[key])
        if "thr" in p:
            p["thr"] = Decimal(p["thr"])
        return leaf.fact, leaf.kind, leaf.max, p

    groups = [(section.weight_percent / 100, section.cap, [row(leaf) for leaf in section.leaves])
              for section in policy.sections]
    groups.append((Decimal(1), policy.bonus_cap, [row(leaf) for leaf in policy.bonus]))

    def points(kind, v, m, p):
        if kind == "flag":
            return m if v else zero
        if kind == "deduct":
            return max(m - p["d"] * v, zero)
        if kind == "accum":
            return min(p["p"] * v, m)
        if kind == "rate":
            return max(m - p["per"] * max(p["thr"] - v * 100, zero), zero)
        if kind == "rank":
            for upper, pts in p["bands"]:
                if v <= upper:
                    return pts
            return zero
        if kind == "award":
            for bit, pts in p["levels"]:
                if v >= bit:
                    return pts
            return zero
        raise ValueError(kind)

    def score(f):
        total = zero
        for weight, cap, rules in groups:
            subtotal = zero
            for fact, kind, m, p in rules:
                subtotal += points(kind, f[fact], m, p)
            total += weight * min(subtotal, cap)
        return total.quantize(CENT, ROUND_HALF_UP)

    return score


# ---- NumPy int64, chunked --------------------------------------------------------------------


def numpy_int64(policy: BenchPolicy, chunk_rows: int = 65536):
    """score(columns) -> totals in cents (int64 array). Columns as :func:`policy.make_facts`
    gives them (rates in basis points)."""
    import numpy as np

    def table(pairs, size, test):
        out = np.zeros(size, dtype=np.int64)
        for key in range(size):
            for bound, points in pairs:
                if test(key, bound):
                    out[key] = _u(points)
                    break
        return out

    def leaf_fn(leaf: Leaf):
        m, p = _u(leaf.max), leaf.params
        if leaf.kind == "flag":
            return lambda v: np.where(v, m, 0)
        if leaf.kind == "deduct":
            d = _u(p["d"])
            return lambda v: np.maximum(m - d * v.astype(np.int64), 0)
        if leaf.kind == "accum":
            q = _u(p["p"])
            return lambda v: np.minimum(q * v.astype(np.int64), m)
        if leaf.kind == "rate":
            per, thr = _u(p["per"], 2), p["thr"] * 100
            return lambda v: np.maximum(m - per * np.maximum(thr - v.astype(np.int64), 0), 0)
        if leaf.kind == "rank":
            lut = table(p["bands"], 17, lambda r, upper: 1 <= r <= upper)
            return lambda v: lut[v]
        lut = table(p["levels"], 16, lambda mask, bit: mask >= bit)
        return lambda v: lut[v]

    groups = [(_u(s.weight_percent, 0), _u(s.cap), [(leaf.fact, leaf_fn(leaf)) for leaf in s.leaves])
              for s in policy.sections]
    groups.append((100, _u(policy.bonus_cap), [(leaf.fact, leaf_fn(leaf)) for leaf in policy.bonus]))

    def block(columns, start, stop):
        total = np.zeros(stop - start, dtype=np.int64)
        for weight, cap, leaves in groups:
            acc = np.zeros(stop - start, dtype=np.int64)
            for fact, fn in leaves:
                acc += fn(columns[fact][start:stop])
            total += weight * np.minimum(acc, cap, out=acc)
        return (total + 5000) // 10000

    def score(columns):
        n = len(next(iter(columns.values())))
        out = np.empty(n, dtype=np.int64)
        for start in range(0, n, chunk_rows):
            stop = min(n, start + chunk_rows)
            out[start:stop] = block(columns, start, stop)
        return out

    return score


# ---- DuckDB, one DECIMAL SELECT ---------------------------------------------------------------


def _sql_leaf(leaf: Leaf) -> str:
    c, m, p = f'"{leaf.fact}"', _lit(leaf.max), leaf.params
    if leaf.kind == "flag":
        return f"CASE WHEN {c} THEN {m} ELSE 0 END"
    if leaf.kind == "deduct":
        return f"GREATEST({m} - {_lit(p['d'])} * {c}, 0)"
    if leaf.kind == "accum":
        return f"LEAST({_lit(p['p'])} * {c}, {m})"
    if leaf.kind == "rate":
        return f"GREATEST({m} - {_lit(p['per'])} * GREATEST({p['thr']} - {c} * 100, 0), 0)"
    if leaf.kind == "rank":
        whens = " ".join(f"WHEN {c} <= {upper} THEN {_lit(points)}" for upper, points in p["bands"])
        return f"CASE {whens} ELSE 0 END"
    whens = " ".join(f"WHEN {c} >= {bit} THEN {_lit(points)}" for bit, points in p["levels"])
    return f"CASE {whens} ELSE 0 END"


def _lit(value) -> str:
    return format(Decimal(value).normalize(), "f")


def duckdb_sql(policy: BenchPolicy, table: str = "facts") -> str:
    """Totals as DECIMAL, rounded half-up to cents (DuckDB's ROUND on DECIMAL is half-up)."""
    parts = []
    for section in policy.sections:
        terms = "\n      + ".join(_sql_leaf(leaf) for leaf in section.leaves)
        parts.append(f"{_lit(section.weight_percent / 100)} * LEAST({terms},\n      {_lit(section.cap)})")
    terms = "\n      + ".join(_sql_leaf(leaf) for leaf in policy.bonus)
    parts.append(f"LEAST({terms},\n      {_lit(policy.bonus_cap)})")
    return f"SELECT id, ROUND(\n    " + "\n  + ".join(parts) + f",\n  2) AS total\nFROM {table}"


if __name__ == "__main__":
    import sys

    from policy import make_facts, make_policy, typed_values

    pol = make_policy()
    if sys.argv[1:] == ["show"]:
        print(straight_int_source(pol))
        print(straight_decimal_source(pol))
        print(duckdb_sql(pol))
        raise SystemExit(0)
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    columns = make_facts(pol, n)
    records = typed_values(pol, columns, range(n))
    cents = [Decimal(c).scaleb(-2) for c in map(straight_int(pol), records)]
    for name, fn in (("straight_decimal", straight_decimal(pol)), ("rule_table", rule_table(pol))):
        assert [fn(r) for r in records] == cents, name
    assert [Decimal(int(c)).scaleb(-2) for c in numpy_int64(pol, 4096)(columns)] == cents, "numpy_int64"
    print(f"{n} entities: the hand-written scorers agree")
