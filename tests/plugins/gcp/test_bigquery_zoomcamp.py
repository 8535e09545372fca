"""The DataTalksClub Zoomcamp's BigQuery flows (module 2: 07_gcp_setup, 08_gcp_taxi), as
written, on the embedded runtime against the local BigQuery server: the dataset is made,
the CSV becomes an external table, a table with hashed row ids, and is MERGEd into the
month-independent table; a second run of the same month adds nothing. Their service
account is a real key (its token_uri is the local server's) read from `secret('GCP_CREDS')`.

The flows run here without their GCS tasks (CreateBucket, Upload) and without `extract`
(wget from GitHub): the CSV is the server's GCS object, so that the BigQuery part is tested
alone. test_zoomcamp_gcp.py runs them whole, with the GCS emulator."""

from __future__ import annotations

import base64

import pytest
import yaml

from podium.common.flow.loader import parse_flow
from podium.common.kv import KVStore, KVType, KVValue
from podium.common.models.state import State
from podium.runtime import Runtime
from tests.plugins.gcp.conftest import PROJECT
from tests.plugins.gcp.test_bigquery_credentials import service_account_key
from tests.plugins.gcp.test_examples import ZOOMCAMP, _without_gcs

BUCKET = "zoomcamp-bucket"
CSV = (b"VendorID,lpep_pickup_datetime,lpep_dropoff_datetime,store_and_fwd_flag,RatecodeID,"
       b"PULocationID,DOLocationID,passenger_count,trip_distance,fare_amount,extra,mta_tax,"
       b"tip_amount,tolls_amount,ehail_fee,improvement_surcharge,total_amount,payment_type,"
       b"trip_type,congestion_surcharge\n"
       b"2,2019-01-01 00:10:16,2019-01-01 00:16:32,N,1,97,49,2,.86,6,0.5,0.5,0,0,,0.3,7.3,2,1,0\n"
       b"2,2019-01-01 00:27:11,2019-01-01 00:31:38,N,1,49,189,2,.66,4.5,0.5,0.5,0,0,,0.3,5.8,1,"
       b"1,0\n")


def zoomcamp_flow(name: str) -> str:
    flow = yaml.safe_load((ZOOMCAMP / name).read_text())
    flow["tasks"] = _without_gcs(flow["tasks"])
    flow["tasks"] = [t for t in flow["tasks"] if t["id"] != "extract"]  # wget from GitHub
    return yaml.safe_dump(flow, sort_keys=False)


@pytest.fixture
def zoomcamp(tmp_path, bigquery):
    key = service_account_key(bigquery.url + "/token")
    rt = Runtime.embedded(tmp_path / "data", workers=2, environ={
        "SECRET_GCP_CREDS": base64.b64encode(key.encode()).decode()})
    kv = KVStore(rt.db)
    for name, value in (("GCP_PROJECT_ID", PROJECT), ("GCP_DATASET", "zoomcamp"),
                        ("GCP_BUCKET_NAME", BUCKET), ("GCP_LOCATION", "EU")):
        kv.put("zoomcamp", name, KVValue(KVType.STRING, value))
    bigquery.gcs_objects[f"gs://{BUCKET}/green_tripdata_2019-01.csv"] = CSV
    yield rt
    rt.close()
    if "zoomcamp" in bigquery.state.datasets:  # the session's server: leave it clean
        bigquery.sql('DROP SCHEMA "zoomcamp" CASCADE')
        del bigquery.state.datasets["zoomcamp"]
        for table in [k for k in bigquery.state.tables if k[0] == "zoomcamp"]:
            del bigquery.state.tables[table]


def run(rt, source: str, inputs: dict | None = None):
    loaded = parse_flow(source)
    rt.deploy(loaded)
    execution = rt.submit(loaded.flow.namespace, loaded.flow.id, inputs or {})
    final = rt.wait(execution.id, timeout=90)
    logs = [entry.message for entry in rt.logs(execution.id)]
    assert final.state is State.SUCCESS, logs
    return {run.task_id: run for run in rt.task_runs(execution.id)}


def test_gcp_setup_then_gcp_taxi_twice(zoomcamp, bigquery):
    setup = run(zoomcamp, zoomcamp_flow("07_gcp_setup.yaml"))
    assert setup["create_bq_dataset"].outputs["dataset"] == "zoomcamp"
    assert setup["create_bq_dataset"].outputs["location"] == "EU"
    run(zoomcamp, zoomcamp_flow("07_gcp_setup.yaml"))  # ifExists: SKIP

    taxi = zoomcamp_flow("08_gcp_taxi.yaml")
    runs = run(zoomcamp, taxi, {"taxi": "green", "year": "2019", "month": "01"})
    assert {"bq_green_tripdata", "bq_green_table_ext", "bq_green_table_tmp",
            "bq_green_merge"} <= set(runs)
    assert "bq_yellow_tripdata" not in runs
    rows = bigquery.sql('SELECT filename, "VendorID", total_amount FROM '
                        '"zoomcamp"."green_tripdata" ORDER BY lpep_pickup_datetime')
    assert [(r[0], r[1], float(r[2])) for r in rows] == [
        ("green_tripdata_2019-01.csv", "2", 7.3), ("green_tripdata_2019-01.csv", "2", 5.8)]
    run(zoomcamp, taxi, {"taxi": "green", "year": "2019", "month": "01"})
    assert bigquery.sql('SELECT count(*) FROM "zoomcamp"."green_tripdata"') == [(2,)]

    # The MERGE went as written, with the flow's labels, through the key's bearer token.
    merges = [r for r in bigquery.requests if r.path.endswith(f"/projects/{PROJECT}/jobs")
              and "MERGE INTO" in str(r.body)]
    assert len(merges) == 2
    assert merges[0].headers["authorization"] == "Bearer local-token"
    assert merges[0].body["configuration"]["labels"]["kestra_flow_id"] == "08_gcp_taxi"
    assert merges[0].body["jobReference"]["location"] == "EU"
