"""Resolving every input of an execution (Kestra's ``FlowInputOutput.resolveInputs``).

For each declared input, dependencies first:
1. the provided value, or ``defaults`` when it is missing or null; defaults holding an
   expression (``"{{ now() }}"``) are rendered, as Kestra does since 0.24, with
   ``render_typed`` and the same context as ``condition`` (a lone ``{{ }}`` keeps its type);
2. ``dependsOn``: the input is disabled when an input it depends on is disabled, or when
   ``condition``, rendered with ``render_typed(condition, {"inputs": <resolved dependencies,
   nested>})``, is not exactly ``True``. A disabled input is omitted and never required;
3. SELECT / MULTISELECT ``expression`` rendered (same context) to the list of values;
4. a null value: "missing required input" when required, else None;
5. parse and validate (parsing.py).

Decisions:
- Every failing input is reported: one ``InputErrors`` (an InputError subclass) is raised
  with ``.errors``, one InputError per failing input in declaration order. Kestra raises
  the first only (its code has "TODO check to return all exception at-once").
- An input depending on an input that failed is skipped silently (its dependency's error
  is already reported); Kestra would evaluate it against the unparsed value.
- A condition that fails to render is reported as an error of the input. Kestra records
  the error but then drops it with the disabled input: the input silently disappears.
- Provided values for undeclared inputs are ignored, as Kestra does.
- A dotted id is looked up flat (``{"a.b": 1}``, as Kestra) and then nested
  (``{"a": {"b": 1}}``); the result nests it: ``{"a": {"b": 1}}``.
- ``render_typed`` receives only ``{"inputs": ...}``; a caller that wants the execution in
  the context (Kestra adds it) wraps its renderer. Its exceptions become input errors.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from podium.common.errors import InputError, PodiumError
from podium.common.inputs.dependencies import resolution_order
from podium.common.inputs.parsing import Invalid, StoreFile, parse_and_validate
from podium.common.inputs.types import InputType
from podium.common.inputs.values import java_text
from podium.common.plugins.fields import is_expression

RenderTyped = Callable[[str, Mapping[str, Any]], Any]
_MISSING = object()


class InputErrors(InputError):
    """Several inputs are invalid. ``errors`` holds one InputError per input; ``input_id``
    is the first one's id. ``str()`` lists every message, one a line."""

    def __init__(self, errors: Sequence[InputError]) -> None:
        self.errors = list(errors)
        self.input_id = self.errors[0].input_id if self.errors else ""
        PodiumError.__init__(self, "\n".join(e.message for e in self.errors) or "invalid inputs")


def resolve_inputs(declarations: Sequence[Any], provided: Mapping[str, Any] | None, *,
                   render_typed: RenderTyped | None = None,
                   store_file: StoreFile | None = None) -> dict[str, Any]:
    """Typed values of every enabled input, dotted ids nested. Raises InputErrors."""
    provided = provided or {}
    by_id: dict[str, Any] = {}
    for decl in declarations:
        by_id.setdefault(decl.id, decl)  # duplicates: the first declaration wins (Kestra)
    order, in_cycle = resolution_order(declarations)

    values: dict[str, Any] = {}      # id -> typed value of an enabled, valid input
    disabled: set[str] = set()
    failed: set[str] = set()
    errors: dict[str, InputError] = {}

    for ident in [*order, *[i for i in by_id if i in in_cycle]]:
        decl = by_id[ident]
        if ident in in_cycle:
            errors[ident] = InputError(ident, "its `dependsOn` inputs form a cycle")
            failed.add(ident)
            continue
        deps = [d for d in _depends(decl) if d != ident and d in by_id]
        if any(d in failed for d in deps):
            failed.add(ident)  # reported through its dependency
            continue
        if any(d in disabled for d in deps):
            disabled.add(ident)
            continue
        context = {"inputs": nest({d: values[d] for d in deps})}
        try:
            condition = decl.depends_on.condition if decl.depends_on is not None else None
            if condition is not None:
                result = _render(render_typed, condition, context, "condition")
                if result is not True:  # Boolean.TRUE.equals(...): only a real true enables
                    disabled.add(ident)
                    continue
            decl = _render_values(decl, render_typed, context)
            raw = _provided(provided, ident)
            if raw is None:
                raw = _default(decl, render_typed, context)
            if raw is None:
                if decl.required:
                    raise Invalid("missing required input")
                values[ident] = None
            else:
                values[ident] = parse_and_validate(decl, raw, store_file=store_file)
        except Invalid as exc:
            errors[ident] = InputError(ident, str(exc))
            failed.add(ident)

    if errors:
        raise InputErrors([errors[i] for i in by_id if i in errors])
    try:
        return nest({i: values[i] for i in by_id if i in values})
    except ValueError as exc:
        raise InputErrors([InputError(str(exc.args[0]), str(exc.args[1]))]) from None


def _depends(decl: Any) -> list[str]:
    return list(decl.depends_on.inputs or []) if decl.depends_on is not None else []


def _provided(provided: Mapping[str, Any], ident: str) -> Any:
    if ident in provided:
        return provided[ident]
    node: Any = provided
    for part in ident.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _default(decl: Any, render_typed: RenderTyped | None, context: Mapping[str, Any]) -> Any:
    """`defaults`, rendered when it holds an expression."""
    if not is_expression(decl.defaults):
        return decl.defaults
    return _render(render_typed, decl.defaults, context, "defaults")


_RENDER_FAILURES = {"condition": "Invalid condition", "expression": "Cannot render 'expression'",
                    "defaults": "Cannot render 'defaults'"}


def _render(render_typed: RenderTyped | None, template: str, context: Mapping[str, Any],
            what: str) -> Any:
    if render_typed is None:
        raise TypeError(f"resolve_inputs needs render_typed to evaluate an input {what}")
    try:
        return render_typed(template, context)
    except Exception as exc:  # noqa: BLE001 - any rendering failure is the flow's problem
        raise Invalid(f"{_RENDER_FAILURES[what]}: {exc}") from None


def _render_values(decl: Any, render_typed: RenderTyped | None,
                   context: Mapping[str, Any]) -> Any:
    """SELECT / MULTISELECT with `expression`: a copy whose values are the rendered list."""
    if InputType(decl.type) not in (InputType.SELECT, InputType.MULTISELECT):
        return decl
    if decl.expression is None:
        return decl
    result = _render(render_typed, decl.expression, context, "expression")
    if not isinstance(result, (list, tuple)):
        kind = "<null>" if result is None else type(result).__name__
        raise Invalid(f"Invalid expression result. Expected a list of strings, but received {kind}")
    rendered = [java_text(v) for v in result if v is not None]
    update: dict[str, Any] = {"values": rendered}
    if InputType(decl.type) is InputType.MULTISELECT:
        update["options"] = None
    return decl.model_copy(update=update)


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1, "c": 2}`` -> ``{"a": {"b": 1}, "c": 2}``. A key that is both a value and
    a group raises ValueError(key, message)."""
    result: dict[str, Any] = {}
    for key, value in flat.items():
        parts = key.split(".")
        node = result
        for depth, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict) or _is_leaf(flat, ".".join(parts[:depth + 1])):
                raise ValueError(key, f"conflicts with input `{'.'.join(parts[:depth + 1])}`")
            node = child
        if parts[-1] in node:
            raise ValueError(key, f"conflicts with inputs under `{key}`")
        node[parts[-1]] = value
    return result


def _is_leaf(flat: Mapping[str, Any], key: str) -> bool:
    return key in flat
