"""The namespaces pages: the namespaces the deployment knows (podium/application/
namespaces.py), a namespace's files (browse a folder, open a file in an editor, save,
create, delete) and its KV store (keys with their type and expiry, set, delete; values
are not listed, as the API's list does not return them). Paths are checked by the
application layer: one leaving the namespace's tree is refused with a message."""

from __future__ import annotations

import io
import math
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import Response

from podium.api.context import runtime_of
from podium.api.ui.actions import back_to, notice_of, refusal
from podium.api.ui.lookup import is_partial
from podium.api.ui.rendering import render
from podium.application import kv, namespace_files, namespaces
from podium.common.errors import PodiumError
from podium.common.flow.model import namespace_problem
from podium.common.kv import KVType, parse_as
from podium.common.storage import namespace_files as nsfiles
from podium.runtime import Runtime

router = APIRouter()


def check_namespace(namespace: str) -> None:
    """A namespace's pages exist for valid names only (as a flow's namespace): anything
    else is a 400 page saying why, before a file or key is touched."""
    problem = namespace_problem(namespace)
    if problem:
        raise PodiumError(problem[0].upper() + problem[1:])


ONE_NAMESPACE = [Depends(check_namespace)]

PAGE_SIZE = 50
# A file larger than this opens as "not editable here" (download it with the API).
MAX_EDIT_BYTES = 1024 * 1024
NO_TTL = ""


@router.get("/namespaces")
def namespaces_page(request: Request, q: str = "",
                    page: int = Query(1, ge=1, le=1_000_000),
                    runtime: Runtime = Depends(runtime_of)) -> Response:
    found = namespaces.names(runtime, q.strip() or None)
    start = (page - 1) * PAGE_SIZE
    template = "_namespaces_table.html" if is_partial(request) else "namespaces.html"
    return render(request, template, namespaces=found[start:start + PAGE_SIZE],
                  total=len(found), page=page, size=PAGE_SIZE, filters=dict(q=q),
                  pages=max(1, math.ceil(len(found) / PAGE_SIZE)))


# ----------------------------------------------------------------------------- files
@router.get("/namespaces/{namespace}/files", dependencies=ONE_NAMESPACE)
def files_page(request: Request, namespace: str, path: str = "", file: str = "",
               notice: str = "", runtime: Runtime = Depends(runtime_of)) -> Response:
    try:
        values = _files_view(runtime, namespace, path, file)
    except PodiumError as exc:
        return _files_refused(request, runtime, namespace, exc)
    return render(request, "namespace_files.html", notice=notice_of(notice), message="",
                  **values)


def _files_view(runtime: Runtime, namespace: str, folder: str, file: str) -> dict:
    """The folder's entries and, when `file` is given, the file (its folder listed)."""
    opened = namespace_files.check_path(runtime, namespace, file) if file.strip() else None
    if opened is not None:
        folder = opened.rpartition("/")[0]
    folder = nsfiles.folder_path(folder) or ""
    text = namespace_files.read_text(runtime, namespace, opened, MAX_EDIT_BYTES) \
        if opened else None
    return dict(namespace=namespace, folder=folder, crumbs=folder_crumbs(folder), file=opened,
                text=text, entries=namespace_files.directory(runtime, namespace, folder or None),
                tab="files")


def folder_crumbs(folder: str) -> list[tuple[str, str]]:
    """(name, folder path) of each folder from the root down to `folder`."""
    parts = folder.split("/") if folder else []
    return [(name, "/".join(parts[:i + 1])) for i, name in enumerate(parts)]


def _files_refused(request: Request, runtime: Runtime, namespace: str,
                   exc: PodiumError, folder: str = "") -> Response:
    """The namespace's files page (its root, or `folder` when it lists) with the refusal."""
    status, message = refusal(exc)
    try:
        values = _files_view(runtime, namespace, folder, "")
    except PodiumError:
        values = _files_view(runtime, namespace, "", "")
    return render(request, "namespace_files.html", status=status, notice="",
                  message=message, **values)


@router.post("/namespaces/{namespace}/files/save", dependencies=ONE_NAMESPACE)
def save_file(request: Request, namespace: str, path: str = Form(""),
              content: str = Form(""), runtime: Runtime = Depends(runtime_of)) -> Response:
    """Create or overwrite the file with the editor's text."""
    try:
        relative = namespace_files.check_path(runtime, namespace, path)
        namespace_files.write(runtime, namespace, relative, _text_bytes(content))
    except PodiumError as exc:
        return _files_refused(request, runtime, namespace, exc)
    return back_to(request, f"/namespaces/{_quoted(namespace)}/files", "saved", file=relative)


@router.post("/namespaces/{namespace}/files/new", dependencies=ONE_NAMESPACE)
def new_file(request: Request, namespace: str, folder: str = Form(""),
             name: str = Form(""), runtime: Runtime = Depends(runtime_of)) -> Response:
    """An empty file `name` in `folder` (a name may hold folders: `sql/q.sql`)."""
    try:
        if not name.strip():
            raise PodiumError("Give the new file a name")
        relative = namespace_files.check_path(
            runtime, namespace, nsfiles.join(nsfiles.folder_path(folder), name.strip()))
        if namespace_files.exists(runtime, namespace, relative):
            raise PodiumError(f"'/{relative}' already exists; open it to edit it")
        namespace_files.write(runtime, namespace, relative, io.BytesIO(b""))
    except PodiumError as exc:
        return _files_refused(request, runtime, namespace, exc, folder)
    return back_to(request, f"/namespaces/{_quoted(namespace)}/files", "created", file=relative)


@router.post("/namespaces/{namespace}/files/delete", dependencies=ONE_NAMESPACE)
def delete_file(request: Request, namespace: str, path: str = Form(""),
                runtime: Runtime = Depends(runtime_of)) -> Response:
    """Delete the file, or every file of the folder."""
    try:
        if not path.strip("/ "):
            raise PodiumError("Name the file or folder to delete")
        namespace_files.delete(runtime, namespace, path)
    except PodiumError as exc:
        return _files_refused(request, runtime, namespace, exc)
    parent = _existing_folder(runtime, namespace, path.strip("/").rpartition("/")[0])
    return back_to(request, f"/namespaces/{_quoted(namespace)}/files", "deleted", path=parent)


def _existing_folder(runtime: Runtime, namespace: str, folder: str) -> str:
    """`folder`, or the root when it held only what was deleted (a folder exists only
    through its files)."""
    try:
        return folder if folder and namespace_files.directory(runtime, namespace, folder) else ""
    except PodiumError:
        return ""


def _text_bytes(content: str) -> io.BytesIO:
    # A browser sends a textarea's lines ended by CRLF; the file keeps what was typed.
    return io.BytesIO(content.replace("\r\n", "\n").encode("utf-8"))


def _quoted(namespace: str) -> str:
    return quote(namespace, safe="")


# -------------------------------------------------------------------------------- KV
@router.get("/namespaces/{namespace}/kv", dependencies=ONE_NAMESPACE)
def kv_page(request: Request, namespace: str, notice: str = "",
            runtime: Runtime = Depends(runtime_of)) -> Response:
    return _kv_render(request, runtime, namespace, notice=notice_of(notice))


def _kv_render(request: Request, runtime: Runtime, namespace: str, status: int = 200,
               notice: str = "", message: str = "", form: dict | None = None) -> Response:
    return render(request, "namespace_kv.html", status=status, namespace=namespace,
                  entries=kv.list_entries(runtime, namespace), types=[t.value for t in KVType],
                  notice=notice, message=message, tab="kv",
                  form=form or dict(key="", type="STRING", value="", ttl=NO_TTL))


@router.post("/namespaces/{namespace}/kv/set", dependencies=ONE_NAMESPACE)
def set_key(request: Request, namespace: str, key: str = Form(""),
            type: str = Form("STRING"),  # noqa: A002 (the form's field)
            value: str = Form(""), ttl: str = Form(""),
            runtime: Runtime = Depends(runtime_of)) -> Response:
    """Set the key to `value` parsed as `type`, expiring after `ttl` (ISO-8601) if given."""
    try:
        if type not in KVType.__members__:
            raise PodiumError(f"Unknown KV type '{type[:20]}'")
        parsed = parse_as(value.replace("\r\n", "\n"), KVType(type))
        kv.put(runtime, namespace, key.strip(), parsed, ttl=ttl.strip() or None)
    except PodiumError as exc:
        status, message = refusal(exc)
        return _kv_render(request, runtime, namespace, status, message=message,
                          form=dict(key=key, type=type, value=value, ttl=ttl))
    return back_to(request, f"/namespaces/{_quoted(namespace)}/kv", "kv-set")


@router.post("/namespaces/{namespace}/kv/delete", dependencies=ONE_NAMESPACE)
def delete_key(request: Request, namespace: str, key: str = Form(""),
               runtime: Runtime = Depends(runtime_of)) -> Response:
    try:
        if not kv.delete(runtime, namespace, key):
            raise PodiumError(f"No key '{key[:80]}' in namespace '{namespace}'")
    except PodiumError as exc:
        status, message = refusal(exc)
        return _kv_render(request, runtime, namespace, status, message=message)
    return back_to(request, f"/namespaces/{_quoted(namespace)}/kv", "kv-deleted")
