"""Kestra's `io.kestra.plugin.gcp.bigquery` types, in the order the plugin registers them."""

from podium.sdk import Task, Trigger

TASKS: tuple[type[Task], ...] = ()
TRIGGERS: tuple[type[Trigger], ...] = ()
