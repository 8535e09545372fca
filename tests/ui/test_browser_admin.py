"""The triggers, namespaces and services pages in a real headless Chromium, with real
data: a flow with a Schedule trigger (disabled from the page), a namespace file (edited
in the page's editor), a KV pair, the embedded runtime's services."""

from __future__ import annotations

import io

import pytest

from podium.application import kv, namespace_files
from podium.application import triggers as control
from podium.common.heartbeat import new_instance
from podium.common.kv import KVType, KVValue
from podium.common.store.services import beat
from tests.ui.admin_data import KEY, deploy_nightly, scheduling_runtime
from tests.ui.conftest import browser_log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def runtime(tmp_path):
    with scheduling_runtime(tmp_path) as runtime:
        yield runtime


def logged_in(page, live: str, path: str):
    browser_log_in(page, live)
    page.wait_for_url(f"{live}/ui/dashboard")  # the home page
    page.goto(f"{live}/ui{path}")
    return page


def test_a_trigger_is_disabled_from_the_triggers_page(runtime, browser_page, live):
    deploy_nightly(runtime)
    page = logged_in(browser_page, live, "/triggers")
    row = page.locator('tr[data-trigger="company.team/nightly/every-night"]')
    assert "enabled" in row.locator("td.status").inner_text()
    assert "Schedule" in row.inner_text()
    screenshot(page, "triggers")
    row.locator('button[data-action="disable"]').click()
    page.wait_for_selector("text=Trigger disabled.")
    assert "disabled" in row.locator("td.status").inner_text()
    assert control.get(runtime, KEY).disabled is True
    row.locator('button[data-action="enable"]').click()
    page.wait_for_selector("text=Trigger enabled.")
    assert control.get(runtime, KEY).disabled is False


def test_a_backfill_is_started_from_its_form(runtime, browser_page, live):
    deploy_nightly(runtime)
    control.set_disabled(runtime, KEY, True)  # so the backfill stays for the page to show
    page = logged_in(browser_page, live, "/triggers")
    page.click("details.backfill-form summary")
    page.fill("input[name=start]", "2026-01-01T00:00")
    page.fill("textarea[name=labels]", "origin=browser")
    page.click('button[data-action="backfill"]')
    page.wait_for_selector("text=Backfill started")
    assert control.get(runtime, KEY).backfill["labels"] == {"origin": "browser"}
    page.click('button[data-action="backfill/delete"]')
    page.wait_for_selector("text=Backfill deleted.")
    assert control.get(runtime, KEY).backfill is None


def test_a_namespace_file_is_edited_in_the_page(runtime, browser_page, live):
    namespace_files.write(runtime, "company.team", "scripts/etl.py", io.BytesIO(b"print('v1')\n"))
    page = logged_in(browser_page, live, "/namespaces?q=company.team")
    page.click('tr.open-any a:text("files")')
    page.click("text=scripts/")
    page.click("text=etl.py")
    editor = page.locator("textarea.editor")
    assert editor.input_value() == "print('v1')\n"
    screenshot(page, "namespace-files")
    editor.fill("print('v2')\nprint('<done>')\n")
    page.click("#editor button[type=submit]")
    page.wait_for_selector("text=File saved.")
    stream, _ = namespace_files.open_file(runtime, "company.team", "scripts/etl.py")
    with stream:
        assert stream.read() == b"print('v2')\nprint('<done>')\n"
    assert page.locator("textarea.editor").input_value() == "print('v2')\nprint('<done>')\n"


def test_a_traversal_is_refused_on_the_page(runtime, browser_page, live):
    page = logged_in(browser_page, live, "/namespaces/company.team/files")
    page.fill("#write-file input[name=path]", "../escape.txt")
    page.fill("#write-file textarea[name=content]", "x")
    page.click("#write-file button[type=submit]")
    assert "Unsafe path refused" in page.locator("p.error").inner_text()
    assert runtime.storage.list("kestra:///company") == []


def test_kv_pairs_are_listed_and_set_in_the_page(runtime, browser_page, live):
    kv.put(runtime, "company.team", "region", KVValue(KVType.STRING, "eu-west"), ttl="PT12H")
    page = logged_in(browser_page, live, "/namespaces/company.team/kv")
    assert page.locator('tr[data-key="region"]').inner_text().count("STRING") == 1
    page.fill("#kv-set input[name=key]", "retries")
    page.select_option("#kv-set select[name=type]", "NUMBER")
    page.fill("#kv-set textarea[name=value]", "5")
    page.click("#kv-set button[type=submit]")
    page.wait_for_selector("text=Key saved.")
    assert kv.get(runtime, "company.team", "retries").value == 5
    assert "eu-west" not in page.content()
    screenshot(page, "namespace-kv")


def test_the_services_page_shows_the_embedded_runtime(runtime, browser_page, live):
    page = logged_in(browser_page, live, "/services")
    for kind in ("executor", "worker", "scheduler"):
        assert page.locator(f"#services-{kind} tr[data-service^='{kind}@']").count() == 1
    worker = page.locator("#services-worker tr[data-service^='worker@']")
    assert "idle" in worker.inner_text()
    screenshot(page, "services")
    # The live part is fetched again each second: a new heartbeat row shows up in place.
    page.evaluate("window.notReloaded = true")
    instance = new_instance("executor")
    with runtime.db.begin() as conn:
        beat(conn, instance)
    page.wait_for_selector(f"tr[data-service='{instance.id}']")
    assert page.evaluate("window.notReloaded") is True
