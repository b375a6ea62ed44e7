// Customers: look one up; attributes, segments, the wallet (Qualify for an example cart), gift
// cards and loyalty balances with their ledgers, redemptions with a Rollback button.
import { admin, checkout, listAll } from "./api.js";
import { canSupport } from "./session.js";
import { askFirst, clearProblem, errorBox, field, h, load, money, replace, showProblem, table, when } from "./ui.js";
import { InputProblem, parseMoney } from "./money.js";

export function customersPage(id) {
  const input = h("input", { id: "customer-search", type: "search", value: "",
    placeholder: "ann@example.com, +49 30 1234, Ann Smith, a code…" });
  const out = h("div", { id: "customer" });
  const form = h("form", { className: "row", "aria-label": "Find a customer" },
    field("E-mail, phone, name, customer id or a code they hold", input),
    h("div", {}, h("button", { type: "submit", id: "customer-find" }, "Find")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (location.hash !== "#/customers") location.hash = "#/customers";
    load(out, () => customerList(input.value.trim(), ""), "Looking for customers");
  });
  if (id) load(out, () => customerView(id), "Loading the customer");
  else load(out, () => customerList("", ""), "Loading customers");
  return h("div", {}, h("h1", {}, "Customers"), form, out);
}

const PAGE = 50;

// One page of customers (those `query` finds, or all in id order), with the next page's link.
async function customerList(query, token) {
  const answer = await admin("ListCustomers", { query, page: { pageSize: PAGE, pageToken: token } });
  const customers = answer.customers || [];
  const holder = h("div", { id: "customer-list" });
  const attributes = (c) => { try { return JSON.parse(c.attributesJson || "{}"); } catch { return {}; } };
  const name = (c) => { const a = attributes(c); return a.name || [a.first_name, a.last_name].filter(Boolean).join(" "); };
  const next = answer.nextPageToken ? h("button", { type: "button", className: "secondary", id: "customers-next",
    onclick: () => load(holder, () => customerList(query, answer.nextPageToken), "Loading customers") }, "Next page") : null;
  replace(holder,
    h("p", { className: "muted", id: "customer-count" }, query
      ? `${customers.length}${answer.nextPageToken ? "+" : ""} found for “${query}”${token ? " (a later page)" : ""}.`
      : `Customers by id${token ? ", a later page" : ""}.`),
    table([
      { title: "Customer", cell: (c) => h("a", { href: `#/customers/${encodeURIComponent(c.id)}` }, c.id) },
      { title: "Name", cell: name },
      { title: "E-mail", cell: (c) => attributes(c).email || "" },
      { title: "Phone", cell: (c) => String(attributes(c).phone || "") },
      { title: "Segments", cell: (c) => (c.segments || []).join(", ") },
    ], customers, query ? "Nobody found: try the start of the e-mail address, the phone's digits or one word of the name." : "No customer yet."),
    next);
  return holder;
}

async function customerView(id) {
  const customer = await admin("GetCustomer", { id });
  const aggregates = customer.aggregates || {};
  const attributes = customer.attributesJson ? JSON.parse(customer.attributesJson) : {};
  const wallet = h("div", { id: "wallet" });
  const redemptions = h("div", { id: "redemptions" });
  const cartText = h("input", { id: "wallet-cart", value: "SKU-1:50.00:1", size: 40 });
  const currency = h("input", { id: "wallet-currency", value: aggregates.totalSpentCurrency || "EUR", size: 4 });
  const walletForm = h("form", { className: "row", "aria-label": "Example cart" },
    field("Example cart (SKU:PRICE:QTY, price in the currency, e.g. BEANS:12.99:2, comma separated)", cartText), field("Currency", currency),
    h("div", {}, h("button", { type: "submit", className: "secondary" }, "Show the wallet")));
  const showWallet = () => load(wallet, () => walletView(id, cartText.value, currency.value.trim()), "Asking Qualify");
  walletForm.addEventListener("submit", (event) => { event.preventDefault(); showWallet(); });
  showWallet();
  const notice = h("div", { "aria-live": "polite", id: "rollback-notice" });
  const showRedemptions = () => load(redemptions, () => redemptionsView(id, showRedemptions, notice), "Loading redemptions");
  showRedemptions();
  return h("div", {},
    h("h2", { id: "customer-heading" }, `Customer ${customer.id}`),
    h("section", { className: "card" },
      h("p", {}, `${Number(aggregates.ordersCount || 0)} orders, spent ${money(aggregates.totalSpent, aggregates.totalSpentCurrency)}`,
        aggregates.lastOrderAt ? `, last order ${when(aggregates.lastOrderAt)}` : ""),
      h("p", {}, "Segments: ", (customer.segments || []).length ? customer.segments.join(", ") : h("span", { className: "muted" }, "none")),
      table([{ title: "Attribute", cell: ([k]) => k }, { title: "Value", cell: ([, v]) => JSON.stringify(v) }],
        Object.entries(attributes), "No attributes.")),
    h("section", { className: "card" }, h("h2", {}, "Wallet, gift cards and loyalty"), walletForm, wallet),
    h("section", { className: "card" }, h("h2", {}, "Redemptions"), notice, redemptions),
    canSupport() ? h("section", { className: "card" }, h("h2", {}, "Rewards link"), rewardsLink(customer.id)) : null);
}

// The customer's own rewards page (the cockpit): a signed link that expires, to send them (with
// its QR code); and withdrawing every link made so far (confirmed).
function rewardsLink(id) {
  const days = h("select", { id: "link-days" }, [1, 7, 30, 90].map((n) => h("option", { value: n, selected: n === 7 }, `${n} day${n === 1 ? "" : "s"}`)));
  const out = h("div", { id: "link-result", "aria-live": "polite" });
  const form = h("form", { className: "row", "aria-label": "Rewards link" },
    field("Works for", days), h("div", {}, h("button", { type: "submit", id: "make-link" }, "Make a link")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const link = await admin("CreateCockpitLink", { customerId: id, ttlSeconds: String(Number(days.value) * 86400), baseUrl: location.origin });
      const url = link.url || new URL(link.path, location.origin).href;
      const copy = h("button", { type: "button", className: "secondary", id: "copy-link" }, "Copy");
      copy.addEventListener("click", async () => {
        try { await navigator.clipboard.writeText(url); copy.textContent = "Copied"; } catch { copy.textContent = "Select the link and copy it"; }
      });
      replace(out, h("div", { className: "ok", role: "status" },
        h("p", {}, "Send this link to the customer; it works until ", h("strong", {}, new Date(link.expiresAt).toUTCString()), "."),
        h("p", {}, h("a", { href: url, id: "rewards-link", className: "mono", target: "_blank", rel: "noopener" }, url), " ", copy),
        // The server's QR code of the whole link (segno, SVG), for a phone to scan off the screen.
        link.qrSvg ? h("p", {}, h("img", { id: "rewards-link-qr", className: "qr", src: `data:image/svg+xml;base64,${link.qrSvg}`,
          alt: "QR code of the rewards link", width: 200, height: 200 })) : null));
    } catch (error) {
      replace(out, errorBox(error));
    }
  });
  const withdraw = h("button", { type: "button", className: "danger", id: "withdraw-links" }, "Withdraw every link…");
  withdraw.addEventListener("click", () => {
    const withdrawAll = async () => {
      try {
        await admin("RevokeCockpitLinks", { customerId: id });
        replace(out, h("div", { className: "ok", role: "status", id: "links-withdrawn" }, `Every rewards link of ${id} made so far stopped working.`));
      } catch (error) {
        replace(out, errorBox(error));
      }
    };
    askFirst(out, { id: "withdraw", yes: "Withdraw them", onYes: withdrawAll, back: withdraw,
      question: `Withdraw every rewards link of ${id}? The links already sent stop working; a new one can be made.` });
  });
  return h("div", {}, form, h("p", {}, withdraw), out);
}

function parseCart(text, currency) {
  const items = text.split(",").map((part) => part.trim()).filter(Boolean).map((part) => {
    const [sku, price, quantity] = part.split(":");
    let unitPrice;
    try { unitPrice = parseMoney(price || "", currency); } catch (problem) {
      if (problem instanceof InputProblem) throw new InputProblem(`${sku}: ${problem.message}`);
      throw problem;
    }
    return { sku, unitPrice, quantity: String(Number(quantity || 1)) };
  });
  return { currency, items };
}

async function walletView(id, cartText, currency) {
  const answer = await checkout("Qualify", { order: parseCart(cartText, currency), customer: { id }, includeNearMisses: true });
  // Programs and tiers by their names, not their ids.
  const programs = Object.fromEntries(await Promise.all([...new Set((answer.loyaltyCards || []).map((l) => l.campaignId))]
    .map(async (campaignId) => [campaignId, await admin("GetCampaign", { id: campaignId })])));
  const programName = (l) => (programs[l.campaignId] || {}).name || l.campaignId;
  const tierName = (l) => {
    const tier = (((programs[l.campaignId] || {}).loyalty || {}).tiers || []).find((t) => t.id === l.tierId);
    return tier ? tier.name || tier.id : l.tierId || "";
  };
  const ledgerOut = h("div", { id: "ledger" });
  // A gift card's ledger moves money, a loyalty card's points.
  const amount = (value, giftCurrency) => giftCurrency ? money(value, giftCurrency) : `${Number(value || 0).toLocaleString("en")} points`;
  const ledger = (code, giftCurrency) => load(ledgerOut, async () => {
    const entries = await listAll("ListLedger", { code }, "entries", 200);
    return h("div", {}, h("h3", {}, `Ledger of ${code}`), table([
      { title: "When", cell: (e) => when(e.createdAt) },
      { title: "Kind", cell: (e) => (e.kind || "").replace("LEDGER_", "").toLowerCase() },
      { title: "Change", cell: (e) => amount(e.delta, giftCurrency) },
      { title: "Balance after", cell: (e) => amount(e.balanceAfter, giftCurrency) },
      { title: "Redemption", cell: (e) => e.redemptionId || "" },
      { title: "Reason", cell: (e) => e.reason || "" },
    ], entries, "No ledger entry."));
  }, "Loading the ledger");
  const ledgerButton = (code, giftCurrency) => h("button", { type: "button", className: "secondary", onclick: () => ledger(code, giftCurrency) }, "Ledger");
  return h("div", {},
    table([
      { title: "Offer", cell: (e) => (e.result.redeemable || {}).code || (e.result.redeemable || {}).promotionId || e.result.campaignId },
      { title: "Source", cell: (e) => (e.source || "").toLowerCase().replace(/_/g, " ") },
      { title: "Campaign", cell: (e) => e.result.campaignName || e.result.campaignId },
      { title: "Discount", cell: (e) => money(Number(e.result.itemsDiscount || 0) + Number(e.result.shippingDiscount || 0), currency) },
    ], answer.entries || [], "Nothing applies to this cart."),
    (answer.nearMisses || []).length ? h("p", {}, "Near misses: ", answer.nearMisses.map((e) => `${e.result.campaignName || e.result.campaignId}: ${e.result.message || e.result.reason}`).join("; ")) : null,
    h("h3", {}, "Gift cards"),
    table([
      { title: "Card", cell: (g) => h("span", { className: "mono" }, g.code) },
      { title: "Balance", cell: (g) => money(g.balance, g.currency) },
      { title: "", cell: (g) => ledgerButton(g.code, g.currency || currency) },
    ], answer.giftCards || [], "No gift card."),
    h("h3", {}, "Loyalty"),
    table([
      { title: "Card", cell: (l) => h("span", { className: "mono" }, l.code) },
      { title: "Program", cell: (l) => h("a", { href: `#/loyalty/${encodeURIComponent(l.campaignId)}` }, programName(l)) },
      { title: "Points", cell: (l) => h("span", { className: "points" }, Number(l.points || 0).toLocaleString()) },
      { title: "Pending", cell: (l) => Number(l.pendingPoints || 0) },
      { title: "Tier", cell: tierName },
      { title: "", cell: (l) => ledgerButton(l.code) },
    ], answer.loyaltyCards || [], "No loyalty card."),
    ledgerOut);
}

async function redemptionsView(id, refresh, notice) {
  const list = await listAll("ListRedemptions", { customerId: id }, "redemptions", 500);
  // A rollback gives money, points or a code back: it asks for a reason (kept with the
  // rollback) and to be confirmed, naming the redemption and what it gave.
  const ask = (redemption, button) => {
    const totals = redemption.totals || {};
    const reason = h("input", { id: "rollback-reason", size: 36, autocomplete: "off", placeholder: "e.g. order returned" });
    const confirm = h("button", { type: "submit", className: "danger", id: "confirm-rollback" }, `Roll back ${redemption.id}`);
    const cancel = h("button", { type: "button", className: "secondary" }, "Cancel");
    const form = h("form", { className: "confirm", role: "alertdialog", "aria-labelledby": "rollback-question", novalidate: true },
      h("p", { id: "rollback-question" }, `Roll back ${redemption.id} of order ${redemption.orderId || "?"}? `,
        `It gave ${money(totals.totalDiscount || "0", totals.currency)} off; the codes, limits, gift card balance and points it used are given back.`),
      h("div", { className: "row" }, field("Reason (kept with the rollback)", reason), h("div", {}, confirm, " ", cancel)));
    cancel.addEventListener("click", () => { replace(notice); button.focus(); });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearProblem(reason);
      if (!reason.value.trim()) {
        showProblem(reason, "Say why: the reason is kept with the rollback.");
        reason.focus();
        return;
      }
      confirm.disabled = true;
      try {
        await checkout("Rollback", { redemptionId: redemption.id, reason: reason.value.trim() });
        replace(notice, h("div", { className: "ok", role: "status" }, `Redemption ${redemption.id} rolled back.`));
        setTimeout(refresh, 0);
      } catch (error) {
        replace(notice, errorBox(error));
      }
    });
    replace(notice, form);
    reason.focus();
  };
  return h("div", {}, table([
    { title: "Redemption", cell: (r) => h("span", { className: "mono" }, r.id) },
    { title: "When", cell: (r) => when(r.createdAt) },
    { title: "Order", cell: (r) => r.orderId || "" },
    { title: "Codes", cell: (r) => (r.redeemables || []).map((x) => (x.redeemable || {}).code || x.campaignId).join(", ") },
    { title: "Discount", cell: (r) => money((r.totals || {}).totalDiscount, (r.totals || {}).currency) },
    { title: "Status", cell: (r) => h("span", { className: "redemption-status" }, (r.status || "").toLowerCase().replace("_", " ")) },
    { title: "", cell: (r) => r.status === "SUCCEEDED" && canSupport() ? h("button", {
        type: "button", className: "danger rollback", title: "Revert this redemption",
        onclick: (event) => ask(r, event.currentTarget) }, "Rollback…") : "" },
  ], list, "No redemption."));
}
