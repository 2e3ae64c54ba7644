"""The ``assessc`` command line: thin click commands over the driver.

Exit status: 0 success (warnings allowed), 1 errors in the policy or the
facts, 2 a usage error. No input ever produces a Python traceback: an
unexpected failure is reported in one line as an internal error (status 3).
A reader that closes standard output early (``assessc score … | head``) ends
the command quietly with status 141, as SIGPIPE would.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import sys
from pathlib import Path
from typing import NoReturn

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
        except MemoryError:
            click.echo("assessc: error: out of memory. Score large facts files with the batch engine "
                       "(`--engine auto`, the default, uses it when it can score the policy exactly; a CSV or "
                       "Parquet file is read column by column), or split the facts file", err=True)
            sys.exit(1)
        except OSError as error:
            if isinstance(error, BrokenPipeError) or error.errno == errno.EPIPE:
                _closed_pipe()
            click.echo(f"assessc: internal error: {type(error).__name__}: {error}", err=True)
            sys.exit(3)
        except Exception as error:  # noqa: BLE001 - the promise is "never a traceback"
            click.echo(f"assessc: internal error: {type(error).__name__}: {error}", err=True)
            sys.exit(3)

    return wrapper


#: the exit status of a process ended by SIGPIPE, as shells report it
PIPE_CLOSED = 141


def _closed_pipe() -> None:
    """Standard output's reader has gone: stop quietly. What is still buffered for standard
    output is dropped (pointing it at /dev/null), so the exit does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(PIPE_CLOSED)


def _output_error(message: str, fmt: str) -> None:
    _print_diagnostics([Diagnostic(codes.OUTPUT_FAILED, None, message)], fmt)
    sys.exit(1)


def _check_writable(path: str, fmt: str) -> None:
    """Fail before a long run, not after it, when the output's folder cannot be written."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        _output_error(f"cannot write `{path}`: folder `{os.path.dirname(path) or '.'}` does not exist", fmt)
    if not os.access(folder, os.W_OK | os.X_OK):
        _output_error(f"cannot write `{path}`: {os.strerror(errno.EACCES)} (the folder is not writable)", fmt)


def _file_format(ctx: click.Context, output: str, allowed: tuple[str, ...], fmt: str | None) -> str:
    """The format of ``-o`` (the extension decides; an explicit --format must agree): usage error if not."""
    from assessc.reports.formats import FormatMismatch, file_format

    given = fmt if ctx.get_parameter_source("fmt") is not click.core.ParameterSource.DEFAULT else None
    try:
        return file_format(output, allowed, given)
    except FormatMismatch as error:
        raise click.UsageError(str(error), ctx) from None


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


verbose_option = click.option("-v", "--verbose", is_flag=True,
                              help="Print notes on how the facts files were read (encoding, sheet, header row, "
                                   "columns left out) to standard error.")


def _with_notes(func):
    """The command with `-v`: the fact readers' notes go to standard error as `note: …`."""

    @functools.wraps(func)
    def wrapper(*args, verbose: bool = False, **kwargs):
        if not verbose:
            return func(*args, **kwargs)
        from assessc.facts.notes import printing_notes

        with printing_notes(lambda text: click.echo(f"note: {text}", err=True)):
            return func(*args, **kwargs)

    return wrapper


def _report(make, *args):
    """``make(*args)``: a report; exits 1 after printing the diagnostics of an outcome that
    cannot be computed (D0609)."""
    from assessc.api import AssessError

    try:
        return make(*args)
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


def _is_folder(path: str) -> bool:
    """Whether ``path`` names a folder; a name no file can have (too long, say) is no folder,
    and reading it as a file reports why."""
    try:
        return Path(path).is_dir()
    except (OSError, ValueError):
        return False


def _policy_files(paths: tuple[str, ...]) -> tuple[list[tuple[str, bool]], list[str]]:
    """(file, found in a folder) for each path — a file as given, a folder's ``*.assess`` files
    under it in path order — and the folders that hold none."""
    found: dict[str, bool] = {}
    empty: list[str] = []
    for given in paths:
        if _is_folder(given):
            inside = sorted(p for p in Path(given).rglob("*.assess") if p.is_file())
            if not inside:
                empty.append(given)
            for path in inside:
                found.setdefault(str(path), True)
        else:
            found[given] = False
    return list(found.items()), empty


@main.command()
@click.argument("paths", metavar="FILES…", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True,
              help="sarif: a SARIF 2.1.0 log on standard output, for code scanning tools.")
@click.option("--emit", type=click.Choice(["ast", "ir", "graph"]), help="Print a compiler stage of the (single) file.")
@click.option("--bounds", "show_bounds", is_flag=True,
              help="Print every term's, item's and the total's static interval [lo, hi] over all allowed facts.")
@_guard
def check(paths: tuple[str, ...], fmt: str, emit: str | None, show_bounds: bool) -> None:
    """Check policy FILES and report diagnostics (exit 1 on errors). A folder stands for every
    *.assess file under it; of these, a file without a `policy` is checked as a module."""
    from assessc import driver

    if emit:
        from assessc.reports.tree_print import print_graph, print_tree

    files, empty = _policy_files(paths)
    # each file's diagnostics, for SARIF, which locates a diagnostic without a place at its file
    checked: list[tuple[str, list[Diagnostic]]] = [
        (folder, [Diagnostic(codes.MODULE_NOT_FOUND, None, f"no policy files (*.assess) under `{folder}`")])
        for folder in empty]
    all_diagnostics: list[Diagnostic] = [d for _, found in checked for d in found]
    bounds_of: dict[str, list[dict]] = {}
    for path, walked in files:
        bag = DiagnosticBag()
        if emit == "ast":
            tree = driver.parse_only(path, bag)
            if tree is not None:
                click.echo(print_tree(tree), nl=False)
        elif emit == "ir":
            lowered = driver.lower(path, bag, module_ok=walked)
            if lowered is not None:
                click.echo(print_tree(lowered[1]), nl=False)
        else:
            compiled = driver.compile_file(path, bag, module_ok=walked)
            if compiled is not None and emit == "graph":
                click.echo(print_graph(compiled.graph), nl=False)
            if compiled is not None and show_bounds:
                bounds_of[path] = _bounds_rows(compiled.graph)
                if fmt == "text":
                    click.echo((f"{path}:\n" if len(files) > 1 else "") + _bounds_text(bounds_of[path]), nl=False)
        checked.append((path, bag.sorted()))
        all_diagnostics.extend(d for d in checked[-1][1] if d not in all_diagnostics)  # a shared module's once
    if fmt == "sarif":
        from assessc.diagnostics.sarif import sarif_text

        try:
            click.echo(sarif_text(checked))
        except ValueError as error:  # an ASSESSC_DOCS_URL that is not an absolute URL
            click.echo(f"assessc: error: {error}", err=True)
            sys.exit(2)
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
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Also write every entity's standing and every node's score to FILE: .csv, .json or .xlsx "
                   "(the extension decides the format).")
@table_option
@format_option
@click.option("--engine", type=click.Choice(["auto", "interp", "batch"]), default="auto", show_default=True,
              help="auto: the batch engine (NumPy int64 fixed point) when it scores the policy and the facts "
                   "exactly, else the interpreter; interp: the interpreter; batch: the batch engine or exit 1 "
                   "with the reason. Every engine gives the same results.")
@click.option("--progress/--no-progress", "show_progress", default=None,
              help="A progress bar on standard error (default: when standard error is a terminal).")
@verbose_option
@click.pass_context
@_guard
@_with_notes
def score(ctx: click.Context, policy: str, facts: str, output: str | None, tables: tuple[str, ...], fmt: str,
          engine: str, show_progress: bool | None) -> None:
    """Score every entity in FACTS (CSV, JSON or XLSX; Parquet with the batch engine) under POLICY."""
    from assessc import engines
    from assessc.api import AssessError
    from assessc.backends.batch.progress import Progress, wanted
    from assessc.reports import standings
    from assessc.reports.output import OutputError

    file_fmt = _file_format(ctx, output, ("csv", "json", "xlsx"), fmt) if output else None
    if output:
        _check_writable(output, fmt)
    compiled = _load(policy, fmt)
    progress = Progress() if wanted(show_progress) else None

    def warn(warnings):
        if warnings and fmt == "text":  # e.g. a column that names no fact: ignored, but said so
            for warning in warnings:
                click.echo(render_text(warning), err=True)

    try:
        scored = engines.score(compiled, facts, _parse_tables(tables), engine, progress, warn)
    except engines.BatchRefused as error:  # --engine batch: why it cannot score exactly (E07xx)
        _print_diagnostics(list(error.diagnostics), fmt)
        sys.exit(1)
    except AssessError as error:
        _print_diagnostics(list(error.diagnostics), fmt)
        sys.exit(1)
    finally:
        if progress is not None:
            progress.close()
    click.echo(scored.engine_line(), err=True)
    results = scored.results
    try:
        if output:
            try:
                standings.write_file(results, output, file_fmt)
            except OutputError as error:
                _output_error(str(error), fmt)
            except ModuleNotFoundError as error:
                if error.name != "openpyxl":
                    raise
                _output_error(f"cannot write `{output}`: Excel output needs openpyxl "
                              "(pip install 'assessc[excel]')", fmt)
        if fmt == "json":
            for chunk in standings.json_chunks(results):
                click.echo(chunk, nl=False)
        else:
            click.echo(standings.screen_text(results), nl=False)
    finally:
        results.close()


@main.command()
@click.argument("policy", type=click.Path(dir_okay=False))
@click.argument("facts", type=click.Path(dir_okay=False))
@click.option("--entity", "entity", required=True, help="The id of the entity to explain.")
@table_option
@format_option
@verbose_option
@_guard
@_with_notes
def explain(policy: str, facts: str, entity: str, tables: tuple[str, ...], fmt: str) -> None:
    """Explain every point ENTITY gained or lost under POLICY."""
    import difflib

    from assessc.reports.explain import explain_json, explain_text

    compiled = _load(policy, fmt)
    run, values = _score(compiled, facts, _parse_tables(tables), fmt)
    ids = [r.entity for r in run.results]
    if entity not in ids:
        close = difflib.get_close_matches(entity, ids, n=1)
        help = f"did you mean `{close[0]}`?" if close else "the entities are: " + ", ".join(ids)
        _print_diagnostics([Diagnostic(codes.UNKNOWN_ENTITY, None, f"no entity `{entity}` in `{facts}`", help)], fmt)
        sys.exit(1)
    result = run.result(entity)
    standing, grades = None, None
    if compiled.ir.outcomes.grades:  # the grade and why, as the ranking decides it
        from assessc.backends.outcomes import decide
        from assessc.reports.explain import grade_lines

        standing = next(s for s in decide(compiled.ir, run, values) if s.entity == entity)
        grades = grade_lines(compiled.ir, standing, result)
    if fmt == "json":
        click.echo(json.dumps(explain_json(result, standing, grades), ensure_ascii=False, indent=2))
    else:
        click.echo(explain_text(result, compiled.ir.title, grades, standing.vetoed if standing else None), nl=False)


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
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True,
              help="How diagnostics are printed (a policy's errors, a form the target cannot express): as "
                   "`check` prints them.")
@_guard
def compile_policy(policy: str, target: str, dialect: str, columns: str | None, typed_table: bool,
                   checks: bool, output: str, fmt: str) -> None:
    """Compile POLICY into a scorer that runs without assessc (see docs/embedding.md)."""
    from assessc.api import PolicyError, load_policy
    from assessc.backends.refusal import Refusal, missing_backend
    from assessc.reports.output import OutputError, atomic_write

    if target != "sql" and (columns is not None or typed_table or checks):
        click.echo("assessc: error: --columns, --typed-table and --checks go with --target sql", err=True)
        sys.exit(2)
    if checks and columns is not None:
        click.echo("assessc: error: --checks lists invalid cells; --columns chooses scores: use one", err=True)
        sys.exit(2)
    try:
        compiled = load_policy(policy)
    except PolicyError as error:
        _compile_stopped(policy, list(error.diagnostics), fmt)
    if target == "python":
        from assessc.backends.pygen import generate

        try:
            text = generate(compiled.graph).source
        except Refusal as error:  # a form the Python backend cannot generate (E0701)
            _compile_stopped(policy, list(error.diagnostics), fmt)
    else:  # the SQL backend is optional: compiler/backends/sql/, `to_sql(graph, dialect=…)`
        try:
            from assessc.backends.sql import to_sql
        except ModuleNotFoundError as error:
            if error.name not in ("assessc.backends.sql", "assessc.backends"):
                raise
            _compile_stopped(policy, [missing_backend(
                "--target sql needs the SQL backend (assessc.backends.sql), which this installation does not have",
                "install assessc with its dependencies (`pip install assessc` brings sqlglot), or compile to "
                "Python (`--target python`)")], fmt)
        options = {}
        if columns is not None:
            options["columns"] = [name.strip() for name in columns.split(",") if name.strip()]
        if typed_table:
            options["typed_table"] = True
        try:
            if checks:
                from assessc.backends.sql.checks import checks_sql

                text = checks_sql(compiled.graph, dialect=dialect, **options)
            else:
                text = to_sql(compiled.graph, dialect=dialect, **options)
        except ValueError as error:  # a column that is not an item's id or `total`
            click.echo(f"assessc: error: --columns: {error}", err=True)
            sys.exit(2)
        except Refusal as error:  # a form SQL cannot express (E07xx); names it cannot keep apart (E0410, E0411)
            _compile_stopped(policy, list(error.diagnostics), fmt)
    try:
        atomic_write(output, text.encode("utf-8"))
    except OutputError as error:
        _compile_stopped(policy, [Diagnostic(codes.OUTPUT_FAILED, None, str(error))], fmt)
    click.echo(f"wrote {output}", err=True)


def _compile_stopped(policy: str, diagnostics: list[Diagnostic], fmt: str) -> NoReturn:
    """Print what stopped ``compile`` as ``check`` prints diagnostics (text, JSON or SARIF); exit 1."""
    if fmt == "sarif":
        from assessc.diagnostics.sarif import sarif_text

        try:
            click.echo(sarif_text([(policy, diagnostics)]))
        except ValueError as error:  # an ASSESSC_DOCS_URL that is not an absolute URL
            click.echo(f"assessc: error: {error}", err=True)
            sys.exit(2)
    else:
        _print_diagnostics(diagnostics, fmt)
    sys.exit(1)


@main.command("fmt")
@click.argument("paths", metavar="FILES...", nargs=-1, required=True, type=click.Path())
@click.option("--check", is_flag=True, help="Change nothing; list the files that would change (exit 1 if any).")
@click.option("--diff", "show_diff", is_flag=True,
              help="Change nothing; print the changes as a unified diff (exit 1 if any).")
@_guard
def fmt_files(paths: tuple[str, ...], check: bool, show_diff: bool) -> None:
    """Rewrite FILES in the canonical layout, keeping every comment. A
    folder stands for every .assess file under it. A file that does not
    parse is reported and left alone."""
    from assessc import reformat
    from assessc.reports.output import OutputError

    failed = changed = unchanged = 0
    for path in reformat.collect(paths):
        result = reformat.format_file(path)
        if result.formatted is None:
            _print_diagnostics(result.diagnostics.sorted(), "text")
            if result.error:
                click.echo(f"assessc: error: cannot format `{path}`: {result.error}", err=True)
            failed += 1
            continue
        if not result.changed:
            unchanged += 1
            continue
        changed += 1
        if check:
            click.echo(f"would reformat {path}")
        if show_diff:
            click.echo(result.diff(), nl=False)
        if check or show_diff:
            continue
        try:
            reformat.write(result)
        except (OutputError, OSError) as error:
            _print_diagnostics([Diagnostic(codes.OUTPUT_FAILED, None, str(error))], "text")
            failed += 1
            changed -= 1
            continue
        click.echo(f"reformatted {path}", err=True)
    dry = check or show_diff
    counts = [f"{changed} file{'s' * (changed != 1)} {'would be reformatted' if dry else 'reformatted'}",
              f"{unchanged} {'already formatted' if dry else 'left unchanged'}"]
    if failed:
        counts.append(f"{failed} could not be formatted")
    click.echo(", ".join(counts), err=True)
    sys.exit(1 if failed or (dry and changed) else 0)


@main.command()
@click.argument("kind", type=click.Choice(["ranking", "leads", "completion", "breakdown"]))
@click.argument("policy", type=click.Path(dir_okay=False))
@click.argument("facts", type=click.Path(dir_okay=False))
@table_option
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json", "xlsx"]), default="text", show_default=True,
              help="The format on standard output; with -o, the extension decides (and --format, if given, "
                   "must agree). xlsx only with -o FILE.xlsx.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the report to FILE (.txt, .csv, .json or .xlsx: the extension decides), whole or not at all.")
@verbose_option
@click.pass_context
@_guard
@_with_notes
def report(ctx: click.Context, kind: str, policy: str, facts: str, tables: tuple[str, ...], fmt: str,
           output: str | None) -> None:
    """Report KIND for every entity in FACTS: ranking (awards, demotions,
    flags), leads (deductions by lead unit), completion (by responsible
    unit) or breakdown (every item's score and completion)."""
    from assessc.reports.build import json_text, report as make_report
    from assessc.reports.output import OutputError, atomic_open
    from assessc.reports.tabular import TooManyRows, csv_text, write_csv, write_xlsx

    if output:
        fmt = _file_format(ctx, output, ("text", "csv", "json", "xlsx"), fmt)
        _check_writable(output, "text")
    elif fmt == "xlsx":
        raise click.UsageError("--format xlsx writes a file: give -o FILE.xlsx", ctx)
    compiled = _load(policy, "text")
    run, values = _score(compiled, facts, _parse_tables(tables), "text")
    made = _report(make_report, kind, compiled.ir, compiled.graph, run, values)
    if not output:
        text = json_text(compiled.ir, made) if fmt == "json" else csv_text(made.header, made.rows) if fmt == "csv" \
            else made.text
        click.echo(text, nl=False)
        return
    try:
        if fmt == "xlsx":
            with atomic_open(output) as handle:
                write_xlsx(handle, f"{kind}", made.header, made.rows)
        else:
            with atomic_open(output, text=True) as handle:
                if fmt == "csv":
                    write_csv(handle, made.header, made.rows)
                else:
                    handle.write(json_text(compiled.ir, made) if fmt == "json" else made.text)
    except (OutputError, TooManyRows) as error:
        _output_error(str(error), "text")
    except ModuleNotFoundError as error:
        if error.name != "openpyxl":
            raise
        _output_error(f"cannot write `{output}`: Excel output needs openpyxl (pip install 'assessc[excel]')", "text")
    click.echo(f"wrote {output}", err=True)


@main.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False), help="Also write the outcome as JUnit XML to this file.")
@verbose_option
@_guard
@_with_notes
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
    not_found = [d for d in bag.sorted() if d.is_error]  # paths that named no case file
    click.echo(runner.summary_line(outcomes, bool(not_found)))
    failed = bag.has_errors or not runner.all_passed(outcomes)
    if junit_path:
        try:
            atomic_write(junit_path, junit_xml(outcomes, not_found))
        except OutputError as error:
            _print_diagnostics([Diagnostic(codes.OUTPUT_FAILED, None, str(error))], "text")
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
