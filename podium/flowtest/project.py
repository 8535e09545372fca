"""What `podium flow test PATH...` finds under its paths: test files (YAML documents with
`testCases`) and flow files (the rest), and for each test file the flow it tests: found
by `namespace` + `flowId` among the flow files, or read from its `flow` file.

Every problem is collected (a file that is neither a valid test nor a valid flow, a test
naming no flow found, a flow defined twice) so that one run reports them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from podium.common.errors import FlowValidationError
from podium.common.flow.files import FlowKey, ProjectFlow, project_files
from podium.common.flow.loader import load_flow_file
from podium.common.flow.yaml_source import load_yaml
from podium.flowtest.spec import FlowTestSuite, is_test_document, load_suite


@dataclass
class Project:
    suites: list[tuple[FlowTestSuite, ProjectFlow]] = field(default_factory=list)
    flows: list[ProjectFlow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # every file read (what --watch polls)


def discover(paths: tuple[Path, ...]) -> Project:
    project = Project()
    tests: list[FlowTestSuite] = []
    flows: dict[FlowKey, ProjectFlow] = {}
    for path in project_files(paths):
        project.files.append(path)
        try:
            if _is_test_file(path):
                tests.append(load_suite(path))
            else:
                _add_flow(flows, ProjectFlow(path, load_flow_file(path)), project)
        except FlowValidationError as exc:
            project.problems.append(str(exc))
    for suite in tests:
        target = _target(suite, flows, project)
        if target is not None:
            project.suites.append((suite, target))
    project.flows = list(flows.values())
    if not tests and not project.problems:
        project.problems.append(f"no test files (YAML with `testCases`) under "
                                f"{', '.join(str(p) for p in paths)}")
    return project


def _target(suite: FlowTestSuite, flows: dict[FlowKey, ProjectFlow],
            project: Project) -> ProjectFlow | None:
    model = suite.model
    if model.flow is not None:
        path = (suite.path.parent / model.flow).resolve()
        try:
            item = ProjectFlow(path, load_flow_file(path))
        except FlowValidationError as exc:
            project.problems.append(f"{suite.where('flow')}: the flow under test: {exc}")
            return None
        if path not in [p.resolve() for p in project.files]:
            project.files.append(path)
            _add_flow(flows, item, project)
        return flows.get(item.key, item)
    key = (model.namespace or "", model.flow_id or "")
    if key not in flows:
        project.problems.append(f"{suite.where('flowId')}: flow {key[0]}.{key[1]} not found "
                                f"among the flow files given (or give its file as `flow`)")
        return None
    return flows[key]


def _add_flow(flows: dict[FlowKey, ProjectFlow], item: ProjectFlow, project: Project) -> None:
    if item.key in flows and flows[item.key].path.resolve() != item.path.resolve():
        project.problems.append(f"flow {item.key[0]}.{item.key[1]} is defined twice: in "
                                f"{flows[item.key].path} and in {item.path}")
        return
    flows[item.key] = item


def _is_test_file(path: Path) -> bool:
    """A quick look at the document (a broken one is left to the flow loader's message)."""
    try:
        return is_test_document(load_yaml(path.read_bytes(), name=str(path)).data)
    except (FlowValidationError, OSError):
        return False
