"""Declarations of flow inputs: one pydantic model per input type (Kestra's
``io.kestra.core.models.flows.input.*``), and ``AnyInput``, the union over them dispatched
on ``type``, for ``inputs: list[AnyInput]`` in the flow model.

Checked when a flow is read: the id (or the deprecated ``name``) matches Kestra's pattern,
validator regexes compile and are safe (see regexes.py), min <= max, after <= before,
FILE defaults are file:// or nsfile:// URIs only, ARRAY/MULTISELECT item types are
allowed, and ``defaults`` parse and validate as the declared type. Defaults that hold an
expression are checked once rendered, when an execution is created (resolve.py), as Kestra
0.24+ renders them.

``prefill`` (Kestra 0.23+) is the value a form starts with, which the user may clear: a hint
for whoever asks for the inputs, never applied when an execution is created (a missing
value stays missing, as Kestra's input resolution only falls back on ``defaults``). It is
checked like ``defaults`` and may not be given with them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Optional, TypeAlias, Union

from pydantic import BeforeValidator, Discriminator, Field, Tag, field_validator, model_validator
from pydantic_core import PydanticCustomError
from typing_extensions import Annotated

from podium.common.inputs.parsing import Invalid, parse_and_validate, parse_value
from podium.common.inputs.regexes import UnsafeRegexError, compile_validator
from podium.common.inputs.types import TYPE_NAMES, InputType
from podium.common.inputs.values import java_text
from podium.common.plugins.fields import StrictModel, is_expression
from podium.common.storage.local_paths import FILE_PREFIX, NSFILE_PREFIX

INPUT_ID_PATTERN = r"^[a-zA-Z0-9][.a-zA-Z0-9_-]*$"
_INPUT_ID = re.compile(INPUT_ID_PATTERN)


def _error(message: str) -> PydanticCustomError:
    return PydanticCustomError("input_declaration", message)


def _string_list(value: Any) -> Any:
    """Jackson reads `values: [1, true]` into List<String> as ["1", "true"]."""
    if isinstance(value, list):
        return [java_text(v) if isinstance(v, (bool, int, float)) else v for v in value]
    return value


StrList = Annotated[list[str], BeforeValidator(_string_list)]


class DependsOn(StrictModel):
    inputs: Optional[list[str]] = None
    condition: Optional[str] = None


class BaseInput(StrictModel):
    """Properties common to every input type."""

    TYPE: ClassVar[InputType]

    id: Optional[str] = None
    name: Optional[str] = None  # deprecated alias of id (Kestra: fills a missing id)
    type: InputType
    description: Optional[str] = None
    display_name: Optional[str] = Field(None, max_length=64)
    required: bool = True
    defaults: Any = None
    prefill: Any = None  # a form's editable starting value; never applied server-side
    depends_on: Optional[DependsOn] = None

    @field_validator("id", "name")
    @classmethod
    def _check_id(cls, value: Optional[str]) -> Optional[str]:
        # Same error type and context as a pydantic `pattern`, located on the field itself.
        if value is not None and not _INPUT_ID.fullmatch(value):
            raise PydanticCustomError("string_pattern_mismatch",
                                      "String should match pattern '{pattern}'",
                                      {"pattern": INPUT_ID_PATTERN})
        return value

    @model_validator(mode="after")
    def _check_declaration(self) -> "BaseInput":
        if self.id is None:
            if self.name is None:
                raise _error("an input needs an `id`")
            self.id = self.name  # Kestra's setName: the deprecated name fills a missing id
        if self.defaults is not None and self.prefill is not None:
            raise _error(f"input `{self.id}`: `defaults` and `prefill` cannot be used together "
                         f"(a default always applies; a prefill is a suggestion the user may "
                         f"clear)")
        self._check_properties()
        for name in ("defaults", "prefill"):
            value = getattr(self, name)
            if value is not None and not is_expression(value):
                try:
                    parse_and_validate(self, value, store_file=None)
                except Invalid as exc:
                    raise _error(f"invalid `{name}` for input `{self.id}`: {exc}") from None
        return self

    def _check_properties(self) -> None:
        """Type-specific declaration checks; raise a PydanticCustomError."""


def _ordered(low: Any, high: Any, low_name: str, high_name: str, ident: str | None) -> None:
    if low is not None and high is not None and low > high:
        raise _error(f"input `{ident}`: `{low_name}` ({java_text(low)}) must not be greater "
                     f"than `{high_name}` ({java_text(high)})")


def _typed(type_: InputType) -> Any:
    """A field validator parsing a min/max/after/before property as `type_`."""

    def convert(cls: Any, value: Any) -> Any:
        if value is None:
            return None
        try:
            return parse_value(type_, value)
        except Invalid as exc:
            raise _error(str(exc)) from None

    return convert


class _Validated(BaseInput):
    validator: Optional[str] = None

    def _check_properties(self) -> None:
        if self.validator is not None:
            try:
                compile_validator(self.validator)
            except UnsafeRegexError as exc:
                raise _error(f"input `{self.id}`: `validator` {exc}") from None


class StringInput(_Validated):
    TYPE: ClassVar[InputType] = InputType.STRING
    type: Literal[InputType.STRING]


class SecretInput(_Validated):
    TYPE: ClassVar[InputType] = InputType.SECRET
    type: Literal[InputType.SECRET]


class EnumInput(BaseInput):
    """Deprecated in Kestra: use SELECT."""

    TYPE: ClassVar[InputType] = InputType.ENUM
    type: Literal[InputType.ENUM]
    values: StrList


class SelectInput(BaseInput):
    TYPE: ClassVar[InputType] = InputType.SELECT
    type: Literal[InputType.SELECT]
    values: Optional[StrList] = None
    expression: Optional[str] = None
    allow_custom_value: bool = False
    is_radio: bool = False

    def _check_properties(self) -> None:
        if self.values is None and self.expression is None and not self.allow_custom_value:
            raise _error(f"input `{self.id}`: a SELECT needs `values` or `expression`")


class MultiselectInput(BaseInput):
    TYPE: ClassVar[InputType] = InputType.MULTISELECT
    type: Literal[InputType.MULTISELECT]
    options: Optional[StrList] = None  # deprecated spelling of values
    values: Optional[StrList] = None
    expression: Optional[str] = None
    item_type: InputType = InputType.STRING
    allow_custom_value: bool = False

    def _check_properties(self) -> None:
        if self.values is not None and self.options is not None:
            raise _error(f"input `{self.id}`: you can't define both `values` and `options`")
        if (self.values is None and self.options is None and self.expression is None
                and not self.allow_custom_value):
            raise _error(f"input `{self.id}`: a MULTISELECT needs `values` or `expression`")
        if self.item_type in (InputType.ARRAY, InputType.MULTISELECT):
            raise _error(f"input `{self.id}`: `itemType` cannot be `{self.item_type.value}`")


class IntInput(BaseInput):
    TYPE: ClassVar[InputType] = InputType.INT
    type: Literal[InputType.INT]
    min: Optional[int] = None
    max: Optional[int] = None

    _parse_bounds = field_validator("min", "max", mode="before")(_typed(InputType.INT))

    def _check_properties(self) -> None:
        _ordered(self.min, self.max, "min", "max", self.id)


class FloatInput(BaseInput):
    TYPE: ClassVar[InputType] = InputType.FLOAT
    type: Literal[InputType.FLOAT]
    min: Optional[float] = None
    max: Optional[float] = None

    _parse_bounds = field_validator("min", "max", mode="before")(_typed(InputType.FLOAT))

    def _check_properties(self) -> None:
        _ordered(self.min, self.max, "min", "max", self.id)


class BooleanInput(BaseInput):
    TYPE: ClassVar[InputType] = InputType.BOOLEAN
    type: Literal[InputType.BOOLEAN]


class BoolInput(BaseInput):
    """Kestra 0.21+ toggle; same values as BOOLEAN."""

    TYPE: ClassVar[InputType] = InputType.BOOL
    type: Literal[InputType.BOOL]


class DateTimeInput(BaseInput):
    TYPE: ClassVar[InputType] = InputType.DATETIME
    type: Literal[InputType.DATETIME]
    after: Optional[datetime] = None
    before: Optional[datetime] = None

    _parse_bounds = field_validator("after", "before", mode="before")(_typed(InputType.DATETIME))

    def _check_properties(self) -> None:
        _ordered(self.after, self.before, "after", "before", self.id)


class DateInput(BaseInput):
    TYPE: ClassVar[InputType] = InputType.DATE
    type: Literal[InputType.DATE]
    after: Optional[date] = None
    before: Optional[date] = None

    _parse_bounds = field_validator("after", "before", mode="before")(_typed(InputType.DATE))

    def _check_properties(self) -> None:
        _ordered(self.after, self.before, "after", "before", self.id)


class TimeInput(BaseInput):
    TYPE: ClassVar[InputType] = InputType.TIME
    type: Literal[InputType.TIME]
    after: Optional[time] = None
    before: Optional[time] = None

    _parse_bounds = field_validator("after", "before", mode="before")(_typed(InputType.TIME))

    def _check_properties(self) -> None:
        _ordered(self.after, self.before, "after", "before", self.id)


class DurationInput(BaseInput):
    TYPE: ClassVar[InputType] = InputType.DURATION
    type: Literal[InputType.DURATION]
    min: Optional[timedelta] = None
    max: Optional[timedelta] = None

    _parse_bounds = field_validator("min", "max", mode="before")(_typed(InputType.DURATION))

    def _check_properties(self) -> None:
        _ordered(self.min, self.max, "min", "max", self.id)


class FileInput(BaseInput):
    TYPE: ClassVar[InputType] = InputType.FILE
    type: Literal[InputType.FILE]
    extension: str = ".upl"

    def _check_properties(self) -> None:
        # Kestra's FileInputValidator: a default names a host file (file:///path) or a
        # namespace file (nsfile:///path); nothing else, an upload included, can be one.
        for name in ("defaults", "prefill"):
            value = getattr(self, name)
            if value is not None and not is_expression(value) and not (
                    isinstance(value, str) and value.startswith((FILE_PREFIX, NSFILE_PREFIX))):
                raise _error(f"input `{self.id}`: inputs of type 'FILE' only support `{name}` "
                             f"as local files using a file URI (file:///path) or as namespace "
                             f"files using a nsfile URI (nsfile:///path)")


class JsonInput(BaseInput):
    TYPE: ClassVar[InputType] = InputType.JSON
    type: Literal[InputType.JSON]


class YamlInput(BaseInput):
    TYPE: ClassVar[InputType] = InputType.YAML
    type: Literal[InputType.YAML]


class UriInput(BaseInput):
    TYPE: ClassVar[InputType] = InputType.URI
    type: Literal[InputType.URI]


class EmailInput(BaseInput):
    TYPE: ClassVar[InputType] = InputType.EMAIL
    type: Literal[InputType.EMAIL]


class ArrayInput(BaseInput):
    TYPE: ClassVar[InputType] = InputType.ARRAY
    type: Literal[InputType.ARRAY]
    item_type: InputType

    def _check_properties(self) -> None:
        if self.item_type is InputType.ARRAY:
            raise _error(f"input `{self.id}`: `itemType` cannot be `ARRAY`")


INPUT_CLASSES: dict[InputType, type[BaseInput]] = {
    cls.TYPE: cls for cls in (
        StringInput, EnumInput, SelectInput, MultiselectInput, IntInput, FloatInput,
        BooleanInput, BoolInput, DateTimeInput, DateInput, TimeInput, DurationInput,
        FileInput, JsonInput, YamlInput, UriInput, SecretInput, ArrayInput, EmailInput)
}
assert set(INPUT_CLASSES) == set(InputType)


def _tag(value: Any) -> str | None:
    if isinstance(value, BaseInput):
        return value.TYPE.value
    if isinstance(value, dict):
        t = value.get("type")
        t = t.value if isinstance(t, InputType) else t
        return t if isinstance(t, str) and t in TYPE_NAMES else None
    return None


def _check_type(value: Any) -> Any:
    """Give a clear message for a missing or unknown `type` before the union dispatches."""
    if isinstance(value, dict):
        t = value.get("type")
        expected = ", ".join(TYPE_NAMES)
        if t is None:
            raise PydanticCustomError(
                "missing_input_type", "an input needs a `type`; expected one of {expected}",
                {"expected": expected})
        if _tag(value) is None:
            raise PydanticCustomError(
                "input_type_unknown", "unknown input type '{type}'; expected one of {expected}",
                {"type": str(t), "expected": expected})
    return value


if TYPE_CHECKING:
    # Validation yields one of the input classes; the union is built from the table at runtime.
    AnyInput: TypeAlias = BaseInput
else:
    AnyInput = Annotated[
        Annotated[
            Union[tuple(Annotated[cls, Tag(t.value)] for t, cls in INPUT_CLASSES.items())],
            Discriminator(_tag, custom_error_type="invalid_input",
                          custom_error_message="an input must be a mapping with an `id` and a `type`"),
        ],
        BeforeValidator(_check_type),
    ]
