"""Kestra's `io.kestra.plugin.gcp.gcs` types, in the order the plugin registers them."""

from podium.sdk import Task, Trigger
from podium_gcp.gcs.copy import Copy
from podium_gcp.gcs.create_bucket import CreateBucket
from podium_gcp.gcs.delete import Delete
from podium_gcp.gcs.delete_list import DeleteList
from podium_gcp.gcs.download import Download
from podium_gcp.gcs.downloads import Downloads
from podium_gcp.gcs.list import List
from podium_gcp.gcs.trigger import Trigger as GcsTrigger
from podium_gcp.gcs.upload import Upload

TASKS: tuple[type[Task], ...] = (Upload, Download, Downloads, List, Delete, DeleteList, Copy,
                                 CreateBucket)
TRIGGERS: tuple[type[Trigger], ...] = (GcsTrigger,)
