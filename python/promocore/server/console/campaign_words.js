// A campaign in words, as a marketer reads it: what it gives, when it runs (in its zone), its
// limits, with money in its currency. The campaign page, the versions diff, the audit log and
// the form's live summary all say it the same way.
import { money } from "./ui.js";
import { formatPercent } from "./money.js";
import { formatInZone } from "./zones.js";

export function describeEffect(effect = {}, currency = "") {
  if (effect.amountOffOrder) return `${money(effect.amountOffOrder.amount, currency)} off the order`;
  if (effect.percentOffOrder) {
    const cap = effect.percentOffOrder.cap ? `, at most ${money(effect.percentOffOrder.cap, currency)}` : "";
    return `${formatPercent(effect.percentOffOrder.percentBp)} off the order${cap}`;
  }
  if (effect.amountOffItems) return `${money(effect.amountOffItems.amount, currency)} off matching items`;
  if (effect.percentOffItems) {
    const cap = effect.percentOffItems.cap ? `, at most ${money(effect.percentOffItems.cap, currency)}` : "";
    return `${formatPercent(effect.percentOffItems.percentBp)} off matching items${cap}`;
  }
  if (effect.shipping) {
    const shipping = effect.shipping;
    if (shipping.free) return "free shipping";
    if (shipping.amount) return `${money(shipping.amount, currency)} off shipping`;
    if (shipping.percentBp) return `${formatPercent(shipping.percentBp)} off shipping`;
  }
  if (effect.tieredSpend) {
    const tiers = [...(effect.tieredSpend.tiers || [])].sort((a, b) => Number(a.threshold) - Number(b.threshold))
      .map((tier) => `${tier.percentBp ? formatPercent(tier.percentBp) : money(tier.amount, currency)} off from ${money(tier.threshold, currency)}`);
    const cap = effect.tieredSpend.cap ? `, at most ${money(effect.tieredSpend.cap, currency)}` : "";
    return `${tiers.join(", ")}${cap}`;
  }
  if (effect.freeUnits) {
    const gift = effect.freeUnits;
    return `${Number(gift.quantity || 1)} × ${gift.sku} free${gift.addMissingItem ? " (added to the cart)" : ""}`;
  }
  if (effect.buyXGetY) {
    const deal = effect.buyXGetY;
    const off = deal.percentBp === 10000 || !deal.percentBp ? "free" : `at ${formatPercent(deal.percentBp)} off`;
    const most = deal.maxRepeats && deal.maxRepeats !== "0" ? `, at most ${deal.maxRepeats} times an order` : "";
    return `buy ${deal.buyQuantity || 1}, get ${deal.getQuantity || 1} ${off}${most}`;
  }
  if (effect.formula) return `a discount computed as ${effect.formula.expression}`;
  if (effect.fixedPrice) return `matching items at ${money(effect.fixedPrice.unitPrice, currency)} each`;
  const kind = Object.keys(effect)[0];
  return kind ? kind.replace(/[A-Z]/g, (c) => " " + c.toLowerCase()) : "";
}

// "from 2026-06-01 00:00 until 2026-06-30 23:59:59 (Europe/Berlin)", in the campaign's zone.
export function datesInZone(campaign) {
  const zone = campaign.timeZone || "UTC";
  const start = campaign.startAt ? `from ${formatInZone(campaign.startAt, zone).replace(/ \(.*\)$/, "")}` : "from its creation";
  const end = campaign.expireAt ? `until ${formatInZone(campaign.expireAt, zone).replace(/ \(.*\)$/, "")}` : "with no end";
  // Recurring windows (any one holds): "on Sat 23:00–24:00".
  const days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  const windows = (campaign.validityWindows || []).map((window) => {
    const on = (window.daysOfWeek || []).length ? `on ${window.daysOfWeek.map((day) => days[Number(day) - 1]).join(", ")}` : "every day";
    return `${on} ${window.startTime || "00:00"}–${window.endTime || "24:00"}`;
  });
  return `${start} ${end}${windows.length ? `, ${windows.join(" or ")}` : ""} (${zone})`;
}

export function limitsInWords(limits, currency, perCode) {
  const parts = [];
  if (limits.totalRedemptions) parts.push(`${Number(limits.totalRedemptions).toLocaleString("en")} redemptions in all`);
  if (limits.perCustomer) parts.push(`${limits.perCustomer} per customer`);
  if (limits.perCustomerPerDay) parts.push(`${limits.perCustomerPerDay} per customer a day`);
  if (limits.perDay) parts.push(`${limits.perDay} a day`);
  if (limits.budgetDiscount) parts.push(`a budget of ${money(limits.budgetDiscount, currency)} of discount`);
  if (limits.budgetOrderValue) parts.push(`${money(limits.budgetOrderValue, currency)} of orders`);
  if (perCode) parts.push(`${perCode} per code`);
  return parts.join(", ");
}
