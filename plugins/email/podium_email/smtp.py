"""The SMTP connection: Kestra's (simple-java-mail's) transport strategies on smtplib,
connecting only to an address the worker's outgoing guard allows (podium.sdk.hosts), the
certificate checked against the host *name* the flow gave."""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage
from typing import Any, Literal

from podium.sdk import TaskFailure
from podium.sdk.hosts import HostNotAllowedError, allowed_addresses

Strategy = Literal["SMTP", "SMTPS", "SMTP_TLS", "SMTP_OAUTH2"]
DEFAULT_PORTS = {"SMTP": 25, "SMTPS": 465, "SMTP_TLS": 587, "SMTP_OAUTH2": 587}


def tls_context(host: str, verify: bool, trusted: list[str] | None) -> ssl.SSLContext:
    """System CAs; `verifyServerIdentity: false` or `host` among `trustedHosts` accept the
    server's certificate as it is (self-signed internal servers)."""
    context = ssl.create_default_context()
    if not verify or (trusted and host in trusted):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class _Pinned:
    """Mixin: smtplib resolves `host` itself; connect to the address the guard allowed
    instead, keeping `host` for TLS's server name."""

    address: str = ""

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return socket.create_connection((self.address, port), timeout)


class PinnedSMTP(_Pinned, smtplib.SMTP):
    pass


class PinnedSMTPSSL(_Pinned, smtplib.SMTP_SSL):
    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        raw = super()._get_socket(host, port, timeout)
        return self.context.wrap_socket(raw, server_hostname=host)  # type: ignore[attr-defined]


def send(ctx: Any, message: EmailMessage, recipients: list[str], *, host: str, port: int | None,
         strategy: Strategy, username: str | None, password: str | None, timeout: float,
         context: ssl.SSLContext) -> None:
    port = port or DEFAULT_PORTS[strategy]
    if strategy == "SMTP_OAUTH2":
        raise TaskFailure("`transportStrategy` SMTP_OAUTH2 is not supported by Podium; "
                          "supported: SMTP, SMTPS, SMTP_TLS")
    try:
        address = allowed_addresses(ctx, host, port)[0]
    except HostNotAllowedError as exc:
        raise TaskFailure(f"SMTP connection to '{host}' refused: {exc.reason} "
                          "(the worker's `http` settings decide which hosts are allowed)") from None
    client: smtplib.SMTP
    try:
        if strategy == "SMTPS":
            client = PinnedSMTPSSL(timeout=timeout, context=context)
        else:
            client = PinnedSMTP(timeout=timeout)
        client.address = address  # type: ignore[attr-defined]
        client._host = host  # TLS's server name (smtplib sets it only when given to __init__)
        with client:
            client.connect(host, port)
            if strategy == "SMTP_TLS":
                client.starttls(context=context)
            if username:
                client.login(username, password or "")
            client.send_message(message, to_addrs=recipients)
    except smtplib.SMTPAuthenticationError as exc:
        raise TaskFailure(f"SMTP authentication as '{username}' failed on {host}:{port}: "
                          f"{exc.smtp_code} {_text(exc.smtp_error)}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise TaskFailure(f"the SMTP server {host}:{port} refused the recipients "
                          f"{', '.join(exc.recipients)}") from None
    except smtplib.SMTPResponseException as exc:
        raise TaskFailure(f"the SMTP server {host}:{port} answered {exc.smtp_code} "
                          f"{_text(exc.smtp_error)}") from None
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        raise TaskFailure(f"cannot send the email through {host}:{port} "
                          f"({strategy}): {exc}") from None


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
