"""The README's commands on a new machine: what setup installs, and what the test command runs."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETUP = ROOT / "scripts" / "setup.sh"


def _run_setup(tmp_path: Path, *options: str, have_postgres: bool = False) -> list[str]:
    """Run setup.sh with every installer replaced by a stub that logs what it was asked to do."""
    log = tmp_path / "log"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stubs = {
        "apt-get": f'echo "apt-get $*" >> {log}',
        "python3": f'echo "python3 $*" >> {log}',
        "fc-list": "true",  # no CJK font yet
        "id": "echo 0",
    }
    if have_postgres:
        stubs["initdb"] = "true"
    for name, body in stubs.items():
        stub = bin_dir / name
        stub.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        stub.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    # no `dot`, `initdb` or Debian layout on this PATH unless stubbed: hide the real ones
    env["ASSESS_PG_BIN"] = "" if not have_postgres else str(bin_dir)
    done = subprocess.run(["bash", str(SETUP), *options], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


@pytest.mark.skipif(sys.platform == "win32", reason="setup.sh is a bash script")
def test_setup_for_the_main_job_installs_no_test_tools_and_no_postgres(tmp_path):
    """`scripts/setup.sh` installed PostgreSQL and the test tools even for the first command."""
    log = _run_setup(tmp_path)
    installs = [line for line in log if "pip install" in line]
    assert installs and all(".[excel]" in line for line in installs), log
    assert not any("postgresql" in line for line in log), log


@pytest.mark.skipif(sys.platform == "win32", reason="setup.sh is a bash script")
def test_setup_with_test_and_db_installs_them(tmp_path):
    log = _run_setup(tmp_path, "--test")
    assert any(".[excel,test]" in line for line in log), log
    assert not any("postgresql" in line for line in log), log
    (tmp_path / "db").mkdir()
    log = _run_setup(tmp_path / "db", "--db")
    assert any(".[excel,test,db]" in line for line in log), log
    if not any(Path(p).exists() for p in ("/usr/lib/postgresql",)):
        assert any("postgresql" in line for line in log), log


def test_the_readme_test_command_leaves_out_the_slow_runs():
    """The README's test command took 30 minutes under load: the long runs are marked and left out."""
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert "-m 'not slow'" in options["addopts"]
    assert any(marker.startswith("slow:") for marker in options["markers"])
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    test_command = next(line for line in readme[:8] if "pytest" in line)
    assert test_command.endswith("python3 -m pytest -q")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci and "pytest -q -m slow" in ci
    for module in ("tests/backends/test_differential_all.py", "tests/properties/test_generated_policies.py",
                   "tests/backends/sql/test_sql_duckdb.py", "tests/backends/sql/test_sql_postgres.py"):
        assert "pytestmark = pytest.mark.slow" in (ROOT / module).read_text(encoding="utf-8"), module
