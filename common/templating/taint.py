"""Values computed from a secret stay secret: taint tracking inside one render.

`secret()` returns a `SecretText` (a str that remembers it is secret). Every filter,
function, macro, operator (`~`, `+`, `*`) and slice whose operands are secret, or whose
text operands contain a value the masker already holds, gives a secret result: text
results become SecretText and go to the masker, so `{{ secret('K') | upper }}`,
`{{ secret('K') | base64encode }}` or `{{ secret('K') | split('') | join(',') }}` are masked
in logs and error messages like the secret itself. Kestra masks only the value `secret()`
returned; a flow that transforms it leaks it there.

Why taint and not refusing filters on secrets: real flows build headers (`"Bearer " ~
secret(...)`), decode keys (`secret(...) | base64decode`) and read JSON secrets
(`fromJson(secret(...)).key`); all of them must keep working, and be masked.

Rules (documented in docs/security.md, "Secrets and inputs"):
- a derived text is registered only from MIN_DERIVED_CHARS characters on: masking every
  `a` of a log because a template took one letter of a secret would blank the logs;
- texts inside a derived list or map are tainted but registered only once printed, or
  returned by a typed render, so `fromJson(secret(...))` does not mask every field of the
  JSON (`"true"`, `"eu"`) in every log line, only those the template uses;
- pieces too short to be registered that are printed (a loop printing a secret one
  letter at a time with separators) get the printed span from the first such piece to
  the last registered instead;
- numbers and booleans derived from a secret are not masked (`| length`, comparisons);
  a hash (`| sha256`) is text, so it is masked like any derived text.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable

from jinja2.runtime import Context

MIN_DERIVED_CHARS = 4
# Texts never registered on their own: the printed booleans and null, which a JSON secret's
# fields often hold and every log holds too.
_NEVER_MASKED = frozenset({"true", "false", "null"})
_MAX_DEPTH = 32  # nesting of lists and maps inspected or copied
# Containers at least this large are inspected once per render: a loop calling a filter on
# a 20,000-item list 200 times would otherwise walk it 200 times (23 s instead of 0.1 s).
# Templates cannot mutate a container (no method is reachable in the sandbox).
_REMEMBERED_SIZE = 64


class SecretText(str):
    """A text that is, or was computed from, a secret."""

    __slots__ = ()


@dataclass
class TaintState:
    """One top-level render's view of secrets: the masker (None: nothing to register into)
    and how many printed pieces were secret but too short to be registered."""

    masker: Any = None
    short_pieces: int = 0
    pending: set[str] = field(default_factory=set)  # tainted texts inside containers
    # id -> (the container, kept alive so its id is not reused; how many values the masker
    # held then; whether it holds a secret)
    inspected: dict[int, tuple[Any, int, bool]] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        """Whether this render has seen a secret. Every secret goes through the masker
        (secret(), SECRET inputs), so a render with an empty masker skips all checks and
        costs nothing more than before."""
        return self.masker is not None and bool(self.masker.values)

    def register(self, text: str) -> None:
        if (self.masker is not None and len(text) >= MIN_DERIVED_CHARS
                and text not in _NEVER_MASKED):
            self.masker.add(str(text))

    def mask(self, message: str) -> str:
        """`message` with every registered and pending secret text masked."""
        if self.masker is None:
            return message
        for text in self.pending:
            self.register(text)
        self.pending.clear()
        masked: str = self.masker.mask(message)
        return masked


STATE: contextvars.ContextVar[TaintState | None] = contextvars.ContextVar(
    "podium_template_taint", default=None)


def current() -> TaintState:
    state = STATE.get()
    return state if state is not None else TaintState()


def touches_secret(value: Any, state: TaintState, depth: int = 0) -> bool:
    """Whether `value` is secret, holds a secret, or is a text containing a masked value."""
    if isinstance(value, SecretText):
        return True
    if isinstance(value, str):
        return state.masker is not None and state.masker.found_in(value)
    if depth >= _MAX_DEPTH or isinstance(value, Context):
        return False
    if not isinstance(value, (Mapping, list, tuple, set, frozenset)):
        return False
    if len(value) < _REMEMBERED_SIZE:
        return _holds_secret(value, state, depth)
    masked = len(state.masker.values) if state.masker is not None else 0
    known = state.inspected.get(id(value))
    if known is None or known[0] is not value or known[1] != masked:
        known = (value, masked, _holds_secret(value, state, depth))
        state.inspected[id(value)] = known
    return known[2]


def _holds_secret(value: Any, state: TaintState, depth: int) -> bool:
    if isinstance(value, Mapping):
        return any(touches_secret(k, state, depth + 1) or touches_secret(v, state, depth + 1)
                   for k, v in value.items())
    return any(touches_secret(item, state, depth + 1) for item in value)


def taint(value: Any, state: TaintState, depth: int = 0) -> Any:
    """`value` marked secret: a text is registered; containers are copied with their texts
    marked (registered when printed or returned, see `release`)."""
    if isinstance(value, str):
        text = value if isinstance(value, SecretText) else SecretText(value)
        if depth == 0:
            state.register(text)
        else:
            state.pending.add(str(text))
        return text
    if depth >= _MAX_DEPTH:
        return value
    if isinstance(value, Mapping) and not isinstance(value, Context):
        return {key: taint(item, state, depth + 1) for key, item in value.items()}
    if type(value) in (list, tuple):  # a tuple subclass (a map entry) keeps its type
        return [taint(item, state, depth + 1) for item in value]
    return value


def any_secret(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    state = current()
    return state.active and (touches_secret(args, state) or touches_secret(kwargs, state))


def derived(operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call `operation`; its result is secret when an argument is. When it fails, the
    secret arguments are registered first so the error message is masked."""
    state = current()
    secret = state.active and (touches_secret(args, state) or touches_secret(kwargs, state))
    try:
        result = operation(*args, **kwargs)
    except Exception:
        if secret:
            taint([args, kwargs], state)
            state.mask("")  # registers what is pending
        raise
    return taint(result, state) if secret else result


def tainting(function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter or function whose results derived from a secret are secret."""

    @functools.wraps(function)  # keeps jinja's pass_context marker (in __dict__)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return derived(function, *args, **kwargs)

    return wrapper


def printed(value: Any) -> None:
    """A value about to be written out by `{{ }}`: register it when it is secret."""
    if not isinstance(value, SecretText):
        return
    state = current()
    if len(value) >= MIN_DERIVED_CHARS:
        state.register(value)
    else:
        state.short_pieces += 1


def release(value: Any, state: TaintState, depth: int = 0) -> Any:
    """A typed render's result leaving the engine: secret texts registered and turned back
    into plain str, so SecretText never travels in messages or rows."""
    if isinstance(value, SecretText):
        if len(value) < MIN_DERIVED_CHARS:
            state.short_pieces += 1
        state.register(value)
        return str(value)
    if not state.active or depth >= _MAX_DEPTH or not touches_secret(value, TaintState(), depth):
        return value
    if isinstance(value, Mapping):
        return {release(k, state, depth + 1): release(v, state, depth + 1)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [release(item, state, depth + 1) for item in value]
    return value


__all__ = ["SecretText", "TaintState", "STATE", "MIN_DERIVED_CHARS", "any_secret", "derived",
           "tainting",
           "printed", "release", "taint", "touches_secret"]
