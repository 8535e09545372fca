"""The flow graph: duplicate task ids, Dag cycles and unknown dependencies, absurd nesting,
huge task counts, huge documents and alias bombs, each refused quickly and cleanly
(docs/security.md, "Flow source")."""

from __future__ import annotations

from podium.common.flow.rules import MAX_TASKS
from tests.security.flow_cases import Case, flow_yaml, refusal_tests

LOG = "type: io.kestra.plugin.core.log.Log\n"
HEAD = "id: hostile\nnamespace: security.tests\ntasks:\n"


def _dag(tasks: str) -> str:
    return HEAD + "  - id: dag\n    type: io.kestra.plugin.core.flow.Dag\n    tasks:\n" + tasks


def _dag_node(task_id: str, depends_on: str | None) -> str:
    node = f"      - task:\n          id: {task_id}\n          {LOG}          message: x\n"
    return node + (f"        dependsOn: [{depends_on}]\n" if depends_on else "")


def _nested_sequentials(levels: int) -> str:
    """`levels` Sequential blocks inside one another, block style, two spaces per level."""
    lines, indent = [], ""
    for level in range(levels):
        lines += [f"{indent}- id: s{level}",
                  f"{indent}  type: io.kestra.plugin.core.flow.Sequential", f"{indent}  tasks:"]
        indent += "  "
    lines += [f"{indent}- id: leaf", f"{indent}  {LOG.strip()}", f"{indent}  message: hi"]
    return HEAD + "\n".join(lines) + "\n"


def _many_tasks(count: int) -> str:
    return HEAD + "".join(f"  - id: t{i}\n    {LOG}    message: hi\n" for i in range(count))


def _alias_bomb() -> str:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for previous, name in zip("abcdefgh", "bcdefghi"):
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    return "\n".join(levels) + "\n" + HEAD + f"  - id: hello\n    {LOG}    message: hi\n"


CASES = [
    Case("duplicate-top-level-task", flow_yaml(f"  - id: hello\n    {LOG}    message: again\n"),
         "duplicate task id 'hello'", line=7, path="tasks[1].id"),
    Case("duplicate-nested-in-errors",
         flow_yaml("errors:\n  - id: seq\n    type: io.kestra.plugin.core.flow.Sequential\n"
                   f"    tasks:\n      - id: hello\n        {LOG}        message: x\n"),
         "duplicate task id 'hello' (already used at tasks[0])", line=11,
         path="errors[0].tasks[0].id"),
    Case("duplicate-in-finally", flow_yaml(f"finally:\n  - id: hello\n    {LOG}    message: x\n"),
         "duplicate task id 'hello'", line=8, path="finally[0].id"),
    Case("duplicate-trigger-id",
         flow_yaml("triggers:\n" + "".join(
             "  - id: tick\n    type: io.kestra.plugin.core.trigger.Schedule\n"
             "    cron: '@daily'\n" for _ in range(2))),
         "duplicate trigger id 'tick'", line=11, path="triggers[1].id"),
    Case("dag-cycle", _dag(_dag_node("a", "b") + _dag_node("b", "a")),
         "dependency cycle: a -> b -> a", line=4, path="tasks[0]"),
    Case("dag-self-dependency", _dag(_dag_node("a", "a")), "dependency cycle: a -> a", line=4,
         path="tasks[0]"),
    Case("dag-unknown-dependency", _dag(_dag_node("a", "ghost")),
         "dependsOn names tasks that are not in this Dag: ghost", line=4, path="tasks[0]"),
    Case("nesting-200-sequentials", _nested_sequentials(200), "nested too deeply",
         line=226),
    Case("nesting-500-sequentials", _nested_sequentials(500), "nested too deeply", line=1504),
    Case("nesting-flow-style-brackets", HEAD + "  - " + "[" * 2000 + "]" * 2000 + "\n",
         "more than 100 levels of [ or {", line=4, path=""),
    Case("too-many-tasks", _many_tasks(MAX_TASKS + 1),
         f"declares {MAX_TASKS + 1} tasks; at most {MAX_TASKS}", line=3, path="tasks"),
    Case("alias-bomb", _alias_bomb(), "through aliases (an alias bomb?)", line=5),
    Case("recursive-alias", HEAD + "  - &loop\n    id: x\n    nested: *loop\n",
         "an alias refers to the value that contains it", line=4),
    Case("document-too-large",
         flow_yaml("description: |\n" + ("  " + "x" * 1000 + "\n") * 1100),
         "document is too large"),
]
DEPLOYED = [CASES[1], CASES[4], CASES[11]]


test_api_refuses, test_flow_validate_refuses, test_flow_deploy_refuses = \
    refusal_tests(CASES, DEPLOYED)
