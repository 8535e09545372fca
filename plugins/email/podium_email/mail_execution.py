"""io.kestra.plugin.email.MailExecution (formerly
io.kestra.plugin.notifications.mail.MailExecution)."""

from __future__ import annotations

from typing import Any, ClassVar

from podium.sdk import Example, RunContext, TaskFailure
from podium.sdk.executions import execution_summary
from podium_email import summary
from podium_email.mail_send import MailSend


class MailExecution(MailSend):
    """Send the summary of an execution by email (Kestra's template: namespace, flow,
    state, the failed task and the duration, execution id, final task), as HTML with a
    plain-text alternative. `executionId` (default the current execution: use it in
    `errors`, or `{{ trigger.executionId }}` from a Flow trigger, which waits for that
    execution to end), `customMessage`, `customFields`. The SMTP properties are
    MailSend's; `htmlTextContent` is the summary (a given one is refused)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.email.MailExecution"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.notifications.mail.MailExecution",)
    EXAMPLES: ClassVar[tuple[Example, ...]] = (Example(
        title="Send an email notification on a failed flow execution", code="""
id: failure_alert
namespace: company.team

tasks:
  - id: send_alert
    type: io.kestra.plugin.email.MailExecution
    to: hello@kestra.io
    from: hello@kestra.io
    subject: "The workflow execution {{trigger.executionId}} failed for the flow {{trigger.flowId}} in the namespace {{trigger.namespace}}"
    host: mail.privateemail.com
    port: 465
    username: "{{ secret('EMAIL_USERNAME') }}"
    password: "{{ secret('EMAIL_PASSWORD') }}"
    executionId: "{{ trigger.executionId }}"

triggers:
  - id: failed_prod_workflows
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionStatus
        in:
          - FAILED
          - WARNING
      - type: io.kestra.plugin.core.condition.ExecutionNamespace
        namespace: prod
        prefix: true
"""),)

    execution_id: str = "{{ execution.id }}"
    custom_fields: dict[str, Any] | str | None = None
    custom_message: str | None = None

    def bodies(self, ctx: RunContext) -> tuple[str | None, str | None]:
        if self.html_text_content is not None:
            raise TaskFailure("`htmlTextContent` is not a MailExecution property: the body "
                              "is the execution summary (use MailSend for your own)")
        execution_id = str(ctx.render(self.execution_id)).strip()
        if not execution_id:
            raise TaskFailure("`executionId` rendered empty")
        data = execution_summary(ctx, execution_id)
        if self.custom_message is not None:
            data["customMessage"] = str(ctx.render(self.custom_message))
        fields = ctx.render_typed(self.custom_fields) if isinstance(self.custom_fields, str) \
            else ctx.render_value(self.custom_fields)
        if fields:
            if not isinstance(fields, dict):
                raise TaskFailure("`customFields`: expected a map")
            data["customFields"] = fields
        return summary.html(data), summary.text(data)
