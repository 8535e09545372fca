"""Where the kubectl tasks find the cluster: TLS with Kestra's base64 PEM properties (CA,
client certificate and key, the key masked), trustCerts, and the worker's kubeconfig when
the task has no connection."""

from __future__ import annotations

import base64
import datetime
import ipaddress
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from podium.common.models.state import State
from tests.plugins.kubernetes.conftest import TOKEN, FakeApiServer
from tests.plugins.notifications.flows import messages, run


def _cert(name: str, key, issuer_name: str, issuer_key, *, ca: bool = False,
          ip: str | None = None) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(hours=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ip:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]),
            critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def pem(value) -> bytes:
    if isinstance(value, x509.Certificate):
        return value.public_bytes(serialization.Encoding.PEM)
    return value.private_bytes(serialization.Encoding.PEM,
                               serialization.PrivateFormat.TraditionalOpenSSL,
                               serialization.NoEncryption())


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("test-ca", ca_key, "test-ca", ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = _cert("apiserver", server_key, "test-ca", ca_key, ip="127.0.0.1")
    client_key = ec.generate_private_key(ec.SECP256R1())
    client = _cert("podium", client_key, "test-ca", ca_key)
    folder = tmp_path_factory.mktemp("pki")
    for name, value in (("ca.crt", ca), ("server.crt", server), ("server.key", server_key)):
        (folder / name).write_bytes(pem(value))
    return {"folder": folder, "ca": pem(ca), "client": pem(client), "client_key": pem(client_key)}


@pytest.fixture
def tls_server(pki):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki["folder"] / "server.crt", pki["folder"] / "server.key")
    context.load_verify_locations(pki["folder"] / "ca.crt")
    context.verify_mode = ssl.CERT_REQUIRED  # the client certificate is the credential
    server = FakeApiServer(tls=context)
    server.token = None
    yield server
    server.close()


def b64(data: bytes) -> str:
    text = base64.b64encode(data).decode()
    return "\n".join(text[i:i + 60] for i in range(0, len(text), 60))  # whitespace stripped


def get_task(task_id: str, connection: str) -> str:
    return (f"  - id: {task_id}\n    type: io.kestra.plugin.kubernetes.kubectl.Get\n"
            f"    allowFailure: true\n    connection:\n{connection}"
            "    resourceType: pods\n    fetchType: FETCH\n")


def test_ca_and_client_certificate_data(runtime, tls_server, pki):
    def conn(ca: bool, trust: bool = False) -> str:
        text = (f"      masterUrl: \"{tls_server.url}\"\n"
                f"      clientCertData: |\n{_indent(b64(pki['client']), 8)}"
                f"      clientKeyData: {base64.b64encode(pki['client_key']).decode()}\n")
        if ca:
            text += f"      caCertData: {base64.b64encode(pki['ca']).decode()}\n"
        if trust:
            text += "      trustCerts: true\n"
        return text

    tasks = (get_task("verified", conn(ca=True)) + get_task("unknown_ca", conn(ca=False))
             + get_task("trusted", conn(ca=False, trust=True)))
    final, runs = run(runtime, f"id: tls\nnamespace: company.team\ntasks:\n{tasks}")
    lines = messages(runtime, final.id)
    assert runs["verified"].state is State.SUCCESS, lines
    assert runs["trusted"].state is State.SUCCESS, lines
    assert runs["unknown_ca"].state is State.WARNING
    assert any("CERTIFICATE_VERIFY_FAILED" in line for line in lines), lines
    assert any("trustCerts=true" in line for line in lines)
    assert len(tls_server.requests) == 2
    key_b64 = base64.b64encode(pki["client_key"]).decode()
    assert all(key_b64 not in line for line in lines)


def _indent(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


def test_no_connection_uses_the_workers_kubeconfig(runtime, apiserver, tmp_path,
                                                    monkeypatch):
    config = tmp_path / "kubeconfig"
    config.write_text(f"""\
apiVersion: v1
kind: Config
current-context: dev
contexts:
  - name: dev
    context: {{cluster: local, user: robot, namespace: team-a}}
clusters:
  - name: local
    cluster: {{server: "{apiserver.url}"}}
users:
  - name: robot
    user: {{token: {TOKEN}}}
""")
    monkeypatch.setenv("KUBECONFIG", str(config))
    tasks = ("  - id: get\n    type: io.kestra.plugin.kubernetes.kubectl.Get\n"
             "    namespace: default\n    resourceType: configmaps\n    fetchType: FETCH\n")
    final, runs = run(runtime, f"id: ambient\nnamespace: company.team\ntasks:\n{tasks}")
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert apiserver.requests[0]["path"] == "/api/v1/namespaces/default/configmaps"
    assert apiserver.requests[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert all(TOKEN not in line for line in messages(runtime, final.id))


def test_in_cluster_service_account(tmp_path, monkeypatch):
    from podium_kubernetes import connection

    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text("sa-token\n")
    (account / "ca.crt").write_bytes(b"-----BEGIN CERTIFICATE-----\n")
    (account / "namespace").write_text("jobs")
    monkeypatch.setattr(connection, "SERVICE_ACCOUNT", account)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "fd00::1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "6443")
    config = connection.ambient_config()
    assert (config.master_url, config.token, config.namespace) == (
        "https://[fd00::1]:6443", "sa-token", "jobs")
    assert config.ca_pem == b"-----BEGIN CERTIFICATE-----\n"
    assert config.headers() == {"Authorization": "Bearer sa-token"}


def test_kubeconfig_credential_plugins_are_refused_clearly(tmp_path, monkeypatch):
    from podium.sdk import TaskFailure
    from podium_kubernetes import connection

    config = tmp_path / "config"
    config.write_text("current-context: c\ncontexts: [{name: c, context: {cluster: k, "
                      "user: u}}]\nclusters: [{name: k, cluster: {server: https://k:6443}}]\n"
                      "users: [{name: u, user: {exec: {command: aws}}}]\n")
    monkeypatch.setenv("KUBECONFIG", str(config))
    with pytest.raises(TaskFailure, match="exec/auth-provider credential plugins are not "
                                          "supported; give connection.oauthToken"):
        connection.ambient_config()
