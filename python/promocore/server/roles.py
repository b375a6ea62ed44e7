"""Which RPCs each API key role may call: the one place that decides it.

checkout: the checkout RPCs and TrackEvent (a shop's backend). pos: the checkout RPCs (a till).
read_only: the Get*/List* RPCs and reports of the admin service, DescribeRules, and WatchEvents —
except the API key listing, which stays admin-only. support (marketers and support staff): the
same reads but WatchEvents, plus Validate and Qualify, which it may preview at another time.
admin: everything. Health checking and reflection need no key (OPEN_SERVICES).

Previews (`evaluate_at` on Validate and Qualify) are for PREVIEW_ROLES only.
"""

from __future__ import annotations

from promocore.v1 import admin_pb2, checkout_pb2, events_pb2

OPEN_SERVICES = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
)


def _methods(file_descriptor, service: str) -> dict[str, str]:
    """RPC name -> full method path ("/promocore.v1.CheckoutService/Validate")."""
    descriptor = file_descriptor.services_by_name[service]
    return {m.name: f"/{descriptor.full_name}/{m.name}" for m in descriptor.methods}


CHECKOUT_RPCS = _methods(checkout_pb2.DESCRIPTOR, "CheckoutService")
ADMIN_RPCS = _methods(admin_pb2.DESCRIPTOR, "AdminService")
EVENTS_RPCS = _methods(events_pb2.DESCRIPTOR, "EventsService")
# Reads that still hand out what a key-holder must not see.
_ADMIN_ONLY_READS = {"ListApiKeys"}
# Not named Get/List but reading only: how a rule reads in words (nothing stored, nothing read).
_OTHER_READS = {"DescribeRules"}


def _reads() -> frozenset[str]:
    return frozenset(
        path
        for name, path in ADMIN_RPCS.items()
        if (name.startswith(("Get", "List")) or name in _OTHER_READS)
        and name not in _ADMIN_ONLY_READS
    )


ALLOWED: dict[int, frozenset[str]] = {
    admin_pb2.ROLE_CHECKOUT: frozenset({*CHECKOUT_RPCS.values(), EVENTS_RPCS["TrackEvent"]}),
    admin_pb2.ROLE_POS: frozenset(CHECKOUT_RPCS.values()),
    admin_pb2.ROLE_READ_ONLY: _reads() | {EVENTS_RPCS["WatchEvents"]},
    admin_pb2.ROLE_SUPPORT: _reads() | {CHECKOUT_RPCS["Validate"], CHECKOUT_RPCS["Qualify"]},
    admin_pb2.ROLE_ADMIN: frozenset(
        {*CHECKOUT_RPCS.values(), *ADMIN_RPCS.values(), *EVENTS_RPCS.values()}
    ),
}

# The roles whose Validate and Qualify may carry a preview time (checkout and pos keys are a
# shop's live checkouts: their answers are always at the clock's time).
PREVIEW_ROLES = frozenset({admin_pb2.ROLE_ADMIN, admin_pb2.ROLE_SUPPORT})


def is_open(method: str) -> bool:
    return method.startswith(OPEN_SERVICES)


def may_call(role: int, method: str) -> bool:
    return method in ALLOWED.get(role, frozenset())


def allowed_roles(method: str) -> frozenset[int]:
    """The roles that may call `method` (the gate checks a caller's role against this set)."""
    return frozenset(role for role, methods in ALLOWED.items() if method in methods)


def role_name(role: int) -> str:
    return admin_pb2.Role.Name(role).removeprefix("ROLE_").lower()
