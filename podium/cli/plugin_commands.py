"""`podium plugins list`: every plugin type this installation (or, with --server, the
server) knows, with the plugin and distribution that provide it."""

from __future__ import annotations

import json

import click
from rich.console import Console

from podium.cli.backend import Backend
from podium.cli.backend_choice import backend_options

_CATEGORIES = {"tasks": "task", "triggers": "trigger", "conditions": "condition",
               "taskRunners": "task runner"}


@click.group("plugins")
def plugins() -> None:
    """Installed plugins and their types."""


@plugins.command("list")
@click.option("--output", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--plugin", "only", default=None, help="Only the types of this plugin (its name).")
@backend_options
def list_plugins(output: str, only: str | None, backend: Backend) -> None:
    """One line per type: its name, kind, plugin, distribution and version. Plugins that
    are installed but failed to load are listed after, with why."""
    found = [p for p in backend.plugins() if only is None or p["name"] == only]
    broken = backend.broken_plugins()
    if output == "json":
        click.echo(json.dumps({"plugins": found, "broken": broken}, indent=2))
        return
    rows = [(item["cls"] + (" (deprecated)" if item.get("deprecated") else ""), kind,
             plugin["name"], plugin["distribution"], plugin["version"])
            for plugin in found for key, kind in _CATEGORIES.items()
            for item in plugin.get(key, [])]
    # Plain aligned columns: a type name is copied whole into flows, and grep reads lines.
    header = ("TYPE", "KIND", "PLUGIN", "DISTRIBUTION", "VERSION")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    console = Console(highlight=False, stderr=False)
    count = sum(len(p.get(k, [])) for p in found for k in _CATEGORIES)
    console.print(f"{count} types in {len(found)} plugins")
    for item in broken:
        console.print(f"[red]plugin {item['name']} ({item['distribution']}) failed to load: "
                      f"{item['error']}[/]")
