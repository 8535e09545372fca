"""The Data Engineering Zoomcamp's GCP flows (tests/realworld/flows/zoomcamp/06-09, copied
verbatim), run whole on the embedded runtime against gcp-storage-emulator (Cloud Storage)
and the local BigQuery server (bigquery_server.py), with two substitutions only:

- the taxi flows' download URL prefix
  (`https://github.com/DataTalksClub/nyc-tlc-data/releases/download/`) becomes a loopback
  HTTP server holding generated month files of the real layout (as
  tests/integration/test_zoomcamp_postgres_taxi.py does), so `wget ... | gunzip` runs as
  written;
- nothing else in the flows: `06_gcp_kv.yaml` stores the KV pairs the others read (bucket
  `your-name-kestra`, dataset `zoomcamp`...), the pluginDefaults give
  `serviceAccount: "{{secret('GCP_CREDS')}}"` and the rest to every gcp type. GCP_CREDS is
  a well-formed service-account key of a fresh RSA key whose token_uri is the local
  BigQuery server's; the worker reaches the GCS emulator through STORAGE_EMULATOR_HOST
  (no credentials checked) and the BigQuery server through BIGQUERY_EMULATOR_HOST.

The BigQuery server reads the external table's `gs://` URI from the GCS emulator, so the
rows MERGEd into `<taxi>_tripdata` are those of the CSV the flow uploaded. The uploaded
object is also listed and downloaded back (through gcs.List and gcs.Download in a flow,
and with Google's client), byte for byte the CSV the flow extracted. `without_bigquery`
(the flows less their BigQuery tasks) runs the GCS part alone, without the BigQuery server.
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.runtime import Runtime
from tests.integration.test_zoomcamp_postgres_taxi import DOWNLOAD, _Quiet, write_month
from tests.plugins.gcp.bigquery_server import BigQueryServer
from tests.plugins.gcp.test_gcs_errors import service_account_key
from tests.plugins.gcp.test_gcs_flows import logs_of, read_uri, run_flow

pytestmark = pytest.mark.service

FLOWS = Path(__file__).parents[2] / "realworld/flows/zoomcamp"
BUCKET = "your-name-kestra"  # 06_gcp_kv's GCP_BUCKET_NAME
BIGQUERY = "io.kestra.plugin.gcp.bigquery."


def without_bigquery(name: str, base_url: str | None = None) -> tuple[str, list[str]]:
    """The Zoomcamp flow `name` less its BigQuery tasks (and the `If`s they leave empty),
    its download URL on `base_url`; with the ids of the tasks removed."""
    source = (FLOWS / name).read_text(encoding="utf-8")
    if base_url is not None:
        assert source.count(DOWNLOAD) == 1
        source = source.replace(DOWNLOAD, base_url)
    flow = yaml.safe_load(source)
    removed: list[str] = []

    def keep(tasks: list[dict]) -> list[dict]:
        kept = []
        for task in tasks:
            if task["type"].startswith(BIGQUERY):
                removed.append(task["id"])
                continue
            if "then" in task:
                task["then"] = keep(task["then"])
                if not task["then"]:
                    removed.append(task["id"])
                    continue
            kept.append(task)
        return kept

    flow["tasks"] = keep(flow["tasks"])
    return yaml.safe_dump(flow, sort_keys=False, allow_unicode=True), removed


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server holding the month files; its base URL and folder."""
    root = tmp_path_factory.mktemp("nyc-tlc-data")
    write_month(root, "green", 2019, 1)  # 08_gcp_taxi's default inputs
    write_month(root, "yellow", 2019, 2)  # 09's yellow_schedule on 2019-02-01
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", root
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture
def zoomcamp(tmp_path, gcs_emulator) -> Iterator[Runtime]:
    """An embedded runtime with the GCP_CREDS secret, and 06_gcp_kv's KV pairs set."""
    creds = base64.b64encode(json.dumps(service_account_key()).encode()).decode()
    rt = Runtime.embedded(tmp_path / "data", workers=2,
                          environ={"SECRET_GCP_CREDS": creds, "PODIUM_WORKER__SANDBOX": "none"})
    try:
        final, _ = run_flow(rt, (FLOWS / "06_gcp_kv.yaml").read_text(encoding="utf-8"))
        assert final.state is State.SUCCESS, logs_of(rt, final)
        yield rt
    finally:
        rt.close()


@pytest.fixture
def with_bigquery(tmp_path, gcs_emulator, gcs, bigquery: BigQueryServer) -> Iterator[Runtime]:
    """The same, with the key's token_uri the BigQuery server's, and that server reading
    gs:// URIs from the GCS emulator; the `zoomcamp` dataset dropped afterwards (the
    server is the session's)."""
    key = {**service_account_key(), "token_uri": f"{bigquery.url}/token"}
    creds = base64.b64encode(json.dumps(key).encode()).decode()

    def read_gcs(uri: str) -> bytes:
        bucket, _, name = uri.removeprefix("gs://").partition("/")
        return gcs.bucket(bucket).blob(name).download_as_bytes()

    bigquery.set_gcs_reader(read_gcs)
    rt = Runtime.embedded(tmp_path / "data", workers=2,
                          environ={"SECRET_GCP_CREDS": creds, "PODIUM_WORKER__SANDBOX": "none"})
    try:
        final, _ = run_flow(rt, (FLOWS / "06_gcp_kv.yaml").read_text(encoding="utf-8"))
        assert final.state is State.SUCCESS, logs_of(rt, final)
        yield rt
    finally:
        rt.close()
        bigquery.state.gcs_reader = None
        if "zoomcamp" in bigquery.state.datasets:
            bigquery.sql('DROP SCHEMA "zoomcamp" CASCADE')
            del bigquery.state.datasets["zoomcamp"]
            for table in [k for k in bigquery.state.tables if k[0] == "zoomcamp"]:
                del bigquery.state.tables[table]


def served_csv(root: Path, taxi: str, month: str) -> bytes:
    return gzip.decompress((root / taxi / f"{taxi}_tripdata_{month}.csv.gz").read_bytes())


def download_back(runtime: Runtime, name: str) -> bytes:
    """The object, listed and downloaded through Podium's gcs tasks."""
    final, runs = run_flow(runtime, f"""
id: check_upload
namespace: zoomcamp
tasks:
  - id: list
    type: io.kestra.plugin.gcp.gcs.List
    from: "gs://{{{{ kv('GCP_BUCKET_NAME') }}}}/"
    regExp: ".*/{name}"
  - id: download
    type: io.kestra.plugin.gcp.gcs.Download
    from: "{{{{ outputs.list.blobs[0].uri }}}}"
    validateChecksum: true
""")
    assert final.state is State.SUCCESS, logs_of(runtime, final)
    [blob] = runs["list"].outputs["blobs"]
    assert blob["name"] == name and blob["bucket"] == BUCKET
    return read_uri(runtime, runs["download"].outputs["uri"])


def test_setup_creates_the_bucket_once(zoomcamp, gcs):
    source, removed = without_bigquery("07_gcp_setup.yaml")
    assert removed == ["create_bq_dataset"]
    for _ in range(2):  # ifExists: SKIP, so a second run passes too
        final, runs = run_flow(zoomcamp, source)
        assert final.state is State.SUCCESS, logs_of(zoomcamp, final)
        assert runs["create_gcs_bucket"].outputs["bucket"]["name"] == BUCKET
    assert gcs.lookup_bucket(BUCKET) is not None


def test_taxi_flow_uploads_the_month_csv(zoomcamp, gcs, release):
    base_url, root = release
    run_flow(zoomcamp, without_bigquery("07_gcp_setup.yaml")[0])
    source, removed = without_bigquery("08_gcp_taxi.yaml", base_url)
    assert set(removed) == {
        "bq_yellow_tripdata", "bq_yellow_table_ext", "bq_yellow_table_tmp", "bq_yellow_merge",
        "if_yellow_taxi", "bq_green_tripdata", "bq_green_table_ext", "bq_green_table_tmp",
        "bq_green_merge", "if_green_taxi"}
    final, runs = run_flow(zoomcamp, source, timeout=120)  # the inputs' defaults: green 2019-01
    assert final.state is State.SUCCESS, logs_of(zoomcamp, final)
    name = "green_tripdata_2019-01.csv"
    assert runs["upload_to_gcs"].outputs["uri"] == f"gs://{BUCKET}/{name}"

    expected = served_csv(root, "green", "2019-01")
    assert gcs.bucket(BUCKET).blob(name).download_as_bytes() == expected
    assert download_back(zoomcamp, name) == expected


def test_scheduled_flow_uploads_the_month_of_its_trigger_date(zoomcamp, gcs, release):
    base_url, root = release
    run_flow(zoomcamp, without_bigquery("07_gcp_setup.yaml")[0])
    source, _ = without_bigquery("09_gcp_taxi_scheduled.yaml", base_url)
    zoomcamp.deploy(parse_flow(source))
    # What the yellow_schedule trigger (cron "0 10 1 * *") starts on 2019-02-01.
    trigger = {"id": "yellow_schedule", "type": "io.kestra.plugin.core.trigger.Schedule",
               "variables": {"date": "2019-02-01T10:00:00Z", "next": "2019-03-01T10:00:00Z",
                             "previous": "2019-01-01T10:00:00Z"}}
    execution = zoomcamp.submit("zoomcamp", "09_gcp_taxi_scheduled", {"taxi": "yellow"},
                                trigger=trigger)
    final = zoomcamp.wait(execution.id, timeout=120)
    assert final.state is State.SUCCESS, logs_of(zoomcamp, final)
    name = "yellow_tripdata_2019-02.csv"
    expected = served_csv(root, "yellow", "2019-02")
    assert gcs.bucket(BUCKET).blob(name).download_as_bytes() == expected
    assert download_back(zoomcamp, name) == expected


def zoomcamp_flow(name: str, base_url: str | None = None) -> str:
    """The Zoomcamp flow `name` as written, its download URL on `base_url`."""
    source = (FLOWS / name).read_text(encoding="utf-8")
    if base_url is not None:
        assert source.count(DOWNLOAD) == 1
        source = source.replace(DOWNLOAD, base_url)
    return source


def table_rows(bigquery: BigQueryServer, taxi: str) -> tuple[int, int, set[str]]:
    """(rows, distinct unique_row_id, filenames) of the month-independent table."""
    [(count, distinct)] = bigquery.sql(
        f'SELECT count(*), count(DISTINCT unique_row_id) FROM "zoomcamp"."{taxi}_tripdata"')
    names = {r[0] for r in bigquery.sql(f'SELECT DISTINCT filename FROM "zoomcamp"."{taxi}_tripdata"')}
    return count, distinct, names


def test_whole_flows_with_bigquery(with_bigquery, gcs, bigquery, release):
    base_url, root = release
    for _ in range(2):  # ifExists: SKIP for the bucket and the dataset
        final, runs = run_flow(with_bigquery, zoomcamp_flow("07_gcp_setup.yaml"))
        assert final.state is State.SUCCESS, logs_of(with_bigquery, final)
    assert runs["create_bq_dataset"].outputs["dataset"] == "zoomcamp"
    assert gcs.lookup_bucket(BUCKET) is not None

    taxi = zoomcamp_flow("08_gcp_taxi.yaml", base_url)
    rows = len(served_csv(root, "green", "2019-01").splitlines()) - 1
    for _ in range(2):  # the inputs' defaults: green 2019-01; the second run adds nothing
        final, runs = run_flow(with_bigquery, taxi, timeout=180)
        assert final.state is State.SUCCESS, logs_of(with_bigquery, final)
        assert {"upload_to_gcs", "bq_green_table_ext", "bq_green_merge"} <= set(runs)
        assert table_rows(bigquery, "green") == (rows, rows, {"green_tripdata_2019-01.csv"})
    name = "green_tripdata_2019-01.csv"
    assert download_back(with_bigquery, name) == served_csv(root, "green", "2019-01")

    with_bigquery.deploy(parse_flow(zoomcamp_flow("09_gcp_taxi_scheduled.yaml", base_url)))
    trigger = {"id": "yellow_schedule", "type": "io.kestra.plugin.core.trigger.Schedule",
               "variables": {"date": "2019-02-01T10:00:00Z", "next": "2019-03-01T10:00:00Z",
                             "previous": "2019-01-01T10:00:00Z"}}
    execution = with_bigquery.submit("zoomcamp", "09_gcp_taxi_scheduled", {"taxi": "yellow"},
                                     trigger=trigger)
    final = with_bigquery.wait(execution.id, timeout=180)
    assert final.state is State.SUCCESS, logs_of(with_bigquery, final)
    expected = served_csv(root, "yellow", "2019-02")
    rows = len(expected.splitlines()) - 1
    assert table_rows(bigquery, "yellow") == (rows, rows, {"yellow_tripdata_2019-02.csv"})
    assert download_back(with_bigquery, "yellow_tripdata_2019-02.csv") == expected
