"""The __PACK_NAME__ policies. Add policies here and list them in POLICIES.

Configure with ``--policy-pack-config``::

    {"required-tags": {"enforcementLevel": "remediate",
                       "requiredTags": ["Owner", "Environment"],
                       "defaultTagValues": {"Environment": "dev"}}}
"""

from policy_host.sdk import props_get, remediate_props, resource_policy

TAGGABLE = [
    "aws:s3/bucket:Bucket",
    "aws:ec2/instance:Instance",
    "aws:ec2/vpc:Vpc",
    "aws:rds/instance:Instance",
]


def missing_tags(args):
    # Keys are enough: iterating a tag map never reads (possibly unknown or secret) values.
    present = set(props_get(args.props, "tags") or {}) | set(props_get(args.props, "tagsAll") or {})
    return [tag for tag in args.get_config()["requiredTags"] if tag not in present]


def check_tags(args, report_violation):
    missing = missing_tags(args)
    if missing:
        report_violation(f"Missing required tag(s): {', '.join(missing)}.")


def add_default_tags(args):
    defaults = args.get_config()["defaultTagValues"]
    # One path per missing tag: other tags are carried through untouched and secret values stay secret.
    changes = {("tags", tag): defaults[tag] for tag in missing_tags(args) if tag in defaults}
    return remediate_props(args, changes) if changes else None


required_tags = resource_policy(
    "required-tags",
    "Resources must carry the required tags.",
    types=TAGGABLE,
    validate=check_tags,
    remediate=add_default_tags,
    severity="low",
    config_schema={
        "properties": {
            "requiredTags": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["Owner", "Environment"],
            },
            "defaultTagValues": {"type": "object", "additionalProperties": {"type": "string"}, "default": {}},
        }
    },
    remediation_steps="Add the missing tags; at level remediate, tags with a configured default are added.",
)

POLICIES = [required_tags]
