"""A local server of the BigQuery REST API's shape, for the tests: there is no BigQuery
emulator on this machine, and Podium is tested against this server, never against Google.

It answers the endpoints google-cloud-bigquery calls (datasets, tables, tabledata.list,
jobs.insert/get/cancel, jobs.getQueryResults, jobs.query, and load jobs through the upload
endpoint, multipart and resumable), keeps every request it received (`requests`, so that a
test asserts what Podium sent: job configuration, dispositions, load options), and runs
the SQL with DuckDB (a dataset is a DuckDB schema; the project is ignored) so that results
are real where the SQL is portable (bigquery_sql.py). It also answers OAuth token requests
at `/token`, so a service-account key whose `token_uri` points here works end to end.

`gcs_objects` (`gs://bucket/path` -> bytes) or `gcs_reader` (a callable) provide the files
of load jobs from Cloud Storage (LoadFromGcs), e.g. from a fake GCS server of another test.

    with BigQueryServer() as server:
        os.environ["BIGQUERY_EMULATOR_HOST"] = server.url
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from tests.plugins.gcp import bigquery_jobs as jobs
from tests.plugins.gcp.bigquery_store import (
    API,
    ApiError,
    State,
    create_table,
    describe_table,
    now_ms,
    page,
    table_schema,
)
from tests.plugins.gcp.bigquery_values import check_name


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]  # names in lower case


class BigQueryServer:
    """The server on a free loopback port, in a thread of this process."""

    def __init__(self, port: int = 0) -> None:
        self.state = State()
        self.requests: list[Recorded] = []
        handler = type("Handler", (_Handler,), {"server_state": self.state,
                                                "recorded": self.requests})
        self._http = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    def __enter__(self) -> "BigQueryServer":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    @property
    def gcs_objects(self) -> dict[str, bytes]:
        return self.state.gcs_objects

    def set_gcs_reader(self, reader: Callable[[str], bytes]) -> None:
        self.state.gcs_reader = reader

    def fail_next_job(self, reason: str, message: str) -> None:
        """The next inserted job fails with this error (e.g. `backendError`)."""
        self.state.failures.append({"reason": reason, "message": message})

    def sql(self, sql: str) -> list[tuple[Any, ...]]:
        """Runs DuckDB SQL on the server's database (to set up or check a test's tables)."""
        with self.state.lock:
            result = self.state.db.sql(sql)
            return result.fetchall() if result is not None else []

    def jobs_sent(self) -> list[dict[str, Any]]:
        """The job resources clients inserted (jobs.insert and load uploads), in order."""
        sent = []
        for request in self.requests:
            if request.method == "POST" and request.path.endswith("/jobs") and \
                    isinstance(request.body, dict):
                sent.append(request.body)
        return sent


class _Handler(BaseHTTPRequestHandler):
    server_state: State
    recorded: list[Recorded]
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        split = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        raw = self._read_body()
        body = _json_or_raw(raw, self.headers.get("Content-Type", ""))
        self.recorded.append(Recorded(method, split.path, query, body,
                                     {k.lower(): v for k, v in self.headers.items()}))
        try:
            status, payload, headers = _route(self.server_state, method, split.path, query,
                                              raw, body, self.headers, self._base_url())
        except ApiError as exc:
            status, payload, headers = exc.code, exc.body(), {}
        self._send(status, payload, headers)

    def _base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, payload: Any, headers: dict[str, str]) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        if payload is not None:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _json_or_raw(raw: bytes, content_type: str) -> Any:
    if raw and "json" in content_type:
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    if raw and "multipart" in content_type:
        return _multipart(raw, content_type)[0]
    return raw or None


def _multipart(raw: bytes, content_type: str) -> tuple[Any, bytes]:
    """(the JSON metadata, the data) of a multipart/related upload."""
    boundary = content_type.split("boundary=")[1].strip('"').encode()
    parts = [p for p in raw.split(b"--" + boundary) if p.strip() not in (b"", b"--")]
    decoded = []
    for part in parts:
        _, _, content = part.partition(b"\r\n\r\n")
        decoded.append(content[:-2] if content.endswith(b"\r\n") else content)
    return json.loads(decoded[0]), decoded[1]


def _route(state: State, method: str, path: str, query: dict[str, str], raw: bytes,
           body: Any, headers: Any, base: str) -> tuple[int, Any, dict[str, str]]:
    if path == "/token":
        return 200, {"access_token": "local-token", "expires_in": 3600,
                     "token_type": "Bearer"}, {}
    if path.startswith("/upload" + API):
        return _upload(state, method, path[len("/upload" + API):], query, raw, headers, base)
    if not path.startswith(API + "/projects/"):
        raise ApiError(404, f"Not found: {path}", "notFound")
    parts = path[len(API) + 1:].split("/")
    project, rest = parts[1], parts[2:]
    with state.lock:
        if rest[:1] == ["datasets"]:
            return _datasets(state, method, project, rest[1:], query, body)
        if rest[:1] == ["jobs"]:
            return _jobs(state, method, project, rest[1:], query, body)
        if rest[:1] == ["queries"]:
            return _queries(state, method, project, rest[1:], query, body)
    raise ApiError(404, f"Not found: {path}", "notFound")


def _datasets(state: State, method: str, project: str, rest: list[str],
              query: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
    if not rest:
        if method == "POST":
            return 200, _create_dataset(state, project, body), {}
        listed = [{"datasetReference": d["datasetReference"], "id": d["id"]}
                  for d in state.datasets.values()]
        return 200, {"kind": "bigquery#datasetList", "datasets": listed}, {}
    name = rest[0]
    if len(rest) > 1:
        return _tables(state, method, project, name, rest[2:], query, body)
    dataset = state.datasets.get(name)
    if dataset is None:
        raise ApiError(404, f"Not found: Dataset {project}:{name}", "notFound")
    if method == "GET":
        return 200, dataset, {}
    if method in ("PATCH", "PUT"):
        dataset.update({k: v for k, v in (body or {}).items() if k != "datasetReference"})
        dataset["etag"] = uuid.uuid4().hex
        return 200, dataset, {}
    if method == "DELETE":
        owned = [t for (d, t) in state.tables if d == name]
        if owned and query.get("deleteContents") != "true":
            raise ApiError(400, f"Dataset {project}:{name} is still in use", "resourceInUse")
        state.db.sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        for table in owned:
            del state.tables[(name, table)]
        del state.datasets[name]
        return 204, None, {}
    raise ApiError(405, f"{method} not supported on datasets")


def _create_dataset(state: State, project: str, body: dict[str, Any]) -> dict[str, Any]:
    reference = body.get("datasetReference") or {}
    name = reference.get("datasetId", "")
    try:
        check_name("dataset", name)
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None
    if name in state.datasets:
        raise ApiError(409, f"Already Exists: Dataset {project}:{name}", "duplicate")
    state.db.sql(f'CREATE SCHEMA IF NOT EXISTS "{name}"')
    now = str(now_ms())
    dataset = {**body, "kind": "bigquery#dataset", "id": f"{project}:{name}",
               "datasetReference": {"projectId": project, "datasetId": name},
               "location": body.get("location") or "US", "etag": uuid.uuid4().hex,
               "creationTime": now, "lastModifiedTime": now}
    state.datasets[name] = dataset
    return dataset


def _tables(state: State, method: str, project: str, dataset: str, rest: list[str],
            query: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
    if dataset not in state.datasets:
        raise ApiError(404, f"Not found: Dataset {project}:{dataset}", "notFound")
    if not rest:
        if method == "POST":
            return 200, create_table(state, project, dataset, body), {}
        listed = [describe_table(state, project, d, t) for (d, t) in state.tables if d == dataset]
        return 200, {"kind": "bigquery#tableList", "tables": listed,
                     "totalItems": len(listed)}, {}
    name = rest[0].split("$")[0]
    if (dataset, name) not in state.tables:
        raise ApiError(404, f"Not found: Table {project}:{dataset}.{name}", "notFound")
    if rest[1:] == ["data"]:
        return 200, _table_data(state, dataset, name, query), {}
    if method == "GET":
        return 200, describe_table(state, project, dataset, name), {}
    if method in ("PATCH", "PUT"):
        state.tables[(dataset, name)].update(
            {k: v for k, v in (body or {}).items() if k not in ("tableReference", "schema")})
        return 200, describe_table(state, project, dataset, name), {}
    if method == "DELETE":
        if "$" not in rest[0]:
            state.db.sql(f'DROP TABLE IF EXISTS "{dataset}"."{name}"')
            del state.tables[(dataset, name)]
        return 204, None, {}
    raise ApiError(405, f"{method} not supported on tables")


def _table_data(state: State, dataset: str, name: str, query: dict[str, str]) -> dict[str, Any]:
    schema = table_schema(state, dataset, name)
    values = state.db.sql(f'SELECT * FROM "{dataset}"."{name}"').fetchall()
    return page(schema, values, query) | {"kind": "bigquery#tableDataList"}


def _jobs(state: State, method: str, project: str, rest: list[str], query: dict[str, str],
          body: Any) -> tuple[int, Any, dict[str, str]]:
    if not rest and method == "POST":
        return 200, jobs.insert(state, project, body, data=None), {}
    job = state.jobs.get(rest[0]) if rest else None
    if job is None:
        raise ApiError(404, f"Not found: Job {project}:{rest[0] if rest else ''}", "notFound")
    if rest[1:] == ["cancel"]:
        return 200, {"kind": "bigquery#jobCancelResponse", "job": job}, {}
    return 200, job, {}


def _queries(state: State, method: str, project: str, rest: list[str], query: dict[str, str],
             body: Any) -> tuple[int, Any, dict[str, str]]:
    if not rest and method == "POST":  # jobs.query: a query job run to its end
        request = body or {}
        configuration = {"query": {k: v for k, v in request.items() if k in (
            "query", "useLegacySql", "queryParameters", "parameterMode", "defaultDataset",
            "labels", "dryRun", "maximumBytesBilled", "useQueryCache")}}
        job = jobs.insert(state, project, {"configuration": configuration,
                                           "jobReference": {"projectId": project}}, None)
        job_id = job["jobReference"]["jobId"]
        return 200, jobs.query_results(state, job_id, query), {}
    job_id = rest[0]
    if job_id not in state.jobs:
        raise ApiError(404, f"Not found: Job {project}:{job_id}", "notFound")
    return 200, jobs.query_results(state, job_id, query), {}


def _upload(state: State, method: str, path: str, query: dict[str, str], raw: bytes,
            headers: Any, base: str) -> tuple[int, Any, dict[str, str]]:
    project = path.split("/")[2]
    kind = query.get("uploadType")
    with state.lock:
        if kind == "multipart":
            metadata, data = _multipart(raw, headers.get("Content-Type", ""))
            return 200, jobs.insert(state, project, metadata, data=data), {}
        if kind == "resumable" and "upload_id" not in query:
            upload_id = uuid.uuid4().hex
            state.uploads[upload_id] = {"metadata": json.loads(raw), "data": b""}
            location = f"{base}/upload{API}{path}?uploadType=resumable&upload_id={upload_id}"
            return 200, None, {"Location": location}
        upload = state.uploads.get(query.get("upload_id", ""))
        if upload is None:
            raise ApiError(404, "Not found: upload session")
        upload["data"] += raw
        content_range = headers.get("Content-Range", "")
        total = content_range.rpartition("/")[2]
        if total == "*":
            return 308, None, {"Range": f"bytes=0-{len(upload['data']) - 1}"}
        state.uploads.pop(query["upload_id"])
        return 200, jobs.insert(state, project, upload["metadata"], data=upload["data"]), {}
