"""The harness's own logic, without servers: how it reads MONITOR lines and the sink, and
how it counts duplicates and re-runs (run by a plain `pytest`)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from types import SimpleNamespace

from podium.common.flow.loader import parse_flow
from tests.faults.duplicator import monitor_args, with_own_tag
from tests.faults.measure import _closed, _duplicates, _reruns
from tests.faults.scenarios import SCENARIOS
from tests.faults.scenarios.deliveries import POISON
from tests.faults.scenarios.schedules import TICK, TRIGGER
from tests.faults.workload import BODIES, Sink, flow_source


def test_monitor_line_arguments_are_unquoted():
    line = ('1700000000.123456 [0 127.0.0.1:5555] "LPUSH" "p:podium.worker" '
            '"{\\"body\\": \\"a\\\\nb\\xc3\\xa9\\"}"')
    assert monitor_args(line) == [b"LPUSH", b"p:podium.worker",
                                  '{"body": "a\\nbé"}'.encode()]


def test_a_copy_has_its_own_delivery_tag_and_the_same_message():
    original = json.dumps({"body": "e30=", "headers": {"id": "t1"},
                           "properties": {"delivery_tag": "tag-1", "priority": 0}}).encode()
    copy = json.loads(with_own_tag(original))
    assert copy["properties"]["delivery_tag"] != "tag-1"
    copy["properties"]["delivery_tag"] = "tag-1"
    assert copy == json.loads(original)
    assert with_own_tag(b"not json") == b"not json"


def _sink(tmp_path, lines: list[str]) -> Sink:
    path = tmp_path / "sink.txt"
    path.write_text("".join(line + "\n" for line in lines))
    return Sink(path)


def test_sink_pairs_ends_with_starts_and_counts_bodies_in_flight(tmp_path):
    sink = _sink(tmp_path, ["start e r1 1 10.0 50,100, 1", "start e r2 1 11.0 60,200, 2",
                            "end e r1 1 12.0 0", "start e r1 1 13.0 100 3", "start e r3"])
    bodies = sink.read()
    assert [(b.task_run_id, b.ended) for b in bodies] == [("r1", 12.0), ("r2", None),
                                                          ("r1", None)]
    assert sink.in_flight(11.5) == 2
    assert sink.in_flight(11.5, {200}) == 1
    assert bodies[0].ancestors == {50, 100}
    assert sink.in_flight(12.5) == 1
    # r2's shell, launched by worker 200 as it was killed at 10.5, wrote its start after.
    assert sink.in_flight(10.5, {200}) == 1
    assert sink.in_flight(10.5) == 1  # without a killed worker's pids, no slack


def test_a_second_start_of_an_attempt_and_a_killed_attempt_are_re_runs(tmp_path):
    sink = _sink(tmp_path, [
        "start e r1 1 10.0 100 1", "end e r1 1 12.0 0",
        "start e r1 1 10.5 100 2",                           # the same attempt again
        "start e r2 1 10.0 100 3", "end e r2 1 20.0 0",      # lost, and ended anyway
        "start e r2 2 15.0 101 4", "end e r2 2 16.0 0",
        "start e r3 1 10.0 100 5", "end e r3 1 10.5 1",      # flaky's deliberate failure
        "start e r3 2 11.0 100 6", "end e r3 2 11.5 0"])
    def attempt(number, state, ended):
        return {"number": number, "state": state,
                "ended": datetime.fromtimestamp(ended, timezone.utc).isoformat()}
    runs = [SimpleNamespace(id="r1", attempts=[attempt(1, "SUCCESS", 12.5)]),
            SimpleNamespace(id="r2", attempts=[attempt(1, "KILLED", 14.0),
                                               attempt(2, "SUCCESS", 16.5)]),
            SimpleNamespace(id="r3", attempts=[attempt(1, "FAILED", 10.6),
                                               attempt(2, "SUCCESS", 11.6)])]
    assert _reruns(runs, sink) == (2, 1)
    # At 12.2 r1's body had ended but its result was not recorded: still in flight.
    assert sink.in_flight(12.2, closed=_closed(runs)) == 3
    assert sink.in_flight(12.2) == 2


def test_two_task_runs_for_one_task_and_value_are_a_duplicate():
    def run(task_id, value=None):
        return SimpleNamespace(execution_id="e", task_id=task_id, parent_task_run_id=None,
                               value=value, iteration=None)
    assert _duplicates([run("a"), run("b"), run("c", "x"), run("c", "y")]) == 0
    assert _duplicates([run("a"), run("a"), run("a"), run("b")]) == 2


def test_the_flows_the_scenarios_deploy_are_valid(tmp_path):
    flow = parse_flow(flow_source(tmp_path / "sink.txt")).flow
    assert [t.id for t in flow.tasks] == ["a", "par", "flaky", "d"]
    assert {i.id for i in flow.inputs} == set(BODIES)
    assert parse_flow(POISON).flow.tasks[0].id == "kill_my_worker"
    assert len(parse_flow(TICK + TRIGGER).flow.triggers) == 1


def test_every_scenario_is_registered_once_and_the_ci_subset_is_the_issues():
    assert {n for n, s in SCENARIOS.items() if s.ci} == {
        "worker-kill", "executor-kill", "redis-restart", "pg-restart", "duplicate-delivery"}
