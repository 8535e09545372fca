"""The triggers, namespaces and services pages over plain HTTP: triggers listed, toggled,
unlocked and backfilled; a namespace's files created, edited, deleted, a path leaving the
namespace refused; KV keys set, listed and deleted; the embedded runtime's services."""

from __future__ import annotations

import io

import pytest

from podium.application import executions, flows, kv, namespace_files
from podium.application import triggers as control
from podium.common.errors import NotFoundError
from podium.common.flow.loader import parse_flow
from podium.common.kv import KVType, KVValue
from podium.common.store.triggers import set_trigger_execution
from tests.ui.admin_data import KEY, WAITER, deploy_nightly, scheduling_runtime
from tests.ui.conftest import csrf_of
from tests.waiting import wait_for

ACTIONS = "/ui/triggers/company.team/nightly/every-night"


@pytest.fixture
def runtime(tmp_path):
    with scheduling_runtime(tmp_path) as runtime:
        yield runtime


def post(user, url: str, **data):
    """A form posted as the page posts it, with the session's CSRF token."""
    token = csrf_of(user.get("/ui/triggers").text)
    return user.post(url, data={"csrf_token": token, **data}, follow_redirects=False)


def test_triggers_are_listed_with_their_schedule(runtime, user):
    deploy_nightly(runtime)
    page = user.get("/ui/triggers").text
    assert "every-night" in page and "nightly" in page and "1 in all" in page
    assert ">Schedule<" in page  # the type's short name
    next_date = control.get(runtime, KEY).next_date
    assert next_date.strftime("%Y-%m-%d %H:%M:%S") in page
    assert "No trigger matches" in user.get("/ui/triggers?namespace=other").text
    assert "every-night" in user.get("/ui/triggers?namespace=company").text
    assert "No trigger matches" in user.get("/ui/triggers?flowId=hello").text
    assert "every-night" in user.get("/ui/triggers?q=NIGHT").text


def test_a_trigger_is_disabled_and_enabled_again(runtime, user):
    deploy_nightly(runtime)
    response = post(user, ACTIONS + "/disable", back="namespace=company.team")
    assert response.status_code == 303
    assert response.headers["location"] == \
        "/ui/triggers?namespace=company.team&page=1&size=25&notice=disabled"
    assert control.get(runtime, KEY).disabled is True
    page = user.get(response.headers["location"]).text
    assert "Trigger disabled." in page and "badge-off" in page and 'data-action="enable"' in page
    assert post(user, ACTIONS + "/enable").status_code == 303
    assert control.get(runtime, KEY).disabled is False


def test_an_action_without_the_csrf_token_is_refused(runtime, user):
    deploy_nightly(runtime)
    assert user.post(ACTIONS + "/disable", follow_redirects=False).status_code == 403
    assert control.get(runtime, KEY).disabled is False


def test_a_trigger_waiting_for_its_execution_is_unlocked(runtime, user):
    deploy_nightly(runtime)
    loaded = parse_flow(WAITER)
    flows.deploy(runtime, loaded)
    waiting = executions.wait(runtime, executions.submit(runtime, "company.team", "waiter").id,
                              timeout=30)
    with runtime.db.begin() as conn:  # as if the trigger had started it
        set_trigger_execution(conn, KEY, waiting.id)
    page = user.get("/ui/triggers").text
    assert "badge-locked" in page and waiting.id in page and 'data-action="unlock"' in page
    assert post(user, ACTIONS + "/unlock").status_code == 303
    assert control.get(runtime, KEY).execution_id is None
    assert "badge-locked" not in user.get("/ui/triggers").text
    refused = post(user, ACTIONS + "/unlock")  # nothing to unlock any more
    assert refused.status_code == 400 and "Trigger is not locked" in refused.text
    assert "<h1>Triggers</h1>" in refused.text


def test_a_backfill_fires_each_date_of_its_range(runtime, user):
    deploy_nightly(runtime)
    response = post(user, ACTIONS + "/backfill", start="2026-01-01T00:00",
                    end="2026-01-03T12:00", inputs="", labels="origin=ui")
    assert response.status_code == 303 and "notice=backfill-started" in response.headers["location"]

    def backfilled():
        found, total = executions.search(runtime, namespace="company.team", flow_id="nightly",
                                         limit=10, offset=0)
        return found if total == 3 else None
    found = wait_for(backfilled, what="the three backfilled executions")
    assert all(e.label_map()["origin"] == "ui" for e in found)


def test_a_backfill_is_paused_resumed_and_deleted(runtime, user):
    deploy_nightly(runtime)
    control.set_disabled(runtime, KEY, True)  # so its backfill stays in place
    post(user, ACTIONS + "/backfill", start="2026-01-01T00:00")
    assert control.get(runtime, KEY).backfill is not None
    assert post(user, ACTIONS + "/backfill/pause").status_code == 303
    assert control.get(runtime, KEY).backfill["paused"] is True
    assert "paused" in user.get("/ui/triggers").text
    assert post(user, ACTIONS + "/backfill/unpause").status_code == 303
    assert control.get(runtime, KEY).backfill["paused"] is False
    refused = post(user, ACTIONS + "/backfill", start="2026-01-02T00:00")
    assert refused.status_code == 400 and "already in progress" in refused.text
    assert post(user, ACTIONS + "/backfill/delete").status_code == 303
    assert control.get(runtime, KEY).backfill is None


@pytest.mark.parametrize("form, message", [
    (dict(start=""), "The backfill start date is missing"),
    (dict(start="2026-01-05T00:00", end="2026-01-01T00:00"), "end date is before its start"),
    (dict(start="2026-01-01T00:00", inputs="[1]"), "inputs must be a JSON object"),
    (dict(start="2026-01-01T00:00", labels="no-equals"), "A backfill label is"),
])
def test_a_bad_backfill_is_refused_with_a_message(runtime, user, form, message):
    deploy_nightly(runtime)
    response = post(user, ACTIONS + "/backfill", **form)
    assert response.status_code in (400, 422) and message in response.text
    assert "Traceback" not in response.text
    assert control.get(runtime, KEY).backfill is None


def test_an_unknown_trigger_is_a_404_on_the_page(runtime, user):
    response = post(user, "/ui/triggers/company.team/nightly/nothing/disable")
    assert response.status_code == 404 and "not found" in response.text


FILES = "/ui/namespaces/company.team/files"
KV = "/ui/namespaces/company.team/kv"


def read(runtime, path: str) -> bytes:
    stream, _ = namespace_files.open_file(runtime, "company.team", path)
    with stream:
        return stream.read()


def test_namespaces_of_flows_and_kv_are_listed(runtime, user):
    deploy_nightly(runtime)
    kv.put(runtime, "other.place", "k", KVValue(KVType.STRING, "v"))
    page = user.get("/ui/namespaces").text
    assert "company.team" in page and "other.place" in page
    assert 'href="/ui/namespaces/company.team/files"' in page
    only = user.get("/ui/namespaces?q=other").text
    assert "<td>other.place</td>" in only and "<td>company.team</td>" not in only
    # A namespace known by its files only is opened by its name.
    assert 'href="/ui/namespaces/files.only/files"' in user.get("/ui/namespaces?q=files.only").text


def test_a_namespace_file_is_created_edited_and_deleted(runtime, user):
    response = post(user, FILES + "/new", folder="scripts", name="etl.py")
    assert response.status_code == 303
    assert response.headers["location"] == f"{FILES}?file=scripts%2Fetl.py&notice=created"
    assert read(runtime, "scripts/etl.py") == b""
    refused = post(user, FILES + "/new", folder="scripts", name="etl.py")
    assert refused.status_code == 400 and "already exists" in refused.text
    saved = post(user, FILES + "/save", path="scripts/etl.py",
                 content="print('<b>hi</b>')\r\nprint(2)\r\n")
    assert saved.status_code == 303 and "notice=saved" in saved.headers["location"]
    assert read(runtime, "scripts/etl.py") == b"print('<b>hi</b>')\nprint(2)\n"
    page = user.get(saved.headers["location"]).text
    assert "File saved." in page and "print(&#39;&lt;b&gt;hi&lt;/b&gt;&#39;)" in page
    folder = user.get(FILES + "?path=scripts").text
    assert "etl.py" in folder and f"{len(read(runtime, 'scripts/etl.py'))} B" in folder
    assert "scripts/" in user.get(FILES).text  # the root lists the folder
    deleted = post(user, FILES + "/delete", path="scripts/etl.py")
    assert deleted.status_code == 303 and "notice=deleted" in deleted.headers["location"]
    assert not namespace_files.exists(runtime, "company.team", "scripts/etl.py")


@pytest.mark.parametrize("route, form", [
    ("/save", dict(path="../escape.txt", content="x")),
    ("/save", dict(path="a/../../escape.txt", content="x")),
    ("/new", dict(folder="..", name="escape.txt")),
    ("/new", dict(folder="", name="../escape.txt")),
    ("/delete", dict(path="../other/_files/a.txt")),
])
def test_a_path_leaving_the_namespace_is_refused(runtime, user, route, form):
    response = post(user, FILES + route, **form)
    assert response.status_code == 422
    assert "Unsafe path refused" in response.text and "Traceback" not in response.text
    assert "<h1>company.team</h1>" in response.text  # the files page, with the message
    assert runtime.storage.list("kestra:///company") == []


def test_opening_a_traversal_or_a_missing_file_shows_a_message(runtime, user):
    response = user.get(FILES + "?file=../../etc/passwd")
    assert response.status_code == 422 and "Unsafe path refused" in response.text
    missing = user.get(FILES + "?file=nothing.txt")
    assert missing.status_code == 404 and "<h1>company.team</h1>" in missing.text


def test_a_binary_file_is_not_opened_in_the_editor(runtime, user):
    namespace_files.write(runtime, "company.team", "blob.bin", io.BytesIO(b"\xff\xfe\x00"))
    page = user.get(FILES + "?file=blob.bin").text
    assert "cannot be edited here" in page and 'name="content"' not in page


def test_kv_keys_are_set_listed_and_deleted(runtime, user):
    response = post(user, KV + "/set", key="retries", type="NUMBER", value="3", ttl="PT1H")
    assert response.status_code == 303 and "notice=kv-set" in response.headers["location"]
    assert kv.get(runtime, "company.team", "retries").value == 3
    post(user, KV + "/set", key="token", type="STRING", value="very-secret-value", ttl="")
    page = user.get(KV).text
    assert "retries" in page and "NUMBER" in page and "token" in page and "never" in page
    assert "very-secret-value" not in page  # values are never listed
    expires = kv.get(runtime, "company.team", "retries").expires
    assert expires.strftime("%Y-%m-%d %H:%M") in page
    assert post(user, KV + "/delete", key="retries").status_code == 303
    with pytest.raises(NotFoundError):
        kv.get(runtime, "company.team", "retries")


@pytest.mark.parametrize("form, message", [
    (dict(key="n", type="NUMBER", value="three"), "Invalid NUMBER value"),
    (dict(key="bad key!", type="STRING", value="x"), "key"),
    (dict(key="k", type="STRING", value="x", ttl="soon"), "soon"),
    (dict(key="k", type="NOPE", value="x"), "Unknown KV type"),
])
def test_a_bad_kv_value_is_refused_with_a_message(runtime, user, form, message):
    response = post(user, KV + "/set", **form)
    assert response.status_code in (400, 422) and message in response.text
    assert "Traceback" not in response.text and "<h1>company.team</h1>" in response.text
    assert kv.list_entries(runtime, "company.team") == []


def test_deleting_a_missing_key_says_so(runtime, user):
    response = post(user, KV + "/delete", key="ghost")
    assert response.status_code == 400 and "No key" in response.text


NAP = """\
id: nap
namespace: company.team
tasks:
  - id: sleep
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT3S
"""


def test_services_show_the_embedded_runtime_and_what_its_worker_runs(runtime, user):
    page = user.get("/ui/services").text
    for kind in ("executor", "worker", "scheduler"):
        assert f'data-service="{kind}@' in page, kind
    assert "this process" in page and "idle" in page
    assert "No webserver is running." in page
    assert "Every queue is empty." in page or "message(s) queued" in page
    flows.deploy(runtime, parse_flow(NAP))
    execution = executions.submit(runtime, "company.team", "nap")
    link = f'href="/ui/executions/company.team/nap/{execution.id}"'
    running = wait_for(lambda: (lambda text: text if link in text else None)(
        user.get("/ui/services", headers={"HX-Request": "true"}).text),
        what="the worker running the sleep task")
    assert "<html" not in running and "<code>sleep</code>" in running
    assert 'hx-trigger="every 1s"' in running


def test_services_list_heartbeat_rows(runtime, user):
    from podium.common.heartbeat import new_instance
    from podium.common.store.services import beat

    instance = new_instance("worker", {"concurrency": 4}).but(
        running=[{"execution_id": "gone", "task_run_id": "t1", "attempt": 1}])
    with runtime.db.begin() as conn:
        beat(conn, instance)
    page = user.get("/ui/services").text
    assert f'data-service="{instance.id}"' in page and instance.hostname in page
    assert "s ago" in page
    assert "<code>gone</code>" not in page  # its run is gone: the attempt is not running


@pytest.mark.parametrize("path", ["/files", "/kv"])
def test_an_invalid_namespace_is_refused_before_anything_is_read(runtime, user, path):
    for namespace in ("Bad%20Name", "a..b", "%2E%2E"):
        response = user.get(f"/ui/namespaces/{namespace}{path}")
        assert response.status_code in (400, 422), namespace
        assert "<h1>Error" in response.text and "Traceback" not in response.text
    refused = post(user, "/ui/namespaces/Bad%20Name/files/save", path="a.txt", content="x")
    assert refused.status_code == 400 and "namespace" in refused.text
