"""The types a flow input or output can declare (Kestra's ``io.kestra.core.models.flows.Type``)."""

from __future__ import annotations

from enum import Enum


class InputType(str, Enum):
    STRING = "STRING"
    ENUM = "ENUM"  # deprecated in Kestra: use SELECT
    SELECT = "SELECT"
    MULTISELECT = "MULTISELECT"
    INT = "INT"
    FLOAT = "FLOAT"
    BOOLEAN = "BOOLEAN"
    BOOL = "BOOL"  # Kestra 0.21+ toggle; parsed exactly like BOOLEAN
    DATETIME = "DATETIME"
    DATE = "DATE"
    TIME = "TIME"
    DURATION = "DURATION"
    FILE = "FILE"
    JSON = "JSON"
    YAML = "YAML"
    URI = "URI"
    SECRET = "SECRET"
    ARRAY = "ARRAY"
    EMAIL = "EMAIL"

    def __str__(self) -> str:
        return self.value


TYPE_NAMES: tuple[str, ...] = tuple(t.value for t in InputType)
