"""Which namespaces a namespace-wide purge task reaches (Kestra's PurgeTask.findNamespaces),
and the glob its patterns use (Commons IO wildcardMatch: `*` any run of characters, `?`
one character, case-sensitive, nothing else special).

- `namespacePattern`: the known namespaces that match it;
- `namespaces`: each listed one (known or not) and, unless `includeChildNamespaces` is
  false, the known namespaces below it. Kestra compares with startsWith, so `company`
  also reaches `company2`; Podium takes only `company` and `company.*`;
- neither: every known namespace.

"Known" is what the caller passes: the namespaces of the live flows (Kestra's list), plus
for the KV store the namespaces that hold keys, so a purge over "every namespace" reaches
every stored key.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from podium.common.plugins.tasks._purge import PurgeScope
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import TaskFailure


def wildcard_match(text: str, pattern: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.DOTALL) is not None


def iso_instant(ctx: RunContext, value: str, name: str) -> datetime:
    """A rendered ISO-8601 date-time (UTC without an offset); TaskFailure naming `name`."""
    text = str(ctx.render(value)).strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise TaskFailure(f"Invalid `{name}` '{text}': expected an ISO-8601 date-time such "
                          f"as 2025-01-01T00:00:00Z") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _listed(ctx: RunContext, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        rendered = ctx.render_typed(value)
        if isinstance(rendered, str):
            try:
                rendered = json.loads(rendered)
            except ValueError:
                rendered = [rendered] if rendered.strip() else []
        if not isinstance(rendered, list):
            raise TaskFailure("`namespaces` must render to a list of namespaces")
        value = rendered
    return [str(ctx.render(item)).strip() for item in value if str(item).strip()]


def purge_namespaces(ctx: RunContext, scope: PurgeScope, known: list[str]) -> list[str]:
    """The namespaces `scope` names among `known` (sorted, each once)."""
    listed = _listed(ctx, scope.namespaces)
    pattern = str(ctx.render(scope.namespace_pattern)).strip() \
        if scope.namespace_pattern is not None else ""
    if listed and pattern:
        raise TaskFailure("Properties `namespaces` and `namespacePattern` can't be used at "
                          "the same time: use one or the other.")
    if pattern:
        return sorted(ns for ns in set(known) if wildcard_match(ns, pattern))
    if not listed:
        return sorted(set(known))
    with_children = ctx.render_bool(scope.include_child_namespaces)
    chosen = set(listed)
    if with_children:
        chosen |= {ns for ns in known for parent in listed if ns.startswith(parent + ".")}
    return sorted(chosen)
