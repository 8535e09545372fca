"""CreateBucket's nested properties (Kestra's gcs.models: BucketLifecycleRule, Cors,
AccessControl, IamConfiguration, Logging) and the bucket resource they make, in the JSON
shape of GCS's REST API."""

from __future__ import annotations

from typing import Any, Literal

from podium.sdk import StrictModel, TaskFailure

StorageClass = Literal["REGIONAL", "MULTI_REGIONAL", "NEARLINE", "COLDLINE", "STANDARD",
                       "ARCHIVE", "DURABLE_REDUCED_AVAILABILITY"]


class LifecycleCondition(StrictModel):
    age: int


class LifecycleAction(StrictModel):
    type: Literal["DELETE", "SET_STORAGE_CLASS"]
    value: StorageClass | None = None  # the storage class of SET_STORAGE_CLASS


class BucketLifecycleRule(StrictModel):
    condition: LifecycleCondition
    action: LifecycleAction

    def resource(self) -> dict[str, Any]:
        if self.action.type == "DELETE":
            action: dict[str, Any] = {"type": "Delete"}
        else:
            if self.action.value is None:
                raise TaskFailure("lifecycleRules: SET_STORAGE_CLASS needs `value`, the class")
            action = {"type": "SetStorageClass", "storageClass": self.action.value}
        return {"action": action, "condition": {"age": self.condition.age}}


class Origin(StrictModel):
    value: str


class Cors(StrictModel):
    max_age_seconds: int | None = None
    methods: list[Literal["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"]] | None = None
    origins: list[Origin | str] | None = None
    response_headers: list[str] | None = None

    def resource(self) -> dict[str, Any]:
        origins = None if self.origins is None else [
            o.value if isinstance(o, Origin) else o for o in self.origins]
        return {k: v for k, v in (("maxAgeSeconds", self.max_age_seconds),
                                  ("method", self.methods), ("origin", origins),
                                  ("responseHeader", self.response_headers)) if v is not None}


class Entity(StrictModel):
    type: Literal["DOMAIN", "GROUP", "USER"]
    value: str


class AccessControl(StrictModel):
    entity: Entity
    role: Literal["READER", "WRITER", "OWNER"]

    def resource(self) -> dict[str, Any]:
        return {"entity": f"{self.entity.type.lower()}-{self.entity.value}", "role": self.role}


class IamConfiguration(StrictModel):
    uniform_bucket_level_access_enabled: bool | None = None
    public_access_prevention: Literal["ENFORCED", "INHERITED", "UNSPECIFIED"] | None = None

    def resource(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.uniform_bucket_level_access_enabled is not None:
            out["uniformBucketLevelAccess"] = {
                "enabled": self.uniform_bucket_level_access_enabled}
        if self.public_access_prevention not in (None, "UNSPECIFIED"):
            out["publicAccessPrevention"] = str(self.public_access_prevention).lower()
        return out


class Logging(StrictModel):
    log_bucket: str | None = None
    log_object_prefix: str | None = None

    def resource(self) -> dict[str, Any]:
        return {k: v for k, v in (("logBucket", self.log_bucket),
                                  ("logObjectPrefix", self.log_object_prefix)) if v}
