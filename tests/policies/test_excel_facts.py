"""Facts from Excel: seed 001's facts as a workbook — one sheet of entities and one sheet per
ledger (awards, instructions, adopted information) — score exactly as the JSON facts do."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from assessc.api import load_policy
from assessc.ir.types import Kind

openpyxl = pytest.importorskip("openpyxl")
POLICIES = Path(__file__).resolve().parents[2] / "policies"


def _cell(value):
    if isinstance(value, list):  # an evidence list
        return ";".join(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def test_liangshan_from_a_workbook(tmp_path):
    policy = load_policy(POLICIES / "liangshan_2017.assess")
    rows = json.loads((POLICIES / "liangshan_2017.facts.json").read_text(encoding="utf-8"))
    ledgers = [f for f in policy.ir.facts if f.type.kind is Kind.LEDGER]
    plain = [f.name for f in policy.ir.facts if f.type.kind is not Kind.LEDGER]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "facts"
    sheet.append(["id", *plain])
    for row in rows:
        # numbers go in as text so the workbook holds exactly the decimals of the JSON file
        sheet.append([row["id"], *(None if row.get(name) is None else str(_cell(row[name]))
                                   if not isinstance(row.get(name), (bool, list)) else _cell(row[name])
                                   for name in plain)])
    for ledger in ledgers:
        fields = [f.name for f in ledger.type.fields]
        entries = book.create_sheet(ledger.name)
        entries.append(["id", *fields])
        for row in rows:
            for entry in row.get(ledger.name) or []:
                entries.append([row["id"], *(entry.get(f) for f in fields)])
    path = tmp_path / "liangshan.xlsx"
    book.save(path)

    from_json = policy.score_file(POLICIES / "liangshan_2017.facts.json")
    from_excel = policy.score_file(path)
    assert [(r.entity, r.total) for r in from_excel.results] == [(r.entity, r.total) for r in from_json.results]
    assert from_excel.result("西昌").total == Decimal("109.18")
