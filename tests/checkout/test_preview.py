"""Preview: Validate and Qualify evaluated at a time the caller gives (`evaluate_at`), through a
real server (gRPC, HTTP/JSON and the CLI) whose own clock is elsewhere: time windows, start and
expiry and per-day limits in the campaign's zone follow the preview time; counters are read,
never written; only admin and support keys may ask; Redeem never honours it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import grpc
import pytest
from google.protobuf import timestamp_pb2
from http_support import REDEEM, VALIDATE, call

from promocore import Client
from promocore.errors import InvalidArgumentError, PermissionDeniedError
from promocore.v1 import checkout_pb2, common_pb2

from support import TEST_ADMIN_KEY, cart, promocore

SEOUL = ZoneInfo("Asia/Seoul")
SATURDAY_NIGHT = datetime(2026, 12, 12, 23, 30, tzinfo=SEOUL)  # ISO day 6
MONDAY_MORNING = datetime(2026, 12, 14, 10, 0, tzinfo=SEOUL)  # ISO day 1
ORDER = cart(("BEANS", 2000, 1))


def at(clock, moment: datetime) -> None:
    """Moves the server's own clock."""
    clock.set(int(moment.timestamp() * 1000))


def weekend_campaign(client: Client, campaign_id: str = "weekend", **fields) -> str:
    """A coupon usable on Saturdays and Sundays in Seoul; returns its code."""
    client.create_campaign(
        id=campaign_id,
        name="Weekends only",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        time_zone="Asia/Seoul",
        validity_windows=[{"days_of_week": [6, 7]}],
        effect={"amount_off_order": {"amount": 300}},
        **fields,
    )
    code = f"{campaign_id.upper()}-1"
    client.create_code(campaign_id, code)
    return code


def weekend_promotion(client: Client) -> None:
    """`weekend-promo`: 2.00 EUR off every cart on Saturdays and Sundays in Seoul, no code."""
    client.create_campaign(
        id="weekend-promo",
        name="Weekend promotion",
        type="PROMOTION",
        currency="EUR",
        time_zone="Asia/Seoul",
        validity_windows=[{"days_of_week": [6, 7]}],
        effect={"amount_off_order": {"amount": 200}},
    )


def result_of(answer: dict) -> tuple[str, str]:
    [result] = answer["redeemables"]
    return result["status"], result["reason"]


def test_a_weekend_campaign_applies_at_a_saturday_and_not_at_a_monday(client, clock):
    code = weekend_campaign(client)
    at(clock, MONDAY_MORNING)
    assert result_of(client.validate(ORDER, codes=[code])) == (
        "INAPPLICABLE",
        "outside_validity_window",
    )
    previewed = client.validate(ORDER, codes=[code], evaluate_at=SATURDAY_NIGHT)
    assert result_of(previewed) == ("APPLICABLE", "")
    assert previewed["totals"]["total_discount"] == 300

    at(clock, SATURDAY_NIGHT)
    assert result_of(client.validate(ORDER, codes=[code])) == ("APPLICABLE", "")
    assert result_of(client.validate(ORDER, codes=[code], evaluate_at=MONDAY_MORNING)) == (
        "INAPPLICABLE",
        "outside_validity_window",
    )
    # An RFC 3339 string is the same instant.
    monday = "2026-12-14T01:00:00Z"
    assert result_of(client.validate(ORDER, codes=[code], evaluate_at=monday))[1] == (
        "outside_validity_window"
    )


def test_start_and_expiry_follow_the_preview_time(client, clock):
    code = weekend_campaign(
        client,
        start_at="2026-12-01T00:00:00+09:00",
        expire_at="2027-01-01T00:00:00+09:00",
    )
    at(clock, SATURDAY_NIGHT)
    before = datetime(2026, 11, 28, 12, 0, tzinfo=SEOUL)  # a Saturday before the start
    after = datetime(2027, 1, 2, 12, 0, tzinfo=SEOUL)  # a Saturday after the expiry
    assert result_of(client.validate(ORDER, codes=[code], evaluate_at=before)) == (
        "INAPPLICABLE",
        "not_started",
    )
    assert result_of(client.validate(ORDER, codes=[code], evaluate_at=after)) == (
        "INAPPLICABLE",
        "expired",
    )


def test_qualify_lists_the_weekend_promotion_only_at_a_weekend_time(client, clock):
    weekend_promotion(client)
    at(clock, MONDAY_MORNING)

    def offered(**preview) -> list[str]:
        wallet = client.qualify(ORDER, **preview)
        return [entry["result"]["campaign_id"] for entry in wallet["entries"]]

    assert offered() == []
    assert offered(evaluate_at=SATURDAY_NIGHT) == ["weekend-promo"]
    assert offered(evaluate_at=MONDAY_MORNING) == []


def test_a_daily_limit_in_seoul_counts_the_local_day_of_the_preview_time(client, clock):
    client.create_campaign(
        id="daily",
        name="One a day",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        time_zone="Asia/Seoul",
        effect={"amount_off_order": {"amount": 100}},
        limits={"per_day": 1},
    )
    client.create_code("daily", "DAILY-1", redemption_quantity=100)
    at(clock, datetime(2026, 12, 12, 10, 0, tzinfo=SEOUL))
    redeemed = client.redeem({**ORDER, "id": "o1"}, codes=["DAILY-1"], idempotency_key="k1")
    assert redeemed["status"] == "SUCCEEDED"  # today's one use, 2026-12-12 in Seoul

    # 23:59 and 00:01 in Seoul are 14:59 and 15:01 UTC of the same UTC day: only the
    # campaign's zone tells them apart.
    late = datetime(2026, 12, 12, 23, 59, tzinfo=SEOUL)
    next_day = datetime(2026, 12, 13, 0, 1, tzinfo=SEOUL)
    assert result_of(client.validate(ORDER, codes=["DAILY-1"], evaluate_at=late)) == (
        "INAPPLICABLE",
        "daily_limit_exceeded",
    )
    assert result_of(client.validate(ORDER, codes=["DAILY-1"], evaluate_at=next_day)) == (
        "APPLICABLE",
        "",
    )
    # Read, never written: the previews left the counters as they were.
    assert client.get_code("DAILY-1")["redeemed_quantity"] == 1
    assert result_of(client.validate(ORDER, codes=["DAILY-1"]))[1] == "daily_limit_exceeded"
    at(clock, next_day)
    assert client.redeem({**ORDER, "id": "o2"}, codes=["DAILY-1"], idempotency_key="k2")[
        "status"
    ] == ("SUCCEEDED")


@pytest.mark.parametrize("role", ["checkout", "pos"])
def test_a_checkout_or_pos_key_may_not_preview(client, target, role):
    code = weekend_campaign(client)
    secret = client.create_api_key(f"{role} key", role)["secret"]
    with Client(target, api_key=secret) as shop:
        shop.validate(ORDER, codes=[code])  # the key itself works
        with pytest.raises(PermissionDeniedError) as denied:
            shop.validate(ORDER, codes=[code], evaluate_at=SATURDAY_NIGHT)
        assert "evaluate_at" in denied.value.message and role in denied.value.message
        assert denied.value.reason == "preview_not_allowed"
        with pytest.raises(PermissionDeniedError) as denied:
            shop.qualify(ORDER, evaluate_at=SATURDAY_NIGHT)
        assert "evaluate_at" in denied.value.message


def test_a_support_key_previews_and_changes_nothing(client, target, clock):
    code = weekend_campaign(client)
    at(clock, MONDAY_MORNING)
    secret = client.create_api_key("support desk", "support")["secret"]
    with Client(target, api_key=secret) as support:
        answer = support.validate(ORDER, codes=[code], evaluate_at=SATURDAY_NIGHT)
        assert result_of(answer) == ("APPLICABLE", "")
        support.qualify(ORDER, evaluate_at=SATURDAY_NIGHT)
        assert support.get_code(code)["code"] == code  # the reads
        with pytest.raises(PermissionDeniedError):
            support.redeem({**ORDER, "id": "o1"}, codes=[code], idempotency_key="k1")
        with pytest.raises(PermissionDeniedError):
            support.set_campaign_active("weekend", False)
        with pytest.raises(PermissionDeniedError):
            support.list_api_keys()


def test_a_preview_cannot_hold_a_reservation(client):
    code = weekend_campaign(client)
    with pytest.raises(InvalidArgumentError) as refused:
        client.validate(
            ORDER,
            codes=[code],
            evaluate_at=SATURDAY_NIGHT,
            reservation={"session_key": "cart-1", "ttl_seconds": 60},
        )
    assert refused.value.field == "evaluate_at"
    assert "reservation" in refused.value.description


def test_redeem_never_honours_a_preview_time(client, target, clock):
    """A Redeem whose bytes carry a Validate's `evaluate_at` (field 7) is evaluated at the
    server's clock, for an admin key too."""
    code = weekend_campaign(client)
    at(clock, MONDAY_MORNING)
    saturday = timestamp_pb2.Timestamp()
    saturday.FromDatetime(SATURDAY_NIGHT)
    preview_field = checkout_pb2.ValidateRequest(evaluate_at=saturday).SerializeToString()
    redeem = checkout_pb2.RedeemRequest(
        order=common_pb2.Order(
            id="o1",
            currency="EUR",
            items=[common_pb2.Item(sku="BEANS", unit_price=2000, quantity=1)],
        ),
        redeemables=[checkout_pb2.Redeemable(code=code)],
        idempotency_key="k1",
    )
    with grpc.insecure_channel(target) as channel:
        call = channel.unary_unary(
            "/promocore.v1.CheckoutService/Redeem",
            request_serializer=lambda request: request,
            response_deserializer=checkout_pb2.RedeemResponse.FromString,
        )
        metadata = (("x-api-key", TEST_ADMIN_KEY),)
        answer = call(redeem.SerializeToString() + preview_field, metadata=metadata, timeout=10)
    assert answer.status == checkout_pb2.FAILED
    assert answer.redeemables[0].reason == "outside_validity_window"
    assert client.get_code(code)["redeemed_quantity"] == 0
    assert client.list_redemptions() == []


def test_a_preview_time_out_of_range_names_the_field(client):
    code = weekend_campaign(client)
    with pytest.raises(InvalidArgumentError) as refused:
        client.validate(ORDER, codes=[code], evaluate_at="1969-12-31T23:59:59Z")
    assert refused.value.field == "evaluate_at"


def test_http_json_takes_the_preview_time_as_rfc_3339(http_server, admin, clock):
    code = weekend_campaign(admin)
    at(clock, MONDAY_MORNING)
    order = {"currency": "EUR", "items": [{"sku": "BEANS", "unitPrice": "2000", "quantity": 1}]}
    request = {"order": order, "redeemables": [{"code": code}]}
    status, answer = call(http_server, VALIDATE, request)
    assert status == 200 and answer["redeemables"][0]["reason"] == "outside_validity_window"
    status, answer = call(
        http_server, VALIDATE, {**request, "evaluateAt": "2026-12-12T23:30:00+09:00"}
    )
    assert status == 200 and answer["redeemables"][0]["status"] == "APPLICABLE"
    # Redeem's JSON has no such field: refused as unknown, never honoured.
    status, answer = call(
        http_server,
        REDEEM,
        {
            "order": {**order, "id": "o1"},
            "redeemables": [{"code": code}],
            "idempotencyKey": "k1",
            "evaluateAt": "2026-12-12T23:30:00+09:00",
        },
    )
    assert status == 400 and answer["code"] == "invalid_argument"
    assert "evaluateAt" in answer["message"]
    assert admin.list_redemptions() == []


def test_the_cli_previews_with_at(client, target, clock):
    code = weekend_campaign(client)
    at(clock, MONDAY_MORNING)
    cart_args = ("--code", code, "--item", "BEANS:2000:1")
    saturday = promocore("validate", *cart_args, "--at", "2026-12-12T23:30:00+09:00", target=target)
    assert saturday.returncode == 0, saturday.stderr
    assert "valid: yes" in saturday.stdout and "-3.00 EUR" in saturday.stdout
    monday = promocore(
        "validate", *cart_args, "--at", "2026-12-14T10:00:00+09:00", target=target, check=False
    )
    assert monday.returncode == 3
    assert "outside_validity_window" in monday.stdout
    redeem = promocore(
        "redeem", *cart_args, "--at", "2026-12-12T23:30:00+09:00", target=target, check=False
    )
    assert redeem.returncode == 2 and "--at" in redeem.stderr  # Redeem takes no preview time

    weekend_promotion(client)
    wallet = promocore(
        "qualify", "--item", "BEANS:2000:1", "--at", "2026-12-13T09:00:00+09:00", target=target
    )
    assert wallet.returncode == 0, wallet.stderr
    assert "weekend-promo" in wallet.stdout


@pytest.mark.parametrize("wrong", ["2026-12-12T23:30:00", "2026-12-12", "saturday"])
def test_the_cli_refuses_an_at_without_an_offset_naming_the_flag(target, wrong):
    args = ("validate", "--code", "X", "--item", "A:1:1", "--at", wrong)
    refused = promocore(*args, target=target, check=False)
    assert refused.returncode == 2
    assert "--at" in refused.stderr and "offset" in refused.stderr


def test_a_read_only_key_reads_a_wallet_but_never_at_a_preview_time(client, target):
    weekend_campaign(client)
    secret = client.create_api_key("analyst", "read_only")["secret"]
    with Client(target, api_key=secret) as reader:
        reader.qualify(ORDER)  # a customer's wallet, now
        with pytest.raises(PermissionDeniedError) as denied:
            reader.qualify(ORDER, evaluate_at=SATURDAY_NIGHT)
        assert denied.value.reason == "preview_not_allowed"
