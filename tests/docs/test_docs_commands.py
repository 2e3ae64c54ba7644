"""Every terminal session in the docs runs and prints what the docs show.

The sessions and the files they read are marked in the pages themselves (see
doc_sessions.py). Each session runs in a fresh folder holding the files its
page defined before it and the repository's `policies/` and `stdlib/`;
`assessc`, `python` and `python3` run this interpreter, so the commands test
the code in this checkout. Standard output and standard error are read
together, as a terminal shows them.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from doc_sessions import matches, page_files, sessions

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


ALL_SESSIONS = [s for page in PAGES for s in sessions(page, _name(page))]


def _shared_files() -> dict[str, str]:
    """Files marked in some page under a name no other page uses."""
    seen: dict[str, list[str]] = {}
    for page in PAGES:
        for name, text in page_files(page).items():
            seen.setdefault(name, []).append(text)
    return {name: texts[0] for name, texts in seen.items() if len(texts) == 1}


SHARED = _shared_files()


@pytest.fixture(scope="module")
def shims(tmp_path_factory) -> Path:
    """A bin folder whose `assessc`, `python` and `python3` run this interpreter."""
    folder = tmp_path_factory.mktemp("bin")
    # `assessc` as the installed console script runs it: the program calls itself `assessc`
    script = "import sys; sys.argv[0] = 'assessc'; from assessc.command import main; main()"
    for name, args in (("assessc", f"-c {shlex.quote(script)}"), ("python", ""), ("python3", "")):
        shim = folder / name
        shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} {args} "$@"\n', encoding="utf-8")
        shim.chmod(0o755)
    return folder


def _workspace(tmp_path: Path, files: dict[str, str]) -> Path:
    for link in ("policies", "stdlib"):
        (tmp_path / link).symlink_to(ROOT / link)
    for name, text in {**SHARED, **files}.items():
        target = tmp_path / name
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return tmp_path


def _environment(shims: Path, cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSESSC_", "PYTHON"))}
    env.update(PATH=f"{shims}{os.pathsep}{env.get('PATH', '')}", PYTHONUNBUFFERED="1", PYTHONUTF8="1",
               ASSESSC_CACHE_DIR=str(cache), LC_ALL="C.UTF-8", COLUMNS="200", NO_COLOR="1")
    return env


@pytest.mark.parametrize("session", ALL_SESSIONS, ids=lambda s: s.id)
def test_the_session_prints_what_the_docs_show(session, shims, tmp_path, tmp_path_factory):
    if session.skipped:
        pytest.skip(session.skipped)
    if shutil.which("bash") is None:
        pytest.skip("the sessions are run by bash")
    (tmp_path / "work").mkdir()
    cwd = _workspace(tmp_path / "work", session.files)
    env = _environment(shims, tmp_path_factory.getbasetemp() / "parser-cache")
    status = 0
    for command in session.commands:
        line = command.line.replace("$?", str(status))
        done = subprocess.run(["bash", "-c", line], cwd=cwd, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=120)
        status = done.returncode
        actual = done.stdout.decode("utf-8", errors="replace").splitlines()
        assert matches(command.expected, actual), (
            f"{session.id}: `$ {command.line}` printed\n" + "\n".join(actual)
            + "\n\nwhere the docs show\n" + "\n".join(command.expected))


def test_the_wildcards_match_what_they_say():
    assert matches(("a", "…", "d"), ["a", "b", "c", "d"])
    assert matches(("a", "…", "d"), ["a", "d"])
    assert not matches(("a", "…", "d"), ["a", "b"])
    assert matches(("total 1…",), ["total 1.5"])
    assert matches(("copy …/stdlib/x.txt to y",), ["copy /usr/lib/stdlib/x.txt to y"])
    assert matches(("83.3…",), ["83.333333…"])
    assert not matches(("total 1",), ["total 1.5"])
    assert matches(("x", ""), ["x"])
