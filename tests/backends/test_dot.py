"""The Graphviz backend: DOT text, escaping of policy text, rendering.

The DOT of a small policy is compared with ``golden/small.dot``; re-record
it with ASSESS_UPDATE_GOLDEN=1 (then read the diff before committing).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from assessc.backends import dot as dot_backend
from assessc.backends.dot import DOT_MISSING, RenderError, render, to_dot, wrap
from assessc.diagnostics import DiagnosticBag
from assessc.driver import compile_file

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden" / "small.dot"
UPDATE_GOLDEN = os.environ.get("ASSESS_UPDATE_GOLDEN") == "1"
DOT = shutil.which("dot")
needs_dot = pytest.mark.skipif(DOT is None, reason="Graphviz `dot` is not installed (Debian package graphviz)")
SVG = "{http://www.w3.org/2000/svg}"

SMALL = """\
facts {
  missing_docs: count "未按要求出台的配套文件数"
  stability_rank: rank 1..14 "社会稳定动态排名"
  accident: bool "发生重大安全事故"
  falsified: count "弄虚作假起数"
  grade: enum { 优秀, 合格, 基本合格 } "年度考核等级"
  cases: ledger { kind: enum { award "获奖", model "示范" } matter: text } "创新案例"
  pass_rate: percent "考试合格率"
  oath_evidence: evidence { 名单 "宣誓人员名单", 图片 "活动图片" }
}

policy demo "2017年度设区市法治建设专项绩效考评（演示）" {
  entity city "设区市"
  max 6
  round each 2 places half_up
  lead "自治区司法厅"
  veto "发生重大以上生产安全事故" if accident

  item 1 "完善党内法规和规范性文件制定机制，按照要求制定配套文件并及时报备" max 3 {
    lead "自治区党委办公厅"
    deadline 2017-12-31
    item 1 "按照2016年自治区党内法规和规范性文件明确要求制定配套文件" max 1 {
      text "全部完成得1分,每少出台1项配套文件扣0.5分,扣完为止。"
      start 1
      deduct 0.5 per missing_docs
      until zero
    }
    item 2 "2017年度社会稳定动态排名" max 2 {
      add lookup stability_rank { 1..4: 2  5..8: 1.5  9..12: 1  13..14: 0.5 }
      zero if falsified > 0
    }
  }
  item 2 "推进国家工作人员学法用法" max 2 uncapped {
    deadline 2017-11-30
    add 2 * pass_rate if pass_rate >= 90%
    deduct 1 per 1% below 95% of pass_rate counting whole steps
    add lookup grade { 优秀: 2  合格: 1  基本合格: -1 }
  }
  item 3 "实施宪法宣誓制度" max 1 {
    start 1
    deduct 0.5 per missing oath_evidence
  }
  bonus 4 "创新加分" max 2 {
    add cases by kind { award: 1  model: 1 } highest per matter
  }
  penalty 5 "弄虚作假" max 3 {
    deduct 1 per falsified
  }
}
"""

# Titles holding everything that could break DOT: quotes, backslashes, a
# newline, braces, brackets, HTML-ish tags, entities, `\\N` (a Graphviz
# escape for the node name) and an attempt to add a node.
NASTY_POLICY_TITLE = '标题 "引号" 反斜杠 \\ 换行\n第二行 } <b>粗</b> &lt; \\N'
NASTY_ITEM_TITLE = '条目 "x" \\ y\nz } <b>w</b>"]; evil [label="pwned'
NASTY_FACT_LABEL = '缺少"文件"数 \\ <i>'


def _assess_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


NASTY = f"""\
facts {{
  docs: count {_assess_string(NASTY_FACT_LABEL)}
}}
policy nasty {_assess_string(NASTY_POLICY_TITLE)} {{
  entity city "设区市"
  max 1
  lead "A&B 办公室"
  item 1 {_assess_string(NASTY_ITEM_TITLE)} max 1 {{
    start 1
    deduct 0.5 per docs
    until zero
  }}
}}
"""


def compile_text(tmp_path: Path, text: str, name: str = "policy.assess"):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    bag = DiagnosticBag()
    compiled = compile_file(path, bag)
    errors = [d for d in bag.sorted() if d.is_error]
    assert compiled is not None and not errors, errors
    return compiled


@pytest.fixture
def small(tmp_path):
    return compile_text(tmp_path, SMALL).graph


@pytest.fixture
def nasty(tmp_path):
    return compile_text(tmp_path, NASTY).graph


def run_dot(source: str, fmt: str) -> bytes:
    done = subprocess.run([DOT, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode("utf-8", errors="replace")
    assert b"syntax error" not in done.stderr, done.stderr.decode("utf-8", errors="replace")
    return done.stdout


def svg_node_texts(svg: bytes) -> dict[str, list[str]]:
    """Node id -> the lines of text drawn in it."""
    root = ET.fromstring(svg)
    nodes = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") != "node":
            continue
        title = group.find(f"{SVG}title").text
        nodes[title] = [t.text or "" for t in group.iter(f"{SVG}text")]
    return nodes


def leftover(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# ---- the DOT text ---------------------------------------------------------------


def test_small_policy_matches_golden(small):
    actual = to_dot(small)
    if UPDATE_GOLDEN:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(actual, encoding="utf-8", newline="\n")
    assert GOLDEN.exists(), f"{GOLDEN} is missing; record it with ASSESS_UPDATE_GOLDEN=1"
    assert actual == GOLDEN.read_text(encoding="utf-8")


def test_same_graph_gives_byte_identical_dot(tmp_path):
    first = to_dot(compile_text(tmp_path / "a", SMALL).graph)
    second = to_dot(compile_text(tmp_path / "b" / "deeper", SMALL, "other_name.assess").graph)
    assert first == second
    assert str(tmp_path) not in first  # no paths leak into the output


def test_diagram_shows_tree_rules_and_facts(small):
    text = to_dot(small)
    assert text.startswith('digraph "demo" {\n')
    assert 'charset="UTF-8"' in text
    assert text.count('fontname="WenQuanYi Micro Hei"') == 3  # graph, node, edge
    assert '"total" -> "1" [' in text and '"1" -> "1.1" [' in text and '"1.1" -> "1.1/1" [' in text
    assert "label=\"1.1 按照2016年自治区党内法规和\\l规范性文件明确要求制定配套文件\\l" in text
    assert "max 1 · until zero 扣完为止 · start 1" in text
    assert "max 2 · uncapped" in text
    assert "lead 牵头: 自治区党委办公厅\\ldeadline 2017-12-31\\l" in text
    assert "deadline 2017-11-30" in text
    assert 'label="deduct 0.5 per missing_docs\\l"' in text
    assert "shape=note" in text
    # zero if and veto in red, bonus green, penalty orange
    assert 'label="zero if falsified > 0 (不得分)\\l"' in text
    assert '"1.2" -> "1.2/zero:1" [dir=none, color="#c62828"' in text
    assert '"veto:1" [shape=octagon' in text and 'label="veto 否决\\n发生重大以上生产安全事故\\nif accident"' in text
    assert 'label="bonus 4 创新加分\\lmax 2\\l"' in text and 'fillcolor="#e3f2e3"' in text
    assert 'label="penalty 5 弄虚作假\\lmax deduction 3\\l"' in text and 'fillcolor="#fdebd9"' in text
    # facts feed the rules that read them; one fact may feed several
    assert '"1.1/1" -> "fact:missing_docs" [dir=back' in text
    assert '"1.2/zero:1" -> "fact:falsified" [dir=back' in text
    assert '"5/1" -> "fact:falsified" [dir=back' in text
    assert '"veto:1" -> "fact:accident" [dir=back' in text
    assert '"3/1" -> "fact:oath_evidence" [dir=back' in text
    assert 'label="oath_evidence (evidence)\\n宣誓人员名单、活动图片"' in text


def test_without_facts(small):
    text = to_dot(small, show_facts=False)
    assert "fact:" not in text and "ellipse" not in text
    assert '"1.1/1" [shape=note' in text
    if DOT:
        run_dot(text, "svg")


def test_top_level_order_is_source_order(small):
    text = to_dot(small)
    assert '{ rank=same; "1"; "2"; "3"; "4"; "5"; "veto:1"; }' in text
    assert '{ rank=same; "1.1"; "1.2"; }' in text
    rules = '{ rank=same; "1.1/1"; "1.2/1"; "1.2/zero:1"; "2/1"; "2/2"; "2/3"; "3/1"; "4/1"; "5/1"; }'
    assert rules in text


# ---- escaping --------------------------------------------------------------------


def test_escaping_in_dot_text(nasty):
    text = to_dot(nasty)
    # every user string stays inside its quotes: no raw newline, the quote escaped
    assert '条目 \\"x\\" \\\\ y\\lz } <b>w</b>\\"]; evil [label=\\"pwned\\l' in text
    assert "&amp;lt;" in text and "A&amp;B" in text
    for line in text.splitlines():
        assert line.count('"') % 2 == 0 or '\\"' in line


@needs_dot
def test_escaped_text_renders_exactly(nasty):
    text = to_dot(nasty)
    graph = json.loads(run_dot(text, "json"))
    nodes = [o for o in graph["objects"] if "nodes" not in o]  # the rest are rank subgraphs
    assert sorted(o["name"] for o in nodes) == ["1", "1/1", "fact:docs", "total"]  # nothing injected
    allowed = {"color", "fillcolor", "fontname", "fontsize", "label", "margin", "shape", "style", "tooltip"}
    for node in nodes:
        assert {k for k in node if not k.startswith("_")} - {"name", "pos", "width", "height"} <= allowed
    assert graph["name"] == "nasty"

    nodes = svg_node_texts(run_dot(text, "svg"))
    assert set(nodes) == {"1", "1/1", "fact:docs", "total"}
    title_lines = NASTY_POLICY_TITLE.split("\n")
    assert nodes["total"][:2] == title_lines
    assert nodes["total"][2:] == ["max 1", "lead 牵头: A&B 办公室"]
    assert nodes["1"][:2] == ["1 " + NASTY_ITEM_TITLE.split("\n")[0], NASTY_ITEM_TITLE.split("\n")[1]]
    assert nodes["fact:docs"] == ["docs (count)", NASTY_FACT_LABEL]
    assert nodes["1/1"] == ["deduct 0.5 per docs"]


@needs_dot
def test_quote_reads_back_exactly():
    tricky = ['a"b', "a\\", "\\\\N", '\\"', "}", "{", "<b>x</b>", "&amp;", "&", "a\\lb", "-> x", "中文"]
    for value in tricky:
        source = f"digraph g {{ n [label={dot_backend.quote(value)}]; }}"
        lines = svg_node_texts(run_dot(source, "svg"))["n"]
        assert lines == [value], value


def test_control_characters_and_bidi_overrides_are_neutralised():
    assert dot_backend.quote("a\x00b\x1bc\td") == '"a b c d"'
    assert dot_backend.quote("ab\u202ecd") == '"abcd"'
    assert wrap("第一行\r\n第二行\r第三行", 60, 0) == ["第一行", "第二行", "第三行"]


# ---- wrapping --------------------------------------------------------------------


def test_wrap_counts_cjk_as_two_columns():
    text = "一二三四五六七八九十" * 7  # 70 characters
    lines = wrap(text, 60, 0)
    assert [len(line) for line in lines] == [30, 30, 10]


def test_wrap_breaks_words_at_spaces_and_long_words_inside():
    assert wrap("deduct 0.5 per missing_supporting_docs", 20, 0) == ["deduct 0.5 per", "missing_supporting_d", "ocs"]
    assert wrap("deduct 0.5 per missing_docs", 60, 0) == ["deduct 0.5 per missing_docs"]


def test_wrap_hangs_closing_punctuation():
    lines = wrap("一二三四五。六七", 10, 0)
    assert lines == ["一二三四五。", "六七"]


def test_wrap_truncates_with_ellipsis():
    lines = wrap("一" * 200, 60, 4)
    assert len(lines) == 4 and lines[-1].endswith("…")
    assert all(dot_backend._text_width(line) <= 60 for line in lines)


def test_wrap_balances_titles():
    title = "12.1 及时准确填报环境行政处罚案件信息系统"
    assert wrap(title, 40, 4) == ["12.1 及时准确填报环境行政处罚案件信息系", "统"]
    assert wrap(title, 40, 4, balance=True) == ["12.1 及时准确填报环境", "行政处罚案件信息系统"]


# ---- rendering -------------------------------------------------------------------


@needs_dot
def test_render_svg_shows_chinese(small, tmp_path):
    out = tmp_path / "diagram.svg"
    render(small, out)
    svg = out.read_bytes()
    nodes = svg_node_texts(svg)
    assert nodes["total"][0] == "2017年度设区市法治建设专项绩效考评（演示）"
    assert nodes["3"][0] == "3 实施宪法宣誓制度"
    assert b'font-family="WenQuanYi Micro Hei"' in svg
    assert leftover(tmp_path) == ["diagram.svg", "policy.assess"]


@needs_dot
@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG\r\n\x1a\n"), (".pdf", b"%PDF-")])
def test_render_png_and_pdf(small, tmp_path, suffix, magic):
    out = tmp_path / f"diagram{suffix}"
    render(small, str(out), show_facts=False)
    assert out.read_bytes().startswith(magic)


@pytest.mark.parametrize("suffix", [".dot", ".gv", ".DOT"])
def test_render_dot_text(small, tmp_path, suffix):
    out = tmp_path / f"diagram{suffix}"
    render(small, out)
    assert out.read_bytes() == to_dot(small).encode("utf-8")
    render(small, out, show_facts=False)  # replaces an existing file
    assert out.read_bytes() == to_dot(small, show_facts=False).encode("utf-8")


@pytest.mark.parametrize("name", ["diagram.jpg", "diagram", "diagram.svg.txt"])
def test_unknown_suffix_is_refused(small, tmp_path, name):
    with pytest.raises(RenderError) as caught:
        render(small, tmp_path / name)
    message = str(caught.value)
    for allowed in (".dot", ".gv", ".svg", ".png", ".pdf"):
        assert allowed in message
    assert leftover(tmp_path) == ["policy.assess"]


def test_missing_dot_program(small, tmp_path, monkeypatch):
    monkeypatch.setattr(dot_backend.shutil, "which", lambda name: None)
    with pytest.raises(RenderError) as caught:
        render(small, tmp_path / "diagram.svg")
    assert str(caught.value) == DOT_MISSING
    assert "install the Debian package graphviz (or write .dot)" in str(caught.value)
    assert leftover(tmp_path) == ["policy.assess"]
    render(small, tmp_path / "diagram.dot")  # DOT text needs no Graphviz
    assert (tmp_path / "diagram.dot").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in `dot` is a shell script")
def test_failed_dot_leaves_no_file_and_keeps_the_old_one(small, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "dot"
    fake.write_text("#!/bin/sh\nprintf 'partial output'\necho 'Error: <stdin>: syntax error in line 3' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(dot_backend.shutil, "which", lambda name: str(fake))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(RenderError) as caught:
        render(small, out_dir / "diagram.svg")
    assert "syntax error in line 3" in str(caught.value)
    assert "exit status 1" in str(caught.value)
    assert leftover(out_dir) == []

    (out_dir / "diagram.png").write_bytes(b"old picture")
    with pytest.raises(RenderError):
        render(small, out_dir / "diagram.png")
    assert (out_dir / "diagram.png").read_bytes() == b"old picture"
    assert leftover(out_dir) == ["diagram.png"]


def test_unwritable_output_leaves_no_file(small, tmp_path):
    with pytest.raises(RenderError) as caught:
        render(small, tmp_path / "no" / "such" / "dir" / "diagram.dot")
    assert "cannot write" in str(caught.value)
    assert not (tmp_path / "no").exists()

    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(RenderError):
        render(small, blocker / "diagram.dot")
    assert blocker.read_text() == "x"


def test_interrupted_write_removes_the_temporary_file(small, tmp_path, monkeypatch):
    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dot_backend.os, "replace", fail)
    with pytest.raises(RenderError) as caught:
        render(small, tmp_path / "diagram.dot")
    assert "No space left on device" in str(caught.value)
    assert leftover(tmp_path) == ["policy.assess"]


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="needs POSIX permissions as a normal user")
def test_read_only_directory(small, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with pytest.raises(RenderError):
            render(small, locked / "diagram.dot")
        assert leftover(locked) == []
    finally:
        locked.chmod(0o755)


@needs_dot
def test_guangxi_policy_renders(root, tmp_path):
    policy = root / "policies" / "guangxi_2017.assess"
    if not policy.exists():
        pytest.skip("policies/guangxi_2017.assess is not there")
    bag = DiagnosticBag()
    compiled = compile_file(policy, bag)
    assert compiled is not None, [d.message for d in bag.sorted() if d.is_error]
    out = tmp_path / "gx.svg"
    render(compiled.graph, out)
    nodes = svg_node_texts(out.read_bytes())
    assert nodes["total"][0] == compiled.policy.title
    top = [item.id for item in compiled.policy.items]
    assert all(item_id in nodes for item_id in top)
