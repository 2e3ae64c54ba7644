"""A generated scorer imports and scores with nothing but the standard library.

A bare virtual environment (``python3 -m venv --without-pip``: no assessc,
no chinese-calendar, no attrs, no lark) runs the module in an isolated
subprocess on one entity of ``policies/guangxi_2017.facts.csv`` given as
JSON text cells; its total is the interpreter's.
"""

from __future__ import annotations

import ast
import csv
import json
import subprocess
import sys
from decimal import Decimal

import pytest

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


# ---- the runtime part: the one definition, copied ----------------------------------------------------


def _imports(tree):
    return [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]


def test_every_inlined_file_imports_only_the_standard_library_and_the_files_inlined_before_it():
    """Each file a generated module holds imports the standard library, or names of a file copied
    in before it (relative imports, written as plain names); never assessc or another package."""
    from assessc.backends.pygen.module import INLINED, _dotted, _resolve

    before: set[str] = set()
    for path in INLINED:
        where = _dotted(path)
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                assert _resolve(where, node.module, node.level) in before, (path.name, node.lineno)
            else:
                names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                for name in names:
                    assert name.split(".")[0] in sys.stdlib_module_names, (path.name, node.lineno, name)
        before.add(where)


def test_an_import_of_another_package_is_refused_when_inlining(tmp_path):
    from assessc.backends.pygen.module import inline

    package = tmp_path / "assessc" / "runtime"
    package.mkdir(parents=True)
    for text in ("import attrs\n", "from assessc.ir import nodes\n", "from .decimals import CONTEXT\n"):
        path = package / "bad.py"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match="bad.py:1: imports"):
            inline(path, {}, package.parent)


@pytest.mark.parametrize("name", ["liangshan_2017", "guangxi_2017"])
def test_the_generated_module_binds_each_top_level_name_once_and_imports_only_the_standard_library(name):
    """The copied files share one namespace: a name defined twice would silently replace the other."""
    source = generate(load_policy(POLICIES / f"{name}.assess").graph).source
    tree = ast.parse(source)
    seen: dict[str, int] = {}
    twice = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            assert not isinstance(node, ast.ImportFrom) or node.level == 0, node.lineno
            modules = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            assert all(m.split(".")[0] in sys.stdlib_module_names for m in modules), (node.lineno, modules)
            continue  # the same module or name imported again binds the same object
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
        else:
            continue
        for bound in names:
            if bound in seen:
                twice.append((bound, seen[bound], node.lineno))
            seen[bound] = node.lineno
    assert not twice
