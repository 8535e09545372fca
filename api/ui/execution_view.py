"""How the execution page shows values, pure: inputs (a SECRET masked as the API leaves it
sealed, a stored file as a link), the trigger, and the form field each input declaration
asks with (a Pause's `onResume`, an Approval's review inputs)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from podium.common.inputs import InputType
from podium.common.plugins.fields import is_expression
from podium.common.secrets import is_sealed

MASK = "******"
FILE_SCHEME = "kestra://"


@dataclass(frozen=True)
class Shown:
    """One value as the page shows it: `kind` "text", "secret" (masked) or "file" (`text`
    is the file's name, `uri` where it is stored)."""

    key: str
    kind: str
    text: str
    uri: str = ""


def shown_value(key: str, value: Any) -> Shown:
    if is_sealed(value):
        return Shown(key, "secret", MASK)
    if isinstance(value, str) and value.startswith(FILE_SCHEME):
        return Shown(key, "file", value.rsplit("/", 1)[-1] or value, value)
    if isinstance(value, str):
        return Shown(key, "text", value)
    return Shown(key, "text", json.dumps(value, default=str, ensure_ascii=False))


def shown_values(values: dict[str, Any] | None, prefix: str = "") -> list[Shown]:
    """Each value under its dotted key (inputs with dotted ids are nested dicts); a sealed
    secret is one value, not a dict to open."""
    rows: list[Shown] = []
    for key, value in (values or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and not is_sealed(value):
            rows += shown_values(value, name + ".")
        else:
            rows.append(shown_value(name, value))
    return rows


def trigger_rows(trigger: dict[str, Any] | None) -> list[Shown]:
    """Kestra's ExecutionTrigger: its id and type, then its variables."""
    if not trigger:
        return []
    rows = [Shown(k, "text", str(trigger[k])) for k in ("id", "type") if trigger.get(k)]
    return rows + shown_values(trigger.get("variables") or {}, "variables.")


# ------------------------------------------------------------------ form fields

@dataclass(frozen=True)
class Field:
    """The HTML field asking for one declared input. `widget`: input (with `html_type`),
    textarea, select, multiselect, boolean, file."""

    id: str
    label: str
    widget: str
    html_type: str = "text"
    required: bool = False
    value: str = ""
    options: tuple[str, ...] = ()
    description: str = ""


_HTML_TYPES = {InputType.INT: "number", InputType.FLOAT: "number", InputType.SECRET: "password",
               InputType.EMAIL: "email", InputType.URI: "url", InputType.DATE: "date",
               InputType.TIME: "time", InputType.DATETIME: "text"}
_TEXTAREAS = (InputType.JSON, InputType.YAML, InputType.ARRAY)


def field_of(declaration: Any) -> Field:
    kind = InputType(declaration.type)
    ident = declaration.id or declaration.name or ""
    start = declaration.defaults if declaration.defaults is not None \
        else getattr(declaration, "prefill", None)
    # An expression default is the server's to render: the field starts empty, and an
    # empty field is not sent, so the default applies.
    common = dict(id=ident, label=declaration.display_name or ident,
                  required=bool(declaration.required) and declaration.defaults is None,
                  value="" if is_expression(start) else _text(start),
                  description=declaration.description or "")
    options = tuple(getattr(declaration, "values", None) or
                    getattr(declaration, "options", None) or ())
    if kind in (InputType.BOOLEAN, InputType.BOOL):
        return Field(widget="boolean", options=("true", "false"), **common)
    if kind is InputType.FILE:
        return Field(widget="file", **common)
    if kind is InputType.MULTISELECT:
        return Field(widget="multiselect", options=options, **common)
    if kind in (InputType.SELECT, InputType.ENUM) and options:
        return Field(widget="select", options=options, **common)
    if kind in _TEXTAREAS:
        return Field(widget="textarea", **common)
    return Field(widget="input", html_type=_HTML_TYPES.get(kind, "text"), **common)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)
