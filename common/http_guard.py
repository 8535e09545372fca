"""Which hosts the HTTP tasks may reach: the SSRF guard behind `PODIUM_HTTP__*`.

A flow author chooses the URL of an http.Request; without a guard, a worker inside a
cluster would fetch its cloud metadata (169.254.169.254), its Redis or anything on the
private network for them. `HostPolicy` decides, for one host and the addresses it resolves
to, which addresses may be connected to:

1. only `http` and `https` URLs;
2. a host matching a `deny_hosts` name, or an address inside a `deny_hosts` IP/CIDR, is
   refused;
3. when `allow_hosts` is not empty, the host must match one of its names, or the address
   must be inside one of its IPs/CIDRs;
4. an address that is not globally routable (loopback, RFC 1918, link-local incl. cloud
   metadata, unique-local and site-local IPv6, CGNAT, multicast, unspecified, reserved,
   and those IPv4 addresses written as IPv6: mapped, 6to4, NAT64) is refused unless
   `allow_private` is on or the address is inside an IP/CIDR of `allow_hosts`. A host
   *name* in `allow_hosts` never unlocks a private address: a DNS answer is not trusted
   with that.

Entries: `example.com` (that name), `*.example.com` (any name below it, not itself),
`10.1.2.3`, `10.0.0.0/8`, `::1`, `fd00::/8`. Names compare case-insensitively, without a
trailing dot, in their ASCII (IDNA) form as URLs carry them.

`resolve(host, port)` resolves once and returns the addresses allowed, in resolver order;
the caller connects to those addresses (never to the name again), so the address checked is
the address used (see common/http_client.py). Refusals raise HostNotAllowedError.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable

from podium.common.errors import HostNotAllowedError

if TYPE_CHECKING:
    from podium.common.settings import HttpSettings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
SCHEMES = ("http", "https")

_RFC1918 = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SITE_LOCAL = ipaddress.ip_network("fec0::/10")  # deprecated, still routed privately
_HINT = "set http.allow_private, or list the address in http.allow_hosts, to allow it"


def parse_host_entry(entry: str) -> str | Network:
    """An allow/deny entry: a network for an IP or CIDR, else a normalized host pattern.
    Raises ValueError for an empty or malformed entry."""
    text = entry.strip() if isinstance(entry, str) else ""
    if not text:
        raise ValueError("empty host entry")
    bare = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    try:
        return ipaddress.ip_network(bare, strict=False)
    except ValueError:
        pass
    name = _normalize_name(text)
    label = name[2:] if name.startswith("*.") else name
    if not label or "*" in label or "/" in label or ":" in label or " " in label:
        raise ValueError(f"'{entry}' is not a host name, '*.domain', IP or CIDR")
    return name


def _normalize_name(host: str) -> str:
    return host.strip().rstrip(".").lower()


def _name_matches(host: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return host == pattern


def _embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped ::ffff:a.b.c.d, 6to4, NAT64)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def special_kind(address: Address) -> str | None:
    """Why an address is not a public one ('a loopback address'...), None if it is."""
    inner = _embedded_ipv4(address)
    if inner is not None:
        kind = special_kind(inner)
        return f"{kind} (as {address})" if kind else None
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (cloud metadata lives there)"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv6Address) and address in _SITE_LOCAL:
        return "a site-local IPv6 address"
    if isinstance(address, ipaddress.IPv6Address) and address in _UNIQUE_LOCAL:
        return "a unique-local IPv6 address"
    if any(address in network for network in _RFC1918):
        return "a private (RFC 1918) address"
    if address in _CGNAT:
        return "a carrier-grade NAT address"
    if address.is_private or address.is_reserved or not address.is_global:
        return "a reserved, non-public address"
    return None


Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """Every address getaddrinfo gives for a TCP connection to host:port, in its order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise HostNotAllowedError(host, f"cannot resolve the host name ({exc.strerror})") \
            from None
    seen: list[str] = []
    for *_, sockaddr in infos:
        if sockaddr[0] not in seen:
            seen.append(str(sockaddr[0]))
    return seen


@dataclass(frozen=True)
class HostPolicy:
    """The guard itself. Build it from HttpSettings with `from_settings`."""

    allow_names: tuple[str, ...] = ()
    allow_networks: tuple[Network, ...] = ()
    deny_names: tuple[str, ...] = ()
    deny_networks: tuple[Network, ...] = ()
    allow_private: bool = False
    resolver: Resolver = field(default=system_resolver, compare=False)

    @classmethod
    def build(cls, allow_hosts: Iterable[str] = (), deny_hosts: Iterable[str] = (),
              allow_private: bool = False, resolver: Resolver | None = None) -> "HostPolicy":
        allow = [parse_host_entry(e) for e in allow_hosts]
        deny = [parse_host_entry(e) for e in deny_hosts]
        return cls(allow_names=tuple(e for e in allow if isinstance(e, str)),
                   allow_networks=tuple(e for e in allow if not isinstance(e, str)),
                   deny_names=tuple(e for e in deny if isinstance(e, str)),
                   deny_networks=tuple(e for e in deny if not isinstance(e, str)),
                   allow_private=allow_private, resolver=resolver or system_resolver)

    @classmethod
    def from_settings(cls, settings: HttpSettings) -> "HostPolicy":
        """From a common.settings.HttpSettings (or anything with the same three fields)."""
        return cls.build(settings.allow_hosts, settings.deny_hosts, settings.allow_private)

    @property
    def restricted(self) -> bool:
        return bool(self.allow_names or self.allow_networks)

    def check_url(self, scheme: str, host: str) -> None:
        """What can be decided before resolving: the scheme and the host name lists."""
        if scheme.lower() not in SCHEMES:
            what = f"the scheme '{scheme}'" if scheme else "a URL without a scheme"
            raise HostNotAllowedError(host or "?", f"{what} is not allowed (only http and "
                                                   f"https)")
        if not host:
            raise HostNotAllowedError("?", "the URL has no host")
        name = _normalize_name(host)
        for pattern in self.deny_names:
            if _name_matches(name, pattern):
                raise HostNotAllowedError(host, f"it matches '{pattern}' of http.deny_hosts")

    def refusal(self, address: Address, name_allowed: bool) -> str | None:
        """Why `address` may not be connected to (`name_allowed`: the host name it answers
        for is in allow_hosts), None if it may."""
        for network in self.deny_networks:
            if address in network:
                return f"{address} is in '{network}' of http.deny_hosts"
        listed = any(address in network for network in self.allow_networks)
        if self.restricted and not (listed or name_allowed):
            return "it is not in http.allow_hosts"
        kind = special_kind(address)
        if kind and not (self.allow_private or listed):
            return f"{address} is {kind}; {_HINT}"
        return None

    def resolve(self, host: str, port: int) -> list[str]:
        """The addresses of `host` that may be connected to, in resolver order; raises
        HostNotAllowedError when there is none (naming the first reason)."""
        self.check_url("http", host)
        name = _normalize_name(host).strip("[]")
        try:
            literal: Address | None = ipaddress.ip_address(name)
        except ValueError:
            literal = None
        name_allowed = literal is None and any(_name_matches(name, p) for p in self.allow_names)
        answers = [name] if literal is not None else self.resolver(name, port)
        allowed: list[str] = []
        reasons: list[str] = []
        for answer in answers:
            try:
                address = ipaddress.ip_address(answer.split("%", 1)[0])
            except ValueError:
                reasons.append(f"the resolver gave a non-address '{answer}'")
                continue
            reason = self.refusal(address, name_allowed)
            if reason is None:
                allowed.append(answer)
            else:
                reasons.append(reason)
        if not allowed:
            raise HostNotAllowedError(host, reasons[0] if reasons else "no address found")
        return allowed
