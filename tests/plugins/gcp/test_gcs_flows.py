"""The gcs tasks through whole flows on the embedded runtime, against gcp-storage-emulator
on loopback: what the flow's outputs say is checked against the bucket itself."""

from __future__ import annotations

import base64
import hashlib
import os

import google_crc32c
import pytest

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.storage.uploads import Upload

pytestmark = pytest.mark.service

# Above google-cloud-storage's 8 MiB single-request limit: a resumable upload in chunks.
BIG = 9 * 1024 * 1024 + 17


def run_flow(runtime, source: str, inputs: dict | None = None, timeout: float = 60):
    loaded = parse_flow(source)
    runtime.deploy(loaded)
    execution = runtime.submit(loaded.flow.namespace, loaded.flow.id, inputs or {})
    final = runtime.wait(execution.id, timeout=timeout)
    runs = {run.task_id: run for run in runtime.task_runs(execution.id)}
    return final, runs


def read_uri(runtime, uri: str) -> bytes:
    with runtime.storage.get(uri) as stream:
        return stream.read()


def logs_of(runtime, execution) -> list[str]:
    return [entry.message for entry in runtime.logs(execution.id)]


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def round_trip_flow(bucket: str) -> str:
    return f"""
id: gcs_round_trip
namespace: company.team
inputs:
  - id: data
    type: FILE
tasks:
  - id: upload
    type: io.kestra.plugin.gcp.gcs.Upload
    from: "{{{{ inputs.data }}}}"
    to: "gs://{bucket}/in/my data.bin"
    contentType: application/octet-stream
    cacheControl: no-cache
  - id: list
    type: io.kestra.plugin.gcp.gcs.List
    from: "gs://{bucket}/in/"
  - id: download
    type: io.kestra.plugin.gcp.gcs.Download
    from: "{{{{ outputs.list.blobs[0].uri }}}}"
    validateChecksum: true
  - id: copy
    type: io.kestra.plugin.gcp.gcs.Copy
    from: "{{{{ outputs.list.blobs[0].uri }}}}"
    to: "gs://{bucket}/copied/data.bin"
  - id: delete
    type: io.kestra.plugin.gcp.gcs.Delete
    uri: "{{{{ outputs.upload.uri }}}}"
  - id: delete_again
    type: io.kestra.plugin.gcp.gcs.Delete
    uri: "{{{{ outputs.upload.uri }}}}"
"""


def test_upload_list_download_copy_delete(runtime, gcs, bucket):
    data = os.urandom(BIG)
    final, runs = run_flow(runtime, round_trip_flow(bucket),
                           {"data": Upload("data.bin", data=data)})
    assert final.state is State.SUCCESS, logs_of(runtime, final)

    md5 = b64(hashlib.md5(data).digest())
    crc = b64(google_crc32c.Checksum(data).digest())
    assert runs["upload"].outputs == {"uri": f"gs://{bucket}/in/my%20data.bin",
                                      "md5": md5, "crc32c": crc}
    [blob] = runs["list"].outputs["blobs"]
    assert blob["uri"] == f"gs://{bucket}/in/my+data.bin"
    assert (blob["bucket"], blob["name"], blob["size"], blob["md5"], blob["crc32c"],
            blob["contentType"], blob["cacheControl"], blob["directory"]) == (
        bucket, "in/my data.bin", BIG, md5, crc, "application/octet-stream", "no-cache", False)
    assert blob["createTime"].endswith("Z") and blob["updateTime"].endswith("Z")

    download = runs["download"].outputs
    assert (download["bucket"], download["path"]) == (bucket, "in/my data.bin")
    assert read_uri(runtime, download["uri"]) == data

    assert runs["copy"].outputs == {"uri": f"gs://{bucket}/copied/data.bin"}
    assert runs["delete"].outputs == {"uri": f"gs://{bucket}/in/my%20data.bin", "deleted": True}
    assert runs["delete_again"].outputs["deleted"] is False
    names = [b.name for b in gcs.list_blobs(bucket)]
    assert names == ["copied/data.bin"]
    assert gcs.bucket(bucket).blob("copied/data.bin").download_as_bytes() == data


def put(gcs, bucket: str, *names: str) -> None:
    for name in names:
        gcs.bucket(bucket).blob(name).upload_from_string(f"content of {name}".encode())


def test_list_directory_recursive_filters_and_max_files(runtime, gcs, bucket):
    put(gcs, bucket, "dir/a.csv", "dir/b.json", "dir/sub/c.csv", "dir/sub/deep/d.csv", "e.csv")
    final, runs = run_flow(runtime, f"""
id: gcs_lists
namespace: company.team
tasks:
  - id: directory
    type: io.kestra.plugin.gcp.gcs.List
    from: "gs://{bucket}/dir/"
  - id: files
    type: io.kestra.plugin.gcp.gcs.List
    from: "gs://{bucket}/dir/"
    filter: FILES
  - id: dirs
    type: io.kestra.plugin.gcp.gcs.List
    from: "gs://{bucket}/dir/"
    filter: DIRECTORY
  - id: recursive_csv
    type: io.kestra.plugin.gcp.gcs.List
    from: "gs://{bucket}/dir/"
    listingType: RECURSIVE
    regExp: ".*\\\\.csv"
  - id: limited
    type: io.kestra.plugin.gcp.gcs.List
    from: "gs://{bucket}/"
    listingType: RECURSIVE
    maxFiles: 2
""")
    assert final.state is State.SUCCESS, logs_of(runtime, final)

    def names(task):
        return [(b["name"], b["directory"]) for b in runs[task].outputs["blobs"]]
    assert names("directory") == [("dir/a.csv", False), ("dir/b.json", False),
                                  ("dir/sub/", True)]
    assert names("files") == [("dir/a.csv", False), ("dir/b.json", False)]
    assert names("dirs") == [("dir/sub/", True)]
    assert runs["dirs"].outputs["blobs"][0] == {
        "uri": f"gs://{bucket}/dir/sub/", "bucket": bucket, "name": "dir/sub/", "size": 0,
        "directory": True}
    assert names("recursive_csv") == [("dir/a.csv", False), ("dir/sub/c.csv", False),
                                      ("dir/sub/deep/d.csv", False)]
    assert len(runs["limited"].outputs["blobs"]) == 2
    assert any("exceeded the maxFiles limit (2)" in m for m in logs_of(runtime, final))


def test_downloads_move_and_delete_list(runtime, gcs, bucket):
    put(gcs, bucket, "files/a.csv", "files/b.csv", "files/skip.txt", "other/c.csv",
        "other/d.csv", "other/keep.txt")
    final, runs = run_flow(runtime, f"""
id: gcs_downloads
namespace: company.team
tasks:
  - id: downloads
    type: io.kestra.plugin.gcp.gcs.Downloads
    from: gs://{bucket}/files/
    regExp: ".*\\\\.csv"
    action: MOVE
    moveDirectory: gs://{bucket}/archive/
    validateChecksum: true
  - id: delete_list
    type: io.kestra.plugin.gcp.gcs.DeleteList
    from: gs://{bucket}/other/
    regExp: ".*\\\\.csv"
    concurrent: 2
  - id: delete_nothing
    type: io.kestra.plugin.gcp.gcs.DeleteList
    from: gs://{bucket}/nothing/
""")
    assert final.state is State.SUCCESS, logs_of(runtime, final)
    outputs = runs["downloads"].outputs
    assert [b["name"] for b in outputs["blobs"]] == ["files/a.csv", "files/b.csv"]
    assert sorted(outputs["outputFiles"]) == ["files/a.csv", "files/b.csv"]
    for name, uri in outputs["outputFiles"].items():
        assert uri.startswith("kestra://")
        assert read_uri(runtime, uri) == f"content of {name}".encode()
    assert runs["delete_list"].outputs == {"count": 2, "size": 2 * len("content of other/c.csv")}
    assert runs["delete_nothing"].outputs == {"count": 0, "size": 0}
    assert sorted(b.name for b in gcs.list_blobs(bucket)) == [
        "archive/a.csv", "archive/b.csv", "files/skip.txt", "other/keep.txt"]


def test_downloads_delete_action_and_max_files(runtime, gcs, bucket):
    put(gcs, bucket, "in/x.csv", "in/y.csv", "in/z.csv")
    final, runs = run_flow(runtime, f"""
id: gcs_downloads_delete
namespace: company.team
tasks:
  - id: downloads
    type: io.kestra.plugin.gcp.gcs.Downloads
    from: gs://{bucket}/in/
    action: DELETE
    maxFiles: 2
""")
    assert final.state is State.SUCCESS, logs_of(runtime, final)
    assert [b["name"] for b in runs["downloads"].outputs["blobs"]] == ["in/x.csv", "in/y.csv"]
    assert any("exceeded the maxFiles limit (2)" in m for m in logs_of(runtime, final))
    assert [b.name for b in gcs.list_blobs(bucket)] == ["in/z.csv"]


def test_create_bucket_create_skip_update_error(runtime, gcs):
    name = f"podium-new-{os.urandom(4).hex()}"
    flow = f"""
id: gcs_buckets
namespace: company.team
tasks:
  - id: create
    type: io.kestra.plugin.gcp.gcs.CreateBucket
    name: "{name}"
    versioningEnabled: true
    labels:
      my-label: my-value
  - id: skip
    type: io.kestra.plugin.gcp.gcs.CreateBucket
    name: "{name}"
    ifExists: SKIP
  - id: update
    type: io.kestra.plugin.gcp.gcs.CreateBucket
    name: "{name}"
    ifExists: UPDATE
    labels:
      other: value
  - id: again
    type: io.kestra.plugin.gcp.gcs.CreateBucket
    name: "{name}"
"""
    final, runs = run_flow(runtime, flow)
    assert final.state is State.FAILED
    assert runs["create"].outputs["created"] is True
    assert runs["create"].outputs["bucket"]["name"] == name
    assert runs["create"].outputs["bucket"]["uri"] == f"gs://{name}"
    assert runs["skip"].outputs["created"] is False and runs["skip"].outputs["updated"] is False
    assert runs["update"].outputs["updated"] is True
    assert "again" not in runs or runs["again"].state.value == "FAILED"
    assert any(f"Bucket {name} already exists and ifExists policy is set to ERROR !" in m
               for m in logs_of(runtime, final))
    assert gcs.lookup_bucket(name) is not None


def test_emulator_host_without_scheme(runtime, gcs, bucket, gcs_emulator, monkeypatch):
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_emulator.removeprefix("http://"))
    put(gcs, bucket, "a.txt")
    final, runs = run_flow(runtime, f"""
id: gcs_host
namespace: company.team
tasks:
  - id: list
    type: io.kestra.plugin.gcp.gcs.List
    from: gs://{bucket}/
""")
    assert final.state is State.SUCCESS, logs_of(runtime, final)
    assert [b["name"] for b in runs["list"].outputs["blobs"]] == ["a.txt"]
