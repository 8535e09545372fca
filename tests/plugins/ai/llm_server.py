"""A deterministic model server on 127.0.0.1 speaking the providers' HTTP APIs, recording
every request (path, headers, JSON body).

- `POST <prefix>/v1/chat/completions` (OpenAI's and Mistral's shape): checks the bearer key
  and the body as the real API requires it (a model, messages with a known role and text
  content); answers `echo: <last user message>`, a tool call when `tools` are sent, a JSON
  object when `response_format` asks for one. The model `fail-500` answers 500.
- `POST /v1beta/models/<model>:generateContent` (Gemini): checks `x-goog-api-key` and
  `contents`; answers `gemini: <last user text>`, or with `responseMimeType: application/json`
  an object of the `responseSchema`'s properties, each valued `<name>`.
Errors carry the provider's error body (`{"error": {"message": ...}}`).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_KEY = "sk-test-0123456789abcdef"
ROLES = {"system", "user", "assistant", "tool"}


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: Any


def _words(text: str) -> int:
    return len(text.split())


def _chat_error(body: Any) -> str | None:
    if not isinstance(body, dict) or not isinstance(body.get("model"), str):
        return "you must provide a model parameter"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty array"
    for message in messages:
        if message.get("role") not in ROLES or not isinstance(message.get("content"), str):
            return f"invalid message: {message!r}"
    return None


def _tool_call(tool: dict[str, Any]) -> dict[str, Any]:
    function = tool["function"]
    arguments = {name: (schema.get("enum") or ["some text"])[0]
                 for name, schema in function["parameters"]["properties"].items()}
    return {"id": "call_1", "type": "function",
            "function": {"name": function["name"], "arguments": json.dumps(arguments)}}


def chat_completion(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    if body["model"] == "fail-500":
        return 500, {"error": {"message": "the model server is down", "type": "server_error"}}
    users = [m["content"] for m in body["messages"] if m["role"] == "user"]
    message: dict[str, Any] = {"role": "assistant", "content": f"echo: {users[-1]}"}
    finish = "stop"
    if body.get("tools"):
        message = {"role": "assistant", "content": None,
                   "tool_calls": [_tool_call(body["tools"][0])]}
        finish = "tool_calls"
    elif (body.get("response_format") or {}).get("type") in ("json_object", "json_schema"):
        message["content"] = json.dumps({"category": "ACCOUNT", "priority": "HIGH"})
    prompt = sum(_words(m["content"]) for m in body["messages"])
    completion = _words(message["content"] or "")
    return 200, {"id": "chatcmpl-123", "object": "chat.completion", "created": 1700000000,
                 "model": body["model"],
                 "choices": [{"index": 0, "message": message, "finish_reason": finish,
                              "logprobs": None}],
                 "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                           "total_tokens": prompt + completion}}


def gemini(model: str, body: Any) -> tuple[int, dict[str, Any]]:
    contents = body.get("contents") if isinstance(body, dict) else None
    if not contents or any(c.get("role") not in ("user", "model") for c in contents):
        return 400, {"error": {"code": 400, "message": "* contents: invalid roles",
                               "status": "INVALID_ARGUMENT"}}
    text = contents[-1]["parts"][0]["text"]
    answer = f"gemini: {text}"
    config = body.get("generationConfig") or {}
    if config.get("responseMimeType") == "application/json":  # each property: its name
        properties = (config.get("responseSchema") or {}).get("properties") or {}
        answer = json.dumps({name: f"<{name}>" for name in properties})
    return 200, {"candidates": [{"content": {"role": "model", "parts": [{"text": answer}]},
                                 "finishReason": "STOP", "index": 0}],
                 "usageMetadata": {"promptTokenCount": _words(text),
                                   "candidatesTokenCount": _words(answer),
                                   "totalTokenCount": _words(text) + _words(answer)},
                 "modelVersion": model, "responseId": "gem-1"}


class LlmServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def _handler(owner: LlmServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            owner.requests.append(Recorded(self.path, dict(self.headers.items()), body))
            self._answer(*self._route(body))

        def _route(self, body: Any) -> tuple[int, dict[str, Any]]:
            found = re.fullmatch(r"/v1beta/models/([^/:]+):generateContent", self.path)
            if found:
                if self.headers.get("x-goog-api-key") != API_KEY:
                    return 400, {"error": {"code": 400, "message": "API key not valid.",
                                           "status": "INVALID_ARGUMENT"}}
                return gemini(found.group(1), body)
            if not self.path.endswith("/v1/chat/completions"):
                return 404, {"error": {"message": f"no route {self.path}"}}
            given = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            if given != API_KEY:  # the key echoed, the worst a provider could do
                return 401, {"error": {"message": f"Incorrect API key provided: {given}",
                                       "type": "invalid_request_error"}}
            problem = _chat_error(body)
            if problem:
                return 400, {"error": {"message": problem, "type": "invalid_request_error"}}
            return chat_completion(body)

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
