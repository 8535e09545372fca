"""Flow files on disk: which files under some paths are flow (or flow test) files, and a
flow file once loaded. Shared by the CLI (`flow validate/deploy`, `run --flows`) and
`flow test`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from podium.common.flow.loader import LoadedFlow

FLOW_SUFFIXES = (".yaml", ".yml")
FlowKey = tuple[str, str]  # (namespace, flow id)


@dataclass(frozen=True)
class ProjectFlow:
    """A flow file of a project, loaded."""

    path: Path
    loaded: LoadedFlow

    @property
    def key(self) -> FlowKey:
        return self.loaded.flow.namespace, self.loaded.flow.id


def flow_files(paths: Iterable[Path]) -> list[Path]:
    """The .yaml/.yml files under folders (recursively, sorted), and the files given."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in FLOW_SUFFIXES
                                and p.is_file()))
        else:
            files.append(path)
    return files


def project_files(folders: Iterable[Path]) -> list[Path]:
    """`flow_files`, but none inside a hidden folder under a folder given (`.github/`...)."""
    found = []
    for folder in folders:
        for path in flow_files((folder,)):
            inner = path.relative_to(folder).parent.parts if folder.is_dir() else ()
            if not any(part.startswith(".") for part in inner):
                found.append(path)
    return found
