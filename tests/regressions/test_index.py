"""INDEX.md names, for each reported defect, the tests that guard against it: every test it
names must exist, every file it names must hold tests, and no defect may be left without one."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INDEX = Path(__file__).with_name("INDEX.md")


def _sections() -> dict[int, list[str]]:
    sections: dict[int, list[str]] = {}
    current = None
    for line in INDEX.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"## (\d+)\. ", line)
        if heading:
            current = int(heading.group(1))
            sections[current] = []
        elif line.startswith("- ") and current is not None:
            sections[current].append(line[2:].split(" ")[0])
    return sections


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_defect_from_1_to_15_has_tests_in_order():
    sections = _sections()
    assert list(sections) == list(range(1, 16))
    assert all(sections.values()), [n for n, refs in sections.items() if not refs]


def test_every_named_test_exists():
    missing = []
    for refs in _sections().values():
        for ref in refs:
            file, _, name = ref.partition("::")
            path = ROOT / file
            if not path.is_file():
                missing.append(ref)
            elif name and name not in _test_names(path):
                missing.append(ref)
            elif not name and not _test_names(path):
                missing.append(ref)
    assert not missing
