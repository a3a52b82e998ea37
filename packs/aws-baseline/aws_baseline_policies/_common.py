"""Shared helpers of the aws-baseline policies: frameworks, CIDRs, ports, policy documents."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from policy_host.sdk import props_get, remediate_props, to_plain


def cis(reference: str) -> tuple[str, str, str]:
    """A CIS AWS Foundations Benchmark 3.0.0 control."""
    return ("CIS AWS Foundations Benchmark", "3.0.0", reference)


def fsbp(reference: str) -> tuple[str, str, str]:
    """An AWS Foundational Security Best Practices control (Security Hub control id)."""
    return ("AWS Foundational Security Best Practices", "1.0.0", reference)


OPEN_IPV4 = "0.0.0.0/0"
OPEN_IPV6 = "::/0"

ADMIN_PORTS = {22: "SSH", 3389: "RDP"}

# Protocols that can carry the admin and database services; "-1"/"all" means every protocol and port.
_ALL_PROTOCOLS = {"-1", "all"}
_PORT_PROTOCOLS = {"tcp", "6", "udp", "17"}


def is_true(value: Any) -> bool:
    """Booleans arrive as booleans, but launch templates use the strings "true"/"false"."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def open_cidrs(ipv4: Iterable[Any] | None, ipv6: Iterable[Any] | None) -> list[str]:
    """The internet-wide ranges among a rule's sources."""
    found = [c for c in (ipv4 or ()) if c == OPEN_IPV4]
    found += [c for c in (ipv6 or ()) if c == OPEN_IPV6]
    return found


def ports_reached(protocol: Any, from_port: Any, to_port: Any, ports: Iterable[int]) -> list[int]:
    """Which of ``ports`` a rule with this protocol and port range lets through."""
    proto = str(protocol).lower() if protocol is not None else "-1"
    if proto in _ALL_PROTOCOLS:
        return sorted(ports)
    if proto not in _PORT_PROTOCOLS or from_port is None or to_port is None:
        return []
    low, high = int(from_port), int(to_port)
    return sorted(p for p in ports if low <= p <= high)


def num(value: Any) -> Any:
    """Numbers arrive as floats over the wire (22 -> 22.0); print whole ones without the ".0"."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def describe_ports(ports: Sequence[int], names: Mapping[int, str]) -> str:
    return ", ".join(f"{p} ({names[p]})" if p in names else str(p) for p in ports)


def policy_statements(document: Any) -> list[Mapping[str, Any]]:
    """The statements of an IAM policy document given as a JSON string or an object.

    Unparseable documents yield no statements (the provider rejects them before any harm is done).
    """
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    else:
        document = to_plain(document)
    if not isinstance(document, Mapping):
        return []
    statements = document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    return [s for s in statements if isinstance(s, Mapping)] if isinstance(statements, list) else []


def as_list(value: Any) -> list[Any]:
    """A value that may be one item or a list (IAM Action/Resource, grant permissions) as a list."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [value]
    return [value[i] for i in range(len(value))]  # indexing keeps the proxies' unknown checks


def first_of(props: Any, *paths: str) -> Any:
    """The first non-null value among alternative property paths (inline shapes differ across
    pulumi-aws versions, e.g. ``versioning`` vs ``versionings[0]``)."""
    for path in paths:
        value = props_get(props, path)
        if value is not None:
            return value
    return None


Validator = Callable[[Any, Callable[..., None]], None]


def violations(validate: Validator, args: Any) -> list[str]:
    """The messages ``validate`` reports for ``args`` (used by remediations to act only when needed)."""
    found: list[str] = []
    validate(args, lambda message, urn=None: found.append(message))
    return found


def remediation(validate: Validator, changes: Mapping[str, Any]) -> Callable[[Any], Any]:
    """A remediation applying ``changes`` only when ``validate`` finds a violation, so compliant
    resources produce no remediation event."""

    def remediate(args):
        return remediate_props(args, changes) if violations(validate, args) else None

    return remediate
