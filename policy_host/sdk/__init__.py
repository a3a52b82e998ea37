"""Authoring helpers for policy packs.

Everything here produces or consumes ordinary ``pulumi_policy`` objects, so a pack written with these
helpers also runs under ``pulumi_policy``'s own server::

    from policy_host.sdk import props_get, remediate_props, resource_policy

    def check(args, report_violation):
        if props_get(args.props, "versioning.enabled") is not True:
            report_violation("Versioning is disabled.")

    s3_versioning = resource_policy(
        "s3-bucket-versioning",
        "S3 buckets must have versioning enabled.",
        types=["aws:s3/bucket:Bucket"],
        validate=check,
        remediate=lambda args: remediate_props(args, {"versioning.enabled": True}),
        severity="medium",
    )
"""

from ._errors import PolicyDefinitionError
from ._policies import resource_policy, stack_policy
from ._props import props_get, tags_of, to_plain
from ._remediation import remediate_props
from .types import RESOURCE_TYPES_ATTR, not_applicable_reason, resource_types_of

__all__ = [
    "RESOURCE_TYPES_ATTR",
    "PolicyDefinitionError",
    "not_applicable_reason",
    "props_get",
    "remediate_props",
    "resource_policy",
    "resource_types_of",
    "stack_policy",
    "tags_of",
    "to_plain",
]

# Show the public path in reprs and tracebacks (httpx does the same for its exports).
for _name in __all__:
    _obj = globals()[_name]
    if callable(_obj):
        _obj.__module__ = __name__
del _name, _obj
