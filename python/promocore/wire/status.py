"""PromocoreError <-> gRPC status with structured details, for the server and the client.

A field error travels as google.rpc.BadRequest (field path + description); a reason code as
google.rpc.ErrorInfo (reason, domain "promocore"). The message names the field too, so plain
gRPC tools (grpcurl) show it without decoding details.
"""

from __future__ import annotations

from typing import cast

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from promocore.errors import (
    BY_STATUS,
    InvalidArgumentError,
    PromocoreError,
    ResourceExhaustedError,
)
from promocore.wire.plain import descriptor_of

DOMAIN = "promocore"


def to_status(error: PromocoreError) -> grpc.Status:
    status = status_pb2.Status(code=error.status.value[0], message=error.message)
    if isinstance(error, InvalidArgumentError):
        detail = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=error.field, description=error.description
                )
            ]
        )
        status.details.add().Pack(detail)
    if error.reason:
        status.details.add().Pack(error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN))
    if isinstance(error, ResourceExhaustedError) and error.retry_after_ms:
        retry = error_details_pb2.RetryInfo()
        retry.retry_delay.FromMilliseconds(error.retry_after_ms)
        status.details.add().Pack(retry)
    return rpc_status.to_status(status)


def from_rpc_error(error: grpc.RpcError) -> PromocoreError | grpc.RpcError:
    """The PromocoreError a status stands for; other statuses come back unchanged."""
    # RpcErrors raised by stubs are also grpc.Call objects: code, details, trailing metadata.
    call = cast(grpc.Call, error)
    status = rpc_status.from_call(call)
    code = call.code()
    message = call.details()
    details = status.details if status else []
    field, description, reason = _details(details)
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        if field:
            return InvalidArgumentError(field, description)
        return InvalidArgumentError("request", message or "")
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        return ResourceExhaustedError(
            message or "", reason=reason, retry_after_ms=_retry_after_ms(details)
        )
    error_type = BY_STATUS.get(code)
    if error_type is None:
        return error
    return error_type(message or "", reason=reason)


def _retry_after_ms(details: list[any_pb2.Any]) -> int:
    for detail in details:
        if detail.Is(descriptor_of(error_details_pb2.RetryInfo)):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            delay_ms: int = retry.retry_delay.ToMilliseconds()
            return delay_ms
    return 0


def _details(details: list[any_pb2.Any]) -> tuple[str, str, str]:
    field = description = reason = ""
    for detail in details:
        if detail.Is(descriptor_of(error_details_pb2.BadRequest)) and not field:
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            if bad_request.field_violations:
                field = bad_request.field_violations[0].field
                description = bad_request.field_violations[0].description
        elif detail.Is(descriptor_of(error_details_pb2.ErrorInfo)):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason = info.reason
    return field, description, reason
