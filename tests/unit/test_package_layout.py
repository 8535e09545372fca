"""One installed package, `podium`: the service folders (common/, executor/, worker/,
scheduler/, api/) are reached as podium.<name>, never under their own top-level names,
which would collide with any other distribution's `common` or `api` in site-packages."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("common", "executor", "worker", "scheduler", "api")
SCANNED = (*SERVICES, "podium", "tests", "bench", "scripts", "examples", "plugins")


def _python_files() -> list[Path]:
    files = []
    for folder in SCANNED:
        for path in (ROOT / folder).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if relative.parts[:2] in (("tests", "realworld"), ("tests", "fixtures")) and \
                    "flows" in relative.parts or relative.parts[0] == "podium" and \
                    len(relative.parts) > 1 and relative.parts[1] in SERVICES:
                continue  # flows' scripts; the links podium/<service> (scanned as <service>)
            files.append(path)
    return files


def _top_level_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and \
            node.module else []
        found += [n for n in names if n.split(".")[0] in SERVICES]
    return found


def test_the_scan_sees_the_code_and_what_it_looks_for():
    files = {p.relative_to(ROOT).as_posix() for p in _python_files()}
    assert {"common/errors.py", "worker/service.py", "podium/runtime.py"} <= files
    assert _top_level_imports("import common.x as y\nfrom worker import z\n"
                              "from podium.common import w\nfrom . import v\n") == \
        ["common.x", "worker"]


def test_nothing_imports_a_service_folder_by_its_bare_name():
    offending = {p.relative_to(ROOT).as_posix(): names for p in _python_files()
                 if (names := _top_level_imports(p.read_text()))}
    assert offending == {}, "import podium.<service> (scripts/podium_imports.py rewrites)"


def test_the_links_lead_to_the_service_folders():
    for name in SERVICES:
        link = ROOT / "podium" / name
        assert link.is_symlink() and link.resolve() == (ROOT / name).resolve(), name


def test_the_wheel_installs_only_the_podium_package(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--wheel-dir", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("podium-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"podium", wheel.name.split("-py3")[0] +
                                                ".dist-info"}
    for expected in ("podium/common/plugins/core.py", "podium/worker/service.py",
                     "podium/executor/wiring.py", "podium/scheduler/service.py",
                     "podium/api/app.py", "podium/sdk/__init__.py",
                     "podium/common/store/migrations/env.py",
                     "podium/worker/script_libs/python/kestra.py",
                     "podium/api/ui/templates/base.html", "podium/api/ui/static/podium.css",
                     "podium/api/ui/static/vendor/htmx.org/htmx.min.js"):
        assert expected in names, expected
    assert not any("/tests/" in n or n.startswith("plugins/") for n in names)
