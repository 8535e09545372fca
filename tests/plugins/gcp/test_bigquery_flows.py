"""The bigquery tasks through whole flows on the embedded runtime, against the local
BigQuery server (bigquery_server.py: BigQuery's REST shape, SQL by DuckDB; not Google):
outputs are checked against the server's tables, and the requests against what Kestra's
tasks send (job configuration, dispositions, load options, labels)."""

from __future__ import annotations

import json

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.storage.uploads import Upload
from podium.sdk.ion import read_ion
from tests.plugins.gcp.conftest import PROJECT


def run_flow(runtime, source: str, inputs: dict | None = None, timeout: float = 60):
    loaded = parse_flow(source)
    runtime.deploy(loaded)
    execution = runtime.submit(loaded.flow.namespace, loaded.flow.id, inputs or {})
    final = runtime.wait(execution.id, timeout=timeout)
    runs = {run.task_id: run for run in runtime.task_runs(execution.id)}
    return final, runs


def logs_of(runtime, execution) -> str:
    return "\n".join(entry.message for entry in runtime.logs(execution.id))


def query_jobs(server) -> list[dict]:
    return [job["configuration"]["query"] for job in server.jobs_sent()
            if "query" in job.get("configuration", {})]


def test_create_dataset_table_query_and_fetch(runtime, bigquery):
    flow = f"""
id: bq_round_trip
namespace: company.team
tasks:
  - id: create_dataset
    type: io.kestra.plugin.gcp.bigquery.CreateDataset
    name: zoom_ds
    location: EU
    description: "made by {{{{ flow.id }}}}"
    ifExists: SKIP
  - id: again
    type: io.kestra.plugin.gcp.bigquery.CreateDataset
    name: zoom_ds
    ifExists: SKIP
  - id: create_table
    type: io.kestra.plugin.gcp.bigquery.CreateTable
    dataset: zoom_ds
    table: people
    friendlyName: People
    tableDefinition:
      type: TABLE
      schema:
        fields:
          - name: id
            type: INT64
          - name: name
            type: STRING
  - id: insert
    type: io.kestra.plugin.gcp.bigquery.Query
    sql: INSERT INTO `{PROJECT}.zoom_ds.people` VALUES (1, "John"), (2, "Doe")
  - id: copy
    type: io.kestra.plugin.gcp.bigquery.Query
    sql: SELECT id, upper(name) AS name FROM `zoom_ds.people`
    destinationTable: "{PROJECT}.zoom_ds.people_copy"
    writeDisposition: WRITE_TRUNCATE
    createDisposition: CREATE_IF_NEEDED
    labels:
      team: data
  - id: fetch
    type: io.kestra.plugin.gcp.bigquery.Query
    fetchType: FETCH
    sql: SELECT * FROM `{PROJECT}.zoom_ds.people_copy` ORDER BY id
  - id: one
    type: io.kestra.plugin.gcp.bigquery.Query
    fetchOne: true
    sql: SELECT count(*) AS n, DATE("2008-12-25") AS d, TIMESTAMP("2008-12-25 15:30:00.123456") AS ts
  - id: store
    type: io.kestra.plugin.gcp.bigquery.Query
    fetchType: STORE
    sql: SELECT * FROM `zoom_ds.people` ORDER BY id
  - id: use
    type: io.kestra.plugin.core.debug.Return
    format: "{{% for row in outputs.fetch.rows %}}{{{{ row.id }}}}={{{{ row.name }}}};{{% endfor %}}"
pluginDefaults:
  - type: io.kestra.plugin.gcp
    values:
      projectId: {PROJECT}
"""
    final, runs = run_flow(runtime, flow)
    assert final.state is State.SUCCESS, logs_of(runtime, final)
    created = runs["create_dataset"].outputs
    assert created == {"dataset": "zoom_ds", "project": PROJECT, "friendlyName": None,
                       "description": "made by bq_round_trip", "location": "EU"}
    assert runs["again"].outputs["description"] == "made by bq_round_trip"
    table = runs["create_table"].outputs
    assert (table["projectId"], table["datasetId"], table["table"]) == \
        (PROJECT, "zoom_ds", "people")
    assert table["friendlyName"] == "People"

    copy = runs["copy"].outputs
    assert copy["destinationTable"] == {"project": PROJECT, "dataset": "zoom_ds",
                                        "table": "people_copy"}
    assert copy["jobId"] and "rows" not in copy
    assert runs["fetch"].outputs["rows"] == [{"id": 1, "name": "JOHN"},
                                             {"id": 2, "name": "DOE"}]
    assert runs["fetch"].outputs["size"] == 2
    assert runs["use"].outputs["value"] == "1=JOHN;2=DOE;"
    one = runs["one"].outputs
    assert one["row"] == {"n": 1, "d": "2008-12-25", "ts": "2008-12-25T15:30:00.123456Z"}
    assert one["size"] == 1 and one["destinationTable"]["dataset"] == "_local_anon"
    store = runs["store"].outputs
    assert store["size"] == 2
    with runtime.storage.get(store["uri"]) as stream:
        assert list(read_ion(stream)) == [{"id": 1, "name": "John"}, {"id": 2, "name": "Doe"}]

    # What went to BigQuery: the copy's job configuration, with Kestra's labels.
    sent = query_jobs(bigquery)
    copy_job = next(q for q in sent if "people_copy" in json.dumps(q.get("destinationTable")))
    assert copy_job["destinationTable"] == {"projectId": PROJECT, "datasetId": "zoom_ds",
                                            "tableId": "people_copy"}
    assert copy_job["writeDisposition"] == "WRITE_TRUNCATE"
    assert copy_job["createDisposition"] == "CREATE_IF_NEEDED"
    assert copy_job["useLegacySql"] is False
    labels = next(j for j in bigquery.jobs_sent()
                  if j["configuration"]["query"] is copy_job)["configuration"]["labels"]
    assert labels["team"] == "data" and labels["kestra_flow_id"] == "bq_round_trip"
    assert labels["kestra_namespace"] == "company_team" and labels["kestra_task_id"] == "copy"
    assert bigquery.sql('SELECT * FROM "zoom_ds"."people_copy" ORDER BY id') == \
        [(1, "JOHN"), (2, "DOE")]


def test_load_a_csv_file_and_delete(runtime, bigquery, dataset):
    flow = f"""
id: bq_load
namespace: company.team
inputs:
  - id: file
    type: FILE
tasks:
  - id: load
    type: io.kestra.plugin.gcp.bigquery.Load
    projectId: {PROJECT}
    from: "{{{{ inputs.file }}}}"
    destinationTable: "{PROJECT}.{dataset}.orders"
    format: CSV
    writeDisposition: WRITE_APPEND
    schema:
      fields:
        - name: id
          type: INTEGER
        - name: item
          type: STRING
    csvOptions:
      fieldDelimiter: ";"
      skipLeadingRows: 1
  - id: count
    type: io.kestra.plugin.gcp.bigquery.Query
    projectId: {PROJECT}
    fetchOne: true
    sql: SELECT count(*) AS n FROM `{dataset}.orders`
  - id: delete_table
    type: io.kestra.plugin.gcp.bigquery.DeleteTable
    projectId: {PROJECT}
    dataset: {dataset}
    table: orders
  - id: delete_dataset
    type: io.kestra.plugin.gcp.bigquery.DeleteDataset
    projectId: {PROJECT}
    name: {dataset}
"""
    data = b"id;item\n1;apple\n2;pear\n3;plum\n"
    final, runs = run_flow(runtime, flow, {"file": Upload("orders.csv", data=data)})
    assert final.state is State.SUCCESS, logs_of(runtime, final)
    load = runs["load"].outputs
    assert load["rows"] == 3 and load["destinationTable"] == f"{PROJECT}.{dataset}.orders"
    assert runs["count"].outputs["row"] == {"n": 3}
    assert runs["delete_table"].outputs == {"projectId": PROJECT, "datasetId": dataset,
                                            "table": "orders"}
    assert runs["delete_dataset"].outputs == {"dataset": dataset}
    assert dataset not in bigquery.state.datasets

    upload = next(r for r in bigquery.requests if r.path.startswith("/upload/"))
    assert upload.query["uploadType"] == "multipart"
    configuration = upload.body["configuration"]["load"]
    assert configuration["sourceFormat"] == "CSV" and configuration["fieldDelimiter"] == ";"
    assert configuration["skipLeadingRows"] == "1" or configuration["skipLeadingRows"] == 1
    assert configuration["writeDisposition"] == "WRITE_APPEND"
    assert configuration["schema"]["fields"][0]["name"] == "id"


def test_load_from_gcs(runtime, bigquery, dataset):
    bigquery.gcs_objects["gs://bucket/rows.json"] = b'{"a": 1, "b": "x"}\n{"a": 2, "b": "y"}\n'
    flow = f"""
id: bq_load_gcs
namespace: company.team
tasks:
  - id: load
    type: io.kestra.plugin.gcp.bigquery.LoadFromGcs
    projectId: {PROJECT}
    from:
      - gs://bucket/rows.json
    destinationTable: "{dataset}.rows"
    format: JSON
    autodetect: true
"""
    final, runs = run_flow(runtime, flow)
    assert final.state is State.SUCCESS, logs_of(runtime, final)
    assert runs["load"].outputs["rows"] == 2
    load = bigquery.jobs_sent()[-1]["configuration"]["load"]
    assert load["sourceUris"] == ["gs://bucket/rows.json"]
    assert load["sourceFormat"] == "NEWLINE_DELIMITED_JSON" and load["autodetect"] is True
    assert bigquery.sql(f'SELECT a, b FROM "{dataset}"."rows" ORDER BY a') == [(1, "x"), (2, "y")]


def test_bad_sql_fails_with_bigquerys_message(runtime, bigquery):
    flow = f"""
id: bq_bad
namespace: company.team
tasks:
  - id: bad
    type: io.kestra.plugin.gcp.bigquery.Query
    projectId: {PROJECT}
    sql: SELEC 1
"""
    final, runs = run_flow(runtime, flow)
    assert final.state is State.FAILED
    logs = logs_of(runtime, final)
    assert "BigQuery failed (400)" in logs and "SELEC" in logs
    assert "Traceback" not in logs


def test_an_existing_dataset_is_an_error_by_default(runtime, bigquery, dataset):
    flow = f"""
id: bq_exists
namespace: company.team
tasks:
  - id: create
    type: io.kestra.plugin.gcp.bigquery.CreateDataset
    projectId: {PROJECT}
    name: {dataset}
"""
    final, _ = run_flow(runtime, flow)
    assert final.state is State.FAILED
    assert "Already Exists" in logs_of(runtime, final)


def test_a_bad_service_account_is_named_and_a_key_is_masked(runtime, bigquery):
    flow = f"""
id: bq_key
namespace: company.team
tasks:
  - id: not_json
    type: io.kestra.plugin.gcp.bigquery.Query
    projectId: {PROJECT}
    serviceAccount: "not a key"
    sql: SELECT 1
"""
    final, _ = run_flow(runtime, flow)
    assert final.state is State.FAILED
    assert "`serviceAccount` is not a service-account key" in logs_of(runtime, final)


def test_a_retryable_failure_runs_the_job_again(runtime, bigquery):
    bigquery.fail_next_job("backendError", "Backend error, try again")
    flow = f"""
id: bq_retry
namespace: company.team
tasks:
  - id: query
    type: io.kestra.plugin.gcp.bigquery.Query
    projectId: {PROJECT}
    fetchOne: true
    sql: SELECT 1 AS one
    retryAuto:
      type: constant
      interval: PT0.1S
      maxAttempts: 3
"""
    final, runs = run_flow(runtime, flow)
    assert final.state is State.SUCCESS, logs_of(runtime, final)
    assert runs["query"].outputs["row"] == {"one": 1}
    assert len(bigquery.jobs_sent()) == 2


def test_a_failure_of_another_reason_is_not_retried(runtime, bigquery):
    bigquery.fail_next_job("accessDenied", "Access Denied: Project podium-test")
    flow = f"""
id: bq_denied
namespace: company.team
tasks:
  - id: query
    type: io.kestra.plugin.gcp.bigquery.Query
    projectId: {PROJECT}
    sql: SELECT 1
"""
    final, _ = run_flow(runtime, flow)
    assert final.state is State.FAILED
    assert "Access Denied" in logs_of(runtime, final)
    assert len(bigquery.jobs_sent()) == 1


def test_dispositions_dry_run_update_and_empty_files(runtime, bigquery, dataset):
    flow = f"""
id: bq_options
namespace: company.team
inputs:
  - id: empty
    type: FILE
tasks:
  - id: dry
    type: io.kestra.plugin.gcp.bigquery.Query
    sql: SELECT 1
    dryRun: true
    fetchType: FETCH
  - id: update
    type: io.kestra.plugin.gcp.bigquery.CreateDataset
    name: {dataset}
    friendlyName: Renamed
    ifExists: UPDATE
  - id: empty_ok
    type: io.kestra.plugin.gcp.bigquery.Load
    from: "{{{{ inputs.empty }}}}"
    destinationTable: {dataset}.nothing
    format: CSV
    failedOnEmpty: false
  - id: never
    type: io.kestra.plugin.gcp.bigquery.Query
    sql: SELECT 1 AS x
    destinationTable: {dataset}.missing
    createDisposition: CREATE_NEVER
pluginDefaults:
  - type: io.kestra.plugin.gcp.bigquery
    values:
      projectId: {PROJECT}
"""
    final, runs = run_flow(runtime, flow, {"empty": Upload("empty.csv", data=b"")})
    assert final.state is State.FAILED
    assert "rows" not in runs["dry"].outputs and runs["dry"].outputs["jobId"]
    assert bigquery.jobs_sent()[0]["configuration"]["dryRun"] is True
    assert runs["update"].outputs["friendlyName"] == "Renamed"
    assert bigquery.state.datasets[dataset]["friendlyName"] == "Renamed"
    assert runs["empty_ok"].outputs == {"rows": 0}
    assert "Not found: Table" in logs_of(runtime, final)
    assert runs["never"].state is State.FAILED


def test_kestras_examples_run_as_written(runtime, bigquery, monkeypatch):
    """Kestra's @Example flows whose SQL DuckDB runs, unchanged (the project from
    GOOGLE_CLOUD_PROJECT, as with an emulator)."""
    from podium_gcp.bigquery.datasets import CreateDataset, DeleteDataset
    from podium_gcp.bigquery.query import Query

    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", PROJECT)
    final, runs = run_flow(runtime, Query.EXAMPLES[1].code)
    assert final.state is State.SUCCESS, logs_of(runtime, final)
    assert runs["fetch"].outputs["rows"] == [{"id": 1, "name": "John"},
                                             {"id": 2, "name": "Doe"}]
    assert "id : 2, name: Doe" in runs["use_fetched_data"].outputs["value"]

    final, runs = run_flow(runtime, CreateDataset.EXAMPLES[0].code)
    assert final.state is State.SUCCESS, logs_of(runtime, final)
    assert runs["create_dataset"].outputs["location"] == "EU"
    bigquery.sql('CREATE SCHEMA "my-dataset"')
    bigquery.state.datasets["my-dataset"] = {"datasetReference": {"projectId": PROJECT,
                                                                  "datasetId": "my-dataset"}}
    final, runs = run_flow(runtime, DeleteDataset.EXAMPLES[0].code)
    assert final.state is State.SUCCESS, logs_of(runtime, final)
    assert "my-dataset" not in bigquery.state.datasets
    del bigquery.state.datasets["my_dataset"]
    bigquery.sql('DROP SCHEMA "my_dataset"')


def test_types_as_kestra_outputs_them(runtime, bigquery):
    # DuckDB's literals for what BigQuery writes ARRAY[...] and STRUCT(...): the server
    # returns BigQuery's REPEATED and RECORD fields.
    flow = f"""
id: bq_types
namespace: company.team
tasks:
  - id: fetch
    type: io.kestra.plugin.gcp.bigquery.Query
    projectId: {PROJECT}
    fetchType: FETCH_ONE
    sql: >
      SELECT [1, 2, 3] AS arr, {{'x': 4, 'z': [1, 2]}} AS rec, CAST(1.5 AS FLOAT64) AS f,
      CAST(2.25 AS NUMERIC) AS num, true AS ok, CAST('ab' AS BYTES) AS raw,
      DATETIME("2008-12-25 15:30:00.123456") AS dt, TIME '15:30:00' AS t, NULL AS nothing
  - id: store
    type: io.kestra.plugin.gcp.bigquery.Query
    projectId: {PROJECT}
    fetchType: STORE
    sql: SELECT DATE("2008-12-25") AS d, TIMESTAMP("2008-12-25 15:30:00") AS ts
"""
    final, runs = run_flow(runtime, flow)
    assert final.state is State.SUCCESS, logs_of(runtime, final)
    assert runs["fetch"].outputs["row"] == {
        "arr": [1, 2, 3], "rec": {"x": 4, "z": [1, 2]}, "f": 1.5, "num": 2.25, "ok": True,
        "raw": "YWI=", "dt": "2008-12-25T15:30:00.123456Z", "t": "15:30:00", "nothing": None}
    with runtime.storage.get(runs["store"].outputs["uri"]) as stream:
        text = stream.read().decode()
    assert text == "{d:\"2008-12-25\",ts:2008-12-25T15:30:00.000Z}\n"
