"""Lambda: functions must not run on deprecated runtimes."""

from __future__ import annotations

from policy_host.sdk import props_get, resource_policy

from ._common import fsbp

FUNCTION = "aws:lambda/function:Function"

# Runtimes AWS has deprecated (no more security patches), as published in the Lambda runtime
# deprecation schedule. Extend through config as further runtimes reach end of support.
DEPRECATED_RUNTIMES = [
    "dotnet5.0",
    "dotnet6",
    "dotnet7",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "go1.x",
    "java8",
    "nodejs",
    "nodejs4.3",
    "nodejs4.3-edge",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "nodejs16.x",
    "nodejs18.x",
    "provided",
    "python2.7",
    "python3.6",
    "python3.7",
    "python3.8",
    "python3.9",
    "ruby2.5",
    "ruby2.7",
]

RUNTIME_SCHEMA = {
    "properties": {
        "deprecatedRuntimes": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "default": DEPRECATED_RUNTIMES,
            "description": "Runtime identifiers that must not be used.",
        }
    }
}


def check_runtime(args, report_violation) -> None:
    runtime = props_get(args.props, "runtime")
    if runtime is None:
        return  # container image functions have no managed runtime
    if runtime in args.get_config().get("deprecatedRuntimes", DEPRECATED_RUNTIMES):
        report_violation(f"Runtime '{runtime}' is deprecated and no longer receives security patches.")


supported_runtime = resource_policy(
    "lambda-supported-runtime",
    "Lambda functions must use a runtime that AWS still supports.",
    types=[FUNCTION],
    validate=check_runtime,
    severity="medium",
    framework=fsbp("Lambda.2"),
    tags=["lambda"],
    config_schema=RUNTIME_SCHEMA,
    remediation_steps="Move the function to a supported runtime (e.g. nodejs22.x, python3.13, java21, "
    "dotnet8, provided.al2023), test it, and update the runtime property.",
    url="https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html",
)

POLICIES = [supported_runtime]
