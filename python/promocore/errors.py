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


class UnauthenticatedError(PromocoreError):
    """No API key, or one that is unknown, malformed or revoked."""

    status = grpc.StatusCode.UNAUTHENTICATED


class PermissionDeniedError(PromocoreError):
    """A valid API key whose role does not allow this RPC."""

    status = grpc.StatusCode.PERMISSION_DENIED


class ResourceExhaustedError(PromocoreError):
    """Too much of something: failed code lookups, concurrent RPCs. `retry_after_ms` (0 when
    unknown) travels as google.rpc.RetryInfo."""

    status = grpc.StatusCode.RESOURCE_EXHAUSTED

    def __init__(self, message: str, *, reason: str = "", retry_after_ms: int = 0) -> None:
        super().__init__(message, reason=reason)
        self.retry_after_ms = retry_after_ms


class DeadlineExceededError(PromocoreError):
    """The caller's deadline passed before the work was done; nothing was written."""

    status = grpc.StatusCode.DEADLINE_EXCEEDED


class DataLossError(PromocoreError):
    """The store is damaged where the call had to read (a page LMDB cannot read); the operator
    must check and restore it (docs/operations.md, "A damaged or truncated store")."""

    status = grpc.StatusCode.DATA_LOSS


class WriteConflictError(PromocoreError):
    """On a shared store, the write kept losing races with other writers of the same records;
    nothing was written and a retry is safe."""

    status = grpc.StatusCode.ABORTED

    def __init__(self, message: str) -> None:
        super().__init__(message, reason="write_conflict")


BY_STATUS: dict[grpc.StatusCode, type[PromocoreError]] = {
    cls.status: cls
    for cls in (
        NotFoundError,
        AlreadyExistsError,
        FailedPreconditionError,
        UnavailableError,
        UnauthenticatedError,
        PermissionDeniedError,
        ResourceExhaustedError,
        DeadlineExceededError,
        DataLossError,
        WriteConflictError,
    )
}
