// "Try a cart" on a campaign's page: Validate a cart typed in currency units against this
// campaign (one of its codes, or the promotion itself), now or at a preview time entered in the
// campaign's time zone (`evaluateAt`: admin and support keys; nothing is written).
import { checkout } from "./api.js";
import { field, h, load, money } from "./ui.js";

const TRIED_TYPES = ["DISCOUNT_COUPONS", "PROMOTION"];

export function tryPanel(campaign) {
  if (!TRIED_TYPES.includes(campaign.type)) return null;
  const zone = campaign.timeZone || "UTC";
  const currency = campaign.currency || "EUR";
  const promotion = campaign.type === "PROMOTION";
  const code = h("input", { id: "try-code", required: true, autocomplete: "off" });
  const cart = h("input", { id: "try-cart", value: "SKU-1:50.00:1", size: 36, required: true });
  const at = h("input", { id: "try-at", type: "datetime-local" });
  const out = h("div", { id: "try-result", "aria-live": "polite" });
  const form = h("form", { className: "row", "aria-label": "Try a cart" },
    promotion ? null : field("Code", code),
    field(`Cart (SKU:PRICE:QTY, price in ${currency}, comma separated)`, cart),
    field(`Preview at, ${zone} time (empty: now)`, at),
    h("div", {}, h("button", { type: "submit", className: "secondary", id: "try-submit" }, "Try")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const request = {
      order: { currency, items: cartItems(cart.value) },
      redeemables: [promotion ? { promotionId: campaign.id } : { code: code.value.trim() }],
    };
    if (at.value) request.evaluateAt = instantIn(zone, at.value).toISOString();
    load(out, async () => answerView(await checkout("Validate", request), currency, at.value, zone), "Asking Validate");
  });
  return h("section", { className: "card" }, h("h2", {}, "Try a cart"), form, out);
}

function cartItems(text) {
  return text.split(",").map((part) => part.trim()).filter(Boolean).map((part) => {
    const [sku, price, quantity] = part.split(":");
    return { sku, unitPrice: String(Math.round(Number(price || 0) * 100)), quantity: String(Number(quantity || 1)) };
  });
}

function answerView(answer, currency, local, zone) {
  const result = (answer.redeemables || [])[0] || {};
  const when = local ? `at ${local.replace("T", " ")} ${zone}` : "now";
  if (result.status === "APPLICABLE") {
    const discount = Number(result.itemsDiscount || 0) + Number(result.shippingDiscount || 0);
    return h("p", { "data-status": "APPLICABLE" }, `Applies ${when}: ${money(discount, currency)} off.`);
  }
  return h("p", { "data-status": result.status || "" }, `Does not apply ${when}: `,
    h("span", { className: "reason", "data-reason": result.reason || "" }, result.reason || ""), " · ", result.message || "");
}

// The UTC instant of a wall-clock time ("2026-12-12T23:30") in an IANA zone: the zone's offset
// at that moment from Intl, asked twice so that a time next to an offset change settles.
export function instantIn(zone, local) {
  const [date, time] = local.split("T");
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute] = time.split(":").map(Number);
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let instant = wall;
  for (let i = 0; i < 2; i++) instant = wall - offsetMs(zone, instant);
  return new Date(instant);
}

function offsetMs(zone, instant) {
  const format = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const parts = Object.fromEntries(format.formatToParts(new Date(instant)).map((p) => [p.type, Number(p.value)]));
  const local = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return local - Math.floor(instant / 1000) * 1000;
}
