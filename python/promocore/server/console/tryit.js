// "Try a cart" on a campaign's page: Validate a cart typed in currency units against this
// campaign (one of its codes, or the promotion itself), now or at a preview time entered in the
// campaign's time zone (`evaluateAt`: admin and support keys; nothing is written).
import { checkout } from "./api.js";
import { field, h, load, money, showProblem, clearProblem } from "./ui.js";
import { InputProblem, parseMoney } from "./money.js";
import { instantFromLocal } from "./zones.js";

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
    clearProblem(cart);
    let items;
    try {
      items = cartItems(cart.value, currency);
    } catch (problem) {
      if (!(problem instanceof InputProblem)) throw problem;
      showProblem(cart, problem.message);
      cart.focus();
      return;
    }
    const request = {
      order: { currency, items },
      redeemables: [promotion ? { promotionId: campaign.id } : { code: code.value.trim() }],
    };
    if (at.value) request.evaluateAt = instantFromLocal(at.value, zone);
    load(out, async () => answerView(await checkout("Validate", request), currency, at.value, zone), "Asking Validate");
  });
  return h("section", { className: "card" }, h("h2", {}, "Try a cart"), form, out);
}

// "SKU:PRICE:QTY, ..." with prices in the currency's units (12.99 EUR, 1500 JPY), exactly.
function cartItems(text, currency) {
  return text.split(",").map((part) => part.trim()).filter(Boolean).map((part) => {
    const [sku, price, quantity] = part.split(":");
    try {
      return { sku, unitPrice: parseMoney(price || "", currency), quantity: String(Number(quantity || 1)) };
    } catch (problem) {
      if (problem instanceof InputProblem) throw new InputProblem(`${sku}: ${problem.message}`);
      throw problem;
    }
  });
}

function answerView(answer, currency, local, zone) {
  const result = (answer.redeemables || [])[0] || {};
  const when = local ? `at ${local.replace("T", " ")} ${zone}` : "now";
  if (result.status === "APPLICABLE") {
    const discount = Number(result.itemsDiscount || 0) + Number(result.shippingDiscount || 0);
    return h("p", { "data-status": "APPLICABLE" }, `Applies ${when}: ${money(discount, currency)} off.`);
  }
  const nearMiss = ((result.explanation || {}).nearMiss || {}).message;
  return h("div", {}, h("p", { "data-status": result.status || "" }, `Does not apply ${when}: `,
    h("span", { className: "reason", "data-reason": result.reason || "" }, result.reason || ""), " · ", result.message || ""),
    nearMiss ? h("p", { className: "near-miss", id: "try-near-miss" }, nearMiss) : null);
}
