"""Loopback AWS test kit: a moto server in server mode, a safe credential environment, and a
throttling HTTP proxy that sits in front of the emulator.

Nothing here reaches beyond 127.0.0.1: credentials are dummies, shared config files point at empty
files, and the EC2 instance-metadata lookup botocore might try is disabled.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from moto.server import ThreadedMotoServer

from .._http_proxy import forward

ACCOUNT_ID = "123456789012"  # moto's default account

SAFE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
CLEARED_ENV = (
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
)


@contextmanager
def safe_aws_env(tmp: Path) -> Iterator[None]:
    """Dummy credentials and empty shared files for the duration; the previous environment after."""
    empty = tmp / "empty-aws-config"
    empty.write_text("")
    values = dict(SAFE_ENV, AWS_CONFIG_FILE=str(empty), AWS_SHARED_CREDENTIALS_FILE=str(empty))
    saved = {k: os.environ.get(k) for k in (*values, *CLEARED_ENV)}
    os.environ.update(values)
    for k in CLEARED_ENV:
        os.environ.pop(k, None)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextmanager
def moto_server() -> Iterator[str]:
    """A fresh moto server on a free loopback port; yields its URL."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    # moto keeps its state per process: start every module from an empty account
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=10).read()
    try:
        yield url
    finally:
        server.stop()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrottlingProxy:
    """An HTTP proxy to the emulator that answers the first ``throttle`` calls of one JSON-protocol
    operation (``X-Amz-Target`` ending in ``operation``) with a ThrottlingException, and counts calls
    and the peak number of requests in flight."""

    def __init__(self, upstream: str, operation: str, throttle: int) -> None:
        self.upstream = upstream.removeprefix("http://")
        self.operation = operation
        self.remaining = throttle
        self.calls = 0
        self.throttled = 0
        self.in_flight = 0
        self.peak = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target", "")
                with proxy._lock:
                    proxy.in_flight += 1
                    proxy.peak = max(proxy.peak, proxy.in_flight)
                    matches = target.endswith("." + proxy.operation)
                    if matches:
                        proxy.calls += 1
                    throttle = matches and proxy.remaining > 0
                    if throttle:
                        proxy.remaining -= 1
                        proxy.throttled += 1
                try:
                    if throttle:
                        payload = json.dumps(
                            {"__type": "ThrottlingException", "message": "Rate exceeded"}
                        ).encode()
                        self.send_response(400)
                        self.send_header("Content-Type", "application/x-amz-json-1.1")
                        self.send_header("Content-Length", str(len(payload)))
                        self.end_headers()
                        self.wfile.write(payload)
                        return
                    forward(self, proxy.upstream, body, timeout=30)
                finally:
                    with proxy._lock:
                        proxy.in_flight -= 1

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> ThrottlingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
