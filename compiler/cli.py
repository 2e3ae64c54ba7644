"""The ``assessc`` command line: thin click commands over the driver.

Exit status: 0 success (warnings allowed), 1 errors in the policy or the
facts, 2 a usage error. No input ever produces a Python traceback: an
unexpected failure is reported in one line as an internal error (status 3).
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from assessc import __version__
from assessc.diagnostics import Diagnostic, DiagnosticBag, codes
from assessc.diagnostics.render import render_text, summary_line, to_json
from assessc.runtime.decimals import show


def _guard(func):
    """Turn an unexpected exception into a one-line internal error."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as error:  # noqa: BLE001 - the promise is "never a traceback"
            click.echo(f"assessc: internal error: {type(error).__name__}: {error}", err=True)
            sys.exit(3)

    return wrapper


def _print_diagnostics(diagnostics: list[Diagnostic], fmt: str, *, warnings: bool = True, extra: dict | None = None) -> None:
    shown = [d for d in diagnostics if warnings or d.is_error]
    if fmt == "json":
        click.echo(json.dumps({"diagnostics": [to_json(d) for d in shown],
                               "errors": sum(d.is_error for d in diagnostics), **(extra or {})},
                              ensure_ascii=False, indent=2))
        return
    for diagnostic in shown:
        click.echo(render_text(diagnostic), err=True)
    if shown:
        click.echo(summary_line(diagnostics), err=True)


def _parse_tables(pairs: tuple[str, ...]) -> dict[str, str]:
    tables = {}
    for pair in pairs:
        name, sep, path = pair.partition("=")
        if not sep or not name or not path:
            raise click.BadParameter(f"`{pair}` is not NAME=FILE", param_hint="--table")
        tables[name] = path
    return tables


def _load(policy_path: str, fmt: str):
    from assessc.api import PolicyError, load_policy

    try:
        policy = load_policy(policy_path)
    except PolicyError as error:
        _print_diagnostics(list(error.diagnostics), fmt)
        sys.exit(1)
    return policy


def _score(policy, facts_path: str, tables: dict[str, str], fmt: str):
    """(run, fact values by entity); exits 1 after printing the diagnostics of bad facts."""
    from assessc.api import AssessError

    bag = DiagnosticBag()
    try:
        facts = policy.load_facts(facts_path, tables, bag)
        run = policy.score_facts(facts)
    except AssessError as error:
        _print_diagnostics(list(error.diagnostics), fmt)
        sys.exit(1)
    warnings = [d for d in bag.sorted() if not d.is_error]
    if warnings and fmt == "text":  # e.g. a column that names no fact: ignored, but said so
        for warning in warnings:
            click.echo(render_text(warning), err=True)
    return run, {e.id: e.values for e in facts.entities}


def _report(build, kind: str, policy, run, values, fmt: str) -> str:
    """A report; exits 1 after printing the diagnostics of an outcome that cannot be computed."""
    from assessc.api import AssessError

    try:
        return build(kind, policy, run, values, fmt)
    except AssessError as error:
        _print_diagnostics(list(error.diagnostics), "text")
        sys.exit(1)


table_option = click.option("--table", "tables", multiple=True, metavar="NAME=FILE",
                            help="Read ledger fact NAME from a separate CSV file (one row per entry).")
format_option = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="assessc")
def main() -> None:
    """assessc: compile and run assess scoring policies."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True,
              help="sarif: a SARIF 2.1.0 log on standard output, for code scanning tools.")
@click.option("--emit", type=click.Choice(["ast", "ir", "graph"]), help="Print a compiler stage of the (single) file.")
@click.option("--bounds", "show_bounds", is_flag=True,
              help="Print every term's, item's and the total's static interval [lo, hi] over all allowed facts.")
@_guard
def check(files: tuple[str, ...], fmt: str, emit: str | None, show_bounds: bool) -> None:
    """Check policy FILES and report diagnostics (exit 1 on errors)."""
    from assessc import driver

    if emit:
        from assessc.reports.tree_print import print_graph, print_tree

    all_diagnostics: list[Diagnostic] = []
    bounds_of: dict[str, list[dict]] = {}
    for path in files:
        bag = DiagnosticBag()
        if emit == "ast":
            tree = driver.parse_only(path, bag)
            if tree is not None:
                click.echo(print_tree(tree), nl=False)
        elif emit == "ir":
            lowered = driver.lower(path, bag)
            if lowered is not None:
                click.echo(print_tree(lowered[1]), nl=False)
        else:
            compiled = driver.compile_file(path, bag)
            if compiled is not None and emit == "graph":
                click.echo(print_graph(compiled.graph), nl=False)
            if compiled is not None and show_bounds:
                bounds_of[path] = _bounds_rows(compiled.graph)
                if fmt == "text":
                    click.echo((f"{path}:\n" if len(files) > 1 else "") + _bounds_text(bounds_of[path]), nl=False)
        all_diagnostics.extend(bag.sorted())
    if fmt == "sarif":
        from assessc.diagnostics.sarif import sarif_text

        click.echo(sarif_text(all_diagnostics))
    else:
        _print_diagnostics(all_diagnostics, fmt, extra={"bounds": bounds_of} if show_bounds else None)
    if fmt == "text" and not all_diagnostics and not emit:
        click.echo(f"ok: {len(files)} file{'s' if len(files) != 1 else ''} checked, no findings", err=True)
    sys.exit(1 if any(d.is_error for d in all_diagnostics) else 0)


def _bounds_rows(graph) -> list[dict]:
    """Every term, item and the total with its static interval (None: unbounded)."""
    from assessc.graph.bounds import analyse

    bounds = analyse(graph)

    def end(value):
        return None if value.is_infinite() else show(value)

    return [{"id": n.id, "kind": n.kind, "title": n.label, "lo": end(bounds[n.id].lo), "hi": end(bounds[n.id].hi),
             "interval": str(bounds[n.id])} for n in graph.order if n.id in bounds]


def _bounds_text(rows: list[dict]) -> str:
    id_width = max((len(r["id"]) for r in rows), default=0)
    interval_width = max((len(r["interval"]) for r in rows), default=0)
    return "".join(f"{r['id']:<{id_width}}  {r['interval']:<{interval_width}}  {r['title']}\n" for r in rows)


@main.command()
@click.argument("policy", type=click.Path(dir_okay=False))
@click.argument("facts", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write every node's score to a .csv or .json file.")
@table_option
@format_option
@click.option("--engine", type=click.Choice(["interp", "batch"]), default="interp", show_default=True,
              help="batch: score all entities at once with NumPy int64 fixed point (same scores; "
                   "exits 1 if the policy needs a form it does not compute exactly). Reads CSV and Parquet fast.")
@click.option("--progress", "show_progress", is_flag=True,
              help="With --engine batch: show a progress bar even when standard error is not a terminal.")
@_guard
def score(policy: str, facts: str, output: str | None, tables: tuple[str, ...], fmt: str, engine: str,
          show_progress: bool) -> None:
    """Score every entity in FACTS (CSV, JSON or XLSX; Parquet with --engine batch) under POLICY."""
    from assessc.reports.output import OutputError, run_to_json, write_run
    from assessc.reports.tables import ranking_table

    compiled = _load(policy, fmt)
    if engine == "batch":
        from assessc.backends.batch.command import run_score

        sys.exit(run_score(compiled, facts, output, _parse_tables(tables), fmt, show_progress, _print_diagnostics))
    run, values = _score(compiled, facts, _parse_tables(tables), fmt)
    if output:
        try:
            write_run(run, output)
        except OutputError as error:
            _print_diagnostics([Diagnostic(codes.OUTPUT_FAILED, None, str(error))], fmt)
            sys.exit(1)
    if fmt == "json":
        click.echo(run_to_json(run).decode("utf-8"), nl=False)
    elif compiled.ir.outcomes.schemes or compiled.ir.outcomes.rules:
        from assessc.reports.build import build

        click.echo(_report(build, "ranking", compiled.ir, run, values, "text"), nl=False)
    else:
        click.echo(ranking_table(run, compiled.ir))


@main.command()
@click.argument("policy", type=click.Path(dir_okay=False))
@click.argument("facts", type=click.Path(dir_okay=False))
@click.option("--entity", "entity", required=True, help="The id of the entity to explain.")
@table_option
@format_option
@_guard
def explain(policy: str, facts: str, entity: str, tables: tuple[str, ...], fmt: str) -> None:
    """Explain every point ENTITY gained or lost under POLICY."""
    import difflib

    from assessc.reports.explain import explain_json, explain_text

    compiled = _load(policy, fmt)
    run, _ = _score(compiled, facts, _parse_tables(tables), fmt)
    ids = [r.entity for r in run.results]
    if entity not in ids:
        close = difflib.get_close_matches(entity, ids, n=1)
        help = f"did you mean `{close[0]}`?" if close else "the entities are: " + ", ".join(ids)
        _print_diagnostics([Diagnostic(codes.UNKNOWN_ENTITY, None, f"no entity `{entity}` in `{facts}`", help)], fmt)
        sys.exit(1)
    result = run.result(entity)
    if fmt == "json":
        click.echo(json.dumps(explain_json(result), ensure_ascii=False, indent=2))
    else:
        click.echo(explain_text(result, compiled.ir.title), nl=False)


@main.command()
@click.argument("policy", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Output file: .dot/.gv (DOT text) or .svg/.png/.pdf (needs Graphviz's `dot`).")
@click.option("--facts/--no-facts", "show_facts", default=True, show_default=True, help="Draw the fact inputs.")
@_guard
def render(policy: str, output: str, show_facts: bool) -> None:
    """Draw POLICY's indicator tree and rules as a Graphviz diagram."""
    from assessc.backends.dot import RenderError, render as render_graph

    compiled = _load(policy, "text")
    try:
        render_graph(compiled.graph, output, show_facts=show_facts)
    except RenderError as error:
        _print_diagnostics([Diagnostic(codes.OUTPUT_FAILED, None, str(error))], "text")
        sys.exit(1)
    click.echo(f"wrote {output}", err=True)


@main.command("compile")
@click.argument("policy", type=click.Path(dir_okay=False))
@click.option("--target", type=click.Choice(["python", "sql"]), default="python", show_default=True,
              help="python: a standalone scorer module (standard library only); sql: a SQL query.")
@click.option("--dialect", default="duckdb", show_default=True, help="The SQL dialect (with --target sql).")
@click.option("--columns", default=None, metavar="ID,...",
              help="With --target sql: return only these columns after `id` (item ids and `total`), "
                   "and compute nothing else.")
@click.option("--typed-table", is_flag=True,
              help="With --target sql: the facts table has the column types `create_tables` gives; "
                   "read its cells without a cast.")
@click.option("--checks", is_flag=True,
              help="With --target sql: instead of the scoring query, the query that lists the facts "
                   "table's invalid cells (entity, fact, value, problem, what is allowed).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The file to write (whole or not at all).")
@_guard
def compile_policy(policy: str, target: str, dialect: str, columns: str | None, typed_table: bool,
                   checks: bool, output: str) -> None:
    """Compile POLICY into a scorer that runs without assessc (see docs/embedding.md)."""
    from assessc.reports.output import OutputError, atomic_write

    if target != "sql" and (columns is not None or typed_table or checks):
        click.echo("assessc: error: --columns, --typed-table and --checks go with --target sql", err=True)
        sys.exit(2)
    if checks and columns is not None:
        click.echo("assessc: error: --checks lists invalid cells; --columns chooses scores: use one", err=True)
        sys.exit(2)
    compiled = _load(policy, "text")
    if target == "python":
        from assessc.backends.pygen import CompileError, generate

        try:
            text = generate(compiled.graph).source
        except CompileError as error:
            click.echo(f"assessc: error: cannot compile to Python: {error}", err=True)
            sys.exit(1)
    else:  # the SQL backend is optional: compiler/backends/sql.py, `to_sql(graph, dialect=…)`
        try:
            from assessc.backends.sql import SQLUnsupported, to_sql
        except ModuleNotFoundError as error:
            if error.name not in ("assessc.backends.sql", "assessc.backends"):
                raise
            click.echo("assessc: error: --target sql needs the SQL backend (assessc.backends.sql), "
                       "which this installation does not have", err=True)
            sys.exit(1)
        options = {}
        if columns is not None:
            options["columns"] = [name.strip() for name in columns.split(",") if name.strip()]
        if typed_table:
            options["typed_table"] = True
        try:
            if checks:
                from assessc.backends.sql_checks import checks_sql

                text = checks_sql(compiled.graph, dialect=dialect, **options)
            else:
                text = to_sql(compiled.graph, dialect=dialect, **options)
        except ValueError as error:  # a column that is not an item's id or `total`
            click.echo(f"assessc: error: --columns: {error}", err=True)
            sys.exit(2)
        except SQLUnsupported as error:
            click.echo(f"assessc: error: cannot compile to SQL: {error}", err=True)
            sys.exit(1)
    try:
        atomic_write(output, text.encode("utf-8"))
    except OutputError as error:
        _print_diagnostics([Diagnostic(codes.OUTPUT_FAILED, None, str(error))], "text")
        sys.exit(1)
    click.echo(f"wrote {output}", err=True)


@main.command("fmt")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--check", is_flag=True, help="Change nothing; list the files that would change (exit 1 if any).")
@click.option("--force", is_flag=True, help="Also format files with comments (the comments are lost).")
@_guard
def fmt_files(files: tuple[str, ...], check: bool, force: bool) -> None:
    """Rewrite FILES in the canonical layout. Comments are lost, so a file
    with comments is left alone (exit 1) unless --force."""
    from assessc import driver
    from assessc.dsl.fmt import comment_lines, format_module
    from assessc.dsl.parser import parse
    from assessc.reports.output import OutputError, atomic_write

    failed = False
    for path in files:
        bag = DiagnosticBag()
        source = driver.read_source(path, bag)
        tree = parse(source, bag) if source is not None else None
        if tree is None:
            _print_diagnostics(bag.sorted(), "text")
            failed = True
            continue
        comments = comment_lines(source.text)
        if comments and not force:
            where = ", ".join(str(n) for n in comments[:10]) + (", …" if len(comments) > 10 else "")
            click.echo(f"{path}: not formatted: it has comments (line {where}), which formatting would lose; "
                       "use --force to format it anyway", err=True)
            failed = True
            continue
        formatted = format_module(tree)
        if formatted == source.text:
            continue
        if check:
            click.echo(f"would reformat {path}")
            failed = True
            continue
        try:
            atomic_write(path, formatted.encode("utf-8"))
        except OutputError as error:
            _print_diagnostics([Diagnostic(codes.OUTPUT_FAILED, None, str(error))], "text")
            failed = True
            continue
        click.echo(f"reformatted {path}", err=True)
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("kind", type=click.Choice(["ranking", "leads", "completion", "breakdown"]))
@click.argument("policy", type=click.Path(dir_okay=False))
@click.argument("facts", type=click.Path(dir_okay=False))
@table_option
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to this file (whole or not at all).")
@_guard
def report(kind: str, policy: str, facts: str, tables: tuple[str, ...], fmt: str, output: str | None) -> None:
    """Report KIND for every entity in FACTS: ranking (awards, demotions,
    flags), leads (deductions by lead unit), completion (by responsible
    unit) or breakdown (every item's score)."""
    from assessc.reports.build import build
    from assessc.reports.output import OutputError, atomic_write

    compiled = _load(policy, "text")
    run, values = _score(compiled, facts, _parse_tables(tables), "text")
    text = _report(build, kind, compiled.ir, run, values, fmt)
    if output:
        try:
            atomic_write(output, ("\ufeff" + text if fmt == "csv" else text).encode("utf-8"))
        except OutputError as error:
            _print_diagnostics([Diagnostic(codes.OUTPUT_FAILED, None, str(error))], "text")
            sys.exit(1)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@main.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False), help="Also write the outcome as JUnit XML to this file.")
@_guard
def test_cases(paths: tuple[str, ...], junit_path: str | None) -> None:
    """Run the example cases (*.cases.toml) of policies: PATHS are case files,
    policies or folders (default: policies/). Exit 1 on any failure or error."""
    from assessc.diagnostics.render import summary_line as diagnostics_summary
    from assessc.reports.output import OutputError, atomic_write
    from assessc.testing import runner
    from assessc.testing.junit import junit_xml

    bag = DiagnosticBag()
    outcomes = [runner.run_file(path) for path in runner.discover(paths or ("policies",), bag)]
    shown = bag.sorted() + [d for outcome in outcomes for d in outcome.diagnostics]
    for diagnostic in shown:
        click.echo(render_text(diagnostic), err=True)
    if shown:
        click.echo(diagnostics_summary(shown), err=True)
    for outcome in outcomes:
        for line in runner.report_lines(outcome):
            click.echo(line)
    click.echo(runner.summary_line(outcomes))
    failed = bag.has_errors or not runner.all_passed(outcomes)
    if junit_path:
        try:
            atomic_write(junit_path, junit_xml(outcomes, [d for d in bag.sorted() if d.is_error]))
        except OutputError as error:
            _print_diagnostics([Diagnostic(codes.OUTPUT_FAILED, None, str(error))], "text")
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
