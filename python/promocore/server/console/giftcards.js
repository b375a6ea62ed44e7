// Gift cards: a program's totals (cards, outstanding and expired balance), issuing a batch
// (amount in the currency, expiry in the program's time zone), and one card looked up by code:
// balance, expiry, ledger in money, top up and debit with a reason (a debit asks to be
// confirmed), disable and enable; the program's cards (or those with a balance, empty, expired,
// disabled) exported as CSV with balances in money.
import { ADMIN, admin, listAll, stream } from "./api.js";
import { programPage } from "./programs.js";
import { canSupport, canWrite } from "./session.js";
import { askFirst, clearProblem, errorBox, field, h, load, money, replace, showProblem, table } from "./ui.js";
import { InputProblem, parseMoney } from "./money.js";
import { formatInZone, instantFromLocal } from "./zones.js";

const KINDS = {
  LEDGER_CREDIT: "credit", LEDGER_DEBIT: "debit", LEDGER_REFUND: "refund",
  LEDGER_EXPIRY: "expiry", LEDGER_ADJUSTMENT: "adjustment",
};
const REASONS = { issued: "issued", top_up: "top-up", redemption: "paid an order" };
// Cards of an issued batch listed on the page; the rest through the codes page's export.
const LISTED = 10;

export function giftCardsPage(campaignId) {
  return programPage({ title: "Gift cards", type: "GIFT_VOUCHERS", page: "giftcards", what: "gift card program", typeName: "Gift vouchers",
    chosenId: campaignId, view: programView, id: "giftcards" });
}

function programView(program) {
  const totals = h("div", { id: "giftcard-totals" });
  const showTotals = () => load(totals, () => totalsView(program), "Adding up the cards");
  showTotals();
  const found = h("div", { id: "giftcard-found" });
  const code = h("input", { id: "giftcard-code", type: "search", placeholder: "GC-…" });
  const lookUp = h("form", { className: "row", "aria-label": "Find a gift card" },
    field("Card code", code), h("div", {}, h("button", { type: "submit", className: "secondary", id: "giftcard-find" }, "Find")));
  // After a change: the card first (what the person looks at), then the program's totals.
  const show = (wanted) => load(found, () => cardView(wanted, program, async () => { await show(wanted); showTotals(); }), "Looking the card up");
  lookUp.addEventListener("submit", (event) => {
    event.preventDefault();
    if (code.value.trim()) show(code.value.trim());
  });
  return h("div", {},
    h("section", { className: "card" }, h("h2", {}, "At a glance"), totals),
    canWrite() ? h("section", { className: "card" }, h("h2", {}, "Issue cards"), issueForm(program, showTotals)) : null,
    h("section", { className: "card" }, h("h2", {}, "Find a card"), lookUp, found),
    h("section", { className: "card" }, h("h2", {}, "Export cards"), exportForm(program)));
}

const EXPORT_FILTERS = [
  ["GIFT_CARDS_ALL", "every card", "all"],
  ["GIFT_CARDS_WITH_BALANCE", "cards holding a balance", "with-balance"],
  ["GIFT_CARDS_EMPTY", "empty cards", "empty"],
  ["GIFT_CARDS_EXPIRED", "expired cards", "expired"],
  ["GIFT_CARDS_DISABLED", "disabled cards", "disabled"],
];

// The chosen cards as CSV (ExportGiftCards: code, currency, balance in the currency's units,
// state, expiry and issue time in UTC, the customer), made into a file to download.
function exportForm(program) {
  const filter = h("select", { id: "giftcard-export-filter" }, EXPORT_FILTERS.map(([value, label]) => h("option", { value }, label)));
  const prefix = h("input", { id: "giftcard-export-prefix", size: 12, autocomplete: "off", placeholder: "GC-" });
  const out = h("div", { id: "giftcard-export-result", "aria-live": "polite" });
  const form = h("form", { className: "row", "aria-label": "Export gift cards" },
    field("Which cards", filter), field("Codes starting with (optional)", prefix),
    h("div", {}, h("button", { type: "submit", className: "secondary", id: "giftcard-export" }, "Export CSV")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load(out, async () => {
      const parts = [];
      await stream(ADMIN, "ExportGiftCards", { campaignId: program.id, prefix: prefix.value.trim(), filter: filter.value }, (chunk) => {
        parts.push(Uint8Array.from(atob(chunk.csv || ""), (c) => c.charCodeAt(0)));
      });
      const blob = new Blob(parts, { type: "text/csv" });
      const rows = new TextDecoder().decode(await blob.arrayBuffer()).split("\n").filter(Boolean).length - 1;
      const suffix = EXPORT_FILTERS.find(([value]) => value === filter.value)[2];
      const name = `${program.id}-gift-cards-${suffix}${prefix.value.trim() ? "-" + prefix.value.trim() : ""}.csv`;
      return h("p", { role: "status" }, `${rows.toLocaleString("en")} card${rows === 1 ? "" : "s"}: `,
        h("a", { href: URL.createObjectURL(blob), download: name, id: "giftcard-csv-link", "data-rows": rows }, `Download ${name}`));
    }, "Exporting");
  });
  return h("div", {}, form, out);
}

async function totalsView(program) {
  const totals = await admin("GetGiftCardProgram", { campaignId: program.id });
  const currency = totals.currency || program.currency;
  const zone = program.timeZone || "UTC";
  return h("div", {},
    h("dl", { className: "figures" },
      h("dt", {}, "Outstanding balance"), h("dd", { id: "giftcard-outstanding" }, money(totals.outstandingBalance || "0", currency)),
      h("dt", {}, "Cards"), h("dd", { id: "giftcard-cards" }, Number(totals.cards || 0).toLocaleString("en")),
      h("dt", {}, "Cards holding a balance"), h("dd", {}, Number(totals.cardsWithBalance || 0).toLocaleString("en")),
      h("dt", {}, "Left on expired cards"), h("dd", {}, money(totals.expiredBalance || "0", currency))),
    h("p", { className: "muted" }, `Currency ${currency} · time zone ${zone} · `,
      h("a", { href: `#/codes?campaign=${encodeURIComponent(program.id)}` }, "every card on the codes page")));
}

function issueForm(program, issued) {
  const currency = program.currency || "EUR";
  const zone = program.timeZone || "UTC";
  const count = h("input", { id: "issue-count", inputmode: "numeric", value: "1", size: 9, autocomplete: "off" });
  const amount = h("input", { id: "issue-amount", inputmode: "decimal", size: 12, autocomplete: "off", placeholder: "25.00" });
  const expiry = h("input", { id: "issue-expiry", type: "datetime-local" });
  const out = h("div", { id: "issue-result", "aria-live": "polite" });
  const button = h("button", { type: "submit", id: "issue" }, "Issue");
  const form = h("form", { "aria-label": "Issue gift cards", novalidate: true },
    h("div", { className: "row" },
      field("How many cards", count),
      field(`Balance of each, in ${currency}`, amount),
      field(`Expires (${zone} time; empty: never)`, expiry),
      h("div", {}, button)),
    out);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const input of [count, amount, expiry]) clearProblem(input);
    const request = { campaignId: program.id };
    const howMany = count.value.trim().replace(/[\s,]/g, "");
    if (!/^\d+$/.test(howMany) || Number(howMany) < 1 || Number(howMany) > 1_000_000) {
      showProblem(count, "Enter a whole number of cards from 1 to 1,000,000.");
      count.focus();
      return;
    }
    request.count = howMany;
    try {
      request.balance = parseMoney(amount.value, currency);
      if (request.balance === "0") throw new InputProblem(`Enter a balance above 0 ${currency}.`);
    } catch (problem) {
      if (!(problem instanceof InputProblem)) throw problem;
      showProblem(amount, problem.message);
      amount.focus();
      return;
    }
    if (expiry.value) request.expireAt = instantFromLocal(expiry.value, zone);
    button.disabled = true;
    replace(out);
    try {
      const answer = await admin("IssueGiftCards", request);
      const cards = answer.giftCards || [];
      replace(out, h("div", { className: "ok", role: "status", id: "issued" },
        `${Number(answer.issued || 0).toLocaleString("en")} gift cards of ${money(request.balance, currency)} issued`,
        request.expireAt ? `, valid until ${formatInZone(request.expireAt, zone)}.` : ", valid without end."),
        cards.length ? h("p", {}, `The first ${Math.min(LISTED, cards.length)}: `,
          cards.slice(0, LISTED).flatMap((card, index) => [index ? ", " : "", h("span", { className: "mono issued-code" }, card.code)])) : null);
      issued();
    } catch (error) {
      replace(out, errorBox(error));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

async function cardView(code, program, changed) {
  const card = await admin("GetGiftCard", { code });
  const found = await admin("GetCode", { code });
  const ledger = await listAll("ListLedger", { code }, "entries");
  const zone = program.timeZone || "UTC";
  const currency = card.currency;
  const active = found.active === true;
  return h("div", { id: "giftcard", "data-code": card.code },
    h("h3", {}, h("span", { className: "mono" }, card.code)),
    h("dl", { className: "figures" },
      h("dt", {}, "Balance"), h("dd", { id: "giftcard-balance" }, money(card.balance || "0", currency)),
      h("dt", {}, "Expires"), h("dd", {}, card.expireAt ? formatInZone(card.expireAt, zone) : "never"),
      h("dt", {}, "Customer"), h("dd", {}, card.customerId
        ? h("a", { href: `#/customers/${encodeURIComponent(card.customerId)}` }, card.customerId) : "not assigned"),
      h("dt", {}, "State"), h("dd", { id: "giftcard-state" }, active ? "usable" : "disabled: refused at checkout")),
    canSupport() ? actions(card, active, changed) : null,
    h("h4", {}, "Ledger"),
    table([
      { title: "When", cell: (e) => formatInZone(e.createdAt, zone) },
      { title: "What", cell: (e) => KINDS[e.kind] || e.kind },
      { title: "Amount", cell: (e) => money(e.delta || "0", currency) },
      { title: "Balance after", cell: (e) => money(e.balanceAfter || "0", currency) },
      { title: "Why", cell: (e) => e.redemptionId
        ? h("span", {}, REASONS[e.reason] || e.reason || "", " ", h("span", { className: "mono" }, e.redemptionId))
        : REASONS[e.reason] || e.reason || "" },
    ], ledger, "No entry yet."));
}

// Top up and debit (a debit asks to be confirmed, naming what it takes), disable and enable.
function actions(card, active, changed) {
  const currency = card.currency;
  const amount = h("input", { id: "change-amount", inputmode: "decimal", size: 12, autocomplete: "off" });
  const reason = h("input", { id: "change-reason", size: 32, autocomplete: "off", placeholder: "e.g. goodwill after a late delivery" });
  const out = h("div", { id: "change-result", "aria-live": "polite" });
  const topUp = h("button", { type: "submit", id: "top-up", value: "top_up" }, "Top up");
  const debit = h("button", { type: "submit", id: "debit", className: "secondary", value: "debit" }, "Debit…");
  const form = h("form", { "aria-label": "Change the balance", novalidate: true },
    h("div", { className: "row" }, field(`Amount in ${currency}`, amount), field("Reason (kept in the ledger and the audit log)", reason),
      h("div", {}, topUp, " ", debit)), out);
  const send = async (method, minor) => {
    try {
      await admin(method, { code: card.code, amount: minor, reason: reason.value.trim(), idempotencyKey: crypto.randomUUID() });
      changed();
    } catch (error) {
      replace(out, errorBox(error));
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    for (const input of [amount, reason]) clearProblem(input);
    replace(out);
    const which = event.submitter ? event.submitter.value : "top_up";
    let minor;
    try {
      minor = parseMoney(amount.value, currency);
      if (minor === "0") throw new InputProblem(`Enter an amount above 0 ${currency}.`);
    } catch (problem) {
      if (!(problem instanceof InputProblem)) throw problem;
      showProblem(amount, problem.message);
      amount.focus();
      return;
    }
    if (which === "top_up") return send("TopUpGiftCard", minor);
    if (!reason.value.trim()) {
      showProblem(reason, "Say why: a debit by hand needs a reason.");
      reason.focus();
      return;
    }
    askFirst(out, { id: "debit", yes: `Take ${money(minor, currency)} off`, onYes: () => send("DebitGiftCard", minor), back: debit,
      question: `Take ${money(minor, currency)} off ${card.code}, leaving ${money(BigInt(card.balance || 0) - BigInt(minor), currency)}? Reason: “${reason.value.trim()}”.` });
  });
  const toggle = h("button", { type: "button", id: "toggle-card", className: active ? "danger" : "secondary" },
    active ? "Disable the card…" : "Enable the card");
  const toggleOut = h("div", { id: "toggle-result", "aria-live": "polite" });
  const setActive = async (wanted) => {
    try {
      await admin("SetCodeActive", { code: card.code, active: wanted });
      changed();
    } catch (error) {
      replace(toggleOut, errorBox(error));
    }
  };
  toggle.addEventListener("click", () => {
    if (!active) return setActive(true);
    askFirst(toggleOut, { id: "disable", yes: "Disable it", onYes: () => setActive(false), back: toggle,
      question: `Disable ${card.code}? Checkouts will refuse it until it is enabled again; its balance stays.` });
  });
  // Disabling a card is the admin's (support changes balances within its limits).
  return h("div", {}, form, canWrite() ? h("p", {}, toggle) : null, toggleOut);
}
