"""A wrongly indented key or list item is described in words, with its line and column and
the column it should start at, never with the parser's "expected <block end>"
(common/flow/yaml_indentation.py)."""

from __future__ import annotations

import pytest

from podium.common.errors import YamlSyntaxError
from podium.common.flow.loader import parse_flow

HEAD = "id: nightly\nnamespace: company.team\ntasks:\n"


def _problem(source: str) -> tuple[int | None, int | None, str]:
    with pytest.raises(YamlSyntaxError) as caught:
        parse_flow(source, name="flow.yaml")
    [problem] = caught.value.problems
    assert "block end" not in problem.message and "Traceback" not in str(caught.value)
    return problem.line, problem.column, problem.message


KEYS = "the keys of one mapping must start in the same column"
ITEMS = "the items of one list must start in the same column"


@pytest.mark.parametrize("body,expected", [
    pytest.param(
        "  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
        "      level: INFO\n",
        (7, 7, f"key 'level' is indented more than the key 'message' on line 6 (column 7, "
               f"expected 5): {KEYS}"), id="more-after-a-value"),
    pytest.param(
        "  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
        "   level: INFO\n",
        (7, 4, f"key 'level' is indented less than the key 'message' on line 6 (column 4, "
               f"expected 5): {KEYS}"), id="less-in-a-list-item"),
    pytest.param(
        "  - id: log\n     type: io.kestra.plugin.core.log.Log\n    message: hi\n",
        (5, 6, f"key 'type' is indented more than the key 'id' on line 4 (column 6, "
               f"expected 5): {KEYS}"), id="more-than-the-item-key"),
    pytest.param(
        "  - id: fetch\n    type: io.kestra.plugin.core.http.Request\n"
        "    uri: https://example.com\n    headers:\n      Accept: application/json\n"
        "     User-Agent: podium\n",
        (9, 6, f"key 'User-Agent' is indented less than the key 'Accept' on line 8 "
               f"(column 6, expected 7): {KEYS}"), id="less-in-a-nested-map"),
    pytest.param(
        "  - id: seq\n    type: io.kestra.plugin.core.flow.Sequential\n    tasks:\n"
        "      - id: inner\n        type: io.kestra.plugin.core.log.Log\n"
        "        message: hi\n       level: WARN\n",
        (10, 8, f"key 'level' is indented less than the key 'message' on line 9 (column 8, "
                f"expected 9): {KEYS}"), id="less-in-a-nested-task"),
    pytest.param(
        "  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: a\n"
        "  - id: b\n    type: io.kestra.plugin.core.log.Log\n    message: b\n"
        "   - id: c\n    type: io.kestra.plugin.core.log.Log\n    message: c\n",
        (10, 4, f"this list item is indented more than the list item on line 7 (column 4, "
                f"expected 3): {ITEMS}"), id="item-more"),
    pytest.param(
        "  - id: sh\n    type: io.kestra.plugin.scripts.shell.Commands\n    commands:\n"
        "      - |\n        echo start: now\n        echo done\n   taskRunner:\n"
        "      type: io.kestra.plugin.core.runner.Process\n",
        (10, 4, f"key 'taskRunner' is indented less than the key 'commands' on line 6 "
                f"(column 4, expected 5): {KEYS}"), id="after-a-block-scalar"),
])
def test_misindented_lines_are_described(body, expected):
    assert _problem(HEAD + body) == expected


def test_a_misindented_top_level_key():
    source = "id: nightly\n namespace: company.team\ntasks:\n  - id: a\n" \
             "    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
    assert _problem(source) == (2, 2, "key 'namespace' is indented more than the key 'id' on "
                                      f"line 1 (column 2, expected 1): {KEYS}")


def test_labels_less_indented_than_the_first():
    source = HEAD.replace("tasks:\n", "labels:\n    team: data\n  owner: me\ntasks:\n") + \
        "  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
    assert _problem(source) == (5, 3, "key 'owner' is indented less than the key 'team' on "
                                      f"line 4 (column 3, expected 5): {KEYS}")


def test_a_colon_inside_a_value_is_not_called_an_indentation_problem():
    line, column, message = _problem(
        HEAD + "  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hello: world\n")
    assert (line, column) == (6, 19) and "indented" not in message


def test_a_tab_is_still_reported_as_a_tab():
    _, _, message = _problem(
        HEAD + "  - id: a\n    type: io.kestra.plugin.core.log.Log\n\tmessage: hi\n")
    assert "tab" in message


SCRIPT_TASK = "  - id: transform\n    type: io.kestra.plugin.scripts.python.Script\n    script: |\n"


def test_a_script_line_indented_less_than_the_script():
    source = HEAD + SCRIPT_TASK + "      import json\n      rows = json.load(open('in.json'))\n" \
        "     print(len(rows))\n"
    assert _problem(source) == (
        9, 6, "this line is indented less than the text of the block that starts on line 6 "
              "with '|' (column 6, expected at least 7): YAML ends a block at its first line "
              "indented less than the block's text")


def test_description_text_that_falls_out_of_its_block():
    source = "id: nightly\nnamespace: company.team\ndescription: |\n  Loads the warehouse.\n" \
             "\n  ## Steps\n 1. extract: from the API\n  2. load\ntasks:\n" \
             "  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
    assert _problem(source) == (
        7, 2, "this line is indented less than the text of the block that starts on line 3 "
              "with '|' (column 2, expected at least 3): YAML ends a block at its first line "
              "indented less than the block's text")


def test_a_block_whose_text_is_not_indented():
    source = "id: nightly\nnamespace: company.team\ndescription: |\nPatch the fleet in waves,\n" \
             "one group at a time.\ntasks:\n" \
             "  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
    assert _problem(source) == (
        4, 1, "the text of the block that starts on line 3 with '|' must be indented more "
              "than that line (column 1, expected more than 1)")
