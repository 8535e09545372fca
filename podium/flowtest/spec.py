"""The YAML of a flow test file (`podium flow test`), validated with line numbers.

A test file names the flow it tests (`namespace` + `flowId`, or `flow`: the flow's file,
relative to the test file) and lists `testCases`. Each case gives the execution's inputs
and the tasks replaced by fixtures (`fixtures.tasks`: their outputs, files and final state;
their own body never runs), then `assertions`: a `value` (an expression over the finished
execution, see flowtest/context.py) compared with one or more operators. The vocabulary
follows Kestra's unit tests (testCases, fixtures, assertions, equalTo, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from podium.common.errors import FlowTestFileError, Problem
from podium.common.flow.model import NAMESPACE_PATTERN
from podium.common.flow.problems import problems_from_validation
from podium.common.flow.yaml_source import load_yaml
from podium.common.plugins.fields import StrictModel

TEST_FILE_KEY = "testCases"  # what tells a test file from a flow file in a folder
# The comparisons an assertion may make, as Kestra names them (plus a few: notContains,
# matches). Each takes the expected value; isNull / isNotNull take `true`.
OPERATORS = ("equalTo", "notEqualTo", "contains", "notContains", "startsWith", "endsWith",
             "matches", "greaterThan", "greaterThanOrEqualTo", "lessThan",
             "lessThanOrEqualTo", "in", "notIn", "isNull", "isNotNull")
FixtureState = Literal["SUCCESS", "WARNING", "FAILED"]
_ID = r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$"


class TaskFixture(StrictModel):
    """A task that does not run: it ends in `state` with `outputs` (and `files`, stored and
    listed in `outputs.outputFiles`)."""

    id: str
    description: str | None = None
    outputs: dict[str, Any] | None = None
    files: dict[str, str] | None = None
    state: FixtureState = "SUCCESS"


class Fixtures(StrictModel):
    inputs: dict[str, Any] | None = None
    tasks: list[TaskFixture] = Field(default_factory=list)


class Assertion(StrictModel):
    value: Any
    description: str | None = None
    error_message: str | None = None
    task_id: str | None = None  # read as `task` in `value`: outputs and state of that task
    equal_to: Any = None
    not_equal_to: Any = None
    contains: Any = None
    not_contains: Any = None
    starts_with: Any = None
    ends_with: Any = None
    matches: str | None = None
    greater_than: Any = None
    greater_than_or_equal_to: Any = None
    less_than: Any = None
    less_than_or_equal_to: Any = None
    in_: list[Any] | None = Field(None, alias="in")
    not_in: list[Any] | None = None
    is_null: bool | None = None
    is_not_null: bool | None = None

    @model_validator(mode="after")
    def _one_operator_at_least(self) -> "Assertion":
        if not self.checks():
            raise ValueError(f"an assertion needs an operator: one of {', '.join(OPERATORS)}")
        return self

    def checks(self) -> list[tuple[str, Any]]:
        """(operator, expected) for each operator given, in OPERATORS order."""
        given = self.model_dump(by_alias=True, exclude_unset=True)
        return [(name, given[name]) for name in OPERATORS if name in given]


class CaseModel(StrictModel):
    id: str = Field(pattern=_ID)
    type: str | None = None  # Kestra's io.kestra.core.tests.flow.UnitTest: read, unused
    description: str | None = None
    disabled: bool = False
    fixtures: Fixtures = Field(default_factory=Fixtures)
    assertions: list[Assertion] = Field(min_length=1)


class SuiteModel(StrictModel):
    id: str = Field(pattern=_ID)
    description: str | None = None
    namespace: str | None = Field(None, pattern=NAMESPACE_PATTERN)
    flow_id: str | None = None
    flow: str | None = None  # the flow's file, relative to the test file
    test_cases: list[CaseModel] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_a_flow(self) -> "SuiteModel":
        if self.flow is None and not (self.namespace and self.flow_id):
            raise ValueError("name the flow under test: `namespace` and `flowId`, or `flow` "
                             "(the flow's file, relative to this file)")
        return self


@dataclass(frozen=True)
class FlowTestSuite:
    """A test file, loaded: `model` as written, `path` where it is, `positions` of its
    fields (for error messages pointing into it)."""

    path: Path
    model: SuiteModel
    positions: dict[tuple[Any, ...], tuple[int, int]]

    def where(self, *path: Any) -> str:
        """`file:line:column` of a field of the file (its nearest ancestor's position)."""
        while path and path not in self.positions:
            path = path[:-1]
        line, column = self.positions.get(path, (1, 1))
        return f"{self.path}:{line}:{column}"


def is_test_document(data: Any) -> bool:
    return isinstance(data, dict) and TEST_FILE_KEY in data


def load_suite(path: Path) -> FlowTestSuite:
    """Parse and validate a test file; FlowTestFileError lists every problem with its line."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise FlowTestFileError([Problem(f"cannot read file: {exc.strerror}")], str(path)) from None
    doc = load_yaml(text, name=str(path))
    if not is_test_document(doc.data):
        raise FlowTestFileError([Problem(f"a test file is a YAML mapping with `{TEST_FILE_KEY}`",
                                         "", 1, 1)], str(path))
    try:
        model = SuiteModel.model_validate(doc.data)
    except ValidationError as exc:
        problems = problems_from_validation(exc, doc, doc.data, _suite_fields)
        raise FlowTestFileError(problems, str(path)) from None
    duplicates = _duplicate_case_ids(model)
    if duplicates:
        raise FlowTestFileError([Problem(f"test case id '{case_id}' is used twice",
                                         f"testCases[{index}].id",
                                         *(doc.position_of(("testCases", index, "id"))
                                           or (None, None)))
                                 for index, case_id in duplicates], str(path))
    return FlowTestSuite(path, model, dict(doc.positions))


def _duplicate_case_ids(model: SuiteModel) -> list[tuple[int, str]]:
    seen: set[str] = set()
    found = []
    for index, case in enumerate(model.test_cases):
        if case.id in seen:
            found.append((index, case.id))
        seen.add(case.id)
    return found


def _suite_fields() -> list[str]:
    return [field.alias or name for name, field in SuiteModel.model_fields.items()]
