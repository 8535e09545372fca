"""What `podium run FLOW.yaml --flows DIR --namespace-files DIR` loads around the flow it
runs: the other flows of a project (the subflows it calls), and namespace files.

- `load_flows`: every .yaml/.yml file under the folders (recursively; hidden folders such as
  `.github/` skipped) parsed and validated; every problem of every file is reported at once,
  and a flow defined by two files is refused, naming both.
- `missing_subflows`: the Subflow / ForEachItem tasks reachable from the flow run (through
  the subflows found) whose literal namespace and flowId name a flow that is neither loaded
  nor already deployed. A call whose target is an expression can only fail at run time.
- `namespace_file_sources`: `DIR` (the run flow's namespace) or `NAMESPACE=DIR`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from podium.common.errors import FlowValidationError
from podium.common.flow.files import FlowKey, ProjectFlow, project_files
from podium.common.flow.loader import load_flow_file
from podium.common.flow.model import NAMESPACE_PATTERN, Flow


class ProjectError(Exception):
    """The flows or files around the run flow cannot be used; the message says which."""


def load_flows(folders: Iterable[Path], main: ProjectFlow) -> list[ProjectFlow]:
    """The flows under `folders` other than `main` (same file, or same namespace and id as
    `main` in another file: refused). Raises ProjectError with every problem found."""
    problems: list[str] = []
    found: dict[FlowKey, ProjectFlow] = {main.key: main}
    for path in project_files(folders):
        if path.resolve() == main.path.resolve():
            continue
        try:
            item = ProjectFlow(path, load_flow_file(path))
        except FlowValidationError as exc:
            problems.append(str(exc))
            continue
        if item.key in found:
            problems.append(f"flow {_name(item.key)} is defined twice: in "
                            f"{found[item.key].path} and in {path}")
            continue
        found[item.key] = item
    if problems:
        raise ProjectError("\n".join(problems))
    return [item for key, item in found.items() if item is not main]


def missing_subflows(main: Flow, loaded: dict[FlowKey, Flow],
                     deployed: Callable[[str, str], bool]) -> list[str]:
    """One message per call, reachable from `main`, of a flow that is neither in `loaded`
    nor `deployed(namespace, flow_id)`."""
    missing: list[str] = []
    seen: set[FlowKey] = set()
    pending = [main]
    while pending:
        flow = pending.pop()
        if (flow.namespace, flow.id) in seen:
            continue
        seen.add((flow.namespace, flow.id))
        for task in flow.all_tasks():
            target = task.called_flow()
            if target is None:
                continue
            if target in loaded:
                pending.append(loaded[target])
            elif not deployed(*target):
                missing.append(f"subflow {_name(target)} not found: task '{task.id}' of flow "
                               f"{_name((flow.namespace, flow.id))} calls it (namespace "
                               f"'{target[0]}', flow id '{target[1]}'); give the folder "
                               f"holding it with --flows DIR")
    return missing


def namespace_file_sources(values: Iterable[str], default_namespace: str) -> list[
        tuple[str, Path]]:
    """(namespace, folder) for each `--namespace-files` value: `DIR` goes to the run flow's
    namespace, `NAMESPACE=DIR` to NAMESPACE."""
    sources = []
    for value in values:
        namespace, folder = default_namespace, value
        head, sep, tail = value.partition("=")
        if sep and re.fullmatch(NAMESPACE_PATTERN, head) and not Path(value).exists():
            namespace, folder = head, tail
        path = Path(folder).expanduser()
        if not path.is_dir():
            raise ProjectError(f"--namespace-files {value}: {path} is not a folder")
        sources.append((namespace, path))
    return sources


def _name(key: FlowKey) -> str:
    return f"{key[0]}.{key[1]}"
