"""The connection properties every AWS type shares (Kestra's AbstractConnection) and the
boto3 clients built from them.

Credentials: `accessKeyId` + `secretKeyId` (+ `sessionToken`) when given, else boto3's
default chain (environment, profile, instance role), as Kestra falls back to the AWS SDK's
chain. `stsRoleArn` assumes that role first (STS AssumeRole, `stsRoleExternalId`,
`stsRoleSessionName`, `stsRoleSessionDuration`, `stsEndpointOverride`).

`compatibilityMode` chooses, in Kestra, between two Java transfer clients (CRT or the
plain async one); boto3 has one client, so it is read and changes nothing. `forcePathStyle`
asks for path-style addressing (`http://host/bucket/key`), which S3-compatible servers
such as MinIO need.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from podium.sdk import DurationStr, RunContext, StrictModel, TaskFailure
from podium.sdk.durations import parse_duration
from podium.sdk.triggers import PollContext

# boto3 and botocore are imported where a client is made, not here: the executor and the
# scheduler load this module for the task classes alone, and boto3 costs them ~50 MB.
if TYPE_CHECKING:
    import boto3

# AWS accepts role sessions of 15 minutes to 12 hours.
MIN_STS_SECONDS = 900
MAX_STS_SECONDS = 43200


class AwsConnection(StrictModel):
    """Kestra's AbstractConnection properties (mixed into each AWS task and trigger)."""

    access_key_id: str | None = None
    secret_key_id: str | None = None
    session_token: str | None = None
    region: str | None = None
    endpoint_override: str | None = None
    compatibility_mode: bool = False
    force_path_style: bool = False
    sts_role_arn: str | None = None
    sts_role_external_id: str | None = None
    sts_role_session_name: str | None = None
    sts_endpoint_override: str | None = None
    sts_role_session_duration: DurationStr = "PT15M"

    def s3_client(self, ctx: RunContext | PollContext) -> Any:
        """A boto3 S3 client for these properties, rendered with `ctx`."""
        return ClientSettings.of(self, ctx).client("s3")


@dataclass(frozen=True)
class ClientSettings:
    """The connection properties, rendered."""

    access_key_id: str | None
    secret_key_id: str | None
    session_token: str | None
    region: str | None
    endpoint: str | None
    path_style: bool
    sts_role_arn: str | None
    sts_external_id: str | None
    sts_session_name: str | None
    sts_endpoint: str | None
    sts_seconds: int

    @classmethod
    def of(cls, conn: AwsConnection, ctx: RunContext | PollContext) -> "ClientSettings":
        text = _renderer(ctx)
        settings = cls(
            access_key_id=text(conn.access_key_id), secret_key_id=text(conn.secret_key_id),
            session_token=text(conn.session_token), region=text(conn.region),
            endpoint=text(conn.endpoint_override), path_style=bool(conn.force_path_style),
            sts_role_arn=text(conn.sts_role_arn), sts_external_id=text(conn.sts_role_external_id),
            sts_session_name=text(conn.sts_role_session_name),
            sts_endpoint=text(conn.sts_endpoint_override),
            sts_seconds=_session_seconds(text(conn.sts_role_session_duration) or "PT15M"))
        settings.check()
        return settings

    def check(self) -> None:
        if bool(self.access_key_id) != bool(self.secret_key_id):
            given, missing = (("accessKeyId", "secretKeyId") if self.access_key_id
                              else ("secretKeyId", "accessKeyId"))
            raise TaskFailure(f"`{given}` is set but `{missing}` is empty: give both keys, or "
                              "neither to use the default AWS credentials chain")
        for name, url in (("endpointOverride", self.endpoint),
                          ("stsEndpointOverride", self.sts_endpoint)):
            if url:
                _check_endpoint(name, url)

    def client(self, service: str) -> Any:
        from botocore.config import Config

        session = self._session()
        config = Config(retries={"max_attempts": 3, "mode": "standard"},
                        s3={"addressing_style": "path"} if self.path_style else None)
        with aws_errors(f"creating the {service} client"):
            return session.client(service, endpoint_url=self.endpoint, config=config)

    def _session(self) -> boto3.session.Session:
        import boto3

        session = boto3.session.Session(
            aws_access_key_id=self.access_key_id, aws_secret_access_key=self.secret_key_id,
            aws_session_token=self.session_token, region_name=self.region)
        if not self.sts_role_arn:
            return session
        sts = session.client("sts", endpoint_url=self.sts_endpoint)
        request: dict[str, Any] = {
            "RoleArn": self.sts_role_arn, "DurationSeconds": self.sts_seconds,
            "RoleSessionName": self.sts_session_name or f"podium-{uuid.uuid4().hex[:16]}"}
        if self.sts_external_id:
            request["ExternalId"] = self.sts_external_id
        with aws_errors(f"assuming the role {self.sts_role_arn} (stsRoleArn)"):
            creds = sts.assume_role(**request)["Credentials"]
        return boto3.session.Session(
            aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"], region_name=self.region)


def _renderer(ctx: RunContext | PollContext) -> Any:
    def text(value: Any) -> str | None:
        if value is None:
            return None
        rendered = ctx.render(value)
        return str(rendered).strip() or None if rendered is not None else None
    return text


def _session_seconds(text: str) -> int:
    try:
        seconds = int(parse_duration(text).total_seconds())
    except ValueError as exc:
        raise TaskFailure(f"`stsRoleSessionDuration`: {exc}") from None
    if not MIN_STS_SECONDS <= seconds <= MAX_STS_SECONDS:
        raise TaskFailure(f"`stsRoleSessionDuration` is {text}: AWS accepts 15 minutes (PT15M) "
                          "to 12 hours (PT12H)")
    return seconds


def _check_endpoint(name: str, url: str) -> None:
    """An http(s) URL whose host is not link-local: 169.254.169.254 is the cloud metadata
    service, which hands out the machine's own credentials (Kestra refuses it too)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TaskFailure(f"`{name}` must be an http(s) URL such as http://127.0.0.1:9000, "
                          f"not '{url}'")
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return  # a host name
    if address.is_link_local:
        raise TaskFailure(f"`{name}` points at the link-local address {address} (the cloud "
                          "metadata service): refused")


@contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Turn boto3's errors into a TaskFailure saying what was being done and why it failed."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code") or "error"
        message = error.get("Message") or str(exc)
        raise TaskFailure(f"{action} failed: {code}: {message}") from None
    except BotoCoreError as exc:
        raise TaskFailure(f"{action} failed: {exc}") from None
