from __future__ import annotations

import time

import pytest

from podium.common.inputs.regexes import UnsafeRegexError, compile_validator, full_match


@pytest.mark.parametrize("pattern", [r"A\d+", r"^[a-z]+(-[a-z]+)*$", r"([a-z]+-)*", r"(a|b)*",
                                     r".*foo.*", r"((ab)*c)*", r"(?>a+)+", r"[^@]+@[^@]+"])
def test_safe_patterns_accepted(pattern):
    compile_validator(pattern)


@pytest.mark.parametrize("pattern", [r"(a+)+", r"(a*)*b", r"(\w+\s?)*$", r"(?:x+)*",
                                     r"(a+){2,}", r"^(([a-z])+.)+[A-Z]([a-z])+$"])
def test_nested_unbounded_repeats_rejected(pattern):
    with pytest.raises(UnsafeRegexError, match="nests unbounded repeats"):
        compile_validator(pattern)


def test_invalid_pattern():
    with pytest.raises(UnsafeRegexError, match="not a valid regular expression"):
        compile_validator("(")


def test_full_match_semantics():
    assert full_match(r"A\d+", "A1")
    assert not full_match(r"A\d+", "A1b")
    assert not full_match(r"\d", "x1")


def test_accepted_patterns_stay_fast_on_hostile_values():
    start = time.monotonic()
    full_match(r"^[a-z]+(-[a-z]+)*$", "a-" * 2000 + "!")
    full_match(r"([a-z]+-)*$", "a-" * 2000 + "!")
    assert time.monotonic() - start < 1.0
