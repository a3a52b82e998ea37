"""The aws-baseline policies, by service. ``POLICIES`` is what ``__main__.py`` serves."""

from . import cloudtrail, containers, ec2, iam, kms, lambda_functions, network, rds, s3

POLICIES = [
    *s3.POLICIES,
    *rds.POLICIES,
    *network.POLICIES,
    *iam.POLICIES,
    *ec2.POLICIES,
    *cloudtrail.POLICIES,
    *kms.POLICIES,
    *lambda_functions.POLICIES,
    *containers.POLICIES,
]

__all__ = ["POLICIES"]
