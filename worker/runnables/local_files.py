"""io.kestra.plugin.core.storage.LocalFiles (deprecated in Kestra for the `inputFiles` and
`outputFiles` of WorkingDirectory and the script tasks, still common inside a
WorkingDirectory): writes `inputs` into the working directory, then uploads the files
matching `outputs`. Output: `uris`, {path in the directory: kestra:// URI}, empty when
nothing matched (Kestra's LocalFiles.run)."""

from __future__ import annotations

from typing import Any

from podium.common.plugins.tasks.storage import LocalFiles
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import runs
from podium.worker.runnables.files import (
    render_file_map,
    render_patterns,
    upload_output_files,
    write_input_files,
)


@runs(LocalFiles)
def run_local_files(task: LocalFiles, ctx: RunContext) -> dict[str, Any]:
    write_input_files(ctx, render_file_map(ctx, task.inputs, "inputs"), "inputs")
    return {"uris": upload_output_files(ctx, render_patterns(ctx, task.outputs, {}))}
