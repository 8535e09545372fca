"""What an HTTP request's `options` ask of the client, read the same way by the
http.Request/Download tasks on a worker (worker/runnables/http.py), the http.Trigger's
poll in the scheduler (scheduler/http_poll.py) and the `http()` template function
(common/http_expression.py): the Authorization header, with its credential given to a
masker, and the connect/read timeouts. No other module reads `auth` or a timeout option.

Each caller renders with its own context, so it passes `render` (a property value -> its
rendered value; the identity for http(), whose arguments come rendered).
"""

from __future__ import annotations

import base64
from typing import Any, Callable

from podium.common.durations import parse_duration
from podium.common.plugins.tasks.http import BasicAuth, RequestOptions
from podium.common.templating.services import SecretMasker

Render = Callable[[Any], Any]
# A bearer token shorter than this is not masked: it would star out unrelated text everywhere.
MIN_MASKED_TOKEN = 8


def authorization(options: RequestOptions | None, render: Render,
                  masker: SecretMasker | None) -> str | None:
    """The Authorization header `options.auth` (or basicAuthUser/Password) asks for, None
    without one. The credential goes to `masker`: it is derived from rendered values, so
    no secret() call masked it, and a malformed one (a token ending in a line break) is
    echoed by the HTTP library's error. `masker` is None only for a caller whose errors
    never quote the request (http())."""
    if options is None:
        return None
    auth = options.auth
    if auth is None and options.basic_auth_user is not None \
            and options.basic_auth_password is not None:
        auth = BasicAuth(type="BASIC", username=options.basic_auth_user,
                         password=options.basic_auth_password)
    if auth is None:
        return None
    if isinstance(auth, BasicAuth):
        pair = f"{render(auth.username or '')}:{render(auth.password or '')}"
        credential = base64.b64encode(pair.encode("utf-8")).decode("ascii")
        if masker is not None:
            masker.add(credential)
        return f"Basic {credential}"
    token = str(render(auth.token or ""))
    if masker is not None and len(token) >= MIN_MASKED_TOKEN:
        masker.add(token)
    return f"Bearer {token}"


def timeouts(options: RequestOptions, render: Render,
             default_read: float) -> tuple[float | None, float]:
    """(connect, read) seconds: `options.timeout` first, then the deprecated
    connectTimeout/readTimeout, else `default_read`. A connect of None means "as read"."""

    def seconds(value: Any) -> float:
        return parse_duration(str(render(value))).total_seconds()

    timeout = options.timeout
    connect = None
    if timeout is not None and timeout.connect_timeout is not None:
        connect = seconds(timeout.connect_timeout)
    elif options.connect_timeout is not None:
        connect = seconds(options.connect_timeout)
    if timeout is not None and "read_idle_timeout" in timeout.model_fields_set:
        read = seconds(timeout.read_idle_timeout)
    elif "read_timeout" in options.model_fields_set:
        read = seconds(options.read_timeout)
    else:
        read = default_read
    return connect, read
