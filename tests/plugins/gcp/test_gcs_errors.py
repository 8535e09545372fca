"""Bad input fails the gcs tasks with a message naming what is wrong (no stack trace), and
the service-account key never shows in the execution's logs."""

from __future__ import annotations

import base64
import json
import secrets

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from podium.common.models.state import State
from podium.runtime import Runtime
from tests.plugins.gcp.test_gcs_flows import logs_of, run_flow

pytestmark = pytest.mark.service


def service_account_key() -> dict[str, str]:
    """A well-formed service-account key (a fresh RSA key; the emulator checks nothing)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": "podium-tests",
            "private_key_id": secrets.token_hex(8), "private_key": pem,
            "client_email": "podium@podium-tests.iam.gserviceaccount.com",
            "client_id": "1", "token_uri": "https://oauth2.googleapis.com/token"}


def failure(runtime, flow: str) -> list[str]:
    final, _ = run_flow(runtime, flow)
    assert final.state is State.FAILED
    messages = logs_of(runtime, final)
    assert not any("Traceback" in m for m in messages), messages
    return messages


def upload_flow(bucket: str, extra: str = "", to: str = "dir/file.txt") -> str:
    return f"""
id: gcs_bad
namespace: company.team
tasks:
  - id: file
    type: io.kestra.plugin.core.storage.Write
    content: hello
  - id: upload
    type: io.kestra.plugin.gcp.gcs.Upload
    from: "{{{{ outputs.file.uri }}}}"
    to: "gs://{bucket}/{to}"
{extra}"""


def test_bad_service_account_json(runtime, bucket):
    messages = failure(runtime, upload_flow(bucket, '    serviceAccount: "{not json"\n'))
    assert any("`serviceAccount` is not a service-account key: expected its JSON text" in m
               for m in messages), messages


def test_service_account_that_is_not_a_key(runtime, bucket):
    messages = failure(runtime, upload_flow(bucket, """    serviceAccount: '{"type": "x"}'\n"""))
    assert any("`serviceAccount` is not a usable service-account key" in m
               for m in messages), messages


def test_missing_bucket(runtime, gcs):
    missing = f"podium-missing-{secrets.token_hex(4)}"
    messages = failure(runtime, upload_flow(missing))
    assert any(f"Google Cloud Storage refused uploading to gs://{missing}/dir/file.txt: 404"
               in m for m in messages), messages
    messages = failure(runtime, f"""
id: gcs_bad_list
namespace: company.team
tasks:
  - id: list
    type: io.kestra.plugin.gcp.gcs.List
    from: gs://{missing}/dir/
""")
    assert any(f"Google Cloud Storage refused listing gs://{missing}/dir/: 404" in m
               for m in messages), messages


def test_missing_object_and_bad_uris(runtime, bucket):
    messages = failure(runtime, f"""
id: gcs_bad_download
namespace: company.team
tasks:
  - id: download
    type: io.kestra.plugin.gcp.gcs.Download
    from: gs://{bucket}/nothing/here.csv
""")
    assert any(f"Unable to find blob on bucket '{bucket}' with path 'nothing/here.csv'" in m
               for m in messages), messages
    messages = failure(runtime, f"""
id: gcs_bad_delete
namespace: company.team
tasks:
  - id: delete
    type: io.kestra.plugin.gcp.gcs.Delete
    uri: gs://{bucket}/nothing.csv
    errorOnMissing: true
""")
    assert any(f"Unable to find file 'gs://{bucket}/nothing.csv'" in m for m in messages)
    messages = failure(runtime, f"""
id: gcs_bad_copy
namespace: company.team
tasks:
  - id: copy
    type: io.kestra.plugin.gcp.gcs.Copy
    from: gs://{bucket}/nothing.csv
    to: gs://{bucket}/elsewhere.csv
""")
    assert any(f"Google Cloud Storage refused copying gs://{bucket}/nothing.csv to "
               f"gs://{bucket}/elsewhere.csv: 404" in m for m in messages), messages
    messages = failure(runtime, upload_flow(bucket).replace(f'"gs://{bucket}/dir/file.txt"',
                                                            '"/tmp/file.txt"'))
    assert any("`to` must be a gs://bucket/path URI, got '/tmp/file.txt'" in m
               for m in messages), messages


def test_the_key_is_masked(tmp_path, gcs, bucket):
    """The key comes from a secret; its private key, written again in the flow where it ends
    up in a log line and in the error (the object name), is masked by the task itself."""
    key = service_account_key()
    environ = {"SECRET_GCP_CREDS": base64.b64encode(json.dumps(key).encode()).decode()}
    pem = key["private_key"]
    body = "".join(f"      {line}\n" for line in pem.splitlines())
    flow = upload_flow(f"{bucket}-missing", """    serviceAccount: "{{ secret('GCP_CREDS') }}"
    logLevel: DEBUG
""", to="{{ vars.pem }}") + f"variables:\n  pem: |\n{body}"
    rt = Runtime.embedded(tmp_path / "data", workers=1, environ=environ)
    try:
        messages = failure(rt, flow)
    finally:
        rt.close()
    text = "\n".join(messages)
    assert "refused uploading to" in text, text
    assert "BEGIN PRIVATE KEY" not in text and pem.splitlines()[1] not in text


def test_no_credentials_at_all(runtime, bucket, monkeypatch, tmp_path):
    """Without the emulator, `serviceAccount` or Application Default Credentials the task
    says what to give (the metadata server is pointed at a closed port: not on GCE)."""
    monkeypatch.delenv("STORAGE_EMULATOR_HOST")
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    messages = failure(runtime, upload_flow(bucket))
    assert any("no Google credentials: give `serviceAccount`" in m for m in messages), messages
