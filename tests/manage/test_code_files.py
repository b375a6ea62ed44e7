"""Codes in and out of files through the real server: CSV import (all or nothing), CSV export,
QR images, campaign duplication, and the CLI's bulk generation with a progress bar."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys

import grpc
import pytest
import zxingcpp
from PIL import Image

from promocore import AlreadyExistsError, InvalidArgumentError, NotFoundError
from promocore.v1 import admin_pb2, admin_pb2_grpc

from support import TEST_ADMIN_KEY, cart, coupon


@pytest.fixture
def gifts(client):
    client.create_campaign(
        id="gifts", name="Gifts", type="GIFT_VOUCHERS", currency="EUR", code_redemption_quantity=5
    )
    return "gifts"


def test_import_then_export_round_trips_with_live_balances(client, gifts):
    source = (
        b"code,redemption_quantity,assigned_customer_id,gift_balance,active\r\n"
        b"GIFT-A,2,ann,5000,true\r\n"
        b'GIFT-B,,,"2500",false\r\n'
        b"\r\n"
        b"gift-c,,,100,\r\n"
    )
    # Chunks split anywhere, even inside a line.
    assert client.import_codes(gifts, [source[:7], source[7:40], source[40:]]) == 3
    assert client.get_code("GIFT-C")["gift_balance"] == 100
    answer = client.redeem(
        cart(("TEA", 1200, 1), id="o1"),
        codes=["GIFT-A"],
        customer={"id": "ann"},
        idempotency_key="k1",
    )
    assert answer["status"] == "SUCCEEDED"

    exported = b"".join(client.export_codes(gifts)).decode()
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [row["code"] for row in rows] == ["GIFT-A", "GIFT-B", "gift-c"]
    a, b, c = rows
    assert (a["redemption_quantity"], a["assigned_customer_id"], a["active"]) == (
        "2",
        "ann",
        "true",
    )
    assert (a["gift_balance"], a["redeemed_quantity"]) == ("3800", "1")  # live figures
    assert (b["active"], b["redemption_quantity"]) == ("false", "")
    assert c["gift_balance"] == "100"

    # The export imports into another campaign only after the codes are gone: codes are unique
    # store-wide, so re-importing them is refused as a whole.
    client.create_campaign(id="gifts-2", name="Gifts 2", type="GIFT_VOUCHERS", currency="EUR")
    with pytest.raises(AlreadyExistsError) as exists:
        client.import_codes("gifts-2", exported.encode())
    assert "csv.row[1]" in exists.value.message and "GIFT-A" in exists.value.message
    assert client.list_codes("gifts-2") == []


def test_a_bad_row_names_the_row_and_column_and_imports_nothing(client, gifts):
    with pytest.raises(InvalidArgumentError) as bad:
        client.import_codes(gifts, b"code,gift_balance\nOK-1,100\nOK-2,ten\n")
    assert bad.value.field == "csv.row[2].gift_balance"
    with pytest.raises(InvalidArgumentError) as header:
        client.import_codes(gifts, b"code,discount\nX,1\n")
    assert header.value.field == "csv.header"
    with pytest.raises(InvalidArgumentError) as negative:
        client.import_codes(gifts, b"code,gift_balance\nOK-1,1\nOK-2,-5\n")
    assert negative.value.field == "csv.row[2].gift_balance"
    with pytest.raises(AlreadyExistsError) as twice:
        client.import_codes(gifts, b"code\nSAME\nsame\n")  # codes are case-insensitive
    assert "csv.row[2]" in twice.value.message
    with pytest.raises(NotFoundError):
        client.import_codes("nope", b"code\nX\n")
    assert client.list_codes(gifts) == []
    assert client.list_audit_log(target_prefix="campaign/gifts/") == []


def test_qr_codes_hold_the_code_as_svg_or_png(client, gifts):
    client.create_code(gifts, "GIFT-QR", gift_balance=100)
    content_type, svg = client.code_qr("gift-qr")
    assert content_type == "image/svg+xml" and svg.startswith(b"<?xml") and b"<svg" in svg
    content_type, png = client.code_qr("GIFT-QR", format="png", scale=4)
    assert content_type == "image/png" and png.startswith(b"\x89PNG\r\n\x1a\n")
    _, bigger = client.code_qr("GIFT-QR", format="png", scale=8)
    assert len(bigger) > len(png)
    # Read back by a real decoder: a full QR code (not a Micro QR) holding the code as written.
    [scanned] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert (scanned.format.name, scanned.text) == ("QRCode", "GIFT-QR")
    with pytest.raises(InvalidArgumentError) as bad:
        client.code_qr("GIFT-QR", format="gif")
    assert bad.value.field == "format"
    with pytest.raises(NotFoundError):
        client.code_qr("NO-SUCH-CODE")


def test_duplicate_copies_the_definition_not_the_codes(client):
    coupon(
        client,
        "orig",
        "ORIG-1",
        effect={"percent_off_order": {"percent_bp": 1000}},
        limits={"per_customer": 1},
    )
    client.update_campaign({**client.get_campaign("orig"), "name": "Original v2"})
    copy = client.duplicate_campaign("orig", new_id="copy")
    assert (copy["id"], copy["name"], copy["version"]) == ("copy", "Original v2 (copy)", 1)
    assert copy["effect"] == client.get_campaign("orig")["effect"]
    assert copy["limits"]["per_customer"] == 1
    assert client.list_codes("copy") == []
    assert copy["active"] is False  # nothing goes live until someone enables it
    assigned = client.duplicate_campaign("orig", new_name="Again")
    assert (assigned["id"], assigned["name"]) == ("again", "Again")
    # Without an id or a name: the original's id with -copy, then -copy-2, ...
    assert client.duplicate_campaign("orig")["id"] == "orig-copy"
    assert client.duplicate_campaign("orig")["id"] == "orig-copy-2"
    with pytest.raises(AlreadyExistsError):
        client.duplicate_campaign("orig", new_id="copy")


def test_cli_generates_with_a_summary_and_exports(target, client, tmp_path):
    client.create_campaign(
        id="bulk",
        name="Bulk",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"amount_off_order": {"amount": 100}},
    )
    cli = [sys.executable, "-m", "promocore.cli", "--target", target]
    generated = subprocess.run(
        [*cli, "codes", "generate", "bulk", "--count", "120000", "--pattern", "BULK-########"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    # Not a terminal: no bar, one summary line (the bar is tested in a terminal: test_cli).
    assert re.fullmatch(r"120,000 codes in \d+\.\d s \([\d,]+ codes/s\)\n", generated.stderr)
    out = tmp_path / "bulk.csv"
    subprocess.run([*cli, "codes", "export", "bulk", "-f", str(out)], check=True, timeout=120)
    codes = [row["code"] for row in csv.DictReader(out.open())]
    assert len(codes) == len(set(codes)) == 120_000
    assert all(code.startswith("BULK-") and len(code) == 13 for code in codes)


def test_codes_are_listed_and_exported_by_prefix_with_their_total(client, target):
    coupon(client, "many", "SPRING-A1")
    for code in ("SPRING-A2", "SPRING-B1", "SUMMER-1", "spring-a3"):
        client.create_code("many", code)
    assert [c["code"] for c in client.list_codes("many", prefix="spring-a")] == [
        "SPRING-A1",
        "SPRING-A2",
        "spring-a3",
    ]
    metadata = (("x-api-key", TEST_ADMIN_KEY),)
    with grpc.insecure_channel(target) as channel:
        stub = admin_pb2_grpc.AdminServiceStub(channel)
        first = stub.ListCodes(
            admin_pb2.ListCodesRequest(campaign_id="many", prefix="SPRING", page={"page_size": 2}),
            metadata=metadata,
        )
        assert ([c.code for c in first.codes], first.total) == (["SPRING-A1", "SPRING-A2"], 4)
        second = stub.ListCodes(
            admin_pb2.ListCodesRequest(
                campaign_id="many",
                prefix="SPRING",
                page={"page_size": 2, "page_token": first.next_page_token},
            ),
            metadata=metadata,
        )
        assert ([c.code for c in second.codes], second.total) == (["spring-a3", "SPRING-B1"], 4)
        everything = stub.ListCodes(
            admin_pb2.ListCodesRequest(campaign_id="many"), metadata=metadata
        )
        assert everything.total == 5
    exported = b"".join(client.export_codes("many", prefix="summer")).decode().splitlines()
    assert [line.split(",")[0] for line in exported[1:]] == ["SUMMER-1"]


# Each file breaks one rule of the CSV reader; the refusal names the place in the file.
@pytest.mark.parametrize(
    ("csv_bytes", "field"),
    [
        (b"", "csv"),  # no header row at all
        (b"redemption_quantity,active\n2,true\n", "csv.header"),  # no code column
        (b"code,active\nA-1,true\nA-2,yes\n", "csv.row[2].active"),
        (b"code,redemption_quantity\nA-1,1.5\n", "csv.row[1].redemption_quantity"),
        (b"code,active\nA-1,true,extra\n", "csv.row[1]"),  # 3 cells for 2 columns
        (b"code\nCAF\xc9-1\n", "csv"),  # Latin-1, not UTF-8
    ],
)
def test_a_file_the_import_cannot_read_names_the_place(client, gifts, csv_bytes, field):
    with pytest.raises(InvalidArgumentError) as error:
        client.import_codes(gifts, csv_bytes)
    assert error.value.field == field
    assert client.list_codes(gifts) == []


def test_a_file_with_only_a_header_imports_nothing_and_the_export_column_is_accepted(client, gifts):
    assert client.import_codes(gifts, b"code,redeemed_quantity\n") == 0
    # redeemed_quantity is what the export adds; importing an export back ignores it.
    assert client.import_codes(gifts, b"code,redeemed_quantity\nBACK-1,7\n") == 1
    assert client.get_code("BACK-1")["redeemed_quantity"] == 0


@pytest.mark.parametrize("scale", [-1, 65])
def test_a_qr_scale_outside_0_to_64_is_refused(client, gifts, scale):
    client.create_code(gifts, "GIFT-QR", gift_balance=100)
    with pytest.raises(InvalidArgumentError) as error:
        client.code_qr("GIFT-QR", format="png", scale=scale)
    assert error.value.field == "scale"
