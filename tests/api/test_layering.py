"""api/ reaches no store directly: its routes call the application layer
(podium/application/), which owns every read and write. Read from the sources, so a new
route that opens `runtime.db` or imports `common.store` fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import podium.api as api

API_DIR = Path(api.__file__).parent


def _modules() -> list[Path]:
    return sorted(API_DIR.rglob("*.py"))  # the web UI's modules (api/ui/) too


def _store_imports(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names
                      if alias.name == "podium.common.store" or alias.name.startswith("podium.common.store.")]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            found += [name for name in names
                      if name == "podium.common.store" or name.startswith("podium.common.store.")][:1]
    return found


def _db_uses(tree: ast.AST) -> list[int]:
    """Lines reading an attribute named `db` (runtime.db, request.app.state.runtime.db)."""
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "db"]


def test_the_scan_sees_every_api_module():
    names = {path.stem for path in _modules()}
    assert {"executions", "flows", "triggers", "kv", "webhooks", "pages", "login"} <= names


def test_no_api_module_imports_the_store():
    offending = {path.name: imports for path in _modules()
                 if (imports := _store_imports(ast.parse(path.read_text())))}
    assert offending == {}


def test_no_api_module_touches_a_database():
    offending = {path.name: lines for path in _modules()
                 if (lines := _db_uses(ast.parse(path.read_text())))}
    assert offending == {}


def test_the_scan_finds_what_it_looks_for():
    tree = ast.parse("from podium.common.store import get_flow\nimport podium.common.store.kv\n"
                     "from podium.common import store\n"
                     "def route(runtime):\n    with runtime.db.read() as conn:\n"
                     "        return conn\n")
    assert _store_imports(tree) == ["podium.common.store", "podium.common.store.kv",
                                    "podium.common.store"]
    assert _db_uses(tree) == [5]
