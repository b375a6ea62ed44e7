// The campaign form (new and edit): amounts typed in currency units, percentages as percent,
// dates in the campaign's own time zone, each mistake said beside its field with the focus kept
// there. Each save is a new version (UpdateCampaign with the expected version).
import { admin } from "./api.js";
import { canWrite } from "./session.js";
import { clearProblem, errorBox, field, h, load, replace, showProblem } from "./ui.js";
import { InputProblem, amountText, parseMoney, parsePercent, percentText } from "./money.js";
import { browserTimeZone, instantFromLocal, isTimeZone, localInputValue, timeZones } from "./zones.js";
import { RuleProblem, parseJson, ruleBuilder, toJson } from "./rule_builder.js";
import { TEMPLATES } from "./templates.js";
import { datesInZone, describeEffect, limitsInWords } from "./campaign_words.js";

export const TYPES = ["DISCOUNT_COUPONS", "PROMOTION", "GIFT_VOUCHERS", "LOYALTY_PROGRAM", "REFERRAL_PROGRAM"];
const TYPE_NAMES = {
  DISCOUNT_COUPONS: "Discount coupons", PROMOTION: "Promotion (no code)", GIFT_VOUCHERS: "Gift cards",
  LOYALTY_PROGRAM: "Loyalty program", REFERRAL_PROGRAM: "Referral program",
};
export const typeName = (type) => TYPE_NAMES[type] || (type || "").toLowerCase().replace(/_/g, " ");

const EFFECTS = {
  none: "None (gift cards, loyalty, referral programs)",
  amountOffOrder: "Amount off the order",
  percentOffOrder: "Percent off the order",
  amountOffItems: "Amount off matching items",
  percentOffItems: "Percent off matching items",
  shippingFree: "Free shipping",
  tieredSpend: "Tiered spend (spend more, save more)",
  freeUnits: "Gift with purchase (free units of a product)",
  buyXGetY: "Buy X, get Y",
};
// Which inputs each effect uses (the others are hidden and not read).
const EFFECT_INPUTS = {
  amountOffOrder: ["amount"], percentOffOrder: ["percent", "cap"],
  amountOffItems: ["amount", "filter"], percentOffItems: ["percent", "cap", "filter"],
  tieredSpend: ["tiers", "cap"], freeUnits: ["gift"], buyXGetY: ["bxgy"],
};

// `id`: edit that campaign; else a new one, blank or from the template named `templateId`.
export function campaignFormPage(id, templateId = null) {
  const body = h("div", {});
  if (!canWrite()) return h("div", {}, errorBox({ code: "permission_denied", message: "A read-only key cannot change campaigns." }));
  if (id) {
    load(body, async () => campaignForm(await admin("GetCampaign", { id })), "Loading the campaign");
    return h("div", {}, h("p", {}, h("a", { href: "#/campaigns" }, "← Campaigns")), body);
  }
  const template = TEMPLATES.find((one) => one.id === templateId);
  if (templateId && !template) replace(body, errorBox({ code: "not_found", message: `No template "${templateId}".` }));
  else replace(body, campaignForm(null, template ? template.campaign : null));
  return h("div", {}, h("p", {}, h("a", { href: "#/campaigns" }, "← Campaigns")), templatePicker(template), body);
}

// One click to a form filled for a common campaign (templates.js; docs/console.md lists them).
function templatePicker(chosen) {
  return h("section", { className: "card templates", "aria-label": "Templates" },
    h("h2", {}, chosen ? `From the template: ${chosen.name}` : "Start from a template"),
    h("ul", {}, TEMPLATES.map((template) => h("li", {},
      h("a", { href: `#/campaigns/new/${template.id}`, id: `template-${template.id}`, "aria-current": template === chosen ? "page" : null }, template.name),
      h("span", { className: "muted" }, ` — ${template.summary}`)))),
    chosen ? h("p", {}, h("a", { href: "#/campaigns/new" }, "Blank form instead")) : null);
}

// A whole number of at least 1, or nothing (no limit).
function parseCount(text) {
  const written = String(text).trim().replace(/[\s,'’]/g, "");
  if (written === "") return undefined;
  if (!/^\d+$/.test(written) || BigInt(written) < 1n) {
    throw new InputProblem("Enter a whole number of at least 1, or leave it empty for no limit.");
  }
  return written;
}

// Where the server's field paths land in the form.
const SERVER_FIELDS = [
  [/^campaign\.id$/, "id"], [/^campaign\.name$/, "name"], [/^campaign\.currency$/, "currency"],
  [/^campaign\.time_zone$/, "zone"], [/^campaign\.start_at/, "start"], [/^campaign\.expire_at/, "expire"],
  [/^campaign\.effect\..*\.percent_bp$/, "percent"], [/^campaign\.effect\..*\.cap$/, "cap"],
  [/^campaign\.effect\.(amount_off_order|amount_off_items)\.amount$/, "amount"],
  [/^campaign\.limits\.total_redemptions$/, "total"], [/^campaign\.limits\.per_customer$/, "perCustomer"],
  [/^campaign\.limits\.budget_discount$/, "budget"], [/^campaign\.code_redemption_quantity$/, "codeQuantity"],
  [/^campaign\.rules/, "rules"],
];

// `prefill`: a new campaign's starting values (a template's), saved only when created.
function campaignForm(campaign, prefill = null) {
  const c = campaign || prefill || {};
  const effect = c.effect || {};
  const storedKind = Object.keys(effect)[0];
  // An effect the form does not edit (buy X get Y, tiers, formula...) is kept as stored.
  const kind = !campaign && !prefill ? "amountOffOrder" : !storedKind ? "none"
    : effect.shipping ? (effect.shipping.free ? "shippingFree" : "asStored")
    : storedKind in EFFECTS ? storedKind : "asStored";
  const inner = effect[storedKind] || {};
  const storedCurrency = c.currency || "EUR";
  const storedZone = c.timeZone || (campaign ? "UTC" : browserTimeZone());
  const input = (name, value, attributes = {}) => h("input", { id: `campaign-${name}`, name, value: value ?? "", ...attributes });
  const moneyInput = (name, minor) => input(name, minor === undefined || minor === null ? "" : amountText(minor, storedCurrency),
    { inputmode: "decimal", autocomplete: "off", size: 12 });

  const currencyUnits = [], zoneUnits = [];
  const unit = (list, text) => { const span = h("span", { className: "unit" }, text); list.push(span); return span; };
  const inputs = {
    id: input("id", c.id, { required: true, readonly: campaign ? true : null, pattern: "[A-Za-z0-9_.\\-]+" }),
    name: input("name", c.name, { required: true }),
    type: h("select", { id: "campaign-type" }, TYPES.map((t) => h("option", { value: t, selected: t === (c.type || "DISCOUNT_COUPONS") }, typeName(t)))),
    currency: input("currency", storedCurrency, { size: 4, required: true, autocomplete: "off" }),
    zone: input("time-zone", storedZone, { list: "time-zone-names", autocomplete: "off", size: 24, required: true }),
    amount: moneyInput("amount", inner.amount),
    percent: input("percent", inner.percentBp ? percentText(inner.percentBp) : "", { inputmode: "decimal", autocomplete: "off", size: 6 }),
    cap: moneyInput("cap", inner.cap),
    giftSku: input("gift-sku", inner.sku, { autocomplete: "off", size: 12 }),
    giftQuantity: input("gift-quantity", inner.quantity ?? (storedKind === "freeUnits" ? "" : "1"), { inputmode: "numeric", size: 5 }),
    giftPrice: moneyInput("gift-price", inner.unitPrice),
    buyQuantity: input("buy-quantity", inner.buyQuantity ?? "2", { inputmode: "numeric", size: 5 }),
    getQuantity: input("get-quantity", inner.getQuantity ?? "1", { inputmode: "numeric", size: 5 }),
    getPercent: input("get-percent", inner.percentBp ? percentText(inner.percentBp) : "100", { inputmode: "decimal", size: 6 }),
    maxRepeats: input("max-repeats", inner.maxRepeats && inner.maxRepeats !== "0" ? inner.maxRepeats : "", { inputmode: "numeric", size: 5 }),
    total: input("total", (c.limits || {}).totalRedemptions, { inputmode: "numeric", size: 8 }),
    perCustomer: input("per-customer", (c.limits || {}).perCustomer, { inputmode: "numeric", size: 8 }),
    budget: moneyInput("budget", (c.limits || {}).budgetDiscount),
    codeQuantity: input("code-quantity", c.codeRedemptionQuantity, { inputmode: "numeric", size: 8 }),
    start: input("start", localInputValue(c.startAt, storedZone), { type: "datetime-local", step: 1 }),
    expire: input("expire", localInputValue(c.expireAt, storedZone), { type: "datetime-local", step: 1 }),
    rules: h("textarea", { id: "campaign-rules", rows: 10, spellcheck: "false", "aria-describedby": "rules-help" },
      c.rulesJson ? toJson(parseJson(c.rulesJson)) : ""),
  };
  // The builder edits the rule; the JSON view follows it and can be edited instead.
  const ruleWords = h("p", { id: "rule-words", className: "rule-words", "aria-live": "polite" });
  let wordsTimer = null;
  const builder = ruleBuilder(c.rulesJson || "", {
    currency: () => inputs.currency.value.trim().toUpperCase() || storedCurrency,
    zone: () => (isTimeZone(inputs.zone.value.trim()) ? inputs.zone.value.trim() : storedZone),
    changed: () => { clearTimeout(wordsTimer); wordsTimer = setTimeout(describeRule, 300); },
  });
  // The rule in the engine's words (AdminService.DescribeRules), or its compile error shown at
  // the condition it names; nothing is saved.
  const describeRule = async () => {
    let text;
    try { text = builder.read(); } catch (problem) {
      if (!(problem instanceof RuleProblem)) throw problem;
      replace(ruleWords, h("span", { className: "muted" }, `Not complete yet: ${problem.message}`));
      return;
    }
    inputs.rules.value = text;
    const currency = inputs.currency.value.trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) return;
    try {
      const answer = await admin("DescribeRules", { rulesJson: text, currency });
      builder.markError(null);
      replace(ruleWords, h("strong", {}, "Applies when: "), answer.text);
    } catch (error) {
      if (!error.field) { replace(ruleWords, errorBox(error)); return; }
      replace(ruleWords, h("span", { className: "problem" }, `Does not compile at ${error.field}: ${error.fieldDescription || error.message}`));
      builder.markError(error.field, error.fieldDescription || error.message, { focus: false });
    }
  };
  const useJson = () => {
    clearProblem(inputs.rules);
    try { parseJson(inputs.rules.value.trim() || "null"); } catch {
      showProblem(inputs.rules, "This is not valid JSON.");
      return;
    }
    builder.load(inputs.rules.value.trim());
    describeRule();
  };
  inputs.rules.addEventListener("change", useJson);

  // Item filters (which lines an item effect touches) with the same builder, item subjects.
  const itemContext = { currency: () => inputs.currency.value.trim().toUpperCase() || storedCurrency, zone: () => storedZone, changed: () => {} };
  const itemBuilder = (filter) => ruleBuilder(filter && filter.ruleJson ? filter.ruleJson : "", itemContext, { itemScope: true });
  const itemFilter = itemBuilder(inner.filter);
  const buyFilter = itemBuilder(inner.buyFilter);
  const getFilter = itemBuilder(inner.getFilter);
  const filterOf = (builder) => {
    const text = builder.read();
    return text ? { ruleJson: text } : undefined;
  };

  // Tiers: "from <amount> spent, <amount> off" rows (or percent off), added and removed.
  const tierRows = h("ol", { className: "tiers", id: "campaign-tiers" });
  const tierInputs = [];
  const addTier = (tier = {}) => {
    const row = {
      threshold: h("input", { "aria-label": "Tier: from this order amount", value: tier.threshold ? amountText(tier.threshold, storedCurrency) : "", inputmode: "decimal", size: 10 }),
      kind: h("select", { "aria-label": "Tier: kind of discount" },
        h("option", { value: "amount", selected: tier.percentBp === undefined }, "amount off"),
        h("option", { value: "percent", selected: tier.percentBp !== undefined }, "% off")),
      value: h("input", { "aria-label": "Tier: discount", value: tier.percentBp !== undefined ? percentText(tier.percentBp) : tier.amount ? amountText(tier.amount, storedCurrency) : "", inputmode: "decimal", size: 8 }),
    };
    const item = h("li", { className: "rule-line" }, "From ", row.threshold, " ", unit(currencyUnits, storedCurrency), " spent: ", row.value, row.kind,
      h("button", { type: "button", className: "link", onclick: () => { tierInputs.splice(tierInputs.indexOf(row), 1); item.remove(); } }, "Remove tier"));
    tierInputs.push(row);
    tierRows.append(item);
  };
  for (const tier of inner.tiers || (storedKind === "tieredSpend" ? [] : [{}])) addTier(tier);
  const initialDates = { start: inputs.start.value, expire: inputs.expire.value };
  const zoneNames = h("datalist", { id: "time-zone-names" }, timeZones().map((zone) => h("option", { value: zone })));
  const choices = Object.entries(EFFECTS);
  if (kind === "asStored") choices.push(["asStored", `As stored: ${storedKind} (edit with the CLI or API)`]);
  const effectKind = h("select", { id: "campaign-effect" }, choices.map(([value, label]) => h("option", { value, selected: value === kind }, label)));

  // Labels that name the unit follow the currency and the zone as they are typed.
  const moneyLabel = (text) => h("span", {}, `${text} (`, unit(currencyUnits, storedCurrency), ")");
  const zoneLabel = (text) => h("span", {}, `${text} (`, unit(zoneUnits, storedZone), ")");
  const follow = () => {
    const code = inputs.currency.value.trim().toUpperCase() || "?";
    for (const span of currencyUnits) span.textContent = code;
    const zone = inputs.zone.value.trim() || "?";
    for (const span of zoneUnits) span.textContent = zone;
  };
  inputs.currency.addEventListener("input", follow);
  inputs.zone.addEventListener("input", follow);

  const fields = {
    amount: field(moneyLabel("Amount off"), inputs.amount),
    percent: field("Percent off (%)", inputs.percent),
    cap: field(moneyLabel("At most"), inputs.cap),
    filter: h("div", { className: "field" }, h("p", { className: "label" }, "Items it applies to"), itemFilter.element),
    tiers: h("div", { className: "field" }, h("p", { className: "label" }, "Tiers (the best tier reached applies)"), tierRows,
      h("button", { type: "button", className: "secondary small", id: "add-tier", onclick: () => addTier() }, "+ Tier")),
    gift: h("div", { className: "row fields" }, field("Free product (SKU)", inputs.giftSku), field("Units given", inputs.giftQuantity),
      field(moneyLabel("Its price (to add it when missing)"), inputs.giftPrice)),
    bxgy: h("div", {},
      h("div", { className: "row fields" }, field("Buy (units)", inputs.buyQuantity), field("Get (units)", inputs.getQuantity),
        field("Get them at (% off; 100 = free)", inputs.getPercent), field("At most (times per order)", inputs.maxRepeats)),
      h("div", { className: "field" }, h("p", { className: "label" }, "Items bought"), buyFilter.element),
      h("div", { className: "field" }, h("p", { className: "label" }, "Items given"), getFilter.element)),
  };
  const showEffectInputs = () => {
    const used = EFFECT_INPUTS[effectKind.value] || [];
    for (const [name, wrapper] of Object.entries(fields)) wrapper.hidden = !used.includes(name);
  };
  effectKind.addEventListener("change", showEffectInputs);
  showEffectInputs();

  const problems = h("div", { id: "form-errors" });
  const rulesOutline = h("div", { id: "rules-outline", className: "tree" });
  const submit = h("button", { type: "submit", id: "save-campaign" }, campaign ? "Save a new version" : "Create");
  const form = h("form", { "aria-label": campaign ? "Edit campaign" : "New campaign", novalidate: true },
    h("h1", {}, campaign ? `Edit ${c.id} (v${c.version})` : "New campaign"),
    h("section", { className: "card" }, h("h2", {}, "Details"),
      h("div", { className: "row fields" }, field("Id", inputs.id), field("Name", inputs.name), field("Type", inputs.type),
        field("Currency", inputs.currency), field("Time zone", inputs.zone)), zoneNames),
    h("section", { className: "card" }, h("h2", {}, "Discount"),
      h("div", { className: "row fields" }, field("Effect", effectKind), fields.amount, fields.percent, fields.cap),
      fields.tiers, fields.gift, fields.bxgy, fields.filter),
    h("section", { className: "card" }, h("h2", {}, "Limits"),
      h("div", { className: "row fields" }, field("Total redemptions", inputs.total), field("Per customer", inputs.perCustomer),
        field("Redemptions per code", inputs.codeQuantity), field(moneyLabel("Discount budget"), inputs.budget))),
    h("section", { className: "card" }, h("h2", {}, "Dates"),
      h("p", { className: "muted", id: "dates-zone" }, "Dates are in the campaign's time zone (",
        unit(zoneUnits, storedZone), "), whatever this computer's zone."),
      h("div", { className: "row fields" }, field(zoneLabel("Starts"), inputs.start), field(zoneLabel("Expires"), inputs.expire))),
    h("section", { className: "card", id: "rules-section" }, h("h2", {}, "Who and which carts (rules)"),
      h("p", { className: "muted" }, `Amounts are in the campaign's currency, times in its zone. No condition: every cart.`),
      builder.element, ruleWords,
      h("details", { id: "rules-advanced" }, h("summary", {}, "Advanced: the rule as JSON"),
        h("p", { id: "rules-help", className: "muted" }, "The same rule as the engine reads it (docs/rules.md); amounts in minor units. Edits here replace the builder's rule when you leave the box."),
        field("Rule JSON", inputs.rules)), rulesOutline),
    problems, h("p", {}, submit));

  // Reads the form; a field that cannot be read is listed in `found` with what to write.
  const read = (found) => {
    const take = (name, parse) => {
      try { return parse(inputs[name].value); } catch (problem) {
        if (!(problem instanceof InputProblem)) throw problem;
        found.push([name, problem.message]);
        return undefined;
      }
    };
    const used = EFFECT_INPUTS[effectKind.value] || [];
    const currency = inputs.currency.value.trim().toUpperCase();
    if (!inputs.name.value.trim()) found.push(["name", "Enter a name marketers will recognise."]);
    if (!/^[A-Z]{3}$/.test(currency)) found.push(["currency", "Enter a 3-letter ISO 4217 currency code, e.g. EUR."]);
    const zone = inputs.zone.value.trim();
    if (!isTimeZone(zone)) found.push(["zone", `"${zone}" is not a time zone: pick one from the list, e.g. Europe/Berlin.`]);
    const money = (name, optional) => (used.includes(name) || name === "budget") ? take(name, (text) => {
      if (optional && !text.trim()) return undefined;
      const minor = parseMoney(text, currency);
      if (minor === "0") throw new InputProblem(optional ? "Enter an amount above 0, or leave it empty for none." : "Enter an amount above 0.");
      return minor;
    }) : undefined;
    const amount = money("amount", false);
    const cap = money("cap", true);
    const budget = money("budget", true);
    const percentBp = used.includes("percent") ? take("percent", parsePercent) : undefined;
    const rulesOf = (builder) => {
      try { return filterOf(builder); } catch (problem) {
        if (!(problem instanceof RuleProblem)) throw problem;
        found.push([problem.input, problem.message]);
        return undefined;
      }
    };
    const filter = used.includes("filter") ? rulesOf(itemFilter) : undefined;
    const wholeNumber = (name) => take(name, (text) => {
      const count = parseCount(text);
      if (count === undefined) throw new InputProblem("Enter a whole number of at least 1.");
      return count;
    });
    const problemAt = (element, read) => {
      try { return read(element.value); } catch (problem) {
        if (!(problem instanceof InputProblem)) throw problem;
        found.push([element, problem.message]);
        return undefined;
      }
    };
    const tiers = used.includes("tiers") ? tierInputs.map((row) => {
      const threshold = problemAt(row.threshold, (text) => parseMoney(text, currency));
      return row.kind.value === "percent"
        ? { threshold, percentBp: problemAt(row.value, parsePercent) }
        : { threshold, amount: problemAt(row.value, (text) => parseMoney(text, currency)) };
    }) : [];
    if (used.includes("tiers") && !tierInputs.length) found.push([fields.tiers.querySelector("button"), "Add at least one tier."]);
    // With its price the free product is added to a cart that lacks it; without, only a cart
    // that holds it gets it free.
    const giftPrice = used.includes("gift") ? take("giftPrice", (text) => (text.trim() ? parseMoney(text, currency) : undefined)) : undefined;
    const gift = used.includes("gift") ? {
      ...(storedKind === "freeUnits" ? inner : {}),
      sku: take("giftSku", (text) => { if (!text.trim()) throw new InputProblem("Enter the SKU of the free product."); return text.trim(); }),
      quantity: wholeNumber("giftQuantity"),
      addMissingItem: giftPrice !== undefined,
      unitPrice: giftPrice,
    } : undefined;
    const bxgy = used.includes("bxgy") ? {
      buyFilter: rulesOf(buyFilter), buyQuantity: wholeNumber("buyQuantity"),
      getFilter: rulesOf(getFilter), getQuantity: wholeNumber("getQuantity"),
      percentBp: take("getPercent", parsePercent), maxRepeats: take("maxRepeats", parseCount),
    } : undefined;
    const counts = Object.fromEntries(["total", "perCustomer", "codeQuantity"].map((name) => [name, take(name, parseCount)]));
    // A date left as it was keeps its stored instant exactly; one changed is read in the zone.
    const date = (name, stored) => {
      const value = inputs[name].value;
      if (!value) return undefined;
      if (value === initialDates[name] && zone === storedZone) return stored;
      return isTimeZone(zone) ? instantFromLocal(value, zone) : undefined;
    };
    const ruleText = (problems) => {
      try { return builder.read(); } catch (problem) {
        if (!(problem instanceof RuleProblem)) throw problem;
        problems.push([problem.input, problem.message]);
        return "";
      }
    };
    const startAt = date("start", c.startAt);
    const expireAt = date("expire", c.expireAt);
    if (startAt && expireAt && Date.parse(expireAt) <= Date.parse(startAt)) found.push(["expire", "The end must be after the start."]);
    const effects = {
      none: () => undefined,
      asStored: () => c.effect,
      amountOffOrder: () => ({ amountOffOrder: { amount } }),
      percentOffOrder: () => ({ percentOffOrder: { percentBp, cap } }),
      amountOffItems: () => ({ amountOffItems: { amount, filter } }),
      percentOffItems: () => ({ percentOffItems: { percentBp, cap, filter } }),
      shippingFree: () => ({ shipping: { free: true } }),
      tieredSpend: () => ({ tieredSpend: { tiers, cap } }),
      freeUnits: () => ({ freeUnits: gift }),
      buyXGetY: () => ({ buyXGetY: bxgy }),
    };
    const out = {
      ...(campaign || prefill || {}), id: inputs.id.value.trim(), name: inputs.name.value.trim(), type: inputs.type.value,
      currency, timeZone: zone, effect: effects[effectKind.value](), rulesJson: ruleText(found),
      limits: { ...(c.limits || {}), totalRedemptions: counts.total, perCustomer: counts.perCustomer, budgetDiscount: budget },
      codeRedemptionQuantity: counts.codeQuantity, startAt, expireAt,
    };
    for (const volatile of ["status", "version", "createdAt", "updatedAt"]) delete out[volatile];
    return out;
  };

  const clearAll = () => {
    for (const element of Object.values(inputs)) clearProblem(element);
    for (const element of form.querySelectorAll(".rule-builder [aria-invalid]")) clearProblem(element);
    replace(problems);
    replace(rulesOutline);
  };
  // Every problem beside its field, a summary under the form, the focus on the first one.
  // A problem names a form input, or is a rule builder's input itself.
  const inputOf = (which) => (typeof which === "string" ? inputs[which] : which);
  const report = (unordered) => {
    const found = [...unordered].sort(([a], [b]) =>
      (inputOf(a).compareDocumentPosition(inputOf(b)) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
    for (const [which, message] of found) showProblem(inputOf(which), message);
    const label = (which) => {
      const input = inputOf(which);
      return (input.id && (form.querySelector(`label[for="${input.id}"]`) || {}).textContent) ||
        input.getAttribute("aria-label") || String(which);
    };
    replace(problems, h("div", { className: "error", role: "alert" },
      h("p", {}, found.length === 1 ? "One thing to fix:" : `${found.length} things to fix:`),
      h("ul", {}, found.map(([which, message]) => h("li", {}, h("a", {
        href: "#", onclick: (event) => { event.preventDefault(); inputOf(which).focus(); },
      }, label(which)), `: ${message}`)))));
    inputOf(found[0][0]).focus();
  };

  // Validate as you go: a changed field is checked when left, and its message goes as soon as
  // what is typed reads. Not when the focus leaves for the save button: a message appearing
  // then would move the button from under the pointer; the save checks everything anyway.
  const problemOf = (name) => {
    const found = [];
    read(found);
    return (found.find(([which]) => which === name) || [])[1];
  };
  for (const name of ["amount", "cap", "budget", "percent", "total", "perCustomer", "codeQuantity", "zone", "currency"]) {
    let changed = false;
    inputs[name].addEventListener("change", () => { changed = true; });
    inputs[name].addEventListener("blur", (event) => {
      if (!changed || event.relatedTarget === submit) return;
      changed = false;
      const problem = problemOf(name);
      if (problem) showProblem(inputs[name], problem); else clearProblem(inputs[name]);
    });
    inputs[name].addEventListener("input", () => {
      if (inputs[name].getAttribute("aria-invalid") === "true" && !problemOf(name)) clearProblem(inputs[name]);
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearAll();
    const found = [];
    const wanted = read(found);
    if (found.length) return report(found);
    submit.disabled = true;
    try {
      const saved = campaign
        ? await admin("UpdateCampaign", { campaign: wanted, expectedVersion: c.version })
        : await admin("CreateCampaign", { campaign: wanted });
      location.hash = `#/campaigns/${encodeURIComponent(saved.id)}`;
    } catch (error) {
      const target = (SERVER_FIELDS.find(([pattern]) => error.field && pattern.test(error.field)) || [])[1];
      if (target === "rules") {
        replace(problems, errorBox(error));
        const path = error.field.replace(/^campaign\./, "");
        if (!builder.markError(path, error.fieldDescription || error.message)) showRuleError(inputs.rules, rulesOutline, error);
      } else if (target && inputs[target].offsetParent !== null) {
        report([[target, error.fieldDescription || error.message]]);
      } else {
        replace(problems, errorBox(error));
      }
    } finally {
      submit.disabled = false;
    }
  });
  // The live summary beside the form: what the campaign will do, in words, as it is typed
  // (what cannot be read yet is left out; the rule's words are the engine's, from above).
  const summary = h("dl", { className: "facts" });
  const summarize = () => {
    const wanted = read([]);
    const limits = limitsInWords(wanted.limits || {}, wanted.currency, wanted.codeRedemptionQuantity);
    const when = ruleWords.textContent.replace(/^Applies when: /, "");
    replace(summary,
      h("dt", {}, "Gives"), h("dd", { id: "summary-gives" }, describeEffect(wanted.effect || {}, wanted.currency) || "nothing yet"),
      h("dt", {}, "When"), h("dd", { id: "summary-when" }, when || "every cart"),
      h("dt", {}, "Runs"), h("dd", { id: "summary-runs" }, isTimeZone(wanted.timeZone) ? datesInZone(wanted) : "(pick a time zone)"),
      h("dt", {}, "Limits"), h("dd", { id: "summary-limits" }, limits || "none"));
  };
  let summaryTimer = null;
  const later = () => { clearTimeout(summaryTimer); summaryTimer = setTimeout(summarize, 200); };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  new MutationObserver(later).observe(ruleWords, { childList: true, subtree: true, characterData: true });
  summarize();
  describeRule();
  return h("div", { className: "form-layout" }, form,
    h("aside", { className: "card live-summary", id: "live-summary", "aria-label": "What this campaign will do" },
      h("h2", {}, "What it will do"), summary));
}

// The rules as an outline, the node at the error's path marked: `campaign.rules.all[1].op`.
function showRuleError(textarea, outline, error) {
  textarea.setAttribute("aria-invalid", "true");
  const path = error.field.replace(/^campaign\.rules(_json)?\.?/, "");
  let rules;
  try { rules = JSON.parse(textarea.value); } catch { textarea.focus(); return; }
  const steps = path ? path.match(/[^.[\]]+|\[\d+\]/g) || [] : [];
  const wanted = steps.map((step) => step.replace(/^\[(\d+)\]$/, "$1"));
  let marked = null;
  const node = (value, key, trail) => {
    const here = trail.join("/");
    const isTarget = here === wanted.join("/");
    const label = key === null ? "rules" : key;
    let item;
    if (value && typeof value === "object") {
      item = h("li", { "data-path": here }, `${label}:`,
        h("ul", {}, Object.entries(value).map(([k, v]) => node(v, Array.isArray(value) ? `[${k}]` : k, [...trail, k]))));
    } else {
      item = h("li", { "data-path": here }, `${label}: ${JSON.stringify(value)}`);
    }
    if (isTarget) { item.classList.add("at-error"); item.id = "rule-error-node"; marked = item; }
    return item;
  };
  replace(outline, h("p", {}, "At ", h("span", { className: "mono", id: "rule-error-path" }, path || "rules"), ": ", error.fieldDescription || error.message),
    h("ul", {}, node(rules, null, [])));
  (marked || textarea).scrollIntoView({ block: "center" });
  textarea.focus();
}
