"""The flow editor in a real browser: write a new flow, see Podium's error appear at its
line while typing, fix it, save (revision 1), edit and save again (revision 2), see the
diff in the revisions; delete a flow after confirming."""

from __future__ import annotations

import re

import pytest

from podium.application import flows
from tests.ui.conftest import HELLO, run_flow, screenshot
from tests.ui.conftest import browser_log_in as log_in

pytestmark = pytest.mark.browser

# Line 5 names a task type Podium does not have.
WRONG = """\
id: greet
namespace: company.team
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Lag
    message: hello
"""
FIXED_LINE = "    type: io.kestra.plugin.core.log.Log"


def _open_new_flow(page, live: str) -> None:
    log_in(page, live)
    page.wait_for_url(f"{live}/ui/dashboard")  # the home page
    page.goto(f"{live}/ui/flows")
    page.click("#new-flow")
    page.wait_for_url(f"{live}/ui/flows/new")
    page.wait_for_selector("#validity.ok")  # the starting flow is valid


def test_write_a_flow_fix_its_error_save_and_see_the_diff(runtime, browser_page, live):
    from playwright.sync_api import expect  # here: browser_page has skipped without it

    page = browser_page
    _open_new_flow(page, live)
    page.fill("#source", "")
    page.click("#source")
    page.keyboard.type(WRONG)
    # Retried until the answer for the whole text is shown (an answer for part of it,
    # after a pause in the typing, may come first).
    problem = page.locator("#problems li")
    expect(problem).to_have_text([re.compile(
        r"^line 5, column 5: at tasks\[0\]\.type: unknown task type "
        r"'io\.kestra\.plugin\.core\.log\.Lag'")])
    marked = page.locator("#gutter span.marked")
    expect(marked).to_have_text(["5"])
    screenshot(page, "flow-editor")

    problem.click()  # selects line 5, which the typing then replaces
    page.keyboard.type(FIXED_LINE)
    page.wait_for_selector("#validity.ok")
    assert problem.count() == 0 and marked.count() == 0
    page.click("#save")
    page.wait_for_url(f"{live}/ui/flows/company.team/greet/edit?saved=1")
    assert page.locator("#saved-notice").inner_text() == "Saved revision 1"
    assert flows.revision(runtime, "company.team", "greet").revision == 1

    page.fill("#source", WRONG.replace("Lag", "Log").replace("hello", "hello again"))
    page.click("#save")
    page.wait_for_url(f"{live}/ui/flows/company.team/greet/edit?saved=2")
    assert page.locator("#saved-notice").inner_text() == "Saved revision 2"

    page.click("#flow-tabs >> text=Revisions")
    page.wait_for_url(f"{live}/ui/flows/company.team/greet/revisions")
    assert page.locator("#revisions tbody tr").count() == 2
    assert page.locator("#diff .diff-removed").all_inner_texts() == ["-    message: hello"]
    assert page.locator("#diff .diff-added").all_inner_texts() == ["+    message: hello again"]
    screenshot(page, "flow-revisions")


def test_a_refused_save_shows_the_problem_on_the_page(runtime, browser_page, live):
    run_flow(runtime)
    page = browser_page
    _open_new_flow(page, live)
    page.fill("#source", HELLO)  # hello exists already
    page.wait_for_selector("#validity.ok")
    page.click("#save")
    page.wait_for_selector("#problems li")
    assert page.locator("#problems li").inner_text() == "at id: Flow id already exists"
    assert page.input_value("#source") == HELLO


def test_deleting_a_flow_asks_first(runtime, browser_page, live):
    run_flow(runtime)
    page = browser_page
    log_in(page, live)
    page.wait_for_url(f"{live}/ui/dashboard")  # the home page
    page.goto(f"{live}/ui/flows/company.team/hello/edit")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("#delete-flow")
    assert flows.revision(runtime, "company.team", "hello").revision == 1
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#delete-flow")
    page.wait_for_url(f"{live}/ui/flows")
    assert flows.search(runtime) == []
