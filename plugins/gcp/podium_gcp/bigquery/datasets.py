"""io.kestra.plugin.gcp.bigquery.CreateDataset and DeleteDataset."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from podium.sdk import Example, RunContext, StrictModel, Task, TaskFailure
from podium_gcp.bigquery.service import BigQueryConnection, bigquery_errors, required, text

if TYPE_CHECKING:  # imported when a task runs (podium_gcp/connection.py says why)
    from google.cloud import bigquery

AclRole = Literal["READER", "WRITER", "OWNER"]


class Entity(StrictModel):
    type: Literal["USER", "GROUP", "DOMAIN", "IAM_MEMBER"]
    value: str


class AccessControl(StrictModel):
    entity: Entity
    role: AclRole


class EncryptionConfiguration(StrictModel):
    kms_key_name: str | None = None


class CreateDataset(BigQueryConnection, Task):
    """Create or update a BigQuery dataset.

    Creates dataset `name` with `location`, `description`, `friendlyName`, `labels`, `acl`
    (`{entity: {type, value}, role}`), `defaultTableLifetime` and
    `defaultPartitionExpirationMs` (milliseconds), `defaultEncryptionConfiguration`
    (`kmsKeyName`). When it exists, `ifExists` decides: `ERROR` (the default) fails,
    `UPDATE` replaces its metadata, `SKIP` leaves it as it is. Outputs `dataset`, `project`,
    `friendlyName`, `description` and `location`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.gcp.bigquery.CreateDataset"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Create a dataset if not exists", code="""
id: gcp_bq_create_dataset
namespace: company.team

tasks:
  - id: create_dataset
    type: io.kestra.plugin.gcp.bigquery.CreateDataset
    name: "my_dataset"
    location: "EU"
    ifExists: "SKIP"
"""),)

    name: str
    acl: list[AccessControl] | None = None
    default_table_lifetime: int | None = None
    description: str | None = None
    friendly_name: str | None = None
    default_encryption_configuration: EncryptionConfiguration | None = None
    default_partition_expiration_ms: int | None = None
    labels: dict[str, str] | None = None
    if_exists: Literal["ERROR", "UPDATE", "SKIP"] = "ERROR"

    def run(self, ctx: RunContext) -> dict[str, Any]:
        from google.api_core.exceptions import Conflict

        client = self.bigquery_client(ctx)
        dataset = self._dataset(ctx, client)
        with bigquery_errors("CreateDataset"):
            try:
                created = client.create_dataset(dataset)
            except Conflict:
                if self.if_exists == "ERROR":
                    raise
                if self.if_exists == "SKIP":
                    ctx.log("INFO", f"Dataset '{dataset.dataset_id}' exists: skipped")
                    created = client.get_dataset(dataset.reference)
                else:
                    created = client.update_dataset(dataset, self._updated_fields())
        return dataset_output(created)

    def _dataset(self, ctx: RunContext, client: bigquery.Client) -> bigquery.Dataset:
        from google.cloud import bigquery

        name = required(ctx, self.name, "name")
        dataset = bigquery.Dataset(name if "." in name else f"{client.project}.{name}")
        dataset.location = text(ctx, self.location)
        dataset.description = text(ctx, self.description)
        dataset.friendly_name = text(ctx, self.friendly_name)
        if self.labels is not None:
            dataset.labels = ctx.render_value(self.labels)
        if self.default_table_lifetime is not None:
            dataset.default_table_expiration_ms = self.default_table_lifetime
        if self.default_partition_expiration_ms is not None:
            dataset.default_partition_expiration_ms = self.default_partition_expiration_ms
        if self.default_encryption_configuration and \
                self.default_encryption_configuration.kms_key_name:
            dataset.default_encryption_configuration = bigquery.EncryptionConfiguration(
                kms_key_name=ctx.render(self.default_encryption_configuration.kms_key_name))
        if self.acl:
            dataset.access_entries = [
                bigquery.AccessEntry(role=a.role, entity_type=_ENTITY[a.entity.type],
                                     entity_id=ctx.render(a.entity.value)) for a in self.acl]
        return dataset

    def _updated_fields(self) -> list[str]:
        fields = ["description", "friendly_name", "labels"]
        if self.acl:
            fields.append("access_entries")
        if self.default_table_lifetime is not None:
            fields.append("default_table_expiration_ms")
        if self.default_partition_expiration_ms is not None:
            fields.append("default_partition_expiration_ms")
        return fields


_ENTITY = {"USER": "userByEmail", "GROUP": "groupByEmail", "DOMAIN": "domain",
           "IAM_MEMBER": "iamMember"}


def dataset_output(dataset: bigquery.Dataset) -> dict[str, Any]:
    return {"dataset": dataset.dataset_id, "project": dataset.project,
            "friendlyName": dataset.friendly_name, "description": dataset.description,
            "location": dataset.location}


class DeleteDataset(BigQueryConnection, Task):
    """Delete a BigQuery dataset.

    Deletes dataset `name`; one that still holds tables is refused unless `deleteContents`
    is true. A missing dataset fails the task. Outputs `dataset`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.gcp.bigquery.DeleteDataset"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Delete a dataset", code="""
id: gcp_bq_delete_dataset
namespace: company.team

tasks:
  - id: delete_dataset
    type: io.kestra.plugin.gcp.bigquery.DeleteDataset
    name: "my-dataset"
    deleteContents: true
"""),)

    name: str
    delete_contents: bool | None = None

    def run(self, ctx: RunContext) -> dict[str, Any]:
        from google.api_core.exceptions import NotFound

        client = self.bigquery_client(ctx)
        name = required(ctx, self.name, "name")
        ctx.log("DEBUG", f"Deleting dataset '{name}'")
        with bigquery_errors("DeleteDataset"):
            try:
                client.delete_dataset(name, delete_contents=bool(self.delete_contents))
            except NotFound:
                raise TaskFailure(f"Couldn't find dataset '{name}'") from None
        return {"dataset": name}
