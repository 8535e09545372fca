"""The state of the local BigQuery server (bigquery_server.py): datasets, tables (DuckDB
schemas and tables, with the metadata BigQuery keeps beside them), jobs and their results,
and BigQuery's error shape. Shared by the HTTP routes and the jobs (bigquery_jobs.py)."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import duckdb

from tests.plugins.gcp.bigquery_sql import MACROS
from tests.plugins.gcp.bigquery_values import check_name, duck_column, field_of, row

API = "/bigquery/v2"


class ApiError(Exception):
    def __init__(self, code: int, message: str, reason: str = "invalid",
                 location: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.reason, self.location = code, message, reason, location

    def body(self) -> dict[str, Any]:
        error = {"message": self.message, "domain": "global", "reason": self.reason}
        if self.location:
            error["location"] = self.location
        status = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 409: "ALREADY_EXISTS"}
        return {"error": {"code": self.code, "message": self.message, "errors": [error],
                          "status": status.get(self.code, "UNKNOWN")}}


@dataclass
class State:
    db: Any = field(default_factory=lambda: _database())
    lock: threading.RLock = field(default_factory=threading.RLock)
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    results: dict[str, tuple[list[dict[str, Any]], list[tuple[Any, ...]]]] = field(
        default_factory=dict)
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)
    gcs_objects: dict[str, bytes] = field(default_factory=dict)
    gcs_reader: Callable[[str], bytes] | None = None
    # Errors the next inserted jobs fail with, in order (BigQuery's transient failures).
    failures: list[dict[str, str]] = field(default_factory=list)


def _database() -> Any:
    db = duckdb.connect()
    for statement in MACROS:
        db.sql(statement)
    return db


def create_table(state: State, project: str, dataset: str, body: dict[str, Any],
                 columns: str | None = None) -> dict[str, Any]:
    """A table made from a tables.insert resource (or DuckDB `columns`), with its metadata."""
    name = (body.get("tableReference") or {}).get("tableId", "")
    try:
        check_name("table", name)
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None
    if (dataset, name) in state.tables:
        raise ApiError(409, f"Already Exists: Table {project}:{dataset}.{name}", "duplicate")
    fields = (body.get("schema") or {}).get("fields") or []
    if columns is None:
        if not fields and "view" not in body:
            raise ApiError(400, "The local BigQuery server needs a schema to create a table")
        try:
            columns = ", ".join(f'"{f["name"]}" {duck_column(f)}' for f in fields)
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None
    if "view" in body:
        state.db.sql(f'CREATE VIEW "{dataset}"."{name}" AS {body["view"]["query"]}')
    else:
        state.db.sql(f'CREATE TABLE "{dataset}"."{name}" ({columns})')
    now = str(now_ms())
    state.tables[(dataset, name)] = {
        **{k: v for k, v in body.items() if k not in ("tableReference",)},
        "creationTime": now, "lastModifiedTime": now}
    return describe_table(state, project, dataset, name)


def register_table(state: State, dataset: str, name: str) -> None:
    """Metadata for a table a SQL statement or a job made in DuckDB."""
    if (dataset, name) not in state.tables:
        now = str(now_ms())
        state.tables[(dataset, name)] = {"creationTime": now, "lastModifiedTime": now}


def table_schema(state: State, dataset: str, name: str) -> list[dict[str, Any]]:
    declared = (state.tables.get((dataset, name), {}).get("schema") or {}).get("fields")
    if declared:
        return declared
    described = state.db.sql(f'DESCRIBE "{dataset}"."{name}"').fetchall()
    return [field_of(column, kind) for column, kind, *_ in described]


def describe_table(state: State, project: str, dataset: str, name: str) -> dict[str, Any]:
    meta = state.tables[(dataset, name)]
    count = state.db.sql(f'SELECT count(*) FROM "{dataset}"."{name}"').fetchall()[0][0]
    kind = "VIEW" if "view" in meta else "TABLE"
    return {**meta, "kind": "bigquery#table", "id": f"{project}:{dataset}.{name}",
            "tableReference": {"projectId": project, "datasetId": dataset, "tableId": name},
            "schema": {"fields": table_schema(state, dataset, name)}, "type": kind,
            "numRows": str(count), "numBytes": "0", "etag": uuid.uuid4().hex,
            "selfLink": f"{API}/projects/{project}/datasets/{dataset}/tables/{name}",
            "location": state.datasets[dataset].get("location", "US")}


def page(schema: list[dict[str, Any]], values: list[tuple[Any, ...]],
         query: dict[str, str]) -> dict[str, Any]:
    """One page of rows (`maxResults`, `pageToken` / `startIndex`) with the next token."""
    start = int(query.get("pageToken") or query.get("startIndex") or 0)
    size = int(query.get("maxResults") or 0) or 10_000
    chosen = values[start:start + size]
    result: dict[str, Any] = {"totalRows": str(len(values)),
                              "rows": [row(v, schema) for v in chosen]}
    if start + size < len(values):
        result["pageToken"] = str(start + size)
    return result


def now_ms() -> int:
    return int(time.time() * 1000)
