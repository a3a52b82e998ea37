"""Read ``kubectl get ... -o json`` output: one object, a ``List``, a typed list (``DeploymentList``),
or several JSON documents one after another (``kubectl get a -o json; kubectl get b -o json > f``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...errors import InputError


def _documents(text: str, where: str) -> Iterator[Any]:
    decoder = json.JSONDecoder()
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
        yield value


def flatten(value: Any, where: str) -> Iterator[dict[str, Any]]:
    """Objects inside ``value``; items of typed lists get the kind and apiVersion the list implies."""
    if isinstance(value, list):
        for v in value:
            yield from flatten(v, where)
        return
    if not isinstance(value, dict):
        raise InputError(f"{where}: expected Kubernetes objects, found a JSON {type(value).__name__}")
    kind = value.get("kind", "")
    if "items" in value and (kind == "List" or kind.endswith("List") or not kind):
        item_kind = kind[: -len("List")] if kind.endswith("List") and kind != "List" else None
        for item in value.get("items") or []:
            if isinstance(item, dict) and item_kind and "kind" not in item:
                item = {"apiVersion": value.get("apiVersion", "v1"), "kind": item_kind, **item}
            yield from flatten(item, where)
        return
    yield value


def parse_dump(text: str, where: str = "<dump>") -> list[dict[str, Any]]:
    """Every object in a dump's text; ``where`` names the source in error messages."""
    return [obj for doc in _documents(text, where) for obj in flatten(doc, where)]


def read_dump(path: str | Path) -> list[dict[str, Any]]:
    """Every object in a dump file. A missing or malformed file is an InputError naming it."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{p}: cannot read Kubernetes dump: {exc.strerror or exc}") from None
    return parse_dump(text, str(p))
