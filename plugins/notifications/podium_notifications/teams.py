"""io.kestra.plugin.microsoft365.teams.TeamsIncomingWebhook and TeamsExecution (formerly
io.kestra.plugin.notifications.teams.*): Microsoft Teams incoming webhooks."""

from __future__ import annotations

from typing import Any, ClassVar

from podium.sdk import Example, RunContext
from podium_notifications._webhook import ExecutionFields, WebhookTask, last_task_id, outcome, title

LEGACY = "io.kestra.plugin.notifications.teams."


class TeamsIncomingWebhook(WebhookTask):
    """Sends a Microsoft Teams message: `payload` is the JSON card (a template)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.microsoft365.teams.TeamsIncomingWebhook"
    ALIASES: ClassVar[tuple[str, ...]] = (LEGACY + "TeamsIncomingWebhook",)
    SERVICE: ClassVar[str] = "Teams"
    EXAMPLES = (Example(title="Send a Microsoft Teams notification on a failed flow execution",
                        code="""
id: unreliable_flow
namespace: company.team

tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail

errors:
  - id: alert_on_failure
    type: io.kestra.plugin.notifications.teams.TeamsIncomingWebhook
    url: "{{ secret('TEAMS_WEBHOOK') }}"
    payload: |
      {
        "@type": "MessageCard",
        "@context": "http://schema.org/extensions",
        "themeColor": "0076D7",
        "summary": "Failure alert for flow {{ flow.namespace }}.{{ flow.id }} with ID {{ execution.id }}"
      }
"""),)


class TeamsExecution(ExecutionFields, TeamsIncomingWebhook):
    """Sends Kestra's execution summary to Teams as a MessageCard: a summary line and the
    facts namespace, flow, execution id, state and final task id. `themeColor` (default
    `0076D7`), `activityTitle`, `activitySubtitle`."""

    TYPE: ClassVar[str] = "io.kestra.plugin.microsoft365.teams.TeamsExecution"
    ALIASES: ClassVar[tuple[str, ...]] = (LEGACY + "TeamsExecution",)
    EXAMPLES = (Example(title="Send a Teams notification on a failed flow execution", code="""
id: failure_alert
namespace: company.team

tasks:
  - id: send_alert
    type: io.kestra.plugin.notifications.teams.TeamsExecution
    url: "{{ secret('TEAMS_WEBHOOK') }}"
    executionId: "{{ trigger.executionId }}"

triggers:
  - id: failed_prod_workflows
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionStatus
        in:
          - FAILED
          - WARNING
"""),)

    theme_color: str = "0076D7"
    activity_title: str | None = None
    activity_subtitle: str | None = None

    def run(self, ctx: RunContext) -> None:
        summary = self.summary(ctx)
        execution = summary["execution"]
        section: dict[str, Any] = {}
        if self.activity_title is not None:
            section["activityTitle"] = ctx.render(self.activity_title)
        if self.activity_subtitle is not None:
            section["activitySubtitle"] = ctx.render(self.activity_subtitle)
        facts = [("Namespace", execution["namespace"]), ("Flow ID", execution["flowId"]),
                 ("Execution ID", execution["id"]),
                 ("Execution Status", execution["state"]["current"]),
                 ("Final task ID", last_task_id(summary) or "")]
        section["facts"] = [{"name": name, "value": value} for name, value in facts]
        section["markdown"] = True
        self.send(ctx, {"@type": "MessageCard", "@context": "http://schema.org/extensions",
                        "themeColor": ctx.render(self.theme_color),
                        "summary": f"*{title(summary)}*\n> {outcome(summary)}",
                        "sections": [section]})
