"""Security groups and network ACLs that open administration or database ports to the internet.

Rules arrive in four shapes: inline ``ingress`` blocks on ``aws:ec2/securityGroup:SecurityGroup`` and
``DefaultSecurityGroup``, ``aws:ec2/securityGroupRule:SecurityGroupRule`` (``type: ingress``), and
``aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule`` (one CIDR per rule, ``ipProtocol``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from policy_host.sdk import props_get, resource_policy

from ._common import ADMIN_PORTS, as_list, cis, describe_ports, fsbp, num, open_cidrs, ports_reached

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_TYPES = [SECURITY_GROUP, DEFAULT_SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE]

NETWORK_ACL = "aws:ec2/networkAcl:NetworkAcl"
DEFAULT_NETWORK_ACL = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"
NETWORK_ACL_RULE = "aws:ec2/networkAclRule:NetworkAclRule"

DATABASE_PORTS = {
    1433: "SQL Server",
    1521: "Oracle",
    2483: "Oracle",
    2484: "Oracle TLS",
    3306: "MySQL",
    5432: "PostgreSQL",
    5439: "Redshift",
    6379: "Redis",
    9042: "Cassandra",
    9200: "Elasticsearch",
    9300: "Elasticsearch",
    11211: "Memcached",
    27017: "MongoDB",
}


def ingress_rules(args) -> Iterable[tuple[Any, Any, Any, list[str]]]:
    """(protocol, fromPort, toPort, internet-wide sources) for every ingress rule of the resource."""
    p = args.props
    if args.resource_type == SECURITY_GROUP_RULE:
        if props_get(p, "type") != "ingress":
            return
        sources = open_cidrs(as_list(props_get(p, "cidrBlocks")), as_list(props_get(p, "ipv6CidrBlocks")))
        yield props_get(p, "protocol"), props_get(p, "fromPort"), props_get(p, "toPort"), sources
    elif args.resource_type == INGRESS_RULE:
        sources = open_cidrs([props_get(p, "cidrIpv4")], [props_get(p, "cidrIpv6")])
        yield props_get(p, "ipProtocol"), props_get(p, "fromPort"), props_get(p, "toPort"), sources
    else:
        for rule in as_list(props_get(p, "ingress")):
            sources = open_cidrs(
                as_list(props_get(rule, "cidrBlocks")), as_list(props_get(rule, "ipv6CidrBlocks"))
            )
            yield props_get(rule, "protocol"), props_get(rule, "fromPort"), props_get(rule, "toPort"), sources


def _report_open_ports(args, report_violation, ports: Mapping[int, str], what: str) -> None:
    for protocol, from_port, to_port, sources in ingress_rules(args):
        if not sources:
            continue
        reached = ports_reached(protocol, from_port, to_port, ports)
        if reached:
            scope = (
                "all protocols and ports"
                if str(protocol) in ("-1", "all")
                else f"protocol {protocol}, ports {num(from_port)}-{num(to_port)}"
            )
            report_violation(
                f"Ingress from {' and '.join(sources)} reaches {what} port(s) {describe_ports(reached, ports)} "
                f"({scope})."
            )


def check_admin_ports(args, report_violation) -> None:
    _report_open_ports(args, report_violation, ADMIN_PORTS, "remote administration")


no_public_admin_ports = resource_policy(
    "ec2-security-group-no-public-admin-ports",
    "Security groups must not allow ingress from 0.0.0.0/0 or ::/0 to SSH (22) or RDP (3389).",
    types=SG_TYPES,
    validate=check_admin_ports,
    severity="high",
    level="mandatory",
    framework=cis("5.2, 5.3"),
    tags=["ec2", "network"],
    remediation_steps="Restrict the rule's source to known CIDRs or a bastion security group, or drop the "
    "rule and use AWS Systems Manager Session Manager (or EC2 Instance Connect Endpoint) for shell access.",
    url="https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-53",
)

DATABASE_SCHEMA = {
    "properties": {
        "ports": {
            "type": "array",
            "items": {"type": "integer", "minimum": 0, "maximum": 65535},
            "default": sorted(DATABASE_PORTS),
            "description": "Database and cache ports that must not be reachable from the internet.",
        }
    }
}


def check_database_ports(args, report_violation) -> None:
    ports = {
        int(p): DATABASE_PORTS.get(int(p), "database") for p in args.get_config().get("ports", DATABASE_PORTS)
    }
    _report_open_ports(args, report_violation, ports, "database")


no_public_database_ports = resource_policy(
    "ec2-security-group-no-public-database-ports",
    "Security groups must not allow ingress from 0.0.0.0/0 or ::/0 to database or cache ports.",
    types=SG_TYPES,
    validate=check_database_ports,
    severity="high",
    framework=fsbp("EC2.19"),
    tags=["ec2", "network", "database"],
    config_schema=DATABASE_SCHEMA,
    remediation_steps="Allow database ports only from the application's security group or private CIDRs; "
    "reach databases from outside through a VPN, Session Manager port forwarding or a bastion.",
    url="https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-19",
)


def _acl_entries(args) -> list[dict[str, Any]]:
    """Ingress entries as dicts of action, protocol, ports, sources and rule number."""
    p = args.props
    if args.resource_type == NETWORK_ACL_RULE:
        if props_get(p, "egress", False) is True:
            return []
        rules = [(p, "ruleAction")]
    else:
        rules = [(r, "action") for r in as_list(props_get(p, "ingress"))]
    entries = []
    for rule, action_key in rules:
        entries.append(
            {
                "action": str(props_get(rule, action_key, "")).lower(),
                "protocol": props_get(rule, "protocol"),
                "from": props_get(rule, "fromPort"),
                "to": props_get(rule, "toPort"),
                "sources": open_cidrs([props_get(rule, "cidrBlock")], [props_get(rule, "ipv6CidrBlock")]),
                "number": props_get(rule, "ruleNo", 0),
            }
        )
    return entries


def check_nacl_admin_ports(args, report_violation) -> None:
    # Network ACL entries are evaluated in rule-number order and the first match decides, so an earlier
    # deny from the internet protects the port; a separate NetworkAclRule can only be judged on its own.
    entries = sorted(_acl_entries(args), key=lambda e: e["number"])
    for port, service in ADMIN_PORTS.items():
        for entry in entries:
            if entry["sources"] and ports_reached(entry["protocol"], entry["from"], entry["to"], [port]):
                if entry["action"] == "allow":
                    report_violation(
                        f"Rule {num(entry['number'])} allows {' and '.join(entry['sources'])} to port {port} ({service})."
                    )
                break


nacl_no_public_admin_ports = resource_policy(
    "ec2-nacl-no-public-admin-ports",
    "Network ACLs must not allow ingress from 0.0.0.0/0 or ::/0 to SSH (22) or RDP (3389).",
    types=[NETWORK_ACL, DEFAULT_NETWORK_ACL, NETWORK_ACL_RULE],
    validate=check_nacl_admin_ports,
    severity="medium",
    framework=cis("5.1"),
    tags=["ec2", "network"],
    remediation_steps="Add deny entries for ports 22 and 3389 from 0.0.0.0/0 and ::/0 with lower rule numbers "
    "than the broad allow entries, or narrow the allow entries to the ports the subnet serves.",
    url="https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-21",
)

POLICIES = [no_public_admin_ports, no_public_database_ports, nacl_no_public_admin_ports]
