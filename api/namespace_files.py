"""/api/v1/namespaces/{namespace}/files: a namespace's files (Kestra's
NamespaceFileController): list a directory, download (streamed), upload (multipart
`fileContent`, spooled by the form parser then streamed to storage), delete a file or a
directory. Over common/storage/namespace_files.py; a path leaving the namespace's tree is
refused with 400, as Kestra refuses it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.bodies import parsed_form, require_media_type
from api.context import file_download, runtime_of
from api.errors import ApiError, NotFound, message_of
from common.errors import UnsafePathError
from common.storage import Storage, namespace_file_uri, namespace_files_prefix
from common.storage import namespace_files as nsfiles
from common.storage.uris import key_of
from podium.runtime import Runtime

router = APIRouter(prefix="/api/v1/namespaces/{namespace}/files", tags=["Files"])

UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {
    "schema": {"type": "object", "required": ["fileContent"], "properties": {
        "fileContent": {"type": "string", "format": "binary"}}}}}}}


def _storage(runtime: Runtime) -> Storage:
    if runtime.storage is None:
        raise ApiError("This server has no internal storage")
    return runtime.storage


@contextmanager
def _safe_paths() -> Iterator[None]:
    """A path (or namespace) refused by the storage's checks is a 400 here, as in Kestra."""
    try:
        yield
    except UnsafePathError as exc:
        raise ApiError(message_of(exc)) from None


def _folder_prefix(namespace: str, folder: str | None) -> str:
    return namespace_file_uri(namespace, folder) if folder else namespace_files_prefix(namespace)


@router.get("/directory")
def list_directory(namespace: str, path: str | None = Query(None),
                   runtime: Runtime = Depends(runtime_of)) -> list:
    """The files and directories directly under `path` (default: the root), as Kestra's
    FileAttributes (times in epoch milliseconds). Directories exist only through the files
    in them."""
    storage = _storage(runtime)
    with _safe_paths():
        folder = nsfiles.folder_path(path)
        prefix = _folder_prefix(namespace, folder)
        entries = storage.list(prefix)
        if folder is not None and not entries:
            if storage.exists(prefix):
                raise ApiError(f"'/{folder}' is a file, not a directory")
            raise NotFound(f"No directory '/{folder}' in namespace '{namespace}'")
        start = len(key_of(prefix)) + 1
    children: dict[str, dict] = {}
    for entry in entries:
        name, _, rest = key_of(entry.uri)[start:].partition("/")
        millis = int(entry.modified.timestamp() * 1000)
        if rest:
            known = children.get(name) or {"fileName": name, "type": "Directory", "size": 0,
                                           "lastModifiedTime": 0, "metadata": {}}
            known["lastModifiedTime"] = max(known["lastModifiedTime"], millis)
            known["creationTime"] = known["lastModifiedTime"]
            children[name] = known
        else:
            children[name] = {"fileName": name, "type": "File", "size": entry.size,
                              "lastModifiedTime": millis, "creationTime": millis,
                              "metadata": {}}
    return [children[name] for name in sorted(children)]


@router.get("", response_class=StreamingResponse,
            responses={200: {"content": {"application/octet-stream": {}}}})
def download_file(namespace: str, path: str = Query(...),
                  runtime: Runtime = Depends(runtime_of)) -> StreamingResponse:
    storage = _storage(runtime)
    with _safe_paths():
        relative = nsfiles.file_path(path)
        source = storage.get(namespace_file_uri(namespace, relative))
    return file_download(source, relative.rsplit("/", 1)[-1])


@router.post("", openapi_extra=UPLOAD_BODY)
async def upload_file(namespace: str, request: Request, path: str = Query(...),
                      runtime: Runtime = Depends(runtime_of)) -> Response:
    """Create or replace the file `path` with the multipart part `fileContent`."""
    storage = _storage(runtime)
    with _safe_paths():
        relative = nsfiles.file_path(path)
        namespace_file_uri(namespace, relative)  # the namespace too, before the body is read
    require_media_type(request, ("multipart/form-data",), "a namespace file upload")
    async with parsed_form(request) as form:
        upload = form.get("fileContent")
        if not isinstance(upload, UploadFile):
            raise ApiError("The fileContent part (a file) is missing",
                           [{"message": "missing", "path": "fileContent"}])
        with _safe_paths():
            await run_in_threadpool(nsfiles.put_file, storage, namespace, relative,
                                    upload.file)
    return Response(status_code=200)


@router.delete("")
def delete_path(namespace: str, path: str = Query(...),
                runtime: Runtime = Depends(runtime_of)) -> Response:
    """Delete the file `path`, or every file under the directory `path`; 404 when none."""
    storage = _storage(runtime)
    with _safe_paths():
        folder = nsfiles.folder_path(path)
        prefix = _folder_prefix(namespace, folder)
        deleted = 1 if folder and storage.delete(prefix) else storage.delete_prefix(prefix)
    if not deleted:
        raise NotFound(f"No file or directory '{path}' in namespace '{namespace}'")
    return Response(status_code=200)
