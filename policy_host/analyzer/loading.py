"""Loading the packs a host serves: in this process, or isolated in their own environment and process."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..evaluate import prepare
from ..model import StackContext
from ..packs.loader import load_pack

log = logging.getLogger("policy_host.analyzer")


def stack_from_environment() -> StackContext:
    """The stack as the engine describes it in language-host mode (PULUMI_* variables)."""
    import json

    config: dict[str, str] = {}
    raw = os.environ.get("PULUMI_CONFIG")
    if raw:
        try:
            loaded = json.loads(raw)
            if isinstance(loaded, dict):
                config = {str(k): str(v) for k, v in loaded.items()}
        except ValueError:
            log.warning("PULUMI_CONFIG is not valid JSON; ignoring it")
    return StackContext(
        organization=os.environ.get("PULUMI_ORGANIZATION", ""),
        project=os.environ.get("PULUMI_PROJECT", ""),
        stack=os.environ.get("PULUMI_STACK", ""),
        dry_run=os.environ.get("PULUMI_DRY_RUN", "") == "true",
        config=config,
    )


def load_served_pack(
    pack_dir: str | Path,
    stack: StackContext | None = None,
    *,
    isolate: bool = False,
    policy_timeout: float | None = None,
    in_pack_environment: bool = False,
) -> Any:
    """A pack ready to serve: in this process, or (when the host's environment does not satisfy its
    requirements.txt, or ``isolate``) in its own virtualenv and process behind the host."""
    from .isolated import IsolatedPack, ensure_environment, unmet_requirements

    if in_pack_environment:
        return prepare(load_pack(pack_dir))
    unmet = unmet_requirements(pack_dir)
    if isolate or unmet:
        if unmet:
            log.info(
                "policy pack %s needs %s: serving it from its own environment", pack_dir, ", ".join(unmet)
            )
        return IsolatedPack(
            pack_dir, ensure_environment(pack_dir), stack or stack_from_environment(), policy_timeout
        )
    return prepare(load_pack(pack_dir))


def load_packs(
    pack_dirs: Sequence[str | Path],
    *,
    isolate: bool = False,
    policy_timeout: float | None = None,
    in_pack_environment: bool = False,
) -> list[Any]:
    """Load packs to serve (in-process ones isolated from each other's modules)."""
    return [
        load_served_pack(
            d, isolate=isolate, policy_timeout=policy_timeout, in_pack_environment=in_pack_environment
        )
        for d in pack_dirs
    ]
