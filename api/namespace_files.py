"""/api/v1/namespaces/{namespace}/files: a namespace's files (Kestra's
NamespaceFileController): list a directory, download (streamed), upload (multipart
`fileContent`, spooled by the form parser then streamed to storage), delete a file or a
directory. Over podium/application/namespace_files.py; a path leaving the namespace's tree is
refused with 400, as Kestra refuses it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from podium.api.bodies import parsed_form, require_media_type
from podium.api.context import file_download, runtime_of
from podium.api.errors import ApiError, message_of
from podium.application import namespace_files as nsfiles
from podium.application.namespace_files import DirectoryEntry
from podium.common.errors import UnsafePathError
from podium.runtime import Runtime

router = APIRouter(prefix="/api/v1/namespaces/{namespace}/files", tags=["Files"])

UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {
    "schema": {"type": "object", "required": ["fileContent"], "properties": {
        "fileContent": {"type": "string", "format": "binary"}}}}}}}


@contextmanager
def _safe_paths() -> Iterator[None]:
    """A path (or namespace) refused by the storage's checks is a 400 here, as in Kestra."""
    try:
        yield
    except UnsafePathError as exc:
        raise ApiError(message_of(exc)) from None


def _attributes(entry: DirectoryEntry) -> dict:
    """Kestra's FileAttributes (times in epoch milliseconds)."""
    millis = int(entry.modified.timestamp() * 1000)
    if entry.is_directory:
        return {"fileName": entry.name, "type": "Directory", "size": 0,
                "lastModifiedTime": millis, "metadata": {}, "creationTime": millis}
    return {"fileName": entry.name, "type": "File", "size": entry.size,
            "lastModifiedTime": millis, "creationTime": millis, "metadata": {}}


@router.get("/directory")
def list_directory(namespace: str, path: str | None = Query(None),
                   runtime: Runtime = Depends(runtime_of)) -> list:
    """The files and directories directly under `path` (default: the root), as Kestra's
    FileAttributes. Directories exist only through the files in them."""
    with _safe_paths():
        entries = nsfiles.directory(runtime, namespace, path)
    return [_attributes(entry) for entry in entries]


@router.get("", response_class=StreamingResponse,
            responses={200: {"content": {"application/octet-stream": {}}}})
def download_file(namespace: str, path: str = Query(...),
                  runtime: Runtime = Depends(runtime_of)) -> StreamingResponse:
    with _safe_paths():
        source, name = nsfiles.open_file(runtime, namespace, path)
    return file_download(source, name)


@router.post("", openapi_extra=UPLOAD_BODY)
async def upload_file(namespace: str, request: Request, path: str = Query(...),
                      runtime: Runtime = Depends(runtime_of)) -> Response:
    """Create or replace the file `path` with the multipart part `fileContent`."""
    with _safe_paths():
        nsfiles.check_path(runtime, namespace, path)  # before the body is read
    require_media_type(request, ("multipart/form-data",), "a namespace file upload")
    async with parsed_form(request) as form:
        upload = form.get("fileContent")
        if not isinstance(upload, UploadFile):
            raise ApiError("The fileContent part (a file) is missing",
                           [{"message": "missing", "path": "fileContent"}])
        with _safe_paths():
            await run_in_threadpool(nsfiles.write, runtime, namespace, path, upload.file)
    return Response(status_code=200)


@router.delete("")
def delete_path(namespace: str, path: str = Query(...),
                runtime: Runtime = Depends(runtime_of)) -> Response:
    """Delete the file `path`, or every file under the directory `path`; 404 when none."""
    with _safe_paths():
        nsfiles.delete(runtime, namespace, path)
    return Response(status_code=200)
