"""Errors promocore raises, each carrying what a gRPC status needs: code, field path, reason.

The server turns them into gRPC statuses with structured details (google.rpc.BadRequest for a
field, google.rpc.ErrorInfo for a reason code); the client turns those statuses back into these
classes, so callers on both sides catch the same types.
"""

from __future__ import annotations

import grpc


class PromocoreError(Exception):
    """Base class: `status` is the gRPC status code the error maps to."""

    status: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str, *, reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


class InvalidArgumentError(PromocoreError, ValueError):
    """Bad input; `field` is the path of the offending field, e.g. "order.items[2].quantity"."""

    status = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, field: str, description: str) -> None:
        super().__init__(f"{field}: {description}")
        self.field = field
        self.description = description


class NotFoundError(PromocoreError, LookupError):
    """An id or code that does not exist."""

    status = grpc.StatusCode.NOT_FOUND


class AlreadyExistsError(PromocoreError):
    """A duplicate id or code, or an idempotency key reused with another payload."""

    status = grpc.StatusCode.ALREADY_EXISTS


class FailedPreconditionError(PromocoreError):
    """The request is valid but the state forbids it (e.g. rolling back twice)."""

    status = grpc.StatusCode.FAILED_PRECONDITION


class UnavailableError(PromocoreError):
    """The server could not be reached or is shutting down."""

    status = grpc.StatusCode.UNAVAILABLE


BY_STATUS: dict[grpc.StatusCode, type[PromocoreError]] = {
    cls.status: cls
    for cls in (NotFoundError, AlreadyExistsError, FailedPreconditionError, UnavailableError)
}
