"""Write the outcome of ``assessc test`` as JUnit XML, for CI servers.

One ``<testsuite>`` per case file, one ``<testcase>`` per case (``classname``
is the policy's name, ``name`` the case's). A failed case holds a
``<failure>`` with the diff table and the explanations; a case that could not
run holds an ``<error>`` with its diagnostics. A case file that could not be
loaded at all is one ``<testcase>`` named after the file, holding an
``<error>``. Diagnostics of a file go into its suite's ``<system-err>``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Sequence

from assessc.diagnostics import Diagnostic
from assessc.diagnostics.render import render_text
from assessc.testing.runner import ERROR, FAIL, FileOutcome, failure_text

# characters that XML 1.0 cannot hold, even escaped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _diagnostics_text(diagnostics: Sequence[Diagnostic]) -> str:
    return "\n".join(render_text(d) for d in diagnostics)


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def junit_xml(outcomes: Sequence[FileOutcome], extra: Sequence[Diagnostic] = ()) -> bytes:
    """The JUnit XML document of ``outcomes``; ``extra`` are diagnostics of no case file
    (a path that names none), reported as one erroring test case."""
    root = ET.Element("testsuites", name="assessc test")
    all_tests = all_failures = all_errors = 0
    all_time = 0.0
    for outcome in outcomes:
        suite = ET.SubElement(root, "testsuite", name=str(outcome.path))
        classname = outcome.policy_name or outcome.path.name.removesuffix(".cases.toml")
        tests = failures = errors = 0
        seconds = 0.0
        if not outcome.loaded:
            tests, errors = 1, 1
            case = ET.SubElement(suite, "testcase", classname=classname, name=outcome.path.name,
                                 file=str(outcome.path), time=_seconds(0))
            element = ET.SubElement(case, "error", message="the case file has errors; no case ran", type="case-file")
            element.text = _clean(_diagnostics_text([d for d in outcome.diagnostics if d.is_error]))
        for case_outcome in outcome.cases if outcome.loaded else ():
            tests += 1
            seconds += case_outcome.seconds
            attributes = {"classname": classname, "name": case_outcome.name, "file": str(outcome.path),
                          "time": _seconds(case_outcome.seconds)}
            if case_outcome.case.line is not None:
                attributes["line"] = str(case_outcome.case.line)
            case = ET.SubElement(suite, "testcase", attributes)
            if case_outcome.status == FAIL:
                failures += 1
                count = len(case_outcome.mismatches)
                checked = len(case_outcome.case.expectations)
                element = ET.SubElement(case, "failure", type="mismatch",
                                        message=f"{count} of {checked} expected value{'s' if checked != 1 else ''} differ{'s' if count == 1 else ''}")
                element.text = _clean(failure_text(case_outcome))
            elif case_outcome.status == ERROR:
                errors += 1
                element = ET.SubElement(case, "error", type="case",
                                        message=_clean(case_outcome.diagnostics[0].message) if case_outcome.diagnostics else "not run")
                element.text = _clean(_diagnostics_text(case_outcome.diagnostics))
        if outcome.diagnostics:
            ET.SubElement(suite, "system-err").text = _clean(_diagnostics_text(outcome.diagnostics))
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        suite.set("skipped", "0")
        suite.set("time", _seconds(seconds))
        all_tests, all_failures, all_errors, all_time = all_tests + tests, all_failures + failures, all_errors + errors, all_time + seconds
    if extra:
        suite = ET.SubElement(root, "testsuite", name="assessc test", tests="1", failures="0", errors="1",
                              skipped="0", time=_seconds(0))
        case = ET.SubElement(suite, "testcase", classname="assessc", name="finding case files", time=_seconds(0))
        element = ET.SubElement(case, "error", type="case-file", message=_clean(extra[0].message))
        element.text = _clean(_diagnostics_text(extra))
        all_tests, all_errors = all_tests + 1, all_errors + 1
    root.set("tests", str(all_tests))
    root.set("failures", str(all_failures))
    root.set("errors", str(all_errors))
    root.set("time", _seconds(all_time))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
