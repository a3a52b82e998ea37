"""The policy test kit: judge resources with a pack through exactly the code the server runs.

```python
from policy_host.testing import PackRunner, resource, unknown

pack = PackRunner.load("packs/aws-baseline")
verdict = pack.analyze(resource("aws:s3/bucket:Bucket", {"acl": "public-read"}, name="logs"))
verdict.assert_violation("s3-no-public-read", level="mandatory")
```
"""

from ._cases import PolicyTestCase, load_cases, run_case
from ._runner import PackRunner, RemediationVerdict, Verdict, load_fixture, resource, wire_normalize
from ._values import (
    asset_archive,
    file_archive,
    file_asset,
    remote_archive,
    remote_asset,
    secret,
    string_asset,
    unknown,
)

__all__ = [
    "PackRunner",
    "PolicyTestCase",
    "RemediationVerdict",
    "Verdict",
    "asset_archive",
    "file_archive",
    "file_asset",
    "load_cases",
    "load_fixture",
    "remote_archive",
    "remote_asset",
    "resource",
    "run_case",
    "secret",
    "string_asset",
    "unknown",
    "wire_normalize",
]
