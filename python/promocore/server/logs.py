"""The server's logs: text or JSON lines on stderr, the worker on every line, the RPC's fields on
the lines logged while an RPC runs, an optional access log (one line per RPC), never a secret.

`--log-format json` writes one JSON object per line: time (RFC 3339, UTC), level, logger,
message, worker (the worker's index; null in the supervisor), and inside an RPC also method,
peer, key_id and request_id. The request id is made when the RPC starts and is returned to the
caller in the trailing metadata `x-request-id` (promocore.server.gate), so a caller's report can be
matched with the server's lines.

Secrets: an API key is only ever logged as its public prefix (`pck_<id>_…`); a line that would
hold a whole key has it cut to that prefix by a filter on every handler, as a safety net. The
access line and the RPC fields hold no request content, so no code (gift card and loyalty card
codes are bearer secrets) reaches them.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

from pythonjsonlogger.orjson import OrjsonFormatter

LOG_FORMATS = ("text", "json")
ACCESS_LOGGER = "promocore.access"
REQUEST_ID_HEADER = "x-request-id"
TEXT_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"

# pck_<16 hex id>_<secret>: the secret part is what must never reach a log.
_API_KEY = re.compile(r"\b(pck_[0-9a-f]{16}_)[A-Za-z0-9_\-]+")


class RpcScope:
    """The RPC a thread is serving, for its log lines and its access line."""

    __slots__ = ("context", "key_id", "method", "request_id")

    def __init__(self, method: str, context: Any, request_id: str) -> None:
        self.method = method
        self.context = context
        self.request_id = request_id
        self.key_id = ""

    @property
    def peer(self) -> str:
        return self.context.peer() if self.context is not None else ""


_current_rpc: ContextVar[RpcScope | None] = ContextVar("promocore_rpc", default=None)
_worker: int | None = None
# Unique across the workers and their restarts: a random prefix per process, then a counter.
_request_prefix = os.urandom(6).hex()
_request_numbers = itertools.count(1)
_access_enabled = False
_rpc_scopes = False


def new_request_id() -> str:
    return f"{_request_prefix}-{next(_request_numbers):x}"


def begin_rpc(method: str, context: Any) -> RpcScope:
    """Marks the start of an RPC in this thread: its lines carry its fields from now on."""
    scope = RpcScope(method, context, new_request_id())
    _current_rpc.set(scope)
    return scope


def set_worker(index: int | None) -> None:
    """Called in each worker right after the fork (and with 0 for `--workers 0`)."""
    global _worker, _request_prefix, _request_numbers
    _worker = index
    # A forked worker must not repeat its parent's (or a sibling's) request ids.
    _request_prefix = os.urandom(6).hex()
    _request_numbers = itertools.count(1)


def without_secrets(text: str) -> str:
    return _API_KEY.sub(r"\1…", text)


class _RecordFields(logging.Filter):
    """Adds the worker and the RPC's fields to every record; cuts API keys to their prefix."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.worker = _worker
        scope = _current_rpc.get()
        if scope is not None and not hasattr(record, "method"):
            record.method = scope.method
            record.peer = scope.peer
            record.key_id = scope.key_id or _principal_key_id()
            record.request_id = scope.request_id
        message = record.getMessage()
        cleaned = without_secrets(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def _principal_key_id() -> str:
    from promocore.call_context.principal import current_principal

    principal = current_principal()
    return principal.key_id if principal is not None else ""


class JsonLines(OrjsonFormatter):
    """One JSON object per line: time, level, logger, message, worker, then the RPC's fields
    and any `extra` given to the logging call."""

    def __init__(self) -> None:
        super().__init__(
            "{levelname}{name}{message}",
            style="{",
            rename_fields={"levelname": "level", "name": "logger"},
        )

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        log_data["time"] = (
            datetime.fromtimestamp(record.created, tz=UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z")
        )
        super().add_fields(log_data, record, message_dict)


class _TextWithRpc(logging.Formatter):
    """The text format; a line logged inside an RPC ends with its request id and method."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        if request_id and record.name != ACCESS_LOGGER:
            line += f" [{getattr(record, 'method', '')} {request_id}]"
        return line


def configure(
    log_format: str = "text",
    *,
    access_log: str | None = None,
    level: int = logging.INFO,
    stream: IO[str] | None = None,
) -> None:
    """Sets up the root logger for `promocore serve`. `access_log`: None (off), "-" (with the
    other lines, on stderr) or a file path (appended to)."""
    global _access_enabled, _rpc_scopes
    if log_format not in LOG_FORMATS:
        raise ValueError(
            f"--log-format must be one of {', '.join(LOG_FORMATS)}, got {log_format!r}"
        )
    formatter: logging.Formatter = (
        JsonLines() if log_format == "json" else _TextWithRpc(TEXT_FORMAT)
    )
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(_RecordFields())
    root.addHandler(handler)
    root.setLevel(level)

    access = logging.getLogger(ACCESS_LOGGER)
    for old in list(access.handlers):
        access.removeHandler(old)
        old.close()
    _access_enabled = access_log is not None
    _rpc_scopes = _access_enabled or log_format == "json"
    access.disabled = not _access_enabled
    if access_log is not None and access_log != "-":
        access.propagate = False
        file_handler = logging.FileHandler(access_log, encoding="utf-8")
        file_handler.setFormatter(formatter)
        file_handler.addFilter(_RecordFields())
        access.addHandler(file_handler)
    else:
        access.propagate = True


def rpc_scopes_wanted() -> bool:
    """Whether the gate opens an RpcScope per RPC (and returns its request id): with JSON logs
    or an access log. Plain text logs without an access log cost the RPCs nothing."""
    return _rpc_scopes


_access = logging.getLogger(ACCESS_LOGGER)


def rpc_started(method: str, context: Any) -> None:
    """The gate's start hook (promocore.server.gate.StartHook)."""
    begin_rpc(method, context)


def rpc_finished(method: str, code: Any, seconds: float, context: Any) -> None:
    """The gate's finish hook: the request id to the caller, the access line, the scope's end."""
    scope = _current_rpc.get()
    if scope is None or scope.context is not context:
        return
    context.set_trailing_metadata(((REQUEST_ID_HEADER, scope.request_id),))
    if _access_enabled:
        log_access(scope, code.name, seconds)
    _current_rpc.set(None)


def log_access(scope: RpcScope, code_name: str, seconds: float) -> None:
    """The access line of a finished RPC."""
    _access.info(
        "%s %s %.3f ms",
        scope.method,
        code_name,
        seconds * 1000,
        extra={
            "method": scope.method,
            "status": code_name,
            "duration_ms": round(seconds * 1000, 3),
            "peer": scope.peer,
            "key_id": scope.key_id or _principal_key_id(),
            "request_id": scope.request_id,
        },
    )
