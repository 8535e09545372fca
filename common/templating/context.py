"""Kestra's run variables (RunVariables.DefaultBuilder.build) assembled from plain data.

Keys are only present when Kestra would set them, because strict rendering makes the
difference visible: `{{ inputs.x }}` on a flow without inputs fails on `inputs`, as in Kestra.
"""

from __future__ import annotations

import os
import typing as t
from collections.abc import Iterable, Mapping

from podium.common.templating.services import SERVICES_KEY, RenderServices

DEFAULT_ENV_PREFIX = "ENV_"  # Kestra's documented default (kestra.variables.env-vars-prefix)
REDACTED_ENV_VARS = frozenset({"KESTRA_PLUGINS_PATH", "KESTRA_CONFIGURATION_PATH",
                               "KESTRA_CONFIGURATION", "KESTRA_JAVA_OPTS"})
# Never exposed, whatever the prefix (an empty one included): the values `secret()` reads
# and Podium's own settings (database URLs with passwords, the encryption key...).
PRIVATE_ENV_PREFIXES = ("SECRET_", "PODIUM_")
SYSTEM_LABEL_PREFIX = "system."
MAIN_TENANT = "main"  # open-source Kestra's one tenant (TenantService.MAIN_TENANT)


def env_variables(
    environ: Mapping[str, str] | None = None,
    prefix: str = DEFAULT_ENV_PREFIX,
    redacted: Iterable[str] = REDACTED_ENV_VARS,
) -> dict[str, str]:
    """`envs`: variables starting with the prefix, prefix stripped, lowercased; some
    redacted, and the process's secrets and settings never (PRIVATE_ENV_PREFIXES)."""
    source = os.environ if environ is None else environ
    hidden = set(redacted)
    return {
        key[len(prefix):].lower(): value
        for key, value in source.items()
        if key.startswith(prefix) and key not in hidden
        and not key.upper().startswith(PRIVATE_ENV_PREFIXES)
    }


def label_variables(labels: Mapping[str, t.Any] | Iterable[tuple[str, t.Any]]) -> dict[str, t.Any]:
    """`labels`: key -> value, first wins; `system.*` labels collapse into one `system` entry
    holding the first of them (a Kestra quirk: its Map.Entry keeps a single pair)."""
    pairs = labels.items() if isinstance(labels, Mapping) else labels
    result: dict[str, t.Any] = {}
    for key, value in pairs:
        if key is None or value is None:
            continue
        if key.startswith(SYSTEM_LABEL_PREFIX):
            result.setdefault(SYSTEM_LABEL_PREFIX[:-1], {key[len(SYSTEM_LABEL_PREFIX):]: value})
        else:
            result.setdefault(key, value)
    return result


def parent_variables(parents: Iterable[Mapping[str, t.Any]]) -> list[dict[str, t.Any]]:
    """`parents`, closest first, each `{taskrun: {value}, outputs}`; empty entries skipped.

    Each given parent may carry `value` / `outputs` directly or already be in Kestra's shape.
    """
    result = []
    for parent in parents:
        taskrun = parent.get("taskrun")
        value = taskrun.get("value") if isinstance(taskrun, Mapping) else parent.get("value")
        entry: dict[str, t.Any] = {}
        if value is not None:
            entry["taskrun"] = {"value": value}
        if parent.get("outputs"):
            entry["outputs"] = parent["outputs"]
        if entry:
            result.append(entry)
    return result


def _without_none(**items: t.Any) -> dict[str, t.Any]:
    return {key: value for key, value in items.items() if value is not None}


def build_context(
    *,
    flow_id: str | None = None,
    namespace: str | None = None,
    revision: int | None = None,
    tenant_id: str | None = MAIN_TENANT,
    execution_id: str | None = None,
    execution_start_date: t.Any = None,
    original_id: str | None = None,
    task_id: str | None = None,
    task_type: str | None = None,
    taskrun_id: str | None = None,
    taskrun_start_date: t.Any = None,
    attempts_count: int | None = None,
    parent_taskrun_id: str | None = None,
    taskrun_value: t.Any = None,
    iteration: int | None = None,
    parents: Iterable[Mapping[str, t.Any]] | None = None,
    outputs: Mapping[str, t.Any] | None = None,
    tasks: Mapping[str, t.Any] | None = None,
    inputs: Mapping[str, t.Any] | None = None,
    input_defaults: Mapping[str, t.Any] | None = None,
    variables: Mapping[str, t.Any] | None = None,
    labels: Mapping[str, t.Any] | Iterable[tuple[str, t.Any]] | None = None,
    trigger: Mapping[str, t.Any] | None = None,
    environ: Mapping[str, str] | None = None,
    env_prefix: str = DEFAULT_ENV_PREFIX,
    globals_: Mapping[str, t.Any] | None = None,
    extra: Mapping[str, t.Any] | None = None,
    services: RenderServices | None = None,
) -> dict[str, t.Any]:
    """Kestra's variable context for one render. Everything is optional: pass what you have.

    `inputs` are the typed inputs (already nested on dots); `input_defaults` fill missing
    keys, as Kestra does for triggers. `trigger` is the execution's trigger variables (or
    `{id, type}` when evaluating a trigger). `environ` defaults to the process environment.
    `extra` is merged last (Kestra's additional variables).
    """
    context: dict[str, t.Any] = {
        "envs": env_variables(environ, env_prefix),
        "globals": dict(globals_ or {}),
    }
    if flow_id is not None or namespace is not None:
        context["flow"] = _without_none(id=flow_id, namespace=namespace, revision=revision, tenantId=tenant_id)
    if variables is not None:
        context["vars"] = variables
    if task_id is not None:
        context["task"] = _without_none(id=task_id, type=task_type)
    if taskrun_id is not None:
        context["taskrun"] = _without_none(
            id=taskrun_id,
            startDate=taskrun_start_date,
            attemptsCount=attempts_count or 0,
            parentId=parent_taskrun_id,
            value=taskrun_value,
            iteration=iteration,
        )
    if parents is not None:
        context["parents"] = parent_variables(parents)
        if context["parents"]:
            context["parent"] = context["parents"][0]
    if execution_id is not None:
        context["execution"] = _without_none(id=execution_id, startDate=execution_start_date, originalId=original_id)
    if outputs is not None:
        context["outputs"] = outputs
    if tasks is not None:
        context["tasks"] = tasks
    all_inputs = {**(input_defaults or {}), **(inputs or {})}
    if all_inputs:
        context["inputs"] = all_inputs
    if trigger is not None:
        context["trigger"] = trigger
    if labels is not None:
        context["labels"] = label_variables(labels)
    if extra:
        context.update(extra)
    if services is not None:
        context[SERVICES_KEY] = services
    return context


def put_keyed(target: dict[str, t.Any], task_id: str, keys: list[str], value: t.Any) -> None:
    """Place `value` at `target[task_id][k1][k2]...`: a looped task's outputs are keyed by
    the loop values of its iteration (outermost first), `target[task_id]` when none."""
    if not keys:
        target[task_id] = value
        return
    node = target.setdefault(task_id, {})
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value
