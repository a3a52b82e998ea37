"""Where AWS credentials come from: the standard environment chain, a named profile, or a role to
assume through STS; plus an optional ``endpoint_url`` for AWS-compatible endpoints (and emulators).

A credential source holds only *names* (profile, role ARN, external id): never a key. Keys stay in
the environment, the shared config files or STS answers, so nothing secret reaches the store or logs.
Assumed-role credentials refresh themselves before they expire, so a long scan does not stall.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import boto3
import botocore.session
from botocore.credentials import CredentialProvider, DeferredRefreshableCredentials
from botocore.exceptions import ProfileNotFound

from ...errors import UsageError

SourceKind = Literal["env", "profile", "role"]


@dataclass(frozen=True)
class AwsCredentialSource:
    """How to reach one AWS account.

    ``kind``: ``env`` (boto3's default chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN,
    then shared files and instance roles), ``profile`` (a named profile), or ``role`` (assume
    ``role_arn``, starting from ``profile`` if given, else from the default chain).
    ``endpoint_url`` sends every service to one endpoint; ``endpoint_urls`` overrides it per service.
    """

    kind: SourceKind = "env"
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    session_name: str = "policy-host-discovery"
    duration_seconds: int = 3600
    endpoint_url: str | None = None
    endpoint_urls: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in ("env", "profile", "role"):
            raise UsageError(f"unknown AWS credential source {self.kind!r}; expected env, profile or role")
        if self.kind == "profile" and not self.profile:
            raise UsageError("AWS credential source 'profile' needs a profile name")
        if self.kind == "role" and not (self.role_arn or "").startswith("arn:"):
            raise UsageError(f"AWS credential source 'role' needs a role ARN, got {self.role_arn!r}")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AwsCredentialSource:
        """Build from a config mapping (``{"kind": "role", "role_arn": ..., "endpoint_url": ...}``)."""
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UsageError(f"unknown AWS credential source field(s): {', '.join(unknown)}")
        values = dict(data)
        if "endpoint_urls" in values:
            values["endpoint_urls"] = dict(values["endpoint_urls"] or {})
        return cls(**values)

    def describe(self) -> str:
        """A one-line, secret-free description for messages and logs."""
        if self.kind == "profile":
            text = f"profile {self.profile}"
        elif self.kind == "role":
            text = f"role {self.role_arn}" + (f" via profile {self.profile}" if self.profile else "")
        else:
            text = "environment credentials"
        if self.endpoint_url:
            text += f" at {self.endpoint_url}"
        return text

    def endpoint_for(self, service: str) -> str | None:
        """The endpoint URL override for ``service``, if any."""
        return self.endpoint_urls.get(service) or self.endpoint_url


class _AssumeRoleProvider(CredentialProvider):
    """A botocore credential provider that assumes a role and refreshes before expiry."""

    METHOD = "policy-host-assume-role"
    CANONICAL_NAME = "policy-host-assume-role"

    def __init__(self, base: boto3.Session, source: AwsCredentialSource, region: str) -> None:
        super().__init__()
        self._base = base
        self._source = source
        self._region = region

    def _fetch(self) -> dict[str, str]:
        sts = self._base.client(
            "sts", region_name=self._region, endpoint_url=self._source.endpoint_for("sts")
        )
        params: dict[str, Any] = {
            "RoleArn": self._source.role_arn,
            "RoleSessionName": self._source.session_name,
            "DurationSeconds": self._source.duration_seconds,
        }
        if self._source.external_id:
            params["ExternalId"] = self._source.external_id
        creds = sts.assume_role(**params)["Credentials"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": creds["Expiration"].isoformat(),
        }

    def load(self) -> DeferredRefreshableCredentials:
        return DeferredRefreshableCredentials(refresh_using=self._fetch, method=self.METHOD)


def create_session(source: AwsCredentialSource, region: str = "us-east-1") -> boto3.Session:
    """A boto3 Session for ``source``. A missing profile is a UsageError naming it.

    Missing or wrong credentials surface on the first call, where discovery reports them.
    """
    try:
        if source.kind == "env":
            return boto3.Session(region_name=region)
        base = boto3.Session(profile_name=source.profile, region_name=region) if source.profile else None
        if source.kind == "profile":
            assert base is not None
            return base
        base = base or boto3.Session(region_name=region)
        core = (
            botocore.session.Session(profile=source.profile) if source.profile else botocore.session.Session()
        )
        resolver = core.get_component("credential_provider")
        resolver.insert_before("env", _AssumeRoleProvider(base, source, region))
        return boto3.Session(botocore_session=core, region_name=region)
    except ProfileNotFound:
        raise UsageError(
            f"AWS profile {source.profile!r} not found in the shared config/credentials files"
        ) from None
