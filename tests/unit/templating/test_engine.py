"""Engine behaviour: Pebble syntax and operators, strictness, printing, typed rendering, errors."""

from __future__ import annotations

import datetime as dt

import pytest

from podium.common.errors import TemplateError, UndefinedVariableError
from podium.common.templating import (
    SERVICES_KEY,
    RenderServices,
    is_truthy,
    render,
    render_typed,
    render_value,
)


def r(template: str, **context) -> str:
    return render(template, context)


# -- fast path, printing ----------------------------------------------------------------------
def test_string_without_brace_is_returned_untouched():
    marker = "no template here %} }}"
    assert render(marker, {}) is marker


@pytest.mark.parametrize(
    ("template", "context", "expected"),
    [
        ("{{ [1,2] }}", {}, "[1,2]"),
        ("{{ {'a': 1} }}", {}, '{"a":1}'),
        ("{{ true }}", {}, "true"),
        ("{{ false }}", {}, "false"),
        ("{{ TRUE }}", {}, "true"),
        ("{{ null }}", {}, ""),
        ("{{ none }}", {}, ""),
        ("{{ x }}", {"x": None}, ""),
        ("{{ 1.5 }}", {}, "1.5"),
        ("{{ 2.0 }}", {}, "2.0"),
        ("{{ 1e20 }}", {}, "1.0E20"),
        ("{{ x }}", {"x": {"b": [1, 2.5, None, True, "é"]}}, '{"b":[1,2.5,null,true,"é"]}'),
        ("{{ x }}", {"x": dt.datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=dt.timezone.utc)}, "2024-01-02T03:04:05.123Z"),
        ("a {b} c", {}, "a {b} c"),
    ],
)
def test_printing_follows_pebble_json_writer(template, context, expected):
    assert render(template, context) == expected


def test_rendering_is_not_recursive():
    assert r("{{ v }}", v="{{ w }}", w=3) == "{{ w }}"


def test_raw_block_is_preserved():
    assert r("{% raw %}{{ x }}{% endraw %}") == "{{ x }}"


# -- null/undefined coalescing ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("template", "context", "expected"),
    [
        ("{{ null ?? 'x' }}", {}, "x"),
        ("{{ undefinedVar ?? 'x' }}", {}, "x"),
        ("{{ undefinedVar ??? 'x' }}", {}, "x"),
        ("{{ a ??? 'x' }}", {"a": None}, ""),
        ("{{ a ?? 'x' }}", {"a": None}, "x"),
        ("{{ a ?? 'x' }}", {"a": 0}, "0"),
        ("{{ a.b.c ?? 'deep' }}", {"a": {}}, "deep"),
        ("{{ x ?? y ?? 'z' }}", {}, "z"),
        ("{{ x ?? y ?? 'z' }}", {"y": "Y"}, "Y"),
        ("{{ x ?? 'a' ~ 'b' }}", {}, "ab"),  # ?? (120) binds tighter than ~ (110), as in Kestra
        ("{{ x ?? 1 + 1 }}", {}, "2"),
        ("{{ x ?? 'a' }}", {}, "a"),
        ("{{ {'k': x ?? 1} }}", {}, '{"k":1}'),
    ],
)
def test_coalescing_operators(template, context, expected):
    assert render(template, context) == expected


def test_right_side_of_coalescing_is_lazy():
    assert r("{{ a ?? missing.thing }}", a=1) == "1"


def test_coalescing_does_not_hide_other_errors():
    with pytest.raises(TemplateError, match="Function or Macro"):
        r("{{ nope() ?? 'x' }}")


# -- ternary, elvis, logic, comparison --------------------------------------------------------
@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 1 == 1 ? 'y' : 'n' }}", "y"),
        ("{{ 1 == 2 ? 'y' : 'n' }}", "n"),
        ("{{ true ? 'a' : false ? 'b' : 'c' }}", "a"),
        ("{{ false ? 'a' : false ? 'b' : 'c' }}", "c"),
        ("{{ '' ?: 'e' }}", "e"),
        ("{{ 'v' ?: 'e' }}", "v"),
        ("{{ true and false }}", "false"),
        ("{{ true or false }}", "true"),
        ("{{ 1 and 'x' }}", "true"),
        ("{{ not true }}", "false"),
        ("{{ not false == false }}", "false"),  # Pebble: (not false) == false
        ("{{ 'a' equals 'a' }}", "true"),
        ("{{ 1 + 2 == 3 }}", "true"),
        ("{{ 1 != 2 }}", "true"),
        ("{{ 2 >= 2 and 1 < 2 }}", "true"),
        ("{{ 2 in [1,2] }}", "true"),
        ("{{ 3 not in [1,2] }}", "true"),
    ],
)
def test_ternary_elvis_logic_comparison(template, expected):
    assert r(template) == expected


def test_and_or_short_circuit():
    assert r("{{ false and missing }}") == "false"
    assert r("{{ true or missing }}") == "true"


# -- contains ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ [1,2] contains 2 }}", "true"),
        ("{{ [1,2] contains 3 }}", "false"),
        ("{{ ['x','y'] contains 'x' }}", "true"),
        ("{{ [1,2] contains [1,2] }}", "true"),
        ("{{ 'abc' contains 'b' }}", "true"),
        ("{{ 'abc' contains 'z' }}", "false"),
        ("{{ {'a':1} contains 'a' }}", "true"),
        ("{{ {'a':1} contains 'b' }}", "false"),
        ("{{ null contains 'b' }}", "false"),
        ("{{ 1 == 1 and [1] contains 1 }}", "true"),
    ],
)
def test_contains_operator(template, expected):
    assert r(template) == expected


# -- arithmetic and concatenation (Java semantics) --------------------------------------------
@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 5 / 2 }}", "2"),
        ("{{ -7 / 2 }}", "-3"),
        ("{{ 5.0 / 2 }}", "2.5"),
        ("{{ -7 % 3 }}", "-1"),
        ("{{ 2 * 3 + 1 }}", "7"),
        ("{{ (1 + 2) * 3 }}", "9"),
        ("{{ -x }}", "-2"),
        ("{{ 'a' ~ 1 ~ true ~ null }}", "a1true"),
        ("{{ 'x' ~ [1,2] ~ {'a':1} }}", "x[1, 2]{a=1}"),
        ("{{ 1..3 }}", "[1,2,3]"),
    ],
)
def test_arithmetic_and_concat(template, expected):
    assert r(template, x=2) == expected


def test_division_by_zero_is_a_template_error():
    with pytest.raises(TemplateError, match="/ by zero"):
        r("{{ 1 / 0 }}")


# -- strictness -------------------------------------------------------------------------------
def test_missing_input_names_the_path_and_expression():
    with pytest.raises(UndefinedVariableError) as info:
        r("{{ inputs.missing }}", inputs={})
    assert str(info.value) == "Unable to find `inputs.missing` used in the expression `{{ inputs.missing }}` at line 1"


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ("{{ x }}", "x"),
        ("{{ a.b }}", "a.b"),
        ("{{ a['k'] }}", "a['k']"),
        ("{{ l[5] }}", "l[5]"),
        ("{{ a.b.c }}", "a.b"),
        ("{% set y = x %}", "x"),
        ("{{ [x] }}", "x"),
        ("{% for i in x %}{% endfor %}", "x"),
        ("{{ y is null }}", "y"),
    ],
)
def test_undefined_variable_attribute_or_key_is_an_error(template, path):
    with pytest.raises(UndefinedVariableError, match=f"Unable to find `{__import__('re').escape(path)}`"):
        r(template, a={}, l=[1])


def test_error_reports_the_line():
    with pytest.raises(UndefinedVariableError, match="at line 3"):
        r("one\ntwo\n{{ a.b }}", a={})


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ x is defined }}", "true"),
        ("{{ y is defined }}", "false"),
        ("{{ y.z is not defined }}", "true"),
        ("{{ n is defined }}", "false"),  # Pebble: defined means not null
        ("{{ n is null }}", "true"),
        ("{{ y.z | default('d') }}", "d"),
        ("{{ x | default('d') }}", "1"),
        ("{% if y is defined %}a{% else %}b{% endif %}", "b"),
    ],
)
def test_defined_test_and_default_filter_accept_undefined(template, expected):
    assert r(template, x=1, n=None) == expected


# -- lookups ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ outputs['task-id'].value }}", "v"),
        ("{{ outputs.loop[taskrun.value].x }}", "5"),
        ("{{ outputs['loop']['a']['x'] }}", "5"),
        ("{{ outputs.list.0 }}", "first"),
        ("{{ outputs.list[1] }}", "second"),
        ("{{ outputs.list[-1] }}", "second"),
        ("{{ outputs.num[1] }}", "one"),
    ],
)
def test_attribute_and_item_access_are_interchangeable(template, expected):
    context = {
        "outputs": {
            "task-id": {"value": "v"},
            "loop": {"a": {"x": 5}},
            "list": ["first", "second"],
            "num": {"1": "one"},
        },
        "taskrun": {"value": "a"},
    }
    assert render(template, context) == expected


# -- statements -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{% set a = 3 %}{{ a * 2 }}", "6"),
        ("{% set a %}in{% endset %}{{ a }}", "in"),
        ("{% if false %}a{% elseif true %}b{% else %}c{% endif %}", "b"),
        ("{% if false %}a{% elif true %}b{% endif %}", "b"),
        ("{% for x in [1,2] %}{{ loop.index }}{{ x }}{% endfor %}", "0112"),
        ("{% for x in [1,2,3] %}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }},{% endfor %}",
         "truefalse32,falsefalse31,falsetrue30,"),
        ("{% for x in [] %}a{% else %}empty{% endfor %}", "empty"),
        ("{% for x in n %}a{% endfor %}", ""),
        ("{% for e in m %}{{ e.key }}={{ e.value }};{% endfor %}", "a=1;b=2;"),
        ("{% macro hi(n) %}Hi {{ n }}{% endmacro %}{{ hi('bob') }}", "Hi bob"),
        ("{% block b %}x{% endblock %}", "x"),
        ("{% filter default('z') %}{% endfilter %}", "z"),
        ("{%- if true -%}  t  {%- endif -%}", "t"),
    ],
)
def test_statements(template, expected):
    assert r(template, n=None, m={"a": 1, "b": 2}) == expected


@pytest.mark.parametrize(
    "tag", ["autoescape", "extends", "embed", "flush", "import", "include", "parallel", "cache", "from", "do"]
)
def test_removed_tags_fail_clearly(tag):
    with pytest.raises(TemplateError, match=f"Tag `{tag}` is not supported"):
        r("{% " + tag + " 'x' %}")


def test_iterating_a_string_is_an_error():
    with pytest.raises(TemplateError, match="Not an iterable object"):
        r("{% for c in 'abc' %}{% endfor %}")


# -- syntax errors ----------------------------------------------------------------------------
@pytest.mark.parametrize("template", ["{{ 1 + }}", "{{ a ? b }}", "{% if %}", "{{ 'unterminated }}", "x\n{{ ) }}"])
def test_syntax_errors_name_line_and_problem(template):
    with pytest.raises(TemplateError) as info:
        r(template)
    message = str(info.value)
    assert message.startswith("Syntax error in the expression")
    assert "at line" in message
    assert "Traceback" not in message


def test_unknown_function_is_named():
    with pytest.raises(TemplateError, match=r"Function or Macro \[foo\] does not exist"):
        r("{{ foo(1) }}")


def test_runtime_type_errors_carry_no_python_names():
    with pytest.raises(TemplateError) as info:
        r("{{ 1 + 'a' }}")
    assert "'int'" not in str(info.value) and "'str'" not in str(info.value)


# -- typed rendering and render_value ---------------------------------------------------------
def test_render_typed_returns_native_value_for_a_single_expression():
    assert render_typed("{{ [1, {'a': true}] }}", {}) == [1, {"a": True}]
    assert render_typed("{{ x }}", {"x": 3}) == 3
    assert render_typed("{{ x }}", {"x": None}) is None
    assert render_typed("{{ x ?? 'd' }}", {}) == "d"


def test_render_typed_falls_back_to_string_rendering():
    assert render_typed(" {{ x }}", {"x": 1}) == " 1"
    assert render_typed("{{ 1 }}{{ 2 }}", {}) == "12"
    assert render_typed("plain", {}) == "plain"


def test_render_value_renders_nested_strings_and_keys():
    value = {"{{ k }}": ["{{ v }}", 1, {"x": "{{ v ~ 'z' }}"}], "n": None}
    assert render_value(value, {"k": "key", "v": "val"}) == {"key": ["val", 1, {"x": "valz"}], "n": None}


# -- render() / renderOnce() / printContext() / currentEachOutput() ---------------------------
def test_render_function_renders_again_recursively():
    assert r("{{ render(v) }}", v="{{ w }}", w="{{ z }}", z="Z") == "Z"
    assert r("{{ render(v, false) }}", v="{{ w }}", w="{{ z }}", z="Z") == "{{ z }}"
    assert r("{{ renderOnce(v) }}", v="{{ w }}", w="{{ z }}", z="Z") == "{{ z }}"


def test_render_function_recursion_is_bounded():
    with pytest.raises(TemplateError, match="Too many rendering attempts"):
        r("{{ render(v) }}", v="{{ render(v) }}")


def test_print_context_hides_services_and_functions():
    services = RenderServices()
    out = render("{{ printContext() }}", {"v": 1}, services)
    assert out == '{"v":1}'
    assert render_typed("{{ fetchContext() }}", {"v": 1, SERVICES_KEY: services}) == {"v": 1}


def test_current_each_output_walks_parents_then_taskrun_value():
    context = {
        "outputs": {"t": {"outer": {"inner": {"x": 1}}}},
        "parents": [{"taskrun": {"value": "outer"}}],
        "taskrun": {"value": "inner"},
    }
    assert render("{{ currentEachOutput(outputs.t).x }}", context) == "1"


def test_error_messages_mask_secrets():
    services = RenderServices()
    services.masker.add("s3cr3t")
    with pytest.raises(TemplateError) as info:
        render("{{ a.s3cr3t }}", {"a": {}}, services)
    assert "s3cr3t" not in str(info.value)


# -- truthiness -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [("false", False), ("0", False), ("-0", False), ("", False), (None, False),
     ("False", True), ("true", True), ("1", True), (" ", True), ("no", True)],
)
def test_is_truthy(text, expected):
    assert is_truthy(text) is expected


def test_string_interpolation_in_double_quoted_strings():
    # Pebble: "#{expr}" inside a double-quoted string is interpolated (Kestra's editor docs
    # list `{{ "Hello #{who}" }}`); single-quoted strings stay literal
    context = {"who": "World", "n": {"count": 2}}
    assert render('{{ "Hello #{who}!" }}', context) == "Hello World!"
    assert render('{{ "#{ n.count + 1 } items, #{ {\'a\': \'}\'}.a }" }}', context) == "3 items, }"
    assert render('{{ "only #{who}" | upper }}', context) == "ONLY WORLD"
    assert render("{{ 'single #{who}' }}", context) == "single #{who}"
    with pytest.raises(UndefinedVariableError, match="Unable to find `nope`"):
        render('{{ "#{nope}" }}', context)
    with pytest.raises(TemplateError, match="unclosed"):
        render('{{ "#{who" }}', context)
