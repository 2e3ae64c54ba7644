"""``assessc score --engine batch``: read, score and write with the batch engine.

The exit status is the ``score`` command's: 0 when scored, 1 when the policy
or the facts have errors, or when the batch engine cannot score the policy
exactly (the message says why and where; nothing is scored then).
"""

from __future__ import annotations

from typing import Callable

import click


def run_score(policy, facts: str, output: str | None, tables: dict[str, str], fmt: str, progress_flag: bool,
              print_diagnostics: Callable) -> int:
    from assessc.api import AssessError
    from assessc.backends.batch import BatchUnsupported, compile_batch
    from assessc.backends.batch.progress import Progress, wanted
    from assessc.backends.batch.readers import read_any
    from assessc.diagnostics import Diagnostic, DiagnosticBag, codes
    from assessc.diagnostics.render import render_text
    from assessc.reports.output import OutputError, run_to_json, write_run

    progress = Progress() if wanted(progress_flag) else None
    bag = DiagnosticBag()
    try:
        program = compile_batch(policy)
        columns = read_any(program, facts, tables, bag=bag, progress=progress)
        run = program.score(columns, progress=progress)
    except BatchUnsupported as error:
        if progress is not None:
            progress.close()
        click.echo(f"assessc: the batch engine cannot score this policy exactly: {error}", err=True)
        return 1
    except AssessError as error:
        if progress is not None:
            progress.close()
        print_diagnostics(list(error.diagnostics), fmt)
        return 1
    if progress is not None:
        progress.close()
    warnings = [d for d in bag.sorted() if not d.is_error]
    if warnings and fmt == "text":
        for warning in warnings:
            click.echo(render_text(warning), err=True)
    if output:
        try:
            if output.lower().endswith(".csv"):
                run.write_csv(output)
            else:
                write_run(run.to_score_run(), output)
        except OutputError as error:
            print_diagnostics([Diagnostic(codes.OUTPUT_FAILED, None, str(error))], fmt)
            return 1
    if fmt == "json":
        click.echo(run_to_json(run.to_score_run()).decode("utf-8"), nl=False)
    elif policy.ir.outcomes.schemes or policy.ir.outcomes.rules:
        from assessc.reports.build import build

        click.echo(build("ranking", policy.ir, run.to_score_run(), run.fact_values(), "text"), nl=False)
    else:
        click.echo(run.ranking_text())
    return 0
