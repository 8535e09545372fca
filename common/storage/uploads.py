"""FILE inputs: what a caller hands over, and their upload when an execution is created.

A FILE input's value is the ``kestra:///…/executions/<id>/inputs/<input>/<file>`` URI of
its content (Kestra's shape). Callers (the `Runtime` API, the CLI's ``name=@path``) give an
`Upload`, a local `Path` or `bytes`; `InputUploads` stores them under the execution being
created. It runs before the execution row is committed and `discard()` removes what it
stored when the creation fails, so no execution points to a missing file and a failed
submission leaves nothing behind. A plain string is never read as a local path: it would
let whoever provides inputs read the submitting machine's files.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, cast

from podium.common.errors import StorageError
from podium.common.storage.base import Storage
from podium.common.storage.uris import check_name, input_file_uri

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    """A file to give as a FILE input: `name` is the file name kept in its URI; the content
    is `path` (streamed from disk), `stream` (a seekable file the caller owns and closes,
    such as a spooled request part: read from its start, never whole) or `data`."""

    name: str
    path: Path | None = None
    data: bytes | None = None
    stream: BinaryIO | None = None

    @classmethod
    def of(cls, value: Any, default_name: str) -> Upload:
        """An Upload from an Upload, a local path (name: its base name) or bytes
        (`default_name`). Raises StorageError for anything else."""
        if isinstance(value, Upload):
            return value
        if isinstance(value, Path):
            return cls(value.name, path=value)
        if isinstance(value, (bytes, bytearray, memoryview)):
            return cls(default_name, data=bytes(value))
        # Said to whoever gave the input (a form field, a --input): no Python type names.
        raise StorageError("a FILE input takes an uploaded file, or a kestra://, nsfile:// "
                           "or file:// URI")

    def open(self) -> BinaryIO:
        if self.stream is not None:
            self.stream.seek(0)
            # _Borrowed has the part of BinaryIO readers use: read() and `with`.
            return cast(BinaryIO, _Borrowed(self.stream))
        if self.path is not None:
            try:
                return open(self.path, "rb")
            except OSError as exc:
                raise StorageError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        return io.BytesIO(self.data or b"")


class _Borrowed:
    """A stream lent for one read: `with` leaves it open for its owner."""

    def __init__(self, stream: BinaryIO) -> None:
        self.read = stream.read

    def __enter__(self) -> "_Borrowed":
        return self

    def __exit__(self, *exc: object) -> None:
        return None


StoreFile = Callable[[str, Any], str]  # (input id, given value) -> kestra:// URI


class InputUploads:
    """Stores the FILE inputs of executions being created; remembers each file stored."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.stored: list[str] = []

    def for_execution(self, namespace: str, flow_id: str, execution_id: str,
                      extensions: dict[str, str] | None = None) -> StoreFile:
        """The `store_file` of `resolve_inputs` for one execution. `extensions` gives the
        declared extension of each FILE input, used to name bytes given without a name."""
        def store(input_id: str, value: Any) -> str:
            upload = Upload.of(value, input_id + (extensions or {}).get(input_id, ".upl"))
            uri = input_file_uri(namespace, flow_id, execution_id, input_id,
                                 check_name(upload.name, "file name"))
            with upload.open() as stream:
                self.storage.put(uri, stream)
            self.stored.append(uri)
            return uri
        return store

    def discard(self) -> None:
        """Delete every file stored so far (the execution was not created). Best effort:
        a file left behind is only an orphan, never referenced."""
        for uri in self.stored:
            try:
                self.storage.delete(uri)
            except StorageError as exc:
                log.warning("could not remove %s after a failed submission: %s", uri, exc)
        self.stored.clear()
