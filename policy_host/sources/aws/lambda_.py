"""Lambda functions as ``aws:lambda/function:Function``.

Environment variable values are handed over as *secrets* (wire-form secret objects): policies can
read them, and every report, log and store write redacts them. The code archive is not discoverable.
"""

from __future__ import annotations

from typing import Any

from ...wire.values import make_secret
from .props import compact, rels, tags
from .spec import DetailCall, RawResource, arn_from, aws_resource


def _relationships(raw: RawResource):
    vpc = raw.get("VpcConfig") or {}
    return (
        rels("role", raw.get("Role"))
        + rels("subnet", vpc.get("SubnetIds") or [])
        + rels("securityGroup", vpc.get("SecurityGroupIds") or [])
        + rels("kmsKey", raw.get("KMSKeyArn"))
    )


@aws_resource(
    "aws:lambda/function:Function",
    service="lambda",
    list_call="list_functions",
    result_path="Functions",
    id_field="FunctionName",
    detail_calls=(DetailCall("function", "get_function", lambda raw: {"FunctionName": raw.cloud_id}),),
    arn=arn_from("FunctionArn"),
    name_of=lambda raw: raw.cloud_id,
    relationships=_relationships,
)
def function_props(raw: RawResource) -> dict[str, Any]:
    """``aws:lambda/function:Function`` inputs."""
    vpc = raw.get("VpcConfig") or {}
    variables = raw.get("Environment.Variables")
    logging = raw.get("LoggingConfig") or {}
    props: dict[str, Any] = {
        "name": raw.cloud_id,
        "role": raw.get("Role"),
        "runtime": raw.get("Runtime"),
        "handler": raw.get("Handler"),
        "description": raw.get("Description"),
        "memorySize": raw.get("MemorySize"),
        "timeout": raw.get("Timeout"),
        "packageType": raw.get("PackageType"),
        "architectures": raw.get("Architectures"),
        "kmsKeyArn": raw.get("KMSKeyArn"),
        "layers": [layer["Arn"] for layer in raw.get("Layers") or []] or None,
        "environment": {"variables": {k: make_secret(v) for k, v in sorted(variables.items())}}
        if variables
        else None,
        "vpcConfig": {
            "subnetIds": sorted(vpc.get("SubnetIds") or []),
            "securityGroupIds": sorted(vpc.get("SecurityGroupIds") or []),
        }
        if vpc.get("SubnetIds")
        else None,
        "tracingConfig": compact({"mode": raw.get("TracingConfig.Mode")}) or None,
        "deadLetterConfig": compact({"targetArn": raw.get("DeadLetterConfig.TargetArn")}) or None,
        "ephemeralStorage": compact({"size": raw.get("EphemeralStorage.Size")}) or None,
        "loggingConfig": compact(
            {
                "logFormat": logging.get("LogFormat"),
                "logGroup": logging.get("LogGroup"),
                "applicationLogLevel": logging.get("ApplicationLogLevel"),
                "systemLogLevel": logging.get("SystemLogLevel"),
            }
        )
        or None,
        "imageUri": raw.detail("function", "Code.ImageUri"),
        "reservedConcurrentExecutions": raw.detail("function", "Concurrency.ReservedConcurrentExecutions"),
    }
    if "function" in raw.details:
        props["tags"] = tags(raw.detail("function", "Tags"))
    return compact(props)
