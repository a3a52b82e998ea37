"""Declare policies for given resource types; the result is an ordinary ``pulumi_policy`` policy.

``resource_policy`` and ``stack_policy`` return plain ``ResourceValidationPolicy`` /
``StackValidationPolicy`` instances, so a pack written with them runs unchanged under
``pulumi_policy``'s own server. The type filter is applied twice, with the same outcome:

* under policy-host, the host reads ``__policy_host_resource_types__`` and reports a non-matching
  resource not-applicable without decoding it (the fast path);
* under ``pulumi_policy``, a guard placed in front of the author's functions calls
  ``args.not_applicable(<same reason>)``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pulumi_policy import (
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from ._errors import PolicyDefinitionError
from ._metadata import (
    FrameworkLike,
    LevelLike,
    SchemaLike,
    SeverityLike,
    normalize_framework,
    normalize_level,
    normalize_schema,
    normalize_severity,
    normalize_tags,
    normalize_text,
)
from .types import RESOURCE_TYPES_ATTR, not_applicable_reason, resolve_types

__all__ = ["resource_policy", "stack_policy"]

ResourceValidationFn = Callable[[ResourceValidationArgs, ReportViolation], Any]
ResourceRemediationFn = Callable[[ResourceValidationArgs], Any]
StackValidationFn = Callable[[StackValidationArgs, ReportViolation], Any]


def _no_violation(message: str, urn: str | None = None) -> None:
    """The report callback a validate-remediate function gets when it runs as a remediation."""


def _metadata(
    name: str,
    level: LevelLike | None,
    severity: SeverityLike | None,
    framework: FrameworkLike | None,
    tags: Sequence[str] | None,
    remediation_steps: str | None,
    url: str | None,
    config_schema: SchemaLike | None,
    display_name: str | None,
) -> dict[str, Any]:
    return {
        "enforcement_level": normalize_level(level, policy=name),
        "severity": normalize_severity(severity, policy=name),
        "framework": normalize_framework(framework, policy=name),
        "tags": normalize_tags(tags, policy=name),
        "remediation_steps": normalize_text(remediation_steps, policy=name, field="remediation_steps"),
        "url": normalize_text(url, policy=name, field="url"),
        "config_schema": normalize_schema(config_schema, policy=name),
        "display_name": normalize_text(display_name, policy=name, field="display_name"),
    }


def _check_identity(name: Any, description: Any) -> None:
    if not isinstance(name, str) or not name:
        raise PolicyDefinitionError(f"a policy name must be a non-empty string, got {name!r}")
    if not isinstance(description, str) or not description:
        raise PolicyDefinitionError(f"policy '{name}': description must be a non-empty string")


def _check_callable(name: str, field: str, fn: Any) -> None:
    if not callable(fn):
        raise PolicyDefinitionError(f"policy '{name}': {field} must be callable, got {fn!r}")


def resource_policy(
    name: str,
    description: str,
    *,
    types: Iterable[str | type],
    validate: ResourceValidationFn | Sequence[ResourceValidationFn] | None = None,
    remediate: ResourceRemediationFn | None = None,
    validate_remediate: ResourceValidationFn | None = None,
    level: LevelLike | None = None,
    severity: SeverityLike | None = None,
    framework: FrameworkLike | None = None,
    tags: Sequence[str] | None = None,
    remediation_steps: str | None = None,
    url: str | None = None,
    config_schema: SchemaLike | None = None,
    display_name: str | None = None,
) -> ResourceValidationPolicy:
    """Declare a resource policy that applies only to resources of the given ``types``.

    ``types`` are type tokens (``"aws:s3/bucket:Bucket"``) or provider SDK resource classes.
    ``validate`` (one function or a list), ``remediate`` and ``validate_remediate`` have the
    ``pulumi_policy`` signatures and semantics; they are only called for matching resources. ``level``
    and ``severity`` accept strings or the SDK enums; ``framework`` accepts ``(name, version,
    reference[, specification])``; ``config_schema`` accepts ``{"properties": ..., "required": ...}``.
    Any bad value raises :class:`PolicyDefinitionError` here, naming the policy.

    Returns a plain ``pulumi_policy.ResourceValidationPolicy`` carrying
    ``__policy_host_resource_types__`` (a frozenset of the type tokens).
    """
    _check_identity(name, description)
    tokens = resolve_types(types, policy=name)
    reason = not_applicable_reason(tokens)
    meta = _metadata(
        name, level, severity, framework, tags, remediation_steps, url, config_schema, display_name
    )

    if validate_remediate is not None and (validate is not None or remediate is not None):
        raise PolicyDefinitionError(
            f"policy '{name}': validate_remediate cannot be combined with validate or remediate"
        )
    if validate is None and remediate is None and validate_remediate is None:
        raise PolicyDefinitionError(f"policy '{name}': pass validate, remediate or validate_remediate")

    def only_declared_types(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in tokens:
            args.not_applicable(reason)

    def guard_remediation(fn: ResourceRemediationFn) -> ResourceRemediationFn:
        @functools.wraps(fn)
        def remediate_declared_types(args: ResourceValidationArgs) -> Any:
            if args.resource_type not in tokens:
                args.not_applicable(reason)
            return fn(args)

        return remediate_declared_types

    validators: list[ResourceValidationFn] | None = None
    remediator: ResourceRemediationFn | None = None
    if validate_remediate is not None:
        _check_callable(name, "validate_remediate", validate_remediate)
        fn = validate_remediate
        # The same function validates and, given a no-op report callback, remediates (SDK semantics).
        validators = [only_declared_types, fn]
        remediator = guard_remediation(functools.wraps(fn)(lambda args: fn(args, _no_violation)))
    else:
        if validate is not None:
            fns = list(validate) if isinstance(validate, Sequence) else [validate]
            if not fns:
                raise PolicyDefinitionError(f"policy '{name}': validate must not be an empty list")
            for fn in fns:
                _check_callable(name, "validate", fn)
            # A list, so pulumi_policy's list semantics apply: a not_applicable raised by the guard
            # stops the author's functions from running at all.
            validators = [only_declared_types, *fns]
        if remediate is not None:
            _check_callable(name, "remediate", remediate)
            remediator = guard_remediation(remediate)

    try:
        policy = ResourceValidationPolicy(
            name, description, validate=validators, remediate=remediator, **meta
        )
    except TypeError as e:
        raise PolicyDefinitionError(f"policy '{name}': {e}") from None
    setattr(policy, RESOURCE_TYPES_ATTR, tokens)
    return policy


def stack_policy(
    name: str,
    description: str,
    *,
    validate: StackValidationFn,
    types: Iterable[str | type] | None = None,
    level: LevelLike | None = None,
    severity: SeverityLike | None = None,
    framework: FrameworkLike | None = None,
    tags: Sequence[str] | None = None,
    remediation_steps: str | None = None,
    url: str | None = None,
    config_schema: SchemaLike | None = None,
    display_name: str | None = None,
) -> StackValidationPolicy:
    """Declare a stack policy, optionally over resources of the given ``types`` only.

    With ``types``, ``validate`` receives ``StackValidationArgs`` whose ``resources`` are only those of
    the given types (same config and stack tags), and a stack with none of them is reported
    not-applicable without calling ``validate``. The policy carries ``__policy_host_resource_types__``
    in that case. Other arguments are as for :func:`resource_policy`.
    """
    _check_identity(name, description)
    _check_callable(name, "validate", validate)
    meta = _metadata(
        name, level, severity, framework, tags, remediation_steps, url, config_schema, display_name
    )

    tokens: frozenset[str] | None = None
    validator: StackValidationFn = validate
    if types is not None:
        tokens = resolve_types(types, policy=name)
        reason = not_applicable_reason(tokens, stack=True)
        selected_types = tokens

        @functools.wraps(validate)
        def validate_declared_types(args: StackValidationArgs, report_violation: ReportViolation) -> Any:
            selected = [r for r in args.resources if r.resource_type in selected_types]
            if not selected:
                args.not_applicable(reason)
            return validate(
                StackValidationArgs(selected, args.get_config(), args.stack_tags), report_violation
            )

        validator = validate_declared_types

    try:
        policy = StackValidationPolicy(name, description, validate=validator, **meta)
    except TypeError as e:
        raise PolicyDefinitionError(f"policy '{name}': {e}") from None
    if tokens is not None:
        setattr(policy, RESOURCE_TYPES_ATTR, tokens)
    return policy
