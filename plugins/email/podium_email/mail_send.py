"""io.kestra.plugin.email.MailSend (formerly io.kestra.plugin.notifications.mail.MailSend)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from podium.sdk import Example, RunContext, Task, TaskFailure
from podium_email import message, smtp
from podium_email.message import Attachment
from podium_email.smtp import Strategy


def _example(title: str, tasks: str, head: str = "") -> Example:
    return Example(title=title, code=f"id: send_email\nnamespace: company.team\n{head}\n"
                                     f"tasks:\n{tasks}")


class MailSend(Task):
    """Send an email through an SMTP server: `host`, `port` (default by
    `transportStrategy`: SMTPS 465, the default; SMTP_TLS 587, STARTTLS required; SMTP 25,
    plain), `username`/`password` (masked), `sessionTimeout` in milliseconds. `from`, `to`,
    `cc`, `bcc` (several addresses separated by `,` or `;`), `subject`, `htmlTextContent`
    and `plainTextContent` (offered as alternatives), `attachments` and `embeddedImages`
    (lists of {name, uri, contentType} of the internal storage, or an expression giving
    one; an embedded image is `cid:NAME` in the HTML). Server certificates are checked
    against the system's CAs unless `verifyServerIdentity` is false or the host is in
    `trustedHosts`. The host must be allowed by the worker's outgoing-connection settings
    (`http`: private and loopback addresses are refused by default). No outputs."""

    TYPE: ClassVar[str] = "io.kestra.plugin.email.MailSend"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.notifications.mail.MailSend",)
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        _example("Send an email on a failed flow execution.", """\
  - id: fail
    type: io.kestra.plugin.scripts.shell.Commands
    runner: PROCESS
    commands:
      - exit 1

errors:
  - id: send_email
    type: io.kestra.plugin.email.MailSend
    from: hello@kestra.io
    to: hello@kestra.io
    username: "{{ secret('EMAIL_USERNAME') }}"
    password: "{{ secret('EMAIL_PASSWORD') }}"
    host: mail.privateemail.com
    port: 465 # or 587
    subject: "Kestra workflow failed for the flow {{flow.id}} in the namespace {{flow.namespace}}"
    htmlTextContent: "Failure alert for flow {{ flow.namespace }}.{{ flow.id }} with ID {{ execution.id }}"
"""),
        _example("Send an email with attachments.", """\
  - id: send_email
    type: io.kestra.plugin.email.MailSend
    from: hello@kestra.io
    to: hello@kestra.io
    attachments: "{{ inputs.attachments | toJson }}"
""", head="\ninputs:\n  - id: attachments\n    type: ARRAY\n    itemType: JSON\n"),
        _example("Send an email with an embedded image.", """\
  - id: send_email
    type: io.kestra.plugin.email.MailSend
    from: hello@kestra.io
    to: hello@kestra.io
    htmlTextContent: '<img src="cid:kestra.png">'
    embeddedImages:
      - name: kestra.png
        uri: "{{ inputs.embedded_image_uri }}"
        contentType: image/png
""", head="\ninputs:\n  - id: embedded_image_uri\n    type: STRING\n"),
        _example("Send an email using an internal mail server with a self-signed "
                 "certificate and specific trusted hosts.", """\
  - id: send_email
    type: io.kestra.plugin.email.MailSend
    from: noreply@company.local
    to: admin@company.local
    username: "{{ secret('INTERNAL_SMTP_USER') }}"
    password: "{{ secret('INTERNAL_SMTP_PASSWORD') }}"
    host: mail.company.local
    port: 587
    transportStrategy: SMTP_TLS
    subject: "Internal notification"
    htmlTextContent: "This email was sent from an internal mail server"
    verifyServerIdentity: false
    trustedHosts:
      - mail.company.local
      - smtp.company.local
      - 192.168.1.100
"""),
    )

    host: str | None = None
    port: int | None = None
    username: str | None = None
    password: str | None = None
    transport_strategy: Strategy = "SMTPS"
    session_timeout: int = 10000
    verify_server_identity: bool = True
    trusted_hosts: list[str] | None = None
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    cc: str | None = None
    bcc: str | None = None
    subject: str | None = None
    html_text_content: str | None = None
    plain_text_content: str | None = None
    attachments: list[Attachment] | str | None = None
    embedded_images: list[Attachment] | str | None = None

    def _opt(self, ctx: RunContext, value: str | None) -> str | None:
        return None if value is None else str(ctx.render(value))

    def bodies(self, ctx: RunContext) -> tuple[str | None, str | None]:
        """The HTML and plain text bodies (MailExecution gives its summary instead)."""
        return self._opt(ctx, self.html_text_content), self._opt(ctx, self.plain_text_content)

    def run(self, ctx: RunContext) -> dict[str, Any] | None:
        host, sender = self._opt(ctx, self.host), self._opt(ctx, self.from_)
        if not host:
            raise TaskFailure("`host` is required: the SMTP server to send through")
        if not sender:
            raise TaskFailure("`from` is required: the sender's address")
        to, cc, bcc = (self._opt(ctx, v) for v in (self.to, self.cc, self.bcc))
        recipients = message.addresses(to, "to") + message.addresses(cc, "cc") + \
            message.addresses(bcc, "bcc")
        if not recipients:
            raise TaskFailure("no recipient: set `to`, `cc` or `bcc`")
        html, text = self.bodies(ctx)
        mail = message.build(
            ctx, sender=sender, to=to, cc=cc, subject=self._opt(ctx, self.subject),
            html=html, text=text,
            attachments=message.attachment_list(ctx, self.attachments, "attachments"),
            images=message.attachment_list(ctx, self.embedded_images, "embeddedImages"))
        trusted = [str(ctx.render(h)) for h in self.trusted_hosts or []]
        ctx.log("DEBUG", f"Sending an email to {', '.join(recipients)} through {host}")
        smtp.send(ctx, mail, recipients, host=host, port=self.port,
                  strategy=self.transport_strategy, username=self._opt(ctx, self.username),
                  password=self._opt(ctx, self.password), timeout=self.session_timeout / 1000,
                  context=smtp.tls_context(host, self.verify_server_identity, trusted))
        ctx.log("INFO", f"Email '{mail['Subject'] or ''}' sent to {len(recipients)} recipients")
        return None
