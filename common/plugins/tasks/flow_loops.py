"""io.kestra.plugin.core.flow.*: loops (ForEach, EachSequential, EachParallel, WaitFor,
LoopUntil, and Kestra 2.0's Loop)."""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

from pydantic import AfterValidator, Field, StrictStr, model_validator
from typing_extensions import Annotated

from podium.common.plugins.base import FlowableTask, NonEmptyTasks, Tasks
from podium.common.plugins.fields import (
    Concurrency,
    DurationStr,
    Dyn,
    ScalarStr,
    StrictModel,
    is_expression,
)

_OLD = "io.kestra.core.tasks.flows."


def _check_each_values(value: Any) -> Any:
    # Kestra renders each element of a list and accepts only strings, integers and maps;
    # a string is rendered and then read as a JSON array. Reject now what would fail then.
    if isinstance(value, list):
        for item in value:
            if isinstance(item, bool) or not isinstance(item, (str, int, dict)):
                raise ValueError(f"a value must be a string, an integer or a map, "
                                 f"not {type(item).__name__} ({item!r})")
    elif not is_expression(value):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if not isinstance(parsed, list):
            raise ValueError("a string value must be an expression or a JSON array")
    return value


# The values a ForEach-like task iterates on: a list, or a string giving a JSON array.
EachValues = Annotated[list[Any] | str, AfterValidator(_check_each_values)]


class ForEach(FlowableTask):
    """Runs its children once per value, `concurrencyLimit` value groups at a time."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.ForEach"

    values: EachValues
    concurrency_limit: Concurrency = 1  # 1 = one value after the other, 0 = all at once
    tasks: Tasks | None = None  # optional in Kestra, as on Sequential


class EachSequential(FlowableTask):
    """Runs its children once per value, one value after the other (deprecated: ForEach)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.EachSequential"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "EachSequential",)
    DEPRECATED: ClassVar[bool] = True

    value: EachValues
    tasks: Tasks | None = None


class EachParallel(FlowableTask):
    """Runs its children once per value, all values at once (deprecated: ForEach)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.EachParallel"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "EachParallel",)
    DEPRECATED: ClassVar[bool] = True

    value: EachValues
    concurrent: Concurrency = 0  # 0 = no limit; also caps the tasks within a value
    tasks: NonEmptyTasks  # inherited from Parallel, where it is required


PositiveInt = Annotated[int, Field(ge=1)]


class CheckFrequency(StrictModel):
    """How often a WaitFor loop runs and when it gives up (Kestra 0.21 defaults)."""

    max_iterations: Dyn[PositiveInt] | None = 100
    max_duration: DurationStr | None = "PT1H"
    interval: DurationStr = "PT1S"


class LoopUntilFrequency(CheckFrequency):
    """LoopUntil's frequency: since Kestra 0.23, no cap on iterations or duration."""

    max_iterations: Dyn[PositiveInt] | None = None
    max_duration: DurationStr | None = None
    interval: DurationStr = "PT1M"


class WaitFor(FlowableTask):
    """Runs its children again and again until the rendered `condition` is truthy."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.WaitFor"

    tasks: Tasks
    condition: ScalarStr
    # When a maximum is reached: FAILED if true, else SUCCESS.
    fail_on_max_reached: Dyn[bool] = False
    check_frequency: CheckFrequency = Field(default_factory=CheckFrequency)


class LoopUntil(WaitFor):
    """WaitFor under its newer name (Kestra >= 0.23), with the newer frequency defaults."""

    # Kestra made WaitFor an alias of LoopUntil and changed the defaults at the same time;
    # keeping two classes lets a 0.21 flow that says WaitFor keep its 100 / PT1H / PT1S caps.
    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.LoopUntil"

    check_frequency: LoopUntilFrequency = Field(default_factory=LoopUntilFrequency)


FetchType = Literal["AUTO", "FETCH", "STORE"]


class LoopOutput(StrictModel):
    """One value a Loop exposes per iteration (Kestra's flow Output, rendered in the
    iteration's context when it ends, then coerced to `type`)."""

    id: Annotated[str, Field(pattern=r"^[a-zA-Z0-9][.a-zA-Z0-9_-]*$")]
    type: str  # an input type name (checked below)
    value: Any = Field(...)
    description: str | None = None
    display_name: Annotated[str, Field(max_length=64)] | None = None

    @model_validator(mode="after")
    def _check(self) -> "LoopOutput":
        from podium.common.inputs.types import TYPE_NAMES  # common.inputs imports the plugins
        if self.type not in TYPE_NAMES:
            raise ValueError(f"output '{self.id}': unknown type {self.type!r} "
                             f"(one of {', '.join(TYPE_NAMES)})")
        if self.value is None:
            raise ValueError(f"output '{self.id}' needs a value")
        return self


class Loop(FlowableTask):
    """Kestra 2.0's loop: runs its children once per value, each value in its own context."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.Loop"

    # A list, a map (one iteration per entry), a JSON-array string, or an expression that
    # may also render to a kestra:// URI of an ION file (one iteration per line).
    values: list[Any] | dict[str, Any] | StrictStr  # a YAML number is refused, not text
    concurrency_limit: Concurrency = 0  # Kestra 2.0: 0, every iteration at once
    transmit_failed: Dyn[bool] = True  # fail the Loop when an iteration fails
    # What each iteration exposes after the loop (`outputs.<loop>.outputs[n].outputs.<id>`).
    outputs: list[LoopOutput] | None = None
    fetch_type: FetchType = "AUTO"
    # Rendered after each iteration; truthy: no further iteration starts.
    break_when: ScalarStr | None = None
    tasks: NonEmptyTasks

    @model_validator(mode="after")
    def _unique_outputs(self) -> "Loop":
        ids = [output.id for output in self.outputs or []]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"outputs: duplicate id {', '.join(repeated)}")
        return self
