"""Typed task properties given as expressions (Kestra's `Property<T>`).

Kestra renders most task properties at run time, whatever their type: `ttl: "{{ inputs.x }}"`
for a duration, `"{{ vars.n }}"` for an int, a boolean or an enum. Podium checks a literal
value when the flow is saved, as before, and keeps an expression as written; the worker
renders it just before the attempt and checks the result against the property's type, so a
bad rendered value fails the task with a message naming the property.

This is done once for every property rather than type by type:

- ``install(classes)`` (called when the task modules are loaded) gives each property of the
  task types that run on a worker a fallback: a value its own type refuses is kept when it
  is an expression. The same goes for the properties of the nested objects (`options`,
  `batch`...) only such tasks use. A value the type accepts as it is (a string property,
  `Dyn[...]`, `DurationStr`) is untouched: its task renders it as before.
- ``resolve(model, render_typed)`` renders every property kept that way (and those of nested
  objects) and validates the result with the property's own type.

The common task properties (`retry`, `disabled`, `allowFailure`...) are not dynamic in Kestra
and stay literal, as do the properties holding other plugins (`tasks`, `taskRunner`), and
the tasks the executor resolves itself (flowables, subflows), which never reach a worker.
"""

from __future__ import annotations

import typing
from functools import lru_cache
from typing import Any, Callable

from pydantic import BaseModel, ValidationError, WrapSerializer, WrapValidator, create_model
from typing_extensions import Annotated

from podium.common.errors import PodiumError
from podium.common.plugins.base import PluginModel, Task, _PluginUnion
from podium.common.plugins.fields import StrictModel, is_expression

RenderTyped = Callable[[str], Any]

# The properties every task has (Task itself): literal in Kestra but `timeout`, which is
# already an expression-or-duration (DurationStr) that the worker renders.
_COMMON = frozenset(Task.model_fields) | {"type"}
# (class, field name) -> the field's own type, for the run-time check.
_ORIGINAL: dict[tuple[type, str], Any] = {}


class PropertyError(PodiumError):
    """A property's expression rendered to a value its type refuses."""


def _keep_expression(value: Any, handler: Any) -> Any:
    try:
        return handler(value)
    except ValidationError:
        if is_expression(value):
            return value  # checked once rendered, by resolve()
        raise


def _dump_expression(value: Any, handler: Any) -> Any:
    # An expression kept in an int or enum property is dumped as the text it is (the task
    # sent to a worker, the `task` variable), without pydantic's "unexpected value" warning.
    if isinstance(value, str) and is_expression(value):
        return value
    return handler(value)


_FALLBACK = WrapValidator(_keep_expression)
_DUMP_FALLBACK = WrapSerializer(_dump_expression)
_MARKERS = (_FALLBACK, _DUMP_FALLBACK)


def install(classes: list[type[BaseModel]]) -> None:
    """Give the properties of these plugin classes the expression fallback (see above)."""
    worker = [c for c in classes if issubclass(c, Task) and c.runs_on_worker()]
    others = [c for c in classes if c not in worker]
    shared = set().union(*(_nested(c) for c in others)) if others else set()
    nested = set().union(*(_nested(c) for c in worker)) - shared if worker else set()
    for cls in worker:
        _wrap(cls, skip=_COMMON)
    for model in nested:
        _wrap(model, skip=frozenset({"type"}))  # a `type` may discriminate a union


def _wrap(cls: type[BaseModel], skip: frozenset[str]) -> None:
    for name, info in cls.model_fields.items():
        if name in skip or (cls, name) in _ORIGINAL or _holds_plugins(info.annotation):
            continue
        if any(m is _FALLBACK for m in info.metadata):
            _ORIGINAL[(cls, name)] = _annotated(info.annotation, [
                m for m in info.metadata if not any(m is marker for marker in _MARKERS)])
            continue
        _ORIGINAL[(cls, name)] = _annotated(info.annotation, list(info.metadata))
        info.metadata.extend(_MARKERS)


def _annotated(annotation: Any, metadata: list[Any]) -> Any:
    return Annotated[(annotation, *metadata)] if metadata else annotation


def _types_in(annotation: Any) -> list[Any]:
    found, stack = [], [annotation]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(typing.get_args(current))
    return found


def _holds_plugins(annotation: Any) -> bool:
    return any(isinstance(t, type) and issubclass(t, _PluginUnion) for t in _types_in(annotation))


def _nested(cls: type[BaseModel]) -> set[type[BaseModel]]:
    """The property objects (StrictModel, not plugins) reachable from cls's fields."""
    seen: set[type[BaseModel]] = set()
    stack = [cls]
    while stack:
        for info in stack.pop().model_fields.values():
            for t in _types_in(info.annotation):
                if isinstance(t, type) and issubclass(t, StrictModel) \
                        and not issubclass(t, PluginModel) and t not in seen:
                    seen.add(t)
                    stack.append(t)
    return seen


# ---------------------------------------------------------------- run time

def resolve(model: BaseModel, render_typed: RenderTyped, path: str = "") -> BaseModel:
    """`model` with every expression kept by the fallback rendered and checked against
    its property's type (nested objects included). Raises PropertyError naming the
    property when a rendered value does not fit; TemplateError when one cannot render."""
    updates: dict[str, Any] = {}
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        where = f"{path}{info.alias or name}"
        if (type(model), name) in _ORIGINAL and is_expression(value) \
                and not _accepts(type(model), name, value):
            updates[name] = _checked(type(model), name, value, render_typed(value), where)
        elif isinstance(value, StrictModel) and not isinstance(value, PluginModel):
            resolved = resolve(value, render_typed, f"{where}.")
            if resolved is not value:
                updates[name] = resolved
    return model.model_copy(update=updates) if updates else model


class _Holder(StrictModel):
    value: Any


@lru_cache(maxsize=None)
def _holder(cls: type, name: str) -> type[_Holder]:
    """A one-field model with the property's own type (and the flow models' config)."""
    return create_model(f"{cls.__name__}_{name}", __base__=_Holder,
                        value=(_ORIGINAL[(cls, name)], ...))


def _accepts(cls: type, name: str, value: Any) -> bool:
    """True when the property's type takes the expression as it is (a string property):
    its task renders it itself."""
    try:
        _holder(cls, name).model_validate({"value": value})
    except ValidationError:
        return False
    return True


def _checked(cls: type, name: str, template: str, rendered: Any, where: str) -> Any:
    try:
        return _holder(cls, name).model_validate({"value": rendered}).value
    except ValidationError as exc:
        reasons = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise PropertyError(f"Invalid value for property `{where}`: {template!r} rendered to "
                            f"{rendered!r}: {reasons}") from None
