"""IAM: no policy may grant every action on every resource (full administrator)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from policy_host.sdk import props_get, resource_policy

from ._common import as_list, cis, policy_statements

POLICY_DOCUMENT_TYPES = [
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
]
ROLE = "aws:iam/role:Role"
ATTACHMENT_TYPES = [
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
]
ADMIN_MANAGED_POLICY = ":policy/AdministratorAccess"


def admin_statements(statements: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Statements that allow every action ("*" or "*:*") on every resource ("*")."""
    found = []
    for s in statements:
        if s.get("Effect") != "Allow":
            continue
        actions = {str(a) for a in as_list(s.get("Action"))}
        resources = {str(r) for r in as_list(s.get("Resource"))}
        if actions & {"*", "*:*"} and "*" in resources:
            found.append(s)
    return found


def _documents(args) -> Iterable[tuple[str, Any]]:
    if args.resource_type == ROLE:
        for inline in as_list(props_get(args.props, "inlinePolicies")):
            yield f"inline policy '{props_get(inline, 'name', '?')}'", props_get(inline, "policy")
    else:
        yield "the policy document", props_get(args.props, "policy")


def check_admin_policies(args, report_violation) -> None:
    if args.resource_type in ATTACHMENT_TYPES:
        arn = props_get(args.props, "policyArn", "")
        if isinstance(arn, str) and arn.endswith(ADMIN_MANAGED_POLICY):
            report_violation(f"Attaches {arn}, which allows every action on every resource.")
        return
    for where, document in _documents(args):
        for statement in admin_statements(policy_statements(document)):
            sid = statement.get("Sid")
            report_violation(
                f"{where[0].upper()}{where[1:]} allows Action '*' on Resource '*'"
                + (f" (statement '{sid}')." if sid else ".")
            )


no_wildcard_admin = resource_policy(
    "iam-no-wildcard-admin-policy",
    "IAM policies must not grant full administrative privileges (Action '*' on Resource '*').",
    types=[*POLICY_DOCUMENT_TYPES, ROLE, *ATTACHMENT_TYPES],
    validate=check_admin_policies,
    severity="critical",
    level="mandatory",
    framework=cis("1.16"),
    tags=["iam", "least-privilege"],
    remediation_steps="Grant only the actions and resources the principal needs (start from IAM Access "
    "Analyzer's generated policy); keep break-glass administrator access in a separate, monitored role.",
    url="https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-1",
)

POLICIES = [no_wildcard_admin]
