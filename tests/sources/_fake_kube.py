"""A stand-in for a Kubernetes API server, for tests only: no cluster can run here.

It is a plain-HTTP ``http.server`` on 127.0.0.1 (in a thread) that serves the cluster-wide *list*
endpoints of the kinds discovery reads (``GET /api/v1/pods``, ``/apis/apps/v1/deployments``, ...) from
a set of objects, behaving as the real API server does where discovery depends on it:

- list responses are ``{"kind": "PodList", "apiVersion": "v1", "metadata": {...}, "items": [...]}``
  whose items carry no ``kind``/``apiVersion`` (kubectl adds those; the client must too);
- ``limit`` cuts pages and ``metadata.continue`` holds an opaque token for the next one; a token the
  server did not issue is a 410 ``Expired``;
- every request needs ``Authorization: Bearer <token>`` (401 ``Unauthorized`` otherwise);
- ``forbidden`` paths answer 403 ``Forbidden``, unknown paths 404 ``NotFound``, each with a ``Status``
  body;
- objects are de-duplicated and nameless ones dropped (a real server never returns either).

``requests`` records (path, query) of every request, never its headers.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

# list path -> (apiVersion, kind) of its items
PATHS: dict[str, tuple[str, str]] = {
    "/api/v1/namespaces": ("v1", "Namespace"),
    "/api/v1/pods": ("v1", "Pod"),
    "/api/v1/services": ("v1", "Service"),
    "/api/v1/configmaps": ("v1", "ConfigMap"),
    "/api/v1/secrets": ("v1", "Secret"),
    "/apis/apps/v1/deployments": ("apps/v1", "Deployment"),
    "/apis/apps/v1/statefulsets": ("apps/v1", "StatefulSet"),
    "/apis/apps/v1/daemonsets": ("apps/v1", "DaemonSet"),
    "/apis/batch/v1/jobs": ("batch/v1", "Job"),
    "/apis/batch/v1/cronjobs": ("batch/v1", "CronJob"),
    "/apis/networking.k8s.io/v1/ingresses": ("networking.k8s.io/v1", "Ingress"),
}


def cluster_objects(objects: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a cluster would hold: named objects, first of each (kind, namespace, name) kept."""
    seen: set[tuple[str, str, str, str]] = set()
    out = []
    for obj in objects:
        meta = obj.get("metadata") or {}
        if not meta.get("name"):
            continue
        key = (obj.get("apiVersion", ""), obj.get("kind", ""), meta.get("namespace") or "", meta["name"])
        if key not in seen:
            seen.add(key)
            out.append(obj)
    return out


def _token_for(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"start": offset}).encode()).decode()


def _offset_of(token: str) -> int | None:
    try:
        value = json.loads(base64.urlsafe_b64decode(token.encode()))
        return int(value["start"])
    except (ValueError, KeyError, TypeError):
        return None


class FakeKubeApi:
    """The server's state; tests may change ``objects`` and ``forbidden`` between scans."""

    def __init__(self, objects: Iterable[dict[str, Any]], token: str, forbidden: Iterable[str] = ()) -> None:
        self.objects = cluster_objects(objects)
        self.token = token
        self.forbidden = set(forbidden)
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self.url = ""

    def calls_to(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def answer(self, path: str, query: dict[str, list[str]], authorization: str | None) -> tuple[int, dict]:
        """(HTTP status, JSON body) for one GET."""
        self.requests.append((path, query))
        if authorization != f"Bearer {self.token}":
            return _status(401, "Unauthorized", "Unauthorized")
        if path not in PATHS:
            return _status(404, "NotFound", "the server could not find the requested resource")
        api_version, kind = PATHS[path]
        resource = path.rsplit("/", 1)[1]
        group = api_version.split("/")[0] if "/" in api_version else ""
        if path in self.forbidden:
            return _status(
                403,
                "Forbidden",
                f'{resource} is forbidden: User "system:serviceaccount:audit:reader" cannot list resource '
                f'"{resource}" in API group "{group}" at the cluster scope',
            )
        items = [
            {k: v for k, v in o.items() if k not in ("apiVersion", "kind")}
            for o in self.objects
            if (o.get("apiVersion"), o.get("kind")) == (api_version, kind)
        ]
        # etcd order: by namespace, then name
        items.sort(key=lambda o: (o["metadata"].get("namespace") or "", o["metadata"]["name"]))
        start = 0
        if query.get("continue"):
            offset = _offset_of(query["continue"][0])
            if offset is None:
                return _status(410, "Expired", "The provided continue parameter is too old")
            start = offset
        limit = int(query["limit"][0]) if query.get("limit") else 0
        end = start + limit if limit > 0 else len(items)
        metadata: dict[str, Any] = {"resourceVersion": "4242"}
        if end < len(items):
            metadata["continue"] = _token_for(end)
        return 200, {
            "kind": f"{kind}List",
            "apiVersion": api_version,
            "metadata": metadata,
            "items": items[start:end],
        }


def _status(code: int, reason: str, message: str) -> tuple[int, dict]:
    return code, {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def _handler(api: FakeKubeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            parts = urlsplit(self.path)
            status, body = api.answer(parts.path, parse_qs(parts.query), self.headers.get("Authorization"))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read their own logs
            pass

    return Handler


@contextmanager
def fake_kube_api(
    objects: Iterable[dict[str, Any]], token: str, forbidden: Iterable[str] = ()
) -> Iterator[FakeKubeApi]:
    """Serve ``objects`` on a free loopback port for the duration of the block."""
    api = FakeKubeApi(objects, token, forbidden)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    server.daemon_threads = True
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fake-kube-api", daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def write_kubeconfig(path: Path, server: str, token: str, *, stale_token: str = "stale-token") -> Path:
    """A kubeconfig with two contexts on ``server``: ``audit`` (user with ``token``, the one to use)
    and ``stale``, the *current* context, whose user has an outdated token the server refuses."""
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "fake", "cluster": {"server": server}}],
                "users": [
                    {"name": "auditor", "user": {"token": token}},
                    {"name": "former", "user": {"token": stale_token}},
                ],
                "contexts": [
                    {"name": "audit", "context": {"cluster": "fake", "user": "auditor"}},
                    {"name": "stale", "context": {"cluster": "fake", "user": "former"}},
                ],
                "current-context": "stale",
            },
            indent=2,
        )
    )
    return path
