"""The flow editor over plain HTTP: validation with line and column, saving a new flow and
new revisions, refused saves shown on the page, revisions and their diff, restore,
delete, CSRF; the flows list's label filter."""

from __future__ import annotations

import re

from podium.api.ui.editor_views import LabelFilterError, label_filter, unified_diff
from podium.application import flows
from tests.ui.conftest import HELLO, csrf_of, run_flow

UNKNOWN_TYPE = HELLO.replace("core.log.Log\n    message: \"hello",
                             "core.log.Nope\n    message: \"hello")


def _csrf(user) -> dict:
    return {"X-CSRF-Token": csrf_of(user.get("/ui/flows/new").text)}


def _save(user, url: str, source: str):
    token = csrf_of(user.get(url).text)
    return user.post(url, data={"source": source, "csrf_token": token},
                     follow_redirects=False)


def test_validate_answers_problems_with_line_and_column(user):
    headers = _csrf(user)
    answer = user.post("/ui/flows/validate", content=UNKNOWN_TYPE, headers=headers).json()
    assert answer["valid"] is False
    [problem] = answer["problems"]
    assert (problem["line"], problem["column"], problem["path"]) == (5, 5, "tasks[0].type")
    assert problem["text"].startswith("line 5, column 5: at tasks[0].type: unknown task type")
    bad_indent = HELLO.replace("    message: \"hello", "     message: \"hello")
    [problem] = user.post("/ui/flows/validate", content=bad_indent,
                          headers=headers).json()["problems"]
    assert (problem["line"], problem["column"]) == (6, 6)
    assert problem["message"].startswith("key 'message' is indented more than the key 'type'")
    good = user.post("/ui/flows/validate", content=HELLO, headers=headers).json()
    assert good == dict(valid=True, problems=[], warnings=[], namespace="company.team",
                        flow="hello")


def test_validate_reports_bytes_that_are_not_utf8(user):
    answer = user.post("/ui/flows/validate", content=b"id: a\nnamespace: \xff\n",
                       headers=_csrf(user)).json()
    assert answer["valid"] is False and answer["problems"][0]["line"] == 2


def test_state_changes_need_the_csrf_token(runtime, user):
    assert user.post("/ui/flows/validate", content=HELLO).status_code == 403
    assert user.post("/ui/flows/new", data={"source": HELLO}).status_code == 403
    run_flow(runtime)
    for action in ("edit", "delete", "restore"):
        response = user.post(f"/ui/flows/company.team/hello/{action}",
                             data={"source": HELLO, "revision": "1"})
        assert response.status_code == 403, action
    assert flows.revision(runtime, "company.team", "hello").revision == 1


def test_saving_creates_the_flow_then_new_revisions(runtime, user):
    created = _save(user, "/ui/flows/new", HELLO)
    assert created.status_code == 303
    assert created.headers["location"] == "/ui/flows/company.team/hello/edit?saved=1"
    page = user.get(created.headers["location"]).text
    assert "Saved revision 1" in page and "Editing revision 1" in page
    assert "hello &lt;b&gt;{{ execution.id }}&lt;/b&gt;" in page  # the source, escaped
    changed = HELLO.replace("item {{", "element {{")
    second = _save(user, "/ui/flows/company.team/hello/edit", changed)
    assert second.headers["location"].endswith("/edit?saved=2")
    assert flows.revision(runtime, "company.team", "hello").source == changed
    same = _save(user, "/ui/flows/company.team/hello/edit", changed)
    assert "No change: revision 2 is current" in user.get(same.headers["location"]).text


def test_a_refused_save_keeps_the_source_and_shows_why(runtime, user):
    refused = _save(user, "/ui/flows/new", UNKNOWN_TYPE)
    assert refused.status_code == 422
    assert "line 5, column 5: at tasks[0].type: unknown task type" in refused.text
    assert 'data-line="5" class="marked"' in refused.text and "core.log.Nope" in refused.text
    assert flows.search(runtime) == []
    assert _save(user, "/ui/flows/new", "id: [\n").status_code == 422
    _save(user, "/ui/flows/new", HELLO)
    taken = _save(user, "/ui/flows/new", HELLO)
    assert taken.status_code == 422 and "Flow id already exists" in taken.text


def test_an_edit_keeps_the_flow_it_is_under(runtime, user):
    run_flow(runtime)
    moved = _save(user, "/ui/flows/company.team/hello/edit",
                  HELLO.replace("id: hello", "id: other"))
    assert moved.status_code == 422
    assert "Illegal flow id update: the flow is company.team.other, not company.team.hello" \
        in moved.text
    assert flows.revision(runtime, "company.team", "hello").revision == 1
    assert user.get("/ui/flows/company.team/nothing/edit").status_code == 404
    assert _save(user, "/ui/flows/new", HELLO.replace("hello", "x")).status_code == 303
    gone = user.post("/ui/flows/company.team/nothing/edit", follow_redirects=False, data={
        "source": HELLO.replace("id: hello", "id: nothing"),
        "csrf_token": csrf_of(user.get("/ui/flows/new").text)})
    assert gone.status_code == 404 and "not found" in gone.text


def test_revisions_show_sources_and_the_diff(runtime, user):
    run_flow(runtime)
    _save(user, "/ui/flows/company.team/hello/edit", HELLO.replace("item {{", "element {{"))
    page = user.get("/ui/flows/company.team/hello/revisions").text
    assert "Changes from revision 1 to revision 2" in page
    assert '<span class="diff-removed">-        message: &#34;item {{ taskrun.value }}&#34;' \
        in page
    assert re.search(r'<span class="diff-added">\+\s+message: .{1,6}element', page)
    old = user.get("/ui/flows/company.team/hello/revisions?view=1&old=2&new=1").text
    assert "Source of revision 1" in old and "Restore revision 1" in old
    assert re.search(r'<span class="diff-added">\+\s+message: .{1,6}item', old)
    restored = user.post("/ui/flows/company.team/hello/restore", follow_redirects=False,
                         data={"revision": "1", "csrf_token": csrf_of(old)})
    assert restored.headers["location"].endswith("/edit?saved=3")
    assert flows.revision(runtime, "company.team", "hello").source == HELLO
    assert "No difference." in user.get(
        "/ui/flows/company.team/hello/revisions?old=1&new=3").text


def test_deleting_a_flow(runtime, user):
    run_flow(runtime)
    page = user.get("/ui/flows/company.team/hello/edit").text
    deleted = user.post("/ui/flows/company.team/hello/delete", follow_redirects=False,
                        data={"csrf_token": csrf_of(page)})
    assert deleted.status_code == 303 and deleted.headers["location"] == "/ui/flows"
    assert flows.search(runtime) == []
    assert user.get("/ui/flows/company.team/hello/edit").status_code == 404


def test_the_flows_list_filters_by_label_and_links_to_new_flow(runtime, user):
    run_flow(runtime, HELLO.replace("tasks:", "labels:\n  env: prod\n  team: data\ntasks:", 1))
    run_flow(runtime, HELLO.replace("id: hello", "id: other").replace(
        "tasks:", "labels:\n  - key: env\n    value: dev\ntasks:", 1))
    page = user.get("/ui/flows").text
    assert 'href="/ui/flows/new"' in page and "2 in all" in page
    prod = user.get("/ui/flows?labels=env:prod").text
    assert ">hello</a>" in prod and ">other</a>" not in prod
    assert ">other</a>" in user.get("/ui/flows?labels=env:dev").text
    assert "1 in all" in user.get("/ui/flows?labels=env:prod,team:data").text
    assert "No flow matches" in user.get("/ui/flows?labels=env:prod team:web").text
    wrong = user.get("/ui/flows?labels=env")
    assert wrong.status_code == 200 and "expected key:value" in wrong.text
    api = user.get("/api/v1/flows/search?labels=env:dev",
                   headers={"Authorization": "Bearer tok-0123456789"}).json()
    assert [flow["id"] for flow in api["results"]] == ["other"]


def test_label_filters_and_diff_lines_without_a_server():
    assert label_filter(" env:prod, team:data  x:") == {"env": "prod", "team": "data", "x": ""}
    for wrong in ("env", ":prod"):
        try:
            label_filter(wrong)
        except LabelFilterError as exc:
            assert "expected key:value" in str(exc)
        else:
            raise AssertionError(wrong)
    kinds = [line.kind for line in unified_diff("a\nb\n", "a\nc\n", "r1", "r2")]
    assert kinds == ["header", "header", "hunk", "same", "removed", "added"]
