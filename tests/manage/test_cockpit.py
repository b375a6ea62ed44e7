"""The customer cockpit through a real server: links made by the admin RPC and by
`promocore cockpit-link`, the page they open (that customer's codes, cards, tier and rewards
only), and the links that open nothing (changed, expired, revoked)."""

from __future__ import annotations

import http.client
import subprocess
import sys
from datetime import timedelta

import pytest
from cockpit_support import rewarded_customers

from promocore import Client
from promocore.errors import InvalidArgumentError, NotFoundError, PermissionDeniedError
from promocore.manage.cockpit import CockpitLinks, LinkRefused
from promocore.server.grpc_server import RunningServer

from support import NOW, cart

UNSET = {"shop_name": "", "logo_url": "", "brand_color": "", "brand_text_color": ""}


def get(server: RunningServer, path: str) -> tuple[int, http.client.HTTPMessage, str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.http.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


def test_a_link_opens_that_customers_codes_cards_tier_and_rewards_only(http_server, admin):
    rewarded_customers(admin)
    link = admin.create_cockpit_link("ann", 3600)
    assert link["path"].startswith("/cockpit/")
    status, headers, page = get(http_server, link["path"])
    assert status == 200
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "ANN-WELCOME" in page and "Welcome 5 off" in page
    assert "BOB-WELCOME" not in page and "bob" not in page
    assert 'src="data:image/svg+xml;base64,' in page  # QR codes, inline
    assert "25.00 EUR" in page  # the gift card's balance
    assert '<strong class="points" id="points-club">400</strong>' in page
    assert '<strong class="tier">Silver</strong>' in page
    assert "Next tier: Gold at 500 points (you have earned 400 points toward it)" in page
    assert "<li>A mug — 300 points</li>" in page  # affordable
    assert "<li>50 more points for A bag of beans</li>" in page  # near miss
    assert "<script" not in page


def test_changed_expired_and_revoked_links_open_nothing(http_server, admin, clock):
    rewarded_customers(admin)
    path = admin.create_cockpit_link("ann", 3600)["path"]
    payload, signature = path.removeprefix("/cockpit/").split(".")
    # The payload of another customer's link with ann's signature: refused.
    bob_payload = admin.create_cockpit_link("bob", 3600)["path"].removeprefix("/cockpit/")
    for forged in (
        f"/cockpit/{bob_payload.split('.')[0]}.{signature}",
        f"/cockpit/{payload}.{signature[:-2]}AA",
        f"/cockpit/{payload}",
        "/cockpit/garbage",
    ):
        status, _, page = get(http_server, forged)
        assert status == 403, forged
        assert "incomplete or was changed" in page and "ANN-WELCOME" not in page
    # Expired.
    clock.advance(3601 * 1000)
    status, _, page = get(http_server, path)
    assert status == 410 and "expired" in page and "ANN-WELCOME" not in page
    # Revoked: the links made before stop working, a new one works.
    fresh = admin.create_cockpit_link("ann", 3600)["path"]
    bobs = admin.create_cockpit_link("bob", 3600)["path"]
    assert get(http_server, fresh)[0] == 200
    admin.revoke_cockpit_links("ann")
    status, _, page = get(http_server, fresh)
    assert status == 410 and "withdrawn" in page and "ANN-WELCOME" not in page
    assert get(http_server, admin.create_cockpit_link("ann", 3600)["path"])[0] == 200
    # Revoking ann's links leaves bob's alone.
    assert get(http_server, bobs)[0] == 200
    actions = [entry["action"] for entry in admin.list_audit_log()]
    assert "RevokeCockpitLinks" in actions and "CreateCockpitLink" in actions


def test_links_are_admin_only_and_checked(http_server, admin):
    rewarded_customers(admin)
    with pytest.raises(NotFoundError):
        admin.create_cockpit_link("nobody", 3600)
    with pytest.raises(InvalidArgumentError) as bad:
        admin.create_cockpit_link("ann", 5)
    assert bad.value.field == "ttl_seconds"
    read_only = admin.create_api_key("analyst", "read_only")["secret"]
    with (
        Client(f"127.0.0.1:{http_server.port}", api_key=read_only) as reader,
        pytest.raises(PermissionDeniedError),
    ):
        reader.create_cockpit_link("ann", 3600)


def test_the_cli_prints_a_working_link(http_server, admin):
    rewarded_customers(admin)
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "promocore.cli",
            "--target",
            f"127.0.0.1:{http_server.port}",
            "cockpit-link",
            "ann",
            "--ttl",
            "7d",
            "--base-url",
            http_server.http.url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    url, expires = made.stdout.splitlines()
    assert url.startswith(http_server.http.url + "cockpit/")
    assert expires.startswith("expires 2026-03-08")  # the test clock's now + 7 days
    status, _, page = get(http_server, url.removeprefix(http_server.http.url.rstrip("/")))
    assert status == 200 and "ANN-WELCOME" in page


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def test_every_changed_character_and_every_other_spelling_of_a_token_is_refused(
    http_server, admin, clock
):
    rewarded_customers(admin)
    token = admin.create_cockpit_link("ann", 3600)["path"].removeprefix("/cockpit/")
    links = CockpitLinks(http_server.store, clock, http_server.customer_data)
    assert links.customer_of(token) == "ann"
    refused = 0
    for position, original in enumerate(token):
        for other in (*ALPHABET, ".", "=", "+", "/", "%", " "):
            if other == original:
                continue
            changed = token[:position] + other + token[position + 1 :]
            with pytest.raises(LinkRefused):
                links.customer_of(changed)
            refused += 1
    assert refused >= len(token) * len(ALPHABET) - len(token)
    payload, signature = token.split(".")
    respelled = [
        f"{payload}.{signature}=",  # padding
        f"{payload}==.{signature}",
        f"{payload}.{signature[:10]}=={signature[10:]}",  # padding inside
        f"{payload}.{signature[:10]}\n{signature[10:]}",  # characters a lenient decoder skips
        f"{payload}.{signature}".replace("-", "+").replace("_", "/"),
    ]
    # The same bytes with the last character's unused bits set (32 bytes: 43 characters, the
    # last one carries 4 bits and 2 unused ones).
    last = ALPHABET.index(signature[-1])
    respelled += [
        f"{payload}.{signature[:-1]}{ALPHABET[last | bits]}"
        for bits in (1, 2, 3)
        if last | bits != last
    ]
    for spelling in respelled:
        if spelling == token:
            continue
        with pytest.raises(LinkRefused):
            links.customer_of(spelling)
    # Over HTTP too: a respelled link opens nothing.
    for spelling in respelled[:3]:
        status, _, page = get(http_server, f"/cockpit/{spelling}")
        assert status in (403, 404), spelling
        assert "ANN-WELCOME" not in page


def test_the_page_greets_the_customer_and_says_what_each_code_gives(http_server, admin, clock):
    rewarded_customers(admin)
    admin.upsert_customer("ann", {"name": "Ann Smith"})
    # A code created for ann (not published) shows too, with its terms in words.
    admin.create_campaign(
        id="autumn",
        name="Autumn sale",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        time_zone="Asia/Seoul",
        effect={"percent_off_order": {"percent_bp": 1000, "cap": 2000}},
        rules={"subject": "order.amount", "op": "gte", "value": 3000},
        expire_at="2026-12-31T15:00:00Z",  # 2027-01-01 00:00 in Seoul
    )
    admin.create_code("autumn", "ANN-AUTUMN", assigned_customer_id="ann", redemption_quantity=2)
    link = admin.create_cockpit_link("ann", 3600)
    status, _, page = get(http_server, link["path"])
    assert status == 200
    assert "<p>Hello Ann Smith.</p>" in page and "Customer ann" not in page
    assert "ANN-AUTUMN" in page
    assert '<strong class="gives">10% off (at most 20.00 EUR)</strong> · Autumn sale' in page
    assert "on orders from 30.00 EUR · 2 uses left · until 2027-01-01" in page
    assert '<strong class="gives">5.00 EUR off</strong> · Welcome 5 off' in page
    expires = link["expires_at"]
    assert f"This link works until {expires:%Y-%m-%d %H:%M} UTC." in page
    # ann's wallet (Qualify) lists the assigned code as the cockpit does.
    wallet = admin.qualify(cart(("TV", 5000, 1)), customer={"id": "ann"})
    assert "ANN-AUTUMN" in [
        entry["result"]["redeemable"].get("code") for entry in wallet["entries"]
    ]


def test_the_shops_name_logo_and_colours_are_on_the_page_with_a_strict_policy(http_server, admin):
    rewarded_customers(admin)
    path = admin.create_cockpit_link("ann", 3600)["path"]
    # Nothing set: the default heading, no logo, images from this server and data: only.
    status, headers, page = get(http_server, path)
    assert status == 200
    assert '<h1 id="shop-name">Your rewards</h1>' in page and "shop-logo" not in page
    assert "img-src 'self' data:;" in headers["Content-Security-Policy"]
    _, css_headers, css = get(http_server, "/cockpit/shop.css")
    assert css_headers["Content-Type"].startswith("text/css") and "background" not in css

    saved = admin.set_shop_branding(
        shop_name="Kaffee & Co <Berlin>",
        logo_url="https://cdn.kaffee.example:8443/brand/logo.svg?v=2",
        brand_color="#1A3D2B",
        brand_text_color="#FFFFFF",
    )
    assert saved["brand_color"] == "#1a3d2b"  # stored in lower case
    assert admin.get_shop_branding() == saved
    status, headers, page = get(http_server, path)
    assert status == 200
    assert '<h1 id="shop-name">Kaffee &amp; Co &lt;Berlin&gt;</h1>' in page
    assert (
        '<img class="shop-logo" id="shop-logo" '
        'src="https://cdn.kaffee.example:8443/brand/logo.svg?v=2"' in page
    )
    assert "<title>Your rewards at Kaffee &amp; Co &lt;Berlin&gt;</title>" in page
    assert 'href="/cockpit/shop.css"' in page and "style=" not in page
    policy = headers["Content-Security-Policy"]
    # Widened to the logo's origin only; styles from this server only (no inline styles).
    assert "img-src 'self' data: https://cdn.kaffee.example:8443;" in policy
    assert "style-src 'self';" in policy and "unsafe-inline" not in policy
    _, _, css = get(http_server, "/cockpit/shop.css")
    assert ".shop-header { background: #1a3d2b; color: #ffffff; }" in css
    # A refused link's page carries no widened policy.
    _, refused_headers, _ = get(http_server, path[:-2] + "xx")
    assert "img-src 'self' data:;" in refused_headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"logo_url": "http://shop.example/logo.png"}, "branding.logo_url", "https://"),
        ({"logo_url": "javascript:alert(1)"}, "branding.logo_url", "https://"),
        ({"logo_url": "https://shop.example/a logo.png"}, "branding.logo_url", "spaces"),
        ({"logo_url": 'https://shop.example/"x'}, "branding.logo_url", "quotes"),
        ({"logo_url": "https://user@shop.example/logo.png"}, "branding.logo_url", "user"),
        ({"logo_url": "https:///logo.png"}, "branding.logo_url", "host"),
        ({"brand_color": "red", "brand_text_color": "#ffffff"}, "branding.brand_color", "#rrggbb"),
        ({"brand_color": "#fff", "brand_text_color": "#000000"}, "branding.brand_color", "#rrggbb"),
        ({"brand_color": "#123456"}, "branding.brand_text_color", "together"),
        ({"brand_text_color": "#123456"}, "branding.brand_color", "together"),
        # Light grey on white: 1.61:1.
        ({"brand_color": "#ffffff", "brand_text_color": "#cccccc"}, "branding.brand_text_color",
         "1.61:1"),
        # Just under AA: #767676 on white is 4.54:1 (passes), #777777 is 4.48:1 (refused).
        ({"brand_color": "#ffffff", "brand_text_color": "#777777"}, "branding.brand_text_color",
         "4.48:1"),
        ({"shop_name": "x" * 81}, "branding.shop_name", "80"),
        ({"shop_name": "two\nlines"}, "branding.shop_name", "one line"),
    ],
)  # fmt: skip
def test_a_shops_look_is_checked_before_it_is_stored(admin, fields, field, words):
    with pytest.raises(InvalidArgumentError) as error:
        admin.set_shop_branding(**fields)
    assert error.value.field == field
    assert words in str(error.value)
    assert admin.get_shop_branding() == UNSET


def test_the_shops_look_is_audited_and_set_by_admins_only(http_server, admin):
    admin.set_shop_branding(shop_name="First", brand_color="#ffffff", brand_text_color="#767676")
    admin.set_shop_branding(shop_name="Second")
    [latest, first] = admin.list_audit_log(target_prefix="settings/shop_branding")
    assert (latest["action"], first["action"]) == ("SetShopBranding", "SetShopBranding")
    assert latest["before"]["shop_name"] == "First" and latest["after"]["shop_name"] == "Second"
    for role in ("read_only", "support"):
        secret = admin.create_api_key(f"{role}-key", role)["secret"]
        with Client(f"127.0.0.1:{http_server.port}", api_key=secret) as other:
            assert other.get_shop_branding()["shop_name"] == "Second"
            with pytest.raises(PermissionDeniedError):
                other.set_shop_branding(shop_name="Mine now")
    assert admin.get_shop_branding()["shop_name"] == "Second"


def test_a_link_made_with_the_ports_url_carries_it_and_its_qr_code(http_server, admin):
    rewarded_customers(admin)
    base = f"http://127.0.0.1:{http_server.http.port}"
    link = admin.create_cockpit_link("ann", 3600, base_url=base + "/")
    assert link["url"] == base + link["path"]
    assert link["qr_svg"].startswith(b"<?xml") and b"<svg" in link["qr_svg"]
    assert admin.create_cockpit_link("ann", 3600)["url"] == ""  # without base_url: the path
    for bad in ("ftp://shop.example", "https://shop.example/?a=1", "shop.example", "https://"):
        with pytest.raises(InvalidArgumentError) as error:
            admin.create_cockpit_link("ann", 3600, base_url=bad)
        assert error.value.field == "base_url"


@pytest.mark.parametrize(
    ("ttl_seconds", "lasts_seconds"),
    [
        (0, 7 * 86_400),  # none asked: a week
        (60, 60),  # the shortest link
        (365 * 86_400, 365 * 86_400),  # the longest link
    ],
)
def test_a_link_lasts_what_was_asked_a_week_when_nothing_was(admin, ttl_seconds, lasts_seconds):
    rewarded_customers(admin)
    link = admin.create_cockpit_link("ann", ttl_seconds)
    assert link["expires_at"] == NOW + timedelta(seconds=lasts_seconds)


@pytest.mark.parametrize("ttl_seconds", [59, 365 * 86_400 + 1])
def test_a_link_shorter_than_a_minute_or_longer_than_a_year_is_refused(admin, ttl_seconds):
    rewarded_customers(admin)
    with pytest.raises(InvalidArgumentError) as error:
        admin.create_cockpit_link("ann", ttl_seconds)
    assert error.value.field == "ttl_seconds"
    assert f"got {ttl_seconds}" in error.value.description


@pytest.mark.parametrize(
    "base_url",
    [
        "https://shop.example/#rewards",  # a fragment
        "https://me@shop.example",  # a user name
        "https://shop.example/my rewards",  # a space
        "https://shop.example/" + "p" * 180,  # 201 characters
    ],
)
def test_a_base_url_the_link_could_not_be_appended_to_is_refused(admin, base_url):
    rewarded_customers(admin)
    with pytest.raises(InvalidArgumentError) as error:
        admin.create_cockpit_link("ann", 3600, base_url=base_url)
    assert error.value.field == "base_url"


def test_making_or_revoking_links_needs_a_customer(admin):
    with pytest.raises(InvalidArgumentError) as make:
        admin.create_cockpit_link("", 3600)
    assert make.value.field == "customer_id"
    with pytest.raises(InvalidArgumentError) as revoke:
        admin.revoke_cockpit_links("")
    assert revoke.value.field == "customer_id"
    assert [e["action"] for e in admin.list_audit_log()] == []
