"""What every conversion shares: the `from` property, charsets, the output file, the
`uri`/`size` outputs and the `records` metric, and bad-line handling."""

from __future__ import annotations

import codecs
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, Iterator, Literal

from pydantic import Field

from podium.sdk import RunContext, Task, TaskFailure

OnBadLines = Literal["ERROR", "WARN", "SKIP"]
BUFFER = 1024 * 1024


class Conversion(Task):
    """A task reading one file of the internal storage (`from`) and writing another."""

    SUFFIX: ClassVar[str] = ".ion"
    from_: str = Field(alias="from", description="Source file URI")

    def source_uri(self, ctx: RunContext) -> str:
        uri = str(ctx.render(self.from_) or "").strip()
        if not uri:
            raise TaskFailure("from: the source file URI is empty")
        return uri

    @contextmanager
    def source(self, ctx: RunContext) -> Iterator[BinaryIO]:
        uri = self.source_uri(ctx)
        try:
            stream = ctx.open_file(uri)
        except Exception as exc:  # the storage's own errors: name the property
            raise TaskFailure(f"from: cannot read '{uri}': {exc}") from None
        with stream:
            yield stream

    def target(self, ctx: RunContext, suffix: str | None = None) -> Path:
        """A new file in the working directory, for the converted data."""
        folder = ctx.working_dir
        index = 0
        while (folder / f"{self.id}-{index}{suffix or self.SUFFIX}").exists():
            index += 1
        return folder / f"{self.id}-{index}{suffix or self.SUFFIX}"


def finish(ctx: RunContext, path: Path, count: int) -> dict[str, Any]:
    ctx.metric({"name": "records", "type": "counter", "value": count, "tags": {}})
    return {"uri": ctx.put_file(path), "size": count}


def charset(ctx: RunContext, value: str, name: str = "charset") -> str:
    """A Java charset name as Python's codec name; a clear failure for an unknown one."""
    rendered = str(ctx.render(value))
    try:
        return codecs.lookup(rendered).name
    except LookupError:
        raise TaskFailure(f"{name}: unknown charset '{rendered}'") from None


def single_char(ctx: RunContext, value: str, name: str) -> str:
    rendered = str(ctx.render(value))
    if len(rendered) != 1:
        raise TaskFailure(f"{name}: expected one character, got '{rendered}'")
    return rendered


class BadLines:
    """Kestra's `onBadLines`: fail, or log and skip, or skip silently."""

    def __init__(self, ctx: RunContext, mode: str) -> None:
        self.ctx, self.mode = ctx, mode

    def handle(self, message: str) -> None:
        if self.mode == "ERROR":
            raise TaskFailure(message)
        if self.mode == "WARN":
            self.ctx.log("WARN", message)


def killed_check(ctx: RunContext, count: int) -> None:
    # Checking every record would cost more than the conversion of a small one.
    if count % 10_000 == 0:
        ctx.check_killed()
