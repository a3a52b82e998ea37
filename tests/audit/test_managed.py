"""Matching rules of managed/unmanaged (``policy_host.audit.managed``)."""

from __future__ import annotations

from policy_host.audit.managed import StackIndex, type_family


def test_type_families_ignore_v2_suffixes_only():
    assert type_family("aws:s3/bucketV2:BucketV2") == type_family("aws:s3/bucket:Bucket") == "aws:s3/bucket"
    assert type_family("aws:s3/bucketVersioningV2:BucketVersioningV2") == "aws:s3/bucketversioning"
    assert type_family("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") != type_family(
        "aws:s3/bucket:Bucket"
    )
    assert type_family("kubernetes:apps/v1:Deployment") == "kubernetes:apps/deployment"


def test_arn_first_then_type_and_id_and_conflicting_arns_never_match():
    index = StackIndex()
    index.add("o/p/a", "urn:a", "aws:s3/bucketV2:BucketV2", "logs", "arn:aws:s3:::logs")
    index.add("o/p/b", "urn:b", "aws:ec2/securityGroup:SecurityGroup", "sg-1", None)
    index.add("o/p/c", "urn:c", "aws:iam/role:Role", "admin", "arn:aws:iam::111111111111:role/admin")
    assert index.match("aws:s3/bucket:Bucket", "logs", "arn:aws:s3:::logs") == ("o/p/a", "urn:a")
    assert index.match("aws:s3/bucket:Bucket", "logs", None) == ("o/p/a", "urn:a")
    assert index.match("aws:s3/bucketAclV2:BucketAclV2", "logs", None) is None
    assert index.match(
        "aws:ec2/securityGroup:SecurityGroup", "sg-1", "arn:aws:ec2:x:1:security-group/sg-1"
    ) == (
        "o/p/b",
        "urn:b",
    )
    # same role name in another account: the ARNs differ, so the id alone does not match
    assert index.match("aws:iam/role:Role", "admin", "arn:aws:iam::222222222222:role/admin") is None
    # first claim wins (stacks are loaded in name order)
    index.add("o/p/z", "urn:z", "aws:ec2/securityGroup:SecurityGroup", "sg-1", None)
    assert index.match("aws:ec2/securityGroup:SecurityGroup", "sg-1", None) == ("o/p/b", "urn:b")
