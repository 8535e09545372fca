"""Environments of script tasks: what `python`, `pip` and `node` are for a script, and how
its dependencies are installed without touching the worker's own packages.

`ScriptEnvironments(root)` is one per worker (the root is `worker.script_env_dir`):
- `python(...)`: a Python task runs in a per-attempt layer (layer.py) over a shared
  virtual environment holding its `dependencies` (python_env.py), found or built once per
  (interpreter, installer, sorted dependencies) in the cache (cache.py); with
  `dependencyCacheEnabled: false` the shared environment is built afresh in the attempt's
  private folder instead. A task without dependencies shares the environment of the empty
  list, built once: its script starts in milliseconds;
- `node(...)`: the variables of a Node task (node.py).
Neither sees the worker's packages: environments are built on base interpreters, and the
worker's own `bin` is taken off PATH (isolation.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from podium.common.errors import ScriptEnvironmentError
from podium.worker.run_context import RunContext
from podium.worker.script_envs.cache import EnvCache
from podium.worker.script_envs.interpreters import InterpreterFinder, parse_version_request
from podium.worker.script_envs.isolation import clean_path
from podium.worker.script_envs.layer import make_layer
from podium.worker.script_envs.node import node_environment
from podium.worker.script_envs.python_env import (
    PythonEnvSpec,
    Run,
    build_python_env,
    installer_env,
    normalize_dependencies,
)

try:  # the PyPI wheel that carries uv's binary, a dependency of Podium
    import uv as uv_package
except ImportError:  # a worker installed without it still finds uv on PATH, or uses pip
    uv_package = None

__all__ = ["PythonRequest", "Run", "ScriptEnvironments", "clean_path", "find_uv"]


def find_uv() -> str | None:
    """uv's executable: the one installed with Podium (the `uv` package), else on PATH."""
    if uv_package is not None:
        try:
            found = uv_package.find_uv_bin()
        except FileNotFoundError:
            found = None
        if found and os.access(found, os.X_OK):
            return str(found)
    return shutil.which("uv")


@dataclass(frozen=True)
class PythonRequest:
    """What a Python task asks for, rendered."""

    dependencies: tuple[str, ...] = ()
    python_version: str | None = None
    package_manager: str = "UV"  # or "PIP"
    cache: bool = True

    @classmethod
    def of(cls, dependencies: list[str], python_version: Any, package_manager: Any,
           cache: bool) -> "PythonRequest":
        manager = str(package_manager).strip().upper()
        if manager not in ("UV", "PIP"):
            raise ScriptEnvironmentError(
                f"packageManager must be UV or PIP, not '{package_manager}'")
        return cls(normalize_dependencies(dependencies), parse_version_request(python_version),
                   manager, cache)


def _level(spec: PythonEnvSpec) -> str:
    """Installing dependencies takes seconds: say why at INFO. The environment without
    any is built once per interpreter, quickly: DEBUG is enough."""
    return "INFO" if spec.dependencies else "DEBUG"


_UNSET: Any = object()
_default: "ScriptEnvironments | None" = None
_default_lock = threading.Lock()


class ScriptEnvironments:
    def __init__(self, root: str | os.PathLike, *, uv: str | None = _UNSET) -> None:
        self.root = Path(root)
        self.uv = find_uv() if uv is _UNSET else uv
        self.cache = EnvCache(self.root)
        self.interpreters = InterpreterFinder(self.uv)

    @classmethod
    def default(cls) -> "ScriptEnvironments":
        """For a worker given none: under the default data directory (~/.podium)."""
        global _default
        with _default_lock:
            if _default is None:
                _default = cls(Path.home() / ".podium" / "script-envs")
            return _default

    # ------------------------------------------------------------------ Python
    def python(self, ctx: RunContext, request: PythonRequest, env: dict[str, str],
               run: Run) -> dict[str, str]:
        """Prepare the environment of one Python attempt whose variables are `env`;
        returns the variables to change (PATH, VIRTUAL_ENV). Raises
        ScriptEnvironmentError, Killed, TimedOut."""
        began = time.monotonic()
        interpreter = self.interpreters.find(request.python_version, env)
        installer = "uv" if request.package_manager == "UV" and self.uv else "pip"
        spec = PythonEnvSpec(interpreter, installer, request.dependencies)
        folder, manifest, built = self._shared(ctx, spec, request, env, run)
        layer = Path(tempfile.mkdtemp(prefix="venv-", dir=ctx.private_dir))
        # uv for `uv pip install` in the task, unless its PATH has one already.
        uv = self.uv if self.uv and not shutil.which("uv", path=env.get("PATH", "")) else None
        bins = make_layer(layer, folder, manifest, interpreter, uv)
        took = time.monotonic() - began
        if built:
            ctx.log(_level(spec), f"Python environment ready in {took:.1f} s"
                                  + (" (kept for later runs)" if request.cache else ""))
        else:
            ctx.log("DEBUG", f"Python {interpreter.version} environment {folder.name} from "
                             f"the cache ({took * 1000:.0f} ms)")
        path = os.pathsep.join([str(b) for b in bins] + [env.get("PATH", "")])
        return {"PATH": path, "VIRTUAL_ENV": str(layer),
                "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_ROOT_USER_ACTION": "ignore"}

    def _shared(self, ctx: RunContext, spec: PythonEnvSpec, request: PythonRequest,
                env: dict[str, str], run: Run) -> tuple[Path, dict[str, Any], bool]:
        """(folder, manifest, built now) of the environment the layer goes on: from the
        cache, or built in the attempt's private folder when the cache is off."""

        def build(folder: Path) -> dict[str, Any]:
            if request.package_manager == "UV" and spec.installer == "pip":
                ctx.log("WARN", "uv is not installed on this worker: the Python environment "
                                "is built with venv and pip (slower)")
            what = ", ".join(spec.dependencies) or "no dependencies"
            ctx.log(_level(spec), f"Building a Python {spec.interpreter.version} environment "
                                  f"with {spec.installer} ({what})")
            manifest = build_python_env(spec, folder, uv=self.uv, run=run,
                                        env=installer_env(env, self.root),
                                        warn=lambda text: ctx.log("WARN", text))
            # A requirement may carry a secret (a private index's token): not on disk.
            manifest["dependencies"] = [ctx.mask(d) for d in manifest["dependencies"]]
            return manifest

        if request.cache:
            return self.cache.get("python", spec.key(), build, waiting=self._waiting(ctx))
        folder = Path(tempfile.mkdtemp(prefix="pyenv-", dir=ctx.private_dir)) / "env"
        return folder, build(folder), True

    @staticmethod
    def _waiting(ctx: RunContext) -> Callable[[], None]:
        said: list[bool] = []

        def waiting() -> None:
            if not said:
                said.append(True)
                ctx.log("INFO", "Waiting for another task that builds the same Python "
                                "environment")
            ctx.check_killed()

        return waiting

    # ------------------------------------------------------------------ Node
    def node(self, ctx: RunContext, env: dict[str, str]) -> dict[str, str]:
        return node_environment(env, self.root, ctx.private_dir)
