"""A tiny scriptable OpenAI-compatible server for tests: real HTTP on 127.0.0.1, a free port.

The SDK's transport is not ``httpx`` in every version, so transport mocks would not intercept
it; a real server does. Queue responses (a draft, a 429, a stall, malformed content), or set a
responder that builds the answer from the request; every request body is recorded.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

Responder = Callable[[dict[str, Any]], str]


@dataclass
class Scripted:
    """One scripted answer: ``content`` becomes the assistant message, unless ``status`` != 200."""

    status: int = 200
    content: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0
    finish_reason: str = "stop"


class ScriptedLLMServer:
    """Serves ``POST /v1/chat/completions`` from a queue; use as a context manager."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.responder: Responder | None = None
        # Like llama.cpp's servers: refuse the strict ``json_schema`` response format, with a
        # 400 or (as llama-cpp-python 0.3 does) a 500 whose message names ``response_format``.
        self.refuse_json_schema = False
        self.refusal_status = 400
        self._script: deque[Scripted] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> ScriptedLLMServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # Scripting.

    def reply(self, draft: dict[str, Any] | str) -> None:
        """Answer with this draft (a dict is sent as JSON, a string as is, e.g. malformed)."""
        content = draft if isinstance(draft, str) else json.dumps(draft, ensure_ascii=False)
        self._push(Scripted(content=content))

    def rate_limit(self, *, retry_after_ms: int = 10) -> None:
        """A 429 with ``Retry-After`` headers short enough to keep the test quick."""
        self._push(
            Scripted(
                status=429,
                content=json.dumps({"error": {"message": "rate limited", "type": "rate_limit"}}),
                headers={"retry-after-ms": str(retry_after_ms), "retry-after": "1"},
            )
        )

    def error(self, *, status: int, message: str) -> None:
        """Answer with an HTTP error carrying an OpenAI-style error body."""
        self._push(Scripted(status=status, content=json.dumps({"error": {"message": message}})))

    def truncated(self, content: str) -> None:
        """An answer cut off by the token budget (``finish_reason: length``)."""
        self._push(Scripted(content=content, finish_reason="length"))

    def stall(self, *, seconds: float) -> None:
        """Answer only after ``seconds`` (longer than the client's timeout)."""
        self._push(Scripted(content="{}", delay_seconds=seconds))

    def _push(self, scripted: Scripted) -> None:
        with self._lock:
            self._script.append(scripted)

    def _next(self, request: dict[str, Any]) -> Scripted:
        with self._lock:
            self.requests.append(request)
            if self.refuse_json_schema and _asks_json_schema(request):
                message = (
                    "1 validation error: ('body', 'response_format', 'type') "
                    "Input should be 'text' or 'json_object'"
                )
                content = json.dumps({"error": {"message": message}})
                return Scripted(status=self.refusal_status, content=content)
            if self._script:
                return self._script.popleft()
        if self.responder is not None:
            return Scripted(content=self.responder(request))
        return Scripted(status=500, content=json.dumps({"error": {"message": "nothing scripted"}}))

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                request = json.loads(self.rfile.read(length) or b"{}")
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, json.dumps({"error": {"message": "not found"}}), {})
                    return
                scripted = server._next(request)
                if scripted.delay_seconds and server._stopping.wait(scripted.delay_seconds):
                    return
                if scripted.status != 200:
                    self._send(scripted.status, scripted.content, scripted.headers)
                    return
                body = _completion(request, scripted.content, scripted.finish_reason)
                self._send(200, body, scripted.headers)

            def _send(self, status: int, body: str, headers: dict[str, str]) -> None:
                payload = body.encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test); nothing to answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _completion(request: dict[str, Any], content: str, finish_reason: str) -> str:
    return json.dumps(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": request.get("model", "test-model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    )


def _asks_json_schema(request: dict[str, Any]) -> bool:
    return (request.get("response_format") or {}).get("type") == "json_schema"


def user_messages(request: dict[str, Any]) -> list[str]:
    return [m["content"] for m in request.get("messages", []) if m.get("role") == "user"]


def system_message(request: dict[str, Any]) -> str:
    return next(m["content"] for m in request["messages"] if m.get("role") == "system")
