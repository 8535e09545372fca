"""Rendering entry points and the context functions that need the renderer itself.

Every failure leaves here as a TemplateError whose message reads like Kestra's and never
carries Python internals (class names, reprs, tracebacks).
"""

from __future__ import annotations

import contextvars
import functools
import logging
import re
import typing as t
from collections.abc import Mapping

from jinja2 import TemplateSyntaxError, nodes, pass_context
from jinja2.exceptions import SecurityError, TemplateRuntimeError, UndefinedError
from jinja2.runtime import Context

from podium.common.errors import TemplateError, UndefinedVariableError
from podium.common.templating import environment as envmod
from podium.common.templating import taint
from podium.common.templating.services import SERVICES_KEY, RenderServices

_LOG = logging.getLogger(__name__)
MAX_RENDER_DEPTH = 100  # Kestra's MAX_RENDERING_AMOUNT
_EXPRESSION_PREVIEW = 300
# Kestra strips raw tags from the final string with this regex (no DOTALL: single line only).
_RAW_PATTERN = re.compile(r"\{%-*\s*raw\s*-*%}(.*?)\{%-*\s*endraw\s*-*%}")
_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("podium_render_depth", default=0)


class _Compiled(t.NamedTuple):
    template: t.Any  # jinja2.Template
    expression: t.Any  # Template computing a single {{ expr }} natively, or None


# -- public API -------------------------------------------------------------------------------
def render(template: str, context: Mapping[str, t.Any], services: RenderServices | None = None) -> str:
    """Render a template to a string, as Kestra's VariableRenderer.render."""
    if not isinstance(template, str) or "{" not in template:
        return template
    return t.cast(str, _run(template, context, services, typed=False))


def render_typed(template: str, context: Mapping[str, t.Any], services: RenderServices | None = None) -> t.Any:
    """Like render, but a template made of exactly one `{{ expr }}` returns the native value."""
    if not isinstance(template, str) or "{" not in template:
        return template
    return _run(template, context, services, typed=True)


def render_value(value: t.Any, context: Mapping[str, t.Any], services: RenderServices | None = None) -> t.Any:
    """Render every string inside dicts and lists (keys too); other values are left alone."""
    if isinstance(value, str):
        return render(value, context, services)
    if isinstance(value, Mapping):
        result: dict[str, t.Any] = {}
        for key, item in value.items():
            result.setdefault(render_value(key, context, services), render_value(item, context, services))
        return result
    if isinstance(value, (list, tuple)):
        return [render_value(item, context, services) for item in value]
    return value


# -- machinery --------------------------------------------------------------------------------
def _run(source: str, context: Mapping[str, t.Any], services: RenderServices | None, typed: bool) -> t.Any:
    variables = dict(context)
    if services is not None:
        variables[SERVICES_KEY] = services
    budget_token = taint_token = None
    if envmod.BUDGET.get() is None:
        budget_token = envmod.BUDGET.set(envmod.Budget())
    if taint.STATE.get() is None:  # one state per top-level render, shared by render()
        taint_token = taint.STATE.set(taint.TaintState(
            masker=services.masker if services is not None else None))
    try:
        compiled = _compile(source)
        if typed and compiled.expression is not None:
            return _evaluate_expression(compiled.expression, variables)
        text = _consume(compiled.template, variables)
        return _RAW_PATTERN.sub(r"\1", text) if "{%" in text else text
    except TemplateError as exc:
        raise _translate(exc, source, variables) from None
    except Exception as exc:  # noqa: BLE001 - every failure must become a TemplateError
        raise _translate(exc, source, variables) from None
    finally:
        if budget_token is not None:
            envmod.BUDGET.reset(budget_token)
        if taint_token is not None:
            taint.STATE.reset(taint_token)


@functools.lru_cache(maxsize=2048)
def _compile(source: str) -> _Compiled:
    env = envmod.get_environment()
    ast = env.parse(source)
    template = env.from_string(ast)
    return _Compiled(template, _single_expression(env, ast))


def _single_expression(env: t.Any, ast: nodes.Template) -> t.Any:
    """A template computing the lone `{{ expr }}` of `ast` into `result`, else None."""
    if len(ast.body) != 1 or not isinstance(ast.body[0], nodes.Output):
        return None
    children = ast.body[0].nodes
    if len(children) != 1 or isinstance(children[0], nodes.TemplateData):
        return None
    assign = nodes.Assign(nodes.Name("result", "store"), children[0], lineno=children[0].lineno)
    return env.from_string(nodes.Template([assign], lineno=1))


def _evaluate_expression(template: t.Any, variables: dict[str, t.Any]) -> t.Any:
    ctx = template.new_context(variables)
    for _ in template.root_render_func(ctx):
        pass
    value = ctx.vars.get("result")
    envmod.to_output(value)  # refuses undefined and non-data values, as printing would
    state = taint.current()
    before = state.short_pieces
    value = taint.release(value, state)
    if state.short_pieces > before:  # secret pieces too short to mask alone: mask it whole
        state.register(envmod.to_output(value))
    return value


def _consume(template: t.Any, variables: dict[str, t.Any]) -> str:
    parts: list[str] = []
    size = 0
    state = taint.current()
    short: list[int] = []  # indexes of printed secret pieces too short to mask alone
    for part in template.root_render_func(template.new_context(variables)):
        size += len(part)
        if size > envmod.MAX_OUTPUT_CHARS:
            raise TemplateError(f"Rendered output exceeds {envmod.MAX_OUTPUT_CHARS} characters")
        if state.short_pieces:
            state.short_pieces = 0
            short.append(len(parts))
        parts.append(part)
    if short:  # e.g. a loop printing a secret letter by letter: mask the whole span
        state.register("".join(parts[short[0]:short[-1] + 1]))
    return "".join(parts)


def _preview(source: str) -> str:
    return source if len(source) <= _EXPRESSION_PREVIEW else source[:_EXPRESSION_PREVIEW] + "…"


def _translate(exc: BaseException, source: str, variables: Mapping[str, t.Any]) -> TemplateError:
    expression = _preview(source)
    if getattr(exc, "located", False):
        return t.cast(TemplateError, exc)  # raised by a nested render(): already says where
    if isinstance(exc, envmod.MissingValue):
        line = exc.lineno if exc.lineno is not None else _template_line(exc)
        where = f" at line {line}" if line else ""
        error: TemplateError = envmod.MissingValue(exc.path, exc.lineno)
        error.message = f"Unable to find `{exc.path}` used in the expression `{expression}`{where}"
        error.args = (error.message,)
    elif isinstance(exc, TemplateError):
        kind = UndefinedVariableError if isinstance(exc, UndefinedVariableError) else TemplateError
        error = kind(_located(exc.message, expression, _template_line(exc)))
    elif isinstance(exc, TemplateSyntaxError):
        error = TemplateError(f"Syntax error in the expression `{expression}` at line {exc.lineno}: {exc.message}")
    else:
        _LOG.debug("template failure in %r", expression, exc_info=exc)
        error = TemplateError(_located(_describe(exc), expression, _template_line(exc)))
    state = taint.current()
    if state.masker is not None:
        error.message = state.mask(error.message)
        error.args = (error.message,)
    error.located = True  # type: ignore[attr-defined]
    return error


def _located(message: str, expression: str, line: int | None) -> str:
    where = f" at line {line}" if line else ""
    return f"{message}, in the expression `{expression}`{where}"


def _services(variables: Mapping[str, t.Any]) -> RenderServices | None:
    services = variables.get(SERVICES_KEY)
    return services if isinstance(services, RenderServices) else None


_PY_TYPES = {
    "'int'": "number", "'float'": "number", "'str'": "string", "'dict'": "map", "'list'": "list",
    "'tuple'": "list", "'NoneType'": "null", "'bool'": "boolean", "'MapEntry'": "map entry",
}


def _describe(exc: BaseException) -> str:
    """A user-facing sentence for an unexpected exception, with Python names removed."""
    if isinstance(exc, RecursionError):
        return "Template recursion is too deep"
    if isinstance(exc, MemoryError):
        return "Template rendering ran out of memory"
    if isinstance(exc, ZeroDivisionError):
        return "/ by zero"
    if isinstance(exc, SecurityError):
        return "Access denied by the template sandbox"
    if isinstance(exc, UndefinedError):
        return "A value used in the expression is not defined"
    text = str(exc) if isinstance(exc, (TypeError, ValueError, TemplateRuntimeError, OverflowError)) else ""
    for python_name, pebble_name in _PY_TYPES.items():
        text = text.replace(python_name, pebble_name)
    text = re.sub(r"<[^>]*>|'?[A-Za-z_]+\.[A-Za-z_.]+'?|__\w+__", "value", text)
    return f"Invalid operation: {text}" if text else "The expression could not be evaluated"


def _template_line(exc: BaseException) -> int | None:
    """The template line of the deepest frame running compiled template code."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            line = template.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return line


# -- context functions (registered in the environment's globals) -------------------------------
def _visible_context(context: Context) -> dict[str, t.Any]:
    """The render variables as the template sees them, without functions and services."""
    env_globals = context.environment.globals
    variables = {**context.parent, **context.vars}
    return {
        key: value
        for key, value in variables.items()
        if key != SERVICES_KEY and not (key in env_globals and env_globals[key] is value)
    }


def _render_again(context: Context, to_render: t.Any, recursive: bool) -> t.Any:
    depth = _DEPTH.get()
    if depth >= MAX_RENDER_DEPTH:
        raise TemplateError("Too many rendering attempts")
    variables = _visible_context(context)
    services = _services(context.parent)
    token = _DEPTH.set(depth + 1)
    try:
        if not isinstance(to_render, str):
            return render_value(to_render, variables, services) if to_render is not None else None
        result = render(to_render, variables, services)
        passes = 0
        while recursive and result != to_render:
            passes += 1
            if passes > MAX_RENDER_DEPTH:
                raise TemplateError("Too many rendering attempts")
            to_render, result = result, render(result, variables, services)
        return result
    finally:
        _DEPTH.reset(token)


@pass_context
def render_function(context: Context, toRender: t.Any = None, recursive: t.Any = True) -> t.Any:  # noqa: N803
    if not isinstance(recursive, bool):
        raise TemplateError("The 'render' function expects an optional argument 'recursive' with type boolean.")
    return _render_again(context, toRender, recursive)


@pass_context
def render_once_function(context: Context, toRender: t.Any = None) -> t.Any:  # noqa: N803
    return _render_again(context, toRender, False)


@pass_context
def fetch_context_function(context: Context) -> dict[str, t.Any]:
    return _visible_context(context)


@pass_context
def current_each_output_function(context: Context, outputs: t.Any = None) -> t.Any:
    """The slice of a looped task's outputs for the current iteration (Kestra's walk order)."""
    if not isinstance(outputs, Mapping):
        raise TemplateError("The 'currentEachOutput' function expects an argument 'outputs' with type map.")
    parents = context.get("parents") or []
    for parent in reversed(list(parents)):  # parents are closest first; walk outermost first
        taskrun = parent.get("taskrun") if isinstance(parent, Mapping) else None
        if isinstance(taskrun, Mapping):
            outputs = outputs.get(taskrun.get("value")) if isinstance(outputs, Mapping) else None
            if not isinstance(outputs, Mapping):
                raise TemplateError("currentEachOutput: no outputs for the current loop iteration")
    taskrun = context.get("taskrun")
    value = taskrun.get("value") if isinstance(taskrun, Mapping) else None
    return outputs.get(value)


CONTEXT_FUNCTIONS: dict[str, t.Callable[..., t.Any]] = {
    "render": render_function,
    "renderOnce": render_once_function,
    "printContext": fetch_context_function,
    "fetchContext": fetch_context_function,
    "currentEachOutput": current_each_output_function,
}
