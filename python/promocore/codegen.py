"""Random code generation from a pattern: cryptographically secure and unguessable by design."""

from __future__ import annotations

import math
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass

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
        pattern = config.pattern or DEFAULT_PATTERN
        if "#" not in pattern:
            raise InvalidArgumentError(f"{field}.pattern", "needs at least one '#'")
        return cls(pattern, charset, config.prefix, config.postfix)

    @property
    def space(self) -> int:
        return len(self.charset) ** self.pattern.count("#")

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
        charset, pattern, prefix, postfix = self.charset, self.pattern, self.prefix, self.postfix
        choice = secrets.choice

        def generate() -> str:
            body = "".join(choice(charset) if c == "#" else c for c in pattern)
            return f"{prefix}{body}{postfix}"

        return generate
