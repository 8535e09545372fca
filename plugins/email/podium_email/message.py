"""The MIME message MailSend sends: plain and HTML alternatives, embedded images (inline,
referred to as `cid:NAME` from the HTML), attachments read from the internal storage."""

from __future__ import annotations

import json
import re
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid
from typing import Any

from pydantic import ValidationError

from podium.sdk import RunContext, StrictModel, TaskFailure

DEFAULT_TEXT = "Please view this email in a modern email client"  # Kestra's default


class Attachment(StrictModel):
    """A file of the internal storage: `name` (as the mail shows it), `uri` (kestra://),
    `contentType` (default application/octet-stream)."""

    name: str
    uri: str
    content_type: str = "application/octet-stream"


def addresses(value: str | None, field: str) -> list[str]:
    """Kestra's recipient strings: several addresses separated by `,` or `;`."""
    if not value:
        return []
    found = [addr for _, addr in getaddresses([re.sub(r";", ",", value)]) if addr]
    bad = [a for a in found if "@" not in a]
    if bad:
        raise TaskFailure(f"`{field}`: '{bad[0]}' is not an email address")
    return found


def attachment_list(ctx: RunContext, value: Any, field: str) -> list[Attachment]:
    """A list of {name, uri, contentType}, or an expression giving one (or its JSON)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = ctx.render_typed(value)
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else []
            except ValueError:
                raise TaskFailure(f"`{field}`: expected a list of {{name, uri, contentType}}, "
                                  f"got '{value[:80]}'") from None
    if not isinstance(value, list):
        raise TaskFailure(f"`{field}`: expected a list of {{name, uri, contentType}}")
    items = []
    for index, item in enumerate(value):
        if isinstance(item, Attachment):
            item = item.model_dump()
        try:
            items.append(Attachment.model_validate(ctx.render_value(item)))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'item'}: {e['msg']}"
                                 for e in exc.errors())
            raise TaskFailure(f"`{field}[{index}]`: {problems}") from None
    return items


def _read(ctx: RunContext, item: Attachment, field: str) -> tuple[bytes, str, str]:
    maintype, _, subtype = item.content_type.partition("/")
    try:
        with ctx.open_file(item.uri) as stream:
            data = stream.read()
    except Exception as exc:  # noqa: BLE001 - a missing or forbidden file, said as such
        raise TaskFailure(f"`{field}` '{item.name}': cannot read {item.uri}: {exc}") from None
    return data, maintype or "application", subtype or "octet-stream"


def build(ctx: RunContext, *, sender: str, to: str | None, cc: str | None, subject: str | None,
          html: str | None, text: str | None, attachments: list[Attachment],
          images: list[Attachment]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    if to:
        message["To"] = to.replace(";", ",")
    if cc:
        message["Cc"] = cc.replace(";", ",")
    if subject:
        message["Subject"] = subject
    message["Message-ID"] = make_msgid()
    message.set_content(text if text is not None else DEFAULT_TEXT)
    if html is not None:
        message.add_alternative(html, subtype="html")
        body = message.get_payload()[-1]  # type: ignore[index]
        for image in images:
            data, maintype, subtype = _read(ctx, image, "embeddedImages")
            body.add_related(data, maintype, subtype, cid=f"<{image.name}>",
                             filename=image.name, disposition="inline")
    for item in attachments:
        ctx.check_killed()
        data, maintype, subtype = _read(ctx, item, "attachments")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=item.name)
    return message
