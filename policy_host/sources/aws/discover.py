"""The one generic AWS discovery loop: enumerate, paginate, read details, retry, map, in parallel.

For every spec (``spec.py``) and region the loop lists resources (a botocore paginator when
``client.can_paginate``, else one call), then reads each resource's details in a bounded thread pool,
retrying throttled reads with backoff (``retry.py``) on top of botocore's own retries, and maps the
answers to Pulumi-shaped properties. A failing list or read becomes a :class:`DiscoveryError` value
and the scan goes on: one denied service or unreachable region never fails the whole scan.

Progress is reported from the calling thread only, so callbacks need no locking.
"""

from __future__ import annotations

import base64
import datetime
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import jmespath
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from ...errors import InputError
from ..discovered import (
    GLOBAL_REGION,
    DiscoveredResource,
    DiscoveryError,
    DiscoveryResult,
    Relationship,
    make_discovered,
)
from .index import load_specs
from .props import partition_of
from .retry import Backoff, call_with_backoff, error_code
from .session import AwsCredentialSource, create_session
from .spec import AwsResourceSpec, DerivedSpec, DetailCall, RawResource

PROVIDER = "aws"


@dataclass(frozen=True)
class DiscoveryOptions:
    """What to scan and how hard to push.

    ``regions``: regional resources are listed in each; ``include_global`` adds the global ones (IAM),
    listed once through ``global_region``. ``types``: Pulumi type tokens (None = all).
    ``max_workers`` bounds concurrent API calls. ``max_attempts`` (in all, first try included) and
    ``retry_mode`` configure botocore's retries; ``backoff`` the extra retries of detail reads on
    throttling. ``page_sizes`` sets the page size of a type's list call (testing and tuning; absent =
    the API default). ``project`` and ``account_label`` shape the audit URNs; ``account_id`` skips
    the STS identity call.
    """

    regions: tuple[str, ...] = ("us-east-1",)
    types: tuple[str, ...] | None = None
    include_global: bool = True
    global_region: str = "us-east-1"
    max_workers: int = 8
    max_attempts: int = 5
    retry_mode: str = "standard"
    backoff: Backoff = field(default_factory=Backoff)
    page_sizes: Mapping[str, int] = field(default_factory=dict)
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    project: str = "default"
    account_label: str | None = None
    account_id: str | None = None


@dataclass(frozen=True)
class Progress:
    """A progress event: ``event`` is ``listed`` (a list call finished) or ``read`` (a resource done)."""

    event: str
    type_token: str
    region: str
    listed: int
    read: int
    resources: int
    errors: int


ProgressCallback = Callable[[Progress], None]


def to_wire(value: Any) -> Any:
    """Make a mapped value plain JSON: datetimes as ISO text, bytes as base64, sets sorted."""
    if isinstance(value, dict):
        return {str(k): to_wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_wire(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(to_wire(v) for v in value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        text = exc.response.get("Error", {}).get("Message") or str(exc)
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


class _Clients:
    """boto3 clients per (service, region), created under a lock (sessions are not thread-safe)."""

    def __init__(self, session: Any, source: AwsCredentialSource, config: Config, count: Callable) -> None:
        self._session = session
        self._source = source
        self._config = config
        self._count = count
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}

    def get(self, service: str, region: str) -> Any:
        with self._lock:
            client = self._clients.get((service, region))
            if client is None:
                client = self._session.client(
                    service,
                    region_name=region,
                    endpoint_url=self._source.endpoint_for(service),
                    config=self._config,
                )
                client.meta.events.register("before-call", self._count, unique_id="policy-host-count-calls")
                self._clients[(service, region)] = client
            return client


class _Scan:
    def __init__(self, source: AwsCredentialSource, options: DiscoveryOptions) -> None:
        self.options = options
        self.source = source
        self.errors: list[DiscoveryError] = []
        self.api_calls: dict[str, int] = {}
        self._lock = threading.Lock()
        config = Config(
            retries={"mode": options.retry_mode, "total_max_attempts": options.max_attempts},
            max_pool_connections=max(10, options.max_workers),
            connect_timeout=options.connect_timeout,
            read_timeout=options.read_timeout,
            user_agent_extra="policy-host-discovery",
        )
        session = create_session(source, options.global_region)
        self.clients = _Clients(session, source, config, self._count_call)
        self.account = ""

    # -- bookkeeping (called from worker threads) --------------------------------------------

    def _count_call(self, model: Any = None, **_: Any) -> None:
        if model is None:
            return
        key = f"{model.service_model.service_name}:{model.name}"
        with self._lock:
            self.api_calls[key] = self.api_calls.get(key, 0) + 1

    def record_error(
        self, service: str, region: str, token: str, op: str, exc: BaseException, rid: str | None
    ) -> None:
        """Keep ``exc`` as a DiscoveryError value; the scan goes on."""
        err = DiscoveryError(PROVIDER, service, region, token, op, error_code(exc), _one_line(exc), rid)
        with self._lock:
            self.errors.append(err)

    # -- identity ------------------------------------------------------------------------------

    def identify(self) -> str:
        if self.options.account_id:
            return self.options.account_id
        sts = self.clients.get("sts", self.options.global_region)
        try:
            return str(sts.get_caller_identity()["Account"])
        except NoCredentialsError:
            raise InputError(
                f"no AWS credentials found for {self.source.describe()}: set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, a profile, or a role to assume"
            ) from None
        except (ClientError, BotoCoreError) as exc:
            raise InputError(
                f"cannot identify the AWS account of {self.source.describe()}: {_one_line(exc)}"
            ) from None

    # -- listing -------------------------------------------------------------------------------

    def list_regions(self, spec: AwsResourceSpec) -> list[str]:
        if spec.scope == "regional":
            return list(self.options.regions)
        if spec.scope == "global-list":
            return [self.options.global_region] if self.options.regions else []
        return [self.options.global_region] if self.options.include_global else []

    def list_items(self, spec: AwsResourceSpec, region: str) -> list[dict[str, Any]]:
        """All items of ``spec`` in ``region``; a failure is recorded and yields what was listed so far."""
        items: list[Any] = []
        try:
            client = self.clients.get(spec.service, region)
            params = dict(spec.list_params)
            if client.can_paginate(spec.list_call):
                page_size = self.options.page_sizes.get(spec.type_token)
                config = {"PageSize": page_size} if page_size else {}
                for page in client.get_paginator(spec.list_call).paginate(**params, PaginationConfig=config):
                    items.extend(jmespath.search(spec.result_path, page) or [])
            else:
                items.extend(
                    jmespath.search(spec.result_path, getattr(client, spec.list_call)(**params)) or []
                )
        except (ClientError, BotoCoreError) as exc:
            self.record_error(spec.service, region, spec.type_token, spec.list_call, exc, None)
        return [item if isinstance(item, dict) else {spec.id_field: item} for item in items]

    # -- detail reads --------------------------------------------------------------------------

    def _invoke(self, client: Any, call: DetailCall, params: Mapping[str, Any]) -> Any:
        def once() -> Any:
            if call.paginate and client.can_paginate(call.operation):
                out: list[Any] = []
                for page in client.get_paginator(call.operation).paginate(**params):
                    out.extend(jmespath.search(call.result_path or "", page) or [])
                return out
            response = getattr(client, call.operation)(**params)
            if call.result_path:
                return jmespath.search(call.result_path, response)
            response.pop("ResponseMetadata", None)
            return response

        return call_with_backoff(once, self.options.backoff)

    def _read_detail(self, spec: AwsResourceSpec, call: DetailCall, raw: RawResource, region: str) -> bool:
        """Run one detail call into ``raw.details``; False (and an error recorded) when it failed."""
        service = call.service or spec.service
        try:
            params = call.params(raw)
            if params is None:
                return True
            client = self.clients.get(service, region)
            if isinstance(params, list):
                raw.details[call.key] = [self._invoke(client, call, p) for p in params]
            else:
                raw.details[call.key] = self._invoke(client, call, params)
            return True
        except ClientError as exc:
            if error_code(exc) in call.missing_codes:
                raw.details[call.key] = None
                return True
            self.record_error(service, raw.region, spec.type_token, call.operation, exc, raw.cloud_id)
        except BotoCoreError as exc:
            self.record_error(service, raw.region, spec.type_token, call.operation, exc, raw.cloud_id)
        raw.failed.append(call.key)
        return False

    def read(self, spec: AwsResourceSpec, raw: RawResource) -> RawResource | None:
        """Locate (global-list), filter and read one resource; None when it is not to be reported."""
        if spec.keep is not None and not spec.keep(raw):
            return None
        if spec.locate is not None:
            if not self._read_detail(spec, spec.locate, raw, self.options.global_region):
                return None  # region unknown: the error is recorded, the resource cannot be placed
            assert spec.region_of is not None
            raw.region = spec.region_of(raw)
            raw.partition = partition_of(raw.region)
            if raw.region not in self.options.regions:
                return None
        call_region = self.options.global_region if raw.region == GLOBAL_REGION else raw.region
        for call in spec.detail_calls:
            self._read_detail(spec, call, raw, call_region)
            if spec.keep is not None and not spec.keep(raw):
                return None
        return raw


@dataclass
class _Emitter:
    """Maps finished raw records to DiscoveredResources (main thread only)."""

    scan: _Scan
    wanted: set[str]
    derived: dict[str, list[DerivedSpec]]
    resources: list[DiscoveredResource] = field(default_factory=list)

    def emit(self, spec: AwsResourceSpec, raw: RawResource) -> None:
        options = self.scan.options
        try:
            name = spec.name_of(raw) if spec.name_of else raw.cloud_id
            common = {
                "provider": PROVIDER,
                "account": raw.account,
                "region": raw.region,
                "project": options.project,
                "account_label": options.account_label,
            }
            if spec.type_token in self.wanted:
                props = to_wire(spec.map_props(raw))
                self.resources.append(
                    make_discovered(
                        type_token=spec.type_token,
                        cloud_id=raw.cloud_id,
                        name=name,
                        properties=props,
                        arn=spec.arn(raw) if spec.arn else None,
                        relationships=tuple(spec.relationships(raw)) if spec.relationships else (),
                        partial=tuple(raw.failed),
                        **common,
                    )
                )
            for d in self.derived.get(spec.type_token, []):
                if any(key in raw.failed for key in d.needs):
                    continue  # its read failed (error recorded): unknown whether it exists
                props = d.map_props(raw)
                if props is None:
                    continue
                self.resources.append(
                    make_discovered(
                        type_token=d.type_token,
                        cloud_id=raw.cloud_id,
                        name=name,
                        properties=to_wire(props),
                        relationships=(Relationship(d.relationship, raw.cloud_id),),
                        **common,
                    )
                )
        except Exception as exc:  # a mapper choked on an unexpected answer: report it, keep scanning
            self.scan.record_error(spec.service, raw.region, spec.type_token, "map", exc, raw.cloud_id)


def discover_aws(
    source: AwsCredentialSource,
    options: DiscoveryOptions | None = None,
    on_progress: ProgressCallback | None = None,
) -> DiscoveryResult:
    """Scan one AWS account and return its resources in the Pulumi model, plus errors and counters.

    Raises UsageError/InputError only when the scan cannot start at all (unknown type, missing
    profile, no credentials); everything later is recorded in ``DiscoveryResult.errors``.
    """
    options = options or DiscoveryOptions()
    started = time.monotonic()
    specs, derived = load_specs(options.types)
    wanted = set(options.types) if options.types is not None else set()
    if options.types is None:
        wanted = {s.type_token for s in specs} | {d.type_token for d in derived}
    scan = _Scan(source, options)
    account = scan.identify()
    derived_by_parent: dict[str, list[DerivedSpec]] = {}
    for d in derived:
        derived_by_parent.setdefault(d.parent, []).append(d)
    emitter = _Emitter(scan, wanted, derived_by_parent)
    listed = read = 0

    def report(event: str, spec: AwsResourceSpec, region: str) -> None:
        if on_progress is not None:
            on_progress(
                Progress(
                    event, spec.type_token, region, listed, read, len(emitter.resources), len(scan.errors)
                )
            )

    with ThreadPoolExecutor(max_workers=max(1, options.max_workers), thread_name_prefix="discover") as pool:
        pending: dict[Future, tuple[str, AwsResourceSpec, str, RawResource | None]] = {}
        for spec in specs:
            for region in scan.list_regions(spec):
                pending[pool.submit(scan.list_items, spec, region)] = ("list", spec, region, None)
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                kind, spec, region, raw = pending.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # a bug in a hook: keep the scan, report the failure
                    rid = raw.cloud_id if raw is not None else None
                    scan.record_error(spec.service, region, spec.type_token, kind, exc, rid)
                    continue
                if kind == "list":
                    listed += len(result)
                    item_region = region if spec.scope == "regional" else GLOBAL_REGION
                    if spec.scope == "global-list":
                        item_region = options.global_region  # until ``locate`` says where it lives
                    for item in result:
                        new = RawResource(
                            item=item,
                            cloud_id=str(item.get(spec.id_field, "")),
                            region=item_region,
                            account=account,
                            partition=partition_of(
                                options.global_region if item_region == GLOBAL_REGION else region
                            ),
                        )
                        pending[pool.submit(scan.read, spec, new)] = ("read", spec, region, new)
                    report("listed", spec, region)
                else:
                    read += 1
                    if result is not None:
                        emitter.emit(spec, result)
                    report("read", spec, region)

    resources = sorted(emitter.resources, key=lambda r: (r.type, r.region, r.cloud_id))
    errors = sorted(
        scan.errors, key=lambda e: (e.service, e.region, e.type_token, e.operation, e.resource_id or "")
    )
    return DiscoveryResult(
        provider=PROVIDER,
        account=account,
        resources=resources,
        errors=errors,
        api_calls=dict(sorted(scan.api_calls.items())),
        duration_seconds=time.monotonic() - started,
    )
