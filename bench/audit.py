"""Audit throughput: scans against an AWS API emulator (moto server on loopback) into a SQLite store, and
audit evaluation of synthetic discovered resources through the evaluation core, in process.

    python -m bench.audit [N_RESOURCES] [N_BUCKETS]

``run(n_resources, n_buckets)`` returns a dict the ``make bench`` driver prints as rows:

- ``scan_*``: ``policy_host.audit.scan`` of an account holding ``n_buckets`` buckets (half configured):
  discovery of every type, the snapshot written in one transaction, managed matching; no evaluation.
  Seeding is not timed.
- ``evaluate_*``: ``audit.judge.judge`` with ``packs/aws-baseline`` over ``n_resources`` discovered-shape
  resources (buckets and their split resources, security groups, KMS keys, IAM policies, volumes), one
  thread, so ``resource_evaluations_per_cpu_second`` is per core. A resource evaluation is one resource
  judged by every enabled policy of the pack (resource policies, remediation proposals for
  remediate-level policies); the stack policies then run once over all resources.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
AWS_BASELINE = REPO / "packs" / "aws-baseline"


def _bucket_props(i: int) -> list[tuple[str, str, dict[str, Any]]]:
    name = f"bucket-{i:06d}"
    good = i % 2 == 0
    bucket = {
        "bucket": name,
        "acl": "private" if i % 7 else "public-read",
        "versioning": {"enabled": good, "mfaDelete": False},
        "loggings": [],
        "tags": {"env": "bench", "owner": f"team-{i % 13}"},
    }
    if good:
        bucket["serverSideEncryptionConfiguration"] = {
            "rule": {
                "applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"},
                "bucketKeyEnabled": False,
            }
        }
    out = [("aws:s3/bucket:Bucket", name, bucket)]
    if good:
        flags = dict.fromkeys(
            ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True
        )
        out.append(
            ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name, {"bucket": name, **flags})
        )
    return out


def _synthetic(n: int) -> list[Any]:
    """``n`` discovered-shape subjects, numbers already as the wire sends them (floats)."""
    from policy_host.audit.canonical import wire_numbers
    from policy_host.audit.judge import Subject
    from policy_host.model import EvaluatedResource, Resource

    items: list[tuple[str, str, dict[str, Any]]] = []
    i = 0
    while len(items) < n:
        kind = i % 5
        if kind in (0, 1):
            items.extend(_bucket_props(i))
        elif kind == 2:
            port = 22 if i % 10 == 2 else 443
            items.append(
                (
                    "aws:ec2/securityGroup:SecurityGroup",
                    f"sg-{i:012x}",
                    {
                        "name": f"sg-{i}",
                        "description": "bench",
                        "vpcId": "vpc-1",
                        "ingress": [
                            {"protocol": "tcp", "fromPort": port, "toPort": port, "cidrBlocks": ["0.0.0.0/0"]}
                        ],
                        "egress": [],
                        "tags": {},
                    },
                )
            )
        elif kind == 3:
            items.append(
                (
                    "aws:kms/key:Key",
                    f"key-{i:08d}",
                    {
                        "keyUsage": "ENCRYPT_DECRYPT",
                        "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
                        "enableKeyRotation": i % 3 == 0,
                        "isEnabled": True,
                        "tags": {},
                    },
                )
            )
        else:
            doc = {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:GetObject" if i % 4 else "*", "Resource": "*"}
                ],
            }
            items.append(
                (
                    "aws:iam/policy:Policy",
                    f"arn:aws:iam::123456789012:policy/p{i}",
                    {"name": f"p{i}", "path": "/", "policy": json.dumps(doc), "tags": {}},
                )
            )
        i += 1
    subjects = []
    for type_, cloud_id, props in items[:n]:
        urn = f"urn:insights:default/bench/us-east-1::aws::{type_}::{cloud_id}"
        res = Resource(type=type_, urn=urn, name=cloud_id, properties=wire_numbers(props))
        subjects.append(
            Subject(res, res, EvaluatedResource(urn, type_, cloud_id, cloud_id=cloud_id, version="1"))
        )
    return subjects


def bench_evaluate(n_resources: int) -> dict[str, Any]:
    from policy_host.audit.evaluate import POLICY_TIMEOUT
    from policy_host.audit.judge import PackRun, judge
    from policy_host.evaluate import EvalContext, prepare
    from policy_host.model import EnforcementLevel, PolicyConfigEntry
    from policy_host.packs.loader import load_pack

    pack = prepare(load_pack(AWS_BASELINE))
    # one remediate-level policy, as audit groups often have: its fixes are proposed for every violation
    pack.configure({"kms-key-rotation": PolicyConfigEntry(enforcement_level=EnforcementLevel.REMEDIATE)})
    subjects = _synthetic(n_resources)
    ctx = EvalContext(policy_timeout=POLICY_TIMEOUT)
    judge([PackRun(pack)], subjects[:200], None, ctx)  # warm-up: plans per type, imports
    wall, cpu = time.perf_counter(), time.process_time()
    policies, results = judge([PackRun(pack)], subjects, None, ctx)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "evaluate_resources": len(subjects),
        "evaluate_policies": len(policies),
        "evaluate_results": len(results),
        "evaluate_seconds": round(wall, 3),
        "evaluate_cpu_seconds": round(cpu, 3),
        "resource_evaluations_per_second": round(len(subjects) / wall, 1) if wall else None,
        "resource_evaluations_per_cpu_second": round(len(subjects) / cpu, 1) if cpu else None,
    }


def bench_scan(n_buckets: int) -> dict[str, Any]:
    from bench.discovery import _emulator, _seed
    from policy_host.audit.accounts import AccountInput, add_account
    from policy_host.audit.scan import scan
    from policy_host.store import open_store

    with tempfile.TemporaryDirectory() as home, _emulator() as url:
        _seed(url, n_buckets)
        store = open_store(f"sqlite:///{home}/store.db")
        try:
            with store.transaction() as s:
                add_account(
                    s,
                    AccountInput(
                        "bench", "aws", regions=("us-east-1",), endpoint_url=url, env_credentials=True
                    ),
                )
            started = time.perf_counter()
            outcome = scan(store, "bench", evaluate=False)
            seconds = time.perf_counter() - started
        finally:
            store.close()
    resources = sum(a.resources for a in outcome.accounts)
    return {
        "scan_buckets": n_buckets,
        "scan_status": outcome.status,
        "scan_resources": resources,
        "scan_seconds": round(seconds, 3),
        "scan_resources_per_second": round(resources / seconds, 1) if seconds else None,
    }


def run(n_resources: int = 100_000, n_buckets: int = 100) -> dict[str, Any]:
    """Both measurements; see the module docstring."""
    rows: dict[str, Any] = {"benchmark": "audit", "cpus": os.cpu_count()}
    rows.update(bench_scan(n_buckets))
    rows.update(bench_evaluate(n_resources))
    return rows


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    print(json.dumps(run(*args), indent=2))
