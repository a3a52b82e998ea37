"""Small hand-written ``pulumi stack export`` documents (deployment version 3) for the audit tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

SECRET_SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
STACK = "prod"
PROJECT = "shop"


def urn(type_: str, name: str, project: str = PROJECT, stack: str = STACK) -> str:
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def export(resources: list[dict[str, Any]], project: str = PROJECT, stack: str = STACK) -> dict[str, Any]:
    """An export with a stack resource and an aws provider, then ``resources`` (parented to the stack)."""
    root = urn("pulumi:pulumi:Stack", f"{project}-{stack}", project, stack)
    provider = urn("pulumi:providers:aws", "default", project, stack)
    out = [
        {"urn": root, "custom": False, "type": "pulumi:pulumi:Stack"},
        {
            "urn": provider,
            "custom": True,
            "id": "00000000-0000-0000-0000-000000000001",
            "type": "pulumi:providers:aws",
            "inputs": {"region": "us-east-1"},
            "outputs": {"region": "us-east-1"},
        },
    ]
    for r in resources:
        r = copy.deepcopy(r)
        r.setdefault("custom", True)
        r.setdefault("parent", root)
        r.setdefault("provider", f"{provider}::00000000-0000-0000-0000-000000000001")
        out.append(r)
    return {"version": 3, "deployment": {"manifest": {"version": "v3.200.0"}, "resources": out}}


def bucket(
    name: str, logical: str | None = None, *, tags: dict[str, str] | None = None, **inputs: Any
) -> dict:
    """An ``aws:s3/bucket:Bucket`` whose id (and ARN) is ``name``."""
    props = {"bucket": name, **inputs}
    if tags is not None:
        props["tags"] = tags
    return {
        "urn": urn("aws:s3/bucket:Bucket", logical or name),
        "type": "aws:s3/bucket:Bucket",
        "id": name,
        "inputs": props,
        "outputs": {**props, "id": name, "arn": f"arn:aws:s3:::{name}", "region": "us-east-1"},
    }


def security_group(logical: str, group_id: str, ingress: list[dict], description: str = "managed") -> dict:
    props = {"description": description, "ingress": ingress, "egress": []}
    return {
        "urn": urn("aws:ec2/securityGroup:SecurityGroup", logical),
        "type": "aws:ec2/securityGroup:SecurityGroup",
        "id": group_id,
        "inputs": {**props, "name": logical},
        "outputs": {
            **props,
            "name": logical,
            "id": group_id,
            "arn": f"arn:aws:ec2:us-east-1:123456789012:security-group/{group_id}",
        },
    }


def secret(value: Any) -> dict[str, Any]:
    """A secret as ``stack export --show-secrets`` writes it (plaintext JSON)."""
    return {**SECRET_SIG, "plaintext": json.dumps(value)}


def write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document, indent=2))
    return path
