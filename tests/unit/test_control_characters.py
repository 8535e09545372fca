"""The control-character rule (common/control_characters.py) and the callers that share
it: API parameters, labels, flow source text and storage URI segments."""

from __future__ import annotations

import pytest

from podium.common.control_characters import (
    describe_character,
    first_control_character,
    has_control_characters,
    shown_safely,
)
from podium.common.errors import UnsafePathError, YamlSyntaxError
from podium.common.flow.source_text import check_characters
from podium.common.labels import label_limit_problems
from podium.common.storage.uris import check_name


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f",
                                  "\x7f"])
def test_c0_controls_and_del_are_control_characters(char):
    assert first_control_character(f"a{char}b") == char
    assert first_control_character(f"a{char}b", name=True) == char


@pytest.mark.parametrize("char", ["\t", "\n", "\r"])
def test_whitespace_is_text_but_never_part_of_a_name(char):
    assert not has_control_characters(f"a{char}b")
    assert has_control_characters(f"a{char}b", name=True)


@pytest.mark.parametrize("text", ["plain", "é ü 漢字", "a\x85b", "a\x9bb", ""])
def test_other_characters_are_not(text):
    assert first_control_character(text, name=True) is None


def test_shown_safely_and_described():
    assert shown_safely("a\x00b\nc") == "a?b?c"
    assert describe_character("\x00") == "character U+0000 (NUL)"
    assert describe_character("\x1b") == "character U+001B (ESC)"


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f"])
def test_every_caller_refuses_the_same_characters(char):
    assert label_limit_problems([(f"k{char}", "v")])
    assert label_limit_problems([("k", f"v{char}")])
    with pytest.raises(YamlSyntaxError):
        check_characters(f"id: a{char}b\n", None)
    with pytest.raises(UnsafePathError):
        check_name(f"a{char}b")


def test_labels_keep_whitespace_in_values_as_the_api_does():
    assert label_limit_problems([("k", "two\nlines\tand a tab")]) == []


def test_a_label_problem_names_the_character_and_hides_it():
    [problem] = label_limit_problems([("te\x00am", "v")])
    assert problem == "label 'te?am' contains character U+0000 (NUL), a control character"


def test_flow_text_also_refuses_what_yaml_forbids_besides():
    for char in ("\x9b", "\ufffe"):
        with pytest.raises(YamlSyntaxError):
            check_characters(f"id: a{char}b\n", None)
    check_characters("id: a\x85b\tc\r\n", None)  # NEL, tab and line breaks are fine
