"""Hostile facts files and command lines never end in an internal error.

Every bundled policy is scored from its own facts file mutated the way files
really go wrong — a cell replaced by a hostile value (huge and tiny numbers,
NaN, full-width digits, formulas, control characters, very long text), a
column or row dropped or repeated, the file cut short, saved in another
encoding, or bytes flipped — and every command is run with random flags and
paths. For each run: the status is 0, 1 or 2 (never 3), nothing prints a
traceback, and every diagnostic printed carries a code from the registry.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessc.cli import main
from assessc.diagnostics.codes import REGISTRY

pytestmark = pytest.mark.slow  # a fuzz run: `pytest -m slow`

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"
BUNDLED = sorted(p.stem for p in POLICIES.glob("*.assess"))
_CODE = re.compile(r"\b([EWD]\d{4})\b")
_SETTINGS = settings(max_examples=60, derandomize=True, deadline=None, database=None,
                     suppress_health_check=list(HealthCheck))

HOSTILE_TEXT = [
    "", " ", "1e400", "-1e400", "1e-400", "NaN", "nan", "Infinity", "-inf", "0x10", "1_000", "--1", "+1",
    "１２", "９５％", "95%%", "1,5", "1.5.5", ".", "-", "%", "1e", "9" * 400, "0." + "0" * 400 + "1",
    "2017-02-30", "9999-99-99", "0000-00-00", "2017-6-31", "TRUE", "是", "否", "yes", "null", "None",
    "=HYPERLINK(\"http://x\",\"x\")", "@SUM(1)", "\x00", "\ufeff", "\u202e", "\r", "a\nb", '"', "'",
    "名单;;;", ";", "x" * 20000, "\U0001F600", "\udcff".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
]
HOSTILE_JSON = [None, True, False, 0, -1, 10**400, 1e308, "1e400", [], {}, [[[]]], {"a": {"b": {}}}, "", "x" * 20000,
                [None], [1, "a", None], {"id": None}, -0.0, 2**63, "９５％"]


def _facts_path(name: str) -> Path:
    return next(POLICIES.glob(f"{name}.facts.*"))


def _few_entities(path: Path, keep: int = 3) -> bytes:
    """The facts file with only its first few entities: mutations, not volume, find the bugs."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix == ".csv":
        return ("\n".join(text.splitlines()[: keep + 1]) + "\n").encode("utf-8")
    value = json.loads(text)
    if isinstance(value, dict):
        value["entities"] = value["entities"][:keep]
    else:
        value = value[:keep]
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")


def _check(result) -> None:
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code in (0, 1, 2), (result.exit_code, output[-3000:], result.exception)
    assert "Traceback" not in output and "internal error" not in output, output[-3000:]
    for code in _CODE.findall(output):
        if f" {code} " in output or f"{code} " in output:
            assert code in REGISTRY, code
    if result.exit_code == 1:
        assert _CODE.search(output) or "error" in output.lower(), output[-3000:]


def _runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:  # click 8.2 keeps the two streams apart already
        return CliRunner()


# ---- facts files ----------------------------------------------------------------------------


def _csv_mutant(text: str, data) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    kind = data.draw(st.sampled_from(["cell", "cell", "cell", "drop_column", "repeat_row", "repeat_header",
                                      "drop_header", "blank_rows", "extra_cells"]))
    if kind == "cell":
        for _ in range(data.draw(st.integers(1, 4))):
            r = data.draw(st.integers(0, len(rows) - 1))
            c = data.draw(st.integers(0, max(0, len(rows[r]) - 1)))
            if rows[r]:
                rows[r][c] = data.draw(st.sampled_from(HOSTILE_TEXT) | st.text(max_size=12))
    elif kind == "drop_column":
        c = data.draw(st.integers(0, len(rows[0]) - 1))
        rows = [row[:c] + row[c + 1:] for row in rows]
    elif kind == "repeat_row":
        rows.append(list(rows[data.draw(st.integers(1, len(rows) - 1))]))
    elif kind == "repeat_header":
        rows[0].append(rows[0][data.draw(st.integers(0, len(rows[0]) - 1))])
    elif kind == "drop_header":
        rows = rows[1:]
    elif kind == "blank_rows":
        rows = [rows[0]] + [[] for _ in range(3)] + rows[1:]
    else:
        rows[1] = rows[1] + ["x", "y"]
    out = io.StringIO()
    csv.writer(out, lineterminator=data.draw(st.sampled_from(["\n", "\r\n"]))).writerows(rows)
    return out.getvalue()


def _json_mutant(text: str, data) -> str:
    value = json.loads(text)
    entities = value if isinstance(value, list) else value.get("entities", [])
    kind = data.draw(st.sampled_from(["value", "value", "value", "drop_key", "repeat_entity", "shape", "deep"]))
    if kind == "value" and entities:
        entity = entities[data.draw(st.integers(0, len(entities) - 1))]
        if isinstance(entity, dict) and entity:
            key = data.draw(st.sampled_from(sorted(entity)))
            entity[key] = data.draw(st.sampled_from(HOSTILE_JSON))
    elif kind == "drop_key" and entities and isinstance(entities[0], dict) and entities[0]:
        del entities[0][data.draw(st.sampled_from(sorted(entities[0])))]
    elif kind == "repeat_entity" and entities:
        entities.append(entities[0])
    elif kind == "shape":
        return data.draw(st.sampled_from(["{}", "[]", "null", "1", '"x"', "[1, 2]", '{"entities": 1}', "[{}]",
                                          '[{"id": "a", "id": "b"}]', "[NaN]", '[{"id": "a", "x": Infinity}]']))
    else:
        return "[" * 100_000 + "]" * 100_000
    return json.dumps(value, ensure_ascii=data.draw(st.booleans()))


def _bytes_mutant(data_bytes: bytes, data) -> bytes:
    kind = data.draw(st.sampled_from(["cut", "flip", "gbk", "utf16", "bom", "nul"]))
    if kind == "cut":
        return data_bytes[: data.draw(st.integers(0, len(data_bytes)))]
    if kind == "flip":
        at = data.draw(st.integers(0, max(0, len(data_bytes) - 1)))
        return data_bytes[:at] + bytes([data.draw(st.integers(0, 255))]) + data_bytes[at + 1:]
    text = data_bytes.decode("utf-8")
    if kind == "gbk":
        return text.encode("gb18030")
    if kind == "utf16":
        return text.encode("utf-16")
    if kind == "bom":
        return b"\xef\xbb\xbf" + data_bytes
    return data_bytes.replace(b",", b",\x00", 1)


@pytest.mark.parametrize("name", BUNDLED)
def test_hostile_facts_files_are_refused_with_located_diagnostics(name, tmp_path_factory):
    source = _facts_path(name)
    policy = POLICIES / f"{name}.assess"
    folder = tmp_path_factory.mktemp("facts")
    original = _few_entities(source)

    @_SETTINGS
    @given(st.data())
    def run(data):
        if data.draw(st.booleans()):
            text = original.decode("utf-8-sig")
            text = _csv_mutant(text, data) if source.suffix == ".csv" else _json_mutant(text, data)
            mutant = text.encode("utf-8")
        else:
            mutant = _bytes_mutant(original, data)
        target = folder / f"mutant{source.suffix}"
        target.write_bytes(mutant)
        command = data.draw(st.sampled_from(["score", "report", "explain"]))
        args = {"score": ["score", str(policy), str(target)],
                "report": ["report", data.draw(st.sampled_from(["ranking", "leads", "completion", "breakdown"])),
                           str(policy), str(target)],
                "explain": ["explain", str(policy), str(target), "--entity",
                            data.draw(st.sampled_from(["南宁", "x", "", "\u202e", "1" * 500]))]}[command]
        _check(_runner().invoke(main, args, catch_exceptions=False))

    run()


# ---- command lines --------------------------------------------------------------------------

# (not "/": `check /` would read every `.assess` file of the machine, as asked)
_PATHS = ["policies/guangxi_2017.assess", "policies/guangxi_2017.facts.csv", "policies/hubei_2017.facts.json",
          "policies", "/dev", "/dev/null", "/proc/self/environ", "missing.assess", "", " ", "-", "x" * 5000,
          "../../../../etc/passwd", "policies/guangxi_2017.cases.toml", "stdlib/awards.assess",
          "\u202e.assess", "out/", "/nonexistent/dir/out.csv"]
_OUTPUTS = ["out.csv", "out.json", "out.xlsx", "out.txt", "out", "/", "/dev/full", "/proc/version",
            "/nonexistent/out.csv", "policies", "", "out.CSV", ".csv", "x" * 5000 + ".csv", "a\x01b.csv"]
# (no NUL: a command line cannot hold one; NUL in an import path is the front end's fuzz)
_COMMANDS = {
    "check": lambda d: ["check", *d.draw(st.lists(st.sampled_from(_PATHS), min_size=1, max_size=3)),
                        *d.draw(st.sampled_from([[], ["--format", "json"], ["--format", "sarif"], ["--emit", "ast"],
                                                 ["--emit", "graph"], ["--bounds"], ["--format", "xml"]]))],
    "score": lambda d: ["score", d.draw(st.sampled_from(_PATHS)), d.draw(st.sampled_from(_PATHS)),
                        *d.draw(st.sampled_from([[], ["-o", d.draw(st.sampled_from(_OUTPUTS))], ["--format", "json"],
                                                 ["--table", d.draw(st.sampled_from(["a=b", "=", "a", "info=" + _PATHS[1]]))],
                                                 ["--engine", d.draw(st.sampled_from(["batch", "interp", "auto", "x"]))]]))],
    "explain": lambda d: ["explain", d.draw(st.sampled_from(_PATHS)), d.draw(st.sampled_from(_PATHS)),
                          "--entity", d.draw(st.sampled_from(["南宁", "", "x" * 5000, "\x01"]))],
    "render": lambda d: ["render", d.draw(st.sampled_from(_PATHS)), "-o", d.draw(st.sampled_from(_OUTPUTS + ["g.dot", "g.svg"]))],
    "compile": lambda d: ["compile", d.draw(st.sampled_from(_PATHS)), "-o", d.draw(st.sampled_from(_OUTPUTS + ["m.py"])),
                          *d.draw(st.sampled_from([[], ["--target", "sql"], ["--target", "sql", "--dialect", "nosuch"],
                                                   ["--target", "sql", "--columns", ",,x"], ["--checks"]]))],
    "report": lambda d: ["report", d.draw(st.sampled_from(["ranking", "leads", "completion", "breakdown", "x"])),
                         d.draw(st.sampled_from(_PATHS)), d.draw(st.sampled_from(_PATHS)),
                         *d.draw(st.sampled_from([[], ["--format", "csv"], ["--format", "json"],
                                                  ["-o", d.draw(st.sampled_from(_OUTPUTS))]]))],
    "fmt": lambda d: ["fmt", "--check", *d.draw(st.lists(st.sampled_from(_PATHS), min_size=1, max_size=2))],
    "test": lambda d: ["test", *d.draw(st.lists(st.sampled_from(_PATHS), max_size=2)),
                       *d.draw(st.sampled_from([[], ["--junit", d.draw(st.sampled_from(_OUTPUTS))]]))],
}


@settings(max_examples=150, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_random_command_lines_end_in_a_clear_status(data):
    command = data.draw(st.sampled_from(sorted(_COMMANDS)))
    args = _COMMANDS[command](data)
    runner = _runner()
    with runner.isolated_filesystem():
        for link in ("policies", "stdlib"):
            Path(link).symlink_to(ROOT / link)
        Path("out").mkdir()
        _check(runner.invoke(main, args, catch_exceptions=False))
