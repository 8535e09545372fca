"""The corpus manifest as a flat list of cases: one per entry and one per variant.

A variant replaces only the fields it gives (inputs / setup / execution_labels / expect /
source_test); everything else (flow, mode, requires) comes from its entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from tests.conformance.superseded import superseded

_OVERRIDABLE = ("inputs", "setup", "execution_labels", "expect", "source_test")


@dataclass(frozen=True)
class Case:
    file: str  # file name inside flows/ (the manifest gives the path in the Kestra repo)
    variant: str | None  # None for the entry itself, "v1", "v2", ... for its variants
    entry: dict[str, Any]  # the manifest line, variants included
    inputs: dict[str, Any]
    setup: dict[str, Any]
    labels: dict[str, Any]
    expect: dict[str, Any]
    source_test: str | None
    superseded: str | None = None  # the Kestra change whose expectation replaced the manifest's

    @property
    def namespace(self) -> str:
        return self.entry["namespace"]

    @property
    def flow_id(self) -> str:
        return self.entry["flow_id"]

    @property
    def mode(self) -> str:
        return self.entry.get("mode", "run")

    @property
    def requires(self) -> list[str]:
        return list(self.entry.get("requires") or [])

    @property
    def name(self) -> str:
        return self.file if self.variant is None else f"{self.file} [{self.variant}]"


def read_manifest(path: str | Path) -> list[dict[str, Any]]:
    entries = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON: {exc}") from None
    return entries


def expand(entry: dict[str, Any]) -> list[Case]:
    file = PurePosixPath(entry["file"]).name
    base = {key: entry.get(key) for key in _OVERRIDABLE}
    cases = [_case(file, None, entry, base)]
    for number, variant in enumerate(entry.get("variants") or [], 1):
        fields = dict(base)
        fields.update({key: variant[key] for key in _OVERRIDABLE if key in variant})
        cases.append(_case(file, f"v{number}", entry, fields))
    return cases


def _case(file: str, variant: str | None, entry: dict[str, Any],
          fields: dict[str, Any]) -> Case:
    expect, change = dict(fields["expect"] or {}), None
    if (newer := superseded(file, variant)) is not None:
        expect, change = dict(newer.expect), newer.change
    return Case(file=file, variant=variant, entry=entry, inputs=dict(fields["inputs"] or {}),
                setup=dict(fields["setup"] or {}), labels=dict(fields["execution_labels"] or {}),
                expect=expect, source_test=fields["source_test"], superseded=change)


def load_cases(corpus: str | Path, only: str | None = None) -> list[Case]:
    """Every case of the corpus in manifest order; `only` keeps those whose file name, file
    stem, flow id or "file [variant]" equals it."""
    cases = [case for entry in read_manifest(Path(corpus) / "manifest.jsonl")
             for case in expand(entry)]
    if only:
        cases = [case for case in cases
                 if only in (case.file, PurePosixPath(case.file).stem, case.flow_id, case.name)]
    return cases
