"""The http.Trigger's poll masks its request's credential as the http.Request task does:
an error naming the header (a token read from a file keeps its line break, which the HTTP
library refuses and quotes) reaches the scheduler's log and a failed execution masked."""

from __future__ import annotations

import http.server
import threading

import pytest

from podium.common.errors import HttpRequestError
from podium.common.plugins.triggers import HttpTrigger
from podium.common.settings import HttpSettings
from podium.scheduler.http_poll import poll

TOKEN = "s3cr3t-bearer-token"


@pytest.fixture
def server_url():
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("token", [TOKEN + "\n", TOKEN + "\r\n", "\n" + TOKEN],
                         ids=["line-feed-after", "crlf-after", "line-feed-before"])
def test_a_refused_bearer_token_is_masked_in_the_poll_error(server_url, token):
    trigger = HttpTrigger.model_validate({
        "id": "watch", "type": "io.kestra.plugin.core.http.Trigger", "uri": server_url,
        "options": {"auth": {"type": "BEARER", "token": token}}})
    with pytest.raises(HttpRequestError) as raised:
        poll(trigger, {"flow": {"id": "f", "namespace": "n"}},
             HttpSettings(allow_hosts=["127.0.0.1"]))
    message = str(raised.value)
    assert message.startswith(f"HTTP request to '{server_url}' failed: LocalProtocolError")
    assert "**masked*" in message and TOKEN not in message
