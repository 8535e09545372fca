"""Path resolution and matchers of the conformance manifest (see the corpus README, "Checks").

Pure: everything reads a `Snapshot` of one finished execution, so the rules are unit-tested
without a runtime. Values come back in Kestra's JSON shapes (states as strings, outputs as
stored) because the manifest's expected values were written against Kestra's API.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from podium.common.models.execution import Execution, TaskRun


class _Missing:
    """A path that leads nowhere; distinct from a present null (`absent` treats both alike)."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING = _Missing()


class NeedsFeature(Exception):
    """The path reads something this engine cannot provide yet: the check is skipped, not
    failed, so the report separates "wrong" from "not built"."""

    def __init__(self, feature: str) -> None:
        super().__init__(feature)
        self.feature = feature


class BadPath(Exception):
    """The manifest uses a path form we do not know: a runner bug, reported as a failure."""


@dataclass
class Snapshot:
    execution: Execution
    task_runs: list[TaskRun]
    # (task_id, level, message) in emission order
    logs: list[tuple[str | None, str, str]] = field(default_factory=list)
    # task id -> the subflow execution its (first) task run created
    children: dict[str, "Snapshot"] = field(default_factory=dict)
    # mode triggered: the last source execution, and every execution the trigger created
    source: "Snapshot | None" = None
    triggered: list["Snapshot"] = field(default_factory=list)
    # trigger id -> its stored state ({"disabled": ...}), for `trigger_state[<id>]` checks
    trigger_states: dict[str, dict] | None = None

    def __post_init__(self) -> None:
        # "Creation order" in the README is our per-execution sequence number.
        self.task_runs = sorted(self.task_runs, key=lambda run: run.seq)
        self._by_id = {run.id: run for run in self.task_runs}

    def loop_values(self, run: TaskRun) -> list[str]:
        """Non-null values from the root task run down to `run` (itself included)."""
        chain: list[str] = []
        current: TaskRun | None = run
        seen: set[str] = set()
        while current is not None and current.id not in seen:
            seen.add(current.id)
            if current.value is not None:
                chain.append(current.value)
            current = self._by_id.get(current.parent_task_run_id or "")
        return list(reversed(chain))


@dataclass(frozen=True)
class Outcome:
    status: str  # "pass" | "fail" | "skip"
    detail: str = ""


_HEAD = re.compile(r"^([A-Za-z_]+)(?:\[([^\]]*)\])?(?:\.(.*))?$")
_UNSUPPORTED_ROOTS: dict[str, str] = {}


def resolve(path: str, snap: Snapshot) -> Any:
    """The value at `path`, or MISSING. Raises NeedsFeature or BadPath."""
    match = _HEAD.match(path)
    if not match:
        raise BadPath(f"unparsable path {path!r}")
    root, bracket, rest = match.groups()
    if root in _UNSUPPORTED_ROOTS:
        raise NeedsFeature(_UNSUPPORTED_ROOTS[root])
    if root == "child" and bracket is not None:
        return _child(bracket, rest, snap, path)
    if root == "trigger_state" and bracket is not None:
        if snap.trigger_states is None:
            raise NeedsFeature("trigger-store")
        state = snap.trigger_states.get(bracket)
        return MISSING if state is None else _walk(state, rest)
    if root == "source" and bracket is None:
        if snap.source is None:
            raise NeedsFeature("flow-trigger")
        return resolve(rest or "", snap.source)
    if root == "triggered_executions" and bracket == "*":
        return [resolve(rest or "", one) for one in snap.triggered]
    if root == "taskrun_list":
        return _taskrun_list(bracket, rest, snap, path)
    if root == "taskruns" and bracket is not None:
        return _taskruns(bracket, rest, snap, path)
    if root == "flow_outputs" and bracket is None:
        return _walk(snap.execution.outputs, rest)
    if root == "labels" and bracket is None:
        labels = snap.execution.label_map()
        # Everything after `labels.` is the key: keys such as `system.correlationId` hold dots.
        return labels if rest is None else labels.get(rest, MISSING)
    if root == "logs" and bracket is not None and rest is None:
        return [message for task_id, _, message in snap.logs if task_id == bracket]
    if root == "execution" and bracket is None:
        return _walk({"id": snap.execution.id, "state": snap.execution.state.value,
                      "namespace": snap.execution.namespace, "flowId": snap.execution.flow_id},
                     rest)
    if root == "trigger" and bracket is None:
        variables = (snap.execution.trigger or {}).get("variables")
        if variables is None:
            raise NeedsFeature("flow-trigger")
        return _walk(variables, rest)
    raise BadPath(f"unknown path {path!r}")


def _child(task_id: str, rest: str | None, snap: Snapshot, path: str) -> Any:
    """`child[<taskId>].state | .taskruns | .labels[.<key>] | .outputs...`"""
    child = snap.children.get(task_id)
    if child is None:
        return MISSING
    name, _, tail = (rest or "").partition(".")
    if name == "taskruns" and not tail:
        return len(child.task_runs)
    if name == "state" and not tail:
        return child.execution.state.value
    if name == "labels":
        labels = child.execution.label_map()
        return labels if not tail else labels.get(tail, MISSING)
    if name == "outputs":
        return _walk(child.execution.outputs, tail or None)
    raise BadPath(f"unknown child field in {path!r}")


def _taskrun_list(bracket: str | None, rest: str | None, snap: Snapshot, path: str) -> Any:
    runs = snap.task_runs
    if bracket is None:
        if rest == "count":
            return len(runs)
        if rest and rest.startswith("count_state."):
            state = rest[len("count_state."):]
            return sum(1 for run in runs if run.state.value == state)
        raise BadPath(f"unknown path {path!r}")
    try:
        index = int(bracket)
    except ValueError:
        raise BadPath(f"taskrun_list index must be an integer in {path!r}") from None
    if not -len(runs) <= index < len(runs):
        return MISSING
    return _task_run_field(runs[index], rest, snap, path)


def _taskruns(bracket: str, rest: str | None, snap: Snapshot, path: str) -> Any:
    task_id, *values = bracket.split("|")
    same_task = [run for run in snap.task_runs if run.task_id == task_id]
    if rest == "count":  # defined even when the task never ran (count 0)
        return len(same_task)
    if values:
        chosen = next((run for run in same_task if snap.loop_values(run) == values), None)
    else:
        chosen = same_task[0] if same_task else None
    if chosen is None:
        return MISSING
    return _task_run_field(chosen, rest, snap, path)


def _task_run_field(run: TaskRun, rest: str | None, snap: Snapshot, path: str) -> Any:
    if rest is None:
        return run.to_api()
    name, _, tail = rest.partition(".")
    if name == "state" and not tail:
        return run.state.value
    if name in ("task_id", "id", "value") and not tail:
        return getattr(run, name)
    if name == "attempts" and not tail:
        return len(run.attempts)
    if name == "count" and not tail:
        return sum(1 for other in snap.task_runs if other.task_id == run.task_id)
    if name == "outputs":
        return _walk(run.outputs, tail or None)
    if name == "assets":  # Kestra's TaskRun.assets: the declaration as rendered
        return _walk(run.assets(), tail or None)
    if name == "history_count" and tail:
        return sum(1 for entry in run.history.histories if entry.state.value == tail)
    raise BadPath(f"unknown task-run field in {path!r}")


def _walk(value: Any, rest: str | None) -> Any:
    """Follow dotted keys into maps (and integer keys into lists)."""
    if value is None and rest is None:
        return None
    if value is None:
        return MISSING
    for key in rest.split(".") if rest else []:
        if isinstance(value, dict):
            value = value.get(key, MISSING)
        elif isinstance(value, list) and re.fullmatch(r"-?\d+", key):
            index = int(key)
            value = value[index] if -len(value) <= index < len(value) else MISSING
        else:
            return MISSING
        if value is MISSING:
            return MISSING
    return value


# ---------------------------------------------------------------------------------- matchers

MATCHERS = ("equals", "contains", "starts_with", "matches", "gte", "length", "absent",
            "equals_path", "contains_path")


def show(value: Any) -> str:
    if value is MISSING:
        return "nothing"
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


def first_difference(expected: Any, actual: Any, path: str) -> tuple[str, Any, Any] | None:
    """Where `actual` first departs from `expected` (deep, JSON semantics), or None."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected:
            if key not in actual:
                return f"{path}.{key}", expected[key], MISSING
            found = first_difference(expected[key], actual[key], f"{path}.{key}")
            if found:
                return found
        extra = [key for key in actual if key not in expected]
        return (f"{path}.{extra[0]}", MISSING, actual[extra[0]]) if extra else None
    if isinstance(expected, list) and isinstance(actual, list):
        for index, (exp, act) in enumerate(zip(expected, actual)):
            found = first_difference(exp, act, f"{path}[{index}]")
            if found:
                return found
        return None if len(expected) == len(actual) else (f"{path} (length)", len(expected),
                                                           len(actual))
    return None if json_equal(expected, actual) else (path, expected, actual)


def json_equal(a: Any, b: Any) -> bool:
    # JSON has no bool/number overlap: Python's True == 1 must not pass.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _differs(expected: Any, actual: Any, path: str) -> str:
    return f"expected {show(expected)}, got {show(actual)} at {path}"


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str):
        return isinstance(expected, str) and expected in actual
    if isinstance(actual, list):
        return any(json_equal(item, expected) for item in actual)
    if isinstance(actual, dict):
        return isinstance(expected, str) and expected in actual
    return False


def evaluate(check: dict[str, Any], snap: Snapshot) -> Outcome:
    """Apply one `{"path": ..., <matcher>: value}` check."""
    path = check.get("path", "")
    matchers = [name for name in check if name != "path"]
    if len(matchers) != 1 or matchers[0] not in MATCHERS:
        return Outcome("fail", f"unknown matcher in check {show(check)}")
    matcher = matchers[0]
    expected = check[matcher]
    try:
        actual = resolve(path, snap)
        if matcher in ("equals_path", "contains_path"):
            expected = resolve(expected, snap)
            matcher = matcher[: -len("_path")]
    except NeedsFeature as exc:
        return Outcome("skip", f"needs {exc.feature}")
    except BadPath as exc:
        return Outcome("fail", str(exc))
    return _match(matcher, expected, actual, path)


def _match(matcher: str, expected: Any, actual: Any, path: str) -> Outcome:
    ok = Outcome("pass")
    if matcher == "absent":
        missing = actual is MISSING or actual is None
        if missing == bool(expected):
            return ok
        return Outcome("fail", _differs("absent" if expected else "present",
                                        actual if not missing else MISSING, path))
    if actual is MISSING:
        what = "" if matcher == "equals" else f"{matcher.replace('_', ' ')} "
        return Outcome("fail", f"expected {what}{show(expected)}, got nothing at {path}")
    if matcher == "equals":
        found = first_difference(expected, actual, path)
        return ok if found is None else Outcome("fail", _differs(found[1], found[2], found[0]))
    if matcher == "contains":
        return ok if _contains(actual, expected) else Outcome(
            "fail", f"expected to contain {show(expected)}, got {show(actual)} at {path}")
    if matcher == "starts_with":
        good = isinstance(actual, str) and isinstance(expected, str) and actual.startswith(expected)
        return ok if good else Outcome(
            "fail", f"expected to start with {show(expected)}, got {show(actual)} at {path}")
    if matcher == "matches":
        text = actual if isinstance(actual, str) else show(actual)
        return ok if re.search(expected, text) else Outcome(
            "fail", f"expected to match {show(expected)}, got {show(actual)} at {path}")
    if matcher == "gte":
        good = (isinstance(actual, (int, float)) and not isinstance(actual, bool)
                and actual >= expected)
        return ok if good else Outcome("fail", f"expected >= {show(expected)}, got "
                                               f"{show(actual)} at {path}")
    if matcher == "length":
        size = len(actual) if isinstance(actual, (str, list, dict)) else None
        return ok if size == expected else Outcome(
            "fail", f"expected length {show(expected)}, got {show(size)} ({show(actual)}) "
                    f"at {path}")
    return Outcome("fail", f"unknown matcher {matcher}")


def compare(expect: dict[str, Any], snap: Snapshot) -> Outcome:
    """State, then task-run count, then each check: the first failure is the outcome; a
    check we cannot evaluate makes the case a skip only if nothing failed."""
    state = snap.execution.state.value
    if expect.get("state") is not None and expect["state"] != state:
        return Outcome("fail", _differs(expect["state"], state, "state") + _why(snap))
    if expect.get("taskruns") is not None and expect["taskruns"] != len(snap.task_runs):
        ids = ", ".join(run.task_id for run in snap.task_runs)
        return Outcome("fail", _differs(expect["taskruns"], len(snap.task_runs), "taskruns")
                       + f" [{ids}]")
    skipped: Outcome | None = None
    for check in expect.get("checks") or []:
        outcome = evaluate(check, snap)
        if outcome.status == "fail":
            return outcome
        if outcome.status == "skip" and skipped is None:
            skipped = outcome
    return skipped or Outcome("pass")


def _why(snap: Snapshot) -> str:
    """A hint for a wrong final state: the execution error or the failed task runs."""
    if snap.execution.error:
        return f" (execution error: {snap.execution.error.splitlines()[0]})"
    failed = [run.task_id for run in snap.task_runs if run.state.value == "FAILED"]
    if not failed:
        return ""
    # Executor-side errors (e.g. an unsupported task type) are logged without a task id.
    error = next((message for task_id, level, message in snap.logs
                  if level == "ERROR" and (task_id in failed or task_id is None)), None)
    hint = f"; {error.splitlines()[0][:200]}" if error else ""
    return f" (failed: {', '.join(failed)}{hint})"
