"""The shared discovery data: the generic registry and the audit URN scheme."""

from __future__ import annotations

import pytest

from policy_host.errors import UsageError
from policy_host.sources.discovered import Relationship, account_path, audit_urn, make_discovered
from policy_host.sources.registry import Registry


def test_registry_as_decorator_and_plain_call() -> None:
    formats: Registry[object] = Registry("report format")

    @formats.register("json", aliases=("JSON",))
    def render_json() -> str:
        return "{}"

    formats.register("text", str)
    assert formats.get("json") is render_json and formats.get("JSON") is render_json
    assert formats.names() == ["json", "text"] and list(formats) == ["json", "text"]
    assert "JSON" in formats and "csv" not in formats and len(formats) == 2
    assert formats.find("csv") is None
    with pytest.raises(UsageError, match="unknown report format 'csv'; known: json, text"):
        formats.get("csv")
    with pytest.raises(ValueError, match="already registered"):
        formats.register("text", repr)
    with pytest.raises(ValueError, match="already registered"):
        formats.register("yaml", repr, aliases=("JSON",))


def test_audit_urns_are_deterministic_and_carry_the_account_path() -> None:
    assert account_path("123", "us-east-1") == "123/us-east-1"
    assert account_path("123", "global") == "123" and account_path("prod-cluster", "") == "prod-cluster"
    assert (
        audit_urn("acme", "123/us-east-1", "aws", "aws:s3/bucket:Bucket", "b")
        == "urn:insights:acme/123/us-east-1::aws::aws:s3/bucket:Bucket::b"
    )
    r = make_discovered(
        type_token="aws:ec2/vpc:Vpc",
        cloud_id="vpc-1",
        name="main",
        properties={"cidrBlock": "10.0.0.0/16"},
        provider="aws",
        account="123",
        region="eu-west-1",
        project="acme",
        account_label="prod",
        relationships=(Relationship("peer", "vpc-2"),),
    )
    assert r.urn == "urn:insights:acme/prod/eu-west-1::aws::aws:ec2/vpc:Vpc::vpc-1"
    assert r.account == "123" and r.type == "aws:ec2/vpc:Vpc" and r.properties == {"cidrBlock": "10.0.0.0/16"}
    assert r.resource.name == "main" and r.resource.urn == r.urn
    assert r.relationships == (("peer", "vpc-2"),)
