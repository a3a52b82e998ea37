"""A live cluster as a :class:`KubernetesObjectSource`: a kubeconfig and context, read with the official
``kubernetes`` client.

Every supported kind is listed cluster-wide, page by page (``limit`` + ``continue``, as ``kubectl`` does),
as raw JSON, so each object has exactly the shape of a ``kubectl get -o json`` item and goes through the
same mapping as a dump. The API returns list items without ``kind``/``apiVersion``; they are filled in
from the listing, as kubectl does.

Failure handling:

- the kubeconfig cannot be loaded, the API server cannot be reached, or it refuses the credentials
  (401): :class:`InputError`, one line; the scan fails and the previous snapshot stays as it is;
- a kind the API refuses or does not serve (403, 404, any other HTTP error): a
  :class:`DiscoveryError` in ``errors`` (operation ``list``) and the other kinds go on.

Secrets: ``data`` and ``stringData`` (and the last-applied annotation, which holds the data in
plaintext) are removed from each Secret as soon as its page is parsed, before anything else sees it.
Credentials are the client's business: this module never reads, logs or returns them; ``describe()``
names only the kubeconfig path and the context.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import InputError
from ..discovered import DiscoveryError
from .kinds import DROPPED_ANNOTATIONS, KUBERNETES_KINDS

log = logging.getLogger(__name__)

PROVIDER = "kubernetes"
DEFAULT_PAGE_SIZE = 500  # kubectl's chunk size
SECRET = "kubernetes:core/v1:Secret"
SECRET_FIELDS = ("data", "stringData")


@dataclass(frozen=True)
class Listing:
    """How to list one kind cluster-wide: the typed API class and its ``list_*`` method."""

    type_token: str
    api: str
    method: str

    @property
    def api_version(self) -> str:
        """``v1`` for the core group, ``group/version`` otherwise."""
        group_version = self.type_token.split(":")[1]
        return group_version.removeprefix("core/")

    @property
    def kind(self) -> str:
        return self.type_token.split(":")[2]


# One listing per kind registered in kinds.py (a test keeps the two in step).
LISTINGS: tuple[Listing, ...] = (
    Listing("kubernetes:core/v1:Namespace", "CoreV1Api", "list_namespace"),
    Listing("kubernetes:core/v1:Pod", "CoreV1Api", "list_pod_for_all_namespaces"),
    Listing("kubernetes:core/v1:Service", "CoreV1Api", "list_service_for_all_namespaces"),
    Listing("kubernetes:core/v1:ConfigMap", "CoreV1Api", "list_config_map_for_all_namespaces"),
    Listing(SECRET, "CoreV1Api", "list_secret_for_all_namespaces"),
    Listing("kubernetes:apps/v1:Deployment", "AppsV1Api", "list_deployment_for_all_namespaces"),
    Listing("kubernetes:apps/v1:StatefulSet", "AppsV1Api", "list_stateful_set_for_all_namespaces"),
    Listing("kubernetes:apps/v1:DaemonSet", "AppsV1Api", "list_daemon_set_for_all_namespaces"),
    Listing("kubernetes:batch/v1:Job", "BatchV1Api", "list_job_for_all_namespaces"),
    Listing("kubernetes:batch/v1:CronJob", "BatchV1Api", "list_cron_job_for_all_namespaces"),
    Listing("kubernetes:networking.k8s.io/v1:Ingress", "NetworkingV1Api", "list_ingress_for_all_namespaces"),
)


@dataclass(frozen=True)
class KindListed:
    """Progress event after one kind was listed (the shape ``audit.progress`` reporters read)."""

    type_token: str
    listed: int
    errors: int
    region: str = "cluster"
    event: str = "listed"

    @property
    def read(self) -> int:
        return self.listed

    @property
    def resources(self) -> int:
        return self.listed


def scrub_secret(obj: dict[str, Any]) -> dict[str, Any]:
    """Remove a Secret's values in place: ``data``, ``stringData`` and the last-applied annotation."""
    for key in SECRET_FIELDS:
        obj.pop(key, None)
    annotations = (obj.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict):
        for key in DROPPED_ANNOTATIONS:
            annotations.pop(key, None)
    return obj


def _status_of(exc: Any) -> tuple[str, str]:
    """(reason, message) of a failed API call, from the Kubernetes ``Status`` body when there is one."""
    try:
        body = json.loads(exc.body) if exc.body else {}
    except (TypeError, ValueError):
        body = {}
    if not isinstance(body, dict):
        body = {}
    reason = body.get("reason") or str(exc.reason or "") or f"HTTP {exc.status}"
    message = body.get("message") or f"HTTP {exc.status} {exc.reason or ''}".strip()
    return str(reason), str(message)


def _connection_reason(exc: Exception) -> str:
    """A short cause for a connection failure (urllib3 wraps it in MaxRetryError)."""
    cause = getattr(exc, "reason", None) or exc
    text = str(cause)
    # NewConnectionError reads "<HTTPConnection object at 0x..>: Failed to establish ..." or
    # "HTTPConnection(host=..., port=...): Failed ..."; the part after the colon is the useful one.
    return text.split("): ", 1)[-1].split(">: ", 1)[-1]


class KubeconfigSource:
    """Objects of a live cluster, through ``kubeconfig`` (None: ``$KUBECONFIG`` or ``~/.kube/config``)
    and ``context`` (None: the kubeconfig's current context).

    After ``objects()`` is exhausted, ``errors`` holds the kinds that could not be listed and
    ``api_calls`` the number of list requests per kind.
    """

    def __init__(
        self,
        kubeconfig: str | Path | None,
        context: str | None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        request_timeout: float = 60.0,
        listings: tuple[Listing, ...] = LISTINGS,
        on_progress: Callable[[KindListed], None] | None = None,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.kubeconfig = Path(kubeconfig) if kubeconfig else None
        self.context = context
        self.page_size = page_size
        self.request_timeout = request_timeout
        self.listings = listings
        self.on_progress = on_progress
        self.errors: list[DiscoveryError] = []
        self.api_calls: dict[str, int] = {}

    def describe(self) -> str:
        where = f"kubeconfig {self.kubeconfig}" if self.kubeconfig else "the default kubeconfig"
        return f"{where}, context {self.context}" if self.context else f"{where} (current context)"

    def objects(self) -> Iterator[dict[str, Any]]:
        from kubernetes import client

        self.errors = []
        self.api_calls = {}
        api_client = self._client()
        try:
            apis: dict[str, Any] = {}
            for listing in self.listings:
                if listing.api not in apis:
                    apis[listing.api] = getattr(client, listing.api)(api_client)
                method = getattr(apis[listing.api], listing.method)
                yield from self._list(listing, method, api_client.configuration.host)
        finally:
            api_client.close()

    def _client(self) -> Any:
        from kubernetes import config
        from kubernetes.config.config_exception import ConfigException

        if self.kubeconfig is not None and not self.kubeconfig.is_file():
            raise InputError(f"{self.kubeconfig}: cannot read kubeconfig: no such file")
        try:
            return config.new_client_from_config(
                config_file=str(self.kubeconfig) if self.kubeconfig else None,
                context=self.context,
                # never write refreshed credentials back into the user's kubeconfig
                persist_config=False,
            )
        except (ConfigException, OSError, ValueError, TypeError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(f"{self.describe()}: cannot load the cluster configuration: {reason}") from None

    def _list(self, listing: Listing, method: Callable[..., Any], host: str) -> Iterator[dict[str, Any]]:
        """Every item of one kind, page by page; a refused listing is recorded and ends the kind."""
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        token: str | None = None
        listed = 0
        while True:
            self.api_calls[listing.method] = self.api_calls.get(listing.method, 0) + 1
            try:
                response = method(
                    limit=self.page_size,
                    _continue=token,
                    _preload_content=False,  # raw JSON: kubectl's shape, and the client never logs it
                    _request_timeout=self.request_timeout,
                )
                try:
                    page = json.loads(response.data)
                finally:
                    response.release_conn()
            except ApiException as exc:
                if exc.status == 0:  # the client's wrapper for TLS failures: "SSLError\n<detail>"
                    detail = str(exc.reason or "TLS error").strip().splitlines()[-1]
                    raise InputError(
                        f"{self.describe()}: cannot reach the API server {host}: {detail}"
                    ) from None
                if exc.status == 401:
                    raise InputError(
                        f"{self.describe()}: the API server {host} refused the credentials (401 Unauthorized)"
                    ) from None
                reason, message = _status_of(exc)
                self._failed(listing, f"{exc.status} {reason}", message, listed)
                return
            except HTTPError as exc:
                # the server went away: fail the scan rather than report every later kind as missing
                raise InputError(
                    f"{self.describe()}: cannot reach the API server {host}: {_connection_reason(exc)}"
                ) from None
            except ValueError:
                self._failed(listing, "InvalidResponse", "the list response is not JSON", listed)
                return
            if not isinstance(page, dict):
                self._failed(listing, "InvalidResponse", "the list response is not an object", listed)
                return
            items = [item for item in page.get("items") or [] if isinstance(item, dict)]
            if listing.type_token == SECRET:
                for item in items:  # the whole page at once, before any of it leaves this method
                    scrub_secret(item)
            metadata = page.get("metadata")
            previous, token = token, metadata.get("continue") if isinstance(metadata, dict) else None
            del page  # the raw page held the secret values
            for item in items:
                listed += 1
                yield {"apiVersion": listing.api_version, "kind": listing.kind, **item}
            if token and token == previous:
                self._failed(listing, "InvalidResponse", "the server repeated its continue token", listed)
                return
            if not token:
                break
        log.debug(
            "listed %s: %d objects in %d requests", listing.type_token, listed, self.api_calls[listing.method]
        )
        if self.on_progress is not None:
            self.on_progress(KindListed(listing.type_token, listed, 0))

    def _failed(self, listing: Listing, code: str, message: str, listed: int) -> None:
        self.errors.append(
            DiscoveryError(
                PROVIDER,
                listing.api_version,
                "",
                listing.type_token,
                "list",
                code,
                message,
            )
        )
        log.debug("listing %s failed: %s", listing.type_token, code)
        if self.on_progress is not None:
            self.on_progress(KindListed(listing.type_token, listed, 1))


def missing_listings() -> list[str]:
    """Registered kinds without a live listing (should be none)."""
    covered = {listing.type_token for listing in LISTINGS}
    return sorted(token for token in KUBERNETES_KINDS.names() if token not in covered)
