"""Typed flow inputs and the typing of flow outputs (pure: no I/O).

- ``InputType``: the declarable types.
- ``AnyInput``: the declaration union, for ``inputs: list[AnyInput]`` in the flow model;
  one model per type (``StringInput``, ``IntInput``...), all ``BaseInput``.
- ``check_dependencies(inputs)``: duplicate ids, unknown ``dependsOn``, cycles, id clashes.
- ``parse_input_value(declaration, raw, *, store_file=None)``: one value, typed and checked.
- ``resolve_inputs(declarations, provided, *, render_typed=None, store_file=None)``: all of
  an execution's inputs, Kestra's resolution order; raises ``InputErrors``.
- ``coerce_output(output_type, value, output_id)``: a flow output typed.
- ``to_json_value(typed)``: typed values as JSON, printed as Kestra's Java types print.
"""

# common.plugins must be loaded before definitions: definitions subclasses
# common.plugins.base.StrictModel, and importing that runs common/plugins/__init__, whose
# task modules (Pause's onResume) import AnyInput back from common.inputs.definitions.
# Loading the plugin package first lets that inner import complete.
import podium.common.plugins  # noqa: F401  isort: skip

from podium.common.inputs.definitions import (
    INPUT_CLASSES,
    INPUT_ID_PATTERN,
    AnyInput,
    ArrayInput,
    BaseInput,
    BooleanInput,
    BoolInput,
    DateInput,
    DateTimeInput,
    DependsOn,
    DurationInput,
    EmailInput,
    EnumInput,
    FileInput,
    FloatInput,
    IntInput,
    JsonInput,
    MultiselectInput,
    SecretInput,
    SelectInput,
    StringInput,
    TimeInput,
    UriInput,
    YamlInput,
)
from podium.common.inputs.dependencies import check_dependencies
from podium.common.inputs.parsing import StoreFile, coerce_output, parse_input_value
from podium.common.inputs.regexes import MAX_VALIDATED_LENGTH
from podium.common.inputs.resolve import InputErrors, RenderTyped, nest, resolve_inputs
from podium.common.inputs.types import InputType
from podium.common.inputs.values import to_json_value

__all__ = [
    "INPUT_CLASSES", "INPUT_ID_PATTERN", "MAX_VALIDATED_LENGTH", "AnyInput", "ArrayInput",
    "BaseInput", "BoolInput", "BooleanInput", "DateInput", "DateTimeInput", "DependsOn",
    "DurationInput", "EmailInput", "EnumInput", "FileInput", "FloatInput", "InputErrors",
    "InputType", "IntInput", "JsonInput", "MultiselectInput", "RenderTyped", "SecretInput",
    "SelectInput", "StoreFile", "StringInput", "TimeInput", "UriInput", "YamlInput",
    "check_dependencies", "coerce_output", "nest", "parse_input_value", "resolve_inputs",
    "to_json_value",
]
