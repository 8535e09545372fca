"""Large task outputs are stored apart and referenced; expressions read them unchanged
(common/storage/offload.py, the worker's offload, the executor's and worker's resolve)."""

from __future__ import annotations

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.storage.offload import MARKER, is_reference, offload, resolve
from podium.runtime import Runtime

FLOW = """
id: big_outputs
namespace: company.team
tasks:
  - id: big
    type: io.kestra.plugin.core.debug.Return
    format: "{{ range(1, 100000) | join(',') }}"
  - id: check
    type: io.kestra.plugin.core.flow.If
    condition: "{{ outputs.big.value | length > 500000 }}"
    then:
      - id: size
        type: io.kestra.plugin.core.debug.Return
        format: "{{ outputs.big.value | length }} {{ outputs.big.value | split(',') | last }}"
outputs:
  - id: tail
    type: STRING
    value: "{{ outputs.big.value | split(',') | last }}"
"""


def test_offload_keeps_small_outputs_and_references_big_ones():
    stored = {}

    def store(data: bytes) -> str:
        stored["kestra:///x/outputs.json"] = data
        return "kestra:///x/outputs.json"
    assert offload({"v": "small"}, 1024, store) == {"v": "small"}
    reference = offload({"v": "x" * 5000}, 1024, store)
    assert is_reference(reference) and reference[MARKER] == "kestra:///x/outputs.json"
    assert reference["size"] == len(stored["kestra:///x/outputs.json"])
    loaded = resolve({"t": reference, "u": {"v": 1}, "loop": {"a": reference}},
                     lambda uri: {"v": "x" * 5000})
    assert loaded == {"t": {"v": "x" * 5000}, "u": {"v": 1}, "loop": {"a": {"v": "x" * 5000}}}


def test_a_big_output_is_stored_apart_and_read_transparently(tmp_path):
    with Runtime.embedded(tmp_path) as rt:
        rt.deploy(parse_flow(FLOW))
        done = rt.wait(rt.submit("company.team", "big_outputs").id, 60)
        runs = {run.task_id: run for run in rt.task_runs(done.id)}
        assert done.state is State.SUCCESS, runs
        assert is_reference(runs["big"].outputs)  # the execution keeps a reference only
        assert rt.storage.exists(runs["big"].outputs[MARKER])
        assert runs["size"].outputs == {"value": "588894 100000"}  # worker resolved it
        assert done.outputs == {"tail": "100000"}  # and the executor, for flow outputs


def test_outputs_that_cannot_be_stored_fail_the_attempt_with_the_reason(tmp_path, monkeypatch):
    """Raising from the worker would give the message back and run the body again."""
    from podium.common.errors import StorageError

    with Runtime.embedded(tmp_path) as rt:
        write = rt.storage._write

        def refuse_outputs(key, stream):
            if key.endswith("outputs.json"):
                raise StorageError("disk full")
            return write(key, stream)
        monkeypatch.setattr(rt.storage, "_write", refuse_outputs)
        rt.deploy(parse_flow(FLOW))
        done = rt.wait(rt.submit("company.team", "big_outputs").id, 30)
        [big] = [run for run in rt.task_runs(done.id) if run.task_id == "big"]
        assert done.state is State.FAILED
        assert len(big.attempts) == 1 and big.state is State.FAILED
        logs = [line.message for line in rt.logs(done.id) if line.level == "ERROR"]
        assert any("outputs could not be stored: disk full" in m for m in logs), logs
