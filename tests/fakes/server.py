"""A local HTTP server on 127.0.0.1 (a free port) in a thread, answering through a Python object.

The fakes subclass ``LocalApi`` and implement ``handle``; a request hits the real network stack,
so the SDKs under test run their real HTTP code.
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    method: str
    path: str
    headers: dict
    body: bytes


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload, headers: dict | None = None) -> "Reply":
        headers = {"Content-Type": "application/json", **(headers or {})}
        return cls(status, json.dumps(payload).encode(), headers)


# Returned by ``handle`` to close the connection without an answer (a provider that took the
# request and vanished, or never got it).
DROP = object()


class LocalApi:
    def __init__(self):
        self._lock = threading.RLock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"

    def handle(self, request: Request) -> Reply | object:
        raise NotImplementedError

    def close(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def _handler_for(api: LocalApi):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave as two writes: with Nagle's algorithm on, the body would wait
        # for the client's delayed ACK (40 ms) on a kept-alive connection, as no real API does.
        disable_nagle_algorithm = True

        def do_GET(self):
            self._answer()

        def do_POST(self):
            self._answer()

        def log_message(self, format, *args):
            pass  # keep test output clean

        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                method=self.command,
                path=self.path,
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            reply = api.handle(request)
            if reply is DROP:
                self.close_connection = True
                return
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

    return Handler
