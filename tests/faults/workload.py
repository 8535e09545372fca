"""The workload: executions of one flow whose task bodies record every run in a side-effect
file (the sink), so a body that runs twice shows even when the store looks right.

Every body is a shell task that appends, with O_APPEND (`>>`, one short line, atomic),
`start <execution> <task run> <attempt> <epoch> <ancestor pids> <shell pid>` when it begins and
`end <execution> <task run> <attempt> <epoch> <rc>` when it ends, sleeping a seeded
0.2-3 s in between so that faults hit bodies in flight. The attempt is
`taskrun.attemptsCount + 1` (the attempts already closed, plus this one).

The flow: `a`, then `b1`, `b2`, `b3` in a Parallel, then `flaky` (fails its first attempt on
purpose, retried after 0.5 s), then `d`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

NAMESPACE = "faults"
FLOW_ID = "load"
BODIES = ("a", "b1", "b2", "b3", "flaky", "d")

_BODY = """\
  - id: {id}
    type: io.kestra.plugin.scripts.shell.Commands
    env:
      SINK: "{{{{ vars.sink }}}}"
      ATTEMPT: "{{{{ taskrun.attemptsCount + 1 }}}}"
      RUN: "{{{{ execution.id }}}} {{{{ taskrun.id }}}}"
    commands:
      - {ancestors}
      - echo "start $RUN $ATTEMPT $(date +%s.%N) $UP $$" >> "$SINK"
      - sleep {{{{ inputs.{id} }}}}
      - {failure}echo "end $RUN $ATTEMPT $(date +%s.%N) 0" >> "$SINK"
"""
# UP: the pids above the shell, comma-separated (its launcher, the worker...), read from
# /proc (the ppid is the field after the command name, which may hold spaces): which
# worker ran a body, however many processes stand between them.
ANCESTORS = ('UP=""; p=$PPID; while [ "$p" -gt 1 ]; do UP="$UP$p,"; '
             'p=$(sed "s/.*) //" /proc/$p/stat | cut -d" " -f2); done')
# The deliberate failure of `flaky`'s first attempt: a FAILED attempt, not a re-run.
_FAIL_FIRST = ('if [ "$ATTEMPT" = 1 ]; then echo "end $RUN $ATTEMPT $(date +%s.%N) 1" >> '
               '"$SINK"; exit 1; fi; ')


def _body(task_id: str, indent: str = "") -> str:
    text = _BODY.format(id=task_id, failure=_FAIL_FIRST if task_id == "flaky" else "",
                        ancestors=ANCESTORS)
    if task_id == "flaky":
        text += ("    retry:\n      type: constant\n      interval: PT0.5S\n"
                 "      maxAttempts: 3\n")
    return "".join(indent + line + "\n" for line in text.splitlines())


def flow_source(sink: Path) -> str:
    inputs = "".join(f"  - id: {name}\n    type: STRING\n" for name in BODIES)
    parallel = ("  - id: par\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:\n"
                + "".join(_body(name, "    ") for name in ("b1", "b2", "b3")))
    return (f"id: {FLOW_ID}\nnamespace: {NAMESPACE}\nvariables:\n  sink: \"{sink}\"\n"
            f"inputs:\n{inputs}tasks:\n{_body('a')}{parallel}{_body('flaky')}{_body('d')}")


def single_task_flow(flow_id: str, task: str) -> str:
    """A flow of the workload's namespace with one task (`task`: its YAML lines)."""
    body = "".join(f"    {line}\n" if index else f"  - {line}\n"
                   for index, line in enumerate(task.strip().splitlines()))
    return f"id: {flow_id}\nnamespace: {NAMESPACE}\ntasks:\n{body}"


def durations(rng: random.Random, count: int,
              sleeps: tuple[float, float] = (0.2, 3.0)) -> list[dict[str, str]]:
    """The inputs of `count` executions: each body's sleep in seconds, from `rng`."""
    return [{name: f"{rng.uniform(*sleeps):.2f}" for name in BODIES} for _ in range(count)]


# Seconds a body's own start line may lag its launch (see `Sink.in_flight`).
LAUNCH_SLACK = 1.0


@dataclass
class Body:
    """One run of a task body, as the sink recorded it."""

    execution_id: str
    task_run_id: str
    attempt: int
    started: float
    ancestors: frozenset[int]  # the processes above its shell: launcher, worker...
    ended: float | None = None


@dataclass
class Sink:
    path: Path
    bodies: list[Body] = field(default_factory=list)

    def read(self) -> list[Body]:
        """Every body run so far, in start order (an end matched to its start by
        (task run, attempt), the earliest open one first)."""
        bodies: list[Body] = []
        open_by_key: dict[tuple[str, int], list[Body]] = {}
        text = self.path.read_text() if self.path.exists() else ""
        for line in text.splitlines():
            parts = line.split()
            if len(parts) < 6:
                continue  # a line being written
            key = (parts[2], int(parts[3]))
            if parts[0] == "start" and len(parts) >= 7:
                above = frozenset(int(pid) for pid in parts[5].split(",") if pid)
                body = Body(parts[1], parts[2], int(parts[3]), float(parts[4]), above)
                bodies.append(body)
                open_by_key.setdefault(key, []).append(body)
            elif parts[0] == "end" and open_by_key.get(key):
                open_by_key[key].pop(0).ended = float(parts[4])
        self.bodies = bodies
        return bodies

    def in_flight(self, at: float, worker_pids: set[int] | None = None,
                  closed: dict[tuple[str, int], float] | None = None) -> int:
        """Bodies started before `at` (epoch) and not done by then; only those run by
        `worker_pids` when given. Done: the body ended, or, with `closed` (when the store
        closed each attempt), its attempt was closed: a body that ended but whose result
        was not recorded yet is still in flight."""
        def open_at(body: Body) -> bool:
            if closed is not None:
                return closed.get((body.task_run_id, body.attempt), float("inf")) > at
            return body.ended is None or body.ended > at
        def began_by(body: Body) -> bool:
            # A body records its start from its own shell: one launched by a worker just
            # before that worker was killed or frozen may write the line a moment after.
            return body.started <= at + (LAUNCH_SLACK if worker_pids else 0.0)
        return sum(1 for b in self.read() if began_by(b) and open_at(b)
                   and (worker_pids is None or b.ancestors & worker_pids))
