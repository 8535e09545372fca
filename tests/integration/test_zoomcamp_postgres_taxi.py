"""Issue 16's acceptance: the Data Engineering Zoomcamp's `04_postgres_taxi.yaml`
(tests/realworld/flows/zoomcamp/, verbatim) loads NYC taxi CSVs into PostgreSQL, in the
embedded runtime and through real executor and worker processes; its scheduled variant
`05_postgres_taxi_scheduled.yaml` loads the month of its Schedule trigger's date.

Each flow is run with exactly two textual substitutions (`local_flow`), nothing else:

1. its download URL prefix `https://github.com/DataTalksClub/nyc-tlc-data/releases/download/`
   becomes a local HTTP server on loopback serving the same `<taxi>/<file>.csv.gz` paths, so
   the flow's own `wget -qO- ... | gunzip > ...` command runs unchanged;
2. its pluginDefaults connection (`jdbc:postgresql://pgdatabase:5432/ny_taxi`, user and
   password `root`) becomes a throwaway database of the local PostgreSQL server.

The served files are generated here, deterministically: a few thousand rows in the column
layout of the real 2019 yellow and 2020 green trip files. A first run must leave every row
merged; a second run of the same month merges nothing new.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gzip
import io
import random
import secrets
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.store.database import normalize_url
from podium.runtime import Runtime
from tests.integration.conftest import POSTGRES_URL, finish, start_runtime, stop_runtime

pytestmark = pytest.mark.service

FLOWS = Path(__file__).parents[1] / "realworld/flows/zoomcamp"
DOWNLOAD = "https://github.com/DataTalksClub/nyc-tlc-data/releases/download/"
CONNECTION = """\
      url: jdbc:postgresql://pgdatabase:5432/ny_taxi
      username: root
      password: root
"""

YELLOW = ["VendorID", "tpep_pickup_datetime", "tpep_dropoff_datetime", "passenger_count",
          "trip_distance", "RatecodeID", "store_and_fwd_flag", "PULocationID", "DOLocationID",
          "payment_type", "fare_amount", "extra", "mta_tax", "tip_amount", "tolls_amount",
          "improvement_surcharge", "total_amount", "congestion_surcharge"]
GREEN = ["VendorID", "lpep_pickup_datetime", "lpep_dropoff_datetime", "store_and_fwd_flag",
         "RatecodeID", "PULocationID", "DOLocationID", "passenger_count", "trip_distance",
         "fare_amount", "extra", "mta_tax", "tip_amount", "tolls_amount", "ehail_fee",
         "improvement_surcharge", "total_amount", "payment_type", "trip_type",
         "congestion_surcharge"]
ROWS = {"yellow": 3000, "green": 1200}


# ---------------------------------------------------------------- the served files

def trips(taxi: str, month: datetime, count: int) -> list[dict[str, str]]:
    """`count` trips of one month; every pickup time differs, so every row's md5 key is
    unique and a first run merges them all."""
    rng = random.Random(f"{taxi}-{month:%Y-%m}")
    rows = []
    for n in range(count):
        pickup = month + timedelta(seconds=37 * n)
        fare = round(rng.uniform(2.5, 60), 2)
        tip = round(fare * rng.choice([0, 0, 0.1, 0.15, 0.2]), 2)
        row = {
            "VendorID": str(rng.choice([1, 2])),
            "passenger_count": str(rng.randint(1, 6)) if n % 50 else "",
            "trip_distance": f"{rng.uniform(0.1, 20):.2f}", "RatecodeID": "1",
            "store_and_fwd_flag": rng.choice("NNNNY"),
            "PULocationID": str(rng.randint(1, 265)), "DOLocationID": str(rng.randint(1, 265)),
            "payment_type": str(rng.choice([1, 1, 2, 3])), "fare_amount": str(fare),
            "extra": "0.5", "mta_tax": "0.5", "tip_amount": str(tip), "tolls_amount": "0",
            "improvement_surcharge": "0.3", "total_amount": f"{fare + tip + 1.3:.2f}",
            "congestion_surcharge": "2.5" if taxi == "green" else "",
            "ehail_fee": "", "trip_type": "1",
        }
        prefix = "tpep" if taxi == "yellow" else "lpep"
        row[f"{prefix}_pickup_datetime"] = f"{pickup:%Y-%m-%d %H:%M:%S}"
        row[f"{prefix}_dropoff_datetime"] = \
            f"{pickup + timedelta(minutes=rng.randint(2, 55)):%Y-%m-%d %H:%M:%S}"
        rows.append(row)
    return rows


def write_month(root: Path, taxi: str, year: int, month: int) -> list[dict[str, str]]:
    """`<root>/<taxi>/<taxi>_tripdata_<yyyy>-<mm>.csv.gz`, as the release assets are named."""
    rows = trips(taxi, datetime(year, month, 1), ROWS[taxi])
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=YELLOW if taxi == "yellow" else GREEN,
                            extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    folder = root / taxi
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{taxi}_tripdata_{year}-{month:02d}.csv.gz"
    path.write_bytes(gzip.compress(text.getvalue().encode(), mtime=0))
    return rows


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        pass


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Iterator[tuple[str, dict[str, list[dict[str, str]]]]]:
    """The base URL of a loopback HTTP server holding the month files, and their rows."""
    root = tmp_path_factory.mktemp("nyc-tlc-data")
    data = {"yellow": write_month(root, "yellow", 2019, 1),
            "green": write_month(root, "green", 2020, 3),
            "yellow-2019-02": write_month(root, "yellow", 2019, 2)}
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", data
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


# ---------------------------------------------------------------- the database

@contextlib.contextmanager
def taxi_database() -> Iterator[dict[str, object]]:
    """A throwaway database on the test PostgreSQL server: psycopg connection keywords."""
    server = make_url(normalize_url(POSTGRES_URL))
    params: dict[str, object] = {"host": server.host or "127.0.0.1", "port": server.port or 5432,
                                 "user": server.username or "postgres",
                                 "password": server.password}
    try:
        admin = psycopg.connect(**params, dbname=server.database or "postgres",
                                autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL unreachable at {server.host}:{server.port}: {exc}")
    name = f"ny_taxi_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**params, "dbname": name}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def local_flow(base_url: str, db: dict[str, object],
               name: str = "04_postgres_taxi.yaml") -> str:
    """A Zoomcamp flow with its two documented substitutions (module docstring)."""
    source = (FLOWS / name).read_text(encoding="utf-8")
    assert source.count(DOWNLOAD) == 1 and source.count(CONNECTION) == 1
    connection = (f"      url: jdbc:postgresql://{db['host']}:{db['port']}/{db['dbname']}\n"
                  f"      username: {db['user']}\n"
                  f"      password: {db['password'] or 'root'}\n")
    return source.replace(DOWNLOAD, base_url).replace(CONNECTION, connection)


def table_state(db: dict[str, object], taxi: str) -> tuple[int, int, float, set[str]]:
    """(rows, distinct unique_row_id, sum of total_amount, filenames) of the final table."""
    with psycopg.connect(**db) as conn:  # type: ignore[arg-type]
        count, distinct, total = conn.execute(
            f"SELECT count(*), count(DISTINCT unique_row_id), round(sum(total_amount)::numeric, 2)"
            f" FROM public.{taxi}_tripdata").fetchone()
        names = {r[0] for r in conn.execute(f"SELECT DISTINCT filename FROM public.{taxi}_tripdata")}
    return count, distinct, float(total), names


def expected_total(rows: list[dict[str, str]]) -> float:
    return round(sum(float(r["total_amount"]) for r in rows), 2)


# ---------------------------------------------------------------- the runs

def run_month(runtime: Runtime, inputs: dict[str, str], timeout: float = 120) -> None:
    execution = runtime.submit("zoomcamp", "04_postgres_taxi", inputs)
    done = finish(runtime, execution.id, timeout)
    failures = [f"{e.task_id}: {e.message}" for e in runtime.logs(done.id) if e.level == "ERROR"]
    assert done.state is State.SUCCESS, failures


def check_loads_and_reloads(runtime: Runtime, release, db) -> None:
    base_url, data = release
    runtime.deploy(parse_flow(local_flow(base_url, db)))
    months = {"yellow": {"taxi": "yellow", "year": "2019", "month": "01"},
              "green": {"taxi": "green", "year": "2020", "month": "03"}}
    run_month(runtime, {})  # the inputs' defaults: yellow, 2019, 01
    for taxi in ("yellow", "green"):
        if taxi == "green":
            run_month(runtime, months["green"])
        rows = data[taxi]
        file = f"{taxi}_tripdata_{months[taxi]['year']}-{months[taxi]['month']}.csv"
        assert table_state(db, taxi) == (len(rows), len(rows), expected_total(rows), {file})
    # The same months again: every row matches, the MERGE inserts nothing.
    before = {taxi: table_state(db, taxi) for taxi in months}
    run_month(runtime, months["yellow"])
    run_month(runtime, months["green"])
    assert {taxi: table_state(db, taxi) for taxi in months} == before


def test_zoomcamp_taxi_flow_embedded(release, tmp_path):
    with taxi_database() as db, Runtime.embedded(
            tmp_path / "data", workers=2,
            environ={"PODIUM_WORKER__SANDBOX": "none"}) as runtime:
        check_loads_and_reloads(runtime, release, db)


def test_zoomcamp_taxi_flow_distributed(release, deployment):
    with taxi_database() as db:
        runtime, _ = start_runtime(deployment, "zoomcamp")
        try:
            check_loads_and_reloads(runtime, release, db)
        finally:
            stop_runtime(deployment, runtime)


def test_zoomcamp_scheduled_flow_loads_the_month_of_its_trigger_date(release, tmp_path):
    base_url, data = release
    with taxi_database() as db, Runtime.embedded(
            tmp_path / "data", workers=2,
            environ={"PODIUM_WORKER__SANDBOX": "none"}) as runtime:
        runtime.deploy(parse_flow(local_flow(base_url, db, "05_postgres_taxi_scheduled.yaml")))
        # What the yellow_schedule trigger (cron "0 10 1 * *") starts on 2019-02-01.
        trigger = {"id": "yellow_schedule", "type": "io.kestra.plugin.core.trigger.Schedule",
                   "variables": {"date": "2019-02-01T10:00:00Z",
                                 "next": "2019-03-01T10:00:00Z",
                                 "previous": "2019-01-01T10:00:00Z"}}
        for _ in range(2):  # the second run merges nothing new
            execution = runtime.submit("zoomcamp", "05_postgres_taxi_scheduled",
                                       {"taxi": "yellow"}, trigger=trigger)
            done = finish(runtime, execution.id, 120)
            assert done.state is State.SUCCESS, [e.message for e in runtime.logs(done.id)
                                                 if e.level == "ERROR"]
            rows = data["yellow-2019-02"]
            assert table_state(db, "yellow") == (len(rows), len(rows), expected_total(rows),
                                                 {"yellow_tripdata_2019-02.csv"})
