"""Random code generation from a pattern: cryptographically secure and unguessable by design.
Every package that creates codes draws them here (campaigns, gift cards, rewards, distributions).

The drawing itself is the engine's (`_engine.generate_codes`, the OS CSPRNG with rejection
sampling): generated codes are printable ASCII without spaces, so every code of a pattern has
the same width and a case-insensitive key that is its upper-case form.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable
from dataclasses import dataclass

from promocore import _engine
from promocore.errors import InvalidArgumentError
from promocore.v1 import campaign_pb2

CHARSET_PRESETS = {
    # Without 0/O and 1/I/L, which customers confuse when typing a printed code.
    "alphanumeric": "23456789ABCDEFGHJKMNPQRSTUVWXYZ",
    "alphabetic": "ABCDEFGHJKMNPQRSTUVWXYZ",
    "numbers": string.digits,
    "uppercase": string.ascii_uppercase,
    "lowercase": string.ascii_lowercase,
}
DEFAULT_PATTERN = "########"
# A blind guess may hit a valid code with probability at most count / space = 1 / 10,000.
MIN_SPACE_PER_CODE = 10_000
# Codes are at most this long (as CreateCode accepts).
MAX_CODE_WIDTH = 64
# Codes drawn from the engine at a time by `generator()`.
GENERATOR_BLOCK = 256
# A code colliding this many times in a row means the space is exhausted, not bad luck.
MAX_COLLISIONS_IN_A_ROW = 100

CODE_KIND_BY_CAMPAIGN_TYPE = {
    campaign_pb2.DISCOUNT_COUPONS: campaign_pb2.CODE_KIND_DISCOUNT,
    campaign_pb2.GIFT_VOUCHERS: campaign_pb2.CODE_KIND_GIFT_CARD,
    campaign_pb2.LOYALTY_PROGRAM: campaign_pb2.CODE_KIND_LOYALTY_CARD,
    campaign_pb2.REFERRAL_PROGRAM: campaign_pb2.CODE_KIND_REFERRAL,
}


@dataclass(frozen=True)
class CodePattern:
    pattern: str
    charset: str
    prefix: str
    postfix: str

    @classmethod
    def from_config(cls, config: campaign_pb2.CodeConfig, field: str) -> CodePattern:
        charset = config.charset or CHARSET_PRESETS.get(config.charset_preset or "alphanumeric")
        if charset is None:
            raise InvalidArgumentError(
                f"{field}.charset_preset",
                f"unknown preset {config.charset_preset!r}; one of {', '.join(CHARSET_PRESETS)}",
            )
        if len(set(charset)) != len(charset):
            raise InvalidArgumentError(f"{field}.charset", "characters must not repeat")
        pattern = cls(config.pattern or DEFAULT_PATTERN, charset, config.prefix, config.postfix)
        try:  # the engine validates the shape (ASCII, a '#', case-insensitively distinct)
            _engine.generate_codes(*pattern._shape, 0)
        except _engine.CompileError as error:
            raise InvalidArgumentError(f"{field}.{error.path}", error.reason) from None
        if pattern.width > MAX_CODE_WIDTH:
            raise InvalidArgumentError(
                f"{field}.pattern", f"prefix + pattern + postfix exceed {MAX_CODE_WIDTH} characters"
            )
        return pattern

    @property
    def _shape(self) -> tuple[str, str, str, str]:
        return self.pattern, self.charset, self.prefix, self.postfix

    @property
    def space(self) -> int:
        space: int = len(self.charset) ** self.pattern.count("#")
        return space

    def check_unguessable(self, count: int, field: str) -> None:
        """Refuses counts that would make a random guess likely to hit a valid code."""
        if count * MIN_SPACE_PER_CODE <= self.space:
            return
        needed = math.ceil(math.log(count * MIN_SPACE_PER_CODE, len(self.charset)))
        raise InvalidArgumentError(
            field,
            f"{count} codes from pattern {self.pattern!r} ({len(self.charset)} characters per "
            f"'#', {self.space} possible codes) would let one random guess in "
            f"{self.space // count} hit a valid code; use at least {needed} '#' "
            f"(e.g. {'#' * needed!r}) to keep it below 1 in {MIN_SPACE_PER_CODE}",
        )

    def generator(self) -> Callable[[], str]:
        """One random code per call, drawn from the engine in blocks."""
        shape = self._shape
        block: list[str] = []

        def generate() -> str:
            if not block:
                block.extend(_engine.generate_codes(*shape, GENERATOR_BLOCK))
            return block.pop()

        return generate

    def records(
        self, count: int, record_tail: bytes, index_prefix: bytes
    ) -> tuple[list[bytes], list[bytes], list[bytes]]:
        """Up to `count` codes in store form (see `_engine.generate_code_records`)."""
        return _engine.generate_code_records(*self._shape, count, record_tail, index_prefix)

    def code_of(self, record: bytes) -> str:
        """The code string of a `records()` record: it starts with field 1, the code."""
        return record[2 : 2 + self.width].decode()  # tag, one-byte length (width <= 64)

    @property
    def width(self) -> int:
        return len(self.prefix) + len(self.pattern) + len(self.postfix)
