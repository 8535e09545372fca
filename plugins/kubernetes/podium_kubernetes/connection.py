"""Kestra's Kubernetes `connection` (plugin-kubernetes-lib's Connection) and where the
cluster's address and credentials come from.

With no `connection`, the worker's own configuration is used, as fabric8's autoConfigure:
the kubeconfig file (`KUBECONFIG`, else ~/.kube/config: its current context's cluster,
user and namespace), else the in-cluster service account (the mounted token and CA, and
`KUBERNETES_SERVICE_HOST`/`_PORT`). With a `connection`, only its properties count
(`masterUrl` defaulting to https://kubernetes.default.svc), unless `inheritClusterConfig`
seeds them from the worker's configuration first.

Kubeconfig `exec` and `auth-provider` credential plugins (cloud CLIs) and Java key/trust
stores are not supported: the task fails naming them.
"""

from __future__ import annotations

import base64
import binascii
import os
import ssl
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from podium.sdk import DurationStr, Dyn, RunContext, StrictModel, TaskFailure
from podium.sdk.guarded_http import mask_secret

DEFAULT_MASTER_URL = "https://kubernetes.default.svc"
SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")


class Connection(StrictModel):
    """Kestra's connection properties. Every string may be an expression."""

    master_url: str | None = None  # Kestra's default, applied when the connection is used
    api_version: str = "v1"  # fabric8's default API version: no effect on the REST paths
    namespace: str | None = None
    trust_certs: Dyn[bool] | None = None
    disable_hostname_verification: Dyn[bool] | None = None
    ca_cert_file: str | None = None
    ca_cert_data: str | None = None
    client_cert_file: str | None = None
    client_cert_data: str | None = None
    client_key_file: str | None = None
    client_key_data: str | None = None
    client_key_algo: str = "RSA"  # Python's ssl reads the algorithm from the PEM itself
    client_key_passphrase: str | None = None
    trust_store_file: str | None = None
    trust_store_passphrase: str | None = None
    key_store_file: str | None = None
    key_store_passphrase: str | None = None
    oauth_token: str | None = None
    oauth_token_provider: dict[str, Any] | None = None
    username: str | None = None
    password: str | None = None
    # fabric8 HTTP client tuning: read, no effect on one task's few sequential requests.
    max_concurrent_requests: Dyn[int] | None = None
    max_concurrent_requests_per_host: Dyn[int] | None = None
    watch_reconnect_interval: DurationStr | None = None
    enable_http2: Dyn[bool] | None = None
    websocket_ping_interval: DurationStr | None = None


@dataclass(frozen=True)
class ClusterConfig:
    """Where the API server is and how to authenticate (PEM bytes for certificates)."""

    master_url: str = DEFAULT_MASTER_URL
    namespace: str | None = None
    token: str | None = None
    username: str | None = None
    password: str | None = None
    ca_pem: bytes | None = None
    cert_pem: bytes | None = None
    key_pem: bytes | None = None
    key_passphrase: str | None = None
    trust_certs: bool = False
    check_hostname: bool = True
    origin: str = "connection"

    def headers(self) -> dict[str, str]:
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        if self.username is not None and self.password is not None:
            raw = f"{self.username}:{self.password}".encode()
            return {"Authorization": f"Basic {base64.b64encode(raw).decode()}"}
        return {}

    def ssl_context(self, scratch: Path) -> ssl.SSLContext | bool:
        """The TLS settings; client certificates go through files in `scratch` (Python's
        ssl loads a certificate chain only from files), removed right after loading."""
        if not self.master_url.startswith("https"):
            return True
        if self.trust_certs:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        else:
            context = ssl.create_default_context(
                cadata=self.ca_pem.decode() if self.ca_pem else None)
            context.check_hostname = self.check_hostname
        if self.cert_pem:
            _load_client_cert(context, self.cert_pem, self.key_pem, self.key_passphrase,
                              scratch)
        return context


def _load_client_cert(context: ssl.SSLContext, cert: bytes, key: bytes | None,
                      passphrase: str | None, scratch: Path) -> None:
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        cert_path, key_path = Path(folder, "client.crt"), Path(folder, "client.key")
        cert_path.write_bytes(cert)
        if key:
            key_path.write_bytes(key)
        try:
            context.load_cert_chain(cert_path, key_path if key else None, passphrase)
        except (ssl.SSLError, ValueError) as exc:
            raise TaskFailure(f"connection.clientCertData/clientKeyData: not a usable "
                              f"certificate and key ({exc})") from None


def cluster_config(ctx: RunContext, connection: Connection | None,
                   inherit: bool) -> ClusterConfig:
    """The configuration a task uses (module docstring), its secrets masked."""
    if connection is None:
        config = ambient_config()
    else:
        base = ambient_config() if inherit else ClusterConfig()
        config = _apply(ctx, connection, base)
    for secret in (config.token, config.password, config.key_passphrase):
        mask_secret(ctx, secret)
    return config


def _apply(ctx: RunContext, conn: Connection, base: ClusterConfig) -> ClusterConfig:
    for name in ("trust_store_file", "key_store_file", "oauth_token_provider"):
        if getattr(conn, name) is not None:
            raise TaskFailure(f"connection.{_camel(name)} is not supported by Podium: give "
                              "the certificates as caCertData/clientCertData/clientKeyData "
                              "(PEM) or a token as oauthToken")

    def text(value: str | None) -> str | None:
        return None if value is None else str(ctx.render(value))

    for secret in (conn.oauth_token, conn.password, conn.client_key_data,
                   conn.client_key_passphrase):
        mask_secret(ctx, text(secret))
    changes: dict[str, Any] = {"origin": "connection"}
    for name, value in (("master_url", text(conn.master_url)),
                        ("namespace", text(conn.namespace)),
                        ("token", text(conn.oauth_token)),
                        ("username", text(conn.username)),
                        ("password", text(conn.password)),
                        ("key_passphrase", text(conn.client_key_passphrase))):
        if value is not None:
            changes[name] = value
    for name, data, path in (("ca_pem", conn.ca_cert_data, conn.ca_cert_file),
                             ("cert_pem", conn.client_cert_data, conn.client_cert_file),
                             ("key_pem", conn.client_key_data, conn.client_key_file)):
        pem = _pem(text(data), text(path), f"connection.{_camel(name)}")
        if pem is not None:
            changes[name] = pem
    if conn.trust_certs is not None:
        changes["trust_certs"] = bool(conn.trust_certs)
        if conn.trust_certs:
            ctx.log("WARN", "TLS certificate validation is disabled (trustCerts=true) for "
                            "this Kubernetes connection; never use it against production "
                            "clusters")
    if conn.disable_hostname_verification is not None:
        changes["check_hostname"] = not conn.disable_hostname_verification
    config = replace(base, **changes)
    if not config.master_url.startswith(("https://", "http://")):
        raise TaskFailure(f"connection.masterUrl must be an http(s) URL, got "
                          f"'{config.master_url}'")
    return config


def _camel(name: str) -> str:
    names = {"ca_pem": "caCertData", "cert_pem": "clientCertData", "key_pem": "clientKeyData"}
    if name in names:
        return names[name]
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _pem(data: str | None, path: str | None, prop: str) -> bytes | None:
    """Base64 PEM (Kestra strips whitespace first) or a file path, as PEM bytes."""
    if data:
        try:
            return base64.b64decode("".join(data.split()), validate=True)
        except (binascii.Error, ValueError):
            raise TaskFailure(f"{prop}: not base64-encoded PEM data") from None
    if path:
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise TaskFailure(f"{prop.replace('Data', 'File')}: cannot read '{path}' "
                              f"({exc.strerror})") from None
    return None


def ambient_config() -> ClusterConfig:
    """The worker's kubeconfig, else its in-cluster service account, else the default URL
    with no credentials (the API server then answers 401/403)."""
    path = os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or str(
        Path.home() / ".kube" / "config")
    if Path(path).is_file():
        return kubeconfig(Path(path))
    host, port = os.environ.get("KUBERNETES_SERVICE_HOST"), os.environ.get(
        "KUBERNETES_SERVICE_PORT", "443")
    token = SERVICE_ACCOUNT / "token"
    if host and token.is_file():
        ca = SERVICE_ACCOUNT / "ca.crt"
        namespace = SERVICE_ACCOUNT / "namespace"
        host = f"[{host}]" if ":" in host else host
        return ClusterConfig(
            master_url=f"https://{host}:{port}", token=token.read_text().strip(),
            ca_pem=ca.read_bytes() if ca.is_file() else None,
            namespace=namespace.read_text().strip() if namespace.is_file() else None,
            origin="in-cluster service account")
    return ClusterConfig(origin="default")


@dataclass
class _Kubeconfig:
    path: Path
    doc: dict[str, Any] = field(default_factory=dict)

    def named(self, section: str, name: str | None) -> dict[str, Any]:
        for entry in self.doc.get(section) or ():
            if isinstance(entry, dict) and entry.get("name") == name:
                return entry.get(section[:-1]) or {}
        return {}

    def pem(self, entry: dict[str, Any], key: str) -> bytes | None:
        if entry.get(f"{key}-data"):
            return base64.b64decode(entry[f"{key}-data"])
        if entry.get(key):
            return (self.path.parent / entry[key]).read_bytes()
        return None


def kubeconfig(path: Path) -> ClusterConfig:
    try:
        doc = yaml.safe_load(path.read_text()) or {}
        config = _Kubeconfig(path, doc)
        context = config.named("contexts", doc.get("current-context"))
        cluster = config.named("clusters", context.get("cluster"))
        user = config.named("users", context.get("user"))
        if user.get("exec") or user.get("auth-provider"):
            raise TaskFailure(f"kubeconfig {path}: the user's exec/auth-provider credential "
                              "plugins are not supported; give connection.oauthToken")
        token = user.get("token")
        if not token and user.get("tokenFile"):
            token = Path(user["tokenFile"]).read_text().strip()
        return ClusterConfig(
            master_url=cluster.get("server") or DEFAULT_MASTER_URL,
            namespace=context.get("namespace"), token=token,
            username=user.get("username"), password=user.get("password"),
            ca_pem=config.pem(cluster, "certificate-authority"),
            cert_pem=config.pem(user, "client-certificate"),
            key_pem=config.pem(user, "client-key"),
            trust_certs=bool(cluster.get("insecure-skip-tls-verify")),
            origin=f"kubeconfig {path}")
    except (OSError, yaml.YAMLError, binascii.Error, AttributeError) as exc:
        raise TaskFailure(f"kubeconfig {path} cannot be read: {exc}") from None
