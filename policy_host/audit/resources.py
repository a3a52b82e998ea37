"""Between ``policy_host.model.Resource`` and what a version row stores.

A discovered resource is its type, URN, name and input-shaped properties; nothing else is needed to judge
it. A stack resource also carries outputs (for stack policies), options, parent, dependencies and its
provider reference: those go into the version's ``extra`` so that audit of a stack's latest state judges
exactly what preventative analysis of that state would (``sources.stack_export``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..model import CustomTimeouts, ProviderRef, Resource, ResourceOptions
from ..sources.stack_export import strip_internal_keys


def stack_extra(inputs: Resource | None, outputs: Resource) -> dict[str, Any]:
    """What a stack resource keeps beside its inputs (values still in wire form, not yet sealed)."""
    opts = outputs.options
    extra: dict[str, Any] = {
        "outputs": outputs.properties,
        "external": inputs is None,
        "options": {
            "protect": opts.protect,
            "ignoreChanges": list(opts.ignore_changes),
            "deleteBeforeReplace": opts.delete_before_replace,
            "aliases": list(opts.aliases),
            "customTimeouts": asdict(opts.custom_timeouts) if opts.custom_timeouts else None,
            "additionalSecretOutputs": list(opts.additional_secret_outputs),
        },
        "parent": outputs.parent,
        "dependencies": list(outputs.dependencies),
        "propertyDependencies": {k: list(v) for k, v in outputs.property_dependencies.items()},
    }
    if outputs.provider is not None:
        p = outputs.provider
        extra["provider"] = {"type": p.type, "urn": p.urn, "name": p.name, "properties": p.properties}
    return extra


def _options(data: dict[str, Any], parent: str | None) -> ResourceOptions:
    ct = data.get("customTimeouts")
    return ResourceOptions(
        protect=bool(data.get("protect", False)),
        ignore_changes=tuple(data.get("ignoreChanges") or ()),
        delete_before_replace=data.get("deleteBeforeReplace"),
        aliases=tuple(data.get("aliases") or ()),
        custom_timeouts=CustomTimeouts(**ct) if isinstance(ct, dict) else None,
        additional_secret_outputs=tuple(data.get("additionalSecretOutputs") or ()),
        parent=parent,
    )


def _provider(data: dict[str, Any] | None) -> ProviderRef | None:
    if not data:
        return None
    return ProviderRef(
        type=data["type"], urn=data["urn"], name=data["name"], properties=dict(data.get("properties") or {})
    )


def to_resources(
    type_: str, urn: str, name: str, properties: dict[str, Any], extra: dict[str, Any] | None
) -> tuple[Resource | None, Resource]:
    """(what Analyze judges, what AnalyzeStack judges) for a stored version.

    Discovered resources are judged on their properties in both. Stack resources: Analyze gets the inputs
    with internal ``__`` keys stripped (as the engine sends them), None for resources the stack only
    reads; AnalyzeStack gets the outputs.
    """
    if extra is None:
        res = Resource(type=type_, urn=urn, name=name, properties=properties)
        return res, res
    parent = extra.get("parent")
    common = {
        "type": type_,
        "urn": urn,
        "name": name,
        "options": _options(extra.get("options") or {}, parent),
        "provider": _provider(extra.get("provider")),
        "parent": parent,
        "dependencies": tuple(extra.get("dependencies") or ()),
        "property_dependencies": {k: tuple(v) for k, v in (extra.get("propertyDependencies") or {}).items()},
    }
    outputs = Resource(properties=dict(extra.get("outputs") or {}), **common)
    if extra.get("external"):
        return None, outputs
    return Resource(properties=strip_internal_keys(properties), **common), outputs
