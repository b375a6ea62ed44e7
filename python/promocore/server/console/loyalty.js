// Loyalty: a program's tiers, rewards and earning rules in words; a member looked up by customer
// id or card code, with points, pending and expiring points, tier and progress, the ledger in
// points with reasons and expiries; points adjusted by hand with a reason (taking points away
// asks to be confirmed) and a reward bought for the member (confirmed, naming its cost).
import { admin, listAll } from "./api.js";
import { programPage } from "./programs.js";
import { canSupport, canWrite } from "./session.js";
import { askFirst, clearProblem, errorBox, field, h, load, money, replace, showProblem, table } from "./ui.js";
import { InputProblem, amountText, parseMoney } from "./money.js";
import { formatInZone } from "./zones.js";

const points = (value) => `${Number(value || 0).toLocaleString("en")} point${Math.abs(Number(value || 0)) === 1 ? "" : "s"}`;
const KINDS = {
  LEDGER_CREDIT: "earned", LEDGER_DEBIT: "spent", LEDGER_REFUND: "given back",
  LEDGER_EXPIRY: "expired", LEDGER_ADJUSTMENT: "adjusted by hand",
};
const TRIGGERS = {
  EARN_ON_ORDER_PAID: "a paid order", EARN_ON_CUSTOM_EVENT: "an event", EARN_ON_SEGMENT_ENTERED: "entering a segment",
};
const PERIODS = { PERIOD_DAY: "day", PERIOD_WEEK: "week", PERIOD_MONTH: "month", PERIOD_YEAR: "year" };

export function loyaltyPage(campaignId) {
  return programPage({ title: "Loyalty", type: "LOYALTY_PROGRAM", page: "loyalty", what: "loyalty program", typeName: "Loyalty program",
    chosenId: campaignId, view: programView, id: "loyalty" });
}

function tierThreshold(program, tier) {
  const loyalty = program.loyalty || {};
  return loyalty.tierBasis === "LIFETIME_SPEND"
    ? `${money(tier.threshold || "0", program.currency)} spent in all`
    : `${points(tier.threshold)} earned per ${PERIODS[loyalty.tierPeriod] || "period"}`;
}

const WEEKDAYS = ["Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays"];

function earningRule(rule, program) {
  const what = rule.perAmount
    ? `${points(rule.points)} per ${money(rule.perAmount, program.currency)}`
    : points(rule.points);
  const when = rule.trigger === "EARN_ON_CUSTOM_EVENT" && rule.eventName
    ? `the event “${rule.eventName}”` : TRIGGERS[rule.trigger] || rule.trigger;
  const cap = rule.cap ? `, at most ${points(rule.cap)} per ${PERIODS[rule.capPeriod] || "period"}` : "";
  const days = (rule.daysOfWeek || []).length
    ? `, on ${new Intl.ListFormat("en", { type: "conjunction" }).format(rule.daysOfWeek.map((day) => WEEKDAYS[Number(day) - 1]))} only (${program.timeZone || "UTC"})` : "";
  return `${what} for ${when}${days}${cap}`;
}

function programView(program) {
  const loyalty = program.loyalty || {};
  const tiers = [...(loyalty.tiers || [])].sort((a, b) => Number(a.threshold || 0) - Number(b.threshold || 0));
  const tierName = Object.fromEntries(tiers.map((tier) => [tier.id, tier.name || tier.id]));
  const member = h("div", { id: "member" });
  const notice = h("div", { id: "member-notice", "aria-live": "polite" });
  const wanted = h("input", { id: "member-search", type: "search", placeholder: "customer id or card code" });
  const find = h("form", { className: "row", "aria-label": "Find a member" },
    field("Customer id or loyalty card code", wanted), h("div", {}, h("button", { type: "submit", className: "secondary", id: "member-find" }, "Find")));
  const show = (text) => load(member, () => memberView(text, program, tiers, tierName, notice, () => show(text)), "Looking the member up");
  find.addEventListener("submit", (event) => {
    event.preventDefault();
    replace(notice);
    if (wanted.value.trim()) show(wanted.value.trim());
  });
  const expiry = loyalty.expiry || {};
  return h("div", {},
    h("section", { className: "card", id: "loyalty-settings" }, h("h2", {}, "How the program works"),
      h("ul", {},
        (loyalty.earningRules || []).map((rule) => h("li", {}, earningRule(rule, program))),
        loyalty.pendingDays ? h("li", {}, `Points become spendable ${loyalty.pendingDays} days after they are earned.`) : null,
        expiry.afterMonths ? h("li", {}, `Points expire ${expiry.afterMonths} months after they are earned.`) : null,
        expiry.atPeriodEnd ? h("li", {}, `Points expire at the end of each ${PERIODS[expiry.period] || "period"}.`) : null),
      h("h3", {}, "Tiers"),
      table([
        { title: "Tier", cell: (t) => t.name || t.id },
        { title: "From", cell: (t) => tierThreshold(program, t) },
        { title: "Points multiplier", cell: (t) => t.multiplierBp ? `× ${(Number(t.multiplierBp) / 10000).toString()}` : "× 1" },
      ], tiers, "No tiers."),
      h("h3", {}, "Rewards"),
      table([
        { title: "Reward", cell: (r) => r.name || r.id },
        { title: "Costs", cell: (r) => [points(r.pointsCost), r.cashPrice ? ` + ${money(r.cashPrice, program.currency)}` : ""].join("") },
        { title: "For", cell: (r) => (r.tierIds || []).length ? r.tierIds.map((id) => tierName[id] || id).join(", ") + " members" : "every member" },
      ], loyalty.rewards || [], "No rewards.")),
    canWrite() ? h("section", { className: "card", id: "loyalty-editor" }, h("details", {},
      h("summary", {}, "Change the program (earning, tiers, rewards)"),
      // Saved: the page again, from the new version.
      settingsEditor(program, () => window.dispatchEvent(new HashChangeEvent("hashchange"))))) : null,
    h("section", { className: "card" }, h("h2", {}, "Find a member"), find, notice, member));
}

// A customer id first (their card in this program), else a card code.
async function cardOf(text, program) {
  try {
    return await admin("GetLoyaltyCard", { campaignId: program.id, customerId: text });
  } catch (error) {
    if (error.code !== "not_found" && error.code !== "invalid_argument") throw error;
  }
  return admin("GetLoyaltyCard", { code: text });
}

async function memberView(text, program, tiers, tierName, notice, changed) {
  const card = await cardOf(text, program);
  const ledger = await listAll("ListLedger", { code: card.code }, "entries");
  const zone = program.timeZone || "UTC";
  const loyalty = program.loyalty || {};
  const byMoney = loyalty.tierBasis === "LIFETIME_SPEND";
  const progress = Number((byMoney ? card.lifetimeSpend : card.periodPoints) || 0);
  const next = tiers.find((tier) => Number(tier.threshold || 0) > progress);
  const progressText = next
    ? `${next.name || next.id} from ${tierThreshold(program, next)}: ${byMoney ? money(progress, program.currency) + " spent" : points(progress) + " earned"} so far`
    : "the highest tier";
  return h("div", { id: "member-card", "data-code": card.code },
    h("h3", {}, `Member ${card.customerId || ""} · card `, h("span", { className: "mono" }, card.code)),
    h("dl", { className: "figures" },
      h("dt", {}, "Points to spend"), h("dd", { id: "member-points" }, points(card.points)),
      h("dt", {}, "Pending"), h("dd", {}, points(card.pendingPoints)),
      h("dt", {}, "Expiring within 30 days"), h("dd", {}, points(card.expiringPoints)),
      h("dt", {}, "Tier"), h("dd", { id: "member-tier" }, card.tierId ? tierName[card.tierId] || card.tierId : "none"),
      h("dt", {}, "Next tier"), h("dd", { id: "member-progress" }, progressText)),
    canSupport() ? memberActions(card, program, notice, changed) : null,
    h("h4", {}, "Ledger"),
    table([
      { title: "When", cell: (e) => formatInZone(e.createdAt, zone) },
      { title: "What", cell: (e) => KINDS[e.kind] || e.kind },
      { title: "Points", cell: (e) => Number(e.delta || 0).toLocaleString("en") },
      { title: "Balance after", cell: (e) => Number(e.balanceAfter || 0).toLocaleString("en") },
      { title: "Why", cell: (e) => why(e.reason, program) },
      { title: "Spendable from / expires", cell: (e) => [e.activeAt ? `from ${formatInZone(e.activeAt, zone)}` : "",
        e.expiresAt ? ` expires ${formatInZone(e.expiresAt, zone)}` : ""].join("").trim() },
    ], ledger, "No entry yet."));
}

// A ledger reason as people read it: "reward mug (<retry key>)" -> "reward: A mug".
function why(reason, program) {
  const bought = /^reward (\S+)/.exec(reason || "");
  if (!bought) return reason || "";
  const reward = ((program.loyalty || {}).rewards || []).find((r) => r.id === bought[1]);
  return `reward: ${reward ? reward.name || reward.id : bought[1]}`;
}

function memberActions(card, program, notice, changed) {
  const amount = h("input", { id: "adjust-points", inputmode: "numeric", size: 10, autocomplete: "off", placeholder: "e.g. 50 or -20" });
  const reason = h("input", { id: "adjust-reason", size: 32, autocomplete: "off", placeholder: "e.g. missing points of order 123" });
  const out = h("div", { id: "adjust-result", "aria-live": "polite" });
  const adjust = h("form", { "aria-label": "Adjust points", novalidate: true },
    h("div", { className: "row" }, field("Points (negative takes away)", amount), field("Reason (kept in the ledger)", reason),
      h("div", {}, h("button", { type: "submit", id: "adjust" }, "Adjust"))), out);
  const send = async (delta) => {
    try {
      await admin("AdjustPoints", { code: card.code, points: String(delta), reason: reason.value.trim(), idempotencyKey: crypto.randomUUID() });
      changed();
    } catch (error) {
      replace(out, errorBox(error));
    }
  };
  adjust.addEventListener("submit", (event) => {
    event.preventDefault();
    for (const input of [amount, reason]) clearProblem(input);
    replace(out);
    const written = amount.value.trim().replace(/[\s,]/g, "");
    if (!/^[+-]?\d+$/.test(written) || Number(written) === 0) {
      showProblem(amount, "Enter a whole number of points other than 0, e.g. 50 to add or -20 to take away.");
      amount.focus();
      return;
    }
    if (!reason.value.trim()) {
      showProblem(reason, "Say why: the reason is kept in the member's ledger.");
      reason.focus();
      return;
    }
    const delta = Number(written);
    if (delta > 0) return send(delta);
    askFirst(out, { id: "adjust", yes: `Take ${points(-delta)} away`, onYes: () => send(delta), back: amount,
      question: `Take ${points(-delta)} away from ${card.customerId || card.code} (${points(card.points)} to spend now)? Reason: “${reason.value.trim()}”.` });
  });

  const rewards = ((program.loyalty || {}).rewards || []).filter((r) => !(r.tierIds || []).length || (r.tierIds || []).includes(card.tierId));
  const reward = h("select", { id: "reward-choice" }, rewards.map((r) => h("option", { value: r.id },
    `${r.name || r.id} — ${points(r.pointsCost)}${r.cashPrice ? ` + ${money(r.cashPrice, program.currency)}` : ""}`)));
  const bought = h("div", { id: "reward-result", "aria-live": "polite" });
  const buy = h("form", { className: "row", "aria-label": "Buy a reward for the member" },
    field("Reward", reward), h("div", {}, h("button", { type: "submit", className: "secondary", id: "buy-reward" }, "Buy…")));
  buy.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = rewards.find((r) => r.id === reward.value);
    if (!chosen) return;
    const buyIt = async () => {
      try {
        const answer = await admin("BuyReward", { code: card.code, rewardId: chosen.id, idempotencyKey: crypto.randomUUID() });
        const what = answer.issuedCode ? `code ${answer.issuedCode}` : answer.freeProductSku ? `free ${answer.freeProductSku}`
          : answer.giftCard ? `gift card ${answer.giftCard.code}` : chosen.name;
        replace(notice, h("div", { className: "ok", role: "status", id: "reward-bought" }, `${chosen.name || chosen.id} bought: ${what}.`));
        changed();
      } catch (error) {
        replace(bought, errorBox(error));
      }
    };
    askFirst(bought, { id: "reward", yes: `Spend ${points(chosen.pointsCost)}`, onYes: buyIt, back: reward,
      question: `Buy ${chosen.name || chosen.id} for ${card.customerId || card.code} with ${points(chosen.pointsCost)}${chosen.cashPrice ? ` and ${money(chosen.cashPrice, program.currency)} to pay` : ""}?` });
  });
  // Buying a reward spends a member's points on the shop's goods: admin keys only.
  return h("div", {}, adjust, rewards.length && canWrite() ? buy : null, bought);
}

// The program's settings in forms (admin keys): earning rules, pending days and expiry, tiers
// and rewards, saved as a new version of the campaign (UpdateCampaign, expected version); the
// server's errors name the field they are about.
export function settingsEditor(program, saved) {
  const loyalty = program.loyalty || {};
  const currency = program.currency;
  const byMoney = loyalty.tierBasis === "LIFETIME_SPEND";
  const out = h("div", { id: "settings-result", "aria-live": "polite" });
  const pending = h("input", { id: "pending-days", inputmode: "numeric", size: 5, value: String(loyalty.pendingDays || 0) });
  const expiry = h("input", { id: "expiry-months", inputmode: "numeric", size: 5, value: String((loyalty.expiry || {}).afterMonths || 0) });

  const rows = (holder, items, make) => {
    const list = h("ol", { className: "rows", id: `${holder}-rows` });
    const add = (item) => { const li = make(item); list.append(li); return li; };
    for (const item of items) add(item);
    // A new row takes the focus on its first control.
    return { list, add: () => add({}).querySelector("input, select").focus() };
  };
  const remove = (li, label) => h("button", { type: "button", className: "link", "aria-label": `Remove ${label}`, onclick: () => li.remove() }, "Remove");

  const ruleRow = (rule) => {
    const kind = h("select", { id: uid("rule-kind"), "aria-label": "Earned for" },
      h("option", { value: "EARN_ON_ORDER_PAID", selected: rule.trigger !== "EARN_ON_CUSTOM_EVENT" }, "a paid order"),
      h("option", { value: "EARN_ON_CUSTOM_EVENT", selected: rule.trigger === "EARN_ON_CUSTOM_EVENT" }, "an event"));
    const pointsInput = h("input", { id: uid("rule-points"), className: "rule-points", inputmode: "numeric", size: 6, value: rule.points || "", "aria-label": "Points" });
    const per = h("input", { id: uid("rule-per"), className: "rule-per", inputmode: "decimal", size: 8, value: rule.perAmount ? amountText(rule.perAmount, currency) : "", "aria-label": `Per amount spent, ${currency}` });
    const event = h("input", { id: uid("rule-event"), className: "rule-event", size: 16, value: rule.eventName || "", "aria-label": "Event name" });
    const cap = h("input", { id: uid("rule-cap"), className: "rule-cap", inputmode: "numeric", size: 6, value: rule.cap || "", "aria-label": "At most, points per month (empty: no cap)" });
    const li = h("li", { className: "row rule-row", "data-id": rule.id || "" },
      field("Earned for", kind), field("Points", pointsInput), field(`Per ${currency} spent`, per), field("Event name", event),
      field("At most, points a month", cap));
    li.append(remove(li, "this rule"));
    li.read = () => {
      const read = { id: rule.id || `rule-${crypto.randomUUID().slice(0, 8)}`, trigger: kind.value, points: wholeNumber(pointsInput, 1) };
      if (kind.value === "EARN_ON_ORDER_PAID") read.perAmount = per.value.trim() ? parseMoney(per.value, currency) : "0";
      else read.eventName = event.value.trim();
      if (cap.value.trim()) { read.cap = wholeNumber(cap, 1); read.capPeriod = "PERIOD_MONTH"; }
      return { ...rule, ...read };
    };
    return li;
  };
  const tierRow = (tier) => {
    const name = h("input", { id: uid("tier-name"), className: "tier-name", size: 14, value: tier.name || "", "aria-label": "Tier name" });
    const from = h("input", { id: uid("tier-from"), className: "tier-from", inputmode: "decimal", size: 8,
      // proto3 JSON leaves out a threshold of 0 (the first tier's).
      value: !tier.id ? "" : byMoney ? amountText(tier.threshold || 0, currency) : String(tier.threshold || 0),
      "aria-label": byMoney ? `From, ${currency} spent` : "From, points earned in the period" });
    const times = h("input", { id: uid("tier-multiplier"), className: "tier-multiplier", inputmode: "decimal", size: 5,
      value: tier.multiplierBp ? String(Number(tier.multiplierBp) / 10000) : "1", "aria-label": "Points multiplier" });
    const li = h("li", { className: "row tier-row" }, field("Tier name", name),
      field(byMoney ? `From (${currency} spent)` : "From (points in the period)", from), field("Points ×", times));
    li.append(remove(li, "this tier"));
    li.read = () => ({
      ...tier,
      id: tier.id || slug(name.value),
      name: required(name, "Name the tier."),
      threshold: byMoney ? parseMoney(from.value || "0", currency) : String(wholeNumber(from, 0)),
      multiplierBp: Math.round(Number(times.value || 1) * 10000),
    });
    return li;
  };
  const rewardRow = (reward) => {
    const effect = reward.effect || {};
    const name = h("input", { id: uid("reward-name"), className: "reward-name", size: 16, value: reward.name || "", "aria-label": "Reward" });
    const cost = h("input", { id: uid("reward-cost"), className: "reward-cost", inputmode: "numeric", size: 7, value: reward.pointsCost || "", "aria-label": "Points it costs" });
    const sku = h("input", { id: uid("reward-sku"), className: "reward-sku", size: 10, value: effect.freeProductSku || "", "aria-label": "Free product (SKU)" });
    const li = h("li", { className: "row reward-row" }, field("Reward", name), field("Costs (points)", cost), field("Free product (SKU)", sku));
    li.append(remove(li, "this reward"));
    li.read = () => {
      const read = { ...reward, id: reward.id || slug(name.value), name: required(name, "Name the reward."), pointsCost: String(wholeNumber(cost, 1)) };
      if (sku.value.trim()) read.effect = { freeProductSku: sku.value.trim() };
      else if (!reward.effect) throw problemAt(sku, "Say what the reward gives: the SKU of the free product.");
      return read;
    };
    return li;
  };
  const rules = rows("rules", loyalty.earningRules || [], ruleRow);
  const tiers = rows("tiers", loyalty.tiers || [], tierRow);
  const rewards = rows("rewards", loyalty.rewards || [], rewardRow);
  const addButton = (label, list) => h("button", { type: "button", className: "secondary small", onclick: list.add }, label);
  const save = h("button", { type: "submit", id: "save-settings" }, "Save the program");
  const form = h("form", { "aria-label": "Program settings", novalidate: true },
    h("h3", {}, "Earning"), rules.list, addButton("+ Earning rule", rules),
    h("div", { className: "row" }, field("Points become spendable after (days)", pending), field("Points expire after (months; 0: never)", expiry)),
    h("h3", {}, "Tiers"), tiers.list, addButton("+ Tier", tiers),
    h("h3", {}, "Rewards"), rewards.list, addButton("+ Reward", rewards),
    h("p", {}, save), out);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const input of form.querySelectorAll("[aria-invalid='true']")) clearProblem(input);
    replace(out);
    let wanted;
    try {
      wanted = {
        ...program,
        loyalty: {
          ...loyalty,
          earningRules: [...rules.list.children].map((li) => li.read()),
          pendingDays: wholeNumber(pending, 0),
          expiry: { ...(loyalty.expiry || {}), afterMonths: wholeNumber(expiry, 0) },
          tiers: [...tiers.list.children].map((li) => li.read()),
          rewards: [...rewards.list.children].map((li) => li.read()),
        },
      };
    } catch (problem) {
      if (!(problem instanceof InputProblem)) throw problem;
      return;
    }
    delete wanted.status;
    save.disabled = true;
    try {
      await admin("UpdateCampaign", { campaign: wanted, expectedVersion: program.version });
      saved();
    } catch (error) {
      replace(out, errorBox(error));
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

// Ids for the inputs of rows added any number of times (labels point at them).
let rowInputs = 0;
const uid = (name) => `${name}-${++rowInputs}`;

function slug(text) {
  return String(text || "").toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || `x-${crypto.randomUUID().slice(0, 6)}`;
}

// A problem said beside its input, the focus moved there; thrown to stop reading the form.
function problemAt(input, message) {
  showProblem(input, message);
  input.focus();
  return new InputProblem(message);
}

function required(input, message) {
  if (!input.value.trim()) throw problemAt(input, message);
  return input.value.trim();
}

function wholeNumber(input, least) {
  const text = input.value.trim().replace(/[\s,]/g, "");
  if (!/^\d+$/.test(text) || Number(text) < least) throw problemAt(input, `Enter a whole number of at least ${least}.`);
  return Number(text);
}
