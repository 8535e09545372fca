from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pydantic import ValidationError
from ruamel.yaml import YAML

from podium.common.inputs import (
    INPUT_CLASSES,
    ArrayInput,
    DateInput,
    InputType,
    IntInput,
    MultiselectInput,
    StringInput,
)

from .conftest import ADAPTER, declare

CONFORMANCE = Path("/work/shared/conformance/kestra/flows")
KESTRA_REPO = Path("/work/.mirror/kestra-io+kestra/repo")


def errors_of(*inputs):
    with pytest.raises(ValidationError) as info:
        ADAPTER.validate_python(list(inputs))
    return [e["msg"] for e in info.value.errors()]


def test_every_type_has_a_model():
    assert set(INPUT_CLASSES) == set(InputType)
    for type_ in InputType:
        fields = {"id": "x", "type": type_.value}
        if type_ in (InputType.ENUM, InputType.SELECT, InputType.MULTISELECT):
            fields["values"] = ["a"]
        if type_ is InputType.ARRAY:
            fields["itemType"] = "STRING"
        assert declare(**fields).type is type_


def test_camel_case_properties_and_defaults():
    decl = declare(id="m", type="MULTISELECT", values=["a"], allowCustomValue=True,
                   displayName="Pick", dependsOn={"inputs": ["x"], "condition": "{{ true }}"})
    assert isinstance(decl, MultiselectInput)
    assert decl.allow_custom_value and decl.display_name == "Pick"
    assert decl.depends_on.inputs == ["x"] and decl.item_type is InputType.STRING
    assert decl.required is True


def test_name_is_a_deprecated_alias_of_id():
    decl = declare(name="legacy", type="STRING")
    assert decl.id == "legacy"
    assert declare(id="a", name="b", type="STRING").id == "a"
    assert any("needs an `id`" in m for m in errors_of({"type": "STRING"}))


@pytest.mark.parametrize("ident", ["-a", ".a", "a b", "a/b", ""])
def test_invalid_ids(ident):
    assert any("should match pattern" in m for m in errors_of({"id": ident, "type": "STRING"}))


def test_dotted_ids_are_valid():
    assert declare(id="nested.more.int", type="INT").id == "nested.more.int"


def test_unknown_type_message():
    (message,) = errors_of({"id": "a", "type": "STRNG"})
    assert message.startswith("unknown input type 'STRNG'; expected one of STRING, ENUM")


def test_missing_type_and_non_mapping():
    assert "needs a `type`" in errors_of({"id": "a"})[0]
    assert "must be a mapping" in errors_of("a")[0]


def test_unknown_property_rejected():
    assert any("Extra inputs" in m for m in errors_of({"id": "a", "type": "INT", "regex": "x"}))


def test_display_name_max_64():
    declare(id="a", type="INT", displayName="x" * 64)
    errors_of({"id": "a", "type": "INT", "displayName": "x" * 65})


def test_validator_must_compile_and_be_safe():
    assert any("not a valid regular expression" in m
               for m in errors_of({"id": "a", "type": "STRING", "validator": "[a-"}))
    assert any("nests unbounded repeats" in m
               for m in errors_of({"id": "a", "type": "SECRET", "validator": "(a+)+$"}))
    assert declare(id="a", type="STRING", validator=r"^[a-z]+(-[a-z]+)*$").validator


def test_defaults_must_parse_as_declared_type():
    (message,) = errors_of({"id": "count", "type": "INT", "defaults": "ten"})
    assert "`count`" in message and "expected INT but received `ten`" in message
    (message,) = errors_of({"id": "s", "type": "STRING", "validator": "A+", "defaults": "B"})
    assert "invalid `defaults` for input `s`" in message and "must match the pattern" in message
    (message,) = errors_of({"id": "n", "type": "INT", "max": 3, "defaults": 4})
    assert "must be less than `3`" in message


def test_expression_defaults_are_not_checked():
    assert declare(id="d", type="DATETIME", defaults="{{ now() }}").defaults == "{{ now() }}"


def test_min_not_above_max():
    assert any("`min` (5) must not be greater than `max` (1)" in m
               for m in errors_of({"id": "a", "type": "INT", "min": 5, "max": 1}))
    errors_of({"id": "a", "type": "DURATION", "min": "PT1M", "max": "PT1S"})
    errors_of({"id": "a", "type": "DATE", "after": "2024-01-02", "before": "2024-01-01"})
    errors_of({"id": "a", "type": "FLOAT", "min": 1.5, "max": 1.0})


def test_bounds_are_typed():
    decl = declare(id="a", type="DATE", after="2023-01-01")
    assert isinstance(decl, DateInput) and decl.after.year == 2023
    assert any("expected INT" in m for m in errors_of({"id": "a", "type": "INT", "min": "x"}))
    assert any("expected DURATION" in m
               for m in errors_of({"id": "a", "type": "DURATION", "min": "5m"}))


def test_file_defaults_are_file_or_nsfile_uris_only():
    # Kestra's FileInputValidator
    for refused in ("kestra:///a", "/etc/passwd", "data.csv", 3):
        assert any("only support `defaults` as local files using a file URI" in m
                   for m in errors_of({"id": "f", "type": "FILE", "defaults": refused}))
    assert declare(id="f", type="FILE").extension == ".upl"
    assert declare(id="f", type="FILE", defaults="nsfile:///hello.txt").defaults == \
        "nsfile:///hello.txt"
    assert declare(id="f", type="FILE", defaults="file:///srv/data.csv").defaults == \
        "file:///srv/data.csv"


def test_array_item_type():
    assert isinstance(declare(id="a", type="ARRAY", itemType="INT"), ArrayInput)
    assert any("Field required" in m for m in errors_of({"id": "a", "type": "ARRAY"}))
    assert any("`itemType` cannot be `ARRAY`" in m
               for m in errors_of({"id": "a", "type": "ARRAY", "itemType": "ARRAY"}))


def test_multiselect_values_and_options_exclusive():
    assert any("can't define both `values` and `options`" in m
               for m in errors_of({"id": "m", "type": "MULTISELECT", "values": ["a"],
                                   "options": ["a"]}))
    assert any("needs `values` or `expression`" in m
               for m in errors_of({"id": "m", "type": "MULTISELECT"}))
    declare(id="m", type="MULTISELECT", expression="{{ [1] }}")


def test_select_and_enum_need_values():
    assert any("needs `values` or `expression`" in m
               for m in errors_of({"id": "s", "type": "SELECT"}))
    errors_of({"id": "e", "type": "ENUM"})
    assert declare(id="s", type="SELECT", values=[1, True]).values == ["1", "true"]


def test_typed_models_exposed():
    assert isinstance(declare(id="i", type="INT"), IntInput)
    assert isinstance(declare(id="s", type="STRING"), StringInput)


# ------------------------------------------------------------------ real flows

def _flow_inputs(text: str):
    data = YAML(typ="safe").load(text)
    return data.get("inputs") if isinstance(data, dict) else None


def _conformance_blocks():
    if not CONFORMANCE.is_dir():
        return []
    blocks = []
    for path in sorted([*CONFORMANCE.glob("*.yaml"), *CONFORMANCE.glob("*.yml")]):
        inputs = _flow_inputs(path.read_text())
        if inputs is not None:
            blocks.append(pytest.param(inputs, id=path.name))
    return blocks


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="conformance flows not available")
@pytest.mark.parametrize("inputs", _conformance_blocks())
def test_conformance_flow_inputs_validate(inputs):
    declarations = ADAPTER.validate_python(inputs)
    assert len(declarations) == len(inputs)


@pytest.mark.skipif(not KESTRA_REPO.is_dir(), reason="Kestra source not available")
def test_kestra_inputs_test_flow_validates():
    text = subprocess.run(
        ["git", "-C", str(KESTRA_REPO), "show",
         "HEAD:core/src/test/resources/flows/valids/inputs.yaml"],
        capture_output=True, text=True, check=True).stdout
    declarations = ADAPTER.validate_python(_flow_inputs(text))
    by_id = {d.id: d for d in declarations}
    assert by_id["validatedInt"].min == 10 and by_id["array"].item_type is InputType.INT
    assert by_id["yaml"].defaults["property"] == "something"
