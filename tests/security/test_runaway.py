"""Flows starting themselves: the chain depth limit and the trigger-loop warning (issue 14,
"Runaway work").

A Subflow chain that would go deeper than PODIUM_EXECUTOR__MAX_CHAIN_DEPTH (default 10)
fails the Subflow task of the deepest execution with the limit and the chain; a Flow
trigger chain creates its next execution FAILED with the same reason, and that one starts
nothing. Mutual Flow triggers are reported as a warning when saved or validated.
"""

from __future__ import annotations

import json

import pytest

from podium.common.errors import PodiumError
from podium.common.flow.loader import parse_flow
from podium.common.store.executions import list_executions
from podium.runtime import Runtime
from tests.security.conftest import stored
from tests.waiting import wait_for

NS = "company.loop"
YAML = {"Content-Type": "application/x-yaml"}


def subflow_flow(flow_id: str, calls: str, namespace: str = NS, *,
                 task_type: str = "io.kestra.plugin.core.flow.Subflow", wait: bool = True) -> str:
    return f"""id: {flow_id}
namespace: {NS}
tasks:
  - id: call
    type: {task_type}
    namespace: "{namespace}"
    flowId: "{calls}"
    wait: {str(wait).lower()}
"""


def trigger_flow(flow_id: str, listens_to: str) -> str:
    return f"""id: {flow_id}
namespace: {NS}
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "{flow_id} ran"
triggers:
  - id: after_{listens_to}
    type: io.kestra.plugin.core.trigger.Flow
    states: [SUCCESS]
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: {NS}
        flowId: {listens_to}
"""


def executions(rt: Runtime) -> list:
    with rt.db.read() as conn:
        return list_executions(conn, NS, limit=500)


def until(condition, timeout: float = 60.0):
    """Poll `condition` until it returns something truthy (the chain runs on its own)."""
    return wait_for(condition, timeout)


def all_ended(rt: Runtime) -> list:
    found = executions(rt)
    return found if found and all(e.state.is_terminated for e in found) else None


def chain(*names: str) -> str:
    return " → ".join(f"{NS}.{name}" for name in names)


def depth_errors(rt: Runtime, execution_id: str) -> list[str]:
    return [log.message for log in rt.logs(execution_id)
            if log.level == "ERROR" and "depth limit" in log.message]


def assert_subflow_chain_stopped(rt: Runtime, root_id: str, limit: int, expected_chain: str,
                                 wait: bool = True) -> None:
    if wait:
        assert rt.wait(root_id, 60).state.value == "FAILED"
    ended = until(lambda: all_ended(rt))
    assert len(ended) == limit  # the limit counts executions, the first one included
    reasons = {e.id: depth_errors(rt, e.id) for e in ended}
    stopped = [e for e in ended if reasons[e.id]]
    assert len(stopped) == 1, reasons
    assert reasons[stopped[0].id] == [f"subflow depth limit {limit} reached: {expected_chain}"]
    assert stopped[0].state.value == "FAILED"
    [call] = rt.task_runs(stopped[0].id)
    assert call.state.value == "FAILED" and call.task_id == "call"


@pytest.mark.parametrize(("namespace", "flow_id", "task_type"), [
    pytest.param("{{ flow.namespace }}", "{{ flow.id }}", "io.kestra.plugin.core.flow.Subflow",
                 id="subflow-through-flow-id-template"),
    pytest.param(NS, "{{ 'se' ~ 'lf' }}", "io.kestra.plugin.core.flow.Subflow",
                 id="subflow-through-computed-id"),
    pytest.param(NS, "{{ flow.id }}", "io.kestra.core.tasks.flows.Flow", id="legacy-flow-task"),
])
def test_self_calling_subflow_stops_at_default_limit(runtime, namespace, flow_id, task_type):
    runtime.deploy(parse_flow(subflow_flow("self", flow_id, namespace, task_type=task_type)))
    root = runtime.submit(NS, "self")
    assert_subflow_chain_stopped(runtime, root.id, 10, chain(*["self"] * 11))


def test_literal_self_call_is_refused_at_save(api, runtime):
    """Written out, a flow calling itself never gets saved (as in Kestra)."""
    before = stored(runtime)
    response = api.post("/api/v1/flows", content=subflow_flow("self", "self"), headers=YAML)
    assert response.status_code == 422
    [detail] = response.json()["details"]
    assert detail["path"] == "tasks[0]" and detail["line"] == 4
    assert "calls its own flow company.loop.self: recursive subflows are not allowed" \
        in detail["message"]
    assert stored(runtime) == before


def test_subflows_calling_each_other_stop_at_limit(runtime):
    runtime.deploy(parse_flow(subflow_flow("a", "b")))
    runtime.deploy(parse_flow(subflow_flow("b", "a")))
    root = runtime.submit(NS, "a")
    assert_subflow_chain_stopped(runtime, root.id, 10, chain(*["a", "b"] * 5, "a"))


def test_subflow_not_waiting_stops_too(runtime):
    """`wait: false`: every parent ends at once, the chain still counts its depth."""
    runtime.deploy(parse_flow(subflow_flow("self", "{{ flow.id }}", wait=False)))
    runtime.submit(NS, "self")
    assert_subflow_chain_stopped(runtime, "", 10, chain(*["self"] * 11), wait=False)


@pytest.fixture
def shallow(tmp_path):
    """An embedded runtime whose limit is 3."""
    with Runtime.embedded(tmp_path / "data", workers=2,
                          environ={"PODIUM_EXECUTOR__MAX_CHAIN_DEPTH": "3"}) as rt:
        yield rt


def test_limit_is_a_setting(shallow):
    shallow.deploy(parse_flow(subflow_flow("self", "{{ flow.id }}")))
    root = shallow.submit(NS, "self")
    assert_subflow_chain_stopped(shallow, root.id, 3, chain("self", "self", "self", "self"))


def test_chain_as_deep_as_the_limit_runs(shallow):
    """No false alarm: three different flows calling down, three deep, all succeed."""
    shallow.deploy(parse_flow(subflow_flow("a", "b")))
    shallow.deploy(parse_flow(subflow_flow("b", "c")))
    shallow.deploy(parse_flow(f"""id: c
namespace: {NS}
tasks:
  - id: leaf
    type: io.kestra.plugin.core.log.Log
    message: bottom
"""))
    root = shallow.submit(NS, "a")
    assert shallow.wait(root.id, 60).state.value == "SUCCESS"
    ended = until(lambda: all_ended(shallow))
    assert sorted(e.flow_id for e in ended) == ["a", "b", "c"]
    assert all(e.state.value == "SUCCESS" for e in ended)


@pytest.mark.parametrize("value", ["0", "-1", "ten"])
def test_bad_limit_setting_is_refused(tmp_path, value):
    with pytest.raises(PodiumError, match="PODIUM_EXECUTOR__MAX_CHAIN_DEPTH must be a whole "
                                          "number, at least 1"):
        Runtime.embedded(tmp_path / "data", workers=1,
                         environ={"PODIUM_EXECUTOR__MAX_CHAIN_DEPTH": value})


def test_flow_triggers_starting_each_other_stop_at_limit(runtime):
    runtime.deploy(parse_flow(trigger_flow("ping", "pong")))
    runtime.deploy(parse_flow(trigger_flow("pong", "ping")))
    runtime.submit(NS, "ping")
    failed = until(lambda: [e for e in executions(runtime) if e.state.value == "FAILED"])
    ended = until(lambda: all_ended(runtime))
    ran = [e for e in ended if e.state.value == "SUCCESS"]
    assert len(ran) == 10 and ended == [*failed, *ran]  # nothing after the refused one
    [refused] = failed
    reason = f"flow trigger depth limit 10 reached: {chain(*['ping', 'pong'] * 5, 'ping')}"
    assert refused.error == f"Flow trigger 'after_pong': {reason}"
    assert runtime.task_runs(refused.id) == []  # created FAILED, never run
    assert [log.message for log in runtime.logs(refused.id)] == [refused.error]


def test_flow_trigger_chain_limit_is_the_setting(shallow):
    shallow.deploy(parse_flow(trigger_flow("ping", "pong")))
    shallow.deploy(parse_flow(trigger_flow("pong", "ping")))
    shallow.submit(NS, "ping")
    until(lambda: [e for e in executions(shallow) if e.state.value == "FAILED"])
    ended = until(lambda: all_ended(shallow))
    assert [e.state.value for e in ended] == ["FAILED", "SUCCESS", "SUCCESS", "SUCCESS"]
    assert ended[0].error.endswith(
        f"flow trigger depth limit 3 reached: {chain('ping', 'pong', 'ping', 'pong')}")


# -- mutual triggers: a warning at save --------------------------------------------------
LOOP_WARNING = ("Flow triggers form a loop: {chain} (an execution of each starts the next); "
                "the executor stops such a chain at its depth limit "
                "(PODIUM_EXECUTOR__MAX_CHAIN_DEPTH)")


def test_api_save_warns_about_mutual_triggers(api):
    first = api.post("/api/v1/flows", content=trigger_flow("ping", "pong"), headers=YAML)
    assert first.status_code == 200 and "warnings" not in first.json()
    second = api.post("/api/v1/flows", content=trigger_flow("pong", "ping"), headers=YAML)
    assert second.status_code == 200, second.text
    assert second.json()["warnings"] == [LOOP_WARNING.format(chain=chain("pong", "ping", "pong"))]
    updated = api.put(f"/api/v1/flows/{NS}/ping", content=trigger_flow("ping", "pong")
                      .replace("ping ran", "ping again"), headers=YAML)
    assert updated.status_code == 200
    assert updated.json()["warnings"] == [LOOP_WARNING.format(chain=chain("ping", "pong", "ping"))]


def test_api_validate_warns_about_loops_across_documents_and_stored_flows(api):
    three = "\n---\n".join([trigger_flow("a", "c"), trigger_flow("b", "a")])
    alone = api.post("/api/v1/flows/validate", content=three, headers=YAML).json()
    assert [r["warnings"] for r in alone] == [[], []]  # a → b, nothing back to a yet
    assert api.post("/api/v1/flows", content=trigger_flow("c", "b"), headers=YAML) \
        .status_code == 200
    closed = api.post("/api/v1/flows/validate", content=three, headers=YAML).json()
    assert [r["constraints"] for r in closed] == [None, None]
    assert closed[0]["warnings"] == [LOOP_WARNING.format(chain=chain("a", "b", "c", "a"))]
    assert closed[1]["warnings"] == [LOOP_WARNING.format(chain=chain("b", "c", "a", "b"))]


def test_cli_validate_warns_about_mutual_triggers(local_cli, tmp_path):
    (tmp_path / "ping.yaml").write_text(trigger_flow("ping", "pong"))
    (tmp_path / "pong.yaml").write_text(trigger_flow("pong", "ping"))
    (tmp_path / "other.yaml").write_text(trigger_flow("other", "ping"))
    result = local_cli("flow", "validate", str(tmp_path))
    assert result.exit_code == 0, result.output  # a warning, not an error
    warnings = [line for line in result.output.splitlines() if line.startswith("warning")]
    assert warnings == [
        f"warning  {tmp_path / 'ping.yaml'}: "
        + LOOP_WARNING.format(chain=chain("ping", "pong", "ping")),
        f"warning  {tmp_path / 'pong.yaml'}: "
        + LOOP_WARNING.format(chain=chain("pong", "ping", "pong")),
    ]
    assert result.output.rstrip().endswith("3 valid, 0 invalid")


def test_cli_deploy_to_a_server_warns_about_mutual_triggers(cli, tmp_path):
    (tmp_path / "a_ping.yaml").write_text(trigger_flow("ping", "pong"))
    (tmp_path / "b_pong.yaml").write_text(trigger_flow("pong", "ping"))
    result = cli("flow", "deploy", str(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{NS}.ping revision 1 (created)")
    assert lines[1].startswith(f"{NS}.pong revision 1 (created)")
    assert lines[2:] == [f"warning  {tmp_path / 'b_pong.yaml'}: "
                         + LOOP_WARNING.format(chain=chain("pong", "ping", "pong"))]


def test_one_way_trigger_is_no_loop(api):
    api.post("/api/v1/flows", content=trigger_flow("ping", "pong"), headers=YAML)
    listener = api.post("/api/v1/flows", content=trigger_flow("pong", "other"), headers=YAML)
    assert listener.status_code == 200 and "warnings" not in listener.json()


def test_cli_validate_against_a_server_warns_about_its_stored_flows(api, cli, tmp_path):
    assert api.post("/api/v1/flows", content=trigger_flow("ping", "pong"), headers=YAML) \
        .status_code == 200
    (tmp_path / "pong.yaml").write_text(trigger_flow("pong", "ping"))
    result = cli("flow", "validate", "--output", "json", str(tmp_path / "pong.yaml"))
    assert result.exit_code == 0, result.output
    [checked] = json.loads(result.output)
    assert checked["valid"] and checked["warnings"] == [
        LOOP_WARNING.format(chain=chain("pong", "ping", "pong"))]
