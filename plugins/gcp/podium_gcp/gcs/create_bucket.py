"""io.kestra.plugin.gcp.gcs.CreateBucket: a bucket, created, updated or left as it is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from podium.sdk import Example, RunContext, Task, TaskFailure
from podium_gcp.connection import GcpConnection
from podium_gcp.gcs.bucket_models import (
    AccessControl,
    BucketLifecycleRule,
    Cors,
    IamConfiguration,
    Logging,
    StorageClass,
)
from podium_gcp.gcs.objects import gcs_errors, required, storage_client, text

if TYPE_CHECKING:  # imported when a task runs (podium_gcp/connection.py says why)
    from google.cloud import storage


class CreateBucket(GcpConnection, Task):
    """Create or update a GCS bucket.

    Creates the bucket `name` with the given settings (`location`, `storageClass`,
    `labels`, `versioningEnabled`, `requesterPays`, `indexPage`, `notFoundPage`,
    `lifecycleRules`, `cors`, `acl`, `defaultAcl`, `defaultKmsKeyName`,
    `defaultEventBasedHold`, `retentionPeriod` in seconds, `iamConfiguration`, `logging`).
    When it exists, `ifExists`: ERROR (default) fails, UPDATE applies the settings, SKIP
    leaves it. Outputs `bucket` (`name`, `uri`, `location`, `indexPage`, `notFoundPage`),
    `created` and `updated`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.gcp.gcs.CreateBucket"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (Example(
        title="Create a new bucket with some options", code="""
id: gcp_gcs_create_bucket
namespace: company.team

tasks:
  - id: create_bucket
    type: io.kestra.plugin.gcp.gcs.CreateBucket
    name: "my-bucket"
    versioningEnabled: true
    labels:
      my-label: my-value
"""),)

    name: str
    requester_pays: bool | None = None
    versioning_enabled: bool | None = None
    index_page: str | None = None
    not_found_page: str | None = None
    lifecycle_rules: list[BucketLifecycleRule] | None = None
    storage_class: StorageClass | None = None
    location: str | None = None
    cors: list[Cors] | None = None
    acl: list[AccessControl] | None = None
    default_acl: list[AccessControl] | None = None
    labels: dict[str, str] | None = None
    default_kms_key_name: str | None = None
    default_event_based_hold: bool | None = None
    retention_period: int | None = None
    iam_configuration: IamConfiguration | None = None
    logging: Logging | None = None
    if_exists: Literal["ERROR", "UPDATE", "SKIP"] = "ERROR"

    def run(self, ctx: RunContext) -> dict[str, Any]:
        name = required(ctx, self.name, "name")
        settings = self._resource(ctx)
        client = storage_client(self, ctx)
        with gcs_errors(f"creating the bucket {name}"):
            existing = client.lookup_bucket(name)
            if existing is None:
                ctx.log("DEBUG", f"Creating bucket '{name}'")
                bucket = client.create_bucket(_with(client.bucket(name), settings))
                return _output(bucket, created=True)
            if self.if_exists == "UPDATE":
                ctx.log("DEBUG", f"Updating bucket '{name}'")
                bucket = _with(existing, settings)
                bucket.patch()
                return _output(bucket, updated=True)
        if self.if_exists == "SKIP":
            ctx.log("DEBUG", f"Bucket '{name}' already exists, skipping")
            return _output(existing)
        raise TaskFailure(f"Bucket {name} already exists and ifExists policy is set to ERROR !")

    def _resource(self, ctx: RunContext) -> dict[str, Any]:
        """The bucket's settings in the JSON shape of GCS's REST API (only those given)."""
        out: dict[str, Any] = {}
        website = {k: v for k, v in (("mainPageSuffix", text(ctx, self.index_page)),
                                     ("notFoundPage", text(ctx, self.not_found_page))) if v}
        simple = {
            "billing": None if self.requester_pays is None
            else {"requesterPays": self.requester_pays},
            "versioning": None if self.versioning_enabled is None
            else {"enabled": self.versioning_enabled},
            "website": website or None, "storageClass": self.storage_class,
            "location": text(ctx, self.location),
            "labels": None if self.labels is None else {
                str(k): str(v) for k, v in ctx.render_value(self.labels).items()},
            "encryption": None if self.default_kms_key_name is None
            else {"defaultKmsKeyName": text(ctx, self.default_kms_key_name)},
            "defaultEventBasedHold": self.default_event_based_hold,
            "retentionPolicy": None if self.retention_period is None
            else {"retentionPeriod": str(self.retention_period)},
            "iamConfiguration": self.iam_configuration and self.iam_configuration.resource(),
            "logging": self.logging and self.logging.resource(),
        }
        out.update({k: v for k, v in simple.items() if v is not None})
        for key, items in (("lifecycle", self.lifecycle_rules), ("cors", self.cors),
                           ("acl", self.acl), ("defaultObjectAcl", self.default_acl)):
            if items is not None:
                resources = [item.resource() for item in items]
                out[key] = {"rule": resources} if key == "lifecycle" else resources
        return out


def _with(bucket: storage.Bucket, settings: dict[str, Any]) -> storage.Bucket:
    # Marked as changed, so that create_bucket / patch send exactly these fields.
    for key, value in settings.items():
        bucket._patch_property(key, value)
    return bucket


def _output(bucket: storage.Bucket, *, created: bool = False,
            updated: bool = False) -> dict[str, Any]:
    website = bucket._properties.get("website") or {}
    info = {k: v for k, v in (("name", bucket.name), ("uri", f"gs://{bucket.name}"),
                              ("location", bucket.location),
                              ("indexPage", website.get("mainPageSuffix")),
                              ("notFoundPage", website.get("notFoundPage"))) if v}
    return {"bucket": info, "updated": updated, "created": created}
