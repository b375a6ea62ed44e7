"""API keys and roles through a real server: who gets in, who is refused, revocation on every
worker, and no secret anywhere in the data directory."""

from __future__ import annotations

import os
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from promocore import Client
from promocore.errors import (
    FailedPreconditionError,
    InvalidArgumentError,
    PermissionDeniedError,
    UnauthenticatedError,
)
from promocore.manage.api_keys import digest, new_key
from promocore.v1 import admin_pb2, checkout_pb2, checkout_pb2_grpc

from support import ServerProcess, cart, coupon


def key_of(client: Client, role: str, name: str | None = None) -> str:
    return client.create_api_key(name or f"{role} key", role)["secret"]


def test_a_checkout_key_may_check_out_but_not_administer(client, target):
    code = coupon(client, "c1", "SAVE1")
    with Client(target, api_key=key_of(client, "checkout")) as checkout:
        answer = checkout.validate(cart(("A", 1000, 1)), codes=[code])
        assert answer["redeemables"][0]["status"] == "APPLICABLE"
        with pytest.raises(PermissionDeniedError) as denied:
            checkout.create_campaign(
                name="x",
                type="DISCOUNT_COUPONS",
                currency="EUR",
                effect={"amount_off_order": {"amount": 1}},
            )
        assert "checkout" in denied.value.message and "CreateCampaign" in denied.value.message
        with pytest.raises(PermissionDeniedError):
            checkout.get_campaign("c1")


@pytest.mark.parametrize(
    ("role", "may_validate", "may_read", "may_write"),
    [
        ("checkout", True, False, False),
        ("pos", True, False, False),
        ("read_only", False, True, False),
        ("support", True, True, False),
        ("admin", True, True, True),
    ],
)
def test_each_role_reaches_exactly_its_rpcs(
    client, target, role, may_validate, may_read, may_write
):
    code = coupon(client, "c1", "SAVE1")
    calls = {
        "validate": (may_validate, lambda c: c.validate(cart(("A", 1000, 1)), codes=[code])),
        "read": (may_read, lambda c: c.get_code(code)),
        "write": (may_write, lambda c: c.set_code_active(code, True)),
        "keys": (role == "admin", lambda c: c.list_api_keys()),
        "audit": (role == "admin", lambda c: c.list_audit_log()),
        "whoami": (True, lambda c: c.who_am_i()),
        # A customer's wallet is a read: every role that reads or checks out may ask.
        "wallet": (True, lambda c: c.qualify(cart(("A", 1000, 1)), customer={"id": "ann"})),
    }
    with Client(target, api_key=key_of(client, role)) as caller:
        for name, (allowed, call) in calls.items():
            if allowed:
                call(caller)
            else:
                with pytest.raises(PermissionDeniedError):
                    call(caller)
                    pytest.fail(f"{role} could call {name}")


@pytest.mark.parametrize(
    "presented",
    ["", new_key(), "not-a-key", "pck_0123456789abcdef_"],
    ids=["no key", "unknown key", "malformed", "empty secret"],
)
def test_no_key_or_a_wrong_key_is_unauthenticated(target, presented):
    with Client(target, api_key=presented) as stranger, pytest.raises(UnauthenticatedError):
        stranger.validate(cart(("A", 1000, 1)), codes=["SAVE1"])


def test_a_right_id_with_a_wrong_secret_is_unauthenticated(client, target):
    key = key_of(client, "admin")
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    with Client(target, api_key=forged) as forger, pytest.raises(UnauthenticatedError):
        forger.list_campaigns()
    # Also once the real key is verified and remembered by the server.
    with Client(target, api_key=key) as owner:
        owner.list_campaigns()
    with Client(target, api_key=forged) as forger, pytest.raises(UnauthenticatedError):
        forger.list_campaigns()


def test_health_and_reflection_need_no_key(target):
    with grpc.insecure_channel(target) as channel:
        answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        assert answer.status == health_pb2.HealthCheckResponse.SERVING


def test_keys_are_listed_without_secrets_and_revoked(client, target):
    created = client.create_api_key("till 7", "pos")
    listed = {k["id"]: k for k in client.list_api_keys()}
    assert listed[created["api_key"]["id"]]["role"] == "ROLE_POS"
    assert "secret" not in listed[created["api_key"]["id"]]
    revoked = client.revoke_api_key(created["api_key"]["id"])
    assert revoked["revoked_at"] is not None
    with Client(target, api_key=created["secret"]) as till, pytest.raises(UnauthenticatedError):
        till.validate(cart(("A", 1000, 1)), codes=["X"])


def _separate_channel(target: str) -> grpc.Channel:
    # A channel of its own TCP connection (grpc shares connections between channels otherwise),
    # so the kernel's SO_REUSEPORT hash may hand each one to a different worker.
    return grpc.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])


def test_a_revoked_key_is_refused_by_every_worker_within_one_second(tmp_path):
    with ServerProcess(tmp_path / "data", workers=2) as server, Client(server.target) as admin:
        code = coupon(admin, "c1", "SAVE1")
        created = admin.create_api_key("shop", "checkout")
        metadata = (("x-api-key", created["secret"]),)
        request = checkout_pb2.ValidateRequest(redeemables=[{"code": code}])
        request.order.currency = "EUR"
        request.order.items.add(sku="A", unit_price=1000, quantity=1)
        # 20 connections: all on one of the 2 workers with probability 2 * 2**-20.
        channels = [_separate_channel(server.target) for _ in range(20)]
        stubs = [checkout_pb2_grpc.CheckoutServiceStub(channel) for channel in channels]
        try:
            for stub in stubs:  # every worker has now verified (and cached) the key
                stub.Validate(request, metadata=metadata, timeout=10)
            admin.revoke_api_key(created["api_key"]["id"])
            revoked_at = time.monotonic()
            refused_after = []
            for stub in stubs:
                while True:
                    try:
                        stub.Validate(request, metadata=metadata, timeout=10)
                    except grpc.RpcError as error:
                        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
                        refused_after.append(time.monotonic() - revoked_at)
                        break
                    assert time.monotonic() - revoked_at < 5, "the revoked key still works"
        finally:
            for channel in channels:
                channel.close()
        assert max(refused_after) < 1.0, refused_after


def written_bytes(path) -> bytes:
    """What a file holds, without its holes: the store's data file is a sparse file as large
    as the map (docs/operations.md)."""
    parts = []
    with path.open("rb") as file:
        fd, end = file.fileno(), os.fstat(file.fileno()).st_size
        offset = 0
        while offset < end:
            try:
                start = os.lseek(fd, offset, os.SEEK_DATA)
            except OSError:  # ENXIO: nothing but a hole up to the end
                break
            stop = os.lseek(fd, start, os.SEEK_HOLE)
            parts.append(os.pread(fd, stop - start, start))
            offset = stop
    return b"".join(parts)


def test_no_key_is_stored_in_plaintext_in_the_data_directory(tmp_path):
    data_dir = tmp_path / "data"
    with ServerProcess(data_dir, workers=2) as server, Client(server.target) as admin:
        code = coupon(admin, "c1", "SAVE1")
        secrets = [server.api_key]
        for role in ("checkout", "pos", "read_only", "admin"):
            secrets.append(key_of(admin, role))
        for secret in secrets[1:3]:
            with Client(server.target, api_key=secret) as caller:
                caller.redeem(
                    cart(("A", 1000, 1), id=secret[-12:]),
                    codes=[code],
                    idempotency_key=secret[-12:],
                )
        admin.revoke_api_key(secrets[1].split("_")[1])
    files = [path for path in data_dir.rglob("*") if path.is_file()]
    assert files, "the data directory is empty: the scan would prove nothing"
    contents = b"".join(written_bytes(path) for path in files)
    for secret in secrets:
        secret_part = secret[len("pck_0123456789abcdef_") :]
        assert secret.encode() not in contents
        assert secret_part.encode() not in contents
        # What is stored instead: the digest, so the scan does look where keys are kept.
        assert digest(secret) in contents


def test_a_support_key_rolls_back_with_a_reason_audited_and_mints_nothing(client, target):
    code = coupon(client, "c1", "SAVE1")
    paid = client.redeem(cart(("A", 1000, 1), id="o-1"), codes=[code], idempotency_key="k-1")
    support = client.create_api_key("desk", "support")
    with Client(target, api_key=support["secret"]) as desk:
        with pytest.raises(InvalidArgumentError) as missing:
            desk.rollback(paid["redemption"]["id"])
        assert missing.value.field == "reason"
        desk.rollback(paid["redemption"]["id"], reason="customer returned the order")
        with pytest.raises(PermissionDeniedError):
            desk.set_code_active(code, False)
        with pytest.raises(PermissionDeniedError):
            desk.list_audit_log()
    [entry] = client.list_audit_log(target_prefix="redemption/")
    assert entry["action"] == "Rollback"
    assert entry["actor"] == f"key:{support['api_key']['id']}"
    assert entry["after"]["reason"] == "customer returned the order"


@pytest.mark.parametrize("role", ["checkout", "pos", "read_only", "support", "admin"])
def test_any_key_may_ask_who_it_is(client, target, role):
    made = client.create_api_key(f"{role} of the desk", role)
    with Client(target, api_key=made["secret"]) as caller:
        me = caller.who_am_i()
    assert me["id"] == made["api_key"]["id"]
    assert (me["name"], me["role"]) == (f"{role} of the desk", f"ROLE_{role.upper()}")
    assert "secret" not in str(me)


def test_support_changes_points_and_gift_balances_only_within_the_admins_limits(client, target):
    from cockpit_support import rewarded_customers

    rewarded_customers(client)  # ann: a club card with 400 points, a gift card of 25.00 EUR
    card = client.get_loyalty_card(campaign_id="club", customer_id="ann")["code"]
    [gift] = [c["code"] for c in client.list_codes("gift")]
    support = client.create_api_key("desk", "support")["secret"]
    with Client(target, api_key=support) as desk:
        # Nothing until an admin sets limits.
        with pytest.raises(PermissionDeniedError) as refused:
            desk.adjust_points(card, 10, reason="goodwill", idempotency_key="a-1")
        assert refused.value.reason == "over_support_limit"
        assert refused.value.message.startswith("points: a support key may change no points")
        with pytest.raises(PermissionDeniedError):
            desk.set_support_limits(max_points_adjustment=1000)
        client.set_support_limits(max_points_adjustment=50, max_gift_card_change=1000)
        assert desk.get_support_limits() == {
            "max_points_adjustment": 50,
            "max_gift_card_change": 1000,
        }
        assert (
            desk.adjust_points(card, 50, reason="goodwill", idempotency_key="a-2")["points"] == 450
        )
        assert desk.adjust_points(card, -50, reason="twice", idempotency_key="a-3")["points"] == 400
        with pytest.raises(PermissionDeniedError) as beyond:
            desk.adjust_points(card, 51, reason="too much", idempotency_key="a-4")
        assert "at most 50 points" in beyond.value.message
        desk.top_up_gift_card(gift, 1000, idempotency_key="g-1", reason="late delivery")
        with pytest.raises(PermissionDeniedError) as beyond:
            desk.debit_gift_card(gift, 1001, reason="too much", idempotency_key="g-2")
        assert beyond.value.message.startswith("amount: a support key may change at most 1000")
    # Admin keys are not limited; every change by hand is in the audit log with its key.
    client.adjust_points(card, 500, reason="admin", idempotency_key="a-5")
    actions = [entry["action"] for entry in client.list_audit_log()]
    assert actions[:5] == [
        "AdjustPoints",
        "TopUpGiftCard",
        "AdjustPoints",
        "AdjustPoints",
        "SetSupportLimits",
    ]


def test_a_key_cannot_revoke_itself(client):
    me = client.who_am_i()
    with pytest.raises(FailedPreconditionError) as refused:
        client.revoke_api_key(me["id"])
    assert refused.value.reason == "revoking_own_key"
    assert client.who_am_i()["id"] == me["id"]  # still works


# What docs/security.md's roles table lets a support key change or read beyond the reads: the
# rest of the admin service (campaigns, codes, customers, segments, programs, keys, settings,
# the audit log) refuses it.
SUPPORT_BEYOND_READS = {
    "DescribeRules",
    "CountSegmentMembers",
    "CreateCockpitLink",
    "RevokeCockpitLinks",
    "AdjustPoints",
    "TopUpGiftCard",
    "DebitGiftCard",
    "WhoAmI",
}
READ_ONLY_BEYOND_READS = {"DescribeRules", "CountSegmentMembers", "WhoAmI"}
ADMIN_ONLY_READS = {"ListApiKeys", "ListAuditLog"}


def _status_of(target: str, key: str, method) -> grpc.StatusCode:
    """The status of the admin RPC called with an empty request (no side effect: the gate
    refuses before parsing, and an empty request is invalid for every RPC that writes)."""
    path = f"/{method.containing_service.full_name}/{method.name}"
    metadata = [("x-api-key", key)]
    with grpc.insecure_channel(target) as channel:
        try:
            if method.client_streaming:
                call = channel.stream_unary(path)(iter([b""]), metadata=metadata, timeout=10)
            elif method.server_streaming:
                call = list(channel.unary_stream(path)(b"", metadata=metadata, timeout=10))
            else:
                call = channel.unary_unary(path)(b"", metadata=metadata, timeout=10)
        except grpc.RpcError as error:
            return error.code()
    assert call is not None
    return grpc.StatusCode.OK


@pytest.mark.parametrize("role", ["support", "read_only"])
def test_every_admin_rpc_beyond_a_roles_table_row_refuses_it(client, target, role):
    allowed_extra = SUPPORT_BEYOND_READS if role == "support" else READ_ONLY_BEYOND_READS
    key = key_of(client, role)
    refused, reached = [], []
    for method in admin_pb2.DESCRIPTOR.services_by_name["AdminService"].methods:
        is_read = method.name.startswith(("Get", "List")) and method.name not in ADMIN_ONLY_READS
        status = _status_of(target, key, method)
        if is_read or method.name in allowed_extra:
            if status in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED):
                refused.append(method.name)
        elif status != grpc.StatusCode.PERMISSION_DENIED:
            reached.append((method.name, status))
    assert (refused, reached) == ([], [])
    # Nothing was created by the calls that got through.
    assert client.list_campaigns() == [] and client.list_segments() == []
