"""Fast conversion between ``google.protobuf.Struct`` and plain Python values.

``json_format.MessageToDict`` walks descriptors generically; this walks the Struct oneof directly and
is about a third cheaper, which matters because Analyze decodes every resource. Semantics match
MessageToDict for Struct: numbers are floats, null is None.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import struct_pb2


def _value(v: struct_pb2.Value) -> Any:
    kind = v.WhichOneof("kind")
    if kind == "string_value":
        return v.string_value
    if kind == "number_value":
        return v.number_value
    if kind == "bool_value":
        return v.bool_value
    if kind == "struct_value":
        return {k: _value(x) for k, x in v.struct_value.fields.items()}
    if kind == "list_value":
        return [_value(x) for x in v.list_value.values]
    return None


def struct_to_python(s: struct_pb2.Struct) -> dict[str, Any]:
    """Convert a Struct into a dict of plain values (floats for numbers)."""
    return {k: _value(v) for k, v in s.fields.items()}


def python_to_struct(value: dict[str, Any] | None, out: struct_pb2.Struct | None = None) -> struct_pb2.Struct:
    """Convert a dict of JSON-like values into a Struct (ints become doubles, as on the wire)."""
    s = out if out is not None else struct_pb2.Struct()
    if value:
        s.update(value)
    return s
