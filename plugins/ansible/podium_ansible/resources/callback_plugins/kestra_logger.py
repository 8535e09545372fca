# Podium's Ansible callback for the AnsibleCLI task (podium-plugin-ansible). It carries
# the name of Kestra's callback, `kestra_logger`, so an ansible.cfg written for Kestra
# (`callbacks_enabled = kestra_logger`) enables it unchanged.
#
# What it does: one line per host result on stdout (stderr for failures), the tasks of
# each play with their timings and host results, and, at the end of the playbook, the
# results as the task's outputs. With KESTRA_OUTPUTS_MODE=explicit only what the playbook
# declares through the `kestra` module is an output, and host results are cut down to
# `changed` (and `msg` on failure) in the logs and the outputs.
#
# The results go to the file PODIUM_ANSIBLE_RESULTS names (one JSON line per playbook run,
# which the task merges), else to stdout as a `::{"outputs": ...}::` line.

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: kestra_logger
    type: aggregate
    short_description: collects playbook results as Podium task outputs
    description:
        - Logs one line per host result and reports the playbook's results to the
          AnsibleCLI task of Podium.
"""

# The names the bundled `kestra` module runs under (`ansible.legacy.` for a module found
# in a library folder, as an FQCN-minded playbook writes it).
DECLARING_ACTIONS = frozenset({"kestra", "ansible.legacy.kestra"})


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "kestra_logger"

    def __init__(self):
        super().__init__()
        mode = os.environ.get("KESTRA_OUTPUTS_MODE", "all").strip().lower()
        self._explicit = mode == "explicit"
        self._results = []  # every host result (ALL mode)
        self._declared = {}  # what `kestra` tasks declared (EXPLICIT mode)
        self._plays = []
        self._task = None
        self._started = None

    # ------------------------------------------------------------ playbook structure
    def v2_playbook_on_play_start(self, play):
        self._end_task()
        self._plays.append({"name": play.get_name().strip() or "unnamed_play", "tasks": []})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start_task(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._start_task(task)

    def v2_playbook_on_cleanup_task_start(self, task):
        self._start_task(task)

    def _start_task(self, task):
        self._end_task()
        if not self._plays:
            self._plays.append({"name": "implicit_play", "tasks": []})
        play = self._plays[-1]
        name = task.get_name().strip() or str(getattr(task, "action", "") or "") or \
            f"unnamed_task_{len(play['tasks']) + 1}"
        self._started = _now()
        self._task = {"uid": f"{play['name']} | {name}", "name": name,
                      "startedAt": _stamp(self._started), "endedAt": None, "hosts": []}
        play["tasks"].append(self._task)

    def _end_task(self):
        if self._task is not None and self._task["endedAt"] is None:
            self._task["endedAt"] = _stamp(_now())
        self._task = None

    # ------------------------------------------------------------ host results
    def v2_runner_on_ok(self, result):
        self._host_result(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._host_result(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._host_result(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._host_result(result, "unreachable")

    def _host_result(self, result, status):
        data = dict(result._result)
        if status == "ok" and getattr(result._task, "action", None) in DECLARING_ACTIONS:
            self._declare(data)
        if not self._explicit:
            self._results.append(data)
        if self._task is None:
            self._start_task(result._task)
        shown = self._redacted(data, status) if self._explicit else data
        host = result._host.get_name() if result._host else "unknown_host"
        self._task["hosts"].append({"host": host, "status": status, "result": shown})
        failed = status in ("failed", "unreachable")
        line = f"[{host}] {self._task['name']}: {status} => {json.dumps(shown, default=str)}"
        # Through Ansible's display: on stdout / stderr, and in log_path when one is set.
        self._display.display(line, stderr=failed)

    def _declare(self, data):
        declared = data.get("outputs")
        if isinstance(declared, dict):
            self._declared.update(declared)  # several hosts: the last one wins
        elif "results" in data:
            self._display.warning("the kestra module ran in a loop: its outputs are not "
                                  "collected; call it once with every value")

    @staticmethod
    def _redacted(data, status):
        kept = {"changed": bool(data.get("changed", False))}
        if status in ("failed", "unreachable") and data.get("msg") is not None:
            kept["msg"] = data["msg"]
        return kept

    # ------------------------------------------------------------ the end
    def v2_playbook_on_stats(self, stats):
        self._end_task()
        payload = {"outputs": self._declared if self._explicit else self._results,
                   "playbooks": [{"plays": self._plays}]}
        target = os.environ.get("PODIUM_ANSIBLE_RESULTS")
        if target:
            with open(target, "a", encoding="utf-8") as out:
                out.write(json.dumps(payload, default=str) + "\n")
        else:
            print("::" + json.dumps({"outputs": payload}, default=str) + "::", flush=True)
