"""An HTTP proxy in front of the emulator whose gate can be closed: requests then wait (counted in
``blocked``) until it opens again. It holds a scan in the middle of discovery, on real sockets."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .._http_proxy import forward


class GateProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.removeprefix("http://")
        self.open = threading.Event()
        self.open.set()
        self.blocked = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not proxy.open.is_set():
                    with proxy._lock:
                        proxy.blocked += 1
                    proxy.open.wait()
                forward(self, proxy.upstream, body, timeout=60)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def close_gate(self) -> None:
        with self._lock:
            self.blocked = 0
        self.open.clear()

    def open_gate(self) -> None:
        self.open.set()

    def __enter__(self) -> GateProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.open.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
