"""Kestra's alerting example (a flow whose `errors` sends MailExecution) on real
`podium executor` / `podium worker` processes over PostgreSQL and Redis, the mail received
by aiosmtpd on loopback: the worker reaches the store for the summary and applies its
`http` settings (PODIUM_HTTP__ALLOW_HOSTS) to the SMTP host."""

from __future__ import annotations

import pytest

from podium.common.models.state import State
from tests.integration.conftest import deploy, deployment, finish, start_runtime  # noqa: F401
from tests.plugins.email import smtp_server

pytestmark = pytest.mark.service

FLOW = """
id: alerting
namespace: tests.email
inputs:
  - id: port
    type: INT
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: broken on purpose
errors:
  - id: mail_alert
    type: io.kestra.plugin.notifications.mail.MailExecution
    host: 127.0.0.1
    port: "{{ inputs.port }}"
    transportStrategy: SMTP
    from: podium@example.org
    to: oncall@example.org
    subject: "Execution {{ execution.id }} failed"
"""


def test_mail_execution_in_errors_on_the_distributed_runtime(deployment):  # noqa: F811
    controller, handler = smtp_server.start()
    try:
        runtime, _ = start_runtime(deployment, "email",
                                   PODIUM_HTTP__ALLOW_HOSTS="127.0.0.1")
        deploy(runtime, FLOW)
        execution = runtime.submit("tests.email", "alerting", {"port": controller.port})
        done = finish(runtime, execution.id, timeout=60)
        assert done.state is State.FAILED
        runs = {r.task_id: r for r in runtime.task_runs(done.id)}
        assert runs["mail_alert"].state is State.SUCCESS, runtime.logs(done.id)
        [got] = handler.received
        assert got.message["Subject"] == f"Execution {done.id} failed"
        text = got.message.get_body(("plain",)).get_content()
        assert f"Execution: {done.id}" in text and "Failed on task boom" in text
    finally:
        controller.stop()
