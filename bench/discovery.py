"""Discovery throughput: resources per second discovered from an AWS API emulator (moto server on
loopback), S3 buckets with their split resources.

    python -m bench.discovery [N_BUCKETS]

``run(n_buckets)`` returns a dict the ``make bench`` driver can print or store. Seeding is not timed;
the scan is (list, per-bucket detail reads over the thread pool, mapping).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from policy_host.sources.aws import AwsCredentialSource, DiscoveryOptions, discover_aws

S3_TYPES = (
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
    "aws:s3/bucketAclV2:BucketAclV2",
    "aws:s3/bucketLoggingV2:BucketLoggingV2",
    "aws:s3/bucketPolicy:BucketPolicy",
)


@contextmanager
def _emulator():
    """A moto server on a free loopback port with dummy credentials; nothing leaves the machine."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty"
        empty.write_text("")
        os.environ.update(
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_EC2_METADATA_DISABLED="true",
            AWS_CONFIG_FILE=str(empty),
            AWS_SHARED_CREDENTIALS_FILE=str(empty),
        )
        for key in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):
            os.environ.pop(key, None)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        urllib.request.urlopen(
            urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=10
        ).read()
        try:
            yield url
        finally:
            server.stop()
            os.environ.clear()
            os.environ.update(saved)


def _seed(url: str, n_buckets: int) -> None:
    s3 = boto3.client("s3", endpoint_url=url)
    for i in range(n_buckets):
        name = f"bench-bucket-{i:05d}"
        s3.create_bucket(Bucket=name)
        if i % 2 == 0:  # half compliant, half bare: both paths of every mapper run
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
            s3.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True,
                    "RestrictPublicBuckets": True,
                },
            )
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "env", "Value": "bench"}]})


def run(n_buckets: int = 200, max_workers: int = 8) -> dict[str, Any]:
    """Seed ``n_buckets`` buckets, scan them once, and report discovered resources per second."""
    with _emulator() as url:
        _seed(url, n_buckets)
        options = DiscoveryOptions(types=S3_TYPES, include_global=False, max_workers=max_workers)
        started = time.perf_counter()
        result = discover_aws(AwsCredentialSource(endpoint_url=url), options)
        seconds = time.perf_counter() - started
    return {
        "benchmark": "discovery.aws.s3",
        "buckets": n_buckets,
        "resources": len(result.resources),
        "errors": len(result.errors),
        "api_calls": sum(result.api_calls.values()),
        "max_workers": max_workers,
        "seconds": round(seconds, 3),
        "resources_per_second": round(len(result.resources) / seconds, 1) if seconds else None,
        "api_calls_per_second": round(sum(result.api_calls.values()) / seconds, 1) if seconds else None,
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 200), indent=2))
