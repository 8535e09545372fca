"""What loading the plugin registry costs a process that only validates flows.

The executor and the scheduler load every task class (pydantic models) to check flows, and
never run a task: the SDKs the plugin families talk to (boto3, google-cloud, duckdb,
openpyxl, httpx...) are imported by the code that runs a task, on a worker. A plugin
module that imports one of them at its top brings it into every service; this test loads
the registry and parses a flow naming several families' types in a fresh interpreter, then
looks at what that interpreter imported and how much memory it holds.

Measured on the 2-core CI machine (Python 3.11, every first-party plugin installed), VmRSS
after the registry loaded / after the flow parsed: 195 / 231 MB with those imports at the
top of the modules, 90 / 125 MB without them (the rest is pydantic, the core types, the
store and the validation schema built for the first flow).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# Imported at load time before, not any more: a plugin family's SDK, or a library only a
# running task needs (the store's driver, the HTTP client).
REMOVED = ("boto3", "botocore", "s3transfer", "google.cloud", "google.auth", "google.api_core",
           "google.protobuf", "grpc", "requests", "google_crc32c", "openpyxl", "fastavro",
           "pyarrow", "duckdb", "pymysql", "psycopg", "httpx", "httpcore")
# SDKs no plugin module imports at load time (the docker and kubernetes families speak
# HTTP themselves, ansible runs as a command): kept out as well.
NEVER = ("docker", "kubernetes", "openai", "anthropic", "ansible")

# Twice what was measured after the change, far below what one SDK brought back costs
# (google-cloud-bigquery alone ~60 MB, boto3 ~25 MB).
MAX_LOADED_MB = 130
MAX_PARSED_MB = 170

FLOW = """\
id: lazy_imports
namespace: company.team
tasks:
  - id: query
    type: io.kestra.plugin.gcp.bigquery.Query
    sql: SELECT 1
  - id: upload
    type: io.kestra.plugin.aws.s3.Upload
    bucket: my-bucket
    key: data.csv
    from: "{{ outputs.query.uri }}"
  - id: duck
    type: io.kestra.plugin.jdbc.duckdb.Query
    sql: SELECT 42
  - id: excel
    type: io.kestra.plugin.serdes.excel.IonToExcel
    from: "{{ outputs.query.uri }}"
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: done
"""

PROBE = textwrap.dedent("""
    import json, sys

    def rss_mb():
        with open("/proc/self/status") as status:
            line = next(l for l in status if l.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    start = rss_mb()
    from podium.common.plugins.registry import registry
    registry._ensure_loaded()
    loaded = rss_mb()
    from podium.common.flow.loader import parse_flow
    flow = parse_flow(sys.stdin.read())
    print(json.dumps({"start": start, "loaded": loaded, "parsed": rss_mb(),
                      "tasks": len(flow.flow.tasks), "modules": sorted(sys.modules)}))
""")


def probe() -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE], input=FLOW, capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def imported(modules: list[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


def test_loading_the_registry_and_parsing_a_flow_imports_no_sdk_and_stays_small():
    seen = probe()
    assert seen["tasks"] == 5
    heavy = [name for name in (*REMOVED, *NEVER) if imported(seen["modules"], name)]
    assert heavy == [], f"imported while only loading task classes: {heavy}"
    figures = f"VmRSS {seen['start']:.0f} MB at start, {seen['loaded']:.0f} MB after the " \
              f"registry loaded, {seen['parsed']:.0f} MB after the flow parsed"
    assert seen["loaded"] < MAX_LOADED_MB, figures
    assert seen["parsed"] < MAX_PARSED_MB, figures
