"""The executor's bookkeeping of an execution: typed, apart from the user's variables, and
still read from the shape earlier versions wrote (keys in `variables`)."""

from __future__ import annotations

from datetime import datetime, timezone

from podium.common.models.engine_state import EngineState, SubflowLink
from podium.common.models.execution import Execution
from podium.common.models.state import State, StateHistory

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def execution(**fields) -> Execution:
    return Execution.model_validate({"namespace": "n", "flow_id": "f", "flow_revision": 1,
                                     "history": StateHistory.new(T0), **fields})


def test_an_old_shape_execution_reads_its_bookkeeping_out_of_the_variables():
    old = execution(variables={
        "vars": {"a": 1}, "callChain": ["n.p", "n.f"], "pendingFinalState": "KILLED",
        "subflow": {"taskRunId": "tr", "wait": True, "outputs": {"x": "{{ 1 }}"}}})
    assert old.variables == {"vars": {"a": 1}}
    assert old.engine == EngineState(
        call_chain=["n.p", "n.f"], pending_final_state=State.KILLED,
        subflow=SubflowLink(task_run_id="tr", wait=True, outputs={"x": "{{ 1 }}"}))


def test_only_bookkeeping_in_the_variables_leaves_none():
    assert execution(variables={"retriedAs": "r"}).variables is None


def test_the_engine_state_is_stored_compactly_and_read_back():
    changed = execution().with_engine(sla_violations=["max"], kill_request="k")
    assert changed.engine.stored() == {"sla_violations": ["max"], "kill_request": "k"}
    assert EngineState().stored() is None
    again = execution(engine=changed.engine.stored())
    assert again.engine == changed.engine


def test_the_api_json_shows_no_bookkeeping():
    shown = execution(engine={"call_chain": ["n.p", "n.f"]}).to_api()
    assert "engine" not in shown and "variables" not in shown
