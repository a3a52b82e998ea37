"""AWS discovery: boto3 reads mapped to pulumi-aws resource inputs.

Public surface::

    discover_aws(source, options, on_progress) -> DiscoveryResult
    AwsCredentialSource, DiscoveryOptions, Progress, Backoff
    required_actions(types), policy_document(types)       # the read-only IAM policy a scan needs
    all_tokens()                                          # every discoverable type token

Mappers live one module per service (``s3.py``, ``ec2.py``, ...) and are imported on demand through
``index.py``; importing this package does not import them.
"""

from __future__ import annotations

from .discover import DiscoveryOptions, Progress, discover_aws
from .index import all_tokens, load_specs
from .permissions import policy_document, required_actions
from .retry import Backoff
from .session import AwsCredentialSource, create_session

__all__ = [
    "AwsCredentialSource",
    "Backoff",
    "DiscoveryOptions",
    "Progress",
    "all_tokens",
    "create_session",
    "discover_aws",
    "load_specs",
    "policy_document",
    "required_actions",
]
