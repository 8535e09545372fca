"""The per-attempt layer: a virtual environment of its own on top of a shared one.

A task must not change the shared (cached) environment, yet `pip install x` in its
`beforeCommands` has to work and be seen by its script. So every Python attempt gets a
small virtual environment in its private folder, made by hand in about a millisecond:
`pyvenv.cfg`, `bin/python*` links to the base interpreter, an empty site-packages holding
one `.pth` line that adds the shared environment's site-packages (with `site.addsitedir`,
so that environment's own `.pth` files apply) and then Podium's `kestra` library. Paths in
order: the layer's packages, the shared environment's, `kestra` last (so a `kestra` the
task installs itself wins).

`pip` and `pip3` in the layer's `bin` run `python -m pip` with the layer's python: pip
comes from the shared environment but installs into the layer (pip only removes an older
version inside the environment it installs into: "Not uninstalling ... outside
environment"). The layer is deleted with the attempt.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Any

from podium.worker.script_envs.interpreters import Interpreter
from podium.worker.script_envs.isolation import PYTHON_LIB_DIR

PTH_NAME = "_podium_layer.pth"


def make_layer(target: Path, shared: Path, manifest: dict[str, Any],
               interpreter: Interpreter, uv: str | None) -> list[Path]:
    """Build the layer in `target` (an empty folder) over the environment `shared`; returns
    the folders to put first on PATH, in order."""
    bin_dir = target / "bin"
    bin_dir.mkdir()
    for name in ("python", "python3", f"python{interpreter.minor}"):
        (bin_dir / name).symlink_to(interpreter.executable)
    (target / "pyvenv.cfg").write_text(
        f"home = {os.path.dirname(interpreter.executable)}\n"
        "include-system-site-packages = false\n"
        f"version = {interpreter.version}\n", encoding="utf-8")
    site_dirs = manifest["site_dirs"]
    own_site = target / site_dirs[0]
    own_site.mkdir(parents=True)
    adds = ", ".join(f"site.addsitedir({str(shared / d)!r})" for d in site_dirs)
    lib = repr(str(PYTHON_LIB_DIR))
    # One line: a .pth line is executed only when it starts with `import`. Some Pythons
    # (3.11) process a venv's site-packages twice: the library's presence makes it once.
    (own_site / PTH_NAME).write_text(
        f"import site, sys; {lib} in sys.path or ({adds}, sys.path.append({lib}))\n",
        encoding="utf-8")
    python = shlex.quote(str(bin_dir / "python"))
    for name in ("pip", "pip3", f"pip{interpreter.minor}"):
        wrapper = bin_dir / name
        wrapper.write_text(f'#!/bin/sh\nexec {python} -m pip "$@"\n', encoding="utf-8")
        wrapper.chmod(0o755)
    if uv:  # `uv pip install` in a task installs into the layer too (VIRTUAL_ENV)
        (bin_dir / "uv").symlink_to(uv)
    return [bin_dir, shared / "bin"]
