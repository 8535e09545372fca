"""The run form in a real browser: a dependent SELECT recomputed as its source changes,
a refused value shown in place (the chosen file kept), then a file uploaded with typed
inputs, the execution's page reached and its log showing the file's content."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from podium.application import flows
from podium.common.flow.loader import parse_flow
from tests.ui.conftest import browser_log_in, screenshot

pytestmark = pytest.mark.browser
WAIT = 15_000  # ms, as the page's own default (expect's is 5 s): a loaded machine is slow

FLOW = """\
id: report
namespace: company.team
inputs:
  - {id: file, type: FILE, displayName: Data file}
  - {id: greeting, type: STRING, defaults: hello}
  - {id: copies, type: INT, min: 1, max: 5, defaults: 1}
  - {id: cloud, type: SELECT, values: [aws, gcp], description: Where it runs}
  - id: region
    type: SELECT
    dependsOn: {inputs: [cloud]}
    expression: "{{ inputs.cloud == 'aws' ? ['us-east-1', 'eu-west-1'] : ['europe-west1'] }}"
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.greeting }} x{{ inputs.copies }} in {{ inputs.region }}: {{ read(inputs.file) }}"
"""


def wait_settled(page) -> None:
    """htmx gives swapped-in fields their handlers when it settles (20 ms after the swap):
    a change made before then sends nothing. A person is never that fast; a test is."""
    page.wait_for_function(
        "() => document.querySelector('#run-fields.htmx-settling, .htmx-request') === null",
        timeout=WAIT)


def test_a_flow_runs_from_its_form_with_a_file(runtime, browser_page, live, tmp_path):
    flows.deploy(runtime, parse_flow(FLOW))
    data = tmp_path / "data.txt"
    data.write_text("forty-two rows")
    page = browser_page
    browser_log_in(page, live)
    page.wait_for_url(re.compile(r".*/ui/dashboard"))  # the home page
    page.goto(f"{live}/ui/flows")
    page.click("a.run-link")
    page.wait_for_url(f"{live}/ui/flows/company.team/report/run")
    assert page.input_value("#input-greeting") == "hello"

    page.set_input_files("#input-file", str(data))
    page.select_option("#input-cloud", "aws")
    region = page.locator("#input-region option")
    expect(region).to_have_text(["—", "us-east-1", "eu-west-1"], timeout=WAIT)
    wait_settled(page)
    page.select_option("#input-cloud", "gcp")
    expect(region).to_have_text(["—", "europe-west1"], timeout=WAIT)
    wait_settled(page)
    page.select_option("#input-region", "europe-west1")
    page.fill("#input-greeting", "hi")
    page.fill("#input-copies", "9")
    page.click("#run-submit")
    expect(page.locator("#error-copies")).to_contain_text("less than `5`", timeout=WAIT)
    assert page.url.endswith("/run")  # refused in place: nothing started
    screenshot(page, "flow-run")

    page.fill("#input-copies", "2")
    assert page.eval_on_selector("#input-file", "e => e.files[0].name") == "data.txt"
    page.click("#run-submit")
    page.wait_for_url(re.compile(r".*/ui/executions/company\.team/report/\w+$"))
    expect(page.locator("#execution-state")).to_have_text("SUCCESS", timeout=30_000)
    page.click("#execution-tabs >> text=Logs")  # the log lines are on the Logs tab
    expect(page.locator("#log-lines")).to_contain_text("hi x2 in europe-west1: forty-two rows",
                                                       timeout=WAIT)
