"""Kestra's `io.kestra.plugin.gcp.bigquery` types, in the order the plugin registers them."""

from podium.sdk import Task, Trigger
from podium_gcp.bigquery.datasets import CreateDataset, DeleteDataset
from podium_gcp.bigquery.load import Load, LoadFromGcs
from podium_gcp.bigquery.query import Query
from podium_gcp.bigquery.tables import CreateTable, DeleteTable
from podium_gcp.bigquery.trigger import Trigger as QueryTrigger

TASKS: tuple[type[Task], ...] = (Query, Load, LoadFromGcs, CreateDataset, DeleteDataset,
                                 CreateTable, DeleteTable)
TRIGGERS: tuple[type[Trigger], ...] = (QueryTrigger,)
