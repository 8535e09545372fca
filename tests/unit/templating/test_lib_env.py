"""Smoke level: the three dicts installed in a bare SandboxedEnvironment."""

import datetime as dt

import pytest
from jinja2.sandbox import SandboxedEnvironment

from podium.common.errors import TemplateError
from podium.common.templating.library import FILTERS, FUNCTIONS, TESTS


@pytest.fixture
def env():
    e = SandboxedEnvironment()
    e.filters.update(FILTERS)
    e.globals.update(FUNCTIONS)
    e.tests.update(TESTS)
    return e


@pytest.mark.parametrize("template,expected", [
    ("{{ [1, 2, 3, 4, 5] | chunk(2) | toJson }}", "[[1,2],[3,4],[5]]"),
    ("{{ 'a.b.c' | substringAfter(separator='.') }}", "b.c"),
    ("{{ 'Hello World' | startsWith('Hello') }}", "True"),
    ("{{ 'john doe' | replace({'john': 'jane'}) }}", "jane doe"),
    ("{{ 'aa1bb2' | replace({'(\\\\d)': '-$1-'}, regexp=true) }}", "aa-1-bb-2-"),
    ("{{ [1, 2, 3] | jq('.[0]') | first }}", "1"),
    ("{{ {'a': 1} | toJson }}", '{"a":1}'),
    ("{{ '  ' | default('x') }}", "x"),
    ("{{ missing | default('fallback') }}", "fallback"),
    ("{{ 'article title' | capitalize }}", "Article title"),
    ("{{ 'one,two' | split(',') | last }}", "two"),
    ("{{ 'abcdef' | slice(1, 3) }}", "bc"),
    ("{{ range(1, 3) | join(',') }}", "1,2,3"),
    ("{{ max(1, 7, 3) }}", "7"),
    ("{{ fromJson('{\"a\": [1, 2]}').a[1] }}", "2"),
    ("{{ yaml('a: b').a }}", "b"),
    ("{{ '\"x\"' is json }}", "True"),
    ("{{ '' is empty }}", "True"),
    ("{{ none is null }}", "True"),
    ("{{ 4 is even }}", "True"),
    ("{{ {'a': 1} is map }}", "True"),
    ("{{ '12.3' | number | className }}", "java.lang.Float"),
    ("{{ 'first\\nsecond' | indent(2) }}", "first\n  second"),
    ("{{ 'x' | nindent(2) }}", "\n  x"),
    ("{{ \"it's\" | escapeChar('shell') }}", "it'\\''s"),
    ("{{ 'Hello World' | slugify }}", "hello-world"),
    ("{{ 'hello' | md5 }}", "5d41402abc4b2a76b9719d911017c592"),
    ("{{ 'test' | base64encode | base64decode }}", "test"),
    ("{{ {'a': 1, 'b': 2} | keys | join(',') }}", "a,b"),
    ("{{ {'a': 1, 'b': 2} | values | join(',') }}", "1,2"),
    ("{{ [[1], [2, 3]] | flatten | length }}", "3"),
    ("{{ [3, 1, 2] | sort | join }}", "123"),
    ("{{ [3, 1, 2] | rsort | reverse | first }}", "1"),
    ("{{ [1] | merge([2]) | toJson }}", "[1,2]"),
    ("{{ 1234.5 | numberFormat('#,##0.00') }}", "1,234.50"),
    ("{{ -3 | abs }}", "3"),
    ("{{ 'a b' | urlencode | urldecode }}", "a b"),
    ("{{ 'Hello' | abbreviate(4) }}", "H..."),
    ("{{ 'x y' | title | lower | upper | trim }}", "X Y"),
    ("{{ 'x' | sha1 | length }}", "40"),
    ("{{ 'x' | sha256 | length }}", "64"),
    ("{{ 'x' | sha512 | length }}", "128"),
    ("{{ 'a' | toIon }}", '"a"'),
    ("{{ [1] | yaml }}", " - 1\n"),
    ("{{ 'ab' | endsWith('b') }}", "True"),
    ("{{ 'a.b.c' | substringBefore('.') }}{{ 'a.b.c' | substringBeforeLast('.') }}{{ 'a.b.c' | substringAfterLast('.') }}", "aa.bc"),
    ("{{ '[1]' | jq('.[]') | json }}", "[1]"),
    ("{{ json('[5]')[0] }}{{ fromIon('[6]')[0] }}", "56"),
    ("{{ [1] is iterable }}{{ 1 is odd }}{{ x is defined }}", "TrueTrueFalse"),
    ("{{ uuid() | length }}{{ id() | length }}", "3622"),
    ("{{ randomInt(3, 3) }}{{ min(4, 2) }}", "32"),
])
def test_templates(env, template, expected):
    assert env.from_string(template).render() == expected


def test_dates_in_templates(env):
    ctx = {"d": dt.datetime(2013, 9, 8, 16, 19, 12, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1)))}
    t = ("{{ d | date('yyyy-MM-dd HH:mm', timeZone='Europe/Paris') }}|"
         "{{ d | dateAdd(-1, 'DAYS', timeZone='Europe/Paris') }}|{{ d | timestamp }}|"
         "{{ d | timestampMicro }}|{{ d | timestampNano }}|{{ now('yyyy') | length }}")
    assert env.from_string(t).render(ctx) == \
        "2013-09-08 17:19|2013-09-07T17:19:12.123456+02:00|1378653552|1378653552000123456|1378653552123456000|4"


def test_errors_are_template_errors(env):
    for t in ("{{ 1 | chunk(2) }}", "{{ 'x' | escapeChar('nope') }}", "{{ fromJson('{bad') }}",
              "{{ range(0, 10, 0) }}", "{{ 'x' | date(timeZone='Nowhere/City') }}", "{{ kv('k') }}",
              "{{ fileURI('../x') }}", "{{ 'x' | number }}"):
        with pytest.raises(TemplateError):
            env.from_string(t).render(flow={"namespace": "n"})
