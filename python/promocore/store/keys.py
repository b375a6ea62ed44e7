"""Key encodings of the store's tables."""

from __future__ import annotations

import struct

_U64_BE = struct.Struct(">Q")
_I64_LE = struct.Struct("<q")


def normalize_code(code: str) -> bytes:
    """Codes are case-insensitive: "summer-10" and "SUMMER-10" are one key."""
    return code.upper().encode()


def campaign_version_key(campaign_id: str, version: int) -> bytes:
    return campaign_id.encode() + b"\0" + _U64_BE.pack(version)


def campaign_code_key(campaign_id: str, normalized_code: bytes) -> bytes:
    return campaign_id.encode() + b"\0" + normalized_code


def encode_u64(value: int) -> bytes:
    return _U64_BE.pack(value)


def decode_u64(raw: bytes) -> int:
    return _U64_BE.unpack(raw)[0]


def encode_counter(value: int) -> bytes:
    return _I64_LE.pack(value)


def decode_counter(raw: bytes | None) -> int:
    return 0 if raw is None else _I64_LE.unpack(raw)[0]


def last_under(txn, db, prefix: bytes) -> tuple[bytes, bytes] | None:
    """(key, value) of the last entry whose key starts with `prefix` (keys of the prefix are
    at most 8 bytes longer than it), or None."""
    cursor = txn.cursor(db=db)
    # Position past every key of the prefix, then step back onto the prefix's last one.
    found = cursor.prev() if cursor.set_range(prefix + b"\xff" * 9) else cursor.last()
    if found and bytes(cursor.key()).startswith(prefix):
        return bytes(cursor.key()), bytes(cursor.value())
    return None
