"""The UI's auth rules over plain HTTP: who is sent to the login page, the session cookie,
CSRF, bearer tokens, failed-login limits shared with the API, auth off."""

from __future__ import annotations

import base64
import http.client
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from podium.api import create_app
from podium.api.ui import ROUTERS
from tests.ui.conftest import PASSWORD, TOKEN, USER, csrf_of, log_in, ui_settings

BEARER = {"Authorization": f"Bearer {TOKEN}"}


def ui_paths() -> list[str]:
    """Every route of the UI's routers, its parameters filled in: a new page is covered."""
    paths = [route.path for router in ROUTERS for route in router.routes
             if isinstance(route, APIRoute)]
    assert "/executions" in paths and "/login" in paths
    return ["/ui" + path.replace("{namespace}", "company.team").replace("{flow_id}", "hello")
            .replace("{execution_id}", "abc").replace("{trigger_id}", "schedule")
            for path in paths if path != "/login"]


def test_every_route_but_login_sends_an_anonymous_browser_to_login(app, anonymous):
    for path in [*ui_paths(), "/ui/no/such/page", "/ui/executions?state=RUNNING"]:
        for method in ("GET", "POST"):
            response = anonymous.request(method, path, follow_redirects=False)
            assert response.status_code == 303, (method, path, response.text)
            location = urlsplit(response.headers["location"])
            assert location.path == "/ui/login", path
            if method == "GET":
                assert parse_qs(location.query)["next"] == [path]


def test_an_htmx_request_is_told_where_to_go(anonymous):
    response = anonymous.get("/ui/executions", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["hx-redirect"].startswith("/ui/login?next=")


def test_login_page_and_static_files_are_public(anonymous):
    assert anonymous.get("/ui/login").status_code == 200
    assert anonymous.get("/ui/static/podium.css").status_code == 200
    assert anonymous.get("/ui/static/vendor/htmx.org/htmx.min.js").status_code == 200


def test_no_spelling_of_a_page_passes_as_a_static_file(live):
    # Raw paths over real HTTP: a client library would normalise the dots away.
    for path in ("/ui/static/../executions", "/ui/static//../executions",
                 "/ui/static/%2e%2e/executions", "/ui/static/./../flows"):
        connection = http.client.HTTPConnection(urlsplit(live).netloc, timeout=10)
        connection.request("GET", path)
        response = connection.getresponse()
        assert response.status in (303, 404), (path, response.status)
        assert b"<table" not in response.read()
        connection.close()


def test_login_sets_a_protected_session_cookie(anonymous):
    response = log_in(anonymous, next_page="/ui/flows")
    assert response.status_code == 303 and response.headers["location"] == "/ui/flows"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/ui" in cookie
    assert "secure" not in cookie
    assert anonymous.get("/ui/flows").status_code == 200


def test_the_cookie_is_secure_over_https(app):
    with TestClient(app, base_url="https://testserver") as client:
        assert "secure" in log_in(client).headers["set-cookie"].lower()


def test_a_wrong_password_or_user_is_refused_with_a_message(anonymous):
    for user, password in ((USER, "wrong"), ("nobody", PASSWORD), ("", "")):
        response = log_in(anonymous, user, password)
        assert response.status_code == 401
        assert "Wrong user name or password" in response.text
    assert anonymous.get("/ui/executions", follow_redirects=False).status_code == 303


def test_failed_logins_are_limited_with_the_api(app, anonymous):
    wrong = "Basic " + base64.b64encode(f"{USER}:nope".encode()).decode()
    for _ in range(3):  # login_max_failures, counted by the API
        assert anonymous.get("/api/v1/flows/search",
                             headers={"Authorization": wrong}).status_code == 401
    response = log_in(anonymous)  # the right password, but this user is blocked now
    assert response.status_code == 429 and "Too many failed logins" in response.text


def test_next_never_leaves_the_ui(anonymous):
    for target in ("https://evil.example/", "//evil.example/ui", "/api/v1/flows",
                   "/ui\\..\\x", "javascript:alert(1)"):
        response = log_in(anonymous, next_page=target)
        assert response.headers["location"] == "/ui/", target


def test_state_changes_need_the_csrf_token(user):
    page = user.get("/ui/executions")
    assert user.post("/ui/logout", follow_redirects=False).status_code == 403
    assert user.post("/ui/logout", data={"csrf_token": "forged"},
                     follow_redirects=False).status_code == 403
    response = user.post("/ui/logout", headers={"X-CSRF-Token": csrf_of(page.text)},
                         follow_redirects=False)
    assert response.status_code == 303
    assert user.get("/ui/executions", follow_redirects=False).status_code == 303


def test_the_login_form_needs_the_csrf_token_of_its_session(anonymous):
    response = anonymous.post("/ui/login", follow_redirects=False,
                              data={"username": USER, "password": PASSWORD})
    assert response.status_code == 403


def test_a_new_session_at_login_changes_the_csrf_token(anonymous):
    before = csrf_of(anonymous.get("/ui/login").text)
    log_in(anonymous)
    after = csrf_of(anonymous.get("/ui/executions").text)
    assert before != after


def test_a_forged_cookie_is_no_session(anonymous):
    log_in(anonymous)
    value = anonymous.cookies.get("podium_session")
    payload, _, signature = value.partition(".")
    anonymous.cookies.clear()
    forged = base64.urlsafe_b64encode(b'{"u": "root", "c": "x", "t": 9e99}').decode()
    for cookie in (f"{forged}.{signature}", f"{payload}.x", "garbage", ""):
        anonymous.cookies.set("podium_session", cookie, path="/ui")
        assert anonymous.get("/ui/flows", follow_redirects=False).status_code == 303, cookie
        anonymous.cookies.clear()


def test_bearer_tokens_are_accepted_without_csrf(anonymous):
    assert anonymous.get("/ui/executions", headers=BEARER).status_code == 200
    assert anonymous.post("/ui/logout", headers=BEARER,
                          follow_redirects=False).status_code == 303
    response = anonymous.get("/ui/executions", follow_redirects=False,
                             headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 303


def test_the_session_cookie_is_no_api_credential(user):
    assert user.get("/api/v1/flows/search").status_code == 401


def test_with_auth_off_the_ui_is_open(runtime):
    app = create_app(runtime, ui_settings(auth=False))
    with TestClient(app) as client:
        assert client.get("/ui/executions").status_code == 200
        response = client.get("/ui/login", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/ui/"


@pytest.mark.parametrize("path, status", [
    ("/ui/executions?state=NOPE", 400), ("/ui/executions?page=0", 400),
    ("/ui/executions?size=100000", 400), ("/ui/flows?page=x", 400),
    ("/ui/executions/company.team/hello/missing", 404), ("/ui/nothing", 404),
    ("/ui/executions?namespace=a%00b", 422),
])
def test_bad_input_is_an_error_page_not_a_crash(user, path, status):
    response = user.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "Traceback" not in response.text and "<h1>Error" in response.text
