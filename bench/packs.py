"""Generated ``pulumi_policy`` packs for the benchmark, written to a directory at run time.

They are plain packs (``PulumiPolicy.yaml`` + ``__main__.py`` calling ``PolicyPack(...)``), so
pulumi_policy's own server can serve them unchanged. Each resource policy checks ``args.resource_type``
first, as real packs do; every fifth one applies to S3 buckets and reads several properties, nested
ones included; the rest target other AWS types and return at once on a bucket. A few policies fire on
the benchmark bucket (:mod:`bench.fixtures`), so the responses compared across servers are not empty.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

# Policy bodies. ``__FN__`` becomes the function name; each starts with the type check.
_S3 = """
def __FN__(args, report_violation):
    if args.resource_type != "aws:s3/bucket:Bucket":
        return
"""

S3_BODIES = [
    # First, so that the 3-policy pack's only S3 policy fires on the benchmark bucket.
    _S3
    + """    rule = (args.props.get("serverSideEncryptionConfiguration") or {}).get("rule") or {}
    algorithm = (rule.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm")
    if algorithm != "aws:kms":
        report_violation(f"bucket {args.name} is encrypted with {algorithm}, not aws:kms")
""",
    _S3
    + """    versioning = args.props.get("versioning") or {}
    if not versioning.get("enabled"):
        report_violation("versioning is disabled")
    elif versioning.get("mfaDelete") is None:
        report_violation("mfaDelete is unknown")
""",
    _S3
    + """    acl = args.props.get("acl")
    if acl in ("public-read", "public-read-write", "authenticated-read"):
        report_violation(f"acl {acl} makes the bucket public")
    for grant in args.props.get("grants") or []:
        if "AllUsers" in (grant.get("uri") or ""):
            report_violation("a grant gives access to AllUsers")
""",
    _S3
    + """    rule = (args.props.get("serverSideEncryptionConfiguration") or {}).get("rule")
    if not rule or not rule.get("applyServerSideEncryptionByDefault"):
        report_violation("default encryption is not configured")
""",
    _S3
    + """    tags = args.props.get("tags") or {}
    missing = [t for t in ("owner", "env", "cost-center") if t not in tags]
    if missing:
        report_violation("missing tags: " + ", ".join(missing))
""",
    _S3
    + """    loggings = args.props.get("loggings") or []
    if not loggings:
        report_violation("access logging is disabled")
    for logging in loggings:
        if logging.get("targetBucket") == args.props.get("bucket"):
            report_violation("the bucket logs into itself")
""",
    _S3
    + """    rules = [r for r in args.props.get("lifecycleRules") or [] if r.get("enabled")]
    if not rules:
        report_violation("no enabled lifecycle rule")
    for r in rules:
        days = (r.get("expiration") or {}).get("days") or 0
        if days > 400 or (r.get("abortIncompleteMultipartUploadDays") or 0) > 30:
            report_violation(f"lifecycle rule {r.get('id')} keeps objects too long")
""",
    _S3
    + """    if args.props.get("forceDestroy") and args.props.get("objectLockConfiguration") is None:
        report_violation("forceDestroy without object lock")
""",
    _S3
    + """    name = args.props.get("bucket") or ""
    if not name.replace("-", "").isalnum() or name.startswith("tmp"):
        report_violation(f"bucket name {name} breaks the naming convention")
""",
    _S3
    + """    if args.props.get("website") is not None or args.props.get("websiteEndpoint"):
        report_violation("static website hosting is enabled")
    if args.props.get("region") not in ("us-west-2", "us-east-1", "eu-west-1"):
        report_violation("bucket outside the allowed regions")
""",
]

# (resource type, body after the type check) for the policies that do not apply to buckets.
OTHER_BODIES = [
    (
        "aws:ec2/instance:Instance",
        """    if (args.props.get("metadataOptions") or {}).get("httpTokens") != "required":
        report_violation("IMDSv2 is not required")
""",
    ),
    (
        "aws:ec2/securityGroup:SecurityGroup",
        """    for rule in args.props.get("ingress") or []:
        if "0.0.0.0/0" in (rule.get("cidrBlocks") or []) and rule.get("fromPort") != 443:
            report_violation(f"port {rule.get('fromPort')} is open to the world")
""",
    ),
    (
        "aws:iam/role:Role",
        """    if "AdministratorAccess" in " ".join(args.props.get("managedPolicyArns") or []):
        report_violation("role has AdministratorAccess")
""",
    ),
    (
        "aws:rds/instance:Instance",
        """    if not args.props.get("storageEncrypted") or args.props.get("publiclyAccessible"):
        report_violation("database is unencrypted or public")
""",
    ),
    (
        "aws:lambda/function:Function",
        """    if args.props.get("runtime") in ("python3.7", "nodejs14.x", "go1.x"):
        report_violation(f"runtime {args.props.get('runtime')} is deprecated")
""",
    ),
    (
        "aws:dynamodb/table:Table",
        """    if not (args.props.get("pointInTimeRecovery") or {}).get("enabled"):
        report_violation("point-in-time recovery is disabled")
""",
    ),
    (
        "aws:kms/key:Key",
        """    if not args.props.get("enableKeyRotation"):
        report_violation("key rotation is disabled")
""",
    ),
    (
        "aws:cloudtrail/trail:Trail",
        """    if not args.props.get("isMultiRegionTrail") or not args.props.get("enableLogFileValidation"):
        report_violation("trail is single-region or unvalidated")
""",
    ),
    (
        "aws:eks/cluster:Cluster",
        """    if (args.props.get("vpcConfig") or {}).get("endpointPublicAccess"):
        report_violation("the cluster endpoint is public")
""",
    ),
    (
        "aws:ecr/repository:Repository",
        """    if not (args.props.get("imageScanningConfiguration") or {}).get("scanOnPush"):
        report_violation("scan on push is disabled")
""",
    ),
]

STACK_BODIES = [
    """def __FN__(args, report_violation):
    weak = 0
    for r in args.resources:
        if r.resource_type == "aws:s3/bucket:Bucket":
            rule = (r.props.get("serverSideEncryptionConfiguration") or {}).get("rule") or {}
            if (rule.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm") != "aws:kms":
                weak += 1
    if weak:
        report_violation(f"{weak} buckets are not encrypted with aws:kms")
""",
    """def __FN__(args, report_violation):
    untagged = [r for r in args.resources if "tags" in r.props and "owner" not in (r.props.get("tags") or {})]
    for r in untagged[:3]:
        report_violation(f"{r.name} has no owner tag", r.urn)
    if untagged:
        report_violation(f"{len(untagged)} resources have no owner tag")
""",
    """def __FN__(args, report_violation):
    open_groups = []
    for r in args.resources:
        if r.resource_type == "aws:ec2/securityGroup:SecurityGroup":
            for rule in r.props.get("ingress") or []:
                if "0.0.0.0/0" in (rule.get("cidrBlocks") or []):
                    open_groups.append(r)
                    break
    for r in open_groups[:3]:
        report_violation(f"security group {r.name} is open to the world", r.urn)
""",
    """def __FN__(args, report_violation):
    count = 0
    for r in args.resources:
        if r.resource_type == "aws:ec2/instance:Instance":
            if not (r.props.get("rootBlockDevice") or {}).get("encrypted"):
                count += 1
    if count:
        report_violation(f"{count} instances have unencrypted root volumes")
""",
    """def __FN__(args, report_violation):
    by_type = {}
    on_unversioned = 0
    for r in args.resources:
        by_type[r.resource_type] = by_type.get(r.resource_type, 0) + 1
        for d in r.dependencies:
            if d.resource_type == "aws:s3/bucket:Bucket" and not (d.props.get("versioning") or {}).get("enabled"):
                on_unversioned += 1
    if on_unversioned:
        report_violation(f"{on_unversioned} resources depend on an unversioned bucket")
    if by_type.get("aws:s3/bucket:Bucket", 0) > 1000:
        report_violation(f"{by_type['aws:s3/bucket:Bucket']} buckets exceed the quota of 1000")
""",
]

# No ``version``: the reference always reports "0.0.1" and policy-host reports the yaml's version (a
# documented fix), so without one both answer byte-for-byte the same and the bench can compare them.
_YAML = "runtime: python\ndescription: generated by bench/packs.py\n"


@dataclass(frozen=True)
class BenchPack:
    """A generated pack: where it is and what it holds."""

    label: str  # used in the report, e.g. "50 resource policies"
    path: Path
    kind: str  # "resource" | "stack"
    policies: int


def _policy_code(name: str, fn: str, body: str, index: int, kind: str) -> tuple[str, str]:
    """Function source and the constructor expression for one policy."""
    source = textwrap.dedent(body).replace("__FN__", fn).strip("\n") + "\n"
    cls = "ResourceValidationPolicy" if kind == "resource" else "StackValidationPolicy"
    # A realistic spread of levels and severities; the pack default is advisory.
    level = ", enforcement_level=EnforcementLevel.MANDATORY" if index % 3 == 0 else ""
    severity = ("LOW", "MEDIUM", "HIGH", "CRITICAL")[index % 4]
    ctor = f'    {cls}("{name}", "Generated policy {name}.", {fn}{level}, severity=Severity.{severity}),'
    return source, ctor


def pack_source(kind: str, count: int, pack_name: str) -> str:
    """The ``__main__.py`` of a generated pack with ``count`` policies of ``kind``."""
    functions: list[str] = []
    ctors: list[str] = []
    for i in range(count):
        if kind == "stack":
            name, body = f"stack-{i}", STACK_BODIES[i % len(STACK_BODIES)]
        elif i % 5 == 0:
            name, body = f"s3-{i}", S3_BODIES[(i // 5) % len(S3_BODIES)]
        else:
            type_, rest = OTHER_BODIES[(i - i // 5 - 1) % len(OTHER_BODIES)]
            token = type_.split(":")[1].split("/")[0]
            header = f'def __FN__(args, report_violation):\n    if args.resource_type != "{type_}":\n        return\n'
            name, body = f"{token}-{i}", header + rest
        source, ctor = _policy_code(name, f"policy_{i}", body, i, kind)
        functions.append(source)
        ctors.append(ctor)
    cls = "ResourceValidationPolicy" if kind == "resource" else "StackValidationPolicy"
    header = (
        f'"""Generated benchmark pack: {count} {kind} policies."""\n\n'
        f"from pulumi_policy import {', '.join(sorted(['EnforcementLevel', 'PolicyPack', 'Severity', cls]))}\n\n\n"
    )
    footer = (
        "\n\nPolicyPack(\n"
        f'    name="{pack_name}",\n'
        "    enforcement_level=EnforcementLevel.ADVISORY,\n"
        "    policies=[\n" + "\n".join("    " + c for c in ctors) + "\n    ],\n)\n"
    )
    return header + "\n\n".join(functions) + footer


def write_pack(root: Path, kind: str, count: int) -> BenchPack:
    """Write one pack under ``root`` and describe it."""
    name = f"bench-{kind}-{count}"
    path = root / name
    path.mkdir(parents=True, exist_ok=True)
    (path / "PulumiPolicy.yaml").write_text(_YAML)
    (path / "__main__.py").write_text(pack_source(kind, count, name))
    label = f"{count} {kind} policies"
    return BenchPack(label=label, path=path, kind=kind, policies=count)


def write_packs(
    root: Path, resource_counts: tuple[int, ...] = (3, 50), stack_count: int = 5
) -> list[BenchPack]:
    """The benchmark's packs: resource packs of each size, then the stack pack."""
    packs = [write_pack(root, "resource", n) for n in resource_counts]
    packs.append(write_pack(root, "stack", stack_count))
    return packs
