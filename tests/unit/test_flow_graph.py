"""common/flow/graph.py on Kestra's own test flows: the node, edge and cluster counts and
relations Kestra's FlowGraphTest expects of the same files, and what Kestra leaves out
(finally, afterExecution) drawn as lanes of their own."""

from __future__ import annotations

import pytest

from podium.common.flow.graph import flow_graph, graph_json
from podium.common.flow.loader import parse_flow
from tests.conformance.test_conformance import CORPUS


def graph_of(name: str) -> dict:
    if CORPUS is None:
        pytest.skip("the Kestra corpus is not here (set PODIUM_SHARED_DIR)")
    path = CORPUS / "flows" / name
    return graph_json(flow_graph(parse_flow(path.read_text()).flow))


def edge(graph: dict, source: str, target: str) -> dict:
    found = [e for e in graph["edges"] if e["source"].endswith(source)
             and e["target"].endswith(target)]
    assert len(found) == 1, (source, target, found)
    return found[0]["relation"]


@pytest.mark.parametrize("name, nodes, edges, clusters", [
    ("return.yaml", 5, 4, 0),
    ("parallel.yaml", 12, 16, 1),
    ("parallel-nested.yaml", 19, 23, 3),
    ("switch.yaml", 17, 20, 3),
    ("each-sequential-nested.yaml", 13, 12, 2),
    ("each-parallel-nested.yaml", 11, 10, 2),
    ("all-flowable.yaml", 38, 42, 7),
])
def test_the_counts_kestra_expects(name, nodes, edges, clusters):
    graph = graph_of(name)
    assert (len(graph["nodes"]), len(graph["edges"]), len(graph["clusters"])) == \
        (nodes, edges, clusters)
    uids = {node["uid"] for node in graph["nodes"]}
    assert len(uids) == nodes
    assert all(e["source"] in uids and e["target"] in uids for e in graph["edges"])


def test_parallel_branches_start_at_the_parent_and_join_its_end():
    graph = graph_of("parallel.yaml")
    assert edge(graph, "root.parent", "root.parent.t2")["relationType"] == "PARALLEL"
    assert edge(graph, "root.parent.t1", "root.parent._end")["relationType"] is None
    cluster = graph["clusters"][0]
    assert cluster["cluster"]["uid"] == "cluster_root.parent" and cluster["parents"] == []
    assert cluster["start"] == "root.parent._start"
    assert cluster["cluster"]["taskNode"]["task"]["type"].endswith("flow.Parallel")


def test_switch_cases_are_choices_named_by_their_value():
    graph = graph_of("switch.yaml")
    first = edge(graph, "root.parent-seq", "root.parent-seq.t1")
    assert first == {"relationType": "CHOICE", "value": "FIRST"}
    assert edge(graph, "parent-seq", "parent-seq.default")["value"] == "defaults"
    assert edge(graph, ".t2", ".t2_sub") == {"relationType": "SEQUENTIAL", "value": "SECOND"}
    triggers = [n for n in graph["nodes"] if n["type"].endswith("GraphTrigger")]
    assert [n["uid"] for n in triggers] == ["root.Triggers.schedule"]
    assert triggers[0]["triggerDeclaration"]["cron"] == "0 * * * *"
    t3 = next(c for c in graph["clusters"] if c["cluster"]["uid"].endswith(".t3"))
    assert t3["parents"] == ["cluster_root.parent-seq"]


def test_errors_start_from_the_start_and_are_marked():
    graph = graph_of("all-flowable.yaml")
    relation = edge(graph, "root._start", "root.error-1st")
    assert relation["relationType"] == "ERROR"
    errors = {n["uid"]: n["error"] for n in graph["nodes"] if n["uid"].startswith("root.error-")}
    assert errors == {"root.error-1st": True, "root.error-2nd": True}
    assert edge(graph, "root.error-2nd", "root._end")["relationType"] is None


def test_finally_and_after_execution_are_lanes_of_their_own():
    flow = parse_flow("""\
id: f
namespace: company.team
tasks:
  - id: work
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: inside
        type: io.kestra.plugin.core.log.Log
        message: hi
    finally:
      - id: tidy
        type: io.kestra.plugin.core.log.Log
        message: tidy
finally:
  - id: last
    type: io.kestra.plugin.core.log.Log
    message: bye
afterExecution:
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: after
""").flow
    graph = flow_graph(flow)
    body = graph_json(graph)
    assert edge(body, "root._start", "root.last") == {"relationType": None, "value": "finally"}
    assert edge(body, "root._start", "root.after")["value"] == "afterExecution"
    assert edge(body, "root.work", "root.work.tidy")["value"] == "finally"
    assert [len(lane) for lane in graph.root.lanes] == [1, 1, 1]


def test_a_subflow_is_a_subflow_node():
    flow = parse_flow("""\
id: parent
namespace: company.team
tasks:
  - id: child
    type: io.kestra.plugin.core.flow.Subflow
    namespace: company.team
    flowId: other
""").flow
    node = next(n for n in graph_json(flow_graph(flow))["nodes"] if n["uid"] == "root.child")
    assert node["type"] == "io.kestra.core.models.hierarchies.SubflowGraphTask"
    assert node["task"]["flowId"] == "other" and node["relationType"] == "SEQUENTIAL"


def test_a_dag_links_each_task_to_what_it_depends_on():
    graph = graph_of("dag.yaml")
    sources = sorted(e["source"].rsplit(".", 1)[-1] for e in graph["edges"]
                     if e["target"] == "root.dag.task5")
    assert sources == ["task3", "task4"]
    assert edge(graph, "root.dag", "root.dag.task1")["relationType"] == "PARALLEL"
    into_end = sorted(e["source"] for e in graph["edges"] if e["target"] == "root.dag._end")
    assert into_end == ["root.dag.task5", "root.dag.task6"]
