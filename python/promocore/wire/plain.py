"""Protobuf messages <-> plain Python values, for the client and the CLI.

Unlike protobuf's JSON mapping, integers stay integers (money is int64 minor units), timestamps
become timezone-aware datetimes, enums become their names, and every `<name>_json` string field
appears as `<name>` holding the decoded JSON value (rules, attributes, metadata).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import orjson
from google.protobuf import timestamp_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from promocore.errors import InvalidArgumentError

M = TypeVar("M", bound=Message)
JSON_SUFFIX = "_json"


def _plain_name(field: FieldDescriptor) -> str:
    is_json = field.type == FieldDescriptor.TYPE_STRING and field.name.endswith(JSON_SUFFIX)
    return field.name[: -len(JSON_SUFFIX)] if is_json else field.name


def descriptor_of(message: Message | type[Message]) -> Descriptor:
    """A message's descriptor. (protobuf's stubs type descriptors as the pure-Python or the upb
    class; at run time the upb one is google.protobuf.descriptor's.)"""
    return cast(Descriptor, message.DESCRIPTOR)


def fields_of(message: Message) -> list[FieldDescriptor]:
    """A message's fields (typed as descriptor_of says)."""
    return cast(list[FieldDescriptor], list(descriptor_of(message).fields))


def to_plain(message: Message) -> dict[str, Any]:
    """Every field of the message: scalars with their defaults, set sub-messages and oneofs."""
    if isinstance(message, timestamp_pb2.Timestamp):
        raise TypeError("a Timestamp is a value, not a record")
    plain: dict[str, Any] = {}
    for field in fields_of(message):
        value = getattr(message, field.name)
        name = _plain_name(field)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            plain[name] = {k: _value_to_plain(value_field, v) for k, v in value.items()}
        elif field.is_repeated:
            plain[name] = [_value_to_plain(field, item) for item in value]
        elif field.has_presence and not message.HasField(field.name):
            if _is_optional_scalar(field):
                plain[name] = None  # unset, e.g. an absent limit (0 would be a limit of zero)
        else:
            plain[name] = _value_to_plain(field, value)
    return plain


def _is_optional_scalar(field: FieldDescriptor) -> bool:
    """A proto3 `optional` scalar (its presence is modelled as a one-field synthetic oneof)."""
    oneof = field.containing_oneof
    return field.message_type is None and oneof is not None and oneof.name == f"_{field.name}"


def _value_to_plain(field: FieldDescriptor, value: Any) -> Any:
    if field.message_type is not None:
        if field.message_type.full_name == "google.protobuf.Timestamp":
            return value.ToDatetime(tzinfo=UTC)
        return to_plain(value)
    if field.enum_type is not None:
        return (
            field.enum_type.values_by_number[value].name
            if value in field.enum_type.values_by_number
            else value
        )
    if _plain_name(field) != field.name:
        return orjson.loads(value) if value else None
    return value


def from_plain(message_type: type[M], values: dict[str, Any] | M, path: str = "") -> M:
    """Builds a message from plain values; unknown keys and wrong types name their path."""
    if isinstance(values, message_type):
        return values
    message = message_type()
    _fill(message, cast(dict[str, Any], values), path)
    return message


def _fill(message: Message, values: dict[str, Any], path: str) -> None:
    if not isinstance(values, dict):
        raise InvalidArgumentError(path or "request", "expected a mapping")
    fields = _fields_by_plain_name(descriptor_of(message))
    for key, value in values.items():
        field_path = f"{path}.{key}" if path else key
        field = fields.get(key)
        if field is None:
            raise InvalidArgumentError(field_path, "unknown field")
        if value is None:
            continue
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            getattr(message, field.name).update(value)
        elif field.is_repeated:
            if not isinstance(value, list | tuple):
                raise InvalidArgumentError(field_path, "expected a list")
            container = getattr(message, field.name)
            for index, item in enumerate(value):
                item_path = f"{field_path}[{index}]"
                if field.message_type is not None:
                    _fill(container.add(), item, item_path)
                else:
                    container.append(_scalar(field, item, item_path))
        elif field.message_type is not None:
            target = getattr(message, field.name)
            if field.message_type.full_name == "google.protobuf.Timestamp":
                target.CopyFrom(_timestamp(value, field_path))
            elif isinstance(value, Message):
                target.CopyFrom(value)
            else:
                _fill(target, value, field_path)
                target.SetInParent()
        else:
            setattr(message, field.name, _scalar(field, value, field_path))


def _fields_by_plain_name(descriptor: Descriptor) -> dict[str, FieldDescriptor]:
    fields = {field.name: field for field in descriptor.fields}
    fields.update({_plain_name(field): field for field in descriptor.fields})
    return fields


def _scalar(field: FieldDescriptor, value: Any, path: str) -> Any:
    if field.enum_type is not None:
        if isinstance(value, str):
            enum_value = field.enum_type.values_by_name.get(value.upper())
            if enum_value is None:
                names = ", ".join(v.name for v in field.enum_type.values if v.number)
                raise InvalidArgumentError(path, f"unknown value {value!r}; one of {names}")
            return enum_value.number
        return value
    if field.type == FieldDescriptor.TYPE_STRING and field.name.endswith(JSON_SUFFIX):
        # Given under its plain name, a JSON field holds a value to encode; a string given under
        # the `_json` name is taken as already-encoded JSON.
        if isinstance(value, str) and path.endswith(JSON_SUFFIX):
            return value
        return orjson.dumps(value).decode()
    if field.cpp_type in _INTEGER_TYPES and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidArgumentError(path, f"expected an integer, got {type(value).__name__}")
    return value


_INTEGER_TYPES = {
    FieldDescriptor.CPPTYPE_INT32,
    FieldDescriptor.CPPTYPE_INT64,
    FieldDescriptor.CPPTYPE_UINT32,
    FieldDescriptor.CPPTYPE_UINT64,
}


def _timestamp(value: Any, path: str) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidArgumentError(path, "datetime must be timezone-aware")
        stamp.FromDatetime(value)
    elif isinstance(value, str):
        try:
            stamp.FromJsonString(value)
        except ValueError as error:
            raise InvalidArgumentError(path, f"not an RFC 3339 time: {error}") from None
    else:
        raise InvalidArgumentError(path, "expected a datetime or an RFC 3339 string")
    return stamp
