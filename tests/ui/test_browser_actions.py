"""The execution page's actions in a real headless Chromium: kill a running execution and
see it KILLED, restart it and see it run again; resume a paused one through its onResume
form and see the value reach the next task; replay from a task run and land on the new
execution; approve an Approval; add a label to an ended one."""

from __future__ import annotations

import pytest

from podium.application import executions, flows, logs
from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from tests.ui.conftest import browser_log_in, screenshot
from tests.ui.test_actions_http import FAILING, SLEEPY
from tests.waiting import wait_for

pytestmark = pytest.mark.browser

APPROVAL = """\
id: vacation
namespace: company.team
description: A request waits for a manager's answer.
tasks:
  - id: ask
    type: io.kestra.plugin.core.log.Log
    message: Holiday request sent
  - id: decide
    type: io.kestra.plugin.core.flow.Pause
    description: Approve the request, and say why.
    onResume:
      - id: approved
        type: BOOLEAN
        defaults: true
      - id: reason
        type: STRING
        description: Shown to the employee
      - id: days
        type: INT
        defaults: 5
  - id: tell
    type: io.kestra.plugin.core.log.Log
    message: "Request answered: {{ outputs.decide.onResume.reason }} ({{ outputs.decide.onResume.days }} days)"
"""

REPORT = """\
id: report
namespace: company.team
labels:
  team: data
inputs:
  - id: region
    type: SELECT
    values: [eu, us]
  - id: token
    type: SECRET
  - id: rows
    type: FILE
tasks:
  - id: count
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.region }}"
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: done
"""


def deploy(runtime, source: str) -> None:
    flows.deploy(runtime, parse_flow(source))


def open_page(page, live: str, execution) -> None:
    browser_log_in(page, live)
    page.wait_for_url(f"{live}/ui/dashboard")  # the home page
    page.goto(f"{live}/ui/executions/{execution.namespace}/{execution.flow_id}/{execution.id}")


def state_is(page, state: str) -> None:
    page.wait_for_function(
        f"document.getElementById('execution-state').innerText === '{state}'",
        timeout=30_000)


def test_kill_a_running_execution_then_restart_it(runtime, browser_page, live):
    deploy(runtime, SLEEPY)
    execution = executions.submit(runtime, "company.team", "sleepy")
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())  # "Kill this execution?"
    open_page(page, live, execution)
    state_is(page, "RUNNING")
    assert page.locator("#action-restart").count() == 0
    page.click("#action-kill")
    page.wait_for_url("**?notice=kill")
    state_is(page, "KILLED")  # the live part follows the kill to its end
    assert page.locator("#action-kill").count() == 0
    page.click("#action-restart")  # offered once it has ended
    page.wait_for_url("**?notice=restart")
    state_is(page, "RUNNING")
    assert executions.get(runtime, execution.id).attempt_number == 2
    page.wait_for_selector("#action-kill")
    page.click("#action-kill")
    state_is(page, "KILLED")


def test_resume_a_paused_execution_with_its_inputs(runtime, browser_page, live):
    deploy(runtime, APPROVAL)
    execution = executions.submit(runtime, "company.team", "vacation")
    wait_for(lambda: executions.get(runtime, execution.id).state is State.PAUSED,
             what="the pause")
    page = browser_page
    open_page(page, live, execution)
    form = page.locator("#resume-form")
    assert "decide" in form.locator("h2").inner_text()
    assert page.input_value("#input-days") == "5"
    page.fill("#input-reason", "enjoy <the> sun")
    page.fill("#input-days", "12")
    # The live part is refreshed each second while PAUSED; the form keeps what was typed.
    page.evaluate("""() => new Promise(done => document.body.addEventListener(
        'htmx:afterSettle', done, {once: true}))""")
    assert page.input_value("#input-reason") == "enjoy <the> sun"
    screenshot(page, "execution-resume")
    page.click("#action-resume")
    page.wait_for_url("**?notice=resume")
    state_is(page, "SUCCESS")
    assert page.locator("#resume-form").count() == 0
    messages = [line.message for line in logs.lines(runtime, execution.id)]
    assert "Request answered: enjoy <the> sun (12 days)" in messages


def test_a_resume_missing_a_required_input_says_so(runtime, browser_page, live):
    deploy(runtime, APPROVAL)
    execution = executions.submit(runtime, "company.team", "vacation")
    wait_for(lambda: executions.get(runtime, execution.id).state is State.PAUSED,
             what="the pause")
    page = browser_page
    open_page(page, live, execution)
    # The browser checks `required` itself; take it away to see the server's answer.
    page.evaluate("document.getElementById('input-reason').required = false")
    page.click("#action-resume")
    message = page.locator("#resume-message .error")
    message.wait_for()
    assert "reason" in message.inner_text()
    assert executions.get(runtime, execution.id).state is State.PAUSED


def test_an_ended_execution_with_labels_and_inputs(runtime, browser_page, live):
    deploy(runtime, REPORT)
    created = executions.submit(runtime, "company.team", "report",
                                {"region": "eu", "token": "not-for-eyes",
                                 "rows": b"id,amount\n1,10\n"})
    execution = executions.wait(runtime, created.id, timeout=60)
    page = browser_page
    open_page(page, live, execution)
    state_is(page, "SUCCESS")
    page.fill("#label-add input[name=key]", "owner")
    page.fill("#label-add input[name=value]", "finance")
    page.click("#label-add button")
    page.wait_for_url("**?notice=labels")
    labels = page.locator("#execution-labels ul").inner_text()
    assert "owner:finance" in labels and "team:data" in labels
    inputs = page.locator("#execution-inputs").inner_text()
    assert "eu" in inputs and "******" in inputs and "not-for-eyes" not in page.content()
    assert page.locator("#execution-inputs a.file").inner_text() == "rows.upl"
    screenshot(page, "execution")


def test_replay_from_a_task_run_goes_to_the_new_execution(runtime, browser_page, live):
    deploy(runtime, FAILING)
    failed = executions.wait(runtime, executions.submit(runtime, "company.team", "failing").id,
                             timeout=60)
    page = browser_page
    open_page(page, live, failed)
    state_is(page, "FAILED")
    page.locator("#task-runs tr", has_text="boom").locator("text=Replay from here").click()
    page.wait_for_url(lambda url: failed.id not in url)
    new_id = page.url.rsplit("/", 1)[-1]
    state_is(page, "FAILED")  # it ran `boom` again, and failed again
    assert page.locator("#execution-parent a").inner_text().endswith(failed.id)
    assert executions.get(runtime, new_id).parent_id == failed.id


def test_approve_a_waiting_approval(runtime, browser_page, live):
    deploy(runtime, """\
id: spend
namespace: company.team
tasks:
  - id: review
    type: io.kestra.plugin.core.flow.Approval
    inputs:
      - id: budget
        type: INT
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "budget {{ outputs.review.inputs.budget }}"
""")
    execution = executions.submit(runtime, "company.team", "spend")
    wait_for(lambda: executions.get(runtime, execution.id).state is State.PAUSED,
             what="the approval to wait")
    page = browser_page
    open_page(page, live, execution)
    page.fill("#input-budget", "250")
    page.click("#action-approve")
    page.wait_for_url("**?notice=review")
    state_is(page, "SUCCESS")
    assert "budget 250" in [line.message for line in logs.lines(runtime, execution.id)]
