"""Functions that read the render context or reach out of it: env(), tasksWithState(),
loopOutputs(), fileExists(), isFileEmpty() (alias fileEmpty()), http().

The ones that do I/O go through the render's RenderServices (common/templating/services.py):
each process plugs in what it has, with its own rules (file scopes, the HTTP guard), and a
render without that service fails with a clear message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2

from podium.common.templating.environment import current_budget

from ._util import fail, is_missing, java_str, require_str
from .functions import _call, _Missing, _services

HTTP_TIMEOUT_SECONDS = 10.0  # one http() call, within what is left of the render's budget
_HTTP_ARGUMENTS = ("uri", "method", "query", "body", "contentType", "headers", "options",
                   "accept")


@jinja2.pass_context
def env(context: Any, name: Any = None, default: Any = None) -> Any:
    """`env(name, default)`: `envs[name]` (names as `envs` has them: prefix removed,
    lower-cased); the default when it is missing or empty."""
    if is_missing(name):
        fail("The 'env' function expects an argument 'name'.")
    envs = context.get("envs")
    value = envs.get(java_str(name)) if isinstance(envs, Mapping) else None
    return default if value is None or value == "" else value


@jinja2.pass_context
def tasks_with_state(context: Any, state: Any = None) -> Any:
    """`tasksWithState(state)`: `[{state, taskId}]` of the task runs in that state, with
    `value` for a run inside a loop (its loop value), from the `tasks` variable."""
    if is_missing(state):
        fail("The 'tasksWithState' function expects an argument 'state'.")
    wanted = require_str(state, "The 'tasksWithState' function argument 'state'").upper()
    tasks = context.get("tasks")
    found: list[dict[str, Any]] = []
    if isinstance(tasks, Mapping):
        for task_id, entry in tasks.items():
            _collect(task_id, entry, None, wanted, found)
    return found


def _collect(task_id: str, entry: Any, value: Any, wanted: str, found: list[Any]) -> None:
    """`tasks.<id>.state`, or `tasks.<id>.<value>[.<inner value>...].state` in loops."""
    if not isinstance(entry, Mapping):
        return
    state = entry.get("state")
    if isinstance(state, str):
        if state.upper() == wanted:
            found.append({"state": wanted, "taskId": task_id,
                          **({"value": value} if value is not None else {})})
        return
    for key, child in entry.items():
        _collect(task_id, child, key, wanted, found)


def loop_outputs(outputs: Any = None, name: Any = None) -> Any:
    """`loopOutputs(outputs.<loop>.outputs, name)`: the `name` output of every iteration of
    a Loop, in order; null for an iteration without it (positions stay aligned)."""
    if is_missing(outputs):
        fail("The 'loopOutputs' function expects a non-null argument 'outputs'.")
    if not isinstance(outputs, (list, tuple)):
        fail("The 'loopOutputs' function expects 'outputs' to be a list.")
    if is_missing(name):
        fail("The 'loopOutputs' function expects a non-null argument 'name'.")
    key = require_str(name, "The 'loopOutputs' function argument 'name'")
    found = []
    for iteration in outputs:
        values = iteration.get("outputs") if isinstance(iteration, Mapping) else None
        found.append(values.get(key) if isinstance(values, Mapping) else None)
    return found


def _path(name: str, path: Any) -> str:
    if is_missing(path):
        fail(f"The '{name}' function expects an argument 'path' that is a path to a "
             "namespace file or an internal storage URI.")
    return require_str(path, f"The '{name}' function argument 'path'")


@jinja2.pass_context
def file_exists(context: Any, path: Any = None) -> Any:
    """`fileExists(path)`: whether a namespace file or a kestra:// file this execution may
    read exists."""
    path = _path("fileExists", path)
    return bool(_call("fileExists", _services(context, "fileExists").file_exists, path))


def _file_empty(name: str) -> Any:
    @jinja2.pass_context
    def file_empty(context: Any, path: Any = None) -> Any:
        path = _path(name, path)
        result = _call(name, _services(context, name).file_empty, path)
        if result is _Missing:
            fail(f"Unable to read the file '{path}': not found")
        return bool(result)

    file_empty.__doc__ = f"`{name}(path)`: whether the file has no bytes (missing: an error)."
    return file_empty


@jinja2.pass_context
def http(context: Any, uri: Any = None, method: Any = "GET", query: Any = None, body: Any = None, contentType: Any = None,  # noqa: N803
         headers: Any = None, options: Any = None, accept: Any = None) -> Any:
    """`http(uri, method, query, body, contentType, headers, options, accept)`: the
    response body, parsed when it is JSON or YAML (common/http_expression.py)."""
    if is_missing(uri):
        fail("The 'http' function expects an argument 'uri'.")
    hook = _services(context, "http").http
    if hook is None:
        fail("The 'http' function is not available here")
    budget = current_budget()
    budget.take_http_call()
    timeout = min(HTTP_TIMEOUT_SECONDS, budget.remaining())
    if timeout <= 0:
        fail("Template rendering ran out of time before the http() call")
    values = (uri, method, query, body, contentType, headers, options, accept)
    call = {name: value for name, value in zip(_HTTP_ARGUMENTS, values)
            if not is_missing(value)}
    result = _call("http", hook, call, timeout)
    if result is _Missing:
        fail("The 'http' function failed")
    return result


FUNCTIONS = {
    "env": env, "tasksWithState": tasks_with_state, "loopOutputs": loop_outputs,
    "fileExists": file_exists,
    "isFileEmpty": _file_empty("isFileEmpty"), "fileEmpty": _file_empty("fileEmpty"),
    "http": http,
}
