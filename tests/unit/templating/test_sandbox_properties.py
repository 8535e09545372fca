"""Sandbox properties: whatever the template text, rendering fails only with TemplateError and
never leaks a Python object repr; known escape attempts are all refused."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podium.common.errors import TemplateError
from podium.common.templating import RenderServices, render, render_typed

CONTEXT = {
    "inputs": {"name": "n", "list": [1, 2], "map": {"k": "v"}},
    "outputs": {"t": {"value": "x"}},
    "vars": {"tpl": "{{ inputs.name }}"},
    "n": None,
}
REPR_MARKERS = ("<class", "<function", "<module", "<built-in", "<bound", "<Macro", "<Template", "object at 0x")

ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__ }}",
    "{{ [].__class__.__base__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ lipsum.__globals__ }}",
    "{{ joiner.__init__.__globals__.os }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ self.__dict__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ self }}",
    "{{ ''.format }}",
    "{{ '{0.__class__}'.format(inputs) }}",
    "{{ ''.format_map }}",
    "{{ '{0}'.format_map(inputs) }}",
    "{{ inputs.__class__ }}",
    "{{ inputs.items() }}",
    "{{ inputs.list.append(3) }}",
    "{{ inputs.list.pop() }}",
    "{{ inputs['__class__'] }}",
    "{{ inputs.name.upper() }}",
    "{{ render.__globals__ }}",
    "{{ render.__code__ }}",
    "{{ printContext.__closure__ }}",
    "{{ loop.__class__ }}",
    "{% for x in [1] %}{{ loop.cycle }}{% endfor %}",
    "{% for x in [1] %}{{ loop._iterator }}{% endfor %}",
    "{% macro m() %}{% endmacro %}{{ m.__globals__ }}",
    "{% macro m() %}{% endmacro %}{{ m }}",
    "{{ range.__self__ }}",
    "{{ func_globals }}",
    "{{ x.gi_frame }}",
    "{{ x.mro() }}",
    "{{ config }}",
    "{{ request }}",
    "{{ __builtins__ }}",
    "{{ _ }}",
    "{% include '/etc/passwd' %}",
    "{% import 'x' as y %}",
    "{% from 'x' import y %}",
    "{% extends 'x' %}",
    "{{ 'a' * 1000000000 }}",
    "{{ [1] * 1000000000 }}",
    "{% for i in 1..1000000000 %}{% endfor %}",
    "{% for i in 0..99999 %}{% for j in 0..99999 %}{% endfor %}{% endfor %}",
]


@pytest.mark.parametrize("template", ESCAPES)
def test_known_escape_attempts_raise_template_error(template):
    with pytest.raises(TemplateError) as info:
        render(template, {**CONTEXT, "x": 1})
    assert not any(marker in str(info.value) for marker in REPR_MARKERS)


@pytest.mark.parametrize("template", ESCAPES)
def test_known_escape_attempts_fail_in_typed_mode_too(template):
    with pytest.raises(TemplateError):
        render_typed(template, {**CONTEXT, "x": 1}, RenderServices())


def _check(template: str) -> None:
    try:
        out = render(template, CONTEXT)
    except TemplateError as exc:
        out = str(exc)
    assert not any(marker in out for marker in REPR_MARKERS), out


FAST = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.text(max_size=80))
def test_arbitrary_text_only_raises_template_error(text):
    _check(text)


@FAST
@given(st.text(alphabet="{}%#-'\"|?:.[]()~ ax_1", max_size=60))
def test_delimiter_soup_only_raises_template_error(text):
    _check(text)


NAMES = st.sampled_from(
    ["inputs", "outputs", "vars", "n", "x", "loop", "self", "render", "printContext", "cycler", "lipsum",
     "range", "_", "__class__", "__globals__", "__mro__", "__subclasses__", "__init__", "__dict__",
     "mro", "format", "format_map", "func_globals", "gi_frame", "name", "list", "map", "t", "value", "0"]
)
LITERALS = st.sampled_from(["'a'", '"b"', "1", "2.5", "null", "true", "[1,2]", "{'k':1}", "'{0.__class__}'"])
BINARY = st.sampled_from(
    ["??", "???", "?:", "~", "+", "-", "*", "/", "%", "==", "!=", "<", ">=", "and", "or", "contains",
     "equals", "in", "not in", ".."]
)
FILTERS = st.sampled_from(["default('d')", "upper", "length", "json", "first", "format('x')", "attr('__class__')"])
TESTS = st.sampled_from(["defined", "null", "empty", "not defined", "callable"])


def _expressions() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, NAMES).map(lambda p: f"{p[0]}.{p[1]}"),
            st.tuples(inner, st.one_of(LITERALS, inner)).map(lambda p: f"{p[0]}[{p[1]}]"),
            st.tuples(inner, st.lists(inner, max_size=2)).map(lambda p: f"{p[0]}({', '.join(p[1])})"),
            st.tuples(inner, BINARY, inner).map(lambda p: f"{p[0]} {p[1]} {p[2]}"),
            st.tuples(inner, FILTERS).map(lambda p: f"{p[0]} | {p[1]}"),
            st.tuples(inner, TESTS).map(lambda p: f"{p[0]} is {p[1]}"),
            st.tuples(inner, inner, inner).map(lambda p: f"{p[0]} ? {p[1]} : {p[2]}"),
            inner.map(lambda e: f"({e})"),
            inner.map(lambda e: f"not {e}"),
        )

    return st.recursive(st.one_of(NAMES, LITERALS), extend, max_leaves=8)


@FAST
@given(_expressions())
def test_grammar_expressions_only_raise_template_error(expression):
    _check("{{ " + expression + " }}")


@FAST
@given(_expressions(), _expressions())
def test_grammar_statements_only_raise_template_error(first, second):
    _check(f"{{% set y = {first} %}}{{% for i in {second} %}}{{{{ y }}}}{{{{ loop.index }}}}{{% endfor %}}")
    _check(f"{{% if {first} %}}a{{% elseif {second} %}}b{{% endif %}}")


@FAST
@given(_expressions())
def test_grammar_expressions_in_typed_mode_return_plain_data(expression):
    try:
        value = render_typed("{{ " + expression + " }}", CONTEXT)
    except TemplateError:
        return
    assert value is None or isinstance(value, (str, int, float, bool, list, tuple, dict)), type(value)
