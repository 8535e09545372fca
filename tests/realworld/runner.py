"""Runs the real-world corpus on the embedded runtime and compares each run with what its
documentation page describes.

One runtime for the whole corpus. Flows are deployed right before they run (triggers off,
as in the conformance runner), under a lock per (namespace, flow id): the docs reuse ids
(`myflow`, `hello_world`, `subflow` ...), and a revision pinned at submission keeps a later
deploy of a same-id flow from touching a running execution. Flows that use the KV store run
one at a time on the store their setup describes; flows driven by a Flow trigger run last,
alone, so no other execution fires their trigger. The comparison, snapshots and waits are
the conformance runner's (tests/conformance), so both corpora mean the same by "passes".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from podium.common.flow.loader import LoadedFlow, parse_flow
from podium.common.secrets import encode_base64
from podium.common.storage.namespace_files import put_file
from podium.runtime import Runtime
from tests.conformance.checks import compare
from tests.conformance.manifest import Case
from tests.conformance.runner import _snapshot as snapshot
from tests.conformance.runner import _triggered_by as triggered_by
from tests.conformance.runner import _wait_terminated as wait_terminated
from tests.conformance.runner import prepare_kv, with_uploads, without_polling_triggers
from tests.realworld.corpus import Entry, Expectation
from tests.realworld.loopback import loopback_services, substitute

DEFAULT_TIMEOUT = 60.0
DEFAULT_WORKERS = 8


@dataclass(frozen=True)
class Outcome:
    """One expectation of one flow: pass, fail (with why) or skip (with why)."""

    entry: Entry
    run: str  # "" for the main run, "v1", ... for variants
    status: str  # "pass" | "fail" | "skip"
    detail: str = ""

    @property
    def label(self) -> str:
        return self.entry.file + (f" [{self.run}]" if self.run else "")


def first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def validate(entry: Entry) -> LoadedFlow:
    """Parse and validate the flow as written (FlowValidationError otherwise)."""
    return parse_flow(entry.source, name=entry.file)


# ---------------------------------------------------------------------------- the runtime

# In a secret's value, the folder of the bare repositories of `setup.git_repos` (a file://
# URL): a blueprint's remote repository, given as a secret, becomes one on this machine.
GIT_REPOS = "{git_repos}"


def runtime_environ(entries: Iterable[Entry], git_repos: str = "",
                    loopback: dict[str, str] | None = None) -> dict[str, str]:
    """`setup.secrets` of every expectation as Kestra's SECRET_<NAME> variables (base64),
    which is how an open-source Kestra reads `secret()`; `{git_repos}` and the loopback
    services' placeholders (loopback.py) replaced by their values."""
    environ: dict[str, str] = {}
    for entry in entries:
        for expectation in entry.expectations():
            for name, value in (expectation.setup.get("secrets") or {}).items():
                value = substitute(str(value).replace(GIT_REPOS, git_repos), loopback or {})
                environ.setdefault(f"SECRET_{name.upper()}", encode_base64(value))
    return environ


def make_git_repos(entries: Iterable[Entry], folder: Path) -> None:
    """`setup.git_repos` (name -> branch) of every expectation: a bare repository
    `<folder>/<name>.git` whose branch has one empty commit, as a new remote has."""
    identity = {"GIT_AUTHOR_NAME": "corpus", "GIT_AUTHOR_EMAIL": "corpus@localhost",
                "GIT_COMMITTER_NAME": "corpus", "GIT_COMMITTER_EMAIL": "corpus@localhost"}
    env = {**os.environ, **identity}
    for entry in entries:
        for expectation in entry.expectations():
            for name, branch in (expectation.setup.get("git_repos") or {}).items():
                bare = folder / f"{name}.git"
                if bare.exists():
                    continue
                seed = folder / f"{name}.seed"
                for command in (["git", "init", "-q", "-b", branch, str(seed)],
                                ["git", "-C", str(seed), "commit", "-q", "--allow-empty",
                                 "-m", "initial commit"],
                                ["git", "clone", "-q", "--bare", str(seed), str(bare)]):
                    subprocess.run(command, check=True, env=env, capture_output=True)
                shutil.rmtree(seed)


def namespace_files(entries: Iterable[Entry]) -> dict[tuple[str, str], str]:
    """Every `setup.namespace_files` (namespace -> path -> content) of the corpus, which are
    written once before any run. Two entries may not give one path different contents."""
    files: dict[tuple[str, str], str] = {}
    for entry in entries:
        for expectation in entry.expectations():
            for namespace, tree in (expectation.setup.get("namespace_files") or {}).items():
                for path, content in tree.items():
                    key = (namespace, path)
                    if files.setdefault(key, content) != content:
                        raise ValueError(f"{entry.file}: namespace file {namespace}:{path} "
                                         "has another content in another entry")
    return files


@contextmanager
def corpus_runtime(entries: list[Entry]) -> Iterator[tuple[Runtime, dict[str, str]]]:
    """The runtime, and the loopback services' placeholder values (for run inputs)."""
    with tempfile.TemporaryDirectory(prefix="podium-realworld-") as data_dir, \
            loopback_services() as loopback:
        repos = Path(data_dir) / "git-remotes"
        repos.mkdir()
        make_git_repos(entries, repos)
        environ = runtime_environ(entries, git_repos=repos.as_uri(), loopback=loopback)
        with Runtime.embedded(data_dir, environ=environ) as runtime:
            for (namespace, path), content in namespace_files(entries).items():
                put_file(runtime.storage, namespace, path, content.encode())
            yield runtime, loopback


# ---------------------------------------------------------------------------- one entry

class CorpusRunner:
    """Runs entries on one runtime; safe to call from several threads."""

    def __init__(self, runtime: Runtime, entries: list[Entry],
                 timeout: float = DEFAULT_TIMEOUT,
                 loopback: dict[str, str] | None = None) -> None:
        self.runtime = runtime
        self.loopback = loopback or {}
        self.by_file = {entry.file: entry for entry in entries}
        self.timeout = timeout
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def run(self, entry: Entry) -> list[Outcome]:
        if not entry.runnable:
            why = f"{entry.skip}: {entry.skip_why}" if entry.skip else "not run"
            return [Outcome(entry, "", "skip", why)]
        missing = [program for program in entry.requires if shutil.which(program) is None]
        if missing:
            return [Outcome(entry, "", "skip", f"needs {', '.join(missing)} on this machine")]
        related = [self.by_file[file] for file in entry.depends_on + entry.sources]
        with self._holding([entry, *related]):
            try:
                self._deploy(entry, triggers=entry.mode == "triggered")
                for other in related:
                    self._deploy(other, triggers=False)
            except Exception as exc:
                return [Outcome(entry, "", "fail", f"does not deploy: {first_line(exc)}")]
            try:
                return [self._one(entry, expectation) for expectation in entry.expectations()]
            finally:
                if entry.mode == "triggered":  # its Flow trigger listens only while it runs
                    self._deploy(entry, triggers=False)

    @contextmanager
    def _holding(self, entries: list[Entry]) -> Iterator[None]:
        with self._locks_guard:
            locks = [self._locks.setdefault(key, threading.Lock())
                     for key in sorted({entry.key for entry in entries})]
        with ExitStack() as stack:
            for lock in locks:  # sorted: two runs sharing keys cannot deadlock
                stack.enter_context(lock)
            yield

    def _deploy(self, entry: Entry, triggers: bool) -> None:
        loaded = validate(entry)
        self.runtime.deploy(loaded if triggers else without_polling_triggers(loaded))

    def _one(self, entry: Entry, expectation: Expectation) -> Outcome:
        case = as_case(entry, expectation)
        if "kv" in expectation.setup:
            prepare_kv(self.runtime, case)
        try:
            if expectation.rejected is not None:
                status, detail = self._rejected(entry, expectation)
            elif entry.mode == "burst":
                status, detail = self._burst(entry, expectation)
            elif entry.mode == "triggered":
                status, detail = self._triggered(entry, expectation, case)
            else:
                status, detail = self._single(entry, expectation)
        except TimeoutError as exc:
            status, detail = "fail", f"timeout: {first_line(exc)}"
        except Exception as exc:  # one run must not stop the corpus
            status, detail = "fail", f"{type(exc).__name__}: {first_line(exc)}"
        return Outcome(entry, expectation.name, status, detail)

    def _timeout(self, entry: Entry) -> float:
        """`run.timeout` when the flow takes longer than most (a fan-out of sleeps)."""
        return max(self.timeout, float(entry.run.get("timeout") or 0))

    # ------------------------------------------------------------------ modes
    def _submit(self, entry: Entry, expectation: Expectation):
        inputs = substitute(expectation.inputs, self.loopback)
        return self.runtime.submit(entry.namespace, entry.flow_id,
                                   with_uploads(inputs) or None,
                                   labels=expectation.labels or None)

    def _single(self, entry: Entry, expectation: Expectation) -> tuple[str, str]:
        try:
            execution = self._submit(entry, expectation)
        except Exception as exc:
            return "fail", f"execution not created: {first_line(exc)}"
        if entry.mode == "pause-resume":
            paused = self.runtime.wait(execution.id, self._timeout(entry))
            if paused.state.value != "PAUSED":
                return "fail", f"ended {paused.state.value} instead of pausing"
            review = entry.run.get("review")
            if review:  # an Approval: decided instead of resumed
                self.runtime.review(execution.id, review["decision"], review.get("comment"),
                                    review.get("inputs"))
            else:
                self.runtime.resume(execution.id,
                                    with_uploads(entry.run.get("resume_inputs")) or None)
        final = wait_terminated(self.runtime, execution.id, self._timeout(entry))
        outcome = compare(expectation.expect(), snapshot(self.runtime, final))
        return outcome.status, outcome.detail

    def _rejected(self, entry: Entry, expectation: Expectation) -> tuple[str, str]:
        try:
            execution = self._submit(entry, expectation)
        except Exception as exc:
            message = str(exc)
            if expectation.rejected.lower() in message.lower():
                return "pass", ""
            return "fail", (f"refused, but the error does not name "
                            f"{expectation.rejected!r}: {first_line(exc)}")
        final = wait_terminated(self.runtime, execution.id, self.timeout)
        return "fail", f"execution created and ended {final.state.value}; the page says refused"

    def _burst(self, entry: Entry, expectation: Expectation) -> tuple[str, str]:
        """`count` executions at once: their final states (in any order) and how many
        were QUEUED on the way."""
        count = int(entry.run.get("count", 1))
        started = [self._submit(entry, expectation) for _ in range(count)]
        finals = [wait_terminated(self.runtime, execution.id, self.timeout)
                  for execution in started]
        states = sorted(final.state.value for final in finals)
        expected = sorted(entry.run.get("states") or [])
        if states != expected:
            return "fail", f"expected states {expected}, got {states}"
        queued = sum(1 for final in finals
                     if any(h.state.value == "QUEUED" for h in final.history.histories))
        wanted = entry.run.get("queued")
        if wanted is not None and queued != wanted:
            return "fail", f"expected {wanted} execution(s) QUEUED on the way, got {queued}"
        return "pass", ""

    def _triggered(self, entry: Entry, expectation: Expectation,
                   case: Case) -> tuple[str, str]:
        """Run the `sources` in order; the Flow trigger of this flow must create the
        executions `expect` describes (`count` of them when given)."""
        source_ids = set()
        for file in entry.sources:
            source = self.by_file[file]
            started = self.runtime.submit(source.namespace, source.flow_id, None)
            wait_terminated(self.runtime, started.id, self.timeout)
            source_ids.add(started.id)
        found = triggered_by(self.runtime, case, source_ids, self.timeout)
        wanted = entry.run.get("count")
        if not found or (wanted is not None and len(found) != wanted):
            return "fail", (f"the trigger created {len(found)} execution(s), expected "
                            f"{wanted if wanted is not None else 'at least 1'}")
        for execution in found:
            outcome = compare(expectation.expect(), snapshot(self.runtime, execution))
            if outcome.status != "pass":
                return outcome.status, f"{execution.id}: {outcome.detail}"
        return "pass", ""


def as_case(entry: Entry, expectation: Expectation) -> Case:
    """The conformance runner's view of one expectation (for its helpers)."""
    return Case(file=entry.file, variant=expectation.name or None,
                entry={"namespace": entry.namespace, "flow_id": entry.flow_id},
                inputs=expectation.inputs, setup=expectation.setup, labels=expectation.labels,
                expect=expectation.expect(), source_test=None)


# ---------------------------------------------------------------------------- the corpus

def run_corpus(entries: list[Entry], *, timeout: float = DEFAULT_TIMEOUT,
               workers: int = DEFAULT_WORKERS) -> Iterator[list[Outcome]]:
    """The outcomes of every entry, in the order given, yielded as soon as each (and all
    before it) is done."""
    with corpus_runtime(entries) as (runtime, loopback):
        runner = CorpusRunner(runtime, entries, timeout, loopback)
        with ThreadPoolExecutor(max_workers=workers) as pool, \
                ThreadPoolExecutor(max_workers=1) as store_lane, \
                ThreadPoolExecutor(max_workers=1) as trigger_lane:
            futures: dict[str, Future] = {}
            for entry in entries:
                if entry.mode != "triggered":
                    lane = store_lane if entry.uses_kv else pool
                    futures[entry.file] = lane.submit(runner.run, entry)
            others = list(futures.values())

            def after_the_others(entry: Entry) -> list[Outcome]:
                wait(others)
                return runner.run(entry)

            for entry in entries:
                if entry.mode == "triggered":
                    futures[entry.file] = trigger_lane.submit(after_the_others, entry)
            for entry in entries:
                yield futures[entry.file].result()


def elapsed(since: float) -> str:
    return f"{time.monotonic() - since:.1f}s"
