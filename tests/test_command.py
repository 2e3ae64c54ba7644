"""The `assessc` process entry point: it sets the garbage collector up for a
short run and then behaves exactly as the click commands; importing assessc
as a library changes nothing."""

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from assessc import command

ROOT = Path(__file__).resolve().parents[1]


def run(*code: str) -> str:
    done = subprocess.run([sys.executable, "-c", "\n".join(code)], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def test_importing_assessc_leaves_the_collector_alone():
    default = run("import gc", "print(gc.get_threshold())")
    assert run("import gc, assessc.cli, assessc.api, assessc.command", "print(gc.get_threshold())") == default


def test_the_command_raises_the_threshold_and_freezes_what_is_left(monkeypatch, capsys):
    threshold = gc.get_threshold()
    monkeypatch.setattr(sys, "argv", ["assessc", "--version"])
    try:
        with pytest.raises(SystemExit) as done:
            command.main()
        assert done.value.code == 0
        assert gc.get_threshold() == command.GC_THRESHOLD
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
    assert "assessc" in capsys.readouterr().out


def test_python_dash_m_runs_the_commands():
    done = subprocess.run([sys.executable, "-m", "assessc", "check", "policies/guangxi_2017.assess"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0
    assert done.stderr.strip().endswith("0 errors, 0 warnings, 1 accepted")
