"""The audit half of ``make demo``: scan a local AWS emulator and write reports.

A moto server (the AWS API emulator, installed with the test extras) runs on a free loopback port, is
seeded with a few compliant and non-compliant resources, and is scanned as an audit account with the
bundled ``aws-baseline`` pack enabled on the default accounts group. Nothing leaves this machine.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed(endpoint: str) -> None:
    import boto3

    kw = {"endpoint_url": endpoint, "region_name": "us-east-1"}
    s3 = boto3.client("s3", **kw)
    s3.create_bucket(Bucket="public-website")
    s3.put_bucket_acl(Bucket="public-website", ACL="public-read")
    s3.create_bucket(Bucket="audit-logs")
    s3.put_bucket_versioning(Bucket="audit-logs", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket="audit-logs",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    s3.put_public_access_block(
        Bucket="audit-logs",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    ec2 = boto3.client("ec2", **kw)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sg = ec2.create_security_group(GroupName="bastion", Description="bastion host", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    kms = boto3.client("kms", **kw)
    kms.create_key(Description="no rotation")
    iam = boto3.client("iam", **kw)
    iam.create_policy(
        PolicyName="everything",
        PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}',
    )


def run_demo(out: Path, env: dict[str, str], run: Callable[..., int], step: Callable[[str], None]) -> None:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the emulator's request log is noise here
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # The emulator accepts any credentials; these never leave this machine.
    fake = {"AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo", "AWS_DEFAULT_REGION": "us-east-1"}
    saved = {k: os.environ.get(k) for k in fake}
    os.environ.update(fake)
    env = dict(env, **fake)
    try:
        _seed(endpoint)
        step("Audit: publish the bundled pack and enable it for every cloud account")
        run("pack", "publish", str(REPO / "packs" / "aws-baseline"), env=env)
        run(
            "group",
            "edit",
            "default-accounts-policy-group",
            "--add-policy-pack",
            "aws-baseline@latest",
            env=env,
        )
        step(f"Audit: add the local AWS emulator ({endpoint}) as an account and scan it")
        run(
            "account", "add", "demo", "--provider", "aws", "--env-credentials",
            "--endpoint-url", endpoint, "--region", "us-east-1", "--schedule", "none", env=env,
        )  # fmt: skip
        run("audit", "scan", "demo", env=env)
        step("Audit: what was found, and the issues it raised")
        run("resource", "ls", "--account", "demo/us-east-1", env=env)
        run("issue", "ls", env=env)
        run("compliance", "--group-by", "account", env=env)
        step("Reports")
        run("report", "--format", "html", "--out", str(out / "report.html"), env=env)
        run("report", "--format", "sarif", "--out", str(out / "findings.sarif"), env=env)
        print(f"open {out / 'report.html'} in a browser (one self-contained file, no network)")
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
