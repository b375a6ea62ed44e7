"""One checkout: requested redeemables answered in request order; discounts applied to the
running cart in the stacking rules' application order (or, under BEST_FOR_CUSTOMER, the
combination found by an exhaustive search without pruning), then gift cards, then loyalty
points; ALL mode; totals."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from promocore.v1 import checkout_pb2, common_pb2
from promocore.v1.internal import evaluation_pb2

from oracle.campaign import Campaign
from oracle.effects import Cart, Discount, NoEffect
from oracle.errors import ContextError, InvalidRequestError
from oracle.explain import locate
from oracle.facts import OrderFacts
from oracle.limits import (
    discount_breach,
    record_usage,
    redemption_breach,
    with_usage,
)
from oracle.operators import Env
from oracle.request import Checkout, merged_attributes, validate
from oracle.stacking import Policy, admit, compile_policy

APPLICABLE, INAPPLICABLE, SKIPPED = (
    common_pb2.APPLICABLE,
    common_pb2.INAPPLICABLE,
    common_pb2.SKIPPED,
)


class Rejected(Exception):
    def __init__(self, reason: str, failure=None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.failure = failure


@dataclass
class Evaluation:
    checkout: Checkout
    now_ms: int
    attributes: dict | None
    profile: evaluation_pb2.CustomerProfile | None
    policy: Policy
    cart: Cart = None  # type: ignore[assignment]
    # (campaign, position in the entries) of the applied discounts, in application order.
    applied: list = field(default_factory=list)
    usage: dict[str, evaluation_pb2.Counters] = field(default_factory=dict)
    paid: int = 0
    added_count: int = 0
    # SINGLE product stack policy: lines an item-level effect discounted.
    discounted: list[bool] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cart = Cart(list(self.checkout.line_amounts), self.checkout.order.shipping_amount)
        self.discounted = [False] * len(self.checkout.line_amounts)

    def state(self):
        return copy.deepcopy(
            (self.cart, self.applied_positions(), self.usage, self.added_count, self.discounted)
        )

    def applied_positions(self):
        return [(campaign.id, position) for campaign, position in self.applied]

    def restore(self, state, campaigns_by_position) -> None:
        cart, applied, usage, added_count, discounted = copy.deepcopy(state)
        self.cart, self.usage, self.added_count, self.discounted = (
            cart,
            usage,
            added_count,
            discounted,
        )
        self.applied = [(campaigns_by_position[p], p) for _, p in applied]

    def facts(self, campaign: Campaign, counters) -> OrderFacts:
        checkout = self.checkout
        return OrderFacts(
            order=checkout.order,
            customer_id=checkout.customer_id,
            attributes=self.attributes,
            profile=self.profile,
            order_metadata=checkout.order_metadata,
            item_metadata=checkout.item_metadata,
            running=list(self.cart.lines),
            initial_amount=checkout.items_amount,
            running_amount=self.cart.amount,
            total_quantity=checkout.total_quantity,
            counters=counters,
            env=Env(campaign.schedule.time_zone, self.now_ms),
        )

    def precheck(self, redeemable, campaign: Campaign, code, counters, held: bool):
        checkout = self.checkout
        if campaign.currency != checkout.order.currency:
            raise Rejected("currency_mismatch")
        if campaign.draft or not campaign.active:
            raise Rejected("campaign_inactive")
        if code is not None and code.HasField("active") and not code.active:
            raise Rejected("campaign_inactive")
        schedule = campaign.schedule
        start, expire = schedule.start_at_ms, schedule.expire_at_ms
        if code is not None and code.HasField("start_at"):
            start = code.start_at.ToMilliseconds()
        if code is not None and code.HasField("expire_at"):
            expire = code.expire_at.ToMilliseconds()
        if start is not None and self.now_ms < start:
            raise Rejected("not_started")
        if expire is not None and self.now_ms >= expire:
            raise Rejected("expired")
        if not schedule.in_window(self.now_ms):
            raise Rejected("outside_validity_window")
        assigned = code.assigned_customer_id if code is not None else ""
        if assigned and checkout.customer_id != assigned:
            raise Rejected("not_assigned_to_customer")
        referrer = code.referrer_customer_id if code is not None else ""
        if referrer and checkout.customer_id == referrer:
            raise Rejected("self_referral")
        counters = with_usage(counters, self.usage.get(campaign.id))
        if redeemable.WhichOneof("target") == "code":
            quantity = campaign.code_redemption_quantity
            if code is not None and code.HasField("redemption_quantity"):
                quantity = code.redemption_quantity
            if quantity is not None and counters.code_redeemed >= quantity:
                raise Rejected("reserved_by_other_session" if held else "code_quantity_exceeded")
        breach = redemption_breach(
            campaign.limits, counters, checkout.customer_id is not None, checkout.items_amount
        )
        if breach is not None:
            capacity = not (
                breach == "customer_limit_exceeded"
                and checkout.customer_id is None
                and _has_customer_limit(campaign)
            )
            raise Rejected("reserved_by_other_session" if held and capacity else breach)
        return counters

    def check_rule(self, campaign: Campaign, counters) -> None:
        if campaign.rule is None:
            return
        facts = self.facts(campaign, counters)
        if not campaign.rule.holds(facts):
            raise Rejected("rules_not_met", locate(campaign.rule, facts))

    def check_discount(self, redeemable, campaign: Campaign, code, counters, held) -> Discount:
        counters = self.precheck(redeemable, campaign, code, counters, held)
        self.check_rule(campaign, counters)
        effect = campaign.effect_for(self.checkout.customer_id)
        if effect is None:
            raise Rejected("no_effect")
        policy = self.policy
        single = policy.single_product and effect.item_level and any(self.discounted)
        cart = self.cart
        if single:
            lines = [
                0 if taken else line
                for line, taken in zip(cart.lines, self.discounted, strict=True)
            ]
            cart = Cart(lines, cart.shipping, cart.added)
        if policy.initial_base(campaign):
            cart = Cart(cart.lines, cart.shipping, cart.added, list(self.checkout.line_amounts))
            if single:
                cart.initial = [
                    0 if t else line for line, t in zip(cart.initial, self.discounted, strict=True)
                ]
        facts = self.facts(campaign, counters)
        facts.running, facts.running_amount = list(cart.lines), cart.amount
        try:
            discount = effect.apply(cart, facts, campaign.currency)
        except NoEffect:
            raise Rejected("no_effect") from None
        if discount_breach(campaign.limits, counters, discount.total()):
            raise Rejected("reserved_by_other_session" if held else "budget_exceeded")
        if discount.total() == 0 and not policy.redeem_no_effect:
            raise Rejected("no_effect")
        return discount

    def apply_discount(
        self, redeemable, campaign, code, counters, held, result, position, left_out_by=False
    ):
        """Applies the discount when valid and admitted; `left_out_by` (not False): left out by
        the best-combination search, naming that position. Returns the SKIPPED cause's position
        (or None), and the discount applied (or None)."""
        variant = campaign.variant_for(self.checkout.customer_id)
        if variant is not None:
            result.variant = variant.name
        try:
            discount = self.check_discount(redeemable, campaign, code, counters, held)
        except Rejected as rejection:
            reject(result, rejection)
            return None, None
        skip = admit(self.policy, self.applied, campaign)
        if skip is None and left_out_by is not False:
            skip = ("not_in_best_combination", left_out_by)
        if skip is not None:
            result.status, result.reason = SKIPPED, skip[0]
            return skip[1], None
        self.applied.append((campaign, position))
        if self.policy.single_product:
            effect = campaign.effect_for(self.checkout.customer_id)
            if effect is not None and effect.item_level:
                self.discounted = [
                    taken or line > 0
                    for taken, line in zip(self.discounted, discount.lines, strict=True)
                ]
        record_usage(
            self.usage,
            campaign.id,
            self.checkout.customer_id is not None,
            discount.total(),
            self.checkout.items_amount,
        )
        added_index = None
        if discount.added is not None:
            added_index = len(self.checkout.order.items) + self.added_count
            self.added_count += 1
        self.cart.lines = [
            line - min(max(d, 0), line)
            for line, d in zip(self.cart.lines, discount.lines, strict=True)
        ]
        self.cart.shipping -= min(max(discount.shipping, 0), self.cart.shipping)
        fill_discount(result, self.checkout, discount, added_index)
        return None, discount

    def remaining(self) -> int:
        discounted = (self.checkout.items_amount - self.cart.amount) + (
            self.checkout.order.shipping_amount - self.cart.shipping
        )
        return max(self.checkout.amount - discounted - self.paid, 0)

    def apply_tender(self, redeemable, campaign, code, counters, held, result) -> None:
        try:
            counters = self.precheck(redeemable, campaign, code, counters, held)
            self.check_rule(campaign, counters)
            remaining = self.remaining()
            gift = points = points_amount = 0
            if campaign.role == "gift_card":
                balance = code.gift_balance if code is not None else 0
                if balance <= 0:
                    raise Rejected("insufficient_balance")
                wanted = redeemable.amount if redeemable.HasField("amount") else balance
                gift = min(balance, remaining, wanted)
                if gift <= 0:
                    raise Rejected("no_effect")
            elif redeemable.HasField("points"):
                requested = redeemable.points
                balance = code.points if code is not None else 0
                if requested > balance:
                    raise Rejected("insufficient_points")
                if campaign.points_rate is None:
                    raise Rejected("no_effect")
                money, per = campaign.points_rate
                points_amount = min(requested * money // per, remaining)
                if points_amount <= 0:
                    raise Rejected("no_effect")
                points = -(-points_amount * per // money)
        except Rejected as rejection:
            reject(result, rejection)
            return
        record_usage(
            self.usage,
            campaign.id,
            self.checkout.customer_id is not None,
            0,
            self.checkout.items_amount,
        )
        self.paid += gift + points_amount
        result.status = APPLICABLE
        result.gift_amount, result.points, result.points_amount = gift, points, points_amount


def _has_customer_limit(campaign: Campaign) -> bool:
    return any(
        name in campaign.limits
        for name in (
            "per_customer",
            "per_customer_per_day",
            "per_customer_per_week",
            "per_customer_per_month",
        )
    )


def reject(result: checkout_pb2.RedeemableResult, rejection: Rejected) -> None:
    result.status, result.reason = INAPPLICABLE, rejection.reason
    failure = rejection.failure
    if failure is not None:
        explanation = result.explanation
        explanation.path, explanation.subject, explanation.operator = (
            failure.path,
            failure.subject,
            failure.operator,
        )
        if failure.missing is not None:
            explanation.near_miss.missing = failure.missing
            explanation.near_miss.unit = failure.unit


def fill_discount(result, checkout: Checkout, discount: Discount, added_index: int | None) -> None:
    result.status = APPLICABLE
    result.items_discount = discount.items_total()
    result.shipping_discount = discount.shipping
    for index, (line_discount, item) in enumerate(
        zip(discount.lines, checkout.order.items, strict=True)
    ):
        if line_discount > 0:
            result.allocations.add(item_index=index, sku=item.sku, discount=line_discount)
    if discount.added is not None and added_index is not None:
        item, line_discount = discount.added
        result.allocations.add(item_index=added_index, sku=item.sku, discount=line_discount)
        result.added_items.add(item=item, item_index=added_index)


def base_result(redeemable, campaign: Campaign) -> checkout_pb2.RedeemableResult:
    result = checkout_pb2.RedeemableResult(
        campaign_id=campaign.id,
        campaign_name=campaign.name,
        campaign_version=campaign.version,
        category=campaign.category,
    )
    result.redeemable.CopyFrom(redeemable)
    return result


def _same_target(a, b) -> bool:
    kind = a.WhichOneof("target")
    if kind != b.WhichOneof("target"):
        return False
    if kind == "code":
        return _lower(a.code) == _lower(b.code)
    return a.promotion_id == b.promotion_id


def _lower(text: str) -> str:
    # Rust's char::to_lowercase per character, which for these purposes is str.lower().
    return "".join(char.lower() for char in text)


def evaluate(request: checkout_pb2.ValidateRequest, context, campaigns: list[Campaign]):
    checkout = validate(
        request.order if request.HasField("order") else None,
        request.customer if request.HasField("customer") else None,
        request.redeemables,
        request.options if request.HasField("options") else None,
    )
    if len(context.redeemables) != len(checkout.redeemables):
        raise ContextError("resolved redeemables do not match the request")
    try:
        policy = compile_policy(
            context.stacking_rules if context.HasField("stacking_rules") else None
        )
    except Exception as error:
        raise ContextError(str(error)) from None
    profile = context.customer if context.HasField("customer") else None
    evaluation = Evaluation(
        checkout,
        context.now_unix_ms,
        merged_attributes(profile, checkout.attributes),
        profile,
        policy,
    )

    def slot(index: int) -> Campaign | None:
        return campaigns[index] if 0 <= index < len(campaigns) else None

    entries = [
        (r, slot(resolved.campaign_slot), resolved)
        for r, resolved in zip(checkout.redeemables, context.redeemables, strict=True)
    ]
    requested_count = len(entries)
    if checkout.include_promotions:
        joined: list[str] = []
        requested_ids = {
            r.promotion_id for r in checkout.redeemables if r.WhichOneof("target") == "promotion_id"
        }
        for resolved in context.promotions:
            campaign = slot(resolved.campaign_slot)
            if campaign is None or campaign.id in joined or campaign.id in requested_ids:
                continue
            joined.append(campaign.id)
            entries.append((checkout_pb2.Redeemable(promotion_id=campaign.id), campaign, resolved))

    results: list[checkout_pb2.RedeemableResult | None] = [None] * len(entries)
    discounts, gift_cards, loyalty_cards = [], [], []
    for position, (redeemable, campaign, _) in enumerate(entries):
        if campaign is None:
            result = checkout_pb2.RedeemableResult(status=INAPPLICABLE, reason="code_not_found")
            result.redeemable.CopyFrom(redeemable)
            results[position] = result
            continue
        if position < requested_count and any(
            _same_target(other, redeemable) for other in checkout.redeemables[:position]
        ):
            result = base_result(redeemable, campaign)
            result.status, result.reason = INAPPLICABLE, "duplicate_redeemable"
            results[position] = result
            continue
        {"discount": discounts, "gift_card": gift_cards, "loyalty_card": loyalty_cards}[
            campaign.role
        ].append(position)
    discounts.sort(key=lambda position: (policy.order_key(entries[position][1]), position))

    def evaluate_discount(position: int, left_out_by=False):
        redeemable, campaign, resolved = entries[position]
        result = base_result(redeemable, campaign)
        code = presented_code(redeemable, resolved)
        by, discount = evaluation.apply_discount(
            redeemable,
            campaign,
            code,
            resolved.counters,
            resolved.held_by_other_session,
            result,
            position,
            left_out_by,
        )
        if by is not None:
            result.skipped_by.CopyFrom(entries[by][0])
        return result, discount

    combinations: list = []
    chosen: list[int] | None = None
    if policy.best_for_customer:
        leaves = _every_combination(
            evaluation,
            discounts,
            evaluate_discount,
            {p: entries[p][1] for p in discounts},
            lambda p: checkout.mode == checkout_pb2.ALL and p < requested_count,
        )
        first = leaves[0]
        ranked = sorted(leaves, key=lambda leaf: -leaf[1])[:4]
        chosen = ranked[0][0]
        for index, (applied, total) in enumerate(ranked):
            combinations.append((applied, total, index == 0, applied == first[0]))
        if not any(c[3] for c in combinations):
            combinations.append((first[0], first[1], False, True))
    for position in discounts:
        left_out_by = False
        if chosen is not None and position not in chosen:
            left_out_by = chosen[0] if chosen else None
        results[position], _ = evaluate_discount(position, left_out_by)
    for position in gift_cards + loyalty_cards:
        redeemable, campaign, resolved = entries[position]
        result = base_result(redeemable, campaign)
        code = presented_code(redeemable, resolved)
        evaluation.apply_tender(
            redeemable, campaign, code, resolved.counters, resolved.held_by_other_session, result
        )
        results[position] = result
    final = [result for result in results if result is not None]

    if checkout.mode == checkout_pb2.ALL and any(
        r.status != APPLICABLE for r in final[:requested_count]
    ):
        failed = next(r for r in final[:requested_count] if r.status != APPLICABLE)
        for result in final:
            if result.status == APPLICABLE:
                reason = "application_mode_all"
                redeemable = checkout_pb2.Redeemable()
                redeemable.CopyFrom(result.redeemable)
                keep = checkout_pb2.RedeemableResult(
                    campaign_id=result.campaign_id,
                    campaign_name=result.campaign_name,
                    campaign_version=result.campaign_version,
                    category=result.category,
                    variant=result.variant,
                    status=SKIPPED,
                    reason=reason,
                )
                keep.redeemable.CopyFrom(redeemable)
                keep.skipped_by.CopyFrom(failed.redeemable)
                result.CopyFrom(keep)

    if not checkout.explain_promotions:
        # Joined promotions the cart does not qualify for are left out of the answer.
        final = final[:requested_count] + [
            r for r in final[requested_count:] if r.status != INAPPLICABLE
        ]
    response = checkout_pb2.ValidateResponse(redeemables=final)
    for applied, total, is_chosen, application_order in combinations:
        if not applied:
            continue  # applying nothing is no choice: not listed
        response.combinations.add(
            applied=[entries[p][0] for p in applied],
            total_discount=total,
            chosen=is_chosen,
            application_order=application_order,
        )
    applicable = [r for r in final if r.status == APPLICABLE]
    added = sorted((a for r in applicable for a in r.added_items), key=lambda a: a.item_index)
    response.added_items.extend(added)
    lines = len(checkout.order.items)
    items_discount = sum(
        a.discount for r in applicable for a in r.allocations if a.item_index < lines
    )
    shipping_discount = sum(r.shipping_discount for r in applicable)
    gift = sum(r.gift_amount for r in applicable)
    points_amount = sum(r.points_amount for r in applicable)
    total_discount = items_discount + shipping_discount
    after = max(checkout.amount - total_discount, 0)
    response.totals.CopyFrom(
        common_pb2.OrderTotals(
            currency=checkout.order.currency,
            items_amount=checkout.items_amount,
            shipping_amount=checkout.order.shipping_amount,
            amount=checkout.amount,
            items_discount=items_discount,
            shipping_discount=shipping_discount,
            total_discount=total_discount,
            amount_after_discounts=after,
            gift_card_amount=gift,
            points_amount=points_amount,
            total_to_pay=max(after - gift - points_amount, 0),
        )
    )
    response.valid = all(r.status == APPLICABLE for r in final[:requested_count]) and bool(
        applicable
    )
    return response


def _every_combination(evaluation, order, evaluate_discount, campaigns_by_position, required):
    """Every distinct combination of applied discounts, in visiting order (apply before leave
    out; the first is the application-order one): [(positions applied, total discount)]."""
    leaves: list = []

    def visit(index: int, applied: list[int], total: int) -> None:
        while index < len(order):
            position = order[index]
            state = evaluation.state()
            _, discount = evaluate_discount(position)
            if discount is None:
                index += 1
                continue
            gained = sum(discount.lines) + discount.shipping
            visit(index + 1, [*applied, position], total + gained)
            if required(position):
                return
            evaluation.restore(state, campaigns_by_position)
            index += 1
        leaves.append((applied, total))

    start = evaluation.state()
    visit(0, [], 0)
    evaluation.restore(start, campaigns_by_position)
    return leaves


def evaluate_checkout(
    request_bytes: bytes, context_bytes: bytes, campaigns: list[Campaign]
) -> bytes:
    """Request bytes (ValidateRequest or RedeemRequest) + EvaluationContext bytes -> the bytes of
    a ValidateResponse."""
    try:
        request = checkout_pb2.ValidateRequest.FromString(request_bytes)
    except Exception as error:
        raise InvalidRequestError(
            "request", f"not a serialized checkout request: {error}"
        ) from None
    context = evaluation_pb2.EvaluationContext.FromString(context_bytes)
    return evaluate(request, context, campaigns).SerializeToString()


def presented_code(redeemable, resolved):
    """The code record matters only for code redeemables (not for promotions)."""
    if redeemable.WhichOneof("target") == "code" and resolved.HasField("code"):
        return resolved.code
    return None
