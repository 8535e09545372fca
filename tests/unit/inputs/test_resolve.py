from __future__ import annotations

from datetime import timedelta

import pytest

from podium.common.errors import InputError, TemplateError
from podium.common.inputs import InputErrors, resolve_inputs

from .conftest import ADAPTER


def decls(*specs):
    return ADAPTER.validate_python(list(specs))


def py_render(template, context):
    """A stand-in for the template engine: `{{ expr }}` evaluated as Python on the context."""
    expr = template.strip().removeprefix("{{").removesuffix("}}").strip()
    if expr == "boom":
        raise TemplateError("unknown variable boom")
    return eval(expr, {}, {"inputs": _Dot(context["inputs"])})  # noqa: S307 - test helper


class _Dot(dict):
    def __getattr__(self, name):
        value = self[name]
        return _Dot(value) if isinstance(value, dict) else value


def test_defaults_used_when_missing_or_null():
    d = decls({"id": "a", "type": "INT", "defaults": 3}, {"id": "b", "type": "DURATION",
                                                         "defaults": "PT1M"})
    assert resolve_inputs(d, {}) == {"a": 3, "b": timedelta(minutes=1)}
    assert resolve_inputs(d, {"a": None, "b": "PT2M"}) == {"a": 3, "b": timedelta(minutes=2)}
    assert resolve_inputs(d, {"a": "7"})["a"] == 7


def test_expression_defaults_are_rendered_with_their_dependencies():
    # Kestra 0.24+ (migration guide "Input defaults are now dynamic")
    d = decls({"id": "n", "type": "INT", "defaults": "{{ 1 + 1 }}"},
              {"id": "s", "type": "STRING", "defaults": "{{ inputs.n * 10 }}",
               "dependsOn": {"inputs": ["n"]}},
              {"id": "plain", "type": "STRING", "defaults": "no expression"})
    assert resolve_inputs(d, {}, render_typed=py_render) == {"n": 2, "s": "20",
                                                             "plain": "no expression"}
    assert resolve_inputs(d, {"n": "5"}, render_typed=py_render)["s"] == "50"
    assert resolve_inputs(d, {"s": "given"}, render_typed=py_render)["s"] == "given"


def test_a_default_that_cannot_render_is_an_input_error():
    d = decls({"id": "s", "type": "STRING", "defaults": "{{ boom }}"})
    with pytest.raises(InputErrors, match="Cannot render 'defaults': unknown variable boom"):
        resolve_inputs(d, {}, render_typed=py_render)


def test_required_and_optional():
    d = decls({"id": "a", "type": "STRING"}, {"id": "b", "type": "STRING", "required": False})
    with pytest.raises(InputErrors) as info:
        resolve_inputs(d, {})
    assert [e.input_id for e in info.value.errors] == ["a"]
    assert "missing required input" in str(info.value)
    assert resolve_inputs(d, {"a": "x"}) == {"a": "x", "b": None}


def test_empty_string_satisfies_required():
    assert resolve_inputs(decls({"id": "e", "type": "STRING", "defaults": ""}), {}) == {"e": ""}


def test_unknown_provided_inputs_ignored():
    assert resolve_inputs(decls({"id": "a", "type": "INT"}), {"a": "1", "zzz": "2"}) == {"a": 1}


def test_dotted_ids_nested():
    d = decls({"id": "nested.string", "type": "STRING"},
              {"id": "nested.more.int", "type": "INT"}, {"id": "top", "type": "BOOLEAN"})
    result = resolve_inputs(d, {"nested.string": "s", "nested.more.int": "4", "top": "true"})
    assert result == {"nested": {"string": "s", "more": {"int": 4}}, "top": True}


def test_dotted_ids_also_read_from_nested_provided_values():
    d = decls({"id": "a.b", "type": "INT"})
    assert resolve_inputs(d, {"a": {"b": "5"}}) == {"a": {"b": 5}}


def test_all_errors_collected_in_declaration_order():
    d = decls({"id": "a", "type": "INT"}, {"id": "b", "type": "STRING"},
              {"id": "c", "type": "DATE"})
    with pytest.raises(InputError) as info:  # InputErrors is an InputError
        resolve_inputs(d, {"a": "x", "b": "ok", "c": "nope"})
    err = info.value
    assert isinstance(err, InputErrors) and err.input_id == "a"
    assert [e.input_id for e in err.errors] == ["a", "c"]
    assert "Invalid input `a`: expected INT but received `x`" in str(err)
    assert "Invalid input `c`: expected DATE" in str(err)


# ------------------------------------------------------------------ dependsOn

def conditional(condition):
    return decls(
        {"id": "kind", "type": "SELECT", "values": ["cloud", "onprem"]},
        {"id": "region", "type": "STRING",
         "dependsOn": {"inputs": ["kind"], "condition": condition}},
    )


def test_condition_true_enables():
    d = conditional("{{ inputs.kind == 'cloud' }}")
    result = resolve_inputs(d, {"kind": "cloud", "region": "eu"}, render_typed=py_render)
    assert result == {"kind": "cloud", "region": "eu"}


def test_condition_false_disables_and_skips_required_check():
    d = conditional("{{ inputs.kind == 'cloud' }}")
    assert resolve_inputs(d, {"kind": "onprem"}, render_typed=py_render) == {"kind": "onprem"}
    # a provided value for a disabled input is dropped too
    assert resolve_inputs(d, {"kind": "onprem", "region": "eu"},
                          render_typed=py_render) == {"kind": "onprem"}


def test_condition_must_be_exactly_true():
    d = conditional("{{ 'true' }}")
    assert resolve_inputs(d, {"kind": "cloud", "region": "x"}, render_typed=py_render) == {
        "kind": "cloud"}
    d = conditional("{{ 1 }}")
    assert "region" not in resolve_inputs(d, {"kind": "cloud", "region": "x"},
                                          render_typed=py_render)


def test_condition_sees_typed_dependency_values():
    seen = []

    def render(template, context):
        seen.append(context)
        return True

    d = decls({"id": "n", "type": "INT"}, {"id": "other", "type": "INT"},
              {"id": "m", "type": "INT", "dependsOn": {"inputs": ["n"], "condition": "c"}})
    resolve_inputs(d, {"n": "5", "other": "1", "m": "1"}, render_typed=render)
    assert seen == [{"inputs": {"n": 5}}]  # only the dependencies, typed


def test_disabled_dependency_disables_dependent():
    d = decls(
        {"id": "a", "type": "BOOLEAN"},
        {"id": "b", "type": "STRING", "dependsOn": {"inputs": ["a"], "condition": "{{ inputs.a }}"}},
        {"id": "c", "type": "STRING", "dependsOn": {"inputs": ["b"]}},
    )
    assert resolve_inputs(d, {"a": "false"}, render_typed=py_render) == {"a": False}
    assert resolve_inputs(d, {"a": "true", "b": "x", "c": "y"}, render_typed=py_render) == {
        "a": True, "b": "x", "c": "y"}


def test_dependencies_resolved_first_whatever_the_order():
    d = decls(
        {"id": "late", "type": "INT", "dependsOn": {"inputs": ["early"],
                                                    "condition": "{{ inputs.early > 1 }}"}},
        {"id": "early", "type": "INT"},
    )
    assert resolve_inputs(d, {"late": "1", "early": "2"}, render_typed=py_render) == {
        "late": 1, "early": 2}


def test_dependent_of_failed_input_is_not_reported_twice():
    d = conditional("{{ inputs.kind == 'cloud' }}")
    with pytest.raises(InputErrors) as info:
        resolve_inputs(d, {"kind": "mars"}, render_typed=py_render)
    assert [e.input_id for e in info.value.errors] == ["kind"]


def test_condition_render_error_reported():
    d = conditional("{{ boom }}")
    with pytest.raises(InputErrors, match="Invalid condition: unknown variable boom"):
        resolve_inputs(d, {"kind": "cloud"}, render_typed=py_render)


def test_condition_without_renderer_is_a_programming_error():
    with pytest.raises(TypeError):
        resolve_inputs(conditional("{{ true }}"), {"kind": "cloud"})


def test_cycle_at_run_time_reported_not_looping():
    d = decls({"id": "a", "type": "STRING", "dependsOn": {"inputs": ["b"]}},
              {"id": "b", "type": "STRING", "dependsOn": {"inputs": ["a"]}},
              {"id": "c", "type": "STRING"})
    with pytest.raises(InputErrors) as info:
        resolve_inputs(d, {"a": "1", "b": "2", "c": "3"})
    assert [e.input_id for e in info.value.errors] == ["a", "b"]


# ------------------------------------------------------------------ SELECT / MULTISELECT

def test_select_expression_rendered_to_values():
    d = decls({"id": "s", "type": "SELECT", "expression": "{{ ['x', 'y'] }}"})
    assert resolve_inputs(d, {"s": "y"}, render_typed=py_render) == {"s": "y"}
    with pytest.raises(InputErrors, match=r"must match the values `\[x, y\]`"):
        resolve_inputs(d, {"s": "z"}, render_typed=py_render)


def test_select_expression_must_render_a_list():
    d = decls({"id": "s", "type": "SELECT", "expression": "{{ 'x' }}"})
    with pytest.raises(InputErrors, match="Expected a list of strings, but received str"):
        resolve_inputs(d, {"s": "x"}, render_typed=py_render)


def test_optional_select_is_checked():
    d = decls({"id": "s", "type": "SELECT", "values": ["A"], "required": False})
    with pytest.raises(InputErrors, match="it must match the values"):
        resolve_inputs(d, {"s": "B"})
    assert resolve_inputs(d, {}) == {"s": None}


def test_multiselect_expression_uses_dependencies():
    d = decls({"id": "env", "type": "STRING"},
              {"id": "m", "type": "MULTISELECT", "dependsOn": {"inputs": ["env"]},
               "expression": "{{ [inputs.env + '-1', inputs.env + '-2', None, 3] }}"})
    result = resolve_inputs(d, {"env": "p", "m": '["p-2", "3"]'}, render_typed=py_render)
    assert result == {"env": "p", "m": ["p-2", "3"]}
    with pytest.raises(InputErrors, match="must match the values"):
        resolve_inputs(d, {"env": "p", "m": ["q-1"]}, render_typed=py_render)


def test_file_inputs_through_store_file():
    d = decls({"id": "f", "type": "FILE"}, {"id": "g", "type": "FILE", "required": False})
    result = resolve_inputs(d, {"f": "/tmp/x.csv"},
                            store_file=lambda i, v: f"kestra:///inputs/{i}/x.csv")
    assert result == {"f": "kestra:///inputs/f/x.csv", "g": None}
