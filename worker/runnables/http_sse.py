"""io.kestra.plugin.core.http.SseRequest: read a server-sent event stream to its end.

The request is sent as http.Request sends it (http.py's Exchange: the same host guard,
options, auth and status check). The body is parsed as the SSE format says: `data:` lines
join with a newline, `event:` names the event, `id:`, `retry:` (milliseconds) and `:`
comments; a blank line ends an event (an event without data is dropped); an unfinished
event at the end of the stream is dropped.

Each event is `{data, id, name, comment, retry}` without the absent fields, `data` parsed
as JSON when it is JSON. Outputs (Kestra's): `uri`, `size` (events received, also a
counter), and either `events` or, with `concatJqExpression`, `result`: what the expression
gives for each event (text, number or boolean as text) joined. An event it gives nothing
usable for fails the task, or is skipped with `failedOnMissingJq: false`; when no event
gives anything, `events` is output instead, as Kestra does.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

from podium.common.durations import format_duration
from podium.common.plugins.tasks.http import SseRequest
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import TaskFailure, runs
from podium.worker.runnables.http import Exchange, body_chunks, http_settings


@runs(SseRequest)
def run_sse_request(task: SseRequest, ctx: RunContext) -> dict[str, Any]:
    expression = str(ctx.render(task.concat_jq_expression)) \
        if task.concat_jq_expression is not None else None
    program = _compiled(expression) if expression is not None else None
    limit = int(ctx.render_typed(task.max_events)) if task.max_events is not None else None
    events: list[dict[str, Any]] = []
    with Exchange(task, ctx, http_settings(ctx)) as exchange:
        for event in sse_events(_text(body_chunks(exchange.response, ctx),
                                      exchange.options.charset)):
            events.append(event)
            if limit is not None and len(events) >= limit:
                break
    ctx.metric({"name": "size", "type": "counter", "value": len(events), "tags": {}})
    extracted: list[str] = []
    if program is not None:
        skip = not ctx.render_bool(task.failed_on_missing_jq)
        for event in events:
            text = _extract(program, expression, event, skip, ctx)
            if text is not None:
                extracted.append(text)
    return {"uri": exchange.url, "events": None if extracted else events, "size": len(events),
            "result": "".join(extracted) if extracted else None}


def _compiled(expression: str):
    import jq

    try:
        return jq.compile(expression)
    except ValueError as exc:
        raise TaskFailure(f"Invalid JQ expression '{expression}': "
                          f"{str(exc).splitlines()[0][:200]}") from None


def _extract(program, expression: str, event: dict[str, Any], skip: bool,
             ctx: RunContext) -> str | None:
    """The last text, number or boolean the expression gives for the event (Kestra keeps
    the last); anything else, or a jq error, fails unless `skip`."""
    text: str | None = None
    try:
        for value in program.input_value(event):
            text = _as_text(value)
    except ValueError as exc:
        problem: Exception | None = exc
    else:
        problem = None
    if problem is None and text is not None:
        return text
    error = (f"Failed to resolve JQ expression '{expression}' and value "
             f"'{json.dumps(event, separators=(',', ':'))}'")
    if not skip:
        raise TaskFailure(error + (f": {str(problem).splitlines()[0][:200]}" if problem else ""))
    ctx.log("DEBUG", f"{error}. Skipping this event.")
    return None


def _as_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value if isinstance(value, str) else None


def _text(chunks: Iterable[bytes], charset: str) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(charset)(errors="replace")
    for chunk in chunks:
        text = decoder.decode(chunk)
        if text:
            yield text
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


def _lines(texts: Iterable[str]) -> Iterator[str]:
    """Lines ended by \\r\\n, \\n or \\r, across chunk boundaries."""
    pending = ""
    for text in texts:
        pending += text
        while True:
            cut = min((i for i in (pending.find("\r"), pending.find("\n")) if i >= 0),
                      default=-1)
            if cut < 0 or (pending[cut] == "\r" and cut == len(pending) - 1):
                break  # a lone \r at the end may be the first half of \r\n
            end = cut + 2 if pending.startswith("\r\n", cut) else cut + 1
            yield pending[:cut]
            pending = pending[end:]
    if pending.endswith("\r"):
        yield pending[:-1]


def sse_events(texts: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The events of an SSE stream given as decoded text pieces."""
    data: list[str] = []
    fields: dict[str, Any] = {}
    for line in _lines(texts):
        if not line:
            if data:
                yield {"data": _parsed("\n".join(data)), **fields}
            data, fields = [], {}
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "":
            fields["comment"] = value
        elif name == "data":
            data.append(value)
        elif name == "event":
            fields["name"] = value
        elif name == "id" and "\0" not in value:
            fields["id"] = value
        elif name == "retry" and value.isdigit():
            fields["retry"] = format_duration(timedelta(milliseconds=int(value)))


def _parsed(data: str) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return data
