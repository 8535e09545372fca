"""How long a Python script task waits for its dependencies: cold, then warm.

    .venv/bin/python -m bench.script_deps [--deps requests==2.32.3] [--warm-runs 5]

An embedded runtime (`Runtime.embedded`: SQLite, in-process executor and one worker) with
a fresh cache of script environments in a temporary folder. The figure is, for each
execution of a one-task flow, **task start to script start**: from the attempt's start as
the worker records it (before it renders the task and prepares its environment) to the
first line of the script (`time.time()`, sent back through `Kestra.outputs`). Same machine,
same clock. Cases, in this order:

1. `cold`: the flow with `dependencies: [--deps]` on an empty cache, uv's download cache
   empty too (packages downloaded, environment built);
2. `warm`: the same flow --warm-runs more times (the environment found in the cache);
3. `cold_downloads_cached`: the environment deleted but uv's download cache kept (a new
   worker machine sharing a warm download cache, or a changed dependency list);
4. `no_dependencies_first` / `no_dependencies_warm`: a flow without `dependencies`, first
   run (the environment of the empty list, built once) and --warm-runs more;
5. `pip_in_before_commands`: what flows do without `dependencies`: `beforeCommands: pip
   install --deps` in every run (--pip-runs runs; the time is to the script's start, the
   install included).

Prints one JSON document and writes bench/results/script-deps-latest.json; removes its
temporary folder. A measurement, not a test: exit 0 whatever the figures are.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench.foreach import code_version
from bench.run import say, summary
from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.runtime import Runtime

RESULTS = Path(__file__).resolve().parent / "results"
NAMESPACE = "bench.scripts"
# The script's first statement: when it started, before importing anything it asked for.
FIRST_LINE = ("import json, time; "
              "print('::' + json.dumps({'outputs': {'script_start': time.time()}}) + '::', "
              "flush=True)")


def flow_yaml(flow_id: str, deps: list[str], before: list[str]) -> str:
    lines = [f"id: {flow_id}", f"namespace: {NAMESPACE}", "tasks:", "  - id: script",
             "    type: io.kestra.plugin.scripts.python.Script", "    warningOnStdErr: false"]
    if deps:
        lines += ["    dependencies:"] + [f"      - {json.dumps(d)}" for d in deps]
    if before:
        lines += ["    beforeCommands:"] + [f"      - {json.dumps(c)}" for c in before]
    lines += ["    script: |", f"      {FIRST_LINE}"]
    lines += [f"      import {module}" for module in import_names(deps or before_deps(before))]
    return "\n".join(lines) + "\n"


def import_names(requirements: list[str]) -> list[str]:
    names = []
    for requirement in requirements:
        name = requirement.split("==")[0].split(">")[0].split("<")[0].strip()
        names.append(name.replace("-", "_").lower())
    return names


def before_deps(before: list[str]) -> list[str]:
    return [word for command in before for word in command.split()[2:]
            if not word.startswith("-")]


def wait_ms(runtime: Runtime, flow_id: str, timeout: float) -> float:
    """Run the flow once; ms from the attempt's start to the script's first line."""
    execution = runtime.submit(NAMESPACE, flow_id)
    final = runtime.wait(execution.id, timeout=timeout)
    if final.state is not State.SUCCESS:
        raise RuntimeError(f"{flow_id} ended {final.state.value}: "
                           + " | ".join(e.message for e in runtime.logs(execution.id))[-2000:])
    run = runtime.task_runs(execution.id)[0]
    started = run.attempts[-1].started
    if started.tzinfo is None:
        started = started.replace(tzinfo=timezone.utc)
    script_start = datetime.fromtimestamp(run.outputs["vars"]["script_start"], timezone.utc)
    return round((script_start - started).total_seconds() * 1000.0, 1)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.script_deps", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deps", default="requests==2.32.3",
                        help="comma-separated requirements (default: requests==2.32.3)")
    parser.add_argument("--warm-runs", type=int, default=5)
    parser.add_argument("--pip-runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600.0, help="per execution, s")
    parser.add_argument("--output", type=Path, default=RESULTS / "script-deps-latest.json")
    return parser.parse_args(argv)


def measure(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    deps = [d.strip() for d in args.deps.split(",") if d.strip()]
    envs = folder / "script-envs"
    # uv's download cache inside the folder: the cold run downloads for real.
    os.environ["UV_CACHE_DIR"] = str(envs / "uv-cache")
    results: dict[str, Any] = {}
    with Runtime.embedded(folder / "data", workers=1, environ={},
                          script_env_dir=envs) as runtime:
        for flow_id, flow_deps, before in (
                ("with_deps", deps, []), ("no_deps", [], []),
                ("pip_before", [], [f"pip install --quiet {' '.join(deps)}"])):
            runtime.deploy(parse_flow(flow_yaml(flow_id, flow_deps, before)))
        say(f"cold: dependencies {deps} on an empty cache")
        results["cold"] = wait_ms(runtime, "with_deps", args.timeout)
        say(f"warm: {args.warm_runs} runs")
        results["warm"] = summary([wait_ms(runtime, "with_deps", args.timeout)
                                   for _ in range(args.warm_runs)])
        say("cold again, downloads cached: the environment deleted")
        shutil.rmtree(envs / "python")
        results["cold_downloads_cached"] = wait_ms(runtime, "with_deps", args.timeout)
        say("no dependencies: first run, then warm")
        shutil.rmtree(envs / "python")
        results["no_dependencies_first"] = wait_ms(runtime, "no_deps", args.timeout)
        results["no_dependencies_warm"] = summary([wait_ms(runtime, "no_deps", args.timeout)
                                                   for _ in range(args.warm_runs)])
        say(f"beforeCommands pip install: {args.pip_runs} runs")
        results["pip_in_before_commands"] = summary([wait_ms(runtime, "pip_before", args.timeout)
                                                     for _ in range(args.pip_runs)])
    return {"dependencies": deps, "task_start_to_script_start_ms": results}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="podium-bench-scripts-"))
    saved_uv_cache = os.environ.get("UV_CACHE_DIR")
    document: dict[str, Any] = {
        "benchmark": "script_deps", "started": datetime.now(timezone.utc).isoformat(),
        "code": code_version(), "machine": {"cpu_count": os.cpu_count(),
                                            "loadavg_at_start": list(os.getloadavg())}}
    try:
        document.update(measure(args, folder))
        document["machine"]["loadavg_at_end"] = list(os.getloadavg())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if saved_uv_cache is None:
            os.environ.pop("UV_CACHE_DIR", None)
        else:
            os.environ["UV_CACHE_DIR"] = saved_uv_cache
    text = json.dumps(document, indent=2)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n")
    figures = document["task_start_to_script_start_ms"]
    say(f"cold {figures['cold']:.0f} ms, warm median {figures['warm']['median']:.0f} ms "
        f"(target < 1000 ms: {'met' if figures['warm']['median'] < 1000 else 'NOT met'}), "
        f"pip in beforeCommands median {figures['pip_in_before_commands']['median']:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
