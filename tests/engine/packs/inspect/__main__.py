"""Reports what it sees, as JSON in violation messages, so tests can check what the engine sent."""

import json
import os
import sys

import pulumi
from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ResourceValidationPolicy,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError


def plain(value):
    """Proxies -> JSON-able values; unknowns become "<unknown>"; assets/archives their class name."""
    if isinstance(value, (pulumi.Asset, pulumi.Archive)):
        return type(value).__name__
    if hasattr(value, "keys"):
        out = {}
        for k in value.keys():
            try:
                out[k] = plain(value[k])
            except UnknownValueError:
                out[k] = "<unknown>"
        return out
    if isinstance(value, (list, tuple)) or type(value).__name__ == "_ListProxy":
        out = []
        for i in range(len(value)):
            try:
                out.append(plain(value[i]))
            except UnknownValueError:
                out.append("<unknown>")
        return out
    return value


def echo_resource(args, report_violation):
    report_violation(
        json.dumps(
            {
                "type": args.resource_type,
                "name": args.name,
                "urn": args.urn,
                "props": plain(args.props),
                "protect": args.opts.protect,
                "ignore_changes": list(args.opts.ignore_changes),
                "parent": args.opts.parent,
                "provider": None
                if args.provider is None
                else {
                    "type": args.provider.resource_type,
                    "urn": args.provider.urn,
                    "props": plain(args.provider.props),
                },
            },
            sort_keys=True,
        )
    )


def strict_value(args, report_violation):
    # Reading an unknown value raises inside the SDK, which reports "can't run policy ... during preview".
    if "value" in args.props.keys():
        report_violation(f"value is {args.props['value']}")


def echo_env(args, report_violation):
    if args.resource_type != "pulumi:pulumi:Stack":
        return
    env = {k: v for k, v in os.environ.items() if k.startswith("PULUMI_") and k != "PULUMI_PYTHON_CMD"}
    report_violation(
        json.dumps(
            {
                "env": env,
                "cwd": os.getcwd(),
                "argv": sys.argv,
                "project": pulumi.get_project(),
                "stack": pulumi.get_stack(),
                "dry_run": pulumi.runtime.is_dry_run(),
                "config": args.get_config(),
            },
            sort_keys=True,
        )
    )


def echo_stack(args, report_violation):
    for r in args.resources:
        report_violation(
            json.dumps(
                {
                    "urn": r.urn,
                    "parent": r.parent.urn if r.parent is not None else None,
                    "dependencies": [d.urn for d in r.dependencies],
                    "property_dependencies": {
                        k: [d.urn for d in v] for k, v in r.property_dependencies.items()
                    },
                    "provider": None if r.provider is None else r.provider.urn,
                    "props": plain(r.props),
                },
                sort_keys=True,
            ),
            r.urn,
        )


print("inspect pack loaded", file=sys.stderr)

PolicyPack(
    name="inspect",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[
        ResourceValidationPolicy(
            name="echo-resource", description="Echoes the resource.", validate=echo_resource
        ),
        ResourceValidationPolicy(name="strict-value", description="Reads value.", validate=strict_value),
        ResourceValidationPolicy(name="echo-env", description="Echoes the environment.", validate=echo_env),
        StackValidationPolicy(name="echo-stack", description="Echoes the stack.", validate=echo_stack),
    ],
)
