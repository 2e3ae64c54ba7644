"""Diagnostics as a SARIF 2.1.0 log (``assessc check --format sarif``).

SARIF is the OASIS Static Analysis Results Interchange Format that code
scanning services and editors read. The log has one run:

* ``tool.driver``: name ``assessc``, its version, and one rule per code of
  the registry (id, name, short description, ``helpUri`` into
  docs/diagnostics.md, default level);
* one result per diagnostic: ``ruleId``/``ruleIndex``, ``level``
  (``error``, ``warning`` or ``note``), the message (with the help line, if
  any, after it), the location (a URI relative to the current folder, and a
  region whose columns count characters, i.e. Unicode code points, with an
  exclusive end column as in SARIF), a related location per note, and, for a
  finding acknowledged by ``accept``, a suppression of kind ``inSource``
  whose justification is the reason given.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable
from urllib.parse import quote

from assessc import __version__
from assessc.diagnostics.codes import REGISTRY, Code, Severity
from assessc.diagnostics.diagnostic import Diagnostic
from assessc.dsl.source import Span

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
DOCS_PAGE = "docs/diagnostics.md"
SOURCE_ROOT = "%SRCROOT%"

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}


def help_uri(code: Code) -> str:
    """Where a code is documented: its heading in docs/diagnostics.md (`E0201 undefined-name`)."""
    return f"{DOCS_PAGE}#{code.code.lower()}-{code.name}"


def _rules() -> list[Code]:
    return sorted(REGISTRY.values(), key=lambda c: c.code)


def _rule(code: Code) -> dict:
    return {
        "id": code.code,
        "name": code.name,
        "shortDescription": {"text": code.summary},
        "helpUri": help_uri(code),
        "help": {"text": f"{code.code} {code.name}: {code.summary}. See {help_uri(code)}."},
        "defaultConfiguration": {"level": _LEVELS[code.severity]},
    }


def _artifact(path: str, base: Path) -> dict:
    """A relative URI under ``base`` where possible, else an absolute file URI."""
    given = Path(path)
    if given.is_absolute():
        try:
            given = given.resolve().relative_to(base.resolve())
        except ValueError:
            return {"uri": given.resolve().as_uri()}
    return {"uri": quote(given.as_posix(), safe="/"), "uriBaseId": SOURCE_ROOT}


def _region(span: Span) -> dict:
    line = max(span.line, 1)
    column = max(span.column, 1)
    end_line = max(span.end_line, line)
    end_column = span.end_column
    if end_line == line and end_column <= column:
        end_column = column + 1
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": max(end_column, 1)}


def _physical(span: Span, base: Path) -> dict:
    return {"artifactLocation": _artifact(span.path, base), "region": _region(span)}


def _result(diagnostic: Diagnostic, index: dict[str, int], base: Path) -> dict:
    text = diagnostic.message
    if diagnostic.help:
        text += f"\nhelp: {diagnostic.help}"
    result: dict = {
        "ruleId": diagnostic.code.code,
        "ruleIndex": index[diagnostic.code.code],
        "level": _LEVELS[diagnostic.severity],
        "message": {"text": text},
    }
    if diagnostic.span is not None:
        result["locations"] = [{"physicalLocation": _physical(diagnostic.span, base)}]
    related = []
    for number, note in enumerate(diagnostic.notes, start=1):
        location: dict = {"id": number, "message": {"text": note.message}}
        if note.span is not None:
            location["physicalLocation"] = _physical(note.span, base)
        related.append(location)
    if related:
        result["relatedLocations"] = related
    if diagnostic.accepted is not None:
        result["suppressions"] = [{"kind": "inSource", "justification": diagnostic.accepted}]
    return result


def to_sarif(diagnostics: Iterable[Diagnostic], base: str | Path | None = None) -> dict:
    """The SARIF log of ``diagnostics``; file URIs are relative to ``base`` (default: the current folder)."""
    base = Path(base) if base is not None else Path.cwd()
    codes = _rules()
    index = {code.code: number for number, code in enumerate(codes)}
    results = [_result(d, index, base) for d in diagnostics]
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "assessc",
                        "version": __version__,
                        "rules": [_rule(code) for code in codes],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def sarif_text(diagnostics: Iterable[Diagnostic], base: str | Path | None = None) -> str:
    return json.dumps(to_sarif(diagnostics, base), ensure_ascii=False, indent=2)
