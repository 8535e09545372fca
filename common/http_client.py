"""An httpx client that only connects where a HostPolicy allows (common/http_guard.py).

Two checks, both on every hop of a redirect chain:

- a request event hook checks each request's scheme and host name before anything is sent
  (httpx calls it again for every redirect it follows);
- the connection pool's network backend resolves the host itself, keeps the addresses the
  policy allows and connects to one of *those addresses*, never to the name again. The
  address checked is the address connected to, so a DNS answer that changes between a
  check and a connection (rebinding) cannot slip a private address in. TLS still verifies
  the certificate against the host name (httpcore passes the name as server_hostname).

What it does not cover: the worker's environment proxies are ignored (`trust_env=False`)
and flow-level proxies are refused by the callers, because through a proxy the proxy
resolves the name; a pooled connection is reused only for the same scheme, host and port it
was checked for.
"""

from __future__ import annotations

import ssl
from typing import Any, Iterable

import httpcore
import httpx

from podium.common.errors import HttpRequestError
from podium.common.http_guard import HostPolicy

USER_AGENT = "Podium"  # Kestra's client says "Kestra"


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to the addresses the policy allows."""

    def __init__(self, policy: HostPolicy) -> None:
        self.policy = policy

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        addresses = self.policy.resolve(host, port)  # HostNotAllowedError when none is
        error: Exception | None = None
        for address in addresses:  # as socket.create_connection walks getaddrinfo's list
            try:
                return super().connect_tcp(address, port, timeout, local_address,
                                           socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error


class GuardedTransport(httpx.HTTPTransport):
    """httpx's default transport on a connection pool that uses GuardedBackend."""

    def __init__(self, policy: HostPolicy, *, verify: bool | ssl.SSLContext = True) -> None:
        super().__init__(verify=verify, trust_env=False)
        # HTTPTransport keeps its pool in `_pool` and only offers a network backend through
        # it; it is rebuilt here with the same TLS context, limits and retries (none).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            network_backend=GuardedBackend(policy))


def checked_url(policy: HostPolicy, uri: str) -> httpx.URL:
    """The parsed `uri`, its scheme and host allowed by `policy` (checked before anything
    else is rendered or sent); HttpRequestError / HostNotAllowedError otherwise."""
    try:
        url = httpx.URL(uri)
    except (httpx.InvalidURL, TypeError) as exc:
        raise HttpRequestError(f"Invalid uri '{uri}': {exc}") from None
    policy.check_url(url.scheme, url.host)
    return url


def guarded_client(policy: HostPolicy, *, verify: bool | ssl.SSLContext = True,
                   timeout: httpx.Timeout | None = None, follow_redirects: bool = True,
                   max_redirects: int = 10) -> httpx.Client:
    """A client for one task attempt: every hop checked, no environment proxies, no
    .netrc credentials, httpx's redirect rules (Authorization dropped across origins).
    `verify`: False trusts any certificate; an SSLContext brings its own CA and client
    certificate (Kubernetes' caCertData / clientCertData)."""

    def check(request: httpx.Request) -> None:
        policy.check_url(request.url.scheme, request.url.host)

    return httpx.Client(transport=GuardedTransport(policy, verify=verify), trust_env=False,
                        headers={"User-Agent": USER_AGENT},
                        timeout=timeout, follow_redirects=follow_redirects,
                        max_redirects=max_redirects, event_hooks={"request": [check]})
