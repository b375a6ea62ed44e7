"""The customer cockpit: signed, expiring links to one customer's rewards page, and what the page
shows (promocore.server.cockpit_page draws it).

A link is `/cockpit/<token>`; the token is `<payload>.<signature>`, both unpadded base64url in
their one canonical spelling (any other spelling of the same bytes is refused): the payload
names the customer, the customer's link generation and the expiry (Unix seconds); the signature
is HMAC-SHA256 of the payload with the server's cockpit secret. The secret (32 random bytes) is
made on the first link and kept in the store's settings table, so every worker and node checks
links alike and a restart keeps them working. Revoking a customer's links moves their
generation, also in the settings table: every link made before carries the old one.

The page reads only that customer's records: the codes assigned to them, their gift cards and
loyalty cards, the loyalty program's tiers and rewards.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import struct
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from google.protobuf import timestamp_pb2

from promocore import _engine
from promocore.cdp.customer_data import CustomerData
from promocore.checkout.wallet import Wallet
from promocore.clock import Clock
from promocore.errors import InvalidArgumentError, NotFoundError
from promocore.manage.code_files import qr_image
from promocore.programs.loyalty.accounts import customer_campaigns, customer_card
from promocore.store import Store, Txn, audit_log
from promocore.store.txn import Table
from promocore.v1 import admin_pb2, campaign_pb2, checkout_pb2, loyalty_pb2

SECRET_KEY = b"cockpit/secret"
GENERATION_PREFIX = b"cockpit/generation/"
SECRET_BYTES = 32
DEFAULT_TTL_S = 7 * 86400
MIN_TTL_S = 60
MAX_TTL_S = 365 * 86400
PATH_PREFIX = "/cockpit/"
MAX_BASE_URL = 200
LINK_QR_SCALE = 4
_SIGNED = b"promocore cockpit link\0"
_GENERATION = struct.Struct(">Q")


def _checked_base_url(base_url: str) -> str:
    """The HTTP port's URL without a trailing slash; "" when not given."""
    base_url = base_url.strip().rstrip("/")
    if not base_url:
        return ""
    parts = urlsplit(base_url)
    if (
        len(base_url) > MAX_BASE_URL
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username is not None
        or any(character.isspace() for character in base_url)
    ):
        raise InvalidArgumentError(
            "base_url",
            f"an http:// or https:// URL with a host, no query, at most {MAX_BASE_URL} characters",
        )
    return base_url


class LinkRefused(Exception):
    """A link that opens nothing; `reason` is what the page tells the visitor."""

    def __init__(self, reason: str, *, expired: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.expired = expired


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    """Strict: only the one canonical spelling of the bytes decodes (unpadded base64url, unused
    bits zero). The lenient decoder alone would skip characters outside the alphabet and ignore
    a last character's unused bits, so that a changed link could still open the page."""
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(data) != text:
        raise ValueError("not the canonical base64url spelling")
    return data


class CockpitLinks:
    def __init__(self, store: Store, clock: Clock, customer_data: CustomerData) -> None:
        self._store = store
        self._clock = clock
        self._data = customer_data
        self._secret: bytes | None = None  # read once; it never changes once made

    def create(
        self, customer_id: str, ttl_seconds: int, base_url: str = ""
    ) -> admin_pb2.CockpitLink:
        if not customer_id:
            raise InvalidArgumentError("customer_id", "required")
        base_url = _checked_base_url(base_url)
        ttl = ttl_seconds or DEFAULT_TTL_S
        if not MIN_TTL_S <= ttl <= MAX_TTL_S:
            raise InvalidArgumentError(
                "ttl_seconds", f"{MIN_TTL_S} s .. {MAX_TTL_S // 86400} days; got {ttl}"
            )
        with self._store.read() as txn:
            if self._data.customers.find(txn, customer_id) is None:
                raise NotFoundError(f"customer {customer_id!r} does not exist")
            generation = self._generation(txn, customer_id)
        expires = self._clock.now_ms() // 1000 + ttl
        payload = f"{customer_id}\n{generation}\n{expires}".encode()
        token = f"{_b64(payload)}.{_b64(self._sign(payload, self._secret_made()))}"
        # A link opens the customer's data: who made one, and until when, is in the audit log.
        self._store.transact(
            lambda txn: self._audit(
                txn, "CreateCockpitLink", customer_id, {"expires_unix_s": expires}
            )
        )
        link = admin_pb2.CockpitLink(
            customer_id=customer_id,
            path=PATH_PREFIX + token,
            expires_at=timestamp_pb2.Timestamp(seconds=expires),
        )
        if base_url:
            # The QR code a customer scans at the till or from a printed letter: the whole URL.
            link.url = base_url + link.path
            link.qr_svg = qr_image(link.url, "svg", LINK_QR_SCALE)[1]
        return link

    def revoke(self, customer_id: str) -> admin_pb2.RevokeCockpitLinksResponse:
        if not customer_id:
            raise InvalidArgumentError("customer_id", "required")

        def move(txn: Txn) -> None:
            key = GENERATION_PREFIX + customer_id.encode()
            generation = self._generation(txn, customer_id) + 1
            txn.put(key, _GENERATION.pack(generation), db=self._settings)
            self._audit(txn, "RevokeCockpitLinks", customer_id, {"generation": generation})

        self._store.transact(move)
        return admin_pb2.RevokeCockpitLinksResponse(customer_id=customer_id)

    def customer_of(self, token: str) -> str:
        """The customer a link's token opens; LinkRefused when it opens nothing."""
        return self.opened(token)[0]

    def opened(self, token: str) -> tuple[str, int]:
        """(customer id, expiry in Unix seconds) of the link; LinkRefused when it opens
        nothing."""
        payload_text, dot, signature_text = token.partition(".")
        secret = self._secret_stored()
        if not dot or secret is None:
            raise LinkRefused("This link is incomplete or was changed.")
        try:
            payload, signature = _unb64(payload_text), _unb64(signature_text)
        except (binascii.Error, ValueError):
            raise LinkRefused("This link is incomplete or was changed.") from None
        if not hmac.compare_digest(signature, self._sign(payload, secret)):
            raise LinkRefused("This link is incomplete or was changed.")
        try:
            customer_id, generation_text, expires_text = payload.decode().split("\n")
            generation, expires = int(generation_text), int(expires_text)
        except ValueError:
            raise LinkRefused("This link is incomplete or was changed.") from None
        if expires * 1000 <= self._clock.now_ms():
            raise LinkRefused("This link has expired.", expired=True)
        with self._store.read() as txn:
            if generation != self._generation(txn, customer_id):
                raise LinkRefused("This link was withdrawn.", expired=True)
        return customer_id, expires

    def _audit(self, txn: Txn, action: str, customer_id: str, after: dict[str, object]) -> None:
        entry = audit_log.entry(action, f"customer/{customer_id}/cockpit", None, after)
        entry.created_at.FromMilliseconds(self._clock.now_ms())
        self._store.audit.append(txn, entry)

    @property
    def _settings(self) -> Table:
        return self._store.tables.settings

    def _generation(self, txn: Txn, customer_id: str) -> int:
        raw = txn.get(GENERATION_PREFIX + customer_id.encode(), db=self._settings)
        if raw is None:
            return 0
        generation: int = _GENERATION.unpack(bytes(raw))[0]
        return generation

    @staticmethod
    def _sign(payload: bytes, secret: bytes) -> bytes:
        return hmac.new(secret, _SIGNED + payload, hashlib.sha256).digest()

    def _secret_stored(self) -> bytes | None:
        if self._secret is None:
            with self._store.read() as txn:
                self._secret = txn.get(SECRET_KEY, db=self._settings)
        return self._secret

    def _secret_made(self) -> bytes:
        """The secret, made and stored by the first link (one writer wins a race)."""
        secret = self._secret_stored()
        if secret is not None:
            return secret

        def make(txn: Txn) -> bytes:
            stored = txn.get(SECRET_KEY, db=self._settings)
            if stored is None:
                stored = os.urandom(SECRET_BYTES)
                txn.put(SECRET_KEY, stored, db=self._settings)
            return bytes(stored)

        self._secret = self._store.transact(make)
        return self._secret


@dataclass
class LoyaltyStanding:
    card: loyalty_pb2.LoyaltyCard
    program_name: str
    tier_name: str
    # The next tier, the figure that counts towards it, and its threshold (None at the top).
    next_tier: loyalty_pb2.Tier | None
    progress: int
    basis_is_money: bool
    currency: str
    affordable: list[loyalty_pb2.Reward] = field(default_factory=list)
    # (reward, points still missing)
    near_misses: list[tuple[loyalty_pb2.Reward, int]] = field(default_factory=list)


@dataclass
class CockpitCode:
    """A code in the customer's wallet, with what it gives in words."""

    code: campaign_pb2.Code
    campaign_name: str
    # "10% off (at most 20.00 EUR)" (the engine's words); "" when it gives no discount
    reward: str
    currency: str
    # Items amount the campaign's rule needs at least, minor units (0 = none)
    minimum_spend: int
    # The code's own expiry, else the campaign's (None = none)
    expire_at: timestamp_pb2.Timestamp | None
    time_zone: str


@dataclass
class CockpitView:
    customer_id: str
    # How the page greets the customer: their `name` or `first_name` attribute ("" = neither)
    display_name: str = ""
    # The codes assigned to the customer that can still be used
    codes: list[CockpitCode] = field(default_factory=list)
    gift_cards: list[loyalty_pb2.GiftCard] = field(default_factory=list)
    loyalty: list[LoyaltyStanding] = field(default_factory=list)


def cockpit_view(data: CustomerData, wallet: Wallet, customer_id: str, now_ms: int) -> CockpitView:
    """Everything the customer's page shows, read in one transaction."""
    store = data.store
    view = CockpitView(customer_id)
    with store.read() as txn:
        stored = data.customers.find(txn, customer_id)
        if stored is not None:
            view.display_name = _display_name(stored.customer.attributes_json)
        for code in data.distributions.wallet(txn, customer_id):
            if (code.HasField("active") and not code.active) or (
                code.HasField("redemption_quantity")
                and code.redeemed_quantity >= code.redemption_quantity
            ):
                continue
            if code.HasField("expire_at") and code.expire_at.ToMilliseconds() <= now_ms:
                continue
            campaign = store.catalog.get_campaign(txn, code.campaign_id)
            if campaign.HasField("active") and not campaign.active:
                continue
            view.codes.append(_wallet_code(code, campaign))
        for campaign_id in customer_campaigns(store, txn, customer_id):
            normalized = customer_card(store, txn, customer_id, campaign_id)
            if not normalized:
                continue
            raw = store.catalog.code_bytes(txn, normalized)
            if raw is None:
                continue
            code = campaign_pb2.Code.FromString(raw)
            if code.kind == campaign_pb2.CODE_KIND_GIFT_CARD:
                view.gift_cards.append(data.programs.gift_cards.view(txn, code))
            elif code.kind == campaign_pb2.CODE_KIND_LOYALTY_CARD:
                card = data.programs.accounts.card(txn, normalized, now_ms)
                program = data.programs.accounts.program(txn, card.campaign_id)
                affordable = wallet.affordable(txn, card)
                view.loyalty.append(_standing(card, program, affordable))
    return view


def _wallet_code(code: campaign_pb2.Code, campaign: campaign_pb2.Campaign) -> CockpitCode:
    # The engine words what a campaign gives and reads its minimum spend from the rule.
    compiled = _engine.compile_campaign(campaign.SerializeToString())
    expire_at = None
    if code.HasField("expire_at"):
        expire_at = code.expire_at
    elif campaign.HasField("expire_at"):
        expire_at = campaign.expire_at
    return CockpitCode(
        code=code,
        campaign_name=campaign.name or campaign.id,
        reward=compiled.reward or "",
        currency=campaign.currency,
        minimum_spend=compiled.minimum_spend,
        expire_at=expire_at,
        time_zone=campaign.time_zone or "UTC",
    )


def _display_name(attributes_json: str) -> str:
    try:
        attributes = json.loads(attributes_json or "{}")
    except ValueError:
        return ""
    for key in ("name", "first_name"):
        value = attributes.get(key) if isinstance(attributes, dict) else None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _standing(
    card: loyalty_pb2.LoyaltyCard,
    program: campaign_pb2.Campaign,
    affordable: list[checkout_pb2.AffordableReward],
) -> LoyaltyStanding:
    loyalty = program.loyalty
    money = loyalty.tier_basis == loyalty_pb2.LIFETIME_SPEND
    progress = card.lifetime_spend if money else card.period_points
    tiers = sorted(loyalty.tiers, key=lambda tier: tier.threshold)
    current = next((tier.name for tier in tiers if tier.id == card.tier_id), "")
    upcoming = next((tier for tier in tiers if tier.threshold > progress), None)
    reachable = [
        reward
        for reward in loyalty.rewards
        if not reward.tier_ids or card.tier_id in reward.tier_ids
    ]
    chosen = {entry.reward.id for entry in affordable}
    near = sorted(
        (
            (reward, reward.points_cost - card.points)
            for reward in reachable
            if reward.id not in chosen and reward.points_cost > card.points
        ),
        key=lambda pair: pair[1],
    )
    return LoyaltyStanding(
        card=card,
        program_name=program.name or program.id,
        tier_name=current,
        next_tier=upcoming,
        progress=progress,
        basis_is_money=money,
        currency=program.currency,
        affordable=[entry.reward for entry in affordable],
        near_misses=near[:3],
    )
