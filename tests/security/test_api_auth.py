"""Authentication, route by route: every operation of the OpenAPI document is called
without credentials and must answer 401, except exactly the public set (health, webhook
templates); failed logins are rate-limited (429 + Retry-After) with one answer for an
unknown user and a wrong password."""

from __future__ import annotations

import base64
import re

import pytest
from fastapi.testclient import TestClient

from podium.api import create_app
from podium.api.login_limits import FailedLogins
from podium.runtime import Runtime
from tests.api.conftest import BEARER, HELLO, PASSWORD, USER, api_settings
from tests.security.conftest import stored

OPENAPI = create_app(None, api_settings()).openapi()
PUBLIC = {("GET", "/health"), ("GET", "/api/v1/health"),
          *((method, "/api/v1/executions/webhook/{namespace}/{flow_id}/{key}")
            for method in ("GET", "POST", "PUT"))}
OPERATIONS = sorted((method.upper(), path) for path, item in OPENAPI["paths"].items()
                    for method in item)
PROTECTED = [op for op in OPERATIONS if op not in PUBLIC]
UNAUTHORIZED = {"message": "Unauthorized: credentials are required", "details": []}

WEBHOOK_NS_FLOW = HELLO.replace("namespace: company.team", "namespace: webhook")


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One runtime and app for the route walk (46 cases) and the collision cases, with a
    flow in namespace `webhook`: (runtime, anonymous client)."""
    with Runtime.embedded(tmp_path_factory.mktemp("walk"), workers=1, environ={}) as runtime, \
            TestClient(create_app(runtime, api_settings()),
                       raise_server_exceptions=False) as client:
        assert client.post("/api/v1/flows", content=WEBHOOK_NS_FLOW, headers={
            **BEARER, "Content-Type": "application/x-yaml"}).status_code == 200
        yield runtime, client


def filled(path: str, value: str = "webhook") -> str:
    """The path with every parameter filled; `webhook` makes the namespace collide."""
    return re.sub(r"\{[^}]+\}", value, path)


def basic(user: str, password: str) -> dict:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_public_set_is_exactly_health_and_webhooks():
    assert {op for op in OPERATIONS if op in PUBLIC} == PUBLIC
    assert len(PROTECTED) == len(OPERATIONS) - len(PUBLIC) > 40


@pytest.mark.parametrize("method,path", PROTECTED, ids=[f"{m} {p}" for m, p in PROTECTED])
def test_every_protected_operation_needs_credentials(shared, method, path):
    runtime, anonymous = shared
    before = stored(runtime)
    response = anonymous.request(method, filled(path), content=b"x: 1",
                                 headers={"Content-Type": "application/x-yaml"})
    assert response.status_code == 401, (method, path, response.text)
    assert response.json() == UNAUTHORIZED
    assert response.headers["www-authenticate"] == 'Basic realm="podium"'
    assert stored(runtime) == before


@pytest.mark.parametrize("path", ["/api/v1/executions/webhook/hello",
                                  "/api/v1/executions/webhook/hello?wait=true",
                                  "/api/v1/executions/webhook/hello/",
                                  "/api/v1/executions/webhook//hello",
                                  "/api/v1/executions/Webhook/a/b/c",
                                  "/api/v1/executions/webhook/a/../hello"],
                         ids=["namespace-collision", "collision-wait", "trailing-slash",
                              "empty-segment", "other-case", "dot-segment"])
def test_webhook_namespace_cannot_be_run_anonymously(shared, path):
    """A flow in namespace `webhook` is started by POST /api/v1/executions/webhook/{id}:
    only for an authenticated caller."""
    runtime, anonymous = shared
    before = stored(runtime)
    response = anonymous.post(path, files={"name": (None, "intruder")})
    assert response.status_code == 401, response.text
    assert response.json() == UNAUTHORIZED
    assert stored(runtime) == before


def test_webhook_namespace_flow_runs_for_an_authenticated_caller(api):
    assert api.post("/api/v1/flows", content=WEBHOOK_NS_FLOW,
                    headers={"Content-Type": "application/x-yaml"}).status_code == 200
    started = api.post("/api/v1/executions/webhook/hello")
    assert started.status_code == 200 and started.json()["namespace"] == "webhook"


@pytest.mark.parametrize("method,path", sorted(PUBLIC), ids=[m + " " + p for m, p in
                                                             sorted(PUBLIC)])
def test_public_operations_answer_without_credentials(shared, method, path):
    anonymous = shared[1]
    response = anonymous.request(method, filled(path, "nothing"))
    assert response.status_code in (200, 404), response.text
    if response.status_code == 404:
        assert response.json()["message"] == "Flow not found"


# ------------------------------------------------------------------ failed logins

LIMITED = dict(login_max_failures=3, login_window_seconds=60)
WRONG = {"wrong-password": basic(USER, "nope"), "unknown-user": basic("nobody", "nope"),
         "wrong-token": {"Authorization": "Bearer nope"}}


@pytest.fixture
def limited(runtime):
    with TestClient(create_app(runtime, api_settings(**LIMITED)),
                    raise_server_exceptions=False) as client:
        yield client


def test_unknown_user_and_wrong_password_answer_alike(anonymous):
    answers = [anonymous.get("/api/v1/flows/search", headers=WRONG[case])
               for case in ("wrong-password", "unknown-user")]
    first, second = answers
    assert first.status_code == second.status_code == 401
    assert first.content == second.content
    assert first.headers == second.headers


@pytest.mark.parametrize("case", sorted(WRONG))
def test_failed_logins_are_limited_per_client(limited, case):
    for _ in range(LIMITED["login_max_failures"]):
        assert limited.get("/api/v1/flows/search", headers=WRONG[case]).status_code == 401
    refused = limited.get("/api/v1/flows/search", headers=BEARER)  # even the right one
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= LIMITED["login_window_seconds"]
    assert refused.json()["message"].startswith("Too many failed logins: retry in")
    assert limited.get("/health").status_code == 200  # public routes stay open


def test_failed_logins_are_limited_per_user(runtime):
    """Guessing one user's password from many addresses is stopped too: the user is
    counted whatever the client (the guard keys on the user name)."""
    app = create_app(runtime, api_settings(**LIMITED))
    for n in range(LIMITED["login_max_failures"]):
        with TestClient(app, client=(f"10.0.0.{n}", 1000)) as client:
            assert client.get("/api/v1/flows", headers=basic(USER, "x")).status_code == 401
    with TestClient(app, client=("10.0.1.1", 1000)) as fresh:
        assert fresh.get("/api/v1/flows/search",
                         headers=basic(USER, PASSWORD)).status_code == 429
        assert fresh.get("/api/v1/flows/search", headers=BEARER).status_code == 200


def test_unknown_user_is_limited_like_a_known_one(runtime):
    app = create_app(runtime, api_settings(**LIMITED))
    answers = {}
    for user in (USER, "nobody"):
        for n in range(LIMITED["login_max_failures"] + 1):
            with TestClient(app, client=(f"10.{len(answers)}.0.{n}", 1000)) as client:
                answers[user] = client.get("/api/v1/flows/search", headers=basic(user, "x"))
    assert answers[USER].status_code == answers["nobody"].status_code == 429
    # The same answer but for the seconds left, which the two read at different moments.
    bodies = [{**answers[name].json(),
               "message": re.sub(r"\d+ s$", "N s", answers[name].json()["message"])}
              for name in (USER, "nobody")]
    assert bodies[0] == bodies[1]
    assert bodies[0]["message"] == "Too many failed logins: retry in N s"


def test_failures_leave_the_window():
    now = [0.0]
    limits = FailedLogins(2, 60, clock=lambda: now[0])
    limits.record(["client:a"])
    now[0] = 30
    limits.record(["client:a"])
    assert limits.retry_after(["client:a"]) == 30
    now[0] = 61
    assert limits.retry_after(["client:a"]) is None
