"""The SSRF guard (common/http_guard.py), its httpx client (common/http_client.py) and the
`PODIUM_HTTP__*` settings. Resolution is faked where a test needs a name to resolve to
chosen addresses; the connection tests use a real server on 127.0.0.1."""

from __future__ import annotations

import ipaddress

import httpx
import pytest
from pydantic import ValidationError

from podium.common.errors import HostNotAllowedError, HttpRequestError, PodiumError
from podium.common.http_client import guarded_client
from podium.common.http_guard import HostPolicy, parse_host_entry, special_kind
from podium.common.settings import HttpSettings, Settings
from tests.unit.worker.http_server import start_server, stop_server


def resolver(table: dict[str, list[str]]):
    calls: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return table[host]

    resolve.calls = calls
    return resolve


@pytest.mark.parametrize("address, kind", [
    ("127.0.0.1", "a loopback address"), ("127.9.9.9", "a loopback address"),
    ("10.1.2.3", "a private (RFC 1918) address"), ("172.16.0.1", "a private (RFC 1918)"),
    ("192.168.1.1", "a private (RFC 1918)"),
    ("169.254.169.254", "a link-local address"), ("fe80::1", "a link-local address"),
    ("fd12:3456::1", "a unique-local IPv6 address"), ("::1", "a loopback address"),
    ("224.0.0.251", "a multicast address"), ("ff02::1", "a multicast address"),
    ("0.0.0.0", "an unspecified address"), ("::", "an unspecified address"),
    ("100.64.0.1", "a carrier-grade NAT address"), ("240.0.0.1", "a reserved"),
    ("::ffff:169.254.169.254", "a link-local address"), ("64:ff9b::a00:1", "a private"),
    ("2002:c0a8:101::1", "a private (RFC 1918)"),
])
def test_special_addresses(address, kind):
    assert kind in special_kind(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses(address):
    assert special_kind(ipaddress.ip_address(address)) is None


def test_entries():
    assert parse_host_entry("10.0.0.0/8") == ipaddress.ip_network("10.0.0.0/8")
    assert parse_host_entry("[::1]") == ipaddress.ip_network("::1/128")
    assert parse_host_entry(" API.Example.COM. ") == "api.example.com"
    assert parse_host_entry("*.example.com") == "*.example.com"
    for bad in ("", "a b", "*", "*.a.*", "http://x", "ex*ample.com"):
        with pytest.raises(ValueError):
            parse_host_entry(bad)


def test_wildcards_match_subdomains_only():
    policy = HostPolicy.build(allow_hosts=["*.example.com"],
                              resolver=resolver({"a.example.com": ["93.184.215.14"],
                                                 "a.b.example.com": ["93.184.215.14"],
                                                 "example.com": ["93.184.215.14"],
                                                 "badexample.com": ["93.184.215.14"]}))
    assert policy.resolve("A.Example.com", 443) == ["93.184.215.14"]
    assert policy.resolve("a.b.example.com", 443) == ["93.184.215.14"]
    for host in ("example.com", "badexample.com"):
        with pytest.raises(HostNotAllowedError, match="not in http.allow_hosts"):
            policy.resolve(host, 443)


def test_only_allowed_answers_are_kept():
    # a name answering with public and private addresses: only the public one is used
    mixed = resolver({"mixed.test": ["10.0.0.5", "93.184.215.14", "169.254.169.254"]})
    assert HostPolicy.build(resolver=mixed).resolve("mixed.test", 80) == ["93.184.215.14"]
    private = resolver({"rebind.test": ["127.0.0.1"]})
    with pytest.raises(HostNotAllowedError) as caught:
        HostPolicy.build(resolver=private).resolve("rebind.test", 80)
    assert str(caught.value) == (
        "HTTP request to 'rebind.test' refused: 127.0.0.1 is a loopback address; set "
        "http.allow_private, or list the address in http.allow_hosts, to allow it")
    assert isinstance(caught.value, HttpRequestError) and isinstance(caught.value, PodiumError)


def test_schemes():
    policy = HostPolicy.build()
    for scheme in ("file", "gopher", "ftp", ""):
        with pytest.raises(HostNotAllowedError, match="is not allowed"):
            policy.check_url(scheme, "example.com")
    policy.check_url("HTTPS", "example.com")


def test_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("PODIUM_HTTP__ALLOW_HOSTS", "api.example.com, *.corp.example, 10.2.0.0/16")
    monkeypatch.setenv("PODIUM_HTTP__DENY_HOSTS", '["169.254.169.254"]')
    monkeypatch.setenv("PODIUM_HTTP__ALLOW_PRIVATE", "false")
    monkeypatch.setenv("PODIUM_HTTP__MAX_INLINE_BODY_BYTES", "2048")
    http = Settings().http
    assert http.allow_hosts == ["api.example.com", "*.corp.example", "10.2.0.0/16"]
    assert http.deny_hosts == ["169.254.169.254"] and http.max_inline_body_bytes == 2048
    policy = HostPolicy.from_settings(http)
    assert policy.allow_names == ("api.example.com", "*.corp.example")
    assert policy.allow_networks == (ipaddress.ip_network("10.2.0.0/16"),)
    assert HttpSettings().allow_private is False and HttpSettings().allow_hosts == []
    with pytest.raises(ValidationError, match="not a host name"):
        HttpSettings(deny_hosts=["exa mple.com"])


# ---------------------------------------------------------------- the client
@pytest.fixture(scope="module")
def server():
    local = start_server()
    yield local
    stop_server(local)


def test_the_client_connects_to_the_checked_address_only(server):
    """Pinning: the policy's resolver is asked once and its answer is what the socket
    connects to; the name is never resolved again (the system resolver does not know
    `svc.test`), TLS/Host still see the name."""
    fake = resolver({"svc.test": ["10.9.9.9", "127.0.0.1"]})
    policy = HostPolicy.build(allow_hosts=["127.0.0.1"], resolver=fake)
    with guarded_client(policy, timeout=httpx.Timeout(5)) as client:
        response = client.get(f"http://svc.test:{server.port}/echo")
    assert response.status_code == 200 and response.json()["headers"]["host"] == \
        f"svc.test:{server.port}"
    assert fake.calls == ["svc.test"]


def test_the_client_rechecks_every_redirect_hop(server):
    fake = resolver({"public.test": ["127.0.0.1"], "metadata.test": ["169.254.169.254"]})
    policy = HostPolicy.build(allow_hosts=["127.0.0.1"], resolver=fake)
    with guarded_client(policy, timeout=httpx.Timeout(5)) as client:
        with pytest.raises(HostNotAllowedError, match="'metadata.test' refused"):
            client.get(f"http://public.test:{server.port}/redirect?to=http://metadata.test/")
    assert fake.calls == ["public.test", "metadata.test"]
    assert server.paths()[-1] == "/redirect"


def test_the_client_ignores_environment_proxies(server, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://10.66.66.66:3128")
    monkeypatch.setenv("ALL_PROXY", "http://10.66.66.66:3128")
    policy = HostPolicy.build(allow_hosts=["127.0.0.1"])
    with guarded_client(policy, timeout=httpx.Timeout(5)) as client:
        assert client.get(f"http://127.0.0.1:{server.port}/echo").status_code == 200
