"""The run form's fields, both ways (pure: no I/O): an input's preview (its declaration,
whether it is enabled, its value) as the widget that asks for it, and the form's fields
back as the raw values `executions.submit` takes, as the API's multipart form gives them.

Each input is the form field `input:<id>` (ids may hold dots; the prefix keeps them apart
from the CSRF token and the labels). A SECRET's value is never written back into a page.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any

import yaml

from podium.common.inputs import InputType
from podium.common.inputs.preview import InputPreview
from podium.common.inputs.values import java_text, to_json_value

PREFIX = "input:"
CUSTOM_SUFFIX = "/custom"  # a MULTISELECT's own values, one a line (allowCustomValue)
TEXT_WIDGETS = {InputType.STRING: "text", InputType.EMAIL: "email", InputType.URI: "url",
                InputType.DURATION: "duration", InputType.SECRET: "password",
                InputType.DATE: "date", InputType.TIME: "time",
                InputType.DATETIME: "datetime", InputType.INT: "number",
                InputType.FLOAT: "number", InputType.FILE: "file"}
AREA_TYPES = (InputType.JSON, InputType.YAML, InputType.ARRAY)
# datetime-local gives minutes (and seconds with step=1) and no zone: the form says UTC.
_LOCAL_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")


@dataclass(frozen=True)
class Field:
    """One input as a widget: `widget` picks the template's markup."""

    id: str
    name: str
    label: str
    widget: str
    type: str
    required: bool
    description: str = ""
    text: str = ""                     # the value of a single-valued widget
    chosen: tuple[str, ...] = ()       # a MULTISELECT's chosen values
    options: tuple[str, ...] = ()      # SELECT / ENUM / MULTISELECT values
    custom: bool = False               # values beyond `options` allowed
    attrs: dict[str, str] = field(default_factory=dict)  # min, max, step...
    note: str = ""
    error: str = ""


def field_of(preview: InputPreview, error: str | None = None) -> Field:
    """The widget for an enabled input; `error` (from a submission) wins over the
    preview's own."""
    decl = preview.declaration
    kind = InputType(decl.type)
    value = None if kind is InputType.SECRET else preview.value
    base = dict(id=decl.id, name=PREFIX + decl.id, label=decl.display_name or decl.id,
                type=kind.value, required=bool(decl.required),
                description=decl.description or "", error=error or preview.error or "",
                note=_note(decl, kind, preview))
    if kind in (InputType.SELECT, InputType.ENUM):
        widget = "radio" if getattr(decl, "is_radio", False) else "select"
        custom = bool(getattr(decl, "allow_custom_value", False))
        return Field(widget="combo" if custom else widget, text=_text(kind, value),
                     options=tuple(decl.values or ()), custom=custom, **base)
    if kind is InputType.MULTISELECT:
        chosen = tuple(java_text(v) for v in _as_list(value))
        options = tuple(decl.values if decl.values is not None else decl.options or ())
        return Field(widget="multiselect", chosen=chosen, options=options,
                     custom=decl.allow_custom_value, **base)
    if kind in (InputType.BOOLEAN, InputType.BOOL):
        widget = "toggle" if kind is InputType.BOOL else "boolean"
        return Field(widget=widget, text=_text(kind, value), **base)
    if kind in AREA_TYPES:
        return Field(widget="textarea", text=_text(kind, value), **base)
    return Field(widget=TEXT_WIDGETS[kind], text=_text(kind, value),
                 attrs=_bounds(decl, kind), **base)


def _note(decl: Any, kind: InputType, preview: InputPreview) -> str:
    if kind is InputType.SECRET and decl.defaults is not None:
        return "A default is set: leave empty to use it."
    if kind is InputType.FILE and isinstance(preview.value, str):
        return f"Default: {preview.value}. Choose a file to replace it."
    if kind is InputType.DATETIME:
        return "UTC"
    if kind is InputType.DURATION:
        return "ISO-8601, e.g. PT5M"
    if kind is InputType.ARRAY:
        return f"A JSON array of {decl.item_type.value} values"
    return ""


def _bounds(decl: Any, kind: InputType) -> dict[str, str]:
    if kind in (InputType.INT, InputType.FLOAT):
        attrs = {"step": "1" if kind is InputType.INT else "any"}
        for name in ("min", "max"):
            if getattr(decl, name) is not None:
                attrs[name] = java_text(getattr(decl, name))
        return attrs
    if kind in (InputType.DATE, InputType.TIME, InputType.DATETIME):
        attrs = {"step": "1"} if kind is not InputType.DATE else {}
        for name, attr in (("after", "min"), ("before", "max")):
            bound = getattr(decl, name)
            if bound is not None:
                attrs[attr] = _text(kind, bound)
        return attrs
    return {}


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    return list(value) if isinstance(value, (list, tuple)) else []


def _text(kind: InputType, value: Any) -> str:
    """A value (as given in a form, or a declared default) as its widget's text."""
    if value is None:
        return ""
    if kind is InputType.DATETIME:
        return _local_datetime(value)
    if kind in AREA_TYPES and not isinstance(value, str):
        if kind is InputType.YAML:
            return yaml.safe_dump(to_json_value(value), sort_keys=False)
        return json.dumps(to_json_value(value), indent=2, ensure_ascii=False)
    if isinstance(value, (date, time)):
        return java_text(to_json_value(value))
    return java_text(value)


def _local_datetime(value: Any) -> str:
    """An instant as datetime-local's text, in UTC; text that is no instant is kept."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return java_text(value)
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S")


# ------------------------------------------------------------------ form -> raw values

def raw_inputs(declarations: list[Any], form: Any, files: bool = True) -> dict[str, Any]:
    """The inputs a form gives (a starlette FormData: `getlist`), as the API's form would
    give them: text, lists for MULTISELECT, uploads (objects with `filename` and `file`)
    for FILE when `files`. An empty field is no value."""
    values: dict[str, Any] = {}
    for decl in declarations:
        value = _raw(decl, form, files)
        if value is not None:
            values[decl.id] = value
    return values


def _raw(decl: Any, form: Any, files: bool) -> Any:
    name, kind = PREFIX + decl.id, InputType(decl.type)
    given = form.getlist(name)
    if kind is InputType.FILE:
        upload = next((g for g in given if not isinstance(g, str)), None)
        return upload if files and upload is not None and upload.filename else None
    texts = [g for g in given if isinstance(g, str)]
    if kind is InputType.MULTISELECT:
        extra = [line.strip() for text in form.getlist(name + CUSTOM_SUFFIX)
                 if isinstance(text, str) for line in text.splitlines()]
        chosen = [t for t in texts + extra if t]
        return chosen or None
    if kind is InputType.BOOL:  # a checkbox after its hidden "false"
        return "true" if "true" in texts else ("false" if texts else None)
    text = texts[-1] if texts else ""
    if text == "":
        return None
    if kind is InputType.DATETIME and _LOCAL_DATETIME.fullmatch(text):
        return text + (":00" if text.count(":") == 1 else "") + "Z"
    return text


def parse_label_lines(text: str) -> list[str]:
    """The labels box: `key:value` a line (blank lines skipped), as the API's `labels`."""
    return [line.strip() for line in text.splitlines() if line.strip()]
