"""Checks across the inputs of one flow (Kestra's ``FlowValidator``): unique ids, known
``dependsOn`` targets, no dependency cycles, and ids that can be nested (``a`` and ``a.b``
cannot both exist: ``a`` would be a value and a map). Also the order used to resolve them."""

from __future__ import annotations

from typing import Any, Sequence


def _deps(decl: Any) -> list[str]:
    depends_on = getattr(decl, "depends_on", None)
    return list(depends_on.inputs or []) if depends_on is not None else []


def check_dependencies(inputs: Sequence[Any]) -> list[tuple[int, str]]:
    """Problems found among input declarations, as (index of the input, message), sorted."""
    problems: list[tuple[int, str]] = []
    first: dict[str, int] = {}
    for index, decl in enumerate(inputs):
        if decl.id in first:
            problems.append((index, f"duplicate input id `{decl.id}`"))
        else:
            first[decl.id] = index

    for index, decl in enumerate(inputs):
        for dep in _deps(decl):
            if dep not in first:
                problems.append((index, f"input `{decl.id}` depends on unknown input `{dep}`"))

    for index, decl in enumerate(inputs):
        if first.get(decl.id) != index:
            continue
        parts = decl.id.split(".")
        for n in range(1, len(parts)):
            prefix = ".".join(parts[:n])
            if prefix in first:
                problems.append((index, f"input id `{decl.id}` conflicts with input `{prefix}`: "
                                        f"`{prefix}` cannot be both a value and a group of inputs"))
                break

    graph = {decl.id: [d for d in _deps(decl) if d in first] for decl in inputs}
    for cycle in find_cycles(graph, [d.id for d in inputs]):
        start = min(first[i] for i in cycle[:-1])
        problems.append((start, "dependency cycle between inputs: " + " -> ".join(cycle)))
    return sorted(problems, key=lambda p: p[0])


def find_cycles(graph: dict[str, list[str]], order: list[str]) -> list[list[str]]:
    """Each elementary cycle reached by a depth-first walk, once, as [a, b, ..., a].
    Iterative (no recursion limit on long dependency chains)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    seen: set[frozenset[str]] = set()
    cycles: list[list[str]] = []
    for root in order:
        if state.get(root):
            continue
        path: list[str] = [root]
        stack = [iter(graph.get(root, []))]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    cycles.append(cycle)
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(graph.get(nxt, [])))
    return cycles


def resolution_order(inputs: Sequence[Any]) -> tuple[list[str], set[str]]:
    """Ids in an order where each input comes after the inputs it depends on (declaration
    order otherwise), and the set of ids that are on or behind a dependency cycle.

    Unknown and self dependencies are ignored, as Kestra's resolver does."""
    ids: list[str] = []
    for decl in inputs:
        if decl.id not in ids:
            ids.append(decl.id)
    known = set(ids)
    deps: dict[str, list[str]] = {}
    for decl in inputs:
        deps.setdefault(decl.id, [d for d in _deps(decl) if d in known and d != decl.id])
    done: set[str] = set()
    order: list[str] = []
    progressed = True
    while progressed:  # repeated passes keep declaration order among independent inputs
        progressed = False
        for i in ids:
            if i not in done and all(d in done for d in deps[i]):
                done.add(i)
                order.append(i)
                progressed = True
    return order, known - done
