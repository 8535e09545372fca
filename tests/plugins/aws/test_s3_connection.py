"""The connection properties and the less common options, through flows against moto:
STS AssumeRole, path-style addressing on a host name, stored checksums verified on
download, Copy with `delete` and server-side encryption, Downloads with DELETE, typed
properties given as expressions."""

from __future__ import annotations

import pytest

from podium.common.models.state import State
from tests.plugins.aws.test_s3_flows import logs_of, read_uri, run_flow

pytestmark = pytest.mark.service


def test_sts_role_and_path_style(runtime, s3_server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k.txt", Body=b"hello")
    localhost = s3_server.url.replace("127.0.0.1", "localhost")
    flow = f"""
id: s3_sts
namespace: company.team
tasks:
  - id: assumed
    type: io.kestra.plugin.aws.s3.List
{s3_server.connection_yaml()}    stsRoleArn: arn:aws:iam::123456789012:role/reader
    stsRoleExternalId: outside
    stsRoleSessionDuration: PT1H
    stsEndpointOverride: "{s3_server.url}"
    bucket: {bucket}
  - id: path_style
    type: io.kestra.plugin.aws.s3.List
    endpointOverride: "{localhost}"
    forcePathStyle: true
    region: us-east-1
    accessKeyId: testing
    secretKeyId: testing
    bucket: {bucket}
  - id: sts_down
    type: io.kestra.plugin.aws.s3.List
{s3_server.connection_yaml()}    stsRoleArn: arn:aws:iam::123456789012:role/reader
    stsEndpointOverride: "http://127.0.0.1:9"
    bucket: {bucket}
    allowFailure: true
  - id: too_long
    type: io.kestra.plugin.aws.s3.List
{s3_server.connection_yaml()}    stsRoleArn: arn:aws:iam::123456789012:role/reader
    stsRoleSessionDuration: P1D
    bucket: {bucket}
    allowFailure: true
"""
    final, runs = run_flow(runtime, flow)
    assert runs["assumed"].state is State.SUCCESS, logs_of(runtime, final)
    assert [o["key"] for o in runs["assumed"].outputs["objects"]] == ["k.txt"]
    assert [o["key"] for o in runs["path_style"].outputs["objects"]] == ["k.txt"]
    messages = "\n".join(logs_of(runtime, final))
    # The role is really assumed first: with STS unreachable the task fails there.
    assert "assuming the role arn:aws:iam::123456789012:role/reader (stsRoleArn) failed" \
        in messages
    assert "`stsRoleSessionDuration` is P1D" in messages


def test_checksums_copy_with_delete_and_downloads_with_delete(runtime, s3_server, s3, bucket):
    for key in ("drop/1.txt", "drop/2.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    conn = s3_server.connection_yaml()
    flow = f"""
id: s3_options
namespace: company.team
tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: checked content
  - id: upload
    type: io.kestra.plugin.aws.s3.Upload
{conn}    bucket: {bucket}
    from: "{{{{ outputs.write.uri }}}}"
    key: checked.txt
    checksumAlgorithm: SHA256
    contentType: text/plain
    tagging:
      team: data
  - id: download
    type: io.kestra.plugin.aws.s3.Download
{conn}    bucket: {bucket}
    key: checked.txt
    validateChecksum: true
  - id: move
    type: io.kestra.plugin.aws.s3.Copy
{conn}    from:
      bucket: {bucket}
      key: checked.txt
    to:
      bucket: {bucket}
      key: moved/checked.txt
      serverSideEncryption: AES256
    delete: true
  - id: drain
    type: io.kestra.plugin.aws.s3.Downloads
{conn}    bucket: {bucket}
    prefix: drop/
    maxFiles: "{{{{ 1 + 1 }}}}"
    filter: "{{{{ 'FILES' }}}}"
    action: DELETE
"""
    final, runs = run_flow(runtime, flow)
    assert final.state is State.SUCCESS, logs_of(runtime, final)
    download = runs["download"].outputs
    assert download["checksumAlgorithm"] == "SHA256" and download["checksumValue"]
    assert download["contentType"] == "text/plain"
    assert read_uri(runtime, download["uri"]) == b"checked content"
    head = s3.head_object(Bucket=bucket, Key="moved/checked.txt")
    assert head["ServerSideEncryption"] == "AES256"
    tags = s3.get_object_tagging(Bucket=bucket, Key="moved/checked.txt")["TagSet"]
    assert tags == [{"Key": "team", "Value": "data"}]
    assert len(runs["drain"].outputs["objects"]) == 2
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == \
        ["moved/checked.txt"]
