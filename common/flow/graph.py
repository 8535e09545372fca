"""A flow's graph, as Kestra's GraphUtils builds it (FlowGraph: nodes, edges, clusters):
each flowable task is a cluster holding its own node, a start and an end; its children are
chained inside it. Pure: built from the Flow model alone.

Kestra's uids are kept: a node's uid is the dotted path of the clusters holding it
(`root.parallel.t1`), a cluster's is `cluster_` and its path. Kestra names a cluster's start
and end with random ids; here they are `<path>._start` / `<path>._end` (no task id starts
with `_`), so a graph is the same on every call.

Besides Kestra's shape, each cluster keeps its `lanes` (the chains of nodes that run side
by side), which a layout draws as rows: api/ui/topology_layout.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Union

from podium.common.flow.model import Flow
from podium.common.plugins.base import Task, Trigger

HIERARCHIES = "io.kestra.core.models.hierarchies."
SEQUENTIAL, CHOICE, ERROR, PARALLEL, DYNAMIC = (
    "SEQUENTIAL", "CHOICE", "ERROR", "PARALLEL", "DYNAMIC")


@dataclass
class Node:
    uid: str
    kind: str  # Kestra's class: GraphTask, SubflowGraphTask, GraphTrigger, GraphClusterRoot...
    task: Task | None = None
    trigger: Trigger | None = None
    relation_type: str | None = None
    error: bool = False

    @property
    def task_id(self) -> str | None:
        return self.task.id if self.task is not None else None


@dataclass
class Cluster:
    path: str
    relation_type: str | None
    task_node: Node | None
    start: Node
    end: Node
    members: list[Union[Node, "Cluster"]] = field(default_factory=list)
    lanes: list[list[Union[Node, "Cluster"]]] = field(default_factory=list)
    label: str = ""
    error: bool = False
    lead: Union["Cluster", None] = None  # drawn before the start: the flow's triggers
    # A Dag's tasks by column (the longest chain of dependencies before each); the layout
    # draws these instead of lanes, since a Dag's edges need not nest.
    columns: list[list[Union[Node, "Cluster"]]] | None = None

    @property
    def uid(self) -> str:
        return "cluster_" + self.path


Item = Union[Node, Cluster]


@dataclass
class Edge:
    source: str
    target: str
    relation_type: str | None = None
    value: str | None = None


@dataclass
class FlowGraph:
    root: Cluster
    edges: list[Edge]

    def nodes(self) -> list[Node]:
        return list(_nodes(self.root))

    def clusters(self) -> list[tuple[Cluster, list[str]]]:
        """Every cluster under the root with the uids of the clusters above it."""
        return list(_clusters(self.root, []))


def flow_graph(flow: Flow) -> FlowGraph:
    """The graph of `flow`: its triggers (a cluster of their own, before the start), its
    tasks in sequence, its `errors` from the start (as Kestra draws them), then `finally`
    and `afterExecution` as lanes of their own (Kestra's graph leaves them out)."""
    builder = _Builder()
    root = builder.cluster("root", None, None)
    if flow.triggers:
        triggers = builder.cluster("root.Triggers", None, None, label="Triggers")
        for trigger in flow.triggers:
            node = Node(f"{triggers.path}.{trigger.id}", "GraphTrigger", trigger=trigger)
            triggers.members.append(node)
            triggers.lanes.append([node])
            builder.edge(triggers.start, node)
            builder.edge(node, triggers.end)
        root.members.append(triggers)
        root.lead = triggers
        builder.edge(triggers.end, root.start)
    builder.body(root, flow.tasks, SEQUENTIAL, flow.errors)
    for name, tasks in (("finally", flow.finally_), ("afterExecution", flow.after_execution)):
        if tasks:
            builder.fill(root, tasks, SEQUENTIAL, name)
    return FlowGraph(root, builder.edges)


class _Builder:
    def __init__(self) -> None:
        self.edges: list[Edge] = []

    def edge(self, source: Item, target: Item, relation: str | None = None,
             value: str | None = None) -> None:
        # Into a cluster through its start, out of it through its end.
        out = source.end if isinstance(source, Cluster) else source
        into = target.start if isinstance(target, Cluster) else target
        self.edges.append(Edge(out.uid, into.uid, relation, value))

    @staticmethod
    def cluster(path: str, task: Task | None, relation: str | None, label: str = "") -> Cluster:
        task_node = Node(path, "GraphTask", task=task, relation_type=relation) if task else None
        cluster = Cluster(path, relation, task_node, Node(f"{path}._start", "GraphClusterRoot"),
                          Node(f"{path}._end", "GraphClusterEnd"), label=label or path.rsplit(".", 1)[-1])
        cluster.members += [cluster.start, cluster.end]
        return cluster

    def body(self, cluster: Cluster, tasks: list[Task] | None, relation: str,
             errors: list[Task] | None, finally_: list[Task] | None = None) -> None:
        self.fill(cluster, tasks or [], relation)
        if errors:
            self.fill(cluster, errors, ERROR)
        if finally_:
            self.fill(cluster, finally_, SEQUENTIAL, "finally")

    def fill(self, cluster: Cluster, tasks: list[Task], relation: str,
             value: str | None = None) -> None:
        """Kestra's GraphUtils.fillGraph: chain `tasks` in `cluster` (each from the
        cluster's own node, side by side when PARALLEL), the last (or each) to its end."""
        previous: Item = cluster.task_node or cluster.start
        if relation == ERROR:
            previous = cluster.start
        lane: list[Item] = []
        for index, task in enumerate(tasks):
            item = self.item(cluster.path, task, relation)
            cluster.members.append(item)
            if relation == ERROR:
                _mark_error(item)
            self.edge(previous, item, _relation_of(cluster, relation, index == 0), value)
            if relation == PARALLEL:
                cluster.lanes.append([item])
                self.edge(item, cluster.end)
            else:
                lane.append(item)
                previous = item
        if lane:
            cluster.lanes.append(lane)
            self.edge(lane[-1], cluster.end)

    def item(self, parent: str, task: Task, relation: str) -> Item:
        path = f"{parent}.{task.id}"
        if task.called_flow() is not None:
            return Node(path, "SubflowGraphTask", task=task, relation_type=relation)
        shape = _flowable_shape(task)
        if shape is None:
            return Node(path, "GraphTask", task=task, relation_type=relation)
        cluster_relation, branches = shape
        cluster = self.cluster(path, task, cluster_relation)
        task_node = cluster.task_node
        assert task_node is not None  # a task's cluster always has its task's node
        cluster.members.append(task_node)
        self.edge(cluster.start, task_node)
        if type(task).__name__ == "Dag":
            self.dag(cluster, getattr(task, "tasks", None) or [])
        errors = getattr(task, "errors", None)
        for value, tasks, relation_of_branch in branches:
            self.fill(cluster, tasks, relation_of_branch, value)
        if errors:
            self.fill(cluster, errors, ERROR)
        finally_tasks = getattr(task, "finally_", None)
        if finally_tasks:
            self.fill(cluster, finally_tasks, SEQUENTIAL, "finally")
        return cluster

    def dag(self, cluster: Cluster, steps: list[Any]) -> None:
        """Kestra's GraphUtils.fillGraphDag: each task from the tasks it depends on (from
        the Dag's own node when none), to the end when no task depends on it; in waves, so
        a task comes after its dependencies."""
        made: dict[str, Item] = {}
        column: dict[str, int] = {}
        needed = {dep for step in steps for dep in step.depends_on or ()}
        waiting = list(steps)
        while waiting:
            ready = [s for s in waiting if all(d in made for d in s.depends_on or ())]
            for step in ready:
                item = self.item(cluster.path, step.task, SEQUENTIAL)
                cluster.members.append(item)
                roots: list[Item] = [cluster.task_node] if cluster.task_node else []
                for source in [made[d] for d in step.depends_on or ()] or roots:
                    self.edge(source, item, PARALLEL)
                if step.task.id not in needed:
                    self.edge(item, cluster.end)
                made[step.task.id] = item
                column[step.task.id] = 1 + max(
                    (column[d] for d in step.depends_on or ()), default=-1)
            waiting = [s for s in waiting if s.task.id not in made]
        cluster.columns = [[made[t] for t in made if column[t] == n]
                           for n in range(1 + max(column.values(), default=-1))]


def _relation_of(cluster: Cluster, relation: str, first: bool) -> str | None:
    """Kestra's rule: an error branch is ERROR; the first task of a branch takes its
    cluster's relation; the next ones take the branch's, except in PARALLEL and DYNAMIC."""
    if relation == ERROR:
        return ERROR
    if not first and relation != PARALLEL and cluster.relation_type != DYNAMIC:
        return relation
    return cluster.relation_type


def _mark_error(item: Item) -> None:
    item.error = True
    if isinstance(item, Cluster):
        for node in (item.task_node, item.start, item.end):
            if node is not None:
                node.error = True


Branch = tuple[str | None, list[Task], str]


def _flowable_shape(task: Task) -> tuple[str, list[Branch]] | None:
    """How a flowable task's children are drawn: its cluster's relation and its branches
    (value, tasks, relation); None for a task without children."""
    kind = type(task).__name__
    tasks = getattr(task, "tasks", None)
    if kind == "Parallel":
        return PARALLEL, [(None, tasks or [], PARALLEL)]
    if kind == "If":
        then, else_ = getattr(task, "then", None), getattr(task, "else_", None)
        return CHOICE, [(name, branch, SEQUENTIAL) for name, branch in
                        (("then", then), ("else", else_)) if branch]
    if kind == "Switch":
        defaults = getattr(task, "defaults", None)
        cases = [("defaults", defaults)] if defaults else []
        cases += [(str(key), value) for key, value in (getattr(task, "cases", None) or {}).items()]
        return CHOICE, [(name, branch, SEQUENTIAL) for name, branch in cases]
    if kind in ("ForEach", "EachSequential", "EachParallel"):
        parallel = kind == "EachParallel" or (
            kind == "ForEach" and getattr(task, "concurrency_limit", 1) != 1)
        return DYNAMIC, [(None, tasks or [], PARALLEL if parallel else SEQUENTIAL)]
    if kind == "Dag":
        return PARALLEL, []  # filled by _Builder.dag
    children = _main_children(task)
    if not children:
        return None
    return SEQUENTIAL, [(None, children, SEQUENTIAL)]


def _main_children(task: Task) -> list[Task]:
    """Children outside `errors` and `finally` (Sequential, WorkingDirectory, WaitFor...)."""
    aside = {id(t) for name in ("errors", "finally_") for t in getattr(task, name, None) or []}
    return [child for child in task.child_tasks() if id(child) not in aside]


def _nodes(cluster: Cluster) -> Iterator[Node]:
    for member in cluster.members:
        if isinstance(member, Cluster):
            yield from _nodes(member)
        else:
            yield member


def _clusters(cluster: Cluster, parents: list[str]) -> Iterator[tuple[Cluster, list[str]]]:
    for member in cluster.members:
        if isinstance(member, Cluster):
            yield member, parents
            yield from _clusters(member, parents + [member.uid])


# ---------------------------------------------------------------- Kestra's JSON

def graph_json(graph: FlowGraph) -> dict[str, Any]:
    """Kestra's FlowGraph JSON: {nodes, edges, clusters}."""
    return {
        "nodes": [_node_json(node) for node in graph.nodes()],
        "edges": [{"source": e.source, "target": e.target,
                   "relation": {"relationType": e.relation_type, "value": e.value}}
                  for e in graph.edges],
        "clusters": [{"cluster": _cluster_json(cluster),
                      "nodes": [m.uid for m in cluster.members],
                      "parents": parents, "start": cluster.start.uid, "end": cluster.end.uid}
                     for cluster, parents in graph.clusters()],
    }


def _node_json(node: Node) -> dict[str, Any]:
    body: dict[str, Any] = {"uid": node.uid, "type": HIERARCHIES + node.kind,
                            "error": node.error}
    if node.task is not None:
        body.update(task=_plugin_json(node.task), taskRun=None, values=None,
                    relationType=node.relation_type)
    if node.trigger is not None:
        body.update(triggerDeclaration=_plugin_json(node.trigger), trigger=None)
    return body


def _cluster_json(cluster: Cluster) -> dict[str, Any]:
    return {"uid": cluster.uid, "type": HIERARCHIES + "GraphCluster", "error": cluster.error,
            "relationType": cluster.relation_type,
            "taskNode": _node_json(cluster.task_node) if cluster.task_node else None}


def _plugin_json(plugin: Task | Trigger) -> dict[str, Any]:
    return plugin.model_dump(mode="json", by_alias=True, exclude_none=True)
