"""From YAML text to a validated Flow, or a FlowValidationError that lists every problem
with its field path, line and column. The source text is kept beside the parsed flow:
revisions store it verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

import podium.common.plugins  # noqa: F401  (registers every plugin type before the first validation)
from podium.common.errors import FlowValidationError, Problem
from podium.common.flow.duplicate_ids import check_duplicate_ids
from podium.common.flow.identifiers import check_identifier_scalars
from podium.common.flow.model import Flow
from podium.common.flow.plugin_defaults import apply_plugin_defaults
from podium.common.flow.problems import problems_from_validation
from podium.common.flow.rules import (
    RawProblem,
    check_flow,
    check_plugin_defaults,
    check_task_count,
    format_path,
)
from podium.common.flow.yaml_source import MAX_DOCUMENT_BYTES, YamlDocument, load_yaml


@dataclass(frozen=True)
class LoadedFlow:
    """A valid flow, its source text as submitted, and the raw document it came from."""

    flow: Flow
    source: str
    raw: dict[str, Any]


def parse_flow(source: str | bytes, *, name: str | None = None,
               max_bytes: int = MAX_DOCUMENT_BYTES) -> LoadedFlow:
    """Parse and validate a flow. Raises FlowValidationError (YamlSyntaxError for bad YAML)."""
    doc = load_yaml(source, name=name, max_bytes=max_bytes)
    if not isinstance(doc.data, dict):
        raise FlowValidationError([Problem("a flow must be a YAML mapping (id, namespace, "
                                           "tasks, ...)", "", 1, 1)], name)
    flow = validate_document(doc, name)
    return LoadedFlow(flow=flow, source=doc.source, raw=doc.data)


def load_flow_file(path: str | Path) -> LoadedFlow:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise FlowValidationError([Problem(
                f"document is too large ({size} bytes; the limit is {MAX_DOCUMENT_BYTES} bytes)")],
                str(path))
        data = path.read_bytes()
    except OSError as exc:
        raise FlowValidationError([Problem(f"cannot read file: {exc.strerror}")], str(path)) from None
    return parse_flow(data, name=str(path))


def validate_document(doc: YamlDocument, name: str | None = None) -> Flow:
    _raise_if_any(check_task_count(doc.data), doc, name)
    # Duplicate ids come with every other problem of the document, not after they are fixed.
    duplicates = check_duplicate_ids(doc.data)
    _raise_if_any([*check_identifier_scalars(doc), *check_plugin_defaults(doc.data)], doc, name,
                  also=duplicates)
    data = apply_plugin_defaults(doc.data)
    try:
        flow = Flow.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation(exc, doc, data, _flow_fields)
        raise FlowValidationError(_in_document_order([*problems, *_problems(duplicates, doc)]),
                                 name) from None
    _raise_if_any([*check_flow(flow, data), *duplicates], doc, name)
    return flow


def _problems(found: list[RawProblem], doc: YamlDocument) -> list[Problem]:
    return [Problem(message, format_path(path), *(doc.position_of(path) or (None, None)))
            for path, message in found]


def _raise_if_any(found: list[RawProblem], doc: YamlDocument, name: str | None,
                  also: list[RawProblem] | None = None) -> None:
    """Raise when `found` has problems; `also` are reported with them, never alone."""
    if found:
        raise FlowValidationError(_in_document_order(_problems([*found, *(also or [])], doc)),
                                  name)


def _in_document_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0, p.path))


def _flow_fields() -> list[str]:
    return [field.alias or name for name, field in Flow.model_fields.items()]
