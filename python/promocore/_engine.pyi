"""promocore's Rust engine (the ``promocore._engine`` extension module).

Campaigns are compiled once per version into :class:`CompiledCampaign` handles that the
server keeps; every checkout then crosses the Python/Rust boundary once, with serialized
protobuf bytes in and out. The engine releases the GIL while it decodes, evaluates and encodes.
"""

from collections.abc import Sequence
from typing import final

__version__: str
# Request limits (rust/engine/src/request.rs): beyond them an evaluation raises
# InvalidRequestError naming the field and the limit.
MAX_REDEEMABLES: int
MAX_ITEMS: int
MAX_CODE_CHARS: int
"""Version of the engine crate, e.g. ``"0.1.0"``."""

class CompileError(ValueError):
    """A campaign (or its rule) that does not compile.

    ``str(error)`` is ``"<path>: <reason>"``; ``args`` is ``(path, reason)``.
    """

    path: str
    """The offending field in Campaign field names, e.g. ``"rules.all[2].any[0].op"``,
    ``"effect.percent_off_order.percent_bp"``, ``"validity_windows[1].start_time"``."""

    reason: str
    """Why, for humans, e.g. ``"order.amount is an integer; got a string"``."""

    def __init__(self, path: str, reason: str) -> None: ...

class InvalidRequestError(ValueError):
    """Invalid caller input in a checkout request (the server answers INVALID_ARGUMENT).

    ``str(error)`` is ``"<field>: <reason>"``; ``args`` is ``(field, reason)``.
    """

    field: str
    """The offending request field path, e.g. ``"order.items[2].quantity"``,
    ``"redeemables[0].code"``, ``"customer.attributes_json"``."""

    reason: str
    """Why, for humans, e.g. ``"must be 1..1000000; got 0"``."""

    def __init__(self, field: str, reason: str) -> None: ...

@final
class CompiledCampaign:
    """One compiled campaign version: validated settings, rule, effect, schedule and limits.

    Immutable and safe to share between threads. Obtain it from :func:`compile_campaign`; it
    cannot be constructed directly.
    """

    @property
    def id(self) -> str:
        """The campaign id."""

    @property
    def name(self) -> str:
        """The campaign name."""

    @property
    def version(self) -> int:
        """The campaign version it was compiled from (``Campaign.version``)."""

    @property
    def currency(self) -> str:
        """ISO 4217 currency of the campaign's amounts."""

    @property
    def category(self) -> str:
        """The stacking category (``"default"`` when the campaign sets none)."""

    @property
    def campaign_type(self) -> int:
        """The ``promocore.v1.CampaignType`` value, e.g. ``campaign_pb2.DISCOUNT_COUPONS``."""

    @property
    def reward(self) -> str | None:
        """What the campaign gives, in words (``"10% off (at most 20.00 EUR)"``); ``None`` when
        it gives no discount (gift vouchers, loyalty programs)."""

    @property
    def minimum_spend(self) -> int:
        """The items amount the rule needs at least, in minor units (0 = none it requires)."""

@final
class CampaignIndex:
    """Many compiled campaigns indexed for Qualify, every input of a request in one context
    message. A test entry point: only in builds with the ``test-entry-points`` feature (``make
    install``; the wheel leaves it out). The server goes through
    :meth:`CheckoutPlan.prepare_qualify`.

    Candidates of a Qualify request: the PROMOTION campaigns (source ``AUTO_PROMOTION``), the
    DISCOUNT_COUPONS campaigns listed in ``QualifyContext.public_codes`` (``PUBLIC_CODE``) and the
    codes in ``QualifyContext.assigned_codes`` (``ASSIGNED_CODE``). Each is evaluated alone on the
    cart, exactly as a checkout with that single redeemable would evaluate it. When several
    campaigns share an id, the last one wins.
    """

    def __init__(self, campaigns: Sequence[CompiledCampaign]) -> None: ...
    def __len__(self) -> int:
        """Number of campaigns given (all versions, including non-promotions)."""

    def qualify(self, request_bytes: bytes, context_bytes: bytes) -> bytes:
        """Answers a Qualify request; returns the bytes of a ``promocore.v1.QualifyResponse``.

        Args:
            request_bytes: a serialized ``promocore.v1.QualifyRequest`` (the caller's bytes).
            context_bytes: a serialized ``promocore.v1.internal.QualifyContext``: the instant,
                the customer's stored profile, counters by campaign id, public codes by
                campaign id and the assigned codes with their counters.

        ``entries``: APPLICABLE results, largest total discount (items + shipping) first, ties
        by campaign id then code; at most ``request.limit`` (0 = 20). ``near_misses`` (only with
        ``include_near_misses``): INAPPLICABLE ``rules_not_met`` results whose explanation has a
        near miss, smallest ``missing`` first, same ties and limit. ``gift_cards``,
        ``loyalty_cards`` and ``rewards`` are left to the server. The GIL is released.

        Raises:
            InvalidRequestError: the order is invalid (``field`` names it) or ``limit`` < 0.
            ValueError: the context is malformed (a server bug).
        """

@final
class SegmentRule:
    """A compiled dynamic segment rule (docs/customers.md). Immutable and safe to share between
    threads; obtain it from :func:`compile_segment_rule`."""

    def matches(self, customer_id: str, profile_bytes: bytes, now_ms: int) -> bool:
        """Whether the customer is a member at ``now_ms``.

        ``profile_bytes`` is a serialized ``promocore.v1.internal.CustomerProfile``; the rule is
        evaluated with an empty cart and UTC day boundaries. The GIL is released.

        Raises:
            ValueError: the profile is malformed (a server bug).
        """

def compile_segment_rule(rules_json: str) -> SegmentRule:
    """Compiles a segment's rule JSON (docs/rules.md, customer.* and context.* subjects).

    Raises:
        CompileError: ``path`` names the offending part, starting at ``"rules"``.
    """

def compile_campaign(campaign_bytes: bytes) -> CompiledCampaign:
    """Compiles the bytes of a serialized ``promocore.v1.Campaign``.

    Validates the campaign (id, type, currency, time zone, schedule, validity windows, limits,
    code redemption quantity), compiles ``rules_json`` (docs/rules.md) and the effect.

    Raises:
        CompileError: the campaign does not compile; ``path`` names the offending field
            (``"campaign"`` when the bytes are not a Campaign at all).
    """

def evaluate_checkout(
    request_bytes: bytes,
    context_bytes: bytes,
    campaigns: Sequence[CompiledCampaign],
) -> bytes:
    """Evaluates a checkout and returns the bytes of a ``promocore.v1.ValidateResponse``, every
    input in one context message. A test entry point: only in builds with the
    ``test-entry-points`` feature (``make install``; the wheel leaves it out). The server goes
    through :class:`CheckoutPlan`.

    Args:
        request_bytes: the caller's serialized ``ValidateRequest`` or ``RedeemRequest``,
            untouched (read as ``promocore.v1.internal.CheckoutInput``, which shares their
            fields 1..4).
        context_bytes: a serialized ``promocore.v1.internal.EvaluationContext``: the instant,
            one ``ResolvedRedeemable`` per request redeemable (in request order), the joined
            auto promotions, the customer's stored profile (``customer``, optional) and the
            stacking rules in force (``stacking_rules``, optional: the defaults).
        campaigns: the compiled campaigns that ``campaign_slot`` values index.

    Every redeemable is checked (code exists, duplicate, currency, active, schedule, validity
    windows, assignment, code quantity, limits, rule, effect and discount budget). Discounts
    (coupons, promotions, referral codes) are applied to the running cart in stacking order
    (category priority, campaign priority, request order) under the stacking rules (maximum
    applied, per-category limits, exclusive and joint categories, not-combinable lists); then
    gift cards pay, then loyalty points. Results come back in request order, then the joined
    promotions. In ALL mode one requested redeemable that is not applied makes every applied
    one SKIPPED (reason ``application_mode_all``).

    Raises:
        InvalidRequestError: the request is invalid (``field`` names the request field).
        ValueError: the context is malformed or does not match the request (a server bug).
    """

@final
class Backtest:
    """A campaign replayed on a file of past orders (docs/backtest.md): every order is parsed
    and evaluated in the engine at its own time, the usage counters simulated in memory (each
    order the campaign applies to counts as redeemed). Nothing touches the store."""

    def __init__(
        self,
        plan: CheckoutPlan,
        campaign_id: str,
        *,
        baseline: CheckoutPlan | None = None,
        code_record: bytes | None = None,
        format: str | None = None,
        samples_per_outcome: int = 5,
        per_order: bool = False,
        now_ms: int = 0,
    ) -> None:
        """``plan``: the catalog with the campaign (it joins as a promotion; a coupon campaign
        is presented on every order through ``code_record``, a serialized ``promocore.v1.Code``
        of it, whose own redemption limit is lifted); ``baseline``: the live catalog without
        it, to compare; ``format``: "jsonl", "csv" or None (guessed); ``now_ms``: the time of
        undated orders.

        Raises:
            ValueError: an unknown format or a ``code_record`` that is not a Code.
        """
    def feed(self, chunk: bytes | memoryview, last: bool = False) -> list[str]:
        """Reads a chunk of the uncompressed file (``last``: it ends there). A thread of the
        backtest parses it while ``evaluate`` evaluates the orders of the chunk before: answers
        the ids of the customers of those orders (with ``last``, of all that are left) whose
        stored profile ``evaluate`` needs, in that order.

        Raises:
            InvalidRequestError: field "orders", reason "line N: field: why".
        """
    def evaluate(self, profiles: Sequence[bytes | None]) -> None:
        """Evaluates the orders read so far; ``profiles[i]``: the serialized
        ``promocore.v1.internal.CustomerProfile`` of the i-th customer ``feed`` named, or None.

        Raises:
            InvalidRequestError: an order the engine refuses (field "orders", reason naming
                the line and field); ValueError: a profile list of the wrong length.
        """
    @property
    def orders(self) -> int:
        """Orders evaluated so far."""
    @property
    def bytes_read(self) -> int:
        """Bytes of the file read so far."""
    def report(self) -> bytes:
        """The serialized ``promocore.v1.BacktestReport`` of the orders evaluated so far."""

class CheckoutPlan:
    """The catalog prepared for checkouts and Qualify, kept in Rust between requests: every
    campaign by id, which of them read usage counters (the engine decides: limits, a code
    quantity, a rule on ``counters.*``), the auto promotions that join (the PROMOTION campaigns
    that are not drafts), the stacking rules, the public codes and, built on the first Qualify,
    the Qualify index. Built once per catalog generation."""

    def __init__(
        self,
        campaigns: Sequence[CompiledCampaign],
        stacking_rules: bytes | None = None,
        public_codes: Sequence[bytes] = (),
    ) -> None:
        """``campaigns``: every compiled campaign, drafts included, in the order auto
        promotions join; ``stacking_rules``: a serialized ``promocore.v1.StackingRules`` (None:
        the defaults); ``public_codes``: the stored ``promocore.v1.Code`` of each campaign's
        public code (Qualify offers a DISCOUNT_COUPONS campaign through it).

        Raises:
            ValueError: ``stacking_rules`` is not a StackingRules message, or a public code not
                a Code.
        """
    def prepare(
        self,
        request_bytes: bytes,
        now_ms: int,
        code_records: Sequence[bytes | None],
        profile: bytes | None = None,
    ) -> PreparedCheckout:
        """Decodes a ``ValidateRequest`` or ``RedeemRequest`` (untouched bytes) and builds the
        engine's context from the store's records.

        Args:
            now_ms: the evaluation instant, Unix milliseconds.
            code_records: one per request redeemable: the stored ``promocore.v1.Code`` when it
                is a code the store has, else None.
            profile: the customer's serialized ``promocore.v1.internal.CustomerProfile``; None
                = nothing known.

        Raises:
            InvalidRequestError: the request does not decode (``field`` is ``"request"``).
            ValueError: a record does not decode, or the list does not match the request.
        """
    def prepare_qualify(
        self,
        request_bytes: bytes,
        now_ms: int,
        profile: bytes | None = None,
        assigned_codes: Sequence[bytes] = (),
    ) -> PreparedQualify:
        """Decodes a ``QualifyRequest`` (untouched bytes) and takes the store's records for it.

        Args:
            now_ms: the evaluation instant, Unix milliseconds.
            profile: the customer's serialized ``promocore.v1.internal.CustomerProfile``; None
                = nothing known.
            assigned_codes: the stored ``promocore.v1.Code`` records assigned to the customer.

        Raises:
            InvalidRequestError: the request does not decode (``field`` is ``"request"``).
            ValueError: a record does not decode.
        """
    def __len__(self) -> int: ...

@final
class PreparedQualify:
    """A Qualify request resolved against a CheckoutPlan, waiting for the counters the store
    reads: those of the candidates (promotions of the order's currency, public codes, assigned
    codes) whose evaluation reads them, as a checkout's would."""

    @property
    def counter_keys(self) -> list[bytes]:
        """Keys of the counters table to read (empty when no candidate reads counters)."""
    def qualify(self, values: Sequence[int] = ()) -> bytes:
        """The ``promocore.v1.QualifyResponse`` bytes, given each counter's committed value plus
        other reservation sessions' holds, in the order of ``counter_keys``.

        Candidates: the PROMOTION campaigns (source ``AUTO_PROMOTION``), the DISCOUNT_COUPONS
        campaigns with a public code (``PUBLIC_CODE``) and the customer's assigned codes
        (``ASSIGNED_CODE``), each evaluated alone on the cart, exactly as a checkout with that
        single redeemable would evaluate it. ``entries``: APPLICABLE results, largest total
        discount (items + shipping) first, ties by campaign id then code; at most
        ``request.limit`` (0 = 20). ``near_misses`` (only with ``include_near_misses``):
        INAPPLICABLE ``rules_not_met`` results whose explanation has a near miss, smallest
        ``missing`` first, same ties and limit. ``gift_cards``, ``loyalty_cards`` and
        ``rewards`` are left to the server. The GIL is released.

        Raises:
            InvalidRequestError: the order is invalid (``field`` names it) or ``limit`` < 0.
            ValueError: the values do not match the keys (a server bug).
        """

@final
class PreparedCheckout:
    """A checkout resolved against a CheckoutPlan, waiting for the counters the store reads.
    The store supplies, in the order of ``counter_keys``, each counter's committed value plus
    other reservation sessions' holds and whether holds are in it, and, in the order of
    ``points_keys``, each loyalty card's spendable points plus holds."""

    @property
    def counter_keys(self) -> list[bytes]:
        """Keys of the counters table to read (empty when no limit or balance is involved)."""
    @property
    def points_keys(self) -> list[bytes]:
        """Loyalty card balance keys whose spendable points to read."""
    def evaluate(
        self,
        values: Sequence[int] = (),
        held: Sequence[bool] = (),
        points: Sequence[int] = (),
    ) -> bytes:
        """Evaluates: the ``ValidateResponse`` bytes.

        Raises:
            InvalidRequestError: the request is invalid (``field`` names the request field).
            ValueError: the values do not match the keys (a server bug).
        """
    def evaluate_with_deltas(
        self,
        values: Sequence[int] = (),
        held: Sequence[bool] = (),
        points: Sequence[int] = (),
    ) -> tuple[bytes, list[tuple[bytes, int]]]:
        """``evaluate`` plus the counter changes its applied redeemables would make (what a
        reservation holds): ``(ValidateResponse bytes, [(counter key, delta)])``."""
    def redeem(
        self,
        values: Sequence[int],
        held: Sequence[bool],
        points: Sequence[int],
        redemption_id: str,
        idempotency_key: str,
        request_sha256: bytes,
    ) -> RedemptionWrites:
        """Evaluates a Redeem and computes its writes: the counter changes of every applied
        redeemable (keys of the engine's counter_keys.rs), the stored redemption,
        its log record and the idempotency record. ``redemption_id`` and ``request_sha256``
        (of the request bytes) are the server's.

        Raises as ``evaluate``.
        """

@final
class RedemptionWrites:
    """Everything one Redeem writes, computed by the engine. When ``succeeded`` is False
    (nothing applied) only ``response`` is set and nothing is to be written."""

    @property
    def succeeded(self) -> bool: ...
    @property
    def response(self) -> bytes:
        """``promocore.v1.RedeemResponse`` (SUCCEEDED with the redemption, or FAILED)."""
    @property
    def redemption(self) -> bytes:
        """``promocore.v1.Redemption``: what the redemption log's observers read."""
    @property
    def stored(self) -> bytes:
        """``promocore.v1.internal.StoredRedemption``: the record with every counter change."""
    @property
    def idempotency_record(self) -> bytes:
        """``promocore.v1.internal.IdempotencyRecord`` (store format 2): the request's SHA-256,
        the redemption's id and the answer's results that did not apply, each with its place."""
    @property
    def customer_id(self) -> str:
        """The redemption's customer id (empty when anonymous)."""
    @property
    def created_at_unix_ms(self) -> int:
        """The redemption's time (its ``created_at``), Unix milliseconds."""
    def counter_changes(self) -> list[tuple[bytes, int]]:
        """The changes summed per counter key, in key order."""
    def counter_keys(self) -> list[bytes]:
        """The changed counters' keys, in key order."""
    def counter_writes(self, current: Sequence[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        """The changed counters' new stored values (8 bytes, little-endian signed) given their
        current ``(key, value)`` pairs (keys absent from ``current`` count as 0).

        Raises:
            ValueError: a current value is not 8 bytes long.
        """
    @property
    def balance_debits(self) -> list[tuple[bytes, int]]:
        """Gift card (``gift/``) and loyalty card (``points/``) changes, signed."""
    @property
    def referral_codes(self) -> list[str]:
        """Applied codes whose record is a referral code."""

def take_result_tally() -> list[tuple[str, str, str, int]]:
    """The redeemable results checkouts answered (``PreparedCheckout.evaluate``,
    ``.evaluate_with_deltas`` and ``.redeem``) since the last call, reset to zero:
    ``(kind, status, reason, count)`` with kind ``"validate"`` or ``"redeem"``, the status name
    (``"APPLICABLE"``, ``"INAPPLICABLE"``, ``"SKIPPED"``) and the reason code (``""`` for
    applicable results). Counted in atomics on every checkout, metrics on or not."""

def validate_stacking_rules(rules_bytes: bytes) -> None:
    """Validates the bytes of a serialized ``promocore.v1.StackingRules`` (for SetStackingRules).

    Raises:
        CompileError: ``path`` names the field, e.g. ``"max_applied"``,
            ``"categories[1].name"`` (a name listed twice), ``"categories[0].max_applied"``.
    """

def describe_rules(rules_json: str, currency: str) -> str:
    """A campaign's rule JSON in words, amounts in ``currency``:
    ``"order amount is at least 50.00 EUR and number of items where categories contains
    \"coffee\" is at least 1"``; an empty rule is ``"every cart"``.

    Raises:
        CompileError: ``path`` names the offending part, starting at ``"rules"``.
    """

def format_money(amount: int, currency: str) -> str:
    """Formats minor units with the currency's ISO 4217 exponent.

    ``format_money(1250, "EUR")`` is ``"12.50 EUR"``, ``format_money(1250, "JPY")`` is
    ``"1250 JPY"``, ``format_money(1250, "KWD")`` is ``"1.250 KWD"``.
    """

def generate_codes(pattern: str, charset: str, prefix: str, postfix: str, count: int) -> list[str]:
    """Draws up to ``count`` random codes ``prefix + pattern + postfix`` (each ``#`` of the
    pattern one charset character) from the OS CSPRNG; fewer when some repeat within the batch.
    Sorted by store key (the upper-cased code), no two with one key.

    Raises:
        CompileError: ``path`` is the CodeConfig field of a bad shape (``"pattern"``,
            ``"charset"``, ``"prefix"``, ``"postfix"``): printable ASCII without spaces only,
            at least one ``#``, no charset character twice (case-insensitively).
        OSError: the OS random generator failed.
    """

def generate_code_records(
    pattern: str,
    charset: str,
    prefix: str,
    postfix: str,
    count: int,
    record_tail: bytes,
    index_prefix: bytes,
) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """``generate_codes`` in store form, for bulk inserts in key order: the keys, the records
    (the serialized ``promocore.v1.Code`` field 1, the code, followed by ``record_tail``, the
    batch's other fields serialized) and the campaign index keys (``index_prefix + key``).
    """

class JsonCodec:
    """Proto3 JSON <-> protobuf bytes of the messages of package promocore.v1, as protobuf's
    json_format maps them (lowerCamelCase names, defaults left out, 64-bit integers as
    strings, enums by name, timestamps in UTC with a "Z"); serde code generated per message."""

    def __init__(self) -> None: ...
    def knows(self, message_name: str) -> bool:
        """Whether `message_name` (a full name) is a message this codec transcodes."""
    def to_proto(self, message_name: str, json: bytes) -> bytes:
        """The protobuf bytes of `json`; ValueError when it is not a `message_name`; KeyError
        for a message this codec does not know."""
    def to_json(self, message_name: str, data: bytes) -> bytes:
        """The proto3 JSON of protobuf bytes `data` of `message_name`; ValueError when they do
        not decode."""
