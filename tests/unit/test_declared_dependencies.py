"""Everything the installed package imports is installed by `pip install .`: a module the
shipped code imports comes from a dependency of pyproject.toml or from one of theirs. A
module present only through the test extras worked in every test and failed the newcomer
who installed Podium the way README says (`podium server local` stopped on `import yaml`)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("common", "executor", "worker", "scheduler", "api", "podium")


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~\[;( ]", requirement.strip())[0]).lower()


def _installed_by_pip_install() -> set[str]:
    """The core dependencies and, recursively, what they require (their extras named in
    the requirement included, e.g. celery[redis])."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    todo = [(requirement, set(re.findall(r"\[(.*?)\]", requirement)[0].split(",")) if "[" in
             requirement else set()) for requirement in project["dependencies"]]
    found: set[str] = set()
    while todo:
        requirement, extras = todo.pop()
        name = _name(requirement)
        if name in found:
            continue
        found.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for sub in requires:
            extra = re.search(r"extra\s*==\s*['\"]([^'\"]+)", sub)
            if extra is None or extra[1] in extras:
                todo.append((sub, set()))
    return found


def _shipped_files() -> list[Path]:
    files = []
    for folder in SHIPPED:
        for path in (ROOT / folder).rglob("*.py"):
            inner = path.relative_to(ROOT / folder).parts
            if len(inner) > 1 and (ROOT / folder / inner[0]).is_symlink():
                continue  # podium/<service> links to a folder scanned on its own
            files.append(path)
    return files


def _third_party_imports() -> dict[str, str]:
    """Top-level module -> a file of the shipped code importing it."""
    found: dict[str, str] = {}
    for path in _shipped_files():
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 \
                and node.module else []
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("podium", "__future__"):
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_every_import_of_the_package_is_a_declared_dependency():
    assert len(_shipped_files()) > 100 and "fastapi" in _third_party_imports()
    installed = _installed_by_pip_install()
    distributions = metadata.packages_distributions()
    missing = {module: where for module, where in _third_party_imports().items()
               if not {_name(d) for d in distributions.get(module, [])} & installed}
    assert not missing, f"imported but not installed by `pip install .`: {missing}"
