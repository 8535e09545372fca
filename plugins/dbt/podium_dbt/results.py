"""dbt's `target/run_results.json` and `target/manifest.json` after a run, as Kestra's
ResultParser reads them: both become output files; each node's result is logged
(`model.x.y => success in 0.05s`, its message, its failures) at a level from its status,
and the adapters' `rows_affected` / `bytes_processed` become the counters
`rows.affected` / `bytes.processed`.

Kestra also shows each node as a task run of its own (a dynamic task run); Podium's
executor records only the task runs a flow declares, so the nodes are log lines here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from podium.sdk import RunContext

# dbt status -> Kestra state of the node (RunResult.state).
STATES = {"error": "FAILED", "fail": "FAILED", "runtime_error": "FAILED", "warn": "WARNING",
          "skipped": "SKIPPED", "success": "SUCCESS", "pass": "SUCCESS"}
_LOG_LEVEL = {"FAILED": "ERROR", "WARNING": "WARN"}
_COUNTERS = {"rows_affected": "rows.affected", "bytes_processed": "bytes.processed"}


def collect(ctx: RunContext, target: Path, parse_run_results: bool,
            output_files: dict[str, str]) -> Any:
    """Upload manifest.json (returned parsed, or None) and, with `parse_run_results`,
    run_results.json into `output_files`, logging and counting each node."""
    manifest_file = target / "manifest.json"
    manifest = None
    if manifest_file.is_file():
        ctx.log("INFO", f"dbt manifest found at {manifest_file}")
        output_files["manifest.json"] = ctx.put_file(manifest_file, "manifest.json")
        try:
            manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        except ValueError as exc:
            ctx.log("WARN", f"dbt manifest is not valid JSON: {exc}")
    else:
        ctx.log("WARN", f"dbt manifest not found at {manifest_file}")
    results_file = target / "run_results.json"
    if parse_run_results and results_file.is_file():
        try:
            results = json.loads(results_file.read_text(encoding="utf-8"))
        except ValueError as exc:
            ctx.log("WARN", f"dbt run results are not valid JSON: {exc}")
        else:
            for result in results.get("results") or []:
                _node(ctx, result)
        output_files["run_results.json"] = ctx.put_file(results_file, "run_results.json")
    return manifest


def _node(ctx: RunContext, result: dict[str, Any]) -> None:
    status = str(result.get("status"))
    state = STATES.get(status, "FAILED")
    level = _LOG_LEVEL.get(state, "INFO")
    summary = f"{result.get('unique_id')} => {status}"
    if isinstance(result.get("execution_time"), (int, float)):
        summary += f" in {result['execution_time']:.2f}s"
    failures = result.get("failures")
    if isinstance(failures, int) and failures > 0:
        summary += f" ({failures} failure{'s' if failures != 1 else ''})"
    ctx.log(level, summary)
    message = result.get("message")
    if isinstance(message, str) and message.strip():
        ctx.log(level, message)
    for key, name in _COUNTERS.items():
        value = (result.get("adapter_response") or {}).get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            ctx.metric({"name": name, "type": "counter", "value": value,
                        "tags": {"node": str(result.get("unique_id"))}})
