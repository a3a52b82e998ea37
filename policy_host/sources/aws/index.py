"""Which module declares each AWS type token, so a scan imports only the mappers it needs.

A meta test checks this index against the registries after importing every module, so it cannot
drift from the declarations.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from ...errors import UsageError
from .spec import AWS_DERIVED, AWS_SPECS, AwsResourceSpec, DerivedSpec

TOKEN_MODULES: dict[str, str] = {
    "aws:s3/bucket:Bucket": "s3",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "s3",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": "s3",
    "aws:s3/bucketVersioningV2:BucketVersioningV2": "s3",
    "aws:s3/bucketAclV2:BucketAclV2": "s3",
    "aws:s3/bucketLoggingV2:BucketLoggingV2": "s3",
    "aws:s3/bucketPolicy:BucketPolicy": "s3",
    "aws:ec2/instance:Instance": "ec2",
    "aws:ec2/securityGroup:SecurityGroup": "ec2",
    "aws:ec2/vpc:Vpc": "ec2",
    "aws:ec2/subnet:Subnet": "ec2",
    "aws:ebs/volume:Volume": "ebs",
    "aws:rds/instance:Instance": "rds",
    "aws:iam/user:User": "iam",
    "aws:iam/role:Role": "iam",
    "aws:iam/policy:Policy": "iam",
    "aws:kms/key:Key": "kms",
    "aws:lambda/function:Function": "lambda_",
    "aws:dynamodb/table:Table": "dynamodb",
    "aws:cloudtrail/trail:Trail": "cloudtrail",
    "aws:eks/cluster:Cluster": "eks",
    "aws:ecr/repository:Repository": "ecr",
}


def all_tokens() -> list[str]:
    """Every discoverable AWS type token, in a stable order."""
    return list(TOKEN_MODULES)


def _import(token: str) -> None:
    module = TOKEN_MODULES.get(token)
    if module is None:
        known = ", ".join(sorted(TOKEN_MODULES))
        raise UsageError(f"unknown AWS resource type {token!r}; known: {known}")
    importlib.import_module(f"{__package__}.{module}")


def load_specs(tokens: Iterable[str] | None = None) -> tuple[list[AwsResourceSpec], list[DerivedSpec]]:
    """Import the mappers of ``tokens`` (all when None) and return the specs a scan must run.

    Asking for a derived type (the bucket's public-access block) runs its parent's spec.
    """
    wanted = list(tokens) if tokens is not None else all_tokens()
    for token in wanted:
        _import(token)
    specs: dict[str, AwsResourceSpec] = {}
    derived: list[DerivedSpec] = []
    for token in wanted:
        d = AWS_DERIVED.find(token)
        if d is not None:
            derived.append(d)
            specs.setdefault(d.parent, AWS_SPECS.get(d.parent))
        else:
            specs.setdefault(token, AWS_SPECS.get(token))
    return list(specs.values()), derived
