"""What a script process must not inherit from the worker: its own Python environment.

A worker installed in a virtual environment usually has that environment's `bin` on PATH
(an activated venv, a container image's PATH). A script that found `python` or `pip` there
would import the worker's packages, and `pip install` would change them. Every script task
gets PATH without those folders.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Where the Python libraries shipped for scripts live (`kestra`, `@kestra-io/libs`).
LIBS_DIR = Path(__file__).resolve().parent.parent / "script_libs"
PYTHON_LIB_DIR = LIBS_DIR / "python"
NODE_LIB_DIR = LIBS_DIR / "node"


def worker_bin_dirs() -> set[str]:
    """The worker's own environment's executable folders (empty outside a venv)."""
    if sys.prefix == sys.base_prefix:
        return set()
    dirs = {Path(sys.prefix) / "bin", Path(sys.executable).parent}
    return {os.path.realpath(d) for d in dirs}


def clean_path(path: str, hidden: set[str] | None = None) -> str:
    """`path` without the worker environment's folders (`hidden`: worker_bin_dirs())."""
    hidden = worker_bin_dirs() if hidden is None else hidden
    kept = [entry for entry in path.split(os.pathsep)
            if entry and os.path.realpath(entry) not in hidden]
    return os.pathsep.join(kept)
