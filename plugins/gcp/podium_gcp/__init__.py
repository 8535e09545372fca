"""Podium's Google Cloud plugin: Kestra's `io.kestra.plugin.gcp.gcs` and
`io.kestra.plugin.gcp.bigquery` types, through Google's client libraries. The connection
properties every type shares are in podium_gcp/connection.py."""

from podium.sdk import Plugin
from podium_gcp.bigquery import TASKS as BIGQUERY_TASKS
from podium_gcp.bigquery import TRIGGERS as BIGQUERY_TRIGGERS
from podium_gcp.gcs import TASKS as GCS_TASKS
from podium_gcp.gcs import TRIGGERS as GCS_TRIGGERS

plugin = Plugin(
    name="gcp",
    title="Google Cloud",
    description="Google Cloud Storage (upload, download, list, copy, delete objects, create "
                "buckets, a trigger polling a bucket) and BigQuery (queries, loads, tables, a "
                "trigger polling a query).",
    tasks=(*GCS_TASKS, *BIGQUERY_TASKS),
    triggers=(*GCS_TRIGGERS, *BIGQUERY_TRIGGERS),
)
