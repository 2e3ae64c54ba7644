"""Every diagnostic code in the registry is documented, once, in docs/diagnostics.md."""

from pathlib import Path

from assessc.diagnostics.codes import REGISTRY

DOCS = (Path(__file__).resolve().parents[1] / "docs" / "diagnostics.md").read_text(encoding="utf-8")


def test_every_code_has_its_section_and_its_row_in_the_table():
    for code, entry in REGISTRY.items():
        assert DOCS.count(f"\n### {code} {entry.name}\n") == 1, code
        row = f"| [{code}](#{code.lower()}-{entry.name}) | `{entry.name}` |"
        assert DOCS.count(row) == 1, row


def test_the_sections_follow_the_codes_in_order_within_each_group():
    sections = [line.split()[1] for line in DOCS.splitlines() if line.startswith("### ") and line.split()[1] in REGISTRY]
    for group in ("E01", "E02", "E03", "E04", "D06", "E07"):
        codes = [c for c in sections if c.startswith(group)]
        assert codes == sorted(codes), group
