"""A generated scorer imports and scores with nothing but the standard library.

A bare virtual environment (``python3 -m venv --without-pip``: no assessc,
no chinese-calendar, no attrs, no lark) runs the module in an isolated
subprocess on one entity of ``policies/guangxi_2017.facts.csv`` given as
JSON text cells; its total is the interpreter's.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from decimal import Decimal

from pygen_support import POLICIES, ROOT, load_policy, reference  # isort: skip

from assessc.backends.pygen import generate

RUNNER = """
from decimal import Decimal
import json, sys
sys.path.insert(0, sys.argv[1])
import scorer
facts = json.loads(sys.stdin.read(), parse_float=Decimal)
result = scorer.score(facts)
print(json.dumps({"entity": result.entity, "total": str(result.total), "modules": sorted(sys.modules)}))
"""


def bare_python(tmp_path):
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True, timeout=120)
    return env_dir / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def run(python, folder, facts: dict) -> dict:
    done = subprocess.run([str(python), "-I", str(folder / "runner.py"), str(folder)],
                          input=json.dumps(facts, ensure_ascii=False), capture_output=True, text=True, timeout=60,
                          encoding="utf-8")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_module_runs_in_a_bare_virtual_environment(tmp_path):
    policy = load_policy(POLICIES / "guangxi_2017.assess")
    (tmp_path / "scorer.py").write_text(generate(policy.graph).source, encoding="utf-8")
    (tmp_path / "runner.py").write_text(RUNNER, encoding="utf-8")
    python = bare_python(tmp_path)

    probe = subprocess.run([str(python), "-I", "-c", "import assessc"], capture_output=True, text=True, timeout=60)
    assert probe.returncode != 0, "the bare environment must not see assessc"

    path = POLICIES / "guangxi_2017.facts.csv"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        row = list(csv.DictReader(handle))[3]
    out = run(python, tmp_path, row)
    expected = policy.score_file(path).result(row["id"])
    assert out["entity"] == row["id"]
    assert Decimal(out["total"]) == expected.total
    third_party = {"assessc", "attrs", "lark", "click", "chinese_calendar"}
    assert not third_party & {m.split(".")[0] for m in out["modules"]}

    # working days come from the calendar table embedded in the module, not from chinese-calendar
    forms = load_policy(ROOT / "tests" / "backends" / "pygen" / "forms.assess")
    (tmp_path / "scorer.py").write_text(generate(forms.graph).source, encoding="utf-8")
    facts = {"region": "其他", "reports": "12", "missing_docs": "1", "rate": "91.5%", "growth": "130", "score_a": "72.5",
             "score_b": "20", "index": "0.95", "stability_rank": "3", "fraud": "否", "announced": "2024-09-27",
             "filed": "2024-10-25", "oath_evidence": "名单;图片", "cases": [
                 {"matter": "甲", "kind": "表彰", "level": "省级", "grade": "优秀称号"},
                 {"matter": "甲", "kind": "model", "quarter": "Q2", "weight": "2"}]}
    out = run(python, tmp_path, facts)
    typed = {"region": "其他", "reports": Decimal(12), "missing_docs": Decimal(1), "rate": Decimal("0.915"),
             "growth": Decimal("1.3"), "score_a": Decimal("72.5"), "score_b": Decimal(20), "index": Decimal("0.95"),
             "stability_rank": Decimal(3), "fraud": False, "announced": "2024-09-27", "filed": "2024-10-25",
             "oath_evidence": frozenset({"名单", "图片"}), "leader_cut": Decimal(0), "grade": "合格",
             "summary_done": False, "note_text": "无",
             "cases": ({"matter": "甲", "kind": "award", "level": "省级", "grade": "二等奖", "quarter": "Q1",
                        "weight": Decimal(1)},
                       {"matter": "甲", "kind": "model", "level": "州级", "grade": "二等奖", "quarter": "Q2",
                        "weight": Decimal(2)})}
    assert Decimal(out["total"]) == reference(forms, "x", typed).total
