"""docs/architecture.md lists each API route with the function that handles it: the table
there is the one `python -m podium.api.route_table` generates from the app."""

from __future__ import annotations

from pathlib import Path

from podium.api import create_app
from podium.api.route_table import END, START, documented_table, replace_table, rows, table

DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def test_the_documented_table_is_the_apps(runtime):
    generated = table(create_app(runtime))
    assert documented_table(DOC.read_text()) == generated, (
        "docs/architecture.md's route table is out of date: run "
        "`python -m podium.api.route_table --write docs/architecture.md`")


def test_every_route_has_a_handler_in_api_and_operations_where_it_acts(runtime):
    found = rows(create_app(runtime))
    paths = {(row.methods, row.path) for row in found}
    assert ("DELETE", "/api/v1/executions/{execution_id}/kill") in paths
    assert len(paths) == len(found)  # one row per method and path
    kill = next(row for row in found if row.path.endswith("/kill"))
    assert kill.handler == "podium.api.executions:kill_execution"
    assert kill.operations == ("control.kill",)
    # Followed through the api helpers: the webhook reaches the burst through _buffer.
    webhook = next(row for row in found if row.path.startswith("/api/v1/executions/webhook")
                   and row.methods == "POST")
    assert "webhooks.join_burst" in webhook.operations


def test_replace_table_keeps_the_rest_of_the_document():
    document = f"intro\n{START}\nold\n{END}\noutro\n"
    assert replace_table(document, "new\n") == f"intro\n{START}\nnew\n{END}\noutro\n"
    assert documented_table(replace_table(document, "new\n")) == "new\n"
