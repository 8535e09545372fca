"""The JDBC polling triggers (Kestra's AbstractJdbcTrigger): run `sql` every `interval` and
start an execution when it returns rows.

As Kestra's, a trigger runs its engine's Query task with its own properties, then fires
when the result's `size` is not 0; the execution's `trigger.*` variables are the query's
outputs: `rows` and `size` (FETCH, the default), `row` and `size` (FETCH_ONE), `uri` (an
ION file stored as the execution's) and `size` (STORE). `fetchType: NONE` is refused (the
trigger could never fire). `afterSQL` runs in the same transaction, to mark the rows read.
The query runs in the scheduler (podium.sdk.triggers), with a working directory of its own.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from pydantic import Field, field_validator

from podium.sdk import Example, Expr, TaskFailure
from podium.sdk.triggers import PollContext, PollingTrigger
from podium_jdbc.adapter import FetchType
from podium_jdbc.base import AbstractJdbcQuery

_NONE_REFUSED = ("fetchType NONE is not valid for triggers — the trigger would never fire. "
                 "Use FETCH, FETCH_ONE, or STORE.")


def rows_example(engine: str, connection: str) -> Example:
    """Kestra's one Trigger example, the same for every engine but for its type and its
    connection properties (`connection`: YAML lines, unindented)."""
    props = "".join(f"    {line}\n" for line in connection.splitlines())
    return Example(
        title="Wait for a SQL query to return results, and then iterate through rows.",
        code=f"""\
id: jdbc_trigger
namespace: company.team

tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{{{ trigger.rows }}}}"
    tasks:
      - id: return
        type: io.kestra.plugin.core.debug.Return
        format: "{{{{ fromJson(taskrun.value) }}}}"

triggers:
  - id: watch
    type: io.kestra.plugin.jdbc.{engine}.Trigger
    interval: "PT5M"
{props}    sql: "SELECT * FROM my_table"
    fetchType: FETCH
""")


class JdbcTrigger(PollingTrigger):
    """What every JDBC trigger has; an engine's trigger names its Query class in QUERY and
    adds that engine's connection properties."""

    QUERY: ClassVar[type[AbstractJdbcQuery]]

    url: str
    username: str | None = None
    password: str | None = None
    time_zone_id: str | None = None
    connection_pooling: bool = True  # read; each poll opens its own connection
    connection_pool_size: int = 10
    sql: str
    after_sql: str | None = Field(None, alias="afterSQL")
    fetch_type: FetchType = FetchType.FETCH
    fetch_size: int = 10000
    parameters: dict[str, Any] | Expr | None = None
    # Deprecated in Kestra 0.19 and still read, before `fetchType`.
    fetch: bool = False
    fetch_one: bool = False
    store: bool = False

    @field_validator("fetch_type")
    @classmethod
    def _not_none(cls, value: FetchType) -> FetchType:
        if value is FetchType.NONE:
            raise ValueError(_NONE_REFUSED)
        return value

    def query(self) -> AbstractJdbcQuery:
        """The engine's Query task with this trigger's properties."""
        fields = self.QUERY.model_fields
        values = {name: getattr(self, name) for name in self.model_fields_set
                  if name in fields and name not in ("type", "description", "log_level",
                                                     "log_to_file", "worker_group",
                                                     "disabled", "version", "assets")}
        return self.QUERY.model_validate({**values, "id": self.id, "type": self.QUERY.TYPE,
                                          "fetch_type": self.fetch_type})

    def evaluate(self, ctx: PollContext) -> dict[str, Any] | None:
        outputs = self.query().run(TriggerRunContext(ctx))  # type: ignore[attr-defined]
        size = outputs.get("size") or 0
        ctx.log("DEBUG", f"Found '{size}' rows from '{ctx.render(self.sql)}'")
        if not size:
            return None
        return {name: value for name, value in outputs.items() if value is not None}


class TriggerRunContext:
    """A task's RunContext over the scheduler's PollContext, for the Query a trigger runs:
    the poll has no task run, so metrics are dropped and there is nothing to kill."""

    def __init__(self, poll: PollContext) -> None:
        self._poll = poll
        self.context = poll.context

    def render(self, value: Any, extra: Any = None) -> Any:
        return self._poll.render(value, extra)

    def render_typed(self, value: Any, extra: Any = None) -> Any:
        return self._poll.render_typed(value, extra)

    def render_value(self, value: Any, extra: Any = None) -> Any:
        return self._poll.render_value(value, extra)

    def render_bool(self, value: Any, extra: Any = None) -> bool:
        rendered = self._poll.render_typed(value, extra)
        return rendered if isinstance(rendered, bool) else str(rendered).lower() == "true"

    def log(self, level: Any, message: Any) -> None:
        self._poll.log(level, message)

    def metric(self, entry: dict[str, Any]) -> None:
        pass

    def mask(self, text: str) -> str:
        return text

    def check_killed(self) -> None:
        pass

    def remaining(self) -> float | None:
        return None

    @property
    def working_dir(self) -> Path:
        return self._poll.working_dir

    def put_file(self, local_path: str | os.PathLike[str], name: str | None = None) -> str:
        return self._poll.put_file(local_path, name)

    def open_file(self, uri: str) -> BinaryIO:
        raise TaskFailure(f"a trigger cannot read stored files ({uri})")

    def download(self, uri: str, target: str | os.PathLike[str]) -> Path:
        raise TaskFailure(f"a trigger cannot read stored files ({uri})")
