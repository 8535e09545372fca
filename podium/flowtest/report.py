"""How test results are shown: one line per case as it ends, the failures in detail, a
summary; and JUnit XML for CI (one <testsuite> per test file, one <testcase> per case)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from podium.flowtest.runner import CaseResult, Status

_MARKS = {Status.PASSED: "PASS ", Status.FAILED: "FAIL ", Status.ERROR: "ERROR",
          Status.SKIPPED: "SKIP "}

_COUNTED = {Status.PASSED: "passed", Status.FAILED: "failed", Status.ERROR: "error(s)",
            Status.SKIPPED: "skipped"}


def case_line(result: CaseResult) -> str:
    """`PASS  suite / case  (1.23s)` and, for a failure or an error, why (indented)."""
    line = f"{_MARKS[result.status]}  {result.name}  ({result.seconds:.2f}s)"
    if result.status is Status.FAILED:
        details = [f"    {text}" for failure in result.failures
                   for text in failure.explain().splitlines()]
        state = f"    (execution ended {result.execution_state}; {len(result.failures)} of " \
                f"{result.assertions} assertion(s) failed, in {result.suite.path})"
        return "\n".join([line, *details, state])
    if result.status is Status.ERROR:
        return "\n".join([line, *(f"    {text}" for text in (result.error or "").splitlines())])
    return line


def summary(results: list[CaseResult], problems: list[str], seconds: float) -> str:
    counts = Counter(result.status for result in results)
    parts = [f"{counts[status]} {_COUNTED[status]}" for status in Status if counts[status]]
    if problems:
        parts.append(f"{len(problems)} file problem(s)")
    return f"{', '.join(parts) or 'nothing run'} in {seconds:.2f}s"


def succeeded(results: list[CaseResult], problems: list[str]) -> bool:
    return not problems and all(r.status in (Status.PASSED, Status.SKIPPED) for r in results)


def write_junit(path: Path, results: list[CaseResult], problems: list[str]) -> None:
    root = ET.Element("testsuites", name="podium flow test")
    by_file: dict[Path, list[CaseResult]] = {}
    for result in results:
        by_file.setdefault(result.suite.path, []).append(result)
    for file, cases in by_file.items():
        _suite_element(root, file, cases)
    if problems:  # files that could not be read or tested: errors CI must show
        suite = ET.SubElement(root, "testsuite", name="test files", tests=str(len(problems)),
                              failures="0", errors=str(len(problems)), skipped="0")
        for index, problem in enumerate(problems, 1):
            case = ET.SubElement(suite, "testcase", name=f"problem {index}",
                                 classname="test files")
            ET.SubElement(case, "error", message=problem.splitlines()[0]).text = problem
    counts = Counter(result.status for result in results)
    root.set("tests", str(len(results) + len(problems)))
    root.set("failures", str(counts[Status.FAILED]))
    root.set("errors", str(counts[Status.ERROR] + len(problems)))
    root.set("skipped", str(counts[Status.SKIPPED]))
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _suite_element(root: ET.Element, file: Path, cases: list[CaseResult]) -> None:
    counts = Counter(result.status for result in cases)
    first = cases[0].suite.model
    suite = ET.SubElement(root, "testsuite", name=first.id, file=str(file),
                          tests=str(len(cases)), failures=str(counts[Status.FAILED]),
                          errors=str(counts[Status.ERROR]), skipped=str(counts[Status.SKIPPED]),
                          time=f"{sum(r.seconds for r in cases):.3f}")
    for result in cases:
        case = ET.SubElement(suite, "testcase", name=result.case_id, classname=first.id,
                             file=str(file), time=f"{result.seconds:.3f}")
        if result.status is Status.FAILED:
            text = "\n".join(failure.explain() for failure in result.failures)
            ET.SubElement(case, "failure", message=result.failures[0].explain().splitlines()[0],
                          type="AssertionFailed").text = text
        elif result.status is Status.ERROR:
            error = result.error or "error"
            ET.SubElement(case, "error", message=error.splitlines()[0]).text = error
        elif result.status is Status.SKIPPED:
            ET.SubElement(case, "skipped", message="disabled")
