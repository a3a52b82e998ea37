"""IAM users, roles and customer-managed policies (global: listed once per account).

Policy documents arrive URL-encoded (botocore usually decodes them into dicts); either way they are
handed to policies as compact JSON strings, like the provider's ``policy``/``assumeRolePolicy`` inputs.
"""

from __future__ import annotations

from typing import Any

from .props import compact, policy_json, rels, tags
from .spec import DetailCall, RawResource, arn_from, aws_resource


@aws_resource(
    "aws:iam/user:User",
    service="iam",
    list_call="list_users",
    result_path="Users",
    id_field="UserName",
    scope="global",
    detail_calls=(
        DetailCall("user", "get_user", lambda raw: {"UserName": raw.cloud_id}, result_path="User"),
    ),
    arn=arn_from("Arn"),
    name_of=lambda raw: raw.cloud_id,
    relationships=lambda raw: rels(
        "permissionsBoundary", raw.detail("user", "PermissionsBoundary.PermissionsBoundaryArn")
    ),
)
def user_props(raw: RawResource) -> dict[str, Any]:
    """``aws:iam/user:User`` inputs."""
    props = {
        "name": raw.cloud_id,
        "path": raw.get("Path"),
        "permissionsBoundary": raw.detail("user", "PermissionsBoundary.PermissionsBoundaryArn"),
    }
    if "user" in raw.details:
        props["tags"] = tags(raw.detail("user", "Tags"))
    return compact(props)


def _role(raw: RawResource) -> dict[str, str]:
    return {"RoleName": raw.cloud_id}


def _inline_policy_params(raw: RawResource) -> list[dict[str, str]] | None:
    names = raw.details.get("inlineNames")
    if names is None:
        return None
    return [{"RoleName": raw.cloud_id, "PolicyName": n} for n in names]


def _role_relationships(raw: RawResource):
    attached = [p.get("PolicyArn") for p in raw.details.get("attached") or []]
    return rels("attachedPolicy", sorted(a for a in attached if a)) + rels(
        "permissionsBoundary", raw.detail("role", "PermissionsBoundary.PermissionsBoundaryArn")
    )


@aws_resource(
    "aws:iam/role:Role",
    service="iam",
    list_call="list_roles",
    result_path="Roles",
    id_field="RoleName",
    scope="global",
    detail_calls=(
        DetailCall("role", "get_role", _role, result_path="Role"),
        DetailCall("inlineNames", "list_role_policies", _role, result_path="PolicyNames", paginate=True),
        DetailCall("inline", "get_role_policy", _inline_policy_params),
        DetailCall(
            "attached", "list_attached_role_policies", _role, result_path="AttachedPolicies", paginate=True
        ),
    ),
    arn=arn_from("Arn"),
    name_of=lambda raw: raw.cloud_id,
    relationships=_role_relationships,
)
def role_props(raw: RawResource) -> dict[str, Any]:
    """``aws:iam/role:Role`` inputs, with ``inlinePolicies`` and ``managedPolicyArns`` as read."""
    role = raw.details.get("role") or raw.item
    props: dict[str, Any] = {
        "name": raw.cloud_id,
        "path": role.get("Path"),
        "description": role.get("Description") or None,
        "assumeRolePolicy": policy_json(role.get("AssumeRolePolicyDocument")),
        "maxSessionDuration": role.get("MaxSessionDuration"),
        "permissionsBoundary": (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
    }
    if "inline" in raw.details:
        props["inlinePolicies"] = [
            {"name": p.get("PolicyName"), "policy": policy_json(p.get("PolicyDocument"))}
            for p in raw.details["inline"] or []
        ]
    if "attached" in raw.details:
        props["managedPolicyArns"] = sorted(p["PolicyArn"] for p in raw.details["attached"] or [])
    if "role" in raw.details:
        props["tags"] = tags(role.get("Tags"))
    return compact(props)


@aws_resource(
    "aws:iam/policy:Policy",
    service="iam",
    list_call="list_policies",
    list_params={"Scope": "Local"},
    result_path="Policies",
    id_field="Arn",
    scope="global",
    detail_calls=(
        DetailCall("policy", "get_policy", lambda raw: {"PolicyArn": raw.cloud_id}, result_path="Policy"),
        DetailCall(
            "version",
            "get_policy_version",
            lambda raw: {"PolicyArn": raw.cloud_id, "VersionId": raw.get("DefaultVersionId")},
            result_path="PolicyVersion",
        ),
    ),
    arn=arn_from("Arn"),
    name_of=lambda raw: raw.get("PolicyName", raw.cloud_id),
)
def policy_props(raw: RawResource) -> dict[str, Any]:
    """``aws:iam/policy:Policy`` inputs (pulumi-aws uses the policy ARN as its id)."""
    props = {
        "name": raw.get("PolicyName"),
        "path": raw.get("Path"),
        "description": raw.detail("policy", "Description"),
        "policy": policy_json(raw.detail("version", "Document")),
    }
    if "policy" in raw.details:
        props["tags"] = tags(raw.detail("policy", "Tags"))
    return compact(props)
