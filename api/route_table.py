"""The table of the API's routes: each route (method + path), the one api function that
handles it, and the application operations (podium/application/) that function calls.

`python -m podium.api.route_table` prints the table; `--write FILE` replaces the table between
the markers in FILE (docs/architecture.md). tests/api/test_route_table.py checks that the
document and the app agree.

The operations are found by reading the handler's source: every podium.application
function it names, directly or through the api functions it calls (followed across api
modules), so the table cannot drift from the code.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from fastapi import routing

APPLICATION = "podium.application"
START, END = "<!-- route-table:start -->", "<!-- route-table:end -->"


@dataclass(frozen=True)
class Row:
    methods: str
    path: str
    handler: str  # api.module:function
    operations: tuple[str, ...]  # executions.submit, ... (relative to podium.application)

    def line(self) -> str:
        operations = ", ".join(f"`{name}`" for name in self.operations) or "—"
        return f"| {self.methods} | `{self.path}` | `{self.handler}` | {operations} |"


def rows(app: Any) -> list[Row]:
    """One row per method and path the app serves from api/ (the OpenAPI and docs pages,
    FastAPI's own, are left out), in the order the app matches them."""
    found = []
    for methods, path, endpoint in _served(app):
        found.append(Row(", ".join(sorted(methods)), path,
                         f"{endpoint.__module__}:{endpoint.__name__}",
                         tuple(sorted(_operations(endpoint.__module__, endpoint.__name__)))))
    return found


def _served(app: Any) -> Any:
    """(methods, path, endpoint) of each route from api/. Recent FastAPI versions keep an
    included router as one lazy entry of `app.routes`: `iter_route_contexts` opens them."""
    contexts = getattr(routing, "iter_route_contexts", None)
    for route in contexts(app.routes) if contexts else app.routes:
        endpoint, methods = getattr(route, "endpoint", None), getattr(route, "methods", None)
        if methods and getattr(endpoint, "__module__", "").startswith("podium.api."):
            yield methods, route.path, endpoint


def table(app: Any) -> str:
    lines = ["| Method | Path | API handler | Application operations |",
             "| --- | --- | --- | --- |"]
    return "\n".join(lines + [row.line() for row in rows(app)]) + "\n"


def _operations(module_name: str, function: str,
                seen: set[tuple[str, str]] | None = None) -> set[str]:
    """The podium.application functions `module_name.function` names, and those of the
    api functions it names, transitively."""
    seen = seen if seen is not None else set()
    if (module_name, function) in seen:
        return set()
    seen.add((module_name, function))
    node = _functions(module_name).get(function)
    if node is None:
        return set()
    operations: set[str] = set()
    for target in _references(module_name, node):
        owner, name = target.rsplit(":", 1)
        if owner.startswith(APPLICATION + "."):
            operations.add(f"{owner.removeprefix(APPLICATION + '.')}.{name}")
        elif owner.startswith("podium.api."):
            operations |= _operations(owner, name, seen)
    return operations


def _references(module_name: str, node: ast.AST) -> list[str]:
    """`module:function` of each function the code under `node` names (called or passed
    on, as to run_in_threadpool), as far as the module's imports resolve them."""
    module = importlib.import_module(module_name)
    targets = []
    for item in ast.walk(node):
        value: Any = None
        if isinstance(item, ast.Name) and isinstance(item.ctx, ast.Load):
            value = getattr(module, item.id, None)
        elif isinstance(item, ast.Attribute) and isinstance(item.value, ast.Name):
            holder = getattr(module, item.value.id, None)
            if isinstance(holder, ModuleType):
                value = getattr(holder, item.attr, None)
        if inspect.isfunction(value):
            targets.append(f"{value.__module__}:{value.__name__}")
    return targets


@cache
def _functions(module_name: str) -> dict[str, ast.AST]:
    """The module's top-level functions by name."""
    source = Path(importlib.import_module(module_name).__file__ or "").read_text()
    return {node.name: node for node in ast.parse(source).body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def replace_table(document: str, new_table: str) -> str:
    """`document` with the text between the markers replaced by `new_table`."""
    head, start, rest = document.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"the document has no {START} ... {END} section")
    return f"{head}{START}\n{new_table}{END}{tail}"


def documented_table(document: str) -> str:
    """The table between the markers, as written."""
    return document.partition(START)[2].partition(END)[0].lstrip("\n")


def _app() -> Any:
    from podium.api.app import create_app  # noqa: PLC0415 - only the CLI entry builds an app
    return create_app(None)  # type: ignore[arg-type]  # routes need no runtime to list


def main(argv: list[str]) -> int:
    text = table(_app())
    if argv[:1] == ["--write"] and len(argv) == 2:
        path = Path(argv[1])
        path.write_text(replace_table(path.read_text(), text))
        return 0
    if argv:
        print("usage: python -m podium.api.route_table [--write FILE]", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
