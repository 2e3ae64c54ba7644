"""Write the outcome of ``assessc test`` as JUnit XML, for CI servers.

The document follows the common JUnit schema (Jenkins' ``junit-10.xsd``, which
GitLab, Azure DevOps and most CI servers read): one ``<testsuite>`` per case
file (``name`` and ``file`` are its path), one ``<testcase>`` per case
(``classname`` is the policy's name, ``name`` the case's; its ``<system-out>``
says where it is written, ``FILE:LINE``). A failed case holds a ``<failure>``
with the diff table and the explanations; a case that could not run holds an
``<error>`` with its diagnostics. A case file that could not be loaded at all
is one ``<testcase>`` named after the file, holding an ``<error>``. Diagnostics
of a file go into its suite's ``<system-err>``. The counts are the ones the
summary line reports (:func:`assessc.testing.runner.tally`).

Every string is made safe for XML 1.0: a control character that XML cannot hold
even escaped becomes its visible Unicode "control picture" (U+0007 becomes
``␇``), and any other character XML forbids becomes U+FFFD.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Sequence

from assessc.diagnostics import Diagnostic
from assessc.diagnostics.render import render_text
from assessc.testing.runner import (ERROR, FAIL, NOT_FOUND, FileOutcome, Tally, control_picture, failure_text,
                                    tally)

# characters that XML 1.0 cannot hold, even escaped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _visible(match: re.Match) -> str:
    ch = match.group()
    return control_picture(ch) if ch < " " else "\ufffd"


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 forbids replaced visibly."""
    return _NOT_XML.sub(_visible, text)


def _diagnostics_text(diagnostics: Sequence[Diagnostic]) -> str:
    return "\n".join(render_text(d) for d in diagnostics)


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _counts(element: ET.Element, counts: Tally) -> None:
    element.set("tests", str(counts.tests))
    element.set("failures", str(counts.failures))
    element.set("errors", str(counts.errors))


def _suite(root: ET.Element, outcome: FileOutcome) -> float:
    """The suite of one case file; returns its time."""
    suite = ET.SubElement(root, "testsuite", name=str(outcome.path))
    classname = outcome.policy_name or outcome.path.name.removesuffix(".cases.toml")
    seconds = 0.0
    if not outcome.loaded:
        case = ET.SubElement(suite, "testcase", classname=classname, name=outcome.path.name, time=_seconds(0))
        element = ET.SubElement(case, "error", message="the case file has errors; no case ran", type="case-file")
        element.text = _diagnostics_text([d for d in outcome.diagnostics if d.is_error])
    for case_outcome in outcome.cases if outcome.loaded else ():
        seconds += case_outcome.seconds
        case = ET.SubElement(suite, "testcase", classname=classname, name=case_outcome.name,
                             time=_seconds(case_outcome.seconds))
        if case_outcome.status == FAIL:
            count = len(case_outcome.mismatches)
            checked = len(case_outcome.case.expectations)
            element = ET.SubElement(case, "failure", type="mismatch",
                                    message=f"{count} of {checked} expected value{'s' if checked != 1 else ''} differ{'s' if count == 1 else ''}")
            element.text = failure_text(case_outcome)
        elif case_outcome.status == ERROR:
            element = ET.SubElement(case, "error", type="case",
                                    message=case_outcome.diagnostics[0].message if case_outcome.diagnostics else "not run")
            element.text = _diagnostics_text(case_outcome.diagnostics)
        if case_outcome.case.line is not None:  # the schema has no attribute for a case's place
            ET.SubElement(case, "system-out").text = f"{outcome.path}:{case_outcome.case.line}"
    if outcome.diagnostics:
        ET.SubElement(suite, "system-err").text = _diagnostics_text(outcome.diagnostics)
    _counts(suite, outcome.tally)
    suite.set("skipped", "0")
    suite.set("time", _seconds(seconds))
    suite.set("file", str(outcome.path))
    return seconds


def _make_safe(root: ET.Element) -> None:
    for element in root.iter():
        for key, value in element.attrib.items():
            element.set(key, xml_safe(value))
        if element.text:
            element.text = xml_safe(element.text)


def junit_xml(outcomes: Sequence[FileOutcome], extra: Sequence[Diagnostic] = ()) -> bytes:
    """The JUnit XML document of ``outcomes``; ``extra`` are diagnostics of no case file
    (a path that names none), reported as one erroring test case."""
    root = ET.Element("testsuites", name="assessc test")
    seconds = sum(_suite(root, outcome) for outcome in outcomes)
    if extra:
        suite = ET.SubElement(root, "testsuite", name="assessc test")
        _counts(suite, NOT_FOUND)
        suite.set("skipped", "0")
        suite.set("time", _seconds(0))
        case = ET.SubElement(suite, "testcase", classname="assessc", name="finding case files", time=_seconds(0))
        element = ET.SubElement(case, "error", type="case-file", message=extra[0].message)
        element.text = _diagnostics_text(extra)
    _counts(root, tally(outcomes, bool(extra)))
    root.set("time", _seconds(seconds))
    _make_safe(root)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
