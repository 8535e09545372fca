"""Building one Python virtual environment with a task's `dependencies`.

With uv (the default `packageManager`, when uv is installed): `uv venv --seed` (pip comes
with it, so `pip install` works in the task), then `uv pip install` of the dependencies,
byte-compiled (a later run imports without compiling); files are copied from uv's cache
rather than hard-linked (UV_LINK_MODE=copy), so a script that edits an installed file
cannot change the cache every later build copies from. Without uv, or with
`packageManager: PIP`: `python -m venv` and that environment's pip.

The installers run with the worker's installer settings (`UV_*`, `PIP_*`, proxy and CA
variables: a private index configured for the worker applies), never with the variables
the script gets.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from podium.common.errors import ScriptEnvironmentError
from podium.worker.script_envs.cache import env_key
from podium.worker.script_envs.interpreters import PROBE_TIMEOUT_SECONDS, Interpreter

FORMAT = 2  # 2: setuptools pinned below 81 on Python < 3.12 (see _uv_venv)
# Python's images before 3.12 ship setuptools with `pkg_resources`, which setuptools 81
# removed; uv seeds the newest. Scripts written for those images import pkg_resources.
_SETUPTOOLS_WITH_PKG_RESOURCES = "setuptools<81"
# One installer command: (argv, environment, cwd). Raises ScriptEnvironmentError when it
# fails, Killed / TimedOut when the attempt is stopped meanwhile.
Run = Callable[[Sequence[str], dict[str, str], Path], None]

_PASSED = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "SSL_CERT_FILE",
           "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "NETRC", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")
_SITE_DIRS = ("import json, sysconfig; "
              "print(json.dumps([sysconfig.get_path('purelib'), sysconfig.get_path('platlib')]))")


@dataclass(frozen=True)
class PythonEnvSpec:
    interpreter: Interpreter
    installer: str  # "uv" or "pip": the tool that really builds it
    dependencies: tuple[str, ...]  # sorted, without duplicates

    def key(self) -> str:
        return env_key([f"podium python env {FORMAT}",
                        f"python {self.interpreter.executable} {self.interpreter.version}",
                        f"installer {self.installer}", *self.dependencies])


def normalize_dependencies(items: Sequence[str]) -> tuple[str, ...]:
    """The dependency list as a cache key sees it: stripped, sorted, unique, no blanks."""
    kept: set[str] = set()
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        if any(c in text for c in "\r\n\0"):
            raise ScriptEnvironmentError(
                f"dependencies: '{text.splitlines()[0]}...' spans several lines; give one "
                f"requirement per list item")
        kept.add(text)
    return tuple(sorted(kept))


def installer_env(base: dict[str, str], cache_root: Path) -> dict[str, str]:
    """The environment of installer commands: `base` (PATH, HOME, locale) plus the worker's
    own installer settings, with uv's cache under the environments' root unless the worker
    names one (UV_CACHE_DIR)."""
    env = {name: value for name, value in os.environ.items()
           if name.startswith(("UV_", "PIP_")) or name.upper() in _PASSED}
    env.update(base)
    env.setdefault("UV_CACHE_DIR", str(cache_root / "uv-cache"))  # the worker's own wins
    env.update({"UV_PYTHON_DOWNLOADS": "never",
                "UV_NO_PROGRESS": "1", "UV_LINK_MODE": "copy",
                "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                "PIP_NO_INPUT": "1"})
    return env


def build_python_env(spec: PythonEnvSpec, folder: Path, *, uv: str | None, run: Run,
                     env: dict[str, str], warn: Callable[[str], None]) -> dict[str, Any]:
    """Create the environment in `folder` (which must not exist); returns its manifest."""
    requirements = folder.parent / f"{folder.name}.requirements.txt"
    pip_ok = True
    if spec.installer == "uv":
        assert uv is not None
        pip_ok = _uv_venv(spec, folder, uv, run, env, warn)
    else:
        _pip_venv(spec, folder, run, env)
    python = folder / "bin" / "python"
    if spec.dependencies:
        requirements.write_text("\n".join(spec.dependencies) + "\n", encoding="utf-8")
        try:
            if spec.installer == "uv":
                run([uv, "pip", "install", "--no-config", "--python", str(python),
                     "--compile-bytecode", "-r", str(requirements)],
                    env, folder)
            else:
                run([str(python), "-m", "pip", "install", "-r", str(requirements)], env, folder)
        finally:
            requirements.unlink(missing_ok=True)
    return {"format": FORMAT, "python": spec.interpreter.executable,
            "version": spec.interpreter.version, "installer": spec.installer,
            "dependencies": list(spec.dependencies), "pip": pip_ok,
            "site_dirs": _site_dirs(python, folder, env), "created": time.time()}


def _uv_venv(spec: PythonEnvSpec, folder: Path, uv: str, run: Run, env: dict[str, str],
             warn: Callable[[str], None]) -> bool:
    """`uv venv --seed`; True when pip is in it. Seeding needs the package index: with no
    dependencies to install, a failure there still gives a usable environment."""
    venv = [uv, "venv", "--no-config", "--quiet", "--python", spec.interpreter.executable]
    try:
        run(venv + ["--seed", str(folder)], env, folder.parent)
    except ScriptEnvironmentError as exc:
        if spec.dependencies:
            raise
        warn(f"pip could not be installed in the Python environment, `pip` will not work "
             f"in this task: {exc.message}")
    else:
        _pin_setuptools(spec, folder, uv, run, env, warn)
        return True
    run(venv + [str(folder)], env, folder.parent)
    return False


def _pin_setuptools(spec: PythonEnvSpec, folder: Path, uv: str, run: Run,
                    env: dict[str, str], warn: Callable[[str], None]) -> None:
    if not _seeds_setuptools(spec.interpreter.version):
        return
    try:
        run([uv, "pip", "install", "--no-config", "--quiet", "--python",
             str(folder / "bin" / "python"), _SETUPTOOLS_WITH_PKG_RESOURCES], env, folder)
    except ScriptEnvironmentError as exc:
        if spec.dependencies:
            raise
        warn(f"setuptools could not be pinned below 81, `import pkg_resources` will not "
             f"work in this task: {exc.message}")


def _seeds_setuptools(version: str) -> bool:
    """`python -m venv` (and Python's Docker images) put setuptools in environments of
    Python before 3.12 only; uv seeds it there too."""
    try:
        return tuple(int(part) for part in version.split(".")[:2]) < (3, 12)
    except ValueError:
        return False


def _pip_venv(spec: PythonEnvSpec, folder: Path, run: Run, env: dict[str, str]) -> None:
    try:
        run([spec.interpreter.executable, "-m", "venv", str(folder)], env, folder.parent)
    except ScriptEnvironmentError as exc:
        raise ScriptEnvironmentError(
            f"Python {spec.interpreter.version} ({spec.interpreter.executable}) cannot create "
            f"a virtual environment with pip; install uv on the worker (pip install uv) or "
            f"this Python's venv module (Debian: python3-venv). {exc.message}") from None


def _site_dirs(python: Path, folder: Path, env: dict[str, str]) -> list[str]:
    """The environment's site-packages folders, relative to it."""
    try:
        done = subprocess.run([str(python), "-c", _SITE_DIRS], env=env, capture_output=True,
                              text=True, timeout=PROBE_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
        paths = json.loads(done.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        raise ScriptEnvironmentError(f"The new Python environment does not run: {exc}") from None
    if done.returncode != 0:
        raise ScriptEnvironmentError(
            f"The new Python environment does not run: {done.stderr.strip()[-500:]}")
    root = os.path.realpath(folder)
    rel = [os.path.relpath(os.path.realpath(p), root) for p in paths]
    return list(dict.fromkeys(r for r in rel if not r.startswith("..")))
