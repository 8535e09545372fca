"""What the flow editor's pages compute, without a server: the problems of a validation
as the editor shows them (line, column, message), a unified diff of two revisions split
into coloured lines, the flows list's label filter."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from podium.application.flows import Validated
from podium.common.errors import FlowValidationError, InvalidRequestError, PodiumError


@dataclass(frozen=True)
class Shown:
    """A problem as the editor lists it; `line`/`column` 1-based, None when unknown."""
    message: str
    line: int | None = None
    column: int | None = None
    path: str = ""

    @property
    def text(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line is not None else ""
        at = f"at {self.path}: " if self.path else ""
        return f"{where}{at}{self.message}"

    def as_dict(self) -> dict[str, Any]:
        return dict(message=self.message, line=self.line, column=self.column,
                    path=self.path, text=self.text)


def problems_of(error: PodiumError) -> list[Shown]:
    """A save's or a validation's error as the editor lists it: a flow's problems carry
    their place in the source (the loader's line and column, never read off the text)."""
    if isinstance(error, FlowValidationError) and error.problems:
        return [Shown(p.message, p.line, p.column, p.path or "") for p in error.problems]
    if isinstance(error, InvalidRequestError) and error.details:
        return [Shown(_joined(error.message, str(d.get("message") or "")),
                      path=str(d.get("path") or "")) for d in error.details]
    return [Shown(error.message)]


def _joined(head: str, detail: str) -> str:
    return head if detail in ("", head) else f"{head}: {detail}"


def validation_json(result: Validated) -> dict[str, Any]:
    """The validate endpoint's answer for the editor's one document."""
    problems = problems_of(result.error) if result.error is not None else []
    flow = result.flow
    return dict(valid=flow is not None, problems=[p.as_dict() for p in problems],
                warnings=list(result.warnings),
                namespace=flow.namespace if flow else None, flow=flow.id if flow else None)


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "added", "removed", "hunk", "header" or "same"
    text: str


def unified_diff(old: str, new: str, old_name: str, new_name: str) -> list[DiffLine]:
    """difflib's unified diff of two sources, each line with its kind (for its colour)."""
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), old_name, new_name,
                                 lineterm="")
    return [DiffLine(_kind(line), line) for line in lines]


def _kind(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "header"
    if line.startswith("@@"):
        return "hunk"
    return {"+": "added", "-": "removed"}.get(line[:1], "same")


class LabelFilterError(ValueError):
    pass


def label_filter(text: str) -> dict[str, str]:
    """`env:prod team:data` (spaces or commas between pairs) as the flows search's labels;
    LabelFilterError names a pair without `key:`."""
    labels: dict[str, str] = {}
    for pair in (p for p in re.split(r"[\s,]+", text.strip()) if p):
        key, sep, value = pair.partition(":")
        if not sep or not key:
            raise LabelFilterError(f"Invalid label filter '{pair}': expected key:value")
        labels[key] = value
    return labels
