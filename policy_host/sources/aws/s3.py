"""S3: buckets as ``aws:s3/bucket:Bucket`` (pulumi-aws v6 inline inputs) plus the split resources
pulumi-aws models separately, all read from one set of per-bucket calls.

Buckets are listed once (ListBuckets is global) and placed in their own region with
GetBucketLocation; a scan keeps only the buckets of the regions it covers.
"""

from __future__ import annotations

from typing import Any

from .props import compact, policy_json, rels, tags
from .spec import DetailCall, RawResource, arn_template, aws_resource, derived_resource

BUCKET = "aws:s3/bucket:Bucket"

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"

# Canned ACLs as the grant sets S3 expands them to ("owner" is the bucket owner's canonical id).
CANNED_ACLS: dict[frozenset[tuple[str, str]], str] = {
    frozenset({("owner", "FULL_CONTROL")}): "private",
    frozenset({("owner", "FULL_CONTROL"), (ALL_USERS, "READ")}): "public-read",
    frozenset({("owner", "FULL_CONTROL"), (ALL_USERS, "READ"), (ALL_USERS, "WRITE")}): "public-read-write",
    frozenset({("owner", "FULL_CONTROL"), (AUTHENTICATED_USERS, "READ")}): "authenticated-read",
    frozenset(
        {("owner", "FULL_CONTROL"), (LOG_DELIVERY, "WRITE"), (LOG_DELIVERY, "READ_ACP")}
    ): "log-delivery-write",
}


def _bucket(raw: RawResource) -> dict[str, str]:
    return {"Bucket": raw.cloud_id}


def _region_of(raw: RawResource) -> str:
    # GetBucketLocation answers None for us-east-1 and the legacy "EU" for eu-west-1.
    location = raw.details.get("location")
    if location in (None, ""):
        return "us-east-1"
    return "eu-west-1" if location == "EU" else str(location)


def canned_acl(acl: dict[str, Any] | None) -> str | None:
    """The canned ACL whose grants equal the bucket's, or None when the grants are custom."""
    if not acl:
        return None
    owner = (acl.get("Owner") or {}).get("ID")
    grants: set[tuple[str, str]] = set()
    for g in acl.get("Grants") or []:
        grantee = g.get("Grantee") or {}
        if grantee.get("Type") == "CanonicalUser" and grantee.get("ID") == owner:
            who = "owner"
        else:
            who = grantee.get("URI") or grantee.get("ID") or grantee.get("EmailAddress") or "?"
        grants.add((who, g.get("Permission", "")))
    return CANNED_ACLS.get(frozenset(grants))


def _grantee(grantee: dict[str, Any]) -> dict[str, Any]:
    return compact(
        {
            "type": grantee.get("Type"),
            "id": grantee.get("ID"),
            "uri": grantee.get("URI"),
            "displayName": grantee.get("DisplayName"),
            "emailAddress": grantee.get("EmailAddress"),
        }
    )


def _v6_grants(acl: dict[str, Any]) -> list[dict[str, Any]]:
    """Bucket ``grants``: one entry per grantee with its permissions, like the v6 provider reads them."""
    merged: dict[tuple[str, str, str], list[str]] = {}
    for g in acl.get("Grants") or []:
        grantee = g.get("Grantee") or {}
        key = (grantee.get("Type", ""), grantee.get("ID", ""), grantee.get("URI", ""))
        merged.setdefault(key, []).append(g.get("Permission", ""))
    out = []
    for (gtype, gid, uri), perms in sorted(merged.items()):
        out.append(
            compact({"type": gtype, "id": gid or None, "uri": uri or None, "permissions": sorted(perms)})
        )
    return out


def _sse_rules(raw: RawResource) -> list[dict[str, Any]]:
    rules = []
    for rule in raw.detail("encryption", "Rules", []) or []:
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        rules.append(
            compact(
                {
                    "applyServerSideEncryptionByDefault": compact(
                        {
                            "sseAlgorithm": default.get("SSEAlgorithm"),
                            "kmsMasterKeyId": default.get("KMSMasterKeyID"),
                        }
                    )
                    if default
                    else None,
                    "bucketKeyEnabled": rule.get("BucketKeyEnabled"),
                }
            )
        )
    return rules


def _loggings(raw: RawResource) -> list[dict[str, Any]]:
    enabled = raw.detail("logging", "LoggingEnabled")
    if not enabled:
        return []
    return [
        compact({"targetBucket": enabled.get("TargetBucket"), "targetPrefix": enabled.get("TargetPrefix")})
    ]


def _relationships(raw: RawResource):
    out = rels("logsTo", [x["targetBucket"] for x in _loggings(raw)])
    for rule in _sse_rules(raw):
        out += rels("kmsKey", (rule.get("applyServerSideEncryptionByDefault") or {}).get("kmsMasterKeyId"))
    return out


@aws_resource(
    BUCKET,
    service="s3",
    list_call="list_buckets",
    result_path="Buckets",
    id_field="Name",
    scope="global-list",
    locate=DetailCall("location", "get_bucket_location", _bucket, result_path="LocationConstraint"),
    region_of=_region_of,
    detail_calls=(
        DetailCall("acl", "get_bucket_acl", _bucket),
        DetailCall(
            "policy",
            "get_bucket_policy",
            _bucket,
            result_path="Policy",
            missing_codes=("NoSuchBucketPolicy",),
        ),
        DetailCall(
            "publicAccessBlock",
            "get_public_access_block",
            _bucket,
            result_path="PublicAccessBlockConfiguration",
            missing_codes=("NoSuchPublicAccessBlockConfiguration",),
            iam_action="s3:GetBucketPublicAccessBlock",
        ),
        DetailCall(
            "encryption",
            "get_bucket_encryption",
            _bucket,
            result_path="ServerSideEncryptionConfiguration",
            missing_codes=("ServerSideEncryptionConfigurationNotFoundError",),
            iam_action="s3:GetEncryptionConfiguration",
        ),
        DetailCall("versioning", "get_bucket_versioning", _bucket),
        DetailCall("logging", "get_bucket_logging", _bucket),
        DetailCall(
            "tags", "get_bucket_tagging", _bucket, result_path="TagSet", missing_codes=("NoSuchTagSet",)
        ),
    ),
    arn=arn_template("arn:{partition}:s3:::{id}"),
    name_of=lambda raw: raw.cloud_id,
    relationships=_relationships,
    list_iam_action="s3:ListAllMyBuckets",
)
def bucket_props(raw: RawResource) -> dict[str, Any]:
    """``aws:s3/bucket:Bucket`` inputs (v6 inline form)."""
    props: dict[str, Any] = {"bucket": raw.cloud_id}
    acl = raw.details.get("acl")
    if acl is not None:
        canned = canned_acl(acl)
        if canned:
            props["acl"] = canned
        else:
            props["grants"] = _v6_grants(acl)
    policy = policy_json(raw.details.get("policy"))
    if policy:
        props["policy"] = policy
    if "versioning" in raw.details:
        v = raw.details["versioning"] or {}
        props["versioning"] = {
            "enabled": v.get("Status") == "Enabled",
            "mfaDelete": v.get("MFADelete") == "Enabled",
        }
    rules = _sse_rules(raw)
    if rules:
        props["serverSideEncryptionConfiguration"] = {"rule": rules[0]}
    if "logging" in raw.details:
        props["loggings"] = _loggings(raw)
    if "tags" in raw.details:
        props["tags"] = tags(raw.details["tags"])
    return props


@derived_resource(
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", parent=BUCKET, needs=("publicAccessBlock",)
)
def public_access_block_props(raw: RawResource) -> dict[str, Any] | None:
    pab = raw.details.get("publicAccessBlock")
    if not pab:
        return None
    return {
        "bucket": raw.cloud_id,
        "blockPublicAcls": bool(pab.get("BlockPublicAcls")),
        "blockPublicPolicy": bool(pab.get("BlockPublicPolicy")),
        "ignorePublicAcls": bool(pab.get("IgnorePublicAcls")),
        "restrictPublicBuckets": bool(pab.get("RestrictPublicBuckets")),
    }


@derived_resource(
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    parent=BUCKET,
    needs=("encryption",),
)
def encryption_props(raw: RawResource) -> dict[str, Any] | None:
    rules = _sse_rules(raw)
    if not rules:
        return None
    return {"bucket": raw.cloud_id, "rules": rules}


@derived_resource("aws:s3/bucketVersioningV2:BucketVersioningV2", parent=BUCKET, needs=("versioning",))
def versioning_props(raw: RawResource) -> dict[str, Any] | None:
    v = raw.details.get("versioning") or {}
    if not v.get("Status"):
        return None  # never configured: no versioning resource would exist in a program either
    config = {"status": v["Status"]}
    if v.get("MFADelete"):
        config["mfaDelete"] = v["MFADelete"]
    return {"bucket": raw.cloud_id, "versioningConfiguration": config}


@derived_resource("aws:s3/bucketAclV2:BucketAclV2", parent=BUCKET, needs=("acl",))
def acl_props(raw: RawResource) -> dict[str, Any] | None:
    acl = raw.details.get("acl")
    if not acl:
        return None
    owner = acl.get("Owner") or {}
    policy = {
        "owner": compact({"id": owner.get("ID"), "displayName": owner.get("DisplayName")}),
        "grants": [
            {"grantee": _grantee(g.get("Grantee") or {}), "permission": g.get("Permission")}
            for g in acl.get("Grants") or []
        ],
    }
    return compact({"bucket": raw.cloud_id, "acl": canned_acl(acl), "accessControlPolicy": policy})


@derived_resource("aws:s3/bucketLoggingV2:BucketLoggingV2", parent=BUCKET, needs=("logging",))
def logging_props(raw: RawResource) -> dict[str, Any] | None:
    enabled = raw.detail("logging", "LoggingEnabled")
    if not enabled:
        return None
    grants = [
        {"grantee": _grantee(g.get("Grantee") or {}), "permission": g.get("Permission")}
        for g in enabled.get("TargetGrants") or []
    ]
    props = {
        "bucket": raw.cloud_id,
        "targetBucket": enabled.get("TargetBucket"),
        "targetPrefix": enabled.get("TargetPrefix", ""),
    }
    if grants:
        props["targetGrants"] = grants
    return props


@derived_resource("aws:s3/bucketPolicy:BucketPolicy", parent=BUCKET, needs=("policy",))
def policy_props(raw: RawResource) -> dict[str, Any] | None:
    policy = policy_json(raw.details.get("policy"))
    if not policy:
        return None
    return {"bucket": raw.cloud_id, "policy": policy}
