"""Kestra's ListInterface and AbstractList: which objects under a `gs://` prefix a listing
returns (List, DeleteList, Downloads and the Trigger share it)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from podium.sdk import StrictModel, TaskFailure
from podium_gcp.gcs.objects import (
    Ctx,
    blob_output,
    directory_output,
    gcs_errors,
    parse_gs,
    required,
    text,
)

if TYPE_CHECKING:  # imported when a task runs (podium_gcp/connection.py says why)
    from google.cloud import storage

ListingType = Literal["RECURSIVE", "DIRECTORY"]
ListFilter = Literal["FILES", "DIRECTORY", "BOTH"]


class ListOptions(StrictModel):
    """`from` (a gs:// prefix), `allVersions`, `listingType` (DIRECTORY: only the prefix's
    direct children, sub-prefixes reported as directories; RECURSIVE: every object below)
    and `regExp` (matched against each object's whole `gs://` URI)."""

    from_: str = Field(alias="from")
    all_versions: bool | None = None
    listing_type: ListingType = "DIRECTORY"
    reg_exp: str | None = None


def list_blobs(ctx: Ctx, client: storage.Client, options: ListOptions,
               wanted: ListFilter = "BOTH", limit: int | None = None) -> list[dict[str, Any]]:
    """Kestra's Blob outputs of the listing `options` select, in GCS's order; `wanted`
    keeps files, directories or both; at most `limit` (None: all)."""
    source = required(ctx, options.from_, "from")
    bucket, prefix = parse_gs(source, "from")
    pattern = _pattern(text(ctx, options.reg_exp))
    found: list[dict[str, Any]] = []
    for item in _entries(client, bucket, prefix, options):
        if _selected(item, pattern, wanted):
            found.append(item)
            if limit is not None and len(found) >= limit:
                break
    return found


def at_most(ctx: Ctx, blobs: list[dict[str, Any]], max_files: int,
            source: Any) -> list[dict[str, Any]]:
    """The first `max_files` of a listing made with `limit=max_files + 1`, warning, as
    Kestra's List does, when there were more."""
    if len(blobs) > max_files:
        ctx.log("WARN", f"Results for '{ctx.render(source)}' exceeded the maxFiles limit "
                        f"({max_files}); remaining items were skipped.")
    return blobs[:max_files]


def _entries(client: storage.Client, bucket: str, prefix: str,
             options: ListOptions) -> Iterator[dict[str, Any]]:
    request: dict[str, Any] = {"prefix": prefix or None}
    if options.all_versions is not None:
        request["versions"] = options.all_versions
    if options.listing_type == "DIRECTORY":
        request["delimiter"] = "/"
    with gcs_errors(f"listing gs://{bucket}/{prefix}"):
        pages = client.list_blobs(bucket, **request).pages
        for page in pages:
            # Java's client lists a page's objects, then its prefixes as directories.
            for blob in page:
                yield blob_output(blob)
            for sub in sorted(page.prefixes):
                yield directory_output(bucket, sub)


def _pattern(regexp: str | None) -> re.Pattern[str] | None:
    if regexp is None:
        return None
    try:
        return re.compile(regexp)
    except re.error as exc:
        raise TaskFailure(f"`regExp` '{regexp}' is not a valid regular expression: {exc}") from None


def _selected(item: dict[str, Any], pattern: re.Pattern[str] | None, wanted: ListFilter) -> bool:
    is_dir = item["directory"] or item["name"].endswith("/")
    if wanted != "BOTH" and (wanted == "DIRECTORY") != is_dir:
        return False
    # Java's String.matches: the whole URI must match.
    return pattern is None or pattern.fullmatch(item["uri"]) is not None
