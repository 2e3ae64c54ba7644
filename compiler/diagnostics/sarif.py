"""Diagnostics as a SARIF 2.1.0 log (``assessc check --format sarif``).

SARIF is the OASIS Static Analysis Results Interchange Format that code
scanning services and editors read. The log has one run:

* ``tool.driver``: name ``assessc``, its version, ``informationUri`` (the
  documentation's index) and one rule per code of the registry: id, name,
  short description (the registry's summary), full description (the first
  paragraph of the code's section in docs/diagnostics.md), help, an absolute
  ``helpUri`` to that section, and the default level;
* one result per diagnostic: ``ruleId``/``ruleIndex``, ``level``
  (``error``, ``warning`` or ``note``), the message (with its notes that
  have no place and its help line after it), exactly one location, a related
  location per note that has a place, ``partialFingerprints``, and, for a
  finding acknowledged by ``accept``, a suppression of kind ``inSource``
  whose justification is the reason given.

A location is a URI relative to the source root ``%SRCROOT%`` (the current
folder, whose absolute ``file:`` URI is given in ``originalUriBaseIds``) for a
file below it, and an absolute ``file:`` URI for any other file, never a
relative path that climbs out of the root. Its region counts columns in
characters (Unicode code points), with an exclusive end column, as SARIF
does. A diagnostic without a place of its own (a policy file that does not
exist, or holds no policy) is located at the start of the file it is about.

The documentation links are built on a base folder URI: ``$ASSESSC_DOCS_URL``
when set (an absolute ``http``, ``https`` or ``file`` URI, e.g. where the
project's docs are published), else the ``file:`` URI of the docs installed
with assessc. Without either, rules have no ``helpUri``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Iterable, Sequence
from urllib.parse import quote, urlsplit

from assessc import __version__
from assessc.diagnostics.codes import REGISTRY, Code, Severity
from assessc.diagnostics.diagnostic import Diagnostic
from assessc.dsl.source import Span

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
DOCS_URL_VARIABLE = "ASSESSC_DOCS_URL"
DIAGNOSTICS_PAGE = "diagnostics.md"
INDEX_PAGE = "README.md"
SOURCE_ROOT = "%SRCROOT%"
#: GitHub code scanning shows at most this many characters of a rule's descriptions
DESCRIPTION_LIMIT = 1024

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}


# ---- the documentation ---------------------------------------------------------------


def installed_docs() -> Path | None:
    """The folder holding diagnostics.md: inside the installed package (a wheel ships the docs
    there), else beside the package's source folder (a source checkout)."""
    package = Path(__file__).resolve().parents[1]
    for folder in (package / "docs", package.parent / "docs"):
        if (folder / DIAGNOSTICS_PAGE).is_file():
            return folder
    return None


def docs_base() -> str | None:
    """The absolute URI of the documentation folder, ending in ``/``; None if there is none.
    Raises ValueError for an ``$ASSESSC_DOCS_URL`` that is not an absolute http(s) or file URI."""
    given = os.environ.get(DOCS_URL_VARIABLE, "").strip()
    if given:
        parts = urlsplit(given)
        if parts.scheme not in ("http", "https", "file") or (parts.scheme != "file" and not parts.netloc):
            raise ValueError(f"{DOCS_URL_VARIABLE} must be an absolute http, https or file URL, not `{given}`")
        return given if given.endswith("/") else given + "/"
    folder = installed_docs()
    return _folder_uri(folder) if folder is not None else None


def anchor(code: Code) -> str:
    """The heading anchor of a code in docs/diagnostics.md (`### E0201 undefined-name`)."""
    return f"{code.code.lower()}-{code.name}"


def help_uri(code: Code, base: str | None) -> str | None:
    """Where a code is documented, as an absolute URI; None without a documentation base."""
    return f"{base}{DIAGNOSTICS_PAGE}#{anchor(code)}" if base is not None else None


@functools.lru_cache(maxsize=4)
def _documented(folder: Path | None) -> dict[str, str]:
    """The first paragraph of each code's section in diagnostics.md (after its severity line)."""
    if folder is None:
        return {}
    try:
        text = (folder / DIAGNOSTICS_PAGE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    found: dict[str, str] = {}
    for section in re.split(r"^### ", text, flags=re.MULTILINE)[1:]:
        code = section.split(None, 1)[0]
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", section.split("\n", 1)[-1]) if p.strip()]
        body = [p for p in paragraphs if not p.startswith("*")]  # skip `*error* — summary.`
        if body and not body[0].startswith(("```", "|", "#")):
            found[code] = " ".join(body[0].split())
    return found


def _shorten(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    end = cut.rfind(". ")
    return (cut[: end + 1] if end > limit // 2 else cut.rstrip()) + "…"


def full_description(code: Code) -> str:
    """What triggers a code, as docs/diagnostics.md says; the summary where the docs are absent."""
    return _shorten(_documented(installed_docs()).get(code.code) or f"{code.summary[0].upper()}{code.summary[1:]}.")


# ---- rules ---------------------------------------------------------------------------


def _rules() -> list[Code]:
    return sorted(REGISTRY.values(), key=lambda c: c.code)


def _rule(code: Code, base: str | None) -> dict:
    uri = help_uri(code, base)
    rule = {
        "id": code.code,
        "name": code.name,
        "shortDescription": {"text": _shorten(code.summary)},
        "fullDescription": {"text": full_description(code)},
        "help": {"text": f"{code.code} {code.name}: {code.summary}." + (f" See {uri}" if uri else "")},
        "defaultConfiguration": {"level": _LEVELS[code.severity]},
    }
    if uri is not None:
        rule["helpUri"] = uri
    return rule


# ---- results -------------------------------------------------------------------------


def _artifact(path: str, base: Path) -> dict:
    """A URI relative to ``base`` for a file below it, else an absolute ``file:`` URI."""
    absolute = Path(os.path.abspath(path))
    try:
        inside = absolute.resolve().relative_to(base.resolve())
    except (ValueError, OSError):
        return {"uri": absolute.resolve().as_uri()}
    return {"uri": quote(inside.as_posix(), safe="/"), "uriBaseId": SOURCE_ROOT}


def _region(span: Span) -> dict:
    line = max(span.line, 1)
    column = max(span.column, 1)
    end_line = max(span.end_line, line)
    end_column = span.end_column
    if end_line == line and end_column <= column:
        end_column = column + 1
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": max(end_column, 1)}


#: the region of a diagnostic about a whole file: empty, at its start
_FILE_START = {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}


def _physical(span: Span, base: Path) -> dict:
    return {"artifactLocation": _artifact(span.path, base), "region": _region(span)}


def _fingerprint(rule: str, line_text: str, seen: dict[tuple, int], uri: str) -> str:
    """A result's identity across runs: its rule and the text of its line (not the line number,
    so that a finding keeps its identity when lines are added above it), and which occurrence of
    that pair in the file it is."""
    digest = hashlib.sha256(f"{rule}\0{' '.join(line_text.split())}".encode("utf-8")).hexdigest()[:16]
    key = (uri, digest)
    seen[key] = seen.get(key, 0) + 1
    return f"{digest}:{seen[key]}"


def _result(diagnostic: Diagnostic, about: str | None, index: dict[str, int], base: Path,
            seen: dict[tuple, int]) -> dict:
    text = diagnostic.message
    for note in diagnostic.notes:
        if note.span is None:
            text += f"\nnote: {note.message}"
    if diagnostic.help:
        text += f"\nhelp: {diagnostic.help}"
    result: dict = {
        "ruleId": diagnostic.code.code,
        "ruleIndex": index[diagnostic.code.code],
        "level": _LEVELS[diagnostic.severity],
        "message": {"text": text},
    }
    span = diagnostic.span
    if span is not None:
        physical, line_text = _physical(span, base), span.source_line()
    else:
        physical, line_text = {"artifactLocation": _artifact(about or ".", base), "region": dict(_FILE_START)}, ""
    result["locations"] = [{"physicalLocation": physical}]
    uri = physical["artifactLocation"]["uri"]
    result["partialFingerprints"] = {"primaryLocationLineHash": _fingerprint(diagnostic.code.code, line_text, seen, uri)}
    related = [{"id": number, "message": {"text": note.message}, "physicalLocation": _physical(note.span, base)}
               for number, note in enumerate((n for n in diagnostic.notes if n.span is not None), start=1)]
    if related:
        result["relatedLocations"] = related
    if diagnostic.accepted is not None:
        result["suppressions"] = [{"kind": "inSource", "justification": diagnostic.accepted}]
    return result


# ---- the log -------------------------------------------------------------------------


def _folder_uri(folder: Path) -> str:
    """A folder's absolute ``file:`` URI, ending in ``/`` as SARIF requires of a base."""
    uri = folder.resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def sarif_log(checked: Iterable[tuple[str | None, Sequence[Diagnostic]]], base: str | Path | None = None) -> dict:
    """The SARIF log of the diagnostics of each file checked, given as (file, diagnostics) pairs;
    a diagnostic reported for two files (from a module both import) is one result. File URIs are
    relative to ``base`` (default: the current folder)."""
    base = Path(base) if base is not None else Path.cwd()
    docs = docs_base()
    codes = _rules()
    index = {code.code: number for number, code in enumerate(codes)}
    seen_diagnostics: set[Diagnostic] = set()
    seen_fingerprints: dict[tuple, int] = {}
    results = []
    for about, diagnostics in checked:
        for diagnostic in diagnostics:
            if diagnostic in seen_diagnostics:
                continue
            seen_diagnostics.add(diagnostic)
            results.append(_result(diagnostic, about, index, base, seen_fingerprints))
    driver = {"name": "assessc", "version": __version__, "semanticVersion": __version__}
    if docs is not None:
        driver["informationUri"] = docs + INDEX_PAGE
    driver["rules"] = [_rule(code, docs) for code in codes]
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {SOURCE_ROOT: {"uri": _folder_uri(base)}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def to_sarif(diagnostics: Iterable[Diagnostic], base: str | Path | None = None) -> dict:
    """The SARIF log of ``diagnostics`` (of no one file); file URIs are relative to ``base``
    (default: the current folder)."""
    return sarif_log([(None, list(diagnostics))], base)


def sarif_text(checked: Iterable[tuple[str | None, Sequence[Diagnostic]]], base: str | Path | None = None) -> str:
    return json.dumps(sarif_log(checked, base), ensure_ascii=False, indent=2)
