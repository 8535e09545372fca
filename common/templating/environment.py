"""The one sandboxed Jinja2 environment, configured to behave like Kestra's Pebble engine.

Strictness: every name, attribute and key lookup goes through `pb_strict`/`pb_get`, which
raise `MissingValue` at once (Pebble's strictVariables=true). `??`, `???`, the `default`
filter and the `defined` test evaluate their operand through a thunk and catch it.

Sandbox: `pb_get` never falls back to Python attribute access. A lookup reads a map key, a
list index, or one of the Pebble loop variables; anything else, `__class__` included, is
simply "not found". Jinja's default globals, filters and tests are removed so the only
callables a template sees are the library's.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import decimal
import functools
import json
import math
import operator
import time
import typing as t
from collections.abc import Mapping, Sequence

from jinja2 import StrictUndefined, nodes
from jinja2.runtime import LoopContext, Macro, Undefined
from jinja2.sandbox import SandboxedEnvironment

from podium.common.errors import TemplateError, UndefinedVariableError
from podium.common.templating import arithmetic
from podium.common.templating.pebble_syntax import PebbleCodeGenerator, PebbleLexer, PebbleParser
from podium.common.templating.sizes import check_printed_size
from podium.common.templating.taint import any_secret, derived, printed, tainting

MAX_OUTPUT_CHARS = 10 * 1024 * 1024
MAX_ITERATIONS = 1_000_000
MAX_SECONDS = 30.0
MAX_RANGE_ITEMS = 100_000
MAX_HTTP_CALLS = 20  # http() calls of one top-level render
# Macros: how deep they may call each other, and how many calls one render may make. A
# macro calling itself twice per level has no loop for MAX_ITERATIONS to count.
MAX_MACRO_DEPTH = 64
MAX_MACRO_CALLS = 20_000


class MissingValue(UndefinedVariableError):
    """A lookup found nothing. The renderer rewrites the message with the template text."""

    def __init__(self, path: str, lineno: int | None) -> None:
        super().__init__(f"Unable to find `{path}`")
        self.path = path
        self.lineno = lineno


class PebbleUndefined(StrictUndefined):
    """Safety net: Jinja-made undefined values (unset macro args) fail like Pebble would."""

    __slots__ = ()

    def _fail_with_undefined_error(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise MissingValue(str(self._undefined_name or "value"), None)

    def __call__(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise TemplateError(f"Function or Macro [{self._undefined_name}] does not exist")

    __iter__ = __str__ = __len__ = __eq__ = __ne__ = __bool__ = __hash__ = __contains__ = (
        _fail_with_undefined_error
    )


class MapEntry(tuple[t.Any, t.Any]):
    """What `{% for e in map %}` yields, as Pebble's Map.Entry: `e.key`, `e.value`."""

    __slots__ = ()

    @property
    def key(self) -> t.Any:
        return self[0]

    @property
    def value(self) -> t.Any:
        return self[1]


# -- render budget (per top-level render, shared by nested render() calls) -------------------
class Budget:
    def __init__(self) -> None:
        self.iterations = 0
        self.http_calls = 0
        self.macro_calls = 0
        self.macro_depth = 0
        self.deadline = time.monotonic() + MAX_SECONDS

    def remaining(self) -> float:
        """Seconds left to this render; what a call out of the render (http()) may wait."""
        return max(self.deadline - time.monotonic(), 0.0)

    def take_http_call(self) -> None:
        self.http_calls += 1
        if self.http_calls > MAX_HTTP_CALLS:
            raise TemplateError(f"Template exceeded the limit of {MAX_HTTP_CALLS} http() calls")

    def tick(self, count: int = 1) -> None:
        self.iterations += count
        if self.iterations > MAX_ITERATIONS:
            raise TemplateError(f"Template exceeded the limit of {MAX_ITERATIONS} loop iterations")
        self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateError(f"Template rendering exceeded {int(MAX_SECONDS)} seconds")

    @contextlib.contextmanager
    def macro_call(self, name: str) -> t.Iterator[None]:
        self.macro_calls += 1
        if self.macro_calls > MAX_MACRO_CALLS:
            raise TemplateError(f"Template exceeded the limit of {MAX_MACRO_CALLS} macro calls")
        if self.macro_depth >= MAX_MACRO_DEPTH:
            raise TemplateError(f"Macro '{name}' is nested deeper than the limit of "
                                f"{MAX_MACRO_DEPTH} macro calls")
        self.check_time()
        self.macro_depth += 1
        try:
            yield
        finally:
            self.macro_depth -= 1


BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("podium_template_budget", default=None)


def current_budget() -> Budget:
    """The budget of the render in progress (a fresh one outside a render)."""
    return _budget()


def _budget() -> Budget:
    budget = BUDGET.get()
    if budget is None:  # helper used outside render(): give it its own budget
        budget = Budget()
        BUDGET.set(budget)
    return budget


# -- printing ---------------------------------------------------------------------------------
def java_double(value: float) -> str:
    """Java's Double.toString (JDK 19+ shortest repr): 1.0, 1.0E10, 1.5E-4, NaN, Infinity."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    magnitude = abs(value)
    if value == 0 or 1e-3 <= magnitude < 1e7:
        text = repr(value)
        return text if "e" not in text else format(decimal.Decimal(text), "f")
    sign, digits, exponent = decimal.Decimal(repr(value)).as_tuple()
    digit_text = "".join(map(str, digits)).rstrip("0") or "0"
    point_exponent = int(exponent) + len(digits) - 1  # finite: NaN and infinities returned above
    mantissa = digit_text[0] + "." + (digit_text[1:] or "0")
    return f"{'-' if sign else ''}{mantissa}E{point_exponent}"


def format_instant(value: dt.datetime) -> str:
    """Java Instant/ZonedDateTime-like ISO text; UTC prints `Z`, fractions in 3-digit groups."""
    text = value.replace(microsecond=0).isoformat()
    offset = ""
    if value.tzinfo is not None:
        text, offset = text[:19], text[19:]
        offset = "Z" if offset in ("+00:00", "") else offset
    if value.microsecond:
        fraction = f"{value.microsecond:06d}"
        text += "." + (fraction[:3] if fraction.endswith("000") else fraction)
    return text + offset


def _json_default(value: t.Any) -> t.Any:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return format_instant(value) if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (set, frozenset)):
        return list(value)
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    raise TemplateError("A value of an unsupported kind cannot be written as JSON")


def to_json(value: t.Any) -> str:
    """Jackson-like compact JSON of maps and lists."""
    check_printed_size(value, "A value printed as JSON")
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)
    except ValueError as exc:  # circular reference
        raise TemplateError("A value cannot be written as JSON: it contains itself") from exc


def to_output(value: t.Any) -> str:
    """How Pebble's JsonWriter prints a value: maps/lists as JSON, booleans lowercase."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, MapEntry):
        return f"{to_output(value[0])}={to_output(value[1])}"
    if isinstance(value, (Mapping, list, tuple, set, frozenset)):
        return to_json(value)
    if isinstance(value, dt.datetime):
        return format_instant(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    raise TemplateError("A value of an unsupported kind cannot be printed")


def _finalize(value: t.Any) -> t.Any:
    """What `{{ }}` writes: a secret value is registered with the masker first."""
    printed(value)
    return to_output(value)


def java_string(value: t.Any) -> str:
    """Java's toString, used by `~`: null is skipped, collections print as [a, b] / {k=v}."""
    if isinstance(value, (Mapping, list, tuple, set, frozenset)):
        check_printed_size(value, "A value printed as text")
    return _java_string(value)


def _java_string(value: t.Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_java_string(k)}={_java_string(v)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple, set, frozenset)) and not isinstance(value, MapEntry):
        return "[" + ", ".join(_java_string(v) for v in value) + "]"
    return to_output(value)


# -- the environment --------------------------------------------------------------------------
_LOOP_ATTRIBUTES = {
    "index": lambda loop: loop.index0,  # Pebble's loop.index is 0-based
    "revindex": lambda loop: loop.revindex0,
    "first": lambda loop: loop.first,
    "last": lambda loop: loop.last,
    "length": lambda loop: loop.length,
}

_MISSING = object()


class PodiumEnvironment(SandboxedEnvironment):
    code_generator_class = PebbleCodeGenerator
    # Intercepted so that `/` and `%` follow Java's integer rules, no operator can build an
    # integer, a text or a list past the render budget (common/templating/arithmetic.py),
    # and an operator on a secret gives a secret (taint.py).
    intercepted_binops = frozenset({"*", "/", "%", "+", "-"})

    def __init__(self) -> None:
        super().__init__(
            autoescape=False,
            undefined=PebbleUndefined,
            finalize=_finalize,
            keep_trailing_newline=True,
            auto_reload=False,
            cache_size=0,
        )
        self.globals.clear()
        self.filters.clear()
        self.tests.clear()
        self._pebble_lexer = PebbleLexer(self)

    @property
    def lexer(self) -> PebbleLexer:
        return self._pebble_lexer

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return PebbleParser(self, source, name, filename).parse()

    # Python attribute access is never used: pb_get below is the only lookup.
    def getattr(self, obj: t.Any, attribute: str) -> t.Any:
        return lookup(obj, attribute, attribute, None)

    def getitem(self, obj: t.Any, argument: t.Any) -> t.Any:
        return lookup(obj, argument, repr(argument), None)

    def call(__self, __context: t.Any, __obj: t.Any, *args: t.Any, **kwargs: t.Any) -> t.Any:  # noqa: N805
        if isinstance(__obj, Undefined):
            raise TemplateError(f"Function or Macro [{__obj._undefined_name}] does not exist")
        if isinstance(__obj, Macro):
            with _budget().macro_call(__obj.name):
                return _call_keeping_taint(super().call, __context, __obj, args, kwargs)
        if not any_secret(args, kwargs):  # checked here: no extra frame for render()
            return super().call(__context, __obj, *args, **kwargs)
        return derived(super().call, __context, __obj, *args, **kwargs)

    def call_binop(self, context: t.Any, operator: str, left: t.Any, right: t.Any) -> t.Any:
        return derived(arithmetic.apply, operator, left, right)

    # -- helpers called by PbCall nodes ----------------------------------------------------
    def pb_strict(self, value: t.Any, name: str, lineno: int) -> t.Any:
        if isinstance(value, Undefined):
            raise MissingValue(name, lineno)
        return value

    def pb_self(self, lineno: int) -> t.NoReturn:
        raise MissingValue("self", lineno)

    def pb_get(self, obj: t.Any, key: t.Any, path: str, lineno: int) -> t.Any:
        return lookup(obj, key, path, lineno)

    def pb_guard(self, thunk: t.Callable[[], t.Any]) -> t.Any:
        try:
            return thunk()
        except MissingValue:
            return None

    def pb_coalesce(self, left: t.Callable[..., t.Any], right: t.Callable[..., t.Any], null_too: bool) -> t.Any:
        try:
            value = left()
        except MissingValue:
            return right()
        return right() if null_too and value is None else value

    def pb_elvis(self, left: t.Any, right: t.Callable[..., t.Any]) -> t.Any:
        return left if left else right()

    def pb_and(self, left: t.Any, right: t.Callable[..., t.Any]) -> bool:
        return bool(left) and bool(right())

    def pb_or(self, left: t.Any, right: t.Callable[..., t.Any]) -> bool:
        return bool(left) or bool(right())

    def pb_contains(self, container: t.Any, item: t.Any) -> bool:
        return contains(container, item)

    def pb_is_in(self, value: t.Any, container: t.Any) -> bool:
        return is_in(value, container)

    def pb_concat(self, left: t.Any, right: t.Any) -> t.Any:  # a str, or a secret's taint
        return derived(_concat, left, right)

    def pb_range(self, start: t.Any, end: t.Any) -> list[t.Any]:
        if not isinstance(start, int) or not isinstance(end, int):
            raise TemplateError("The range operator `..` needs two integers")
        if end - start + 1 > MAX_RANGE_ITEMS:
            raise TemplateError(f"A range may hold at most {MAX_RANGE_ITEMS} items")
        return list(range(start, end + 1))

    def pb_iter(self, value: t.Any) -> t.Iterable[t.Any]:
        if value is None:
            return ()
        if isinstance(value, Mapping):
            value = [MapEntry(item) for item in value.items()]
        elif isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise TemplateError(f"Not an iterable object. Value = [{to_output(value)}]")
        return _counted(value)


def _counted(iterable: t.Iterable[t.Any]) -> t.Iterator[t.Any]:
    budget = _budget()
    for item in iterable:
        budget.tick()
        yield item


def lookup(obj: t.Any, key: t.Any, path: str, lineno: int | None) -> t.Any:
    """Pebble attribute/item access: map key, list index, loop variable; else missing."""
    if isinstance(obj, Undefined):
        raise MissingValue(path, lineno)
    if isinstance(obj, Mapping):
        value = obj.get(key, _MISSING) if _hashable(key) else _MISSING
        if value is _MISSING and not isinstance(key, str) and _hashable(key):
            value = obj.get(str(key), _MISSING)
        if value is _MISSING:
            raise MissingValue(path, lineno)
        return value
    if isinstance(obj, LoopContext) and key in _LOOP_ATTRIBUTES:
        return _LOOP_ATTRIBUTES[key](obj)
    if isinstance(obj, MapEntry) and key in ("key", "value"):
        return obj[0] if key == "key" else obj[1]
    if isinstance(obj, Sequence) and not isinstance(obj, (str, bytes)):
        return _index(obj, key, path, lineno)
    if isinstance(obj, str) and isinstance(key, slice):
        return derived(operator.getitem, obj, key)
    raise MissingValue(path, lineno)


def _hashable(key: t.Any) -> bool:
    try:
        hash(key)
    except TypeError:
        return False
    return True


def _index(seq: Sequence[t.Any], key: t.Any, path: str, lineno: int | None) -> t.Any:
    if isinstance(key, slice):
        return seq[key]
    if isinstance(key, str) and key.lstrip("-").isdigit():
        key = int(key)
    if isinstance(key, int) and not isinstance(key, bool) and -len(seq) <= key < len(seq):
        return seq[key]
    raise MissingValue(path, lineno)


def contains(container: t.Any, item: t.Any) -> bool:
    """Pebble's `contains`: map key, list element (or all elements of a list), substring."""
    if container is None:
        return False
    if isinstance(container, str):
        return java_string(item) in container
    if isinstance(container, Mapping):
        return _hashable(item) and item in container
    if isinstance(container, (list, tuple, set, frozenset)):
        if isinstance(item, (list, tuple, set, frozenset)):
            return all(element in container for element in item)
        return item in container
    raise TemplateError("The `contains` operator needs a map, a list or a string on its left")


def is_in(value: t.Any, container: t.Any) -> bool:
    """Kestra's `isIn`: compares texts (so a state, a number or a string match alike); a
    list holds the value, or a map has it as a key or as a value. Null is in nothing."""
    if value is None or container is None:
        return False
    text = java_string(value)
    if isinstance(container, Mapping):
        return any(item is not None and java_string(item) == text
                   for pair in container.items() for item in pair)
    if isinstance(container, (list, tuple, set, frozenset)):
        return any(item is not None and java_string(item) == text for item in container)
    return False


def _call_keeping_taint(call: t.Callable[..., t.Any], context: t.Any, obj: t.Any, args: tuple[t.Any, ...],
                        kwargs: dict[str, t.Any]) -> t.Any:
    """A function or macro called with a secret gives a secret (taint.py)."""
    if not any_secret(args, kwargs):
        return call(context, obj, *args, **kwargs)
    return derived(call, context, obj, *args, **kwargs)


def _concat(left: t.Any, right: t.Any) -> str:
    left_text: str = java_string(left)
    right_text: str = java_string(right)
    arithmetic.check_concat(len(left_text) + len(right_text))
    return left_text + right_text


@functools.lru_cache(maxsize=1)
def get_environment() -> PodiumEnvironment:
    """The process-wide environment, built once (executor and worker share it)."""
    from podium.common.templating import library
    from podium.common.templating.render import CONTEXT_FUNCTIONS

    env = PodiumEnvironment()
    # a filter applied to a secret gives a secret (taint.py)
    env.filters.update({name: tainting(f) for name, f in library.FILTERS.items()})
    env.tests.update(library.TESTS)
    env.globals.update(library.FUNCTIONS)
    env.globals.update(CONTEXT_FUNCTIONS)  # render/renderOnce/printContext need the engine
    return env


__all__ = ["PodiumEnvironment", "get_environment", "MissingValue", "to_output"]
