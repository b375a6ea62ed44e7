"""The shop's look on its customers' rewards page (the cockpit): its name, a logo URL and the
header's two colours, set by an admin (SetShopBranding, audited) and kept in the settings table.

Everything is checked before it is stored, so the page can show it without further care: the
logo is an https:// URL (its origin is the one image source the cockpit's Content-Security-Policy
adds), the colours are "#rrggbb" and read against each other at a contrast ratio of at least
4.5:1 (WCAG 2.x AA for normal text), so the shop's name stays readable. The colours reach the
page through a stylesheet the server makes from them (`/cockpit/shop.css`), never inline styles.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from promocore.clock import Clock
from promocore.errors import InvalidArgumentError
from promocore.store import Store, Txn, audit_log
from promocore.v1 import admin_pb2

BRANDING_KEY = b"shop_branding"
MAX_SHOP_NAME = 80
MAX_LOGO_URL = 500
MIN_CONTRAST = 4.5
_HEX = re.compile(r"#[0-9a-fA-F]{6}")
# What a URL may hold and still be written as it is into an HTML attribute and a CSP header.
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def _luminance(color: str) -> float:
    """Relative luminance of "#rrggbb" (WCAG 2.x)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.x contrast ratio of two "#rrggbb" colours, 1 .. 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def logo_origin(url: str) -> str:
    """ "https://host[:port]" of a checked logo URL ("" for none)."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"https://{parts.netloc}"


def checked(branding: admin_pb2.ShopBranding) -> admin_pb2.ShopBranding:
    """The branding as it will be stored (names and URL trimmed, colours in lower case), or
    InvalidArgumentError naming the field."""
    name = branding.shop_name.strip()
    if len(name) > MAX_SHOP_NAME:
        raise InvalidArgumentError("branding.shop_name", f"at most {MAX_SHOP_NAME} characters")
    if any(ord(character) < 32 for character in name):
        raise InvalidArgumentError("branding.shop_name", "one line of text")
    url = branding.logo_url.strip()
    if url:
        _check_logo_url(url)
    colors = {}
    for field in ("brand_color", "brand_text_color"):
        value = getattr(branding, field).strip()
        if value and not _HEX.fullmatch(value):
            raise InvalidArgumentError(f"branding.{field}", f'a colour as "#rrggbb"; got {value!r}')
        colors[field] = value.lower()
    background, text = colors["brand_color"], colors["brand_text_color"]
    if bool(background) != bool(text):
        missing = "brand_text_color" if background else "brand_color"
        raise InvalidArgumentError(
            f"branding.{missing}", "the header's two colours are set together (or neither)"
        )
    if background and contrast_ratio(background, text) < MIN_CONTRAST:
        ratio = contrast_ratio(background, text)
        raise InvalidArgumentError(
            "branding.brand_text_color",
            f"reads at {ratio:.2f}:1 on {background}; at least {MIN_CONTRAST}:1 keeps the "
            "shop's name readable (WCAG AA)",
        )
    return admin_pb2.ShopBranding(
        shop_name=name, logo_url=url, brand_color=background, brand_text_color=text
    )


def _check_logo_url(url: str) -> None:
    field = "branding.logo_url"
    if len(url) > MAX_LOGO_URL:
        raise InvalidArgumentError(field, f"at most {MAX_LOGO_URL} characters")
    if not _URL_CHARACTERS.fullmatch(url):
        raise InvalidArgumentError(field, "a URL without spaces, quotes or angle brackets")
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise InvalidArgumentError(field, f"an https:// URL; got {parts.scheme or 'none'!r}")
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise InvalidArgumentError(field, "an https:// URL with a host and no user name")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
    except ValueError:
        raise InvalidArgumentError(field, "the port is not a number 0..65535") from None


def stylesheet(branding: admin_pb2.ShopBranding) -> bytes:
    """The cockpit's shop stylesheet: the header in the shop's colours (checked values only)."""
    if not branding.brand_color:
        return b"/* the shop set no colours */\n"
    return (
        f".shop-header {{ background: {branding.brand_color}; "
        f"color: {branding.brand_text_color}; }}\n"
        f".shop-header h1 {{ color: {branding.brand_text_color}; }}\n"
    ).encode()


class ShopBrandings:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def get(self) -> admin_pb2.ShopBranding:
        with self._store.read() as txn:
            raw = txn.get(BRANDING_KEY, db=self._store.tables.settings)
        return admin_pb2.ShopBranding() if raw is None else admin_pb2.ShopBranding.FromString(raw)

    def set(self, branding: admin_pb2.ShopBranding) -> admin_pb2.ShopBranding:
        stored = checked(branding)

        def write(txn: Txn) -> None:
            raw = txn.get(BRANDING_KEY, db=self._store.tables.settings)
            before = None if raw is None else admin_pb2.ShopBranding.FromString(raw)
            txn.put(BRANDING_KEY, stored.SerializeToString(), db=self._store.tables.settings)
            entry = audit_log.entry("SetShopBranding", "settings/shop_branding", before, stored)
            entry.created_at.FromMilliseconds(self._clock.now_ms())
            self._store.audit.append(txn, entry)

        self._store.transact(write)
        return stored
