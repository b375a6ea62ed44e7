"""Request messages checked before any handler sees them (the gate calls these): one larger than
the limit is answered INVALID_ARGUMENT on the field "request", naming the limit, without being
parsed; one that does not parse as its message type is INVALID_ARGUMENT too (gRPC alone would
answer INTERNAL).

gRPC itself refuses messages beyond a hard cap (HARD_CAP_FACTOR times the limit) with
RESOURCE_EXHAUSTED before promocore sees them, so an oversized message is never even buffered
past that. The server registers every method without a request deserializer, so gRPC hands the
gate the bytes and parsing happens in the RPC's own thread, after authentication — an
unauthenticated caller cannot make the server parse anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.message import DecodeError

from promocore.errors import InvalidArgumentError

DEFAULT_MAX_MESSAGE_BYTES = 1 << 20
HARD_CAP_FACTOR = 4


def too_large(size: int, limit: int) -> InvalidArgumentError:
    return InvalidArgumentError("request", f"a message has at most {limit} bytes; got {size}")


def parsed(parse: Callable[[bytes], Any], raw: bytes) -> Any:
    """`parse(raw)`, a parse error as INVALID_ARGUMENT on "request"."""
    try:
        return parse(raw)
    except DecodeError as error:
        raise InvalidArgumentError("request", f"not a valid message: {error}") from None
