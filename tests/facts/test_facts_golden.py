"""The rendered diagnostics of one bad CSV file, compared as text."""

from __future__ import annotations

from assessc.diagnostics import DiagnosticBag
from assessc.diagnostics.render import render_text
from assessc.facts import load_facts

BAD_CSV = """\
id,missing_docs,stability_rank,pass_rate,summary_done,level,oath_evidence,备注
南宁,0,3,98%,是,优秀,名单；图片,
柳州,-1,15,105,也许,最好,名单、照片,x
桂林,1.5,2,,否,good,,
南宁,1,1,90,是,fair,,
"""

EXPECTED = """\
bad.csv:3:4: D0604 entity `柳州`: fact `missing_docs` is `-1`, outside its range
  |
3 | 柳州,-1,15,105,也许,最好,名单、照片,x
  |      ^^
   = help: allowed: a whole number of at least 0

bad.csv:3:7: D0604 entity `柳州`: fact `stability_rank` is `15`, outside its range
  |
3 | 柳州,-1,15,105,也许,最好,名单、照片,x
  |         ^^
   = help: allowed: a rank (whole number) from 1 to 14

bad.csv:3:10: D0604 entity `柳州`: fact `pass_rate` is `105`, outside its range
  |
3 | 柳州,-1,15,105,也许,最好,名单、照片,x
  |            ^^^
   = help: allowed: a percentage from 0% to 100% (`95` and `95%` both mean 95%)

bad.csv:3:14: D0603 entity `柳州`: fact `summary_done` is `也许`, not yes or no
  |
3 | 柳州,-1,15,105,也许,最好,名单、照片,x
  |                ^^^^
   = help: allowed: yes/no (true, false, 1, 0, 是, 否)

bad.csv:3:17: D0605 entity `柳州`: fact `level` is `最好`, not one of its values
  |
3 | 柳州,-1,15,105,也许,最好,名单、照片,x
  |                     ^^^^
   = help: allowed: one of excellent, good, fair; their labels also work: 优秀, 良好, 一般

bad.csv:3:20: D0605 entity `柳州`: fact `oath_evidence` lists `照片`, which is not one of its items
  |
3 | 柳州,-1,15,105,也许,最好,名单、照片,x
  |                          ^^^^^^^^^^
   = help: allowed: a list of 名单, 图片 (separated by `;`); their labels also work: 宣誓人员名单, 活动图片; leave the cell empty when none was submitted

bad.csv:4:4: D0603 entity `桂林`: fact `missing_docs` is `1.5`, not a whole number
  |
4 | 桂林,1.5,2,,否,good,,
  |      ^^^
   = help: allowed: a whole number of at least 0

bad.csv:4:10: D0602 entity `桂林`: fact `pass_rate` is blank
  |
4 | 桂林,1.5,2,,否,good,,
  |            ^
   = help: allowed: a percentage from 0% to 100% (`95` and `95%` both mean 95%)

bad.csv:5:1: D0606 entity `南宁` appears twice, in row 2 and row 5
  |
5 | 南宁,1,1,90,是,fair,,
  | ^^^^
   = note: bad.csv:2:1: `南宁` first appears here
   = help: give each entity one row, or tell the two apart by their ids"""


def test_rendered_diagnostics_of_a_bad_csv(tmp_path, monkeypatch, facts):
    (tmp_path / "bad.csv").write_text(BAD_CSV, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    bag = DiagnosticBag()
    assert load_facts("bad.csv", facts, bag) is None
    assert "\n\n".join(render_text(d) for d in bag.sorted()) == EXPECTED
