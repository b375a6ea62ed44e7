"""Which RPCs each API key role may call: the one place that decides it.

checkout: the checkout RPCs and TrackEvent (a shop's backend). pos: the checkout RPCs (a till).
read_only: the Get*/List* RPCs and reports of the admin service, DescribeRules, Qualify (a
customer's wallet; never at a preview time) and WatchEvents — except the API key listing and
the audit log, which stay admin-only. support (marketers and support staff): the
same reads but WatchEvents, plus Validate and Qualify, which it may preview at another time,
Rollback (with a reason) and a customer's rewards links.
admin: everything. Health checking and reflection need no key (OPEN_SERVICES).

Previews (`evaluate_at` on Validate and Qualify) are for PREVIEW_ROLES only.
"""

from __future__ import annotations

from google.protobuf.descriptor import FileDescriptor

from promocore.v1 import admin_pb2, checkout_pb2, events_pb2

OPEN_SERVICES = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
)


def _methods(file_descriptor: FileDescriptor, service: str) -> dict[str, str]:
    """RPC name -> full method path ("/promocore.v1.CheckoutService/Validate")."""
    descriptor = file_descriptor.services_by_name[service]
    return {m.name: f"/{descriptor.full_name}/{m.name}" for m in descriptor.methods}


CHECKOUT_RPCS = _methods(checkout_pb2.DESCRIPTOR, "CheckoutService")
ADMIN_RPCS = _methods(admin_pb2.DESCRIPTOR, "AdminService")
EVENTS_RPCS = _methods(events_pb2.DESCRIPTOR, "EventsService")
# Reads that still hand out what a key-holder must not see.
# The audit log names who changed what (key ids) with every before/after: for admins.
_ADMIN_ONLY_READS = {"ListApiKeys", "ListAuditLog"}
# Not named Get/List but reading only: how a rule reads in words (nothing stored, nothing read)
# and how many customers a draft segment rule holds (nothing stored).
_OTHER_READS = {"DescribeRules", "CountSegmentMembers"}


def _reads() -> frozenset[str]:
    return frozenset(
        path
        for name, path in ADMIN_RPCS.items()
        if (name.startswith(("Get", "List")) or name in _OTHER_READS)
        and name not in _ADMIN_ONLY_READS
    )


# Any valid key may ask who it is.
_ANY_KEY = frozenset({ADMIN_RPCS["WhoAmI"]})

ALLOWED: dict[int, frozenset[str]] = {
    admin_pb2.ROLE_CHECKOUT: _ANY_KEY | {*CHECKOUT_RPCS.values(), EVENTS_RPCS["TrackEvent"]},
    admin_pb2.ROLE_POS: _ANY_KEY | frozenset(CHECKOUT_RPCS.values()),
    # Qualify only reads: a customer's wallet, gift cards and loyalty for an example cart.
    admin_pb2.ROLE_READ_ONLY: _ANY_KEY
    | _reads()
    | {EVENTS_RPCS["WatchEvents"], CHECKOUT_RPCS["Qualify"]},
    # Support helps one customer at a time: it may undo a redemption (Rollback gives back only
    # what that redemption took; its reason is required and audited), send or withdraw the
    # customer's rewards links, and change points or a gift card's balance by hand within the
    # limits an admin sets (SupportLimits: nothing until set); it changes no campaign, key or
    # setting.
    admin_pb2.ROLE_SUPPORT: _ANY_KEY
    | _reads()
    | {
        CHECKOUT_RPCS["Validate"],
        CHECKOUT_RPCS["Qualify"],
        CHECKOUT_RPCS["Rollback"],
        ADMIN_RPCS["CreateCockpitLink"],
        ADMIN_RPCS["RevokeCockpitLinks"],
        ADMIN_RPCS["AdjustPoints"],
        ADMIN_RPCS["TopUpGiftCard"],
        ADMIN_RPCS["DebitGiftCard"],
    },
    admin_pb2.ROLE_ADMIN: frozenset(
        {*CHECKOUT_RPCS.values(), *ADMIN_RPCS.values(), *EVENTS_RPCS.values()}
    ),
}

# The roles whose Validate and Qualify may carry a preview time (checkout and pos keys are a
# shop's live checkouts: their answers are always at the clock's time).
PREVIEW_ROLES = frozenset({admin_pb2.ROLE_ADMIN, admin_pb2.ROLE_SUPPORT})


def is_open(method: str) -> bool:
    return method.startswith(OPEN_SERVICES)


def allowed_roles(method: str) -> frozenset[int]:
    """The roles that may call `method` (the gate checks a caller's role against this set)."""
    return frozenset(role for role, methods in ALLOWED.items() if method in methods)


def role_name(role: int) -> str:
    return admin_pb2.Role.Name(role).removeprefix("ROLE_").lower()
