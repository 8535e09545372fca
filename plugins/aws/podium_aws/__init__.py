"""Podium's AWS plugin: Kestra's `io.kestra.plugin.aws.s3` tasks and polling trigger, through
boto3. Connection properties as Kestra's AbstractConnection (podium_aws/connection.py)."""

from podium.sdk import Plugin
from podium_aws.s3.copy import Copy
from podium_aws.s3.create_bucket import CreateBucket
from podium_aws.s3.delete import Delete
from podium_aws.s3.delete_list import DeleteList
from podium_aws.s3.download import Download
from podium_aws.s3.downloads import Downloads
from podium_aws.s3.list import List
from podium_aws.s3.trigger import Trigger
from podium_aws.s3.upload import Upload

plugin = Plugin(
    name="aws",
    title="AWS",
    description="Amazon S3 (and S3-compatible stores): upload, download, list, copy and "
                "delete objects, create buckets; a trigger polling a bucket for new objects.",
    tasks=(Upload, Download, Downloads, List, Delete, DeleteList, Copy, CreateBucket),
    triggers=(Trigger,),
)
