"""The playbook results the kestra_logger callback wrote, merged over the commands.

The callback appends one JSON line per ansible-playbook run: `{"outputs": ..., "playbooks":
[...]}`. As Kestra merges its runs: with ALL, `outputs` is the list of every host result of
every run; with EXPLICIT, the map of declared values (a later run's value of a name wins);
`playbooks` is the list of every run's playbook.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read(path: Path, *, explicit: bool) -> dict[str, Any]:
    """`{"outputs": list | dict, "playbooks": list}` from the callback's file."""
    merged: dict[str, Any] = {"outputs": {} if explicit else [], "playbooks": []}
    if not path.is_file():
        return merged
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            run = json.loads(line)
        except ValueError:
            continue  # a run cut short while writing
        if not isinstance(run, dict):
            continue
        _merge(merged, run)
    return merged


def _merge(merged: dict[str, Any], run: dict[str, Any]) -> None:
    outputs = run.get("outputs")
    if isinstance(merged["outputs"], list) and isinstance(outputs, list):
        merged["outputs"].extend(item for item in outputs if isinstance(item, dict))
    elif isinstance(merged["outputs"], dict) and isinstance(outputs, dict):
        merged["outputs"].update(outputs)
    playbooks = run.get("playbooks")
    if isinstance(playbooks, list):
        merged["playbooks"].extend(playbooks)
