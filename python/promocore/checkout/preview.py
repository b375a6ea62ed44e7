"""Preview: a Validate or Qualify evaluated at a time the caller gives (`evaluate_at`) instead of
the server's clock, so that a marketer sees what a "weekends only" campaign does on Saturday and
support reproduces "why did my code not work yesterday at 23:30".

The time replaces the clock for everything the evaluation reads: time windows, start and expiry,
schedules, and which day, week or month a per-period limit counts in (in the campaign's zone).
Counters are read as they stand and never written. Only roles the server allows (admin, support:
server/roles.py) may ask; a call without a principal (a server run without API keys) may.
"""

from __future__ import annotations

from google.protobuf import timestamp_pb2

from promocore.call_context.principal import current_principal
from promocore.errors import InvalidArgumentError, PermissionDeniedError
from promocore.v1 import admin_pb2

FIELD = "evaluate_at"
# The times a preview may name: the Unix epoch up to the start of year 9999 (so that every
# zone's local time of it is still a date Python can hold).
_EARLIEST_MS = 0
_LATEST_MS = 253_370_764_800_000  # 9999-01-01T00:00:00Z


class Preview:
    def __init__(self, roles: frozenset[int] = frozenset()) -> None:
        """`roles`: the API key roles that may preview."""
        self._roles = roles

    def time_ms(self, evaluate_at: timestamp_pb2.Timestamp) -> int:
        """The preview time of a request that holds `evaluate_at`, in Unix milliseconds; raises
        PermissionDeniedError when the caller's role may not preview, InvalidArgumentError for
        a time out of range."""
        principal = current_principal()
        if principal is not None and principal.role not in self._roles:
            allowed = " and ".join(sorted(_role_name(role) for role in self._roles)) or "no"
            raise PermissionDeniedError(
                f"{FIELD}: a preview time needs a key whose role allows it ({allowed} keys "
                f"do); this key has role {_role_name(principal.role)}",
                reason="preview_not_allowed",
            )
        if not 0 <= evaluate_at.nanos <= 999_999_999:
            raise InvalidArgumentError(FIELD, "nanos must be 0..999999999")
        at_ms = evaluate_at.ToMilliseconds()
        if not _EARLIEST_MS <= at_ms < _LATEST_MS:
            raise InvalidArgumentError(
                FIELD, "must be from 1970-01-01T00:00:00Z to before 9999-01-01T00:00:00Z"
            )
        return at_ms


def _role_name(role: int) -> str:
    try:
        return admin_pb2.Role.Name(role).removeprefix("ROLE_").lower()
    except ValueError:
        return str(role)
