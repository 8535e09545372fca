"""What a run form shows for each input before an execution exists (Kestra's "validate
inputs" pass behind its run dialog): which inputs are enabled by their ``dependsOn``, the
SELECT / MULTISELECT values their ``expression`` computes, defaults rendered, and why a
value given so far is refused.

It follows ``resolve_inputs`` (resolve.py) step by step, with the same decisions, so that
the form hides exactly the inputs the engine will ignore; it never raises for a value:
each problem stays on its input. FILE values are not read here (a file is stored only
when the execution is created): a FILE input counts as given or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from podium.common.inputs.dependencies import resolution_order
from podium.common.inputs.parsing import Invalid, parse_and_validate
from podium.common.inputs.resolve import RenderTyped, _default, _render, _render_values, nest
from podium.common.inputs.types import InputType


@dataclass(frozen=True)
class InputPreview:
    """One input as the form shows it. `declaration` has its `values` rendered when they
    come from an `expression`; `value` is what was given, else the (rendered) default,
    else the prefill; `error` a problem with the value given or with the declaration's
    expressions."""

    declaration: Any
    enabled: bool
    value: Any = None
    is_default: bool = False
    error: str | None = None


def preview_inputs(declarations: Sequence[Any], provided: Mapping[str, Any] | None, *,
                   render_typed: RenderTyped) -> list[InputPreview]:
    """Every declared input, in declaration order. `provided` None: the form is new (the
    prefill applies); else the values given so far (missing ones are None)."""
    first_time = provided is None
    provided = provided or {}
    by_id: dict[str, Any] = {}
    for decl in declarations:
        by_id.setdefault(decl.id, decl)
    order, in_cycle = resolution_order(declarations)
    values: dict[str, Any] = {}
    unusable: set[str] = set()  # disabled or failed: their dependents stay hidden
    previews: dict[str, InputPreview] = {}
    for ident in [*order, *[i for i in by_id if i in in_cycle]]:
        decl = by_id[ident]
        if ident in in_cycle:
            previews[ident] = InputPreview(decl, True, error="its `dependsOn` inputs form a cycle")
            unusable.add(ident)
            continue
        deps = [d for d in _depends(decl) if d != ident and d in by_id]
        if any(d in unusable for d in deps):
            previews[ident] = InputPreview(decl, False)
            unusable.add(ident)
            continue
        context = {"inputs": nest({d: values[d] for d in deps})}
        preview = _preview_one(decl, provided.get(ident), first_time, render_typed, context)
        previews[ident] = preview
        if not preview.enabled or preview.error:
            unusable.add(ident)
        else:
            values[ident] = _typed(preview)
    return [previews[i] for i in by_id]


def _depends(decl: Any) -> list[str]:
    return list(decl.depends_on.inputs or []) if decl.depends_on is not None else []


def _preview_one(decl: Any, given: Any, first_time: bool, render_typed: RenderTyped,
                 context: Mapping[str, Any]) -> InputPreview:
    try:
        condition = decl.depends_on.condition if decl.depends_on is not None else None
        if condition is not None and _render(render_typed, condition, context,
                                             "condition") is not True:
            return InputPreview(decl, False)
        decl = _render_values(decl, render_typed, context)
        default = _default(decl, render_typed, context)
    except Invalid as exc:
        return InputPreview(decl, True, value=given, error=str(exc))
    if given is not None:
        return _checked(decl, given, is_default=False)
    if default is not None:
        return _checked(decl, default, is_default=True)
    return InputPreview(decl, True, value=decl.prefill if first_time else None)


def _checked(decl: Any, value: Any, *, is_default: bool) -> InputPreview:
    if InputType(decl.type) is InputType.FILE:
        return InputPreview(decl, True, value=value, is_default=is_default)
    try:
        parse_and_validate(decl, value, store_file=None)
    except Invalid as exc:
        return InputPreview(decl, True, value=value, is_default=is_default, error=str(exc))
    return InputPreview(decl, True, value=value, is_default=is_default)


def _typed(preview: InputPreview) -> Any:
    """The value the inputs depending on this one see (as the engine types it)."""
    decl, value = preview.declaration, preview.value
    if value is None or InputType(decl.type) is InputType.FILE:
        return value
    return parse_and_validate(decl, value, store_file=None)
