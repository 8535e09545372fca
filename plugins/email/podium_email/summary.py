"""The execution summary's bodies: Kestra's mail-template (namespace, flow, state in
colour, the failed task and the duration, a link when there is one, execution id, final
task, custom message and fields), and the same as plain text."""

from __future__ import annotations

from html import escape
from typing import Any

COLOURS = {"SUCCESS": "green", "WARNING": "orange"}
P = '<p style="font-family: sans-serif; font-size: 14px; margin: 0; margin-bottom: 15px;">'


def _verdict(summary: dict[str, Any]) -> str:
    failed = summary.get("firstFailed")
    head = f"Failed on task {failed['taskId']}" if failed else "Succeeded"
    return f"{head} after {summary.get('duration', '')}"


def _lines(summary: dict[str, Any]) -> list[tuple[str, str]]:
    execution = summary["execution"]
    lines = [("Namespace", execution["namespace"]), ("Flow", execution["flowId"]),
             ("Execution", execution["id"]), ("Status", execution["state"]["current"])]
    if summary.get("lastTask"):
        lines.append(("Final task ID", summary["lastTask"]["taskId"]))
    lines += [(str(k), str(v)) for k, v in (summary.get("customFields") or {}).items()]
    return lines


def html(summary: dict[str, Any]) -> str:
    execution = summary["execution"]
    state = execution["state"]["current"]
    parts = [f'<p style="font-family: sans-serif; font-size: 16px;">'
             f'[{escape(execution["namespace"])}] {escape(execution["flowId"])} &#10139; '
             f'<span style="color: {COLOURS.get(state, "red")};">{escape(state)}</span></p>']
    if summary.get("customMessage"):
        parts.append(f"{P}{escape(summary['customMessage'])}</p>")
    failed = summary.get("firstFailed")
    verdict = escape(_verdict(summary))
    if failed:
        verdict = verdict.replace(escape(failed["taskId"]),
                                  f"<code>{escape(failed['taskId'])}</code>", 1)
    parts.append(f"{P}{verdict}</p>")
    if summary.get("link"):
        parts.append(f'{P}<a href="{escape(summary["link"])}">See details</a></p>')
    parts += [f"{P}<strong>{escape(k)} :</strong> {escape(v)}</p>" for k, v in _lines(summary)]
    title = f"Flow [{escape(execution['namespace'])}] {escape(execution['flowId'])} execution"
    return (f'<!doctype html><html><head><meta http-equiv="Content-Type" '
            f'content="text/html; charset=UTF-8"><title>{title}</title></head>'
            f'<body style="font-family: sans-serif;">{"".join(parts)}</body></html>')


def text(summary: dict[str, Any]) -> str:
    execution = summary["execution"]
    out = [f"[{execution['namespace']}] {execution['flowId']} -> {execution['state']['current']}"]
    if summary.get("customMessage"):
        out.append(str(summary["customMessage"]))
    out.append(_verdict(summary))
    if summary.get("link"):
        out.append(f"See details: {summary['link']}")
    out += [f"{k}: {v}" for k, v in _lines(summary)]
    return "\n".join(out) + "\n"
