"""Kestra 2.0's Loop in the pure core: items, item variables, concurrency, failures."""

from __future__ import annotations

from podium.common.errors import TemplateError
from podium.common.models.state import State
from podium.common.templating import render
from podium.executor.engine.context import EngineConfig
from tests.unit.executor.harness import Harness

HEAD = "id: f\nnamespace: company.team\ntasks:\n"
LOOP = "io.kestra.plugin.core.flow.Loop"
RET = "io.kestra.plugin.core.debug.Return"
FAIL = "io.kestra.plugin.core.execution.Fail"


def loop(values: str, body: str, extra: str = "") -> str:
    return HEAD + f"  - id: loop\n    type: {LOOP}\n    values: {values}\n{extra}    tasks:\n" + body


def ret(task_id: str, fmt: str, indent: int = 6) -> str:
    pad = " " * indent
    return f"{pad}- id: {task_id}\n{pad}  type: {RET}\n{pad}  format: \"{fmt}\"\n"


def echo_worker(dispatch):
    task = dispatch.task
    if task["type"].endswith("Fail"):
        return "FAILED", None
    return "SUCCESS", {"value": task.get("format")}


def test_item_value_and_index_reach_nested_tasks_and_duplicates_are_kept():
    h = Harness(loop('["a", "b", "a"]',
                     ret("r", "x") + "      - id: seq\n        type: io.kestra.plugin.core.flow.Sequential\n"
                     "        tasks:\n" + ret("deep", "x", 10), "    concurrencyLimit: 1\n"))
    assert h.run(echo_worker) is State.SUCCESS
    items = [(d.context["item"]["value"], d.context["item"]["index"])
             for d in h.dispatched if d.task_run.task_id == "deep"]
    assert items == [("a", 0), ("b", 1), ("a", 2)]
    assert [r.iteration for r in h.by_task("r")] == [0, 1, 2]
    # taskrun.iteration: the iteration's index for every run inside it, however nested
    assert [d.context["taskrun"]["iteration"] for d in h.dispatched
            if d.task_run.task_id in ("r", "deep")] == [0, 0, 1, 1, 2, 2]


def test_map_values_give_item_key_and_objects_are_json_text():
    h = Harness(loop('{"k1": "v1", "k2": {"n": 1}}', ret("r", "x")))
    h.run(echo_worker)
    items = [d.context["item"] for d in h.dispatched]
    assert items == [{"key": "k1", "value": "v1", "index": 0},
                     {"key": "k2", "value": '{"n":1}', "index": 1}]


def test_expression_values_are_rendered_once():
    h = Harness(loop("\"{{ inputs.list }}\"", ret("r", "x"))
                + "inputs:\n  - id: list\n    type: JSON\n", inputs={"list": [1, 2]})
    assert h.run(echo_worker) is State.SUCCESS
    assert [d.context["item"]["value"] for d in h.dispatched] == ["1", "2"]


def test_concurrency_limit_caps_running_iterations():
    h = Harness(loop('["a", "b", "c"]', ret("r", "x"), "    concurrencyLimit: 2\n"))
    h.start()
    assert len(h.dispatched) == 2
    h.result(h.dispatched[0], "SUCCESS")
    assert len(h.dispatched) == 3
    h = Harness(loop('["a", "b", "c"]', ret("r", "x"), "    concurrencyLimit: 0\n"))
    h.start()
    assert len(h.dispatched) == 3
    h = Harness(loop('["a", "b", "c"]', ret("r", "x")))  # Kestra 2.0's default: 0
    h.start()
    assert len(h.dispatched) == 3


def test_a_failed_iteration_does_not_stop_the_others_and_fails_the_loop():
    body = f"      - id: f\n        type: {FAIL}\n        runIf: \"{{{{ item.value == 'b' }}}}\"\n" + ret("r", "x")
    h = Harness(loop('["a", "b", "c"]', body) + "errors:\n" + ret("handler", "h", 2))
    assert h.run(echo_worker) is State.FAILED
    assert [r.state for r in h.by_task("f")] == [State.SKIPPED, State.FAILED, State.SKIPPED]
    assert [r.value for r in h.by_task("r")] == ["a", "c"]
    assert h.by_task("loop")[0].state is State.FAILED
    assert h.states()["handler"] == "SUCCESS"


def test_transmit_failed_false_lets_the_loop_succeed_as_kestras_loop_handler_ends_it():
    h = Harness(loop('["a", "b"]', f"      - id: f\n        type: {FAIL}\n",
                     "    transmitFailed: false\n") + ret("after", "x", 2))
    assert h.run(echo_worker) is State.SUCCESS
    assert h.by_task("loop")[0].outputs["terminatedIterations"] == {"FAILED": 2}
    assert h.states()["after"] == "SUCCESS"


def test_transmit_failed_stops_starting_iterations_after_a_failure():
    body = f"      - id: f\n        type: {FAIL}\n        runIf: \"{{{{ item.value == 'b' }}}}\"\n"
    h = Harness(loop('["a", "b", "c"]', body + ret("r", "x"), "    concurrencyLimit: 1\n"))
    assert h.run(echo_worker) is State.FAILED
    assert [r.value for r in h.by_task("f")] == ["a", "b"]  # c never started
    assert h.by_task("loop")[0].outputs["terminatedIterations"] == {"SUCCESS": 1, "FAILED": 1}


def test_errors_and_finally_run_in_each_iteration_with_its_item():
    body = f"      - id: f\n        type: {FAIL}\n        runIf: \"{{{{ item.value == 'a' }}}}\"\n"
    extra = ("    transmitFailed: false\n    errors:\n" + ret("on_error", "{{ item.value }}")
             + "    finally:\n" + ret("fin", "{{ item.index }}"))
    h = Harness(loop('["a", "b"]', body, extra))
    assert h.run(render_worker) is State.SUCCESS
    assert [r.outputs["value"] for r in h.by_task("on_error")] == ["a"]
    assert sorted(r.outputs["value"] for r in h.by_task("fin")) == ["0", "1"]


def test_loop_errors_and_finally_run_after_the_iterations():
    h = Harness(loop('["a"]', f"      - id: f\n        type: {FAIL}\n",
                     "    errors:\n" + ret("on_error", "e") + "    finally:\n" + ret("fin", "z")))
    assert h.run(echo_worker) is State.FAILED
    assert h.states() == {"loop": "FAILED", "f": "FAILED", "on_error": "SUCCESS", "fin": "SUCCESS"}


def test_bad_values_fail_the_loop():
    h = Harness(loop("\"{{ 'not json' }}\"", ret("r", "x")))
    assert h.run(echo_worker) is State.FAILED
    assert any("Cannot compute loop values" in m for d in h.decisions for _, _, m in d.logs)


# ---------------------------------------------------------------- Kestra 2.0 scoping and outputs

def render_worker(dispatch):
    """Returns the `format` as the worker would render it, so a later task reads it."""
    if dispatch.task["type"].endswith("Fail"):
        return "FAILED", None
    try:
        return "SUCCESS", {"value": render(dispatch.task["format"], dispatch.context)}
    except TemplateError:
        return "FAILED", None


def test_a_task_sees_its_siblings_outputs_of_the_same_iteration_unkeyed():
    h = Harness(HEAD + ret("before", "pre", 2) + loop('["a", "b"]', ret("first", "one {{ item.value }}")
                + ret("second", "{{ outputs.first.value }}+{{ outputs.before.value }}"
                      "+{{ tasks.first.state }}"))[len(HEAD):])
    assert h.run(render_worker) is State.SUCCESS
    assert sorted(r.outputs["value"] for r in h.by_task("second")) == \
        ["one a+pre+SUCCESS", "one b+pre+SUCCESS"]


def test_nothing_outside_an_iteration_sees_inside_it():
    h = Harness(loop('["a"]', ret("inner", "x")) + ret("after", "{{ outputs.inner }}", 2))
    assert h.run(render_worker) is State.FAILED  # `outputs.inner` is undefined after the loop
    assert h.states()["after"] == "FAILED"


def test_declared_outputs_are_collected_per_iteration_for_loop_outputs():
    extra = ("    outputs:\n      - id: label\n        type: STRING\n"
             "        value: \"{{ outputs.process.value }}\"\n"
             "      - id: n\n        type: INT\n        value: \"{{ item.index }}\"\n")
    h = Harness(loop('{"k1": "v1", "k2": "v2"}', ret("process", "p {{ item.key }}"), extra)
                + ret("read", "{{ loopOutputs(outputs.loop.outputs, 'label') }} "
                              "{{ outputs.loop.outputs[1].outputs.n }}", 2))
    assert h.run(render_worker) is State.SUCCESS
    loop_run = h.by_task("loop")[0]
    assert loop_run.outputs == {
        "iterationCount": 2, "runningIterations": 0, "terminatedIterations": {"SUCCESS": 2},
        "outputs": [{"item": {"value": "v1", "iteration": 0, "key": "k1"},
                     "outputs": {"label": "p k1", "n": 0}},
                    {"item": {"value": "v2", "iteration": 1, "key": "k2"},
                     "outputs": {"label": "p k2", "n": 1}}]}
    assert h.by_task("read")[0].outputs["value"] == '["p k1","p k2"] 1'


def test_an_output_that_cannot_render_fails_its_iteration():
    extra = "    outputs:\n      - id: bad\n        type: INT\n        value: \"nope\"\n"
    h = Harness(loop('["a"]', ret("process", "x"), extra))
    assert h.run(render_worker) is State.FAILED
    assert h.by_task("loop")[0].outputs["terminatedIterations"] == {"FAILED": 1}


def test_break_when_stops_starting_iterations():
    extra = ("    concurrencyLimit: 1\n    breakWhen: \"{{ iteration.state == 'SUCCESS' and "
             "item.value == 'b' }}\"\n")
    h = Harness(loop('["a", "b", "c", "d"]', ret("r", "{{ item.value }}"), extra))
    assert h.run(render_worker) is State.SUCCESS
    assert [r.value for r in h.by_task("r")] == ["a", "b"]
    assert h.by_task("loop")[0].outputs["iterationCount"] == 4


def test_nested_loops_give_item_parent_and_parents():
    inner = (f"      - id: inner\n        type: {LOOP}\n        values: [\"x\"]\n"
             "        tasks:\n" + ret("r", "{{ item.parent.value }}/{{ item.value }}/"
                                        "{{ item.parents[0].index }}", 10))
    h = Harness(loop('["a", "b"]', inner))
    assert h.run(render_worker) is State.SUCCESS
    assert sorted(r.outputs["value"] for r in h.by_task("r")) == ["a/x/0", "b/x/1"]


def test_fetch_type_store_writes_each_iterations_outputs_to_storage():
    from podium.common.templating.library.ion import from_ion
    from podium.executor.engine.commands import WriteFile
    extra = ("    fetchType: STORE\n    outputs:\n      - id: v\n        type: STRING\n"
             "        value: \"{{ outputs.r.value }}\"\n")
    h = Harness(loop('["a", "b"]', ret("r", "got {{ item.value }}"), extra)
                + ret("all", "{{ loopOutputs(outputs.loop.outputs, 'uri') | length }}", 2),
                config=EngineConfig(write_file=lambda uri, content: None))
    assert h.run(render_worker) is State.SUCCESS
    files = [c for d in h.decisions for c in d.commands if isinstance(c, WriteFile)]
    assert sorted(from_ion(f.content.decode())["v"] for f in files) == ["got a", "got b"]
    entries = h.by_task("loop")[0].outputs["outputs"]
    assert [e["outputs"]["uri"] for e in entries] == \
        [f.uri for f in sorted(files, key=lambda f: f.uri)]
    assert entries[0]["outputs"]["uri"].endswith("/iteration-0.ion")
    assert h.by_task("all")[0].outputs["value"] == "2"


def test_fetch_type_store_without_storage_fails_the_loop():
    h = Harness(loop('["a"]', ret("r", "x"), "    fetchType: STORE\n"))
    assert h.run(render_worker) is State.FAILED
    assert any("fetchType STORE needs internal storage" in m
               for d in h.decisions for _, _, m in d.logs)
