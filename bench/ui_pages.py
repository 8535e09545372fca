"""How fast the web UI's pages render on a big store.

    .venv/bin/python -m bench.ui_pages [--flows 1000] [--executions 100000] [--runs 5]

Creates a throwaway PostgreSQL database (`podium_uibench_<hex>`, on the server of
--pg-admin-url / PODIUM_BENCH_PG_ADMIN_URL, default postgresql://postgres@127.0.0.1:5432/test),
migrates it, and bulk-loads it with COPY (not through the engine): --flows flows in 50
namespaces, --executions executions spread over the last 7 days (mostly SUCCESS, some
FAILED, WARNING, KILLED, a few RUNNING and PAUSED; a label each), two task runs each, two
log lines each (an ERROR line for the failed ones). Then times, with a logged-in TestClient
over a Runtime on that database, every GET page of the UI (every route of api/ui ROUTERS;
path parameters filled from the seed: a namespace, a flow id, an execution id): one
first (cold) request, timed on its own, then --runs timed requests each, min/median/max
in milliseconds, and flags any page whose median (`slow`) or first render (`first_slow`)
is over 300 ms. Prints one JSON document, also written to
bench/results/ui-pages-latest.json. The database is dropped at the end (also on errors).
A measurement, not a test: exit 0 whatever the figures are.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psycopg
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

RESULTS = Path(__file__).resolve().parent / "results"
SLOW_MS = 300.0
USER, PASSWORD = "bench", "bench-password"
STATES = ["SUCCESS"] * 80 + ["FAILED"] * 8 + ["WARNING"] * 5 + ["KILLED"] * 2 + \
    ["RUNNING"] * 3 + ["PAUSED"] * 2
FLOW_SOURCE = """\
id: {flow_id}
namespace: {namespace}
labels:
  team: bench
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: "hello {{{{ execution.id }}}}"
  - id: second
    type: io.kestra.plugin.core.debug.Return
    format: done
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=1000)
    parser.add_argument("--executions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg-admin-url", default=os.environ.get(
        "PODIUM_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--output", type=Path, default=RESULTS / "ui-pages-latest.json")
    args = parser.parse_args()
    name = f"podium_uibench_{uuid.uuid4().hex[:8]}"
    admin = args.pg_admin_url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        result = bench(database_url(admin, name), args)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    text = json.dumps(result, indent=2)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n")
    for key, what in (("slow", "median"), ("first_slow", "first render")):
        slow = [page for page, figures in result["pages"].items() if figures.get(key)]
        print(f"pages over {SLOW_MS:.0f} ms ({what}): {', '.join(slow) or 'none'}")


def database_url(admin_url: str, name: str) -> str:
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{name}"


def bench(url: str, args: argparse.Namespace) -> dict[str, Any]:
    from podium.common.store import upgrade

    upgrade(url)
    started = time.perf_counter()
    seeded = seed(url, args.flows, args.executions)
    seed_seconds = round(time.perf_counter() - started, 1)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")
    return {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": machine(), "flows": args.flows, "executions": args.executions,
            "seed_seconds": seed_seconds, "runs": args.runs, "slow_ms": SLOW_MS,
            "pages": time_pages(url, seeded, args.runs)}


def machine() -> dict[str, Any]:
    return {"cpu_count": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(),
            "loadavg": [round(v, 2) for v in os.getloadavg()]}


def seed(url: str, flow_count: int, execution_count: int) -> dict[str, str]:
    """COPY the rows in; returns path parameters taken from them."""
    rng = random.Random(18)
    now = datetime.now(timezone.utc)
    flows = [(f"bench.ns{i % 50:02d}", f"flow{i:04d}") for i in range(flow_count)]
    with psycopg.connect(url) as conn:
        _copy(conn, "flows", ("namespace", "flow_id", "revision", "source", "deleted",
                              "saved_at"),
              ((ns, fid, 1, FLOW_SOURCE.format(namespace=ns, flow_id=fid), False, now)
               for ns, fid in flows))
        rows = [_execution_row(rng, flows, now, n, execution_count)
                for n in range(execution_count)]
        _copy(conn, "executions", tuple(rows[0]), (tuple(row.values()) for row in rows))
        _copy(conn, "execution_labels", ("execution_id", "key", "value"),
              ((row["id"], "env", "prod" if n % 3 else "dev") for n, row in enumerate(rows)))
        _copy(conn, "task_runs", _TASK_RUN_COLUMNS,
              (run for row in rows for run in _task_runs(row)))
        _copy(conn, "logs", ("execution_id", "task_run_id", "task_id", "attempt", "level",
                             "level_no", "message", "timestamp", "namespace", "flow_id"),
              (line for row in rows for line in _log_lines(row)))
        conn.commit()
    newest = rows[-1]
    return {"namespace": newest["namespace"], "flow_id": newest["flow_id"],
            "execution_id": newest["id"]}


def _copy(conn: psycopg.Connection, table: str, columns: tuple[str, ...], rows: Any) -> None:
    with conn.cursor() as cursor, cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(v) if isinstance(v, (dict, list)) else v
                            for v in row])


def _history(state: str, start: datetime, seconds: float) -> dict[str, Any]:
    entries = [("CREATED", start), ("RUNNING", start + timedelta(milliseconds=20))]
    if state != "RUNNING":
        entries.append((state, start + timedelta(seconds=seconds)))
    return {"current": state, "histories": [{"state": s, "date": d.isoformat()}
                                            for s, d in entries]}


def _execution_row(rng: random.Random, flows: list[tuple[str, str]], now: datetime,
                   n: int, total: int) -> dict[str, Any]:
    namespace, flow_id = flows[rng.randrange(len(flows))]
    state = rng.choice(STATES)
    # Spread over the last 7 days, oldest first, so the last row is the newest.
    start = now - timedelta(days=7) + timedelta(days=7) * (n / total)
    history = _history(state, start, rng.uniform(0.05, 30))
    return {"id": f"b{n:09d}{uuid.uuid4().hex[:8]}", "namespace": namespace,
            "flow_id": flow_id, "flow_revision": 1, "state": state, "created": start,
            "updated": start, "version": 3, "history": history, "inputs": {},
            "labels": [{"key": "env", "value": "prod" if n % 3 else "dev"}],
            "attempt_number": 1, "engine": {}}


_TASK_RUN_COLUMNS = ("id", "execution_id", "task_id", "state", "seq", "updated", "version",
                     "history", "attempts", "flowable", "folded")


def _task_runs(row: dict[str, Any]) -> list[tuple[Any, ...]]:
    runs = []
    for seq, task_id in enumerate(("first", "second")):
        state = row["state"] if seq else ("SUCCESS" if row["state"] != "RUNNING" else "RUNNING")
        history = _history(state, row["created"], 0.01)
        attempt = {"number": 1, "state": state, "history": history}
        runs.append((f"{row['id']}t{seq}", row["id"], task_id, state, seq, row["created"],
                     1, history, [attempt], {}, False))
    return runs


def _log_lines(row: dict[str, Any]) -> list[tuple[Any, ...]]:
    at = row["created"]
    lines = [(row["id"], f"{row['id']}t0", "first", 1, "INFO", 2, f"hello {row['id']}", at,
              row["namespace"], row["flow_id"])]
    if row["state"] == "FAILED":
        lines.append((row["id"], f"{row['id']}t1", "second", 1, "ERROR", 4,
                      "boom: the task failed", at, row["namespace"], row["flow_id"]))
    else:
        lines.append((row["id"], f"{row['id']}t1", "second", 1, "INFO", 2, "done", at,
                      row["namespace"], row["flow_id"]))
    return lines


def ui_get_paths(seeded: dict[str, str]) -> tuple[list[str], list[str]]:
    """Every GET route of the UI with its path filled in, and those it could not fill."""
    from podium.api.ui import ROUTERS

    paths, skipped = [], []
    for router in ROUTERS:
        for route in router.routes:
            if not isinstance(route, APIRoute) or "GET" not in route.methods:
                continue
            try:
                paths.append(route.path.format(**seeded))
            except KeyError:
                skipped.append(route.path)
    return sorted(set(paths)), skipped


def time_pages(url: str, seeded: dict[str, str], runs: int) -> dict[str, Any]:
    from podium.api import create_app
    from podium.common.settings import ApiSettings
    from podium.common.storage.local import LocalStorage
    from podium.common.store import Database
    from podium.common.transport.memory import InProcessTransport
    from podium.runtime import Runtime

    paths, skipped = ui_get_paths(seeded)
    # A storage, so the namespace-files page lists (an empty namespace) instead of refusing.
    storage_dir = tempfile.mkdtemp(prefix="podium-uibench-")
    runtime = Runtime(Database(url), InProcessTransport(), LocalStorage(storage_dir))
    app = create_app(runtime, ApiSettings(users={USER: PASSWORD}))
    figures: dict[str, Any] = {}
    try:
        with TestClient(app) as client:
            login = client.get("/ui/login").text
            token = login.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            client.post("/ui/login", data={"username": USER, "password": PASSWORD,
                                           "next": "/ui/", "csrf_token": token})
            for path in paths:
                if path in ("/login", "/logout"):
                    continue
                figures[path] = _time_page(client, "/ui" + path, runs)
    finally:
        runtime.close()
        shutil.rmtree(storage_dir, ignore_errors=True)
    for path in skipped:
        figures[path] = {"skipped": "a path parameter the seed does not fill"}
    return figures


def _time_page(client: TestClient, url: str, runs: int) -> dict[str, Any]:
    started = time.perf_counter()
    client.get(url)  # the first render: templates compiled, caches cold
    first = (time.perf_counter() - started) * 1000
    times, status = [], None
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, follow_redirects=False)
        times.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    median = statistics.median(times)
    return {"status": status, "first_ms": round(first, 1), "min_ms": round(min(times), 1),
            "median_ms": round(median, 1), "max_ms": round(max(times), 1),
            "slow": median > SLOW_MS, "first_slow": first > SLOW_MS}


if __name__ == "__main__":
    main()
