"""The worker halves of ForEachItem (executor/engine/features/for_each_item.py): cutting
the items file into batches, and gathering the children's outputs.

Files are streamed: one line in memory at a time, batch files written in the attempt's
working directory then stored as outputs of the task run.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from podium.common.models.state import State
from podium.common.plugins.tasks.flow_subflows import ForEachItemMergeOutputs, ForEachItemSplit
from podium.common.templating.library.ion import to_ion
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import TaskFailure, runs
from podium.worker.runnables.line_files import (
    byte_lines,
    parse_size,
    positive_count,
    split_into_files,
)


@runs(ForEachItemSplit)
def run_split(task: ForEachItemSplit, ctx: RunContext) -> dict[str, Any]:
    uri = ctx.render(task.items).strip()
    if not uri.startswith("kestra://"):
        raise TaskFailure(f"Unable to split the items from {uri}, this is not an internal "
                          f"storage URI!")
    batch = task.batch
    extension = PurePosixPath(uri).suffix
    workdir = ctx.working_dir
    with ctx.open_file(uri) as stream:
        files = split_into_files(
            byte_lines(stream), workdir, extension, ctx.render(batch.separator),
            rows=positive_count(ctx, batch.rows, "batch.rows"),
            max_bytes=parse_size(ctx.render(batch.bytes)) if batch.bytes else None,
            partitions=positive_count(ctx, batch.partitions, "batch.partitions"))
    uris = [ctx.put_file(path, f"{index}{extension}") for index, path in enumerate(files, 1)]
    listing = workdir / "splits.txt"
    listing.write_text("\n".join(uris), encoding="utf-8")
    ctx.log("INFO", f"{len(uris)} batch(es) from {uri}")
    return {"splits": ctx.put_file(listing, "splits.txt"), "batches": len(uris),
            "extension": extension}


@runs(ForEachItemMergeOutputs)
def run_merge(task: ForEachItemMergeOutputs, ctx: RunContext) -> dict[str, Any] | None:
    """Every child's flow outputs, one ION line per batch in batch order (none: no
    output)."""
    from podium.common.store.executions import list_children
    if ctx.store is None:
        raise TaskFailure("merging subflow outputs needs the store")
    items_task = task.id[: -len("_merge")] + "_items"
    execution_id = (ctx.context.get("execution") or {}).get("id")
    with ctx.store.read() as conn:
        children = [child for child in list_children(conn, execution_id)
                    if (child.trigger or {}).get("id") == items_task
                    and child.state is not State.RETRIED]
    by_batch = {}
    for child in children:  # oldest first: a later attempt of a batch replaces it
        iteration = child.engine.subflow.iteration if child.engine.subflow else None
        if child.outputs is not None and iteration is not None:
            by_batch[iteration] = child.outputs
    if not by_batch:
        return None
    path = ctx.working_dir / "outputs.ion"
    with open(path, "w", encoding="utf-8") as out:
        for iteration in sorted(by_batch):
            out.write(to_ion(by_batch[iteration]) + "\n")
    return {"subflowOutputs": ctx.put_file(path, "outputs.ion")}
