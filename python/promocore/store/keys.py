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
