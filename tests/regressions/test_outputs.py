"""What scoring produces and the files and screens it reaches: one results model for every
engine and every output; files that are what their names say, safe to open, written whole."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import stat
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from assessc.cli import main

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"

POLICY = """
facts {
  missing_docs: count "未出台的配套文件数"
  accident: bool "发生重大安全事故"
  fraud: bool "弄虚作假"
  note: text "备注"
}

policy demo "演示" {
  entity city "设区市"
  item 1 "配套文件" max 1 {
    start 1
    deduct 0.5 per missing_docs
    until zero
  }
  item 2 "总结" max 1 { start 1 }
  penalty 3 "扣分" { deduct 1 if fraud }
  veto "发生重大安全事故(一票否决)" if accident
}
"""


def write(tmp_path: Path, facts: str, policy: str = POLICY) -> tuple[Path, Path]:
    (tmp_path / "p.assess").write_text(policy, encoding="utf-8")
    (tmp_path / "facts.csv").write_text(facts, encoding="utf-8")
    return tmp_path / "p.assess", tmp_path / "facts.csv"


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "internal error" not in result.output and "Traceback" not in result.output, result.output
    return result


def csv_rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def many_facts(n: int) -> str:
    """n entities sharing a handful of totals: ties everywhere."""
    return "id,missing_docs,accident,fraud,note\n" + "".join(f"e{k},{k % 3},no,no,x\n" for k in range(n))


# ---- the default engine does not scale ----------------------------------------------------------


def test_a_tie_is_a_group_id_and_size_not_a_list_of_every_tied_entity(tmp_path):
    """`tied_with` listed every tied entity on every row (quadratic output)."""
    policy, facts = write(tmp_path, many_facts(600))
    out = tmp_path / "out.csv"
    assert run("score", policy, facts, "--engine", "interp", "-o", out).exit_code == 0
    rows = csv_rows(out)
    assert "tied_with" not in rows[0]
    assert {(r["tie_group"], r["tie_size"]) for r in rows} == {("1", "200"), ("201", "200"), ("401", "200")}
    assert out.stat().st_size < 600 * 80  # linear: no row names another entity


def test_outcomes_are_decided_without_a_search_per_entity():
    """The `outcomes` block made scoring quadratic (a linear `run.result()` search per entity)."""
    from assessc.api import load_policy
    from assessc.backends.outcomes import decide
    from assessc.backends.results import EntityResult, ScoreRun

    policy = load_policy(POLICIES / "liangshan_2017.assess")
    facts = json.loads((POLICIES / "liangshan_2017.facts.json").read_text(encoding="utf-8"))
    loaded = policy.load_facts(POLICIES / "liangshan_2017.facts.json")
    one = loaded.entities[0].values
    n = 20_000
    run_ = ScoreRun("p", tuple(EntityResult(f"e{k}", Decimal(k % 50), {}) for k in range(n)))
    values = {f"e{k}": one for k in range(n)}
    calls = []
    original = ScoreRun.result
    ScoreRun.result = lambda self, entity: calls.append(entity) or original(self, entity)
    try:
        start = time.perf_counter()
        decided = decide(policy.ir, run_, values)
        seconds = time.perf_counter() - start
    finally:
        ScoreRun.result = original
    assert len(decided) == n and not calls and facts
    assert seconds < 20  # was minutes: 55 s at 4×10^4 entities


def test_the_default_engine_keeps_no_explanation_per_entity(tmp_path, monkeypatch):
    """The default engine grew past 9 GB at 10^5 entities: it built every entity's explanation to write -o."""
    from assessc.backends.interp import Interpreter

    def refuse(*args, **kwargs):
        raise AssertionError("an explanation was built")

    monkeypatch.setattr(Interpreter, "_explained", refuse)
    policy, facts = write(tmp_path, many_facts(50))
    out = tmp_path / "out.json"
    result = run("score", policy, facts, "--engine", "interp", "-o", out)
    assert result.exit_code == 0, result.output
    assert len(json.loads(out.read_text(encoding="utf-8"))["entities"]) == 50


def test_the_engine_that_ran_is_named_and_auto_falls_back_to_the_interpreter(tmp_path):
    """Two engines gave two shapes of output, and only the slow one ran unless asked."""
    batch = run("score", POLICIES / "guangxi_2017.assess", POLICIES / "guangxi_2017.facts.csv", "--format", "json")
    assert batch.exit_code == 0 and "engine: batch" in batch.stderr
    assert json.loads(batch.stdout)["engine"] == "batch"
    interp = run("score", POLICIES / "liangshan_2017.assess", POLICIES / "liangshan_2017.facts.json")
    assert interp.exit_code == 0
    assert "engine: interp (the batch engine cannot score these facts exactly" in interp.stderr


@pytest.mark.parametrize("name, facts", [("guangxi_2017", "csv"), ("hubei_2017", "json"), ("zhonglou_2020", "json"),
                                         ("jinfeng_2020", "json")])
def test_every_engine_writes_the_same_files(tmp_path, name, facts):
    """The batch engine wrote `(730 others)` where the interpreter listed names: two shapes for one input."""
    pytest.importorskip("numpy")
    policy, facts_path = POLICIES / f"{name}.assess", POLICIES / f"{name}.facts.{facts}"
    for suffix in ("csv", "json"):
        outs = {}
        for engine in ("interp", "batch"):
            outs[engine] = tmp_path / f"{engine}.{suffix}"
            result = run("score", policy, facts_path, "--engine", engine, "-o", outs[engine])
            assert result.exit_code == 0, result.output
        interp, batch = outs["interp"].read_bytes(), outs["batch"].read_bytes()
        if suffix == "json":
            interp = interp.replace(b'"engine": "interp"', b'"engine": "batch"')
        assert interp == batch


def test_every_engine_writes_the_same_ties(tmp_path):
    """The batch engine wrote `(730 others)` where the interpreter listed every name."""
    pytest.importorskip("numpy")
    policy, facts = write(tmp_path, many_facts(300))
    for engine in ("interp", "batch"):
        assert run("score", policy, facts, "--engine", engine, "-o", tmp_path / f"{engine}.csv").exit_code == 0
    assert (tmp_path / "interp.csv").read_bytes() == (tmp_path / "batch.csv").read_bytes()


def test_running_out_of_memory_ends_with_a_hint_not_an_internal_error(tmp_path, monkeypatch):
    """At 10^6 entities the default engine ended in `MemoryError` with no hint."""
    from assessc.api import Policy

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(Policy, "score_table", exhausted)
    policy, facts = write(tmp_path, many_facts(10))
    result = run("score", policy, facts, "--engine", "interp")
    assert result.exit_code == 1 and "out of memory" in result.stderr and "--engine auto" in result.stderr


def test_the_interpreter_shows_progress(tmp_path):
    """10^5 entities ran 20 minutes without output or progress."""
    policy, facts = write(tmp_path, many_facts(1200))
    result = run("score", policy, facts, "--engine", "interp", "--progress")
    assert result.exit_code == 0 and "scoring" in result.stderr and "1200/1200" in result.stderr


# ---- files disagree with the screen ------------------------------------------------------------


def test_score_files_carry_the_outcomes_the_screen_shows(tmp_path):
    """`score -o` wrote ranks that ignore `rank last` and demotion, with no award or flag columns."""
    out, as_json = tmp_path / "l.csv", tmp_path / "l.json"
    policy, facts = POLICIES / "liangshan_2017.assess", POLICIES / "liangshan_2017.facts.json"
    screen = run("score", policy, facts, "-o", out)
    assert screen.exit_code == 0 and run("score", policy, facts, "-o", as_json).exit_code == 0
    rows = {r["entity"]: r for r in csv_rows(out)}
    assert rows["会理"]["rank"] == "17" and rows["会理"]["placed_last"] and rows["会理"]["flags"]
    assert rows["昭觉"]["综合奖"] == "二等奖" and rows["昭觉"]["综合奖 by rank"] == "一等奖" and rows["昭觉"]["demotions"]
    line = next(l for l in screen.stdout.splitlines() if "会理" in l)
    assert line.split()[0] == "17"
    entities = {e["entity"]: e for e in json.loads(as_json.read_text(encoding="utf-8"))["entities"]}
    assert entities["会理"]["rank"] == 17 and entities["昭觉"]["awards"][0]["award"] == "二等奖"


def test_a_vetoed_entity_is_not_tied_with_a_genuine_zero(tmp_path):
    """A vetoed entity was ranked as a tie with a genuine 0."""
    facts = ("id,missing_docs,accident,fraud,note\n"
             "甲,0,yes,no,x\n"      # 2 points, vetoed → 0
             "乙,2,no,yes,x\n"      # 0 + 1 − 1 = 0, a genuine zero
             "丙,0,no,no,x\n")      # 2
    policy, facts_path = write(tmp_path, facts)
    out = tmp_path / "out.csv"
    assert run("score", policy, facts_path, "-o", out).exit_code == 0
    rows = {r["entity"]: r for r in csv_rows(out)}
    assert rows["甲"]["total"] == rows["乙"]["total"] == "0"
    assert (rows["丙"]["rank"], rows["乙"]["rank"], rows["甲"]["rank"]) == ("1", "2", "3")
    assert rows["甲"]["tie_size"] == rows["乙"]["tie_size"] == "1" and rows["甲"]["vetoed"]


# ---- outputs that are not what they say -----------------------------------------------------------


def test_xlsx_output_is_a_real_workbook(tmp_path):
    """`report breakdown -o b.xlsx` wrote plain text with exit 0."""
    openpyxl = pytest.importorskip("openpyxl")
    policy, facts = POLICIES / "guangxi_2017.assess", POLICIES / "guangxi_2017.facts.csv"
    for args, name in ((("report", "breakdown"), "b.xlsx"), (("score",), "s.xlsx")):
        result = run(*args, policy, facts, "-o", tmp_path / name)
        assert result.exit_code == 0, result.output
        sheet = openpyxl.load_workbook(tmp_path / name).active
        header = [c.value for c in sheet[1]]
        assert header[0] == "entity" and sheet.freeze_panes == "B2"
        second = [c.value for c in sheet[2]]
        assert isinstance(second[header.index("score" if args[0] == "report" else "total")], (int, float))


def test_excel_numbers_are_exact_or_text():
    """Excel stores doubles: a score is a number only when the double shows the same value."""
    from assessc.reports.tabular import excel_number

    assert excel_number(Decimal("19.5")) == 19.5 and excel_number(Decimal("-1")) == -1.0
    assert excel_number(Decimal("0.1")) == 0.1  # the double's shortest form is 0.1
    assert excel_number(Decimal("1234567890.123456789")) is None  # 19 digits: written as text
    assert excel_number(Decimal("0.1234567890123456")) is None  # 16 digits: Excel shows 15


def test_format_and_extension_must_agree(tmp_path):
    """`report --format json -o b.csv` wrote JSON into `.csv`."""
    policy, facts = POLICIES / "guangxi_2017.assess", POLICIES / "guangxi_2017.facts.csv"
    result = run("report", "breakdown", policy, facts, "--format", "json", "-o", tmp_path / "b.csv")
    assert result.exit_code == 2 and "does not match" in result.output
    assert not (tmp_path / "b.csv").exists()
    unknown = run("score", policy, facts, "-o", tmp_path / "b.xls")
    assert unknown.exit_code == 2 and ".csv, .json, .xlsx" in unknown.output
    assert run("report", "breakdown", policy, facts, "-o", tmp_path / "b.json").exit_code == 0
    assert json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))["report"] == "breakdown"


def _assessc(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "assessc", *map(str, args)], capture_output=True, cwd=ROOT, **kwargs)


def test_output_files_honour_the_umask(tmp_path):
    """Output files were created with mode 0600: colleagues on a shared folder could not open them."""
    out = tmp_path / "out.csv"
    done = subprocess.run(f"umask 022 && {sys.executable} -m assessc score policies/guangxi_2017.assess "
                          f"policies/guangxi_2017.facts.csv -o {out}", shell=True, capture_output=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    out.chmod(0o640)  # a file that is replaced keeps its permissions
    assert run("score", POLICIES / "guangxi_2017.assess", POLICIES / "guangxi_2017.facts.csv", "-o", out).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_a_closed_pipe_ends_quietly(tmp_path):
    """`assessc score … | head` printed `internal error: BrokenPipeError` and exited 3."""
    policy, facts = write(tmp_path, many_facts(3000))
    for reader in ("head -1", "true"):  # `true` has gone before the first line is written
        done = subprocess.run(f"{sys.executable} -m assessc score {policy} {facts} --format json | {reader}; "
                              "echo status=${PIPESTATUS[0]}", shell=True, executable="/bin/bash",
                              capture_output=True, cwd=ROOT, text=True)
        assert "internal error" not in done.stderr and "Traceback" not in done.stderr, done.stderr
        assert done.stdout.splitlines()[-1] in ("status=0", "status=141")


def test_csv_on_standard_output_starts_with_a_bom_like_a_file(tmp_path):
    """CSV on standard output had no byte-order mark while `-o` had one."""
    policy, facts = POLICIES / "guangxi_2017.assess", POLICIES / "guangxi_2017.facts.csv"
    shown = run("report", "breakdown", policy, facts, "--format", "csv")
    assert run("report", "breakdown", policy, facts, "-o", tmp_path / "b.csv").exit_code == 0
    assert shown.stdout.encode("utf-8") == (tmp_path / "b.csv").read_bytes()
    assert shown.stdout.startswith("\ufeff")


# ---- headers, completion, read-only folders, killed writers ----------------------------------------


def test_score_csv_headers_carry_item_titles(tmp_path):
    """The `score` CSV headed its columns with item ids only, not titles."""
    out = tmp_path / "out.csv"
    assert run("score", POLICIES / "guangxi_2017.assess", POLICIES / "guangxi_2017.facts.csv", "-o", out).exit_code == 0
    header = next(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert "1.1 按照2016年自治区党内法规和规范性文件明确要求制定配套文件" in header


def test_breakdown_completion_column_is_filled():
    """The breakdown report's completion column was always empty."""
    result = run("report", "breakdown", POLICIES / "jinfeng_2020.assess", POLICIES / "jinfeng_2020.facts.json",
                 "--format", "json")
    rows = json.loads(result.stdout)["rows"]
    states = {r["complete"] for r in rows}
    assert {"yes", "no"} <= states
    assert any(r["missing"] for r in rows if r["complete"] == "no")


def test_a_folder_that_cannot_be_written_is_d0610_not_an_internal_error(tmp_path, monkeypatch):
    """`-o` into a read-only folder ended in `internal error: OSError` (exit 3)."""
    import tempfile

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    real_open = os.open

    def no_tmpfile(path, flags, *args, **kwargs):
        if flags & getattr(os, "O_TMPFILE", 0) == getattr(os, "O_TMPFILE", -1):
            refused()
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    monkeypatch.setattr(os, "open", no_tmpfile)
    result = run("report", "breakdown", POLICIES / "guangxi_2017.assess", POLICIES / "guangxi_2017.facts.csv",
                 "-o", tmp_path / "b.csv")
    assert result.exit_code == 1
    assert "D0610" in result.output and "Permission denied" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_d0610(tmp_path):
    """`-o` into a read-only folder ended in `internal error: OSError` (exit 3)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    result = run("score", POLICIES / "guangxi_2017.assess", POLICIES / "guangxi_2017.facts.csv", "-o", folder / "o.csv")
    assert result.exit_code == 1 and "D0610" in result.output


KILLED_WRITER = """
import sys, time
from assessc.reports.output import atomic_open
with atomic_open(sys.argv[1]) as handle:
    handle.write(b"x" * 1_000_000)
    handle.flush()
    print("writing", flush=True)
    time.sleep(60)
"""


def test_a_writer_killed_with_sigkill_leaves_no_temporary_file(tmp_path):
    """A `score -o` killed with SIGKILL left its temporary file (27 MB) beside the output for good."""
    target = tmp_path / "out.csv"
    target.write_text("earlier", encoding="utf-8")
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)], stdout=subprocess.PIPE, cwd=ROOT)
    assert writer.stdout.readline().strip() == b"writing"
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    assert target.read_text(encoding="utf-8") == "earlier"


def test_a_stale_named_temporary_file_is_removed_by_the_next_write(tmp_path, monkeypatch):
    """Where files cannot be made unnamed, a killed writer's temporary file stayed for good."""
    from assessc.reports import output

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".out.csv.{int(dead.stdout)}.abc123.tmp"
    stale.write_bytes(b"x" * 1000)
    monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    output.atomic_write(tmp_path / "out.csv", b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    assert stat.S_IMODE((tmp_path / "out.csv").stat().st_mode) == 0o666 & ~output._umask()


# ---- formula injection into the files officials open --------------------------------------------


def test_formula_cells_are_neutralised_and_numbers_stay_numbers(tmp_path):
    """An entity name starting with `=` was written raw into the CSV, where Excel runs it as a formula."""
    openpyxl = pytest.importorskip("openpyxl")
    name = '=HYPERLINK("http://example.com","x")'
    facts = ("id,missing_docs,accident,fraud,note\n"
             f'"{name.replace(chr(34), chr(34) * 2)}",0,no,yes,x\n+1,0,no,no,x\n')
    policy, facts_path = write(tmp_path, facts)
    for engine in ("interp", "batch"):
        out = tmp_path / f"{engine}.csv"
        assert run("score", policy, facts_path, "--engine", engine, "-o", out).exit_code == 0
        rows = csv_rows(out)
        assert [r["entity"] for r in rows] == ["'" + name, "'+1"]
        assert rows[0]["3 扣分"] == "-1"  # a number keeps its sign
    assert run("report", "leads", policy, facts_path, "-o", tmp_path / "leads.csv").exit_code == 0
    leads = csv_rows(tmp_path / "leads.csv")
    assert leads[0]["entity"] == "'" + name and leads[0]["points"] == "-1"
    assert run("score", policy, facts_path, "-o", tmp_path / "s.xlsx").exit_code == 0
    sheet = openpyxl.load_workbook(tmp_path / "s.xlsx").active
    cell = sheet["A2"]
    assert cell.value == name and cell.data_type == "s" and cell.quotePrefix
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("3 扣分") + 1).value == -1


# ---- the compiled Python module decides outcomes too ------------------------------------------------

OUTCOMES_POLICY = """
facts {
  points: decimal 0..100
  criminal: bool
  fraud_severe: bool
  accident: bool
  last_year_last: bool
}

policy p "outcomes" {
  item 1 "任务" max 100 { add points }
  veto "发生重大安全事故" if accident
  outcomes {
    awards "综合奖" by rank { 一等奖: 1..2  二等奖: 3..4  三等奖: 5..6 }
    awards "单项奖" by rank of 1 { 单项一等奖: 1..1 }
    demote "受到刑事处罚" if criminal
    rank last "弄虚作假,情节严重" if fraud_severe
    flag "连续两年排名最后一位" if place() == last_place() and last_year_last
  }
}
"""


def _standing_key(s) -> tuple:
    return (s.entity, s.total, s.rank, s.tie_size, s.tie_group, tuple(s.vetoed), tuple(s.forced_last),
            tuple(s.demotions), tuple((a.scheme, a.band, a.by_rank, a.note) for a in s.awards), tuple(s.flags))


def _module(policy, tmp_path: Path, name: str):
    import importlib.util

    from assessc.backends.pygen import generate

    path = tmp_path / f"{name}.py"
    path.write_text(generate(policy.graph).source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["guangxi_2017", "hubei_2017", "jinfeng_2020", "liangshan_2017", "zhonglou_2020",
                                  "outcomes"])
def test_the_compiled_module_decides_outcomes_as_the_interpreter(tmp_path, name):
    """The compiled Python module dropped outcomes (ranks after `rank last`, awards, flags)."""
    from assessc.api import load_policy
    from assessc.backends.scored import results_of_run

    if name == "outcomes":
        (tmp_path / "o.assess").write_text(OUTCOMES_POLICY, encoding="utf-8")
        policy = load_policy(tmp_path / "o.assess")
        rows = {"甲": (95, 0, 0, 0, 0), "乙": (90, 1, 0, 0, 0), "丙": (88, 0, 0, 0, 0), "丁": (88, 0, 0, 1, 0),
                "戊": (88, 0, 0, 0, 1), "己": (99, 0, 1, 0, 1), "庚": (0, 0, 0, 0, 0)}
        values = {e: {"points": Decimal(p), "criminal": bool(c), "fraud_severe": bool(f), "accident": bool(a),
                      "last_year_last": bool(l)} for e, (p, c, f, a, l) in rows.items()}
    else:
        policy = load_policy(POLICIES / f"{name}.assess")
        facts = policy.load_facts(next(POLICIES.glob(f"{name}.facts.*")))
        values = {e.id: dict(e.values) for e in facts.entities}
    from assessc.backends.results import ScoreRun

    run_ = (ScoreRun(policy.name, tuple(policy.score_values(e, v) for e, v in values.items())) if name == "outcomes"
            else policy.score_facts(facts))
    expected = [_standing_key(s) for s in results_of_run(policy.ir, policy.graph, run_, values).ranked()]
    module = _module(policy, tmp_path, f"scorer_{name}")
    results = [module.score(v, entity=e) for e, v in values.items()]
    assert [_standing_key(s) for s in module.rank(results, list(values.values()))] == expected
    if name == "outcomes":
        decided = {s.entity: s for s in module.rank(results, list(values.values()))}
        assert decided["丁"].rank == 7 and decided["丁"].vetoed and decided["丁"].awards[0].band is None
        assert decided["己"].rank == 6 and not decided["己"].flags  # the vetoed 丁 is last, not 己


@pytest.mark.parametrize("name", ["x" * 5000 + ".csv", "x" * 300 + ".py"], ids=["5000-characters", "300-characters"])
def test_an_output_name_no_file_can_have_is_d0610_not_an_internal_error(tmp_path, name):
    """`compile -o` with a name longer than the file system allows ended in exit 3."""
    result = CliRunner().invoke(main, ["compile", str(ROOT / "policies" / "guangxi_2017.assess"), "-o",
                                       str(tmp_path / name)])
    assert result.exit_code == 1, result.output
    assert "D0610 cannot write" in result.output and "internal error" not in result.output


def test_a_fact_the_batch_engine_refuses_while_scoring_is_reported_at_its_cell(tmp_path):
    """With the default engine a value for a fact only inapplicable items read was reported at
    `<input>:` with no place; the interpreter, which scores such facts again, points at the cell."""
    policy = tmp_path / "weights.assess"
    policy.write_text(WEIGHTS, encoding="utf-8")
    facts = tmp_path / "d0611.csv"
    facts.write_text("id,region,points,tibet_points\n木里,木里,80,15\n西昌,其他,80,12\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["score", str(policy), str(facts)])
    assert result.exit_code == 1
    assert f"{facts}:3:1: D0611 entity `西昌`: fact `tibet_points` is given" in result.output, result.output


WEIGHTS = """
facts {
  region: enum { 木里, 其他 } "县市类别"
  points: decimal 0..100 "1-12项得分"
  tibet_points: decimal 0..30 "第13项得分"
}

policy weights "法律七进" {
  max 100
  item 1 "1-12项" max 100 {
    add points
  }
  item 13 "木里藏区依法常态化治理" max 30 {
    applies if region == 木里
    add tibet_points
  }
}
"""


def test_direction_controls_from_the_facts_are_shown_not_obeyed_in_every_text_output(tmp_path):
    """Unicode bidi controls reached generated text raw (Trojan Source): an entity named with
    U+202E reordered the ranking, the explanation and the cells of the CSV an official opens."""
    name = "甲\u202e乙"
    policy, facts = write(tmp_path, f"id,missing_docs,accident,fraud,note\n{name},1,no,no,无\n丙,2,no,no,无\n")
    shown = "甲<U+202E>乙"
    screen = run("score", policy, facts, "--engine", "interp")
    assert shown in screen.stdout and "\u202e" not in screen.stdout
    assert run("score", policy, facts, "-o", tmp_path / "out.csv").exit_code == 0
    written = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    assert shown in written and "\u202e" not in written
    explained = run("explain", policy, facts, "--entity", name)
    assert shown in explained.stdout and "\u202e" not in explained.stdout


def test_the_wording_knows_the_direction_controls_the_parser_refuses():
    from assessc.backends.wording import _DIRECTION
    from assessc.dsl.source import DIRECTION_CONTROLS

    every = {chr(c) for c in range(0x10000) if _DIRECTION.fullmatch(chr(c))}
    assert every == set(DIRECTION_CONTROLS)
