"""Forwarding one request from a test proxy to an upstream HTTP server (the AWS emulator)."""

from __future__ import annotations

import http.client
from http.server import BaseHTTPRequestHandler

HOP_BY_HOP = ("content-length", "connection", "transfer-encoding", "server", "date")


def forward(handler: BaseHTTPRequestHandler, upstream: str, body: bytes, timeout: float) -> None:
    """Send ``handler``'s request to ``upstream`` (``host:port``) and relay the answer to its client."""
    conn = http.client.HTTPConnection(upstream, timeout=timeout)
    try:
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "connection")}
        conn.request(handler.command, handler.path, body=body, headers=headers)
        answer = conn.getresponse()
        data = answer.read()
        handler.send_response(answer.status)
        for k, v in answer.getheaders():
            if k.lower() not in HOP_BY_HOP:
                handler.send_header(k, v)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        try:
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client was killed mid-request: that is the point of some tests
    finally:
        conn.close()
