"""Runs the Kestra conformance corpus against Podium and reports pass / fail / skip per case.

One runtime for the whole corpus, with every flow deployed before the first execution
(flows call and listen to each other), cases run concurrently, results kept in manifest
order. A case we cannot run yet is skipped with the missing feature, so the report says
what is wrong apart from what is not built.
"""

from __future__ import annotations

import io
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ruamel.yaml import YAML

from podium.common.flow.loader import LoadedFlow, load_flow_file, parse_flow
from podium.common.kv import KVStore, infer
from podium.common.secrets import encode_base64
from podium.common.storage.namespace_files import put_file as put_namespace_file
from podium.common.storage.uploads import Upload
from podium.common.store import clear_kv
from podium.common.store.executions import list_children
from podium.common.templating.context import DEFAULT_ENV_PREFIX
from podium.runtime import Runtime
from podium.testing.capabilities import unsupported_task_types
from podium.testing.sandbox import throwaway_deployment
from tests.conformance.checks import Outcome, Snapshot, compare
from tests.conformance.manifest import Case, load_cases
from tests.integration.scrape import executors_drained
from tests.waiting import poll_until

# Engine features (the manifest's `requires` names) Podium supports. Grows as the engine
# does; an entry requiring anything else is skipped, not failed.
SUPPORTED_FEATURES: frozenset[str] = frozenset({"retry-new-execution", "pause", "subflow",
                                                "concurrency", "sla", "file-input",
                                                "internal-storage", "kv-store", "state-store",
                                                "secrets", "secret-input", "log-store",
                                                "execution-api", "envs", "globals",
                                                "flow-trigger", "trigger-store",
                                                "log-to-file", "working-directory-cache",
                                                "namespace-files"})

# Cases that use the KV store (directly, through the state store, or with a `setup.kv`)
# share its keys: they run one at a time in manifest order, each on the store its
# `setup.kv` describes (a state-store variant sees what the previous variant left).
STORE_FEATURES = frozenset({"kv-store", "state-store"})

# The other modes need flow triggers and the execution API.
RUNNABLE_MODES = frozenset({"run", "pause-resume", "subflow-only", "resume-other",
                            "triggered"})

# Schedule and Webhook triggers must not fire during a run (README step 2). Flow triggers may
# only be active for `triggered` entries, which we skip, so they are switched off as well.
_DISABLED_TRIGGER_SUFFIXES = (".Schedule", ".ScheduleOnDates", ".Webhook", ".Flow")

DEFAULT_TIMEOUT = 60.0
DEFAULT_WORKERS = 8


class DistributedUnavailable(Exception):
    pass


@dataclass(frozen=True)
class Result:
    case: Case
    status: str  # "pass" | "fail" | "skip"
    detail: str = ""

    def line(self) -> str:
        text = f"{self.status.upper()} {self.case.name}"
        if self.case.superseded:
            text += f" (expectation of {self.case.superseded})"
        return f"{text}: {self.detail}" if self.detail else text

    def as_json(self) -> dict[str, Any]:
        return {"file": self.case.file, "variant": self.case.variant, "status": self.status,
                "detail": self.detail, "superseded": self.case.superseded}


# ------------------------------------------------------------------------------ flows

# Every flow as written, triggers enabled, by (namespace, flow id): a `triggered` case
# deploys its flow from here for the time of its run.
ENABLED: dict[tuple[str, str], LoadedFlow] = {}


def load_flows(flows_dir: Path) -> tuple[dict[str, LoadedFlow], dict[str, str]]:
    """Every flow file by file name, and the files that do not load with their error."""
    loaded: dict[str, LoadedFlow] = {}
    errors: dict[str, str] = {}
    for path in sorted(flows_dir.iterdir()):
        if path.suffix not in (".yaml", ".yml"):
            continue
        try:
            original = load_flow_file(path)
            ENABLED[(original.flow.namespace, original.flow.id)] = original
            loaded[path.name] = without_polling_triggers(original)
        except Exception as exc:  # one bad flow must not stop the corpus
            errors[path.name] = f"flow does not load: {_first_line(exc)}"
    return loaded, errors


def without_polling_triggers(loaded: LoadedFlow) -> LoadedFlow:
    """The flow with `disabled: true` on its Schedule / Webhook / Flow triggers. The source
    is what gets deployed (and re-parsed by the executor), so the YAML itself is edited."""
    triggers = loaded.flow.triggers or []
    targets = [i for i, trigger in enumerate(triggers)
               if type(trigger).TYPE.endswith(_DISABLED_TRIGGER_SUFFIXES) and not trigger.disabled]
    if not targets:
        return loaded
    yaml = YAML()  # round-trip: keeps comments, quoting and order of the rest of the flow
    yaml.width = 4096
    document = yaml.load(loaded.source)
    for index in targets:
        document["triggers"][index]["disabled"] = True
    out = io.StringIO()
    yaml.dump(document, out)
    return parse_flow(out.getvalue(), name=loaded.flow.id)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


# ------------------------------------------------------------------------------ cases

def skip_reason(case: Case, entries: dict[tuple[str, str], Case] | None = None) -> str | None:
    """Why `case` cannot run here, or None. `entries` (cases by namespace and flow id) lets
    a subflow-only case be skipped with the parent flow that would create its executions."""
    if case.mode not in RUNNABLE_MODES:
        return f"mode {case.mode}"
    parent = _parent_case(case, entries or {})
    if parent is not None and (why := skip_reason(parent, entries)):
        return f"parent flow {parent.flow_id}: {why}"
    missing = [feature for feature in case.requires if feature not in SUPPORTED_FEATURES]
    if missing:
        return "needs " + ", ".join(missing)
    unsupported = unsupported_task_types(case.entry.get("types") or [])
    if unsupported:
        return "needs task type " + ", ".join(unsupported)
    held_out = case.entry.get("depends_on_heldout") or 0
    if held_out > 0:
        return f"needs {held_out} held-out flow(s)"
    for key, feature in (("kv", "kv-store"), ("secrets", "secrets"), ("globals", "globals"),
                         ("namespace_files", "namespace-files"), ("triggers", "trigger-store")):
        if case.setup.get(key) and feature not in SUPPORTED_FEATURES:
            return f"needs {feature}"
    unknown = set(case.setup) - {"kv", "secrets", "globals", "namespace_files", "triggers",
                                 "envs"}
    if unknown:
        return "needs setup " + ", ".join(sorted(unknown))
    return None


def _parent_case(case: Case, entries: dict[tuple[str, str], Case]) -> Case | None:
    parent = case.entry.get("parent_flow") or {} if case.mode == "subflow-only" else {}
    return entries.get((parent.get("namespace") or case.namespace, parent.get("flow_id")))


def with_uploads(value: Any, execution_id: str | None = None) -> Any:
    """The manifest's `{"$file": {"name", "content"}}` values as Uploads (the Runtime's FILE
    input values); `<execution id>` in a content is the execution's id."""
    if isinstance(value, dict) and isinstance(value.get("$file"), dict):
        content = str(value["$file"].get("content", ""))
        if execution_id:
            content = content.replace("<execution id>", execution_id)
        return Upload(str(value["$file"].get("name") or "file"), data=content.encode())
    if isinstance(value, dict):
        return {key: with_uploads(item, execution_id) for key, item in value.items()}
    if isinstance(value, list):
        return [with_uploads(item, execution_id) for item in value]
    return value


def environ_for(cases: list[Case]) -> dict[str, str]:
    """`setup.envs` as the process environment the engine reads `envs.*` from (the default
    prefix, ENV_, name upper-cased; the engine strips the prefix and lower-cases it back), and
    `setup.secrets` as Kestra's SECRET_<NAME> variables holding the base64 of each value."""
    environ: dict[str, str] = {}
    globals_: dict[str, Any] = {}
    for case in cases:
        for name, value in (case.setup.get("globals") or {}).items():
            globals_.setdefault(name, value)
        for name, value in (case.setup.get("envs") or {}).items():
            environ.setdefault(f"{DEFAULT_ENV_PREFIX}{name.upper()}", str(value))
        for name, value in (case.setup.get("secrets") or {}).items():
            text = value if isinstance(value, str) else json.dumps(value)
            environ.setdefault(f"SECRET_{name.upper()}", encode_base64(text))
    if globals_:  # the services' `variables_globals` setting
        environ["PODIUM_VARIABLES_GLOBALS"] = json.dumps(globals_)
    return environ


def in_store_lane(case: Case) -> bool:
    return bool(STORE_FEATURES & set(case.requires)) or "kv" in case.setup


def prepare_kv(runtime: Any, case: Case) -> None:
    """With a `setup.kv` (namespace -> key -> value), the KV store holds exactly that."""
    if "kv" not in case.setup:
        return
    with runtime.db.begin() as conn:
        clear_kv(conn)
    store = KVStore(runtime.db)
    for namespace, entries in (case.setup["kv"] or {}).items():
        for key, value in (entries or {}).items():
            store.put(namespace, key, infer(value))


def run_case(runtime: Any, case: Case, timeout: float,
             parent_case: Case | None = None) -> Result:
    prepare_namespace_files(runtime, case)  # whatever the mode
    if case.mode == "subflow-only":
        return run_subflow_only(runtime, case, timeout, parent_case)
    if case.mode == "resume-other":
        return run_resume_other(runtime, case, timeout)
    if case.mode == "triggered":
        return run_triggered(runtime, case, timeout)
    prepare_triggers(runtime, case)
    try:
        execution = runtime.submit(case.namespace, case.flow_id,
                                   with_uploads(case.inputs) or None,
                                   labels=case.labels or None,
                                   # Kestra's test harness skips input validation when it
                                   # passes no inputs (README caveat).
                                   validate_inputs=bool(case.inputs))
    except Exception as exc:
        return Result(case, "fail", f"submit raised {type(exc).__name__}: {_first_line(exc)}")
    try:
        if case.mode == "pause-resume":
            final = runtime.wait(execution.id, timeout)
            paused = compare(case.entry.get("expect_paused") or {}, _snapshot(runtime, final))
            if paused.status != "pass":
                return Result(case, paused.status, f"while paused: {paused.detail}")
            runtime.resume(execution.id,
                           with_uploads(case.entry.get("resume_inputs"), execution.id) or None)
        # A run mode Pause with a delay or timeout goes on by itself: wait through PAUSED.
        final = _wait_terminated(runtime, execution.id, timeout)
    except TimeoutError:
        current = runtime.get(execution.id)
        state = current.state.value if current else "UNKNOWN"
        return Result(case, "fail", f"timeout, state {state}")
    snap = _snapshot(runtime, final)
    snap.trigger_states = trigger_states(runtime, case)
    outcome: Outcome = compare(case.expect, snap)
    return Result(case, outcome.status, outcome.detail)


def prepare_namespace_files(runtime: Any, case: Case) -> None:
    """`setup.namespace_files`: files stored as namespace files before the run, given as
    namespace -> path -> content, or path -> content for the flow's own namespace (the
    README does not fix the shape; Kestra's tests put paths such as /a/b/c.txt)."""
    files = case.setup.get("namespace_files") or {}
    if not files:
        return
    by_namespace = files if all(isinstance(v, dict) for v in files.values()) \
        else {case.namespace: files}
    for namespace, entries in by_namespace.items():
        for path, content in (entries or {}).items():
            data = content if isinstance(content, str) else json.dumps(content)
            put_namespace_file(runtime.storage, namespace, path, data.encode())


def prepare_triggers(runtime: Any, case: Case) -> None:
    """`setup.triggers`: stored trigger records, as the scheduler keeps them."""
    from podium.common.store.triggers import TriggerState, ensure_trigger, set_trigger_disabled
    records = case.setup.get("triggers") or []
    if not records:
        return
    with runtime.db.begin() as conn:
        for record in records:
            key = (record.get("namespace") or case.namespace,
                   record.get("flow_id") or case.flow_id, record["trigger_id"])
            disabled = bool(record.get("disabled"))
            if not set_trigger_disabled(conn, key, disabled):
                ensure_trigger(conn, TriggerState(*key, fingerprint="", disabled=disabled))


def trigger_states(runtime: Any, case: Case) -> dict[str, dict]:
    from podium.common.store.triggers import list_triggers
    with runtime.db.read() as conn:
        return {state.trigger_id: {"disabled": state.disabled}
                for state in list_triggers(conn, case.namespace)
                if state.flow_id == case.flow_id}


def run_resume_other(runtime: Any, case: Case, timeout: float) -> Result:
    """The flow this entry depends on runs until PAUSED; this flow runs with its id as
    `executionId`; `expect` applies to this flow, and the paused one must then end."""
    depends = [Path(p).stem for p in case.entry.get("depends_on") or []]
    if len(depends) != 1:
        return Result(case, "fail", "resume-other entry without exactly one depends_on")
    try:
        paused = runtime.submit(case.namespace, depends[0], None, validate_inputs=False)
        state = runtime.wait(paused.id, timeout).state
        if state.value != "PAUSED":
            return Result(case, "fail", f"{depends[0]} ended {state.value} instead of pausing")
        execution = runtime.submit(case.namespace, case.flow_id, {"executionId": paused.id})
        final = _wait_terminated(runtime, execution.id, timeout)
        resumed = _wait_terminated(runtime, paused.id, timeout)
    except TimeoutError as exc:
        return Result(case, "fail", f"timeout: {_first_line(exc)}")
    if not resumed.state.is_terminated:
        return Result(case, "fail", f"{depends[0]} did not end after the resume")
    outcome: Outcome = compare(case.expect, _snapshot(runtime, final))
    return Result(case, outcome.status, outcome.detail)


def run_triggered(runtime: Any, case: Case, timeout: float) -> Result:
    """Run the `trigger_sources` flows in order; `expect` applies to every execution of
    this flow that its Flow trigger created for one of them (`triggered_executions[*]` to
    all of them at once), `source` being the last source execution."""
    sources = []
    listener = ENABLED.get((case.namespace, case.flow_id))
    if listener is None:
        return Result(case, "fail", f"flow {case.flow_id} not loaded")
    runtime.deploy(listener)  # only this flow's trigger listens during the run
    try:
        for source in case.entry.get("trigger_sources") or []:
            started = runtime.submit(source.get("namespace") or case.namespace,
                                     source["flow_id"], None, validate_inputs=False)
            sources.append(_wait_terminated(runtime, started.id, timeout))
        triggered = _triggered_by(runtime, case, {s.id for s in sources}, timeout)
    except TimeoutError as exc:
        return Result(case, "fail", f"timeout: {_first_line(exc)}")
    finally:
        runtime.deploy(without_polling_triggers(listener))
    if not triggered:
        return Result(case, "fail", f"no {case.flow_id} execution was triggered")
    source = _snapshot(runtime, sources[-1])
    snapshots = [_snapshot(runtime, execution) for execution in triggered]
    for snap in snapshots:
        snap.source, snap.triggered = source, snapshots
        outcome: Outcome = compare(case.expect, snap)
        if outcome.status != "pass":
            return Result(case, outcome.status, f"{snap.execution.id}: {outcome.detail}")
    return Result(case, "pass")


def _triggered_by(runtime: Any, case: Case, source_ids: set[str], timeout: float) -> list:
    """This flow's executions whose trigger names one of the sources, all ended; oldest
    first. The executor starts them in the commit that ends their source; once the engine
    is quiescent, whatever the ended sources set off has been handled, so the list read
    then is complete (a triggered execution still paused on a timer is waited for)."""
    from podium.common.store.executions import list_executions
    _wait_quiescent(runtime, timeout)
    with runtime.db.read() as conn:
        found = [e for e in list_executions(conn, case.namespace, case.flow_id, limit=500)
                 if ((e.trigger or {}).get("variables") or {}).get("executionId") in source_ids]
    ended = [_wait_terminated(runtime, execution.id, timeout) for execution in found]
    return sorted(ended, key=lambda e: (e.history.histories[0].date, e.id))


def _wait_quiescent(runtime: Any, timeout: float) -> None:
    """Embedded: nothing queued, running or unpublished in this process. Distributed: the
    executors have handled every message sent to them. TimeoutError when never so."""
    if runtime.fleet is None:
        runtime.wait_idle(timeout)
    elif not poll_until(lambda: executors_drained(runtime), timeout, poll=0.1):
        raise TimeoutError("the executors still have messages to handle")


def _snapshot(runtime: Any, execution: Any) -> Snapshot:
    """The execution, its task runs and logs, and the child executions its subflow task
    runs created (for `child[<taskId>]` checks)."""
    runs = runtime.task_runs(execution.id)
    children: dict[str, Snapshot] = {}
    for run in sorted(runs, key=lambda r: r.seq):
        child_id = (run.outputs or {}).get("executionId")
        if isinstance(child_id, str) and run.task_id not in children:
            child = runtime.get(child_id)
            if child is not None:
                children[run.task_id] = Snapshot(child, runtime.task_runs(child_id))
    return Snapshot(execution, runs, [(log.task_id, log.level, log.message)
                                      for log in runtime.logs(execution.id)], children)


def run_subflow_only(runtime: Any, case: Case, timeout: float,
                     parent_case: Case | None = None) -> Result:
    """Run the parent flow (`parent_flow`), with the inputs of its own entry when it has
    one; `expect` applies to every execution of this flow it created (directly or deeper),
    once they have ended."""
    parent = case.entry.get("parent_flow") or {}
    if not parent.get("flow_id"):
        return Result(case, "fail", "subflow-only entry without parent_flow")
    inputs = with_uploads(parent_case.inputs) if parent_case is not None else None
    try:
        execution = runtime.submit(parent.get("namespace") or case.namespace, parent["flow_id"],
                                   inputs or None, validate_inputs=bool(inputs))
        _wait_terminated(runtime, execution.id, timeout)
        children = [_wait_terminated(runtime, child.id, timeout)
                    for child in _descendants(runtime, execution.id)
                    if child.flow_id == case.flow_id and child.namespace == case.namespace]
    except TimeoutError as exc:
        return Result(case, "fail", f"timeout: {_first_line(exc)}")
    if not children:
        return Result(case, "fail", f"{parent['flow_id']} created no {case.flow_id} execution")
    skipped = None
    for child in children:
        outcome = compare(case.expect, _snapshot(runtime, child))
        if outcome.status == "fail":
            return Result(case, "fail", f"child {child.id}: {outcome.detail}")
        skipped = skipped or (outcome if outcome.status == "skip" else None)
    return Result(case, skipped.status, skipped.detail) if skipped else Result(case, "pass")


def _descendants(runtime: Any, execution_id: str) -> list[Any]:
    found, pending = [], [execution_id]
    while pending:
        with runtime.db.read() as conn:
            children = list_children(conn, pending.pop())
        found.extend(children)
        pending.extend(child.id for child in children)
    return found


def _wait_terminated(runtime: Any, execution_id: str, timeout: float) -> Any:
    """`Runtime.wait` also returns on PAUSED: after a resume the execution still is until
    the executor has handled the message, and a delayed Pause resumes itself."""
    deadline = time.monotonic() + timeout

    def terminated() -> Any:
        current = runtime.wait(execution_id, max(0.01, deadline - time.monotonic()))
        return current if current.state.is_terminated else None

    current = poll_until(terminated, timeout)
    if current is None:
        raise TimeoutError(execution_id)
    return current


# ------------------------------------------------------------------------------ corpus

@contextmanager
def open_runtime(mode: str, data_dir: str, environ: dict[str, str]) -> Iterator[Any]:
    """The engine under test: embedded in this process, or real executor and worker
    processes on a throwaway PostgreSQL database and Redis prefix."""
    if mode == "embedded":
        with Runtime.embedded(data_dir, workers=DEFAULT_WORKERS, environ=environ) as runtime:
            yield runtime
        return
    try:
        deployment = throwaway_deployment(environ)
        settings, env = deployment.__enter__()
    except Exception as exc:  # no PostgreSQL or Redis here
        raise DistributedUnavailable(f"distributed mode is unavailable: {exc}") from exc
    try:
        with Runtime.distributed(settings, env, executors=1, workers=1,
                                 worker_concurrency=8) as runtime:
            yield runtime
    finally:
        deployment.__exit__(None, None, None)


def iter_results(corpus: str | Path, mode: str = "embedded", only: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT,
                 workers: int = DEFAULT_WORKERS) -> Iterator[Result]:
    """Results in manifest order, yielded as soon as each (and all before it) is done."""
    corpus = Path(corpus)
    cases = load_cases(corpus, only)
    loaded, flow_errors = load_flows(corpus / "flows")
    with tempfile.TemporaryDirectory(prefix="podium-conformance-") as data_dir:
        with open_runtime(mode, data_dir, environ_for(cases)) as runtime:
            deploy_errors = dict(flow_errors)
            for name, flow in loaded.items():
                try:
                    runtime.deploy(flow)
                except Exception as exc:
                    deploy_errors[name] = f"flow does not deploy: {_first_line(exc)}"

            entries = {(c.namespace, c.flow_id): c for c in load_cases(corpus)
                       if c.variant is None}

            def one(case: Case) -> Result:
                reason = skip_reason(case, entries)
                if reason:
                    return Result(case, "skip", reason)
                if case.file in deploy_errors:
                    return Result(case, "fail", deploy_errors[case.file])
                try:
                    if in_store_lane(case):
                        prepare_kv(runtime, case)
                    return run_case(runtime, case, timeout, _parent_case(case, entries))
                except Exception as exc:  # report and go on: one case must not end the run
                    return Result(case, "fail", f"runner error {type(exc).__name__}: "
                                                f"{_first_line(exc)}")

            with ThreadPoolExecutor(max_workers=workers) as pool, \
                    ThreadPoolExecutor(max_workers=1) as store_lane, \
                    ThreadPoolExecutor(max_workers=1) as trigger_lane:
                futures = {id(case): (store_lane if in_store_lane(case) else pool).submit(
                    one, case) for case in cases if case.mode != "triggered"}
                others = list(futures.values())

                def after_the_others(case: Case) -> Result:
                    # Flow triggers listen to every execution: run alone, so no other
                    # case's executions fire (or reset) the trigger under test.
                    wait(others)
                    return one(case)
                futures.update({id(case): trigger_lane.submit(after_the_others, case)
                                for case in cases if case.mode == "triggered"})
                for case in cases:
                    yield futures[id(case)].result()


def run_corpus(corpus: str | Path, **options: Any) -> list[Result]:
    return list(iter_results(corpus, **options))


def summary(results: list[Result]) -> dict[str, int]:
    return {status: sum(1 for r in results if r.status == key)
            for status, key in (("passed", "pass"), ("failed", "fail"), ("skipped", "skip"))}
