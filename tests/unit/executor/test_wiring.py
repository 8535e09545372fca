"""The executor's wiring (executor/wiring.py) covers every message, and docs/architecture.md
says the same as the wiring: the doc's message and timer tables name, for each message type
and timer kind, the one function the wiring hands it to."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from podium.common.messages import ExecutorMessage
from podium.executor.wiring import ENGINE, PERSISTERS

DOC = Path(__file__).resolve().parents[3] / "docs" / "architecture.md"
ROW = re.compile(r"^\| `(?P<key>[^`]+)` \| `(?P<path>[^`]+\.py)` `(?P<function>\w+)`")


def executor_message_types() -> set[type]:
    union = typing.get_args(ExecutorMessage)[0]  # Annotated[Union[...], discriminator]
    return set(typing.get_args(union))


def doc_table(name: str) -> dict[str, tuple[str, str]]:
    """The rows between `<!-- wiring:name -->` and `<!-- /wiring:name -->`:
    key -> (file, function)."""
    text = DOC.read_text()
    match = re.search(rf"<!-- wiring:{name} -->\n(.*?)<!-- /wiring:{name} -->", text, re.S)
    assert match, f"docs/architecture.md has no wiring:{name} table"
    rows = [ROW.match(line) for line in match.group(1).splitlines()[2:]]
    assert all(rows), f"a row of the wiring:{name} table is not `key` | `file.py` `function`"
    return {row["key"]: (row["path"], row["function"]) for row in rows}


def where(function) -> tuple[str, str]:
    """(source file, name): podium.executor.x is the file executor/x.py of the repository."""
    module = function.__module__.removeprefix("podium.")
    return module.replace(".", "/") + ".py", function.__name__


def test_every_executor_message_has_a_handler():
    missing = {t.__name__ for t in executor_message_types()} - \
        {t.__name__ for t in ENGINE.handlers}
    assert not missing, f"no handler in executor/wiring.py for {sorted(missing)}"


def test_the_wiring_handles_only_executor_messages():
    assert set(ENGINE.handlers) <= executor_message_types()
    assert ENGINE.needs_all_runs <= set(ENGINE.handlers)


def test_the_doc_message_table_is_the_wiring():
    wired = {t.__name__: where(handler) for t, handler in ENGINE.handlers.items()}
    assert doc_table("messages") == wired


def test_the_doc_timer_table_is_the_wiring():
    wired = {kind: where(handler) for kind, handler in ENGINE.timer_handlers.items()}
    assert doc_table("timers") == wired


def test_every_command_the_engine_emits_has_a_persister():
    from podium.executor.engine import commands
    from podium.executor.engine.features.subflow import StartSubflow

    emitted = {cls for cls in vars(commands).values()
               if isinstance(cls, type) and cls.__module__ == commands.__name__
               and cls is not commands.Decision} | {StartSubflow}
    assert emitted == set(PERSISTERS)


def test_the_wiring_cannot_be_changed_in_place():
    with pytest.raises(TypeError):
        ENGINE.handlers[object] = print  # type: ignore[index]
    with pytest.raises(AttributeError):
        ENGINE.after_advance = ()  # type: ignore[misc]
