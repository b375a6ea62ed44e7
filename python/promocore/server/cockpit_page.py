"""The cockpit page of `GET /cockpit/<token>`: HTML made on the server from the customer's
records (cockpit.py), every text escaped, QR codes as inline SVG images; no script. A link
that opens nothing (changed, incomplete, expired, withdrawn) gets a page that says so and shows
no data."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from zoneinfo import ZoneInfo

from google.protobuf import timestamp_pb2

from promocore import _engine
from promocore.manage.cockpit import (
    PATH_PREFIX,
    CockpitCode,
    CockpitView,
    LinkRefused,
    LoyaltyStanding,
)
from promocore.manage.code_files import qr_image
from promocore.manage.shop_branding import logo_origin, stylesheet
from promocore.v1 import admin_pb2

log = logging.getLogger("promocore.cockpit")
HTML = "text/html; charset=utf-8"
CSS = "text/css; charset=utf-8"
# Not a token (a token has no "shop"): the stylesheet of the shop's colours.
SHOP_STYLESHEET = PATH_PREFIX + "shop.css"


def _money(minor: int, currency: str) -> str:
    return escape(_engine.format_money(minor, currency))


def _date(stamp: timestamp_pb2.Timestamp, zone: str) -> str:
    """A date as the customer reads it, in the campaign's time zone."""
    moment = datetime.fromtimestamp(stamp.seconds, ZoneInfo(zone))
    return f"{moment:%Y-%m-%d}"


def _qr(code: str) -> str:
    content_type, image = qr_image(code, "svg", 4)
    source = f"data:{content_type};base64,{base64.b64encode(image).decode()}"
    return (
        f'<img class="qr" src="{source}" alt="QR code of {escape(code)}" width="160" height="160">'
    )


def _page(title: str, body: str, header: str = "") -> bytes:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        '<link rel="stylesheet" href="/console/style.css">'
        f'<link rel="stylesheet" href="{SHOP_STYLESHEET}"></head>'
        f'<body>{header}<main id="main" class="cockpit">{body}</main></body></html>\n'
    ).encode()


def _shop_header(branding: admin_pb2.ShopBranding) -> str:
    """The shop's band above the page: its logo and name, in its colours (shop.css)."""
    logo = (
        f'<img class="shop-logo" id="shop-logo" src="{escape(branding.logo_url)}" '
        f'alt="{escape(branding.shop_name or "The shop")} logo" height="48">'
        if branding.logo_url
        else ""
    )
    name = escape(branding.shop_name) if branding.shop_name else "Your rewards"
    return (
        f'<header class="shop-header" id="shop-header">{logo}'
        f'<h1 id="shop-name">{name}</h1></header>'
    )


def refused_page(refusal: LinkRefused) -> bytes:
    return _page(
        "Link not valid",
        '<h1 id="refused">This link does not open a rewards page</h1>'
        f'<p class="error" role="alert">{escape(refusal.reason)}</p>'
        "<p>Ask the shop for a new link.</p>",
    )


def view_page(
    view: CockpitView, expires_s: int, branding: admin_pb2.ShopBranding | None = None
) -> bytes:
    branding = branding or admin_pb2.ShopBranding()
    greeting = f"<p>Hello {escape(view.display_name)}.</p>" if view.display_name else ""
    until = datetime.fromtimestamp(expires_s, UTC)
    # With the shop's name as the page's heading, "Your rewards" is the first section's.
    heading = "<h2>Your rewards</h2>" if branding.shop_name else ""
    parts = [
        f"{heading}{greeting}",
        f'<p class="muted" id="link-expiry">This link works until {until:%Y-%m-%d %H:%M} UTC.</p>',
        '<section class="card" id="cockpit-codes"><h2>Your codes</h2>',
    ]
    if not view.codes:
        parts.append('<p class="muted">No code for you right now.</p>')
    for offer in view.codes:
        parts.append(_code(offer))
    parts.append("</section>")
    if view.gift_cards:
        parts.append('<section class="card" id="cockpit-gift-cards"><h2>Gift cards</h2>')
        for card in view.gift_cards:
            parts.append(
                f'<div class="row"><div>{_qr(card.code)}</div><div>'
                f'<p class="mono">{escape(card.code)}</p>'
                f'<p>Balance <strong class="balance">{_money(card.balance, card.currency)}</strong>'
                "</p></div></div>"
            )
        parts.append("</section>")
    for standing in view.loyalty:
        parts.append(_loyalty(standing))
    title = f"Your rewards at {branding.shop_name}" if branding.shop_name else "Your rewards"
    return _page(title, "".join(parts), _shop_header(branding))


def _code(offer: CockpitCode) -> str:
    code = offer.code
    details = []
    if offer.minimum_spend:
        details.append(f"on orders from {_money(offer.minimum_spend, offer.currency)}")
    if code.HasField("redemption_quantity"):
        left = code.redemption_quantity - code.redeemed_quantity
        details.append(f"{left} use{'' if left == 1 else 's'} left")
    if offer.expire_at is not None:
        details.append(f"until {_date(offer.expire_at, offer.time_zone)}")
    gives = f'<strong class="gives">{escape(offer.reward)}</strong>' if offer.reward else ""
    return (
        f'<div class="row cockpit-code"><div>{_qr(code.code)}</div><div>'
        f'<p><strong class="mono code">{escape(code.code)}</strong></p>'
        f"<p>{gives}{' · ' if gives else ''}{escape(offer.campaign_name)}</p>"
        + (f'<p class="terms">{escape(" · ".join(details))}</p>' if details else "")
        + "</div></div>"
    )


def _loyalty(standing: LoyaltyStanding) -> str:
    card = standing.card
    parts = [
        f'<section class="card cockpit-loyalty"><h2>{escape(standing.program_name)}</h2>',
        f'<p>You have <strong class="points" id="points-{escape(card.campaign_id)}">'
        f"{card.points:,}</strong> points",
    ]
    if card.pending_points:
        parts.append(f" (and {card.pending_points:,} on the way)")
    parts.append(".</p>")
    if standing.tier_name:
        parts.append(
            f'<p>Your tier: <strong class="tier">{escape(standing.tier_name)}</strong></p>'
        )
    upcoming = standing.next_tier
    if upcoming is not None:
        # What counts toward the tier (spend, or points earned in the period), not the points
        # the customer can spend now.
        have = (
            f"you have spent {_money(standing.progress, standing.currency)}"
            if standing.basis_is_money
            else f"you have earned {standing.progress:,} points toward it"
        )
        need = (
            _money(upcoming.threshold, standing.currency)
            if standing.basis_is_money
            else f"{upcoming.threshold:,} points"
        )
        percent = (
            min(100, int(100 * standing.progress / upcoming.threshold))
            if upcoming.threshold
            else 100
        )
        parts.append(
            f"<p>Next tier: {escape(upcoming.name)} at {need} ({have})</p>"
            f'<progress class="tier-progress" max="100" value="{percent}" '
            f'aria-label="Progress to {escape(upcoming.name)}">{percent} %</progress>'
        )
    if standing.affordable:
        parts.append('<h3>Rewards you can have now</h3><ul class="affordable">')
        for reward in standing.affordable:
            parts.append(f"<li>{escape(reward.name)} — {reward.points_cost:,} points</li>")
        parts.append("</ul>")
    if standing.near_misses:
        parts.append('<h3>Almost there</h3><ul class="near-misses">')
        for reward, missing in standing.near_misses:
            parts.append(f"<li>{missing:,} more points for {escape(reward.name)}</li>")
        parts.append("</ul>")
    parts.append("</section>")
    return "".join(parts)


def cockpit_pages(
    opened: Callable[[str], tuple[str, int]],
    view_of: Callable[[str], CockpitView],
    branding_of: Callable[[], admin_pb2.ShopBranding],
) -> Callable[[str, str], tuple[int, str, bytes, str]]:
    """The HTTP port's handler of /cockpit/<token> and of the shop's stylesheet
    (promocore.server.http_server.PageHandler). `opened(token)`: the customer id and the link's
    expiry (CockpitLinks.opened); `branding_of()`: the shop's look (ShopBrandings.get)."""

    def page(path: str, _query: str) -> tuple[int, str, bytes, str]:
        if path == SHOP_STYLESHEET:
            return 200, CSS, stylesheet(branding_of()), ""
        token = path.removeprefix(PATH_PREFIX)
        try:
            customer_id, expires_s = opened(token)
        except LinkRefused as refusal:
            return (410 if refusal.expired else 403), HTML, refused_page(refusal), ""
        branding = branding_of()
        body = view_page(view_of(customer_id), expires_s, branding)
        # The logo is the one image the page loads from elsewhere: its origin only.
        return 200, HTML, body, logo_origin(branding.logo_url)

    return page
