"""The topology's layout (api/ui/topology_layout.py) and what the execution pages compute
from task runs (api/ui/run_views.py): pure, no server."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from podium.api.ui.run_views import gantt, task_states
from podium.api.ui.topology_layout import layout
from podium.common.flow.graph import flow_graph
from podium.common.flow.loader import parse_flow
from podium.common.models.execution import Attempt, Execution, TaskRun
from podium.common.models.state import State, StateHistory, transition

FLOW = """\
id: shapes
namespace: company.team
triggers:
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: a
  - id: fan
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: left
        type: io.kestra.plugin.core.log.Log
        message: b
      - id: right
        type: io.kestra.plugin.core.flow.If
        condition: "{{ true }}"
        then:
          - id: yes
            type: io.kestra.plugin.core.log.Log
            message: c
        else:
          - id: no
            type: io.kestra.plugin.core.log.Log
            message: d
  - id: steps
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {id: one, type: io.kestra.plugin.core.log.Log, message: "1"}
      - task: {id: two, type: io.kestra.plugin.core.log.Log, message: "2"}
        dependsOn: [one]
      - task: {id: three, type: io.kestra.plugin.core.log.Log, message: "3"}
        dependsOn: [one, two]
errors:
  - id: alarm
    type: io.kestra.plugin.core.log.Log
    message: e
"""
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def overlaps(a, b) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


def inside(inner, outer) -> bool:
    return (outer.x <= inner.x and inner.x + inner.w <= outer.x + outer.w
            and outer.y <= inner.y and inner.y + inner.h <= outer.y + outer.h)


def test_nodes_never_overlap_and_sit_inside_their_clusters_and_the_picture():
    graph = flow_graph(parse_flow(FLOW).flow)
    placed = layout(graph)
    assert len(placed.nodes) == len(graph.nodes())
    for i, a in enumerate(placed.nodes):
        assert 0 <= a.x and a.x + a.w <= placed.width and a.y + a.h <= placed.height
        assert not any(overlaps(a, b) for b in placed.nodes[i + 1:]), a.node.uid
    for box in placed.clusters:
        members = [p for p in placed.nodes if p.node.uid.startswith(box.cluster.path + ".")]
        assert members and all(inside(p, box) for p in members), box.cluster.uid


def test_columns_run_left_to_right_along_every_edge():
    placed = layout(flow_graph(parse_flow(FLOW).flow))
    at = {p.node.uid: p for p in placed.nodes}
    assert len(placed.edges) == len(flow_graph(parse_flow(FLOW).flow).edges)
    for edge in placed.edges:
        source, target = at[edge.edge.source], at[edge.edge.target]
        assert source.x + source.w <= target.x, (edge.edge.source, edge.edge.target)
    assert at["root.Triggers.hourly"].x < at["root._start"].x < at["root.first"].x
    assert at["root.fan.left"].y != at["root.fan.right"].y  # parallel lanes are stacked
    # A Dag's tasks in columns by their dependencies.
    assert at["root.steps.one"].x < at["root.steps.two"].x < at["root.steps.three"].x
    labels = {e.label for e in placed.edges if e.label}
    assert labels == {"then", "else"}


def run(task: str, states: list[State], seq: int, parent: str | None = None,
        value: str | None = None, attempts: list[Attempt] | None = None,
        start: float = 0.0) -> TaskRun:
    history = StateHistory.new(T0 + timedelta(seconds=start))
    for n, state in enumerate(states[1:], 1):
        history = transition(history, state, T0 + timedelta(seconds=start + n))
    return TaskRun(id=f"{task}-{seq}", execution_id="e", task_id=task, history=history,
                   seq=seq, parent_task_run_id=parent, value=value, attempts=attempts or [])


def test_a_task_shows_its_worst_or_current_state_and_its_run_count():
    done = [State.CREATED, State.RUNNING, State.SUCCESS]
    runs = [run("a", done, 0), run("loop", done, 1), run("loop", [State.CREATED, State.RUNNING],
                                                         2),
            run("b", done, 3), run("b", [State.CREATED, State.RUNNING, State.FAILED], 4)]
    states = task_states(runs)
    assert (states["a"].state, states["a"].runs) == (State.SUCCESS, 1)
    assert (states["loop"].state, states["loop"].runs) == (State.RUNNING, 2)
    assert states["b"].state == State.FAILED


def test_the_gantt_places_runs_and_attempts_relative_to_the_execution():
    history = transition(transition(StateHistory.new(T0), State.RUNNING, T0),
                         State.SUCCESS, T0 + timedelta(seconds=10))
    execution = Execution(id="e", namespace="n", flow_id="f", flow_revision=1,
                          history=history)
    attempts = [Attempt(number=1, state=State.FAILED, started=T0 + timedelta(seconds=2),
                        ended=T0 + timedelta(seconds=3)),
                Attempt(number=2, state=State.SUCCESS, started=T0 + timedelta(seconds=4),
                        ended=T0 + timedelta(seconds=6))]
    parent = run("each", [State.CREATED, State.RUNNING, State.SUCCESS], 0, start=1)
    child = run("item", [State.CREATED, State.RUNNING, State.SUCCESS], 1, parent="each-0",
                attempts=attempts, start=2)
    other = run("after", [State.CREATED, State.RUNNING, State.SUCCESS], 2, start=7)
    chart = gantt(execution, [other, child, parent], T0 + timedelta(seconds=20))
    assert [(r.run.task_id, r.depth) for r in chart.rows] == [
        ("each", 0), ("item", 1), ("after", 0)]
    item = chart.rows[1]
    assert [(s.state, round(s.left), round(s.width)) for s in item.segments] == [
        (State.FAILED, 20, 10), (State.SUCCESS, 40, 20)]
    assert (round(chart.rows[0].left), round(chart.rows[0].width)) == (10, 20)
    assert chart.rows[0].segments[0].state == State.SUCCESS  # no attempt: its own span
    assert chart.total == "10.000 s"
