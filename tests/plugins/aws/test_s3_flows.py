"""The s3 tasks through whole flows on the embedded runtime, against moto's S3 server on
loopback: what the flow's outputs say is checked against the bucket itself."""

from __future__ import annotations

import hashlib
import os

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.storage.uploads import Upload

pytestmark = pytest.mark.service

# Above boto3's 8 MiB multipart threshold, so the upload goes in parts.
BIG = 9 * 1024 * 1024


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


def round_trip_flow(server, bucket: str) -> str:
    conn = server.connection_yaml()
    return f"""
id: s3_round_trip
namespace: company.team
inputs:
  - id: data
    type: FILE
tasks:
  - id: upload
    type: io.kestra.plugin.aws.s3.Upload
{conn}    bucket: {bucket}
    from: "{{{{ inputs.data }}}}"
    key: in/data.bin
    metadata:
      origin: podium
  - id: list
    type: io.kestra.plugin.aws.s3.List
{conn}    bucket: {bucket}
    prefix: in/
  - id: download
    type: io.kestra.plugin.aws.s3.Download
{conn}    bucket: "{{{{ outputs.upload.bucket }}}}"
    key: "{{{{ outputs.list.objects[0].key }}}}"
  - id: copy
    type: io.kestra.plugin.aws.s3.Copy
{conn}    from:
      bucket: {bucket}
      key: in/data.bin
    to:
      key: copied/data.bin
  - id: delete
    type: io.kestra.plugin.aws.s3.Delete
{conn}    bucket: {bucket}
    key: in/data.bin
"""


def test_upload_list_download_copy_delete(runtime, s3_server, s3, bucket):
    data = os.urandom(BIG)
    final, runs = run_flow(runtime, round_trip_flow(s3_server, bucket),
                           {"data": Upload("data.bin", data=data)})
    assert final.state is State.SUCCESS, logs_of(runtime, final)

    upload = runs["upload"].outputs
    assert upload["bucket"] == bucket and upload["key"] == "in/data.bin"
    assert upload["etag"].startswith('"')
    listed = runs["list"].outputs["objects"]
    assert [o["key"] for o in listed] == ["in/data.bin"]
    assert listed[0]["size"] == BIG and listed[0]["etag"] == upload["etag"]
    assert listed[0]["lastModified"].endswith("Z")

    download = runs["download"].outputs
    assert download["contentLength"] == BIG and download["metadata"] == {"origin": "podium"}
    assert download["uri"].startswith("kestra://")
    assert hashlib.sha256(read_uri(runtime, download["uri"])).digest() == \
        hashlib.sha256(data).digest()

    assert runs["copy"].outputs["bucket"] == bucket
    assert runs["copy"].outputs["key"] == "copied/data.bin"
    copied = s3.get_object(Bucket=bucket, Key="copied/data.bin")["Body"].read()
    assert copied == data
    # Deleted: only the copy is left.
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == ["copied/data.bin"]


def test_upload_of_several_files_as_a_list_and_as_a_json_map(runtime, s3_server, s3, bucket):
    conn = s3_server.connection_yaml()
    flow = f"""
id: s3_multi
namespace: company.team
tasks:
  - id: one
    type: io.kestra.plugin.core.storage.Write
    content: first
    extension: .txt
  - id: two
    type: io.kestra.plugin.core.storage.Write
    content: second
    extension: .csv
  - id: as_list
    type: io.kestra.plugin.aws.s3.Upload
{conn}    bucket: {bucket}
    from:
      - "{{{{ outputs.one.uri }}}}"
      - "{{{{ outputs.two.uri }}}}"
    key: listed
  - id: as_json_map
    type: io.kestra.plugin.aws.s3.Upload
{conn}    bucket: {bucket}
    from: |
      {{
        "a/first.txt": "{{{{ outputs.one.uri }}}}",
        "b/second.csv": "{{{{ outputs.two.uri }}}}"
      }}
    key: mapped/
"""
    final, runs = run_flow(runtime, flow)
    assert final.state is State.SUCCESS, logs_of(runtime, final)
    listed = runs["as_list"].outputs["files"]
    # A list: each file under `key` at its file name (storage.Write names them write.*).
    assert sorted(listed) == ["write.csv", "write.txt"]
    assert listed["write.txt"]["contentLength"] == len("first")
    assert runs["as_json_map"].outputs["files"].keys() == {"a/first.txt", "b/second.csv"}
    body = s3.get_object(Bucket=bucket, Key="mapped/b/second.csv")["Body"].read()
    assert body == b"second"
    assert s3.get_object(Bucket=bucket, Key="listed/write.txt")["Body"].read() == b"first"


def test_downloads_with_move_and_list_filters(runtime, s3_server, s3, bucket):
    for key, body in (("sub/a.csv", b"a"), ("sub/b.csv", b"bb"), ("sub/skip.txt", b"no"),
                      ("sub/dir/", b""), ("other/c.csv", b"ccc")):
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    conn = s3_server.connection_yaml()
    flow = f"""
id: s3_downloads
namespace: company.team
tasks:
  - id: dirs
    type: io.kestra.plugin.aws.s3.List
{conn}    bucket: {bucket}
    filter: DIRECTORY
  - id: capped
    type: io.kestra.plugin.aws.s3.List
{conn}    bucket: {bucket}
    maxFiles: 2
  - id: downloads
    type: io.kestra.plugin.aws.s3.Downloads
{conn}    bucket: {bucket}
    prefix: sub/
    regexp: ".*\\\\.csv"
    action: MOVE
    moveTo:
      bucket: {bucket}
      key: archive/
"""
    final, runs = run_flow(runtime, flow)
    assert final.state is State.SUCCESS, logs_of(runtime, final)
    assert [o["key"] for o in runs["dirs"].outputs["objects"]] == ["sub/dir/"]
    assert len(runs["capped"].outputs["objects"]) == 2
    assert any("maxFiles limit is 2" in m for m in logs_of(runtime, final))

    objects = runs["downloads"].outputs["objects"]
    assert [(o["key"], o["size"]) for o in objects] == [("sub/a.csv", 1), ("sub/b.csv", 2)]
    files = runs["downloads"].outputs["outputFiles"]
    assert read_uri(runtime, files["sub/b.csv"]) == b"bb"
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["archive/a.csv", "archive/b.csv", "other/c.csv", "sub/dir/",
                    "sub/skip.txt"]


def test_delete_list_create_bucket_and_multi_file_download(runtime, s3_server, s3, bucket):
    for key in ("logs/1.log", "logs/2.log", "keep/3.log"):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    conn = s3_server.connection_yaml()
    new_bucket = f"{bucket}-new"
    flow = f"""
id: s3_more
namespace: company.team
tasks:
  - id: fetch
    type: io.kestra.plugin.aws.s3.Download
{conn}    bucket: {bucket}
    prefix: logs/
  - id: purge
    type: io.kestra.plugin.aws.s3.DeleteList
{conn}    bucket: {bucket}
    prefix: logs/
    concurrent: 2
  - id: create
    type: io.kestra.plugin.aws.s3.CreateBucket
{conn}    bucket: {new_bucket}
"""
    final, runs = run_flow(runtime, flow)
    assert final.state is State.SUCCESS, logs_of(runtime, final)
    files = runs["fetch"].outputs["files"]
    assert sorted(files) == ["logs/1.log", "logs/2.log"]
    assert read_uri(runtime, files["logs/2.log"]["uri"]) == b"logs/2.log"
    assert runs["purge"].outputs == {"count": 2, "size": 20}
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["keep/3.log"]
    assert runs["create"].outputs["bucket"] == new_bucket
    assert new_bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_failures_name_the_problem(runtime, s3_server, bucket):
    conn = s3_server.connection_yaml()
    flow = f"""
id: s3_failures
namespace: company.team
tasks:
  - id: missing
    type: io.kestra.plugin.aws.s3.Download
{conn}    bucket: {bucket}
    key: nowhere.bin
    allowFailure: true
  - id: half_keys
    type: io.kestra.plugin.aws.s3.List
    endpointOverride: "{s3_server.url}"
    accessKeyId: only-one
    bucket: {bucket}
    allowFailure: true
  - id: empty
    type: io.kestra.plugin.aws.s3.DeleteList
{conn}    bucket: {bucket}
    prefix: none/
    errorOnEmpty: true
    allowFailure: true
  - id: metadata
    type: io.kestra.plugin.aws.s3.List
    endpointOverride: "http://169.254.169.254/"
    bucket: {bucket}
    allowFailure: true
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: x
  - id: same_names
    type: io.kestra.plugin.aws.s3.Upload
{conn}    bucket: {bucket}
    from: ["{{{{ outputs.write.uri }}}}", "{{{{ outputs.write.uri }}}}"]
    key: dir
    allowFailure: true
"""
    final, runs = run_flow(runtime, flow)
    assert final.state is State.WARNING
    failed = ("missing", "half_keys", "empty", "metadata", "same_names")
    assert {task: run.state for task, run in runs.items() if task != "write"} == \
        dict.fromkeys(failed, State.WARNING)  # allowFailure
    messages = "\n".join(logs_of(runtime, final))
    assert f"downloading s3://{bucket}/nowhere.bin failed: NoSuchKey" in messages
    assert "`accessKeyId` is set but `secretKeyId` is empty" in messages
    assert "Unable to find any files to delete" in messages
    assert "link-local address 169.254.169.254" in messages
    assert "`from` has two files named 'write.tmp'" in messages
    assert "Traceback" not in messages
