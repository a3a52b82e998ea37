"""Declarations of how one Pulumi AWS resource type is discovered: data, not code paths.

Every discoverable type is one frozen :class:`AwsResourceSpec` registered in :data:`AWS_SPECS` under its
Pulumi type token, next to the function that maps the raw API answers to the provider's *input* shape.
Types that pulumi-aws models as separate resources but that come from the same API reads (the S3
bucket's public-access block, encryption, versioning, ...) are :class:`DerivedSpec` entries in
:data:`AWS_DERIVED`, computed from their parent's raw record without further calls.

The generic loop in ``discover.py`` reads these fields; ``permissions.py`` derives the IAM actions from
them. Fields:

``service``        boto3 service name (``"s3"``).
``list_call``      boto3 method that enumerates (``"list_buckets"``); paginated when botocore can.
``result_path``    JMESPath applied to each page to get the items (``"Reservations[].Instances[]"``).
``id_field``       key of the cloud id in each item; scalar items (``list_tables``) are wrapped in it.
``list_params``    constant arguments of the list call.
``detail_calls``   per-resource reads, run in order; each may use the answers of the earlier ones.
``scope``          ``regional`` (listed per region), ``global`` (listed once, region ``global``: IAM) or
                   ``global-list`` (listed once but regional: S3, whose region comes from ``locate``).
``locate``         for ``global-list``: the call that finds a resource's region, run before the others.
``region_of``      for ``global-list``: the region from the raw record after ``locate``.
``keep``           filter applied after the detail reads (skip AWS-managed KMS keys, terminated VMs).
``arn``            function returning the ARN (see :func:`arn_from` and :func:`arn_template`).
``name_of``        display name (default: the ``Name`` tag, else the cloud id).
``relationships``  function returning (kind, target cloud id) pairs.
``list_iam_action`` and ``DetailCall.iam_action``: the IAM action when it is not ``<prefix>:<Operation>``.
``permissions_augment``  extra read-only actions the reads need (rare).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import jmespath

from ..discovered import Relationship
from ..registry import Registry

Scope = Literal["regional", "global", "global-list"]


@dataclass
class RawResource:
    """What the API said about one resource: the listed item plus every detail answer by key.

    A detail answer is ``None`` when the API said "not configured" (one of ``missing_codes``); a key is
    absent when its read failed (the resource is then ``partial``).
    """

    item: dict[str, Any]
    cloud_id: str
    region: str
    account: str
    partition: str = "aws"
    details: dict[str, Any] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)  # detail keys whose read failed

    def get(self, path: str, default: Any = None) -> Any:
        """JMESPath into the listed item: ``raw.get("Placement.AvailabilityZone")``."""
        value = jmespath.search(path, self.item)
        return default if value is None else value

    def detail(self, key: str, path: str | None = None, default: Any = None) -> Any:
        """A detail answer (or a JMESPath inside it); ``default`` when absent or None."""
        value = self.details.get(key)
        if value is not None and path:
            value = jmespath.search(path, value)
        return default if value is None else value


ParamsFn = Callable[[RawResource], "Mapping[str, Any] | list[Mapping[str, Any]] | None"]


@dataclass(frozen=True)
class DetailCall:
    """One per-resource read whose answer is stored under ``key`` in ``RawResource.details``.

    ``params`` builds the call's arguments from the raw record; returning a list fans out (one call
    per element, answers kept as a list in order); returning None skips the call.
    """

    key: str
    operation: str
    params: ParamsFn
    result_path: str | None = None
    missing_codes: tuple[str, ...] = ()
    paginate: bool = False
    iam_action: str | None = None
    service: str | None = None


@dataclass(frozen=True)
class AwsResourceSpec:
    """How one Pulumi AWS type is enumerated, read and mapped (see the module docstring)."""

    type_token: str
    service: str
    list_call: str
    result_path: str
    id_field: str
    map_props: Callable[[RawResource], dict[str, Any]]
    list_params: Mapping[str, Any] = field(default_factory=dict)
    detail_calls: tuple[DetailCall, ...] = ()
    scope: Scope = "regional"
    locate: DetailCall | None = None
    region_of: Callable[[RawResource], str] | None = None
    keep: Callable[[RawResource], bool] | None = None
    arn: Callable[[RawResource], str | None] | None = None
    name_of: Callable[[RawResource], str] | None = None
    relationships: Callable[[RawResource], Iterable[Relationship]] | None = None
    list_iam_action: str | None = None
    permissions_augment: tuple[str, ...] = ()

    def all_calls(self) -> tuple[DetailCall, ...]:
        """Every detail call, ``locate`` first."""
        return ((self.locate,) if self.locate else ()) + self.detail_calls


@dataclass(frozen=True)
class DerivedSpec:
    """A Pulumi type read from its parent's raw record (no API calls of its own).

    ``map_props`` returns None when the parent has no such configuration (no resource is emitted).
    The cloud id is the parent's (pulumi-aws uses the bucket name as these resources' id).
    """

    type_token: str
    parent: str
    map_props: Callable[[RawResource], dict[str, Any] | None]
    relationship: str = "bucket"
    needs: tuple[str, ...] = ()  # detail keys it reads: absent keys mean "could not be read"


AWS_SPECS: Registry[AwsResourceSpec] = Registry("AWS resource type")
AWS_DERIVED: Registry[DerivedSpec] = Registry("derived AWS resource type")


def aws_resource(type_token: str, **fields: Any) -> Callable[[Callable[[RawResource], dict[str, Any]]], Any]:
    """Decorator: declare and register the spec of ``type_token`` with the decorated props mapper."""

    def register(fn: Callable[[RawResource], dict[str, Any]]) -> Callable[[RawResource], dict[str, Any]]:
        AWS_SPECS.register(type_token, AwsResourceSpec(type_token=type_token, map_props=fn, **fields))
        return fn

    return register


def derived_resource(
    type_token: str, *, parent: str, needs: tuple[str, ...] = (), relationship: str = "bucket"
):
    """Decorator: register a :class:`DerivedSpec` computed from ``parent``'s raw record."""

    def register(fn: Callable[[RawResource], dict[str, Any] | None]):
        AWS_DERIVED.register(
            type_token,
            DerivedSpec(
                type_token=type_token, parent=parent, map_props=fn, needs=needs, relationship=relationship
            ),
        )
        return fn

    return register


def arn_from(path: str, detail: str | None = None) -> Callable[[RawResource], str | None]:
    """ARN read from the listed item (or from detail ``detail``) at JMESPath ``path``."""

    def arn(raw: RawResource) -> str | None:
        value = raw.detail(detail, path) if detail else raw.get(path)
        return str(value) if value else None

    return arn


def arn_template(template: str) -> Callable[[RawResource], str | None]:
    """ARN formatted from ``{partition}``, ``{region}``, ``{account}`` and ``{id}``."""

    def arn(raw: RawResource) -> str | None:
        return template.format(
            partition=raw.partition, region=raw.region, account=raw.account, id=raw.cloud_id
        )

    return arn
