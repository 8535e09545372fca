"""Where each node of a flow graph (common/flow/graph.py) is drawn: columns left to right,
as Kestra's topology. Pure: positions in pixels, which the template turns into SVG.

The graph is series-parallel by construction (a cluster holds lanes that run side by side,
a lane is a chain), so the layout follows that tree instead of a general layered layout: a
chain is laid out in a row, lanes are stacked, a cluster is a box around its start, its own
task, its lanes and its end. Nothing overlaps and every edge goes rightwards."""

from __future__ import annotations

from dataclasses import dataclass, field

from podium.common.flow.graph import Cluster, Edge, FlowGraph, Item, Node

NODE_W, NODE_H = 180, 46
DOT = 10  # a cluster's start and end
GAP_X, GAP_Y = 34, 14
PAD, HEAD = 10, 18  # inside a cluster's box, and its label above the content
MARGIN = 12


@dataclass
class Placed:
    x: float
    y: float
    w: float
    h: float


@dataclass
class PlacedNode(Placed):
    node: Node = field(default=None)  # type: ignore[assignment]

    @property
    def is_dot(self) -> bool:
        return self.node.kind in ("GraphClusterRoot", "GraphClusterEnd")


@dataclass
class PlacedCluster(Placed):
    cluster: Cluster = field(default=None)  # type: ignore[assignment]


@dataclass
class PlacedEdge:
    path: str  # an SVG path
    edge: Edge
    label: str | None  # a branch's value (a Switch case, then/else, finally) on its first edge
    label_x: float
    label_y: float


@dataclass
class Layout:
    width: float
    height: float
    nodes: list[PlacedNode]
    clusters: list[PlacedCluster]
    edges: list[PlacedEdge]


# ---------------------------------------------------------------- shapes, measured once

@dataclass
class _Shape:
    kind: str  # node, row, stack, box
    w: float
    h: float
    node: Node | None = None
    cluster: Cluster | None = None
    parts: list["_Shape"] = field(default_factory=list)


def _node(node: Node) -> _Shape:
    dot = node.kind in ("GraphClusterRoot", "GraphClusterEnd")
    return _Shape("node", DOT if dot else NODE_W, DOT if dot else NODE_H, node=node)


def _row(parts: list[_Shape]) -> _Shape:
    return _Shape("row", sum(p.w for p in parts) + GAP_X * (len(parts) - 1),
                  max(p.h for p in parts), parts=parts)


def _stack(parts: list[_Shape]) -> _Shape:
    return _Shape("stack", max(p.w for p in parts),
                  sum(p.h for p in parts) + GAP_Y * (len(parts) - 1), parts=parts)


def _item(item: Item) -> _Shape:
    return _box(item) if isinstance(item, Cluster) else _node(item)


def _content(cluster: Cluster) -> _Shape:
    parts = [_node(cluster.start)]
    if cluster.task_node is not None:
        parts.append(_node(cluster.task_node))
    if cluster.columns:  # a Dag: its columns in a row, the lanes (errors...) below
        columns = _row([_stack([_item(i) for i in column]) for column in cluster.columns])
        parts.append(_stack([columns, *(_row([_item(i) for i in lane])
                                        for lane in cluster.lanes)]))
    elif cluster.lanes:
        parts.append(_stack([_row([_item(i) for i in lane]) for lane in cluster.lanes]))
    return _row(parts + [_node(cluster.end)])


def _box(cluster: Cluster) -> _Shape:
    inner = _content(cluster)
    return _Shape("box", inner.w + 2 * PAD, inner.h + 2 * PAD + HEAD, cluster=cluster,
                  parts=[inner])


def _root(graph: FlowGraph) -> _Shape:
    content = _content(graph.root)
    if graph.root.lead is None:
        return content
    return _row([_box(graph.root.lead), content])


# ---------------------------------------------------------------- placing

def layout(graph: FlowGraph) -> Layout:
    shape = _root(graph)
    nodes: list[PlacedNode] = []
    clusters: list[PlacedCluster] = []
    _place(shape, MARGIN, MARGIN, nodes, clusters)
    at = {p.node.uid: p for p in nodes}
    # A branch starts at its cluster's start or its flowable's own node.
    branch_starts = {p.cluster.start.uid for p in clusters} | {graph.root.start.uid} | {
        p.cluster.task_node.uid for p in clusters if p.cluster.task_node is not None}
    edges = [_edge(edge, at[edge.source], at[edge.target], edge.source in branch_starts)
             for edge in graph.edges if edge.source in at and edge.target in at]
    return Layout(shape.w + 2 * MARGIN, shape.h + 2 * MARGIN, nodes, clusters, edges)


def _place(shape: _Shape, x: float, y: float, nodes: list[PlacedNode],
           clusters: list[PlacedCluster]) -> None:
    if shape.kind == "node":
        nodes.append(PlacedNode(x, y, shape.w, shape.h, node=shape.node))
    elif shape.kind == "box":
        clusters.append(PlacedCluster(x, y, shape.w, shape.h, cluster=shape.cluster))
        _place(shape.parts[0], x + PAD, y + PAD + HEAD, nodes, clusters)
    elif shape.kind == "row":  # each part centred on the row's middle line
        for part in shape.parts:
            _place(part, x, y + (shape.h - part.h) / 2, nodes, clusters)
            x += part.w + GAP_X
    else:  # a stack of lanes, each starting at the left
        for part in shape.parts:
            _place(part, x, y, nodes, clusters)
            y += part.h + GAP_Y


def _edge(edge: Edge, source: PlacedNode, target: PlacedNode, labelled: bool) -> PlacedEdge:
    x1, y1 = source.x + source.w, source.y + source.h / 2
    x2, y2 = target.x, target.y + target.h / 2
    bend = max(10.0, (x2 - x1) / 2)
    path = (f"M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} "
            f"{x2:.1f},{y2:.1f}")
    return PlacedEdge(path, edge, edge.value if labelled else None, x2 + 2, target.y - 3)
