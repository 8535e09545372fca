"""The environment of Node.js script tasks (`io.kestra.plugin.scripts.node.*`).

Kestra's Node tasks have no `dependencies` property: flows install packages with
`beforeCommands: npm install ...`, into the attempt's working directory (its
`node_modules`), which the worker deletes afterwards. What Podium adds:
- npm's download cache is shared by every task of the worker (`npm-cache/` under the
  environments' root; npm's cache is safe for concurrent use) and npm prefers it to the
  registry, so a flow that installs the same packages again does not download them again;
- `npm install -g` goes to the attempt's private folder, never the machine's Node prefix;
- `require("@kestra-io/libs")` finds Podium's copy of Kestra's helper library (NODE_PATH,
  searched after node_modules: a copy the task installs itself wins).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from podium.common.errors import ScriptEnvironmentError
from podium.worker.script_envs.isolation import NODE_LIB_DIR


def node_environment(env: dict[str, str], cache_root: Path, private_dir: Path
                     ) -> dict[str, str]:
    """Variables to add to a Node task's environment `env` (whose PATH is searched)."""
    node = shutil.which("node", path=env.get("PATH", ""))
    if node is None:
        raise ScriptEnvironmentError(
            "Node.js is not installed on this worker: no `node` on PATH "
            f"({env.get('PATH', '')})")
    prefix = private_dir / "npm-global"
    # npm reads its global npmrc under its prefix: keep the machine's (registry, cafile).
    machine_npmrc = Path(os.path.realpath(node)).parent.parent / "etc" / "npmrc"
    (prefix / "bin").mkdir(parents=True, exist_ok=True)
    node_path = ([env["NODE_PATH"]] if env.get("NODE_PATH") else []) + [str(NODE_LIB_DIR)]
    extra = {"npm_config_globalconfig": str(machine_npmrc)} if machine_npmrc.is_file() else {}
    return {
        **extra,
        "PATH": os.pathsep.join([str(prefix / "bin"), env.get("PATH", "")]),
        "NODE_PATH": os.pathsep.join(node_path),
        "npm_config_cache": str(cache_root / "npm-cache"),
        "npm_config_prefer_offline": "true",
        "npm_config_prefix": str(prefix),
        "npm_config_update_notifier": "false",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
    }
