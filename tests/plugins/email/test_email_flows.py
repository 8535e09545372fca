"""The email plugin through real flows on the embedded runtime, against a real SMTP server
on loopback (aiosmtpd): bodies, recipients, attachments read back from the MIME, AUTH over
STARTTLS with a self-signed certificate, MailExecution's summary from `errors`, and the
failures a user meets (refused connection, wrong password, a host the guard refuses)."""

from __future__ import annotations

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.plugins.catalog import family_of
from podium.common.settings import HttpSettings
from podium.common.storage.uploads import Upload
from podium.runtime import Runtime
from podium.worker.run_context import RunContext
from podium_email import plugin
from tests.plugins.email import smtp_server

SEND = """
id: send
namespace: tests.email
inputs:
  - id: port
    type: INT
  - id: first
    type: FILE
  - id: second
    type: FILE
tasks:
  - id: mail
    type: io.kestra.plugin.email.MailSend
    host: 127.0.0.1
    port: "{{ inputs.port }}"
    transportStrategy: SMTP
    from: podium@example.org
    to: "ada@example.org; bob@example.org"
    cc: carol@example.org
    bcc: dave@example.org
    subject: "Report of {{ flow.id }}"
    htmlTextContent: "<h1>Report</h1><p>{{ execution.id }}</p>"
    plainTextContent: "Report {{ execution.id }}"
    attachments:
      - name: first.csv
        uri: "{{ inputs.first }}"
        contentType: text/csv
      - name: second.bin
        uri: "{{ inputs.second }}"
"""

AUTH = """
id: auth
namespace: tests.email
inputs:
  - id: port
    type: INT
  - id: password
    type: STRING
tasks:
  - id: mail
    type: io.kestra.plugin.notifications.mail.MailSend
    host: 127.0.0.1
    port: "{{ inputs.port }}"
    transportStrategy: SMTP_TLS
    verifyServerIdentity: false
    username: podium
    password: "{{ inputs.password }}"
    from: podium@example.org
    to: ada@example.org
    subject: over STARTTLS
    plainTextContent: hello
"""

SMTPS = """
id: smtps
namespace: tests.email
inputs:
  - id: port
    type: INT
  - id: trusted
    type: STRING
  - id: logo
    type: FILE
tasks:
  - id: mail
    type: io.kestra.plugin.email.MailSend
    host: 127.0.0.1
    port: "{{ inputs.port }}"
    trustedHosts:
      - "{{ inputs.trusted }}"
    from: podium@example.org
    to: ada@example.org
    subject: implicit TLS
    htmlTextContent: '<img src="cid:logo.png">'
    embeddedImages:
      - name: logo.png
        uri: "{{ inputs.logo }}"
        contentType: image/png
"""

ALERT = """
id: alert
namespace: tests.email
inputs:
  - id: port
    type: INT
tasks:
  - id: ok
    type: io.kestra.plugin.core.log.Log
    message: fine
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: broken on purpose
errors:
  - id: notify
    type: io.kestra.plugin.email.MailExecution
    host: 127.0.0.1
    port: "{{ inputs.port }}"
    transportStrategy: SMTP
    from: podium@example.org
    to: oncall@example.org
    subject: "Execution {{ execution.id }} failed"
    customMessage: "Look at {{ flow.id }}"
    customFields:
      team: data
"""

OTHER = """
id: other
namespace: tests.email
inputs:
  - id: port
    type: INT
  - id: target
    type: STRING
tasks:
  - id: notify
    type: io.kestra.plugin.notifications.mail.MailExecution
    host: 127.0.0.1
    port: "{{ inputs.port }}"
    transportStrategy: SMTP
    from: podium@example.org
    to: oncall@example.org
    executionId: "{{ inputs.target }}"
"""

BAD = """
id: bad
namespace: tests.email
inputs:
  - id: to
    type: STRING
  - id: attachments
    type: STRING
tasks:
  - id: mail
    type: io.kestra.plugin.email.MailSend
    host: 127.0.0.1
    from: podium@example.org
    to: "{{ inputs.to }}"
    attachments: "{{ inputs.attachments }}"
"""

FIRST = b"id,name\n" + b"".join(b"%d,row %d\n" % (i, i) for i in range(2000))
SECOND = bytes(range(256)) * 40


@pytest.fixture(scope="module")
def rt(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        # The worker's outgoing settings, as `podium worker` sets them: loopback allowed.
        patch.setattr(RunContext, "http", HttpSettings(allow_hosts=["127.0.0.1"]))
        with Runtime.embedded(tmp_path_factory.mktemp("email")) as runtime:
            for source in (SEND, AUTH, SMTPS, ALERT, OTHER, BAD):
                runtime.deploy(parse_flow(source))
            yield runtime


@pytest.fixture(scope="module")
def plain():
    controller, handler = smtp_server.start()
    yield controller, handler
    controller.stop()


def run(rt, flow_id, **inputs):
    return rt.wait(rt.submit("tests.email", flow_id, inputs).id, 60)


def errors(rt, execution) -> str:
    return "\n".join(e.message for e in rt.logs(execution.id) if e.level == "ERROR")


def test_mail_with_bodies_recipients_and_attachments(rt, plain):
    controller, handler = plain
    handler.received.clear()
    done = run(rt, "send", port=controller.port, first=Upload("first.csv", data=FIRST),
               second=Upload("second.bin", data=SECOND))
    assert done.state is State.SUCCESS, errors(rt, done)
    [got] = handler.received
    assert got.sender == "podium@example.org"
    assert got.recipients == ["ada@example.org", "bob@example.org", "carol@example.org",
                              "dave@example.org"]
    mail = got.message
    assert mail["To"] == "ada@example.org, bob@example.org"
    assert mail["Cc"] == "carol@example.org"
    assert mail["Bcc"] is None  # bcc is in the envelope only
    assert mail["Subject"] == "Report of send"
    assert mail.get_body(("plain",)).get_content().strip() == f"Report {done.id}"
    assert mail.get_body(("html",)).get_content().strip() == f"<h1>Report</h1><p>{done.id}</p>"
    files = {part.get_filename(): (part.get_content_type(), part.get_content())
             for part in mail.iter_attachments()}
    assert files == {"first.csv": ("text/csv", FIRST.decode()),
                     "second.bin": ("application/octet-stream", SECOND)}


def test_auth_over_starttls_with_a_self_signed_certificate(rt, tmp_path):
    controller, handler = smtp_server.start(tls=smtp_server.self_signed(tmp_path),
                                            user="podium", password="s3cret")
    try:
        done = run(rt, "auth", port=controller.port, password="s3cret")
        assert done.state is State.SUCCESS, errors(rt, done)
        [got] = handler.received
        assert got.recipients == ["ada@example.org"]
        assert got.message.get_content().strip() == "hello"
        wrong = run(rt, "auth", port=controller.port, password="nope")
        assert wrong.state is State.FAILED
        assert "SMTP authentication as 'podium' failed on 127.0.0.1" in errors(rt, wrong)
        assert "nope" not in errors(rt, wrong)
        assert len(handler.received) == 1
    finally:
        controller.stop()


def test_smtps_trusted_host_and_an_embedded_image(rt, tmp_path):
    """The default transport (SMTPS, implicit TLS): a self-signed certificate is refused
    unless the host is in `trustedHosts`; the image is a related part named by its cid."""
    controller, handler = smtp_server.start(tls=smtp_server.self_signed(tmp_path),
                                            implicit_tls=True)
    logo = b"\x89PNG\r\n\x1a\n" + bytes(range(200))
    try:
        refused = run(rt, "smtps", port=controller.port, trusted="other.example.org",
                      logo=Upload("logo.png", data=logo))
        assert refused.state is State.FAILED
        assert "CERTIFICATE_VERIFY_FAILED" in errors(rt, refused)
        done = run(rt, "smtps", port=controller.port, trusted="127.0.0.1",
                   logo=Upload("logo.png", data=logo))
        assert done.state is State.SUCCESS, errors(rt, done)
        [got] = handler.received
        related = next(p for p in got.message.walk() if p.get_content_type() == "image/png")
        assert related["Content-ID"] == "<logo.png>"
        assert related.get_content() == logo
    finally:
        controller.stop()


def test_mail_execution_from_errors_sends_the_summary(rt, plain):
    controller, handler = plain
    handler.received.clear()
    done = run(rt, "alert", port=controller.port)
    assert done.state is State.FAILED
    notify = [r for r in rt.task_runs(done.id) if r.task_id == "notify"]
    assert notify[0].state is State.SUCCESS, errors(rt, done)
    [got] = handler.received
    assert got.message["Subject"] == f"Execution {done.id} failed"
    text = got.message.get_body(("plain",)).get_content()
    html = got.message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "[tests.email] alert" in body
        assert done.id in body
        assert "Failed on task" in body and "boom" in body
        assert "Look at alert" in body
        assert "team" in body and "data" in body
    assert "Namespace: tests.email" in text and "Flow: alert" in text
    assert "Final task ID: boom" in text
    assert '<span style="color: red;">' in html


def test_mail_execution_of_another_ended_execution(rt, plain):
    """`executionId` of another execution (as from a Flow trigger): its final state, and
    an unknown id fails naming it."""
    controller, handler = plain
    failed = run(rt, "alert", port=smtp_server.free_port())  # its own mail cannot go out
    handler.received.clear()
    done = run(rt, "other", port=controller.port, target=failed.id)
    assert done.state is State.SUCCESS, errors(rt, done)
    [got] = handler.received
    text = got.message.get_body(("plain",)).get_content()
    assert f"Execution: {failed.id}" in text and "Status: FAILED" in text
    assert "Failed on task boom" in text
    missing = run(rt, "other", port=controller.port, target="nope")
    assert missing.state is State.FAILED
    assert "Unable to find execution 'nope' (`executionId`)" in errors(rt, missing)


def test_a_refused_connection_fails_the_task_clearly(rt):
    port = smtp_server.free_port()  # nothing listens there
    done = run(rt, "send", port=port, first=Upload("a.csv", data=b"a"),
               second=Upload("b.bin", data=b"b"))
    assert done.state is State.FAILED
    assert f"cannot send the email through 127.0.0.1:{port} (SMTP)" in errors(rt, done)


def test_the_default_settings_refuse_a_loopback_server(rt, plain, monkeypatch):
    monkeypatch.setattr(RunContext, "http", None)
    controller, handler = plain
    handler.received.clear()
    done = run(rt, "send", port=controller.port, first=Upload("a.csv", data=b"a"),
               second=Upload("b.bin", data=b"b"))
    assert done.state is State.FAILED
    assert "SMTP connection to '127.0.0.1' refused" in errors(rt, done)
    assert handler.received == []


@pytest.mark.parametrize(("to", "attachments", "message"), [
    ("nobody", "[]", "`to`: 'nobody' is not an email address"),
    ("ada@example.org", "not json", "`attachments`: expected a list of {name, uri, "
                                    "contentType}, got 'not json'"),
    ("ada@example.org", '[{"name": "a.csv"}]', "`attachments[0]`: uri: Field required"),
])
def test_bad_input_names_the_property(rt, to, attachments, message):
    done = run(rt, "bad", to=to, attachments=attachments)
    assert done.state is State.FAILED
    assert message in errors(rt, done)


def test_kestra_examples_validate():
    checked = 0
    for task in plugin.tasks:
        for example in task.EXAMPLES:
            try:
                parse_flow(example.code)
            except Exception as exc:  # noqa: BLE001
                raise AssertionError(f"{task.TYPE}: {example.title}: {exc}") from exc
            checked += 1
    assert checked == 5


def test_the_older_names_point_at_this_plugin():
    """A flow naming notifications.mail.* where the plugin is missing is told to install
    podium-plugin-email (Kestra moved these types to plugin-email)."""
    assert family_of("io.kestra.plugin.notifications.mail.MailExecution") == "email"
    assert family_of("io.kestra.plugin.email.MailSend") == "email"
    assert {t.TYPE for t in plugin.tasks} == {"io.kestra.plugin.email.MailSend",
                                              "io.kestra.plugin.email.MailExecution"}
    assert {a for t in plugin.tasks for a in t.ALIASES} == {
        "io.kestra.plugin.notifications.mail.MailSend",
        "io.kestra.plugin.notifications.mail.MailExecution"}
