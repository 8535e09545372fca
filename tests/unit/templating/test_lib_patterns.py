"""regexMatch / regexReplace / regexExtract, distinct and string, rendered by the engine.
Oracles: Kestra's RegexFilterTest, DistinctFilterTest, StringFilterTest."""

import pytest

from podium.common.errors import TemplateError
from podium.common.templating import render
from podium.common.templating.library import patterns


@pytest.mark.parametrize("template,expected", [
    # RegexFilterTest: regexMatch uses find(), so a partial match is a match
    ("{{ 'hello world' | regexMatch(regex='hello.*') }}", "true"),
    ("{{ 'hello world' | regexMatch(regex='^\\\\d+$') }}", "false"),
    ("{{ 'order-12345-done' | regexMatch(regex='\\\\d+') }}", "true"),
    ("{{ null | regexMatch(regex='.*') }}", "false"),
    ("{{ 'hello world' | regexReplace(regex='world', replacement='java') }}", "hello java"),
    ("{{ 'aa1bb2cc3' | regexReplace(regex='\\\\d', replacement='-') }}", "aa-bb-cc-"),
    ("{{ 'aa1bb2cc3' | regexReplace(regex='(\\\\d)', replacement='[$1]') }}", "aa[1]bb[2]cc[3]"),
    ("{{ 'hello' | regexReplace(regex='\\\\d+', replacement='X') }}", "hello"),
    ("{{ null | regexReplace(regex='.*', replacement='x') }}", ""),
    ("{{ 'order-12345-done' | regexExtract(regex='\\\\d+') }}", "12345"),
    ("{{ 'order-111-222-333-done' | regexExtract(regex='order-(\\\\d+)-(\\\\d+)-(\\\\d+)', group=2) }}",
     "222"),
    ("{{ 'abc-123-def-456' | regexExtract(regex='\\\\d+') }}", "123"),
    ("{{ 'hello' | regexExtract(regex='\\\\d+') }}", ""),
    ("{{ null | regexExtract(regex='\\\\d+') }}", ""),
    ("{{ 'k=v' | regexExtract(regex='(?<key>\\\\w+)=(?<val>\\\\w+)', group=2) }}", "v"),
])
def test_regex_filters_RegexFilterTest(template, expected):
    assert render(template, {}) == expected


@pytest.mark.parametrize("template,message", [
    ("{{ 'order-12345' | regexExtract(regex='order-(\\\\d+)', group=5) }}",
     "Group index 5 is out of bounds"),
    ("{{ 'order-12345' | regexExtract(regex='order-(\\\\d+)', group=-1) }}",
     "Group index -1 is out of bounds"),
    ("{{ 'hello' | regexMatch() }}", "The argument 'regex' is required"),
    ("{{ 'hello' | regexReplace(replacement='x') }}", "The argument 'regex' is required"),
    ("{{ 'hello' | regexReplace(regex='\\\\d+') }}", "The argument 'replacement' is required"),
    ("{{ 'hello' | regexExtract() }}", "The argument 'regex' is required"),
    ("{{ 'hello' | regexMatch(regex='[unclosed') }}", "Invalid regex"),
    ("{{ 'hello' | regexReplace(regex='[unclosed', replacement='x') }}", "Invalid regex"),
    ("{{ 'hello' | regexExtract(regex='[unclosed') }}", "Invalid regex"),
])
def test_regex_filter_errors_RegexFilterTest(template, message):
    with pytest.raises(TemplateError, match=message):
        render(template, {})


def test_catastrophic_pattern_times_out_instead_of_holding_the_process(monkeypatch):
    # RegexFilterTest.regex*ReDoSShouldTimeout: a backtracking pattern fails with "timed out"
    monkeypatch.setattr(patterns, "REGEX_TIMEOUT_SECONDS", 0.2)
    evil = "a" * 60 + "b"
    for template in ("{{ text | regexMatch(regex='(a|aa)+$') }}",
                     "{{ text | regexReplace(regex='(a|aa)+$', replacement='x') }}",
                     "{{ text | regexExtract(regex='(a|aa)+$') }}"):
        with pytest.raises(TemplateError, match="timed out"):
            render(template, {"text": evil})


def test_distinct_DistinctFilterTest():
    values = ["one", "two", "one", "three", "four", "five", "three", 1, 2, 3, 1, 2, 2,
              1.123, 2.123, 1.123, 10.0, 10.0]
    assert render("{{ list | distinct }}", {"list": values}) == \
        '["one","two","three","four","five",1,2,3,1.123,2.123,10.0]'
    assert render("{{ [] | distinct }}", {}) == "[]"
    assert render("{{ null | distinct }}", {}) == "null"
    # Java equality: a number, its float form, a boolean and a string are four values
    assert render("{{ [1, 1.0, true, '1', {'a': 1}, {'a': 1}] | distinct }}", {}) == \
        '[1,1.0,true,"1",{"a":1}]'
    for bad in ('"string"', '{"key": "value"}'):
        with pytest.raises(TemplateError, match="Input must be a list"):
            render("{{ " + bad + " | distinct }}", {})


def test_string_StringFilterTest():
    assert render("{{ 12.3 | string | className }}", {}) == "java.lang.String"
    assert render('{{ {"field":"hello"} | string | className }}', {}) == "java.lang.String"
    assert render("{{ 42 | string }}|{{ true | string }}|{{ [1, 'a'] | string }}", {}) == \
        '42|true|[1,"a"]'
    assert render("{{ (5 | string) ~ 1 }}", {}) == "51"
