"""Server reflection under both service names: `grpc.reflection.v1`, which current tools ask
first (grpcurl, Postman, grpcui, Kreya), and `grpc.reflection.v1alpha` for older ones.

grpcio-reflection implements only v1alpha. The v1 protocol is the same messages with the same
field numbers in package `grpc.reflection.v1`, so one servicer answers both: its handler is
registered under the v1 method name too (the bytes on the wire are identical), and a v1 copy of
the reflection proto, renamed, is added to the descriptor pool so that tools can describe the v1
service like any other.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_reflection.v1alpha import reflection, reflection_pb2, reflection_pb2_grpc

V1ALPHA_SERVICE_NAME = reflection.SERVICE_NAME
V1_PACKAGE = "grpc.reflection.v1"
V1_SERVICE_NAME = f"{V1_PACKAGE}.ServerReflection"
SERVICE_NAMES = (V1_SERVICE_NAME, V1ALPHA_SERVICE_NAME)
_V1_FILE = "grpc/reflection/v1/reflection.proto"


def add_reflection(service_names: Iterable[str], server: Any) -> None:
    """Serves reflection of `service_names` (and of itself, both versions) on `server` (a
    grpc.Server, or anything with its add_registered_method_handlers)."""
    _add_v1_descriptor()
    servicer = reflection.ReflectionServicer((*service_names, *SERVICE_NAMES))
    reflection_pb2_grpc.add_ServerReflectionServicer_to_server(servicer, server)
    server.add_registered_method_handlers(
        V1_SERVICE_NAME,
        {
            "ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
                servicer.ServerReflectionInfo,
                request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
                response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
            )
        },
    )


def _add_v1_descriptor() -> None:
    pool = descriptor_pool.Default()
    try:
        pool.FindFileByName(_V1_FILE)
        return  # added before (another server in this process), or shipped by a library
    except KeyError:
        pass
    pool.AddSerializedFile(_v1_file().SerializeToString())


def _v1_file() -> descriptor_pb2.FileDescriptorProto:
    """The v1alpha reflection proto renamed to v1."""
    v1 = descriptor_pb2.FileDescriptorProto()
    reflection_pb2.DESCRIPTOR.CopyToProto(v1)
    alpha_prefix = f".{v1.package}."
    v1.name = _V1_FILE
    v1.package = V1_PACKAGE
    v1.ClearField("options")  # v1alpha's (deprecated, language packages) are not v1's

    def renamed(type_name: str) -> str:
        return type_name.replace(alpha_prefix, f".{V1_PACKAGE}.", 1)

    def rename_fields(messages: Iterable[descriptor_pb2.DescriptorProto]) -> None:
        for message in messages:
            for field in message.field:
                if field.type_name:
                    field.type_name = renamed(field.type_name)
            rename_fields(message.nested_type)

    rename_fields(v1.message_type)
    for service in v1.service:
        for method in service.method:
            method.input_type = renamed(method.input_type)
            method.output_type = renamed(method.output_type)
    return v1
