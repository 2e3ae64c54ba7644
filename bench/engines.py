"""One measurement in one process: ``python bench/engines.py KIND ENGINE [options]``
prints one JSON object. :mod:`run` starts a fresh process per measurement, so
no engine inherits another's allocator state, caches or imports.

Kinds and engines:

* ``latency ENGINE`` — per entity, over 2,000 distinct entities of the benchmark
  policy: ``hw_int``, ``hw_decimal``, ``hw_rule_table`` (hand-written),
  ``assess_python`` (the generated module's ``score``), ``assess_interp``
  (``Policy.score_values``, the reference interpreter).
* ``batch ENGINE --n N`` — totals for N entities from columns in memory:
  ``hw_numpy``, ``hw_duckdb`` (hand-written), ``assess_batch`` (totals kept),
  ``assess_batch_all`` (every item kept), ``assess_sql`` (the generated query on
  DuckDB, totals only, over the table ``create_tables`` made: ``typed_table=True``),
  ``assess_sql_cast`` (the same, casting every fact as for a table of any types),
  ``openfisca``. Each result carries its count of totals whose cents
  differ from the exact ones.
* ``compile`` — a generated 1,000-indicator policy parsed, checked and lowered.
* ``memory ENGINE --n N [--policy bench|guangxi]`` — peak RSS: ``facts`` (the
  facts table alone: the baseline), ``assess_batch``, ``assess_batch_all``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from policy import make_facts, make_policy, to_assess, typed_values  # noqa: E402

POLICY = make_policy()


def _best(fn, reps: int, number: int = 1) -> list[float]:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return times


def _summary(times: list[float], per: int = 1) -> dict:
    return {"min": min(times) / per, "median": statistics.median(times) / per, "reps": len(times)}


def _policy_file(text: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="assess-bench-"))
    path = folder / "bench.assess"
    path.write_text(text, encoding="utf-8")
    return path


def _rate_places() -> dict[str, int]:
    return {leaf.fact: 4 for leaf in POLICY.leaves() if leaf.kind == "rate"}


def _exact_cents(columns) -> "object":
    import handwritten

    return handwritten.numpy_int64(POLICY)(columns)


# ---- latency ----------------------------------------------------------------------------------


def latency(engine: str, reps: int) -> dict:
    import handwritten

    records = typed_values(POLICY, make_facts(POLICY, 2000, seed=7), range(2000))
    if engine == "hw_int":
        fn = handwritten.straight_int(POLICY)
    elif engine == "hw_decimal":
        fn = handwritten.straight_decimal(POLICY)
    elif engine == "hw_rule_table":
        fn = handwritten.rule_table(POLICY)
    elif engine == "assess_python":
        from assessc.compile import compile as compile_policy

        fn = compile_policy(to_assess(POLICY)).module.score
    elif engine == "assess_interp":
        from assessc.api import load_policy

        policy = load_policy(_policy_file(to_assess(POLICY)))
        fn = lambda values: policy.score_values("u", values)  # noqa: E731
    else:
        raise SystemExit(f"unknown latency engine {engine}")
    for record in records[:50]:  # warm up
        fn(record)
    times = _best(lambda: [fn(r) for r in records], reps)
    return _summary(times, len(records))


# ---- batch ------------------------------------------------------------------------------------


def _duckdb_table(columns, n: int):
    """A DuckDB connection with table `facts` typed as the generated query declares it."""
    import duckdb
    import pyarrow as pa

    from assessc.api import load_policy
    from assessc.backends import sql as S

    policy = load_policy(_policy_file(to_assess(POLICY)))
    connection = duckdb.connect()
    connection.execute("SET threads TO 2")
    for statement in S.create_tables(policy.graph, "duckdb"):
        connection.execute(statement)
    kinds = {leaf.fact: leaf.kind for leaf in POLICY.leaves()}
    arrays = {"id": pa.array([f"u{i}" for i in range(n)])}
    for name, column in columns.items():
        arrays[name] = pa.array(column)
    connection.register("raw", pa.table(arrays))
    select = ", ".join(f'"{name}" / 10000' if kinds.get(name) == "rate" else f'"{name}"' for name in ["id", *columns])
    connection.execute(f"INSERT INTO facts SELECT {select} FROM raw")
    connection.unregister("raw")
    return connection, policy


def _sql_cents(connection, query: str, n: int):
    """Each entity's total in cents, fetched as DECIMAL (NumPy would get float64), by id."""
    import numpy as np

    out = np.empty(n, dtype=np.int64)
    for entity, total in connection.execute(query).fetchall():
        out[int(entity[1:])] = int(total.scaleb(2))
    return out


def batch(engine: str, n: int, reps: int) -> dict:
    import numpy as np

    columns = make_facts(POLICY, n)
    exact = _exact_cents(columns)
    if engine == "hw_numpy":
        import handwritten

        fn = handwritten.numpy_int64(POLICY)
        run = lambda: fn(columns)  # noqa: E731
        cents = lambda out: out  # noqa: E731
    elif engine in ("assess_batch", "assess_batch_all"):
        from assessc.api import load_policy
        from assessc.backends.batch import compile_batch

        program = compile_batch(load_policy(_policy_file(to_assess(POLICY))))
        data = program.columns_from_arrays(columns, places=_rate_places())
        keep = () if engine == "assess_batch" else None
        run = lambda: program.score(data, keep=keep)  # noqa: E731
        cents = lambda out: out.totals.astype(np.int64) // 10 ** (program.scale - 2)  # noqa: E731
    elif engine in ("hw_duckdb", "assess_sql", "assess_sql_cast"):
        import handwritten
        from assessc.backends import sql as S

        connection, policy = _duckdb_table(columns, n)
        if engine == "hw_duckdb":
            query = handwritten.duckdb_sql(POLICY)
        else:  # the hand-written query's result: id and total, over the table create_tables made
            query = S.to_sql(policy.graph, "duckdb", pretty=False, columns=["total"],
                             typed_table=engine == "assess_sql")
        run = lambda: connection.execute(query).fetchnumpy()  # noqa: E731
        cents = lambda _: _sql_cents(connection, query, n)  # noqa: E731 - exact, not the timed float64 fetch
    elif engine == "openfisca":
        import baseline_openfisca

        fn = baseline_openfisca.make(POLICY)
        run = lambda: fn(columns)  # noqa: E731
        cents = baseline_openfisca.round_cents_half_up
    else:
        raise SystemExit(f"unknown batch engine {engine}")
    out = run()  # warm up, and the result checked below
    wrong = int((np.asarray(cents(out)) != exact).sum())
    times = _best(run, reps)
    return {**_summary(times), "n": n, "per_second": n / min(times), "wrong_totals": wrong}


# ---- compile ----------------------------------------------------------------------------------


def compile_time(reps: int) -> dict:
    from assessc.diagnostics import DiagnosticBag
    from assessc.driver import compile_file

    big = make_policy(sections=20, leaves=50)
    path = _policy_file(to_assess(big))
    indicators = len(big.leaves())

    def once():
        bag = DiagnosticBag()
        compiled = compile_file(path, bag)
        assert compiled is not None and not bag.has_errors, bag.sorted()[:3]

    start = time.perf_counter()
    once()
    first = time.perf_counter() - start
    times = _best(once, reps)
    return {**_summary(times), "first": first, "indicators": indicators}


# ---- memory -----------------------------------------------------------------------------------


def _guangxi_facts(n: int):
    """Columns for the seed 000 policy: each fact drawn over its allowed values."""
    import numpy as np

    from assessc.api import load_policy
    from assessc.backends.batch import compile_batch
    from assessc.ir.types import Kind

    policy = load_policy(HERE.parent / "policies" / "guangxi_2017.assess")
    program = compile_batch(policy)
    rng = np.random.default_rng(3)
    columns, places = {}, {}
    for name, layout in program.layouts.items():
        kind = layout.kind
        if kind is Kind.BOOL:
            columns[name] = rng.random(n) < 0.9
        elif kind is Kind.EVIDENCE:
            full = (1 << len(layout.bits)) - 1
            columns[name] = np.where(rng.random(n) < 0.8, full, rng.integers(0, full + 1, n)).astype(np.uint8)
        elif kind is Kind.PERCENT:
            columns[name], places[name] = rng.integers(8500, 10001, n).astype(np.int16), 4
        elif kind is Kind.RANK:
            columns[name] = rng.integers(1, 15, n).astype(np.int8)
        else:
            high = int(layout.hi) if not layout.open_high else 3
            columns[name] = rng.poisson(0.3, n).clip(0, high).astype(np.int8)
    return policy, program, columns, places


def memory(engine: str, n: int, which: str) -> dict:
    if which == "guangxi":
        policy, program, columns, places = _guangxi_facts(n)
    else:
        columns, places = make_facts(POLICY, n), _rate_places()
    table_bytes = sum(c.nbytes for c in columns.values())
    if engine != "facts":
        from assessc.api import load_policy
        from assessc.backends.batch import compile_batch

        if which != "guangxi":
            program = compile_batch(load_policy(_policy_file(to_assess(POLICY))))
        data = program.columns_from_arrays(columns, places=places)
        start = time.perf_counter()
        run = program.score(data, keep=() if engine == "assess_batch" else None)
        run.ranks()  # what `assessc score` prints: totals and places
        seconds = time.perf_counter() - start
    else:
        seconds = 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"peak_rss": peak, "facts_bytes": table_bytes, "n": n, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["latency", "batch", "compile", "memory"])
    parser.add_argument("engine", nargs="?", default="")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--policy", default="bench", choices=["bench", "guangxi"])
    args = parser.parse_args()
    if args.kind == "latency":
        result = latency(args.engine, args.reps)
    elif args.kind == "batch":
        result = batch(args.engine, args.n, args.reps)
    elif args.kind == "compile":
        result = compile_time(args.reps)
    else:
        result = memory(args.engine, args.n, args.policy)
    print(json.dumps(result))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
