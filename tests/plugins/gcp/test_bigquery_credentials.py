"""A service-account key end to end against the local BigQuery server: the key's
`token_uri` points at the server's `/token`, so the client signs a JWT with the key, gets
an access token and sends it as a bearer token; the key's text never reaches a log line,
even when the flow logs it."""

from __future__ import annotations

import base64
import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.runtime import Runtime
from tests.plugins.gcp.conftest import PROJECT


def service_account_key(token_uri: str) -> str:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return json.dumps({"type": "service_account", "project_id": PROJECT,
                       "private_key_id": "local", "private_key": pem,
                       "client_email": f"podium@{PROJECT}.iam.gserviceaccount.com",
                       "client_id": "1", "token_uri": token_uri})


FLOW = """
id: bq_key
namespace: company.team
tasks:
  - id: query
    type: io.kestra.plugin.gcp.bigquery.Query
    serviceAccount: "{{ secret('GCP_KEY') }}"
    fetchOne: true
    sql: SELECT 42 AS answer
  - id: leak
    type: io.kestra.plugin.core.log.Log
    message: "key: {{ secret('GCP_KEY') }}"
"""


def test_a_service_account_key_authenticates_and_is_masked(tmp_path, bigquery):
    key = service_account_key(bigquery.url + "/token")
    runtime = Runtime.embedded(tmp_path / "data", workers=1, environ={
        "SECRET_GCP_KEY": base64.b64encode(key.encode()).decode()})
    try:
        loaded = parse_flow(FLOW)
        runtime.deploy(loaded)
        execution = runtime.submit("company.team", "bq_key", {})
        final = runtime.wait(execution.id, timeout=60)
        runs = {run.task_id: run for run in runtime.task_runs(execution.id)}
        logs = [entry.message for entry in runtime.logs(execution.id)]
    finally:
        runtime.close()
    assert final.state is State.SUCCESS, logs
    assert runs["query"].outputs["row"] == {"answer": 42}
    token = next(r for r in bigquery.requests if r.path == "/token")
    assert token.method == "POST"
    job = next(r for r in bigquery.requests if r.path.endswith(f"/projects/{PROJECT}/jobs"))
    assert job.headers.get("authorization") == "Bearer local-token"
    private = json.loads(key)["private_key"].splitlines()[1]
    assert not any(private in line for line in logs)
    assert any("key: " in line for line in logs)
