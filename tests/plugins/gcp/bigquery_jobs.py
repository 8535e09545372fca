"""Jobs of the local BigQuery server: query jobs run by DuckDB, load jobs from an upload or
from Cloud Storage objects. A job runs when it is inserted and is DONE when the client first
reads it; a failed one is DONE with `status.errorResult`, as BigQuery reports it."""

from __future__ import annotations

import io
import json
import re
import tempfile
import uuid
from pathlib import Path
from typing import Any

from tests.plugins.gcp import bigquery_store as store
from tests.plugins.gcp.bigquery_sql import (
    external_options,
    quoted,
    statement_type,
    table_name,
    to_duckdb,
)
from tests.plugins.gcp.bigquery_values import duck_column, field_of

DML = ("INSERT", "UPDATE", "DELETE", "MERGE")


def insert(state: Any, project: str, body: dict[str, Any], data: bytes | None) -> dict[str, Any]:
    reference = dict(body.get("jobReference") or {})
    job_id = reference.get("jobId") or f"job_{uuid.uuid4().hex}"
    if job_id in state.jobs:
        raise store.ApiError(409, f"Already Exists: Job {project}:{job_id}", "duplicate")
    reference.update(projectId=project, jobId=job_id,
                     location=reference.get("location") or "US")
    configuration = json.loads(json.dumps(body.get("configuration") or {}))
    started = store.now_ms()
    job = {"kind": "bigquery#job", "id": f"{project}:{reference['location']}.{job_id}",
           "jobReference": reference, "configuration": configuration,
           "selfLink": f"{store.API}/projects/{project}/jobs/{job_id}",
           "status": {"state": "DONE"},
           "statistics": {"creationTime": str(started), "startTime": str(started)}}
    state.jobs[job_id] = job
    try:
        if state.failures:
            failure = state.failures.pop(0)
            raise store.ApiError(500, failure["message"], failure["reason"])
        if "query" in configuration:
            _query(state, project, job, configuration["query"], configuration.get("dryRun"))
        elif "load" in configuration:
            _load(state, job, configuration["load"], data)
        else:
            raise store.ApiError(400, "The local BigQuery server runs query and load jobs only")
    except store.ApiError as exc:
        error = exc.body()["error"]["errors"][0]
        job["status"] = {"state": "DONE", "errorResult": error, "errors": [error]}
    except Exception as exc:  # DuckDB's error, reported as BigQuery reports invalid SQL
        error = {"reason": "invalidQuery" if "query" in configuration else "invalid",
                 "location": "query" if "query" in configuration else None,
                 "message": str(exc).splitlines()[0], "domain": "global"}
        error = {k: v for k, v in error.items() if v is not None}
        job["status"] = {"state": "DONE", "errorResult": error, "errors": [error]}
    job["statistics"]["endTime"] = str(store.now_ms())
    return job


def _query(state: Any, project: str, job: dict[str, Any], config: dict[str, Any],
           dry_run: bool | None = None) -> None:
    sql = config.get("query", "")
    if config.get("useLegacySql"):
        raise store.ApiError(400, "Legacy SQL is not supported by the local BigQuery server",
                              "invalidQuery", "query")
    default = (config.get("defaultDataset") or {}).get("datasetId")
    kind = statement_type(sql)
    stats: dict[str, Any] = {"statementType": kind, "totalBytesProcessed": "0",
                             "totalBytesBilled": "0", "cacheHit": False, "totalSlotMs": "0"}
    job["statistics"]["query"] = stats
    job["statistics"]["totalBytesProcessed"] = "0"
    if dry_run:
        return
    translated = _with_parameters(to_duckdb(sql, default), config)
    if kind == "CREATE_EXTERNAL_TABLE":
        _external_table(state, sql, translated, default)
        state.results[job["jobReference"]["jobId"]] = ([], [])
        return
    relation = state.db.sql(translated)
    if kind == "SELECT":
        schema = [field_of(c, str(t)) for c, t in zip(relation.columns, relation.types)]
        values = relation.fetchall()
        _store_select(state, project, job, config, schema, values, translated)
        return
    count = relation.fetchall()[0][0] if relation is not None and kind in DML else None
    if count is not None:
        stats["numDmlAffectedRows"] = str(count)
        stats["dmlStats"] = {"insertedRowCount": str(count)}
    if kind.startswith("CREATE_TABLE") or kind == "CREATE_EXTERNAL_TABLE":
        created = _created_table(sql, default)
        if created:
            store.register_table(state, *created)
    if kind.startswith("DROP_TABLE"):
        dropped = _created_table(sql.replace("DROP", "CREATE", 1), default)
        if dropped:
            state.tables.pop(dropped, None)
    state.results[job["jobReference"]["jobId"]] = ([], [])


def _external_table(state: Any, sql: str, translated: str, default: str | None) -> None:
    """CREATE EXTERNAL TABLE over Cloud Storage files: here a table holding their rows,
    read once (the files are the GCS objects the server is given)."""
    options = external_options(sql)
    created = _created_table(sql, default)
    if created is None:
        raise store.ApiError(400, "CREATE EXTERNAL TABLE without a table name", "invalidQuery")
    table = re.sub(r"\bEXTERNAL\s+TABLE\b", "TABLE", translated, count=1, flags=re.IGNORECASE)
    state.db.sql(table)
    store.register_table(state, *created)
    uris = options.get("uris") or []
    fmt = str(options.get("format", "CSV")).upper()
    config = {"skipLeadingRows": options.get("skip_leading_rows", 0),
              "fieldDelimiter": options.get("field_delimiter")}
    fields = store.table_schema(state, *created)
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for n, uri in enumerate(uris if isinstance(uris, list) else [uris]):
            path = Path(folder) / f"part{n}"
            path.write_bytes(_gcs(state, uri))
            paths.append(str(path))
        reader = _reader("NEWLINE_DELIMITED_JSON" if fmt == "JSON" else fmt, paths, config,
                         fields)
        state.db.sql(f"INSERT INTO {quoted(*created)} SELECT * FROM {reader}")


def _with_parameters(sql: str, config: dict[str, Any]) -> str:
    """Named (@name) and positional (?) query parameters as SQL literals."""
    parameters = config.get("queryParameters") or []
    for parameter in parameters:
        value = (parameter.get("parameterValue") or {}).get("value")
        literal = "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"
        kind = (parameter.get("parameterType") or {}).get("type", "STRING")
        if kind in ("INT64", "FLOAT64", "NUMERIC", "BOOL") and value is not None:
            literal = str(value)
        if parameter.get("name"):
            sql = sql.replace("@" + parameter["name"], literal)
        else:
            sql = sql.replace("?", literal, 1)
    return sql


def _created_table(sql: str, default: str | None) -> tuple[str, str] | None:
    words = sql.replace("`", " ").replace("(", " ").split()
    upper = [w.upper() for w in words]
    if "TABLE" not in upper:
        return None
    after = [w for w, u in zip(words[upper.index("TABLE") + 1:], upper[upper.index("TABLE") + 1:])
             if u not in ("IF", "NOT", "EXISTS")]
    return table_name(after[0], default) if after else None


def _store_select(state: Any, project: str, job: dict[str, Any], config: dict[str, Any],
                  schema: list[dict[str, Any]], values: list[tuple[Any, ...]],
                  translated: str) -> None:
    job_id = job["jobReference"]["jobId"]
    destination = config.get("destinationTable")
    if destination:
        _write(state, destination, translated, config)
    else:  # BigQuery writes every result to an anonymous table and reports it
        config["destinationTable"] = {"projectId": project, "datasetId": "_local_anon",
                                      "tableId": "anon" + job_id.replace("-", "_")}
    state.results[job_id] = (schema, values)
    job["statistics"]["query"]["totalRows"] = str(len(values))


def _write(state: Any, destination: dict[str, Any], select: str, config: dict[str, Any]) -> None:
    dataset, table = destination["datasetId"], destination["tableId"]
    if dataset not in state.datasets:
        raise store.ApiError(404, f"Not found: Dataset {destination.get('projectId')}:{dataset}",
                              "notFound")
    exists = (dataset, table) in state.tables
    write = config.get("writeDisposition") or "WRITE_EMPTY"
    create = config.get("createDisposition") or "CREATE_IF_NEEDED"
    target = quoted(dataset, table)
    if not exists:
        if create == "CREATE_NEVER":
            raise store.ApiError(404, f"Not found: Table {dataset}.{table}", "notFound")
        state.db.sql(f"CREATE TABLE {target} AS {select}")
        store.register_table(state, dataset, table)
        return
    if write == "WRITE_TRUNCATE":
        state.db.sql(f"CREATE OR REPLACE TABLE {target} AS {select}")
        state.tables[(dataset, table)].pop("schema", None)
        return
    if write == "WRITE_EMPTY" and state.db.sql(f"SELECT count(*) FROM {target}").fetchall()[0][0]:
        raise store.ApiError(400, f"Already Exists: Table {dataset}.{table}", "duplicate")
    state.db.sql(f"INSERT INTO {target} {select}")


def query_results(state: Any, job_id: str, query: dict[str, str]) -> dict[str, Any]:
    job = state.jobs[job_id]
    error = job["status"].get("errorResult")
    if error:
        raise store.ApiError(400, error["message"], error.get("reason", "invalid"),
                              error.get("location"))
    schema, values = state.results.get(job_id, ([], []))
    result = {"kind": "bigquery#getQueryResultsResponse", "jobComplete": True,
              "jobReference": job["jobReference"], "cacheHit": False,
              "totalBytesProcessed": "0", "schema": {"fields": schema}}
    stats = job["statistics"].get("query", {})
    if "numDmlAffectedRows" in stats:
        result["numDmlAffectedRows"] = stats["numDmlAffectedRows"]
    if query.get("maxResults") == "0":
        return result | {"totalRows": str(len(values))}
    return result | store.page(schema, values, query)


def _load(state: Any, job: dict[str, Any], config: dict[str, Any], data: bytes | None) -> None:
    destination = config.get("destinationTable") or {}
    dataset, table = destination.get("datasetId", ""), destination.get("tableId", "")
    if dataset not in state.datasets:
        raise store.ApiError(404, f"Not found: Dataset {destination.get('projectId')}:{dataset}",
                              "notFound")
    sources = [data] if data is not None else [_gcs(state, uri)
                                               for uri in config.get("sourceUris") or []]
    fmt = config.get("sourceFormat") or "CSV"
    exists = (dataset, table) in state.tables
    fields = (config.get("schema") or {}).get("fields")
    if not exists and not fields and not config.get("autodetect"):
        raise store.ApiError(400, "No schema specified on job or table.")
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for n, content in enumerate(sources):
            path = Path(folder) / f"part{n}"
            path.write_bytes(content)
            paths.append(str(path))
        reader = _reader(fmt, paths, config, fields if fields else (
            store.table_schema(state, dataset, table) if exists else None))
        # Read once, while the files exist: the rows are counted after the insert.
        state.db.sql("CREATE OR REPLACE TEMP TABLE _loaded AS SELECT * FROM " + reader)
        _fill(state, dataset, table, "_loaded", config, exists, fields)
    count = state.db.sql("SELECT count(*) FROM _loaded").fetchall()[0][0]
    job["statistics"]["load"] = {"outputRows": str(count), "inputFiles": str(len(sources)),
                                 "inputFileBytes": str(sum(len(s) for s in sources)),
                                 "outputBytes": "0", "badRecords": "0"}


def _fill(state: Any, dataset: str, table: str, reader: str, config: dict[str, Any],
          exists: bool, fields: list[dict[str, Any]] | None) -> None:
    target = quoted(dataset, table)
    write = config.get("writeDisposition") or "WRITE_APPEND"
    if not exists:
        if (config.get("createDisposition") or "CREATE_IF_NEEDED") == "CREATE_NEVER":
            raise store.ApiError(404, f"Not found: Table {dataset}.{table}", "notFound")
        store.create_table(state, "", dataset, {"tableReference": {"tableId": table},
                                                 "schema": {"fields": fields}} if fields else
                            {"tableReference": {"tableId": table}},
                            columns=None if fields else _columns(state, reader))
    elif write == "WRITE_TRUNCATE":
        state.db.sql(f"DELETE FROM {target}")
    elif write == "WRITE_EMPTY" and state.db.sql(f"SELECT count(*) FROM {target}").fetchall()[0][0]:
        raise store.ApiError(400, f"Already Exists: Table {dataset}.{table}", "duplicate")
    state.db.sql(f"INSERT INTO {target} BY NAME SELECT * FROM {reader}")


def _columns(state: Any, reader: str) -> str:
    described = state.db.sql(f"DESCRIBE SELECT * FROM {reader}").fetchall()
    return ", ".join(f'"{name}" {kind}' for name, kind, *_ in described)


def _reader(fmt: str, paths: list[str], config: dict[str, Any],
            fields: list[dict[str, Any]] | None) -> str:
    files = "[" + ", ".join(f"'{p}'" for p in paths) + "]"
    columns = ("{" + ", ".join(f"'{f['name']}': '{duck_column(f)}'" for f in fields) + "}"
               if fields else None)
    if fmt == "CSV":
        options = [f"header = {'true' if int(config.get('skipLeadingRows') or 0) else 'false'}",
                   f"delim = '{config.get('fieldDelimiter') or ','}'"]
        if config.get("quote") is not None:
            options.append(f"quote = '{config['quote']}'")
        if int(config.get("skipLeadingRows") or 0) > 1:
            options.append(f"skip = {int(config['skipLeadingRows']) - 1}")
        if config.get("allowJaggedRows"):
            options.append("null_padding = true")
        if columns:
            options.append(f"columns = {columns}")
        return f"read_csv({files}, {', '.join(options)})"
    if fmt == "NEWLINE_DELIMITED_JSON":
        extra = f", columns = {columns}" if columns else ""
        return f"read_json({files}, format = 'newline_delimited'{extra})"
    if fmt == "PARQUET":
        return f"read_parquet({files})"
    if fmt == "AVRO":
        return _avro(paths)
    raise store.ApiError(400, f"The local BigQuery server does not load {fmt} files")


def _avro(paths: list[str]) -> str:
    """Avro records as a JSON file DuckDB reads (DuckDB's avro extension is not installed)."""
    from fastavro import reader

    target = paths[0] + ".json"
    with open(target, "w") as out:
        for path in paths:
            with open(path, "rb") as stream:
                for record in reader(io.BytesIO(stream.read())):
                    out.write(json.dumps(record, default=str) + "\n")
    return f"read_json(['{target}'], format = 'newline_delimited')"


def _gcs(state: Any, uri: str) -> bytes:
    if uri in state.gcs_objects:
        return state.gcs_objects[uri]
    if state.gcs_reader is not None:
        return state.gcs_reader(uri)
    raise store.ApiError(404, f"Not found: URI {uri}", "notFound")
