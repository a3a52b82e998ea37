"""What a discovery scan produces: resources in the Pulumi model plus where they live in the cloud.

A :class:`DiscoveredResource` wraps a :class:`policy_host.model.Resource` (type token, URN, name and
*input-shaped* properties in wire form, so preventative policies run unchanged) with the facts audit
needs beside it: provider, cloud account, region, the cloud's own id, the ARN where one exists, and
cheap relationships to other cloud ids.

Audit URNs follow the Pulumi Insights form
``urn:insights:<project>/<account>::<provider>::<type>::<id>`` with one documented variant: the
``<account>`` segment is an account *path*, ``<account>/<region>`` for regional resources (the same
shape as the per-region child accounts ``NAME/REGION``) and just ``<account>`` for global ones. The
``<id>`` is the cloud id the provider would use as the Pulumi resource id; it is last, so parsers that
split on the first three ``::`` keep ids such as IAM policy ARNs whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..model import Resource

GLOBAL_REGION = "global"
"""The ``region`` of resources that have none (IAM users, roles and policies)."""


class Relationship(NamedTuple):
    """A link from a discovered resource to another cloud id (``("securityGroup", "sg-123")``)."""

    kind: str
    target: str


def audit_urn(project: str, account_path: str, provider: str, type_token: str, cloud_id: str) -> str:
    """Build the deterministic audit URN of a discovered resource."""
    return f"urn:insights:{project}/{account_path}::{provider}::{type_token}::{cloud_id}"


def account_path(account: str, region: str) -> str:
    """``account/region`` for regional resources, ``account`` for global or region-less ones."""
    if not region or region == GLOBAL_REGION:
        return account
    return f"{account}/{region}"


@dataclass
class DiscoveredResource:
    """One cloud resource mapped to the Pulumi resource model.

    ``partial`` names the detail reads that failed (for example ``"encryption"`` when
    GetBucketEncryption was denied): the properties they feed are missing, not "unset".
    """

    resource: Resource
    provider: str
    account: str
    region: str
    cloud_id: str
    arn: str | None = None
    relationships: tuple[Relationship, ...] = ()
    partial: tuple[str, ...] = ()

    @property
    def type(self) -> str:
        return self.resource.type

    @property
    def urn(self) -> str:
        return self.resource.urn

    @property
    def properties(self) -> dict[str, Any]:
        return self.resource.properties


def make_discovered(
    *,
    type_token: str,
    cloud_id: str,
    name: str,
    properties: dict[str, Any],
    provider: str,
    account: str,
    region: str,
    project: str = "default",
    account_label: str | None = None,
    arn: str | None = None,
    relationships: tuple[Relationship, ...] = (),
    partial: tuple[str, ...] = (),
) -> DiscoveredResource:
    """Build a DiscoveredResource and its Resource with the audit URN.

    ``account_label`` replaces the cloud account id in the URN (a policy-host account name, say);
    the ``account`` field always keeps the cloud's own account id.
    """
    path = account_path(account_label or account, region)
    urn = audit_urn(project, path, provider, type_token, cloud_id)
    resource = Resource(type=type_token, urn=urn, name=name, properties=properties)
    return DiscoveredResource(
        resource=resource,
        provider=provider,
        account=account,
        region=region,
        cloud_id=cloud_id,
        arn=arn,
        relationships=tuple(relationships),
        partial=tuple(partial),
    )


@dataclass(frozen=True)
class DiscoveryError:
    """A failure recorded during a scan; the scan goes on without the part that failed.

    ``str()`` is one line naming what failed and where, fit for logs and scan records.
    """

    provider: str
    service: str
    region: str
    type_token: str
    operation: str
    code: str
    message: str
    resource_id: str | None = None

    def __str__(self) -> str:
        where = f"{self.provider} {self.service} in {self.region or '-'}"
        what = f"{self.operation} for {self.type_token}"
        if self.resource_id:
            what += f" ({self.resource_id})"
        return f"{where}: {what} failed: {self.code}: {self.message}"


@dataclass
class DiscoveryResult:
    """Everything one scan found, sorted by (type, region, cloud id), plus its errors and counters."""

    provider: str
    account: str
    resources: list[DiscoveredResource] = field(default_factory=list)
    errors: list[DiscoveryError] = field(default_factory=list)
    api_calls: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    duration_seconds: float = 0.0

    def counts_by_type(self) -> dict[str, int]:
        """Number of resources per type token."""
        counts: dict[str, int] = {}
        for r in self.resources:
            counts[r.type] = counts.get(r.type, 0) + 1
        return dict(sorted(counts.items()))

    def by_type(self, type_token: str) -> list[DiscoveredResource]:
        return [r for r in self.resources if r.type == type_token]

    def find(self, type_token: str, cloud_id: str) -> DiscoveredResource | None:
        for r in self.resources:
            if r.type == type_token and r.cloud_id == cloud_id:
                return r
        return None
