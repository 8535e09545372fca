"""io.kestra.plugin.core.storage.{DeduplicateItems, FilterItems}: ION files of one item
(a struct) per line, as Kestra's tasks write them, read line by line.

Each item's fields are variables of the expression (`expr`, `filterCondition`), on top of
the task's context, as Kestra renders them. Items are written back as their original
lines, each followed by a newline; blank lines are skipped. Outputs: `uri`,
`processedItemsTotal`, `droppedItemsTotal`, and `numKeys` for DeduplicateItems.

DeduplicateItems keeps the LAST item of each key, where it stands (Kestra: a first pass
records the line of each key's last item, a second writes only those). Its memory grows
with the number of distinct keys, not with the file.

FilterItems applies `errorOrNullBehavior` to items whose condition fails to render (an
undefined field...). A condition rendering to "", "0", "-0" or "false" is false (Kestra's
TruthUtils); a null value renders to "" and so is false, as in Kestra.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from podium.common.errors import TemplateError
from podium.common.plugins.tasks.storage import DeduplicateItems, FilterItems
from podium.common.templating.library.ion import from_ion
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import TaskFailure, runs
from podium.worker.runnables.line_files import byte_lines
from podium.worker.runnables.storage_tasks import checked, storage_uri

_FALSE = frozenset({"false", "0", "-0", ""})


def _items(ctx: RunContext, uri: str) -> Iterator[tuple[int, bytes, dict[str, Any]]]:
    """(line number, line, item) of each non-blank line of an ION file."""
    with ctx.open_file(uri) as stream:
        for number, line in enumerate(checked(byte_lines(stream), ctx), 1):
            if line.strip():
                yield number, line, _item(line, number)


def _item(line: bytes, number: int) -> dict[str, Any]:
    try:
        item = from_ion(line.decode("utf-8", errors="replace"))
    except TemplateError as exc:
        raise TaskFailure(f"Invalid ION item at line {number}: {exc.message}") from None
    if not isinstance(item, dict):
        raise TaskFailure(f"The item at line {number} is not an ION struct: {_short(line)}")
    return item


def _short(line: bytes, limit: int = 80) -> str:
    text = line.decode("utf-8", errors="replace")
    return text if len(text) <= limit else text[:limit] + "..."


@runs(DeduplicateItems)
def run_deduplicate_items(task: DeduplicateItems, ctx: RunContext) -> dict[str, Any]:
    uri = storage_uri(ctx, task.from_, "from")
    last: dict[str, int] = {}
    for number, _, item in _items(ctx, uri):
        last[ctx.render(task.expr, item)] = number
    processed = dropped = 0
    path = ctx.working_dir / "deduplicated.ion"
    with open(path, "wb") as out:
        for number, line, item in _items(ctx, uri):
            processed += 1
            if last.get(ctx.render(task.expr, item)) == number:
                out.write(line + b"\n")
            else:
                dropped += 1
    return {"uri": ctx.put_file(path, "deduplicated.ion"), "numKeys": len(last),
            "processedItemsTotal": processed, "droppedItemsTotal": dropped}


def _keeps(task: FilterItems, ctx: RunContext, item: dict[str, Any]) -> bool:
    try:
        match = ctx.render(task.filter_condition, item).strip() not in _FALSE
    except TemplateError:
        if task.error_or_null_behavior == "FAIL":
            raise
        return task.error_or_null_behavior == "INCLUDE"
    return match == (task.filter_type == "INCLUDE")


@runs(FilterItems)
def run_filter_items(task: FilterItems, ctx: RunContext) -> dict[str, Any]:
    uri = storage_uri(ctx, task.from_, "from")
    processed = dropped = 0
    path = ctx.working_dir / "filtered.ion"
    with open(path, "wb") as out:
        for _, line, item in _items(ctx, uri):
            processed += 1
            if _keeps(task, ctx, item):
                out.write(line + b"\n")
            else:
                dropped += 1
    return {"uri": ctx.put_file(path, "filtered.ion"), "processedItemsTotal": processed,
            "droppedItemsTotal": dropped}
