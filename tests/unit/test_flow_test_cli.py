"""`podium flow test PATH...` through the CLI, embedded: the examples pass, a failing
assertion prints a readable diff, fixtures keep their task's body from running, JUnit XML
is written, and broken test files are errors that name the file and line."""

from __future__ import annotations

import textwrap
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from click.testing import CliRunner

from podium.cli import main
from podium.worker.run_context import RunContext

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
FAILING = ROOT / "tests" / "fixtures" / "flowtest"


def invoke(*args: str):
    return CliRunner().invoke(main, ["flow", "test", *args])


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_the_examples_pass_and_the_junit_report_lists_every_case(tmp_path):
    report = tmp_path / "out" / "report.xml"
    result = invoke(str(EXAMPLES), "--junit", str(report), "--parallel", "3")
    assert result.exit_code == 0, result.output
    for case in ("hello-tests / greets_the_default_user",
                 "hello-tests / shout_replaced_by_a_fixture",
                 "service-status-tests / reports_the_status_it_reads",
                 "service-status-tests / fails_when_the_service_fails"):
        assert f"PASS   {case}" in result.output
    assert "4 passed in" in result.output
    root = ET.parse(report).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "0", "0")
    suites = {suite.get("name"): [case.get("name") for case in suite.iter("testcase")]
              for suite in root.iter("testsuite")}
    assert suites == {"hello-tests": ["greets_the_default_user", "shout_replaced_by_a_fixture"],
                      "service-status-tests": ["reports_the_status_it_reads",
                                               "fails_when_the_service_fails"]}


def test_a_failing_assertion_shows_case_location_expression_expected_and_actual(tmp_path):
    report = tmp_path / "report.xml"
    result = invoke(str(FAILING), "--junit", str(report))
    assert result.exit_code == 1
    out = result.output
    assert "FAIL   hello-failing / wrong_greeting" in out
    assert ("wrong_greeting, assertion 2 (" in out and "failing.yaml:13:9): "
            "{{ tasks.greet.logs }} equalTo  (the greeting names the user)" in out)
    assert '  expected: "Hello, Grace!"\n' in out
    assert '  actual:   "Hello, ada!"\n' in out
    # A map differs line by line.
    assert '-   "user": "grace"' in out and '+   "user": "ada"' in out
    # Assertion 1 holds: it is not listed.
    assert "assertion 1" not in out
    assert "2 of 3 assertion(s) failed" in out
    assert "1 failed in" in out
    failure = ET.parse(report).getroot().find("testsuite/testcase/failure")
    assert failure is not None and 'actual:   "Hello, ada!"' in (failure.text or "")


CALLING_FLOW = """
id: caller
namespace: company.team
inputs:
  - id: url
    type: STRING
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "{{ inputs.url }}"
  - id: extract
    type: io.kestra.plugin.core.debug.Return
    format: never used
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "body={{ outputs.call.body }} file={{ read(outputs.extract.outputFiles['data.csv']) }}"
"""


@contextmanager
def counting_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server answering `real` to GET; the paths it was asked, in order."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"real")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_a_fixtured_task_does_not_run_and_gives_its_outputs_and_files(tmp_path, monkeypatch):
    # The CLI gives http tasks the process's http settings (here: loopback allowed);
    # RunContext.http is put back after the test.
    monkeypatch.setattr(RunContext, "http", RunContext.http)
    monkeypatch.setenv("PODIUM_HTTP__ALLOW_PRIVATE", "true")
    write(tmp_path, "caller.yaml", CALLING_FLOW)
    with counting_server() as (url, hits):
        write(tmp_path, "caller-test.yaml", f"""
            id: caller-tests
            namespace: company.team
            flowId: caller
            testCases:
              - id: fixtured
                fixtures:
                  inputs: {{url: "{url}/fixtured"}}
                  tasks:
                    - id: call
                      outputs: {{body: fake, code: 200}}
                    - id: extract
                      files: {{data.csv: "a,b"}}
                assertions:
                  - value: "{{{{ logs }}}}"
                    contains: "body=fake file=a,b"
                  - value: "{{{{ tasks.call.state }}}}"
                    equalTo: SUCCESS
              - id: not_fixtured
                fixtures:
                  inputs: {{url: "{url}/real"}}
                  tasks:
                    - id: extract
                      files: {{data.csv: "x"}}
                assertions:
                  - value: "{{{{ logs }}}}"
                    contains: "body=real file=x"
        """)
        result = invoke(str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "2 passed" in result.output
    # The same flow without the fixture calls the server; with it, never (both executions
    # ended before the command returned).
    assert hits == ["/real"]


def test_a_fixture_can_fail_its_task_and_allow_failure_still_applies(tmp_path):
    write(tmp_path, "flow.yaml", """
        id: tolerant
        namespace: company.team
        tasks:
          - id: flaky
            type: io.kestra.plugin.core.log.Log
            message: real body
            allowFailure: true
          - id: after
            type: io.kestra.plugin.core.log.Log
            message: after
    """)
    write(tmp_path, "test.yaml", """
        id: tolerant-tests
        namespace: company.team
        flowId: tolerant
        testCases:
          - id: flaky_fails
            fixtures:
              tasks:
                - id: flaky
                  state: FAILED
            assertions:
              - value: "{{ state }}"
                equalTo: WARNING
              - value: "{{ tasks.flaky.logs }}"
                notContains: real body
              - value: "{{ task.state }}"
                taskId: after
                equalTo: SUCCESS
    """)
    result = invoke(str(tmp_path))
    assert result.exit_code == 0, result.output


def test_a_fixture_naming_no_task_is_an_error_with_a_suggestion(tmp_path):
    write(tmp_path, "flow.yaml", """
        id: f
        namespace: company.team
        tasks:
          - id: fetch
            type: io.kestra.plugin.core.log.Log
            message: hi
    """)
    write(tmp_path, "test.yaml", """
        id: f-tests
        namespace: company.team
        flowId: f
        testCases:
          - id: typo
            fixtures:
              tasks:
                - id: fetsh
            assertions:
              - value: "{{ state }}"
                equalTo: SUCCESS
    """)
    result = invoke(str(tmp_path))
    assert result.exit_code == 1
    assert "ERROR  f-tests / typo" in result.output
    assert "test.yaml:6:5: case 'typo'" in result.output
    assert "fixture for task 'fetsh': flow company.team.f has no such task (did you mean " \
           "'fetch'?)" in result.output
    assert "1 error(s) in" in result.output


def test_broken_test_files_are_reported_with_their_line_and_nothing_else_hides_them(tmp_path):
    write(tmp_path, "flow.yaml", """
        id: f
        namespace: company.team
        tasks:
          - id: t
            type: io.kestra.plugin.core.log.Log
            message: hi
    """)
    write(tmp_path, "unknown-key.yaml", """
        id: a
        namespace: company.team
        flowId: f
        testCases:
          - id: c
            asertions: []
    """)
    write(tmp_path, "no-flow.yaml", """
        id: b
        namespace: company.team
        flowId: missing
        testCases:
          - id: c
            assertions:
              - value: x
                equalTo: x
    """)
    write(tmp_path, "no-operator.yaml", """
        id: c
        flow: flow.yaml
        testCases:
          - id: c
            assertions:
              - value: x
    """)
    report = tmp_path / "report.xml"
    result = invoke(str(tmp_path), "--junit", str(report))
    assert result.exit_code == 1
    assert "unknown-key.yaml: line 7, column 5, at testCases[0].asertions" in result.output
    assert "no-flow.yaml:4:1: flow company.team.missing not found" in result.output
    assert "no-operator.yaml: line 7, column 9, at testCases[0].assertions[0]: " \
           "an assertion needs an operator" in result.output
    assert "3 file problem(s)" in result.output
    root = ET.parse(report).getroot()
    assert root.get("errors") == "3"


def test_a_disabled_case_is_skipped(tmp_path):
    write(tmp_path, "flow.yaml", """
        id: f
        namespace: company.team
        tasks:
          - id: t
            type: io.kestra.plugin.core.log.Log
            message: hi
    """)
    write(tmp_path, "test.yaml", """
        id: f-tests
        flow: flow.yaml
        testCases:
          - id: off
            disabled: true
            assertions:
              - value: "{{ state }}"
                equalTo: FAILED
    """)
    result = invoke(str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "SKIP   f-tests / off" in result.output


def test_bad_inputs_and_a_timeout_are_errors_of_their_case_only(tmp_path):
    write(tmp_path, "flow.yaml", """
        id: f
        namespace: company.team
        inputs:
          - id: n
            type: INT
        tasks:
          - id: wait
            type: io.kestra.plugin.core.flow.Sleep
            duration: "{{ inputs.n == 0 ? 'PT0S' : 'PT60S' }}"
    """)
    write(tmp_path, "test.yaml", """
        id: t
        flow: flow.yaml
        testCases:
          - id: bad_input
            fixtures: {inputs: {n: abc}}
            assertions: [{value: "{{ state }}", equalTo: SUCCESS}]
          - id: too_slow
            fixtures: {inputs: {n: 1}}
            assertions: [{value: "{{ state }}", equalTo: SUCCESS}]
          - id: quick
            fixtures: {inputs: {n: 0}}
            assertions: [{value: "{{ state }}", equalTo: SUCCESS}]
    """)
    result = invoke(str(tmp_path), "--timeout", "2", "--parallel", "3")
    assert result.exit_code == 1
    assert "ERROR  t / bad_input" in result.output
    assert "Invalid input `n`: expected INT but received `abc`" in result.output
    assert "ERROR  t / too_slow" in result.output
    assert "the execution did not end within 2s (--timeout): killed" in result.output
    assert "PASS   t / quick" in result.output
    assert "1 passed, 2 error(s) in" in result.output
