// Campaigns: the list with filters, the create/edit form (common effects and the rules editor,
// whose compile errors are shown at their path), the kill switch, versions with a diff, duplicate.
import { admin, listAll } from "./api.js";
import { canWrite } from "./session.js";
import { tryPanel } from "./tryit.js";
import { errorBox, field, h, load, money, replace, table, when } from "./ui.js";

const TYPES = ["DISCOUNT_COUPONS", "PROMOTION", "GIFT_VOUCHERS", "LOYALTY_PROGRAM", "REFERRAL_PROGRAM"];
const STATUSES = ["CAMPAIGN_STATUS_ACTIVE", "CAMPAIGN_STATUS_PAUSED", "CAMPAIGN_STATUS_SCHEDULED",
  "CAMPAIGN_STATUS_EXPIRED", "CAMPAIGN_STATUS_DRAFT"];
const statusName = (status) => (status || "").replace("CAMPAIGN_STATUS_", "").toLowerCase();

export function describeEffect(effect = {}, currency = "") {
  if (effect.amountOffOrder) return `${money(effect.amountOffOrder.amount, currency)} off the order`;
  if (effect.percentOffOrder) {
    const cap = effect.percentOffOrder.cap ? `, at most ${money(effect.percentOffOrder.cap, currency)}` : "";
    return `${(effect.percentOffOrder.percentBp || 0) / 100}% off the order${cap}`;
  }
  const kind = Object.keys(effect)[0];
  return kind ? kind.replace(/[A-Z]/g, (c) => " " + c.toLowerCase()) : "";
}

export function campaignsPage() {
  const type = h("select", { id: "filter-type" }, h("option", { value: "" }, "all types"),
    TYPES.map((t) => h("option", { value: t }, t.toLowerCase().replace("_", " "))));
  const status = h("select", { id: "filter-status" }, h("option", { value: "" }, "any status"),
    STATUSES.map((s) => h("option", { value: s }, statusName(s))));
  const text = h("input", { type: "search", id: "filter-text", placeholder: "id or name" });
  const results = h("div", { id: "campaign-list" });
  let campaigns = [];
  const view = () => {
    const needle = text.value.trim().toLowerCase();
    const shown = campaigns.filter((c) => (!status.value || c.status === status.value) &&
      (!needle || c.id.toLowerCase().includes(needle) || (c.name || "").toLowerCase().includes(needle)));
    return table([
      { title: "Campaign", cell: (c) => h("a", { href: `#/campaigns/${encodeURIComponent(c.id)}` }, c.id) },
      { title: "Name", cell: (c) => c.name },
      { title: "Type", cell: (c) => (c.type || "").toLowerCase() },
      { title: "Status", cell: (c) => h("span", { className: `status-${c.status}` }, statusName(c.status),
        c.active === false ? " (disabled)" : "") },
      { title: "Effect", cell: (c) => describeEffect(c.effect, c.currency) },
      { title: "Version", cell: (c) => c.version || "1" },
    ], shown, "No campaign matches.");
  };
  const render = () => replace(results, view());
  const fetchList = () => load(results, async () => {
    campaigns = await listAll("ListCampaigns", type.value ? { type: type.value } : {}, "campaigns");
    return view();
  }, "Loading campaigns");
  type.addEventListener("change", fetchList);
  status.addEventListener("change", render);
  text.addEventListener("input", render);
  fetchList();
  return h("div", {},
    h("h1", {}, "Campaigns"),
    h("div", { className: "row" }, field("Type", type), field("Status", status), field("Search", text),
      canWrite() ? h("div", {}, h("a", { href: "#/campaigns/new", id: "new-campaign" }, "New campaign")) : null),
    h("h2", {}, "List"), results);
}

export function campaignPage(id) {
  const body = h("div", {});
  const show = () => load(body, async () => {
    const campaign = await admin("GetCampaign", { id });
    return campaignDetails(campaign, show);
  }, "Loading the campaign");
  show();
  return h("div", {}, h("p", {}, h("a", { href: "#/campaigns" }, "← Campaigns")), body);
}

function campaignDetails(campaign, refresh) {
  const active = campaign.active !== false;
  const notice = h("div", { "aria-live": "polite" });
  const kill = h("button", {
    type: "button", id: "kill-switch", className: active ? "danger" : "",
    disabled: !canWrite(),
    onclick: async () => {
      kill.disabled = true;
      try {
        await admin("SetCampaignActive", { id: campaign.id, active: !active });
        refresh();
      } catch (error) {
        replace(notice, errorBox(error));
        kill.disabled = false;
      }
    },
  }, active ? "Disable (kill switch)" : "Enable");
  const newId = h("input", { id: "duplicate-id", placeholder: `${campaign.id}-copy` });
  const duplicate = h("form", { className: "row", "aria-label": "Duplicate" },
    field("New campaign id", newId),
    h("div", {}, h("button", { type: "submit", className: "secondary", disabled: !canWrite() }, "Duplicate")));
  duplicate.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const copy = await admin("DuplicateCampaign", { id: campaign.id, newId: newId.value.trim() });
      location.hash = `#/campaigns/${encodeURIComponent(copy.id)}`;
    } catch (error) {
      replace(notice, errorBox(error));
    }
  });
  return h("div", {},
    h("h1", {}, campaign.name || campaign.id),
    h("section", { className: "card" },
      h("p", {}, h("span", { className: "mono" }, campaign.id), " · ", (campaign.type || "").toLowerCase(),
        " · ", h("span", { id: "campaign-status", className: `status-${campaign.status}` }, statusName(campaign.status)),
        active ? "" : h("strong", { className: "status-inactive", id: "disabled-flag" }, " · disabled by the kill switch")),
      h("p", {}, describeEffect(campaign.effect, campaign.currency)),
      campaign.rulesJson ? h("pre", { className: "diff" }, JSON.stringify(JSON.parse(campaign.rulesJson), null, 2)) : null,
      h("p", { className: "row" }, kill,
        canWrite() ? h("a", { href: `#/campaigns/${encodeURIComponent(campaign.id)}/edit`, id: "edit-campaign" }, "Edit") : null,
        h("a", { href: `#/reports/${encodeURIComponent(campaign.id)}` }, "Report")),
      notice),
    tryPanel(campaign),
    h("section", { className: "card" }, h("h2", {}, "Duplicate"), duplicate),
    h("section", { className: "card" }, h("h2", {}, "Versions"), versions(campaign)));
}

function versions(campaign) {
  const latest = Number(campaign.version || 1);
  const numbers = Array.from({ length: latest }, (_, i) => latest - i);
  const from = h("select", { id: "diff-from" }, numbers.map((n) => h("option", { value: n, selected: n === Math.max(1, latest - 1) }, `v${n}`)));
  const to = h("select", { id: "diff-to" }, numbers.map((n) => h("option", { value: n, selected: n === latest }, `v${n}`)));
  const out = h("div", { id: "diff" });
  const compare = () => load(out, async () => {
    const [a, b] = await Promise.all([from.value, to.value].map((version) =>
      admin("GetCampaign", { id: campaign.id, version })));
    return diffView(a, b);
  }, "Comparing");
  const form = h("form", { className: "row", "aria-label": "Compare versions" },
    field("From", from), field("To", to), h("div", {}, h("button", { type: "submit", className: "secondary" }, "Show diff")));
  form.addEventListener("submit", (event) => { event.preventDefault(); compare(); });
  return h("div", {}, form, out);
}

function comparable(campaign) {
  const copy = { ...campaign };
  for (const volatile of ["version", "updatedAt", "createdAt", "status"]) delete copy[volatile];
  if (copy.rulesJson) copy.rulesJson = JSON.parse(copy.rulesJson);
  return JSON.stringify(copy, Object.keys(flatKeys(copy)).sort(), 2).split("\n");
}

function flatKeys(value, keys = {}) {
  if (value && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) { keys[key] = true; flatKeys(inner, keys); }
  }
  return keys;
}

// A line diff (longest common subsequence) of two versions' JSON.
function diffView(a, b) {
  const left = comparable(a), right = comparable(b);
  const lengths = Array.from({ length: left.length + 1 }, () => new Array(right.length + 1).fill(0));
  for (let i = left.length - 1; i >= 0; i--) {
    for (let j = right.length - 1; j >= 0; j--) {
      lengths[i][j] = left[i] === right[j] ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
    }
  }
  const lines = [];
  let i = 0, j = 0;
  while (i < left.length || j < right.length) {
    if (i < left.length && j < right.length && left[i] === right[j]) { lines.push(h("span", {}, "  " + left[i] + "\n")); i++; j++; }
    else if (j < right.length && (i >= left.length || lengths[i][j + 1] >= lengths[i + 1][j])) { lines.push(h("span", { className: "add" }, "+ " + right[j])); j++; }
    else { lines.push(h("span", { className: "del" }, "- " + left[i])); i++; }
  }
  return h("div", {}, h("p", { className: "muted" }, `v${a.version} → v${b.version}`), h("div", { className: "diff" }, lines));
}

// The form: id, name, type, currency, the common effects, limits, dates, and the rules editor.
export function campaignFormPage(id) {
  const body = h("div", {});
  if (!canWrite()) return h("div", {}, errorBox({ code: "permission_denied", message: "A read-only key cannot change campaigns." }));
  if (id) load(body, async () => campaignForm(await admin("GetCampaign", { id })), "Loading the campaign");
  else replace(body, campaignForm(null));
  return h("div", {}, h("p", {}, h("a", { href: "#/campaigns" }, "← Campaigns")), body);
}

const EFFECTS = {
  none: "None (gift cards, loyalty, referral programs)",
  amountOffOrder: "Amount off the order",
  percentOffOrder: "Percent off the order",
  amountOffItems: "Amount off matching items",
  percentOffItems: "Percent off matching items",
  shippingFree: "Free shipping",
};

function campaignForm(campaign) {
  const c = campaign || {};
  const effect = c.effect || {};
  const storedKind = Object.keys(effect)[0];
  // An effect the form does not edit (buy X get Y, tiers, formula...) is kept as stored.
  const kind = !campaign ? "amountOffOrder" : !storedKind ? "none"
    : effect.shipping ? (effect.shipping.free ? "shippingFree" : "asStored")
    : storedKind in EFFECTS ? storedKind : "asStored";
  const inner = effect[storedKind] || {};
  const input = (name, value, attributes = {}) => h("input", { id: `campaign-${name}`, name, value: value ?? "", ...attributes });
  const idInput = input("id", c.id, { required: true, readonly: campaign ? true : null, pattern: "[A-Za-z0-9_.\\-]+" });
  const name = input("name", c.name, { required: true });
  const type = h("select", { id: "campaign-type" }, TYPES.map((t) => h("option", { value: t, selected: t === (c.type || "DISCOUNT_COUPONS") }, t)));
  const currency = input("currency", c.currency || "EUR", { size: 4, required: true });
  const choices = Object.entries(EFFECTS);
  if (kind === "asStored") choices.push(["asStored", `As stored: ${storedKind} (edit with the CLI or API)`]);
  const effectKind = h("select", { id: "campaign-effect" }, choices.map(([value, label]) => h("option", { value, selected: value === kind }, label)));
  const amount = input("amount", inner.amount ? Number(inner.amount) / 100 : "", { type: "number", step: "0.01", min: "0" });
  const percent = input("percent", inner.percentBp ? inner.percentBp / 100 : "", { type: "number", step: "0.01", min: "0", max: "100" });
  const cap = input("cap", inner.cap ? Number(inner.cap) / 100 : "", { type: "number", step: "0.01", min: "0" });
  const itemFilter = h("textarea", { id: "campaign-item-filter", rows: 3 }, inner.filter ? inner.filter.ruleJson : "");
  const limits = c.limits || {};
  const total = input("total", limits.totalRedemptions, { type: "number", min: "1" });
  const perCustomer = input("per-customer", limits.perCustomer, { type: "number", min: "1" });
  const codeQuantity = input("code-quantity", c.codeRedemptionQuantity, { type: "number", min: "1" });
  const dateOf = (stamp) => (stamp ? stamp.slice(0, 16) : "");
  const start = input("start", dateOf(c.startAt), { type: "datetime-local" });
  const expire = input("expire", dateOf(c.expireAt), { type: "datetime-local" });
  const rules = h("textarea", { id: "campaign-rules", rows: 10, spellcheck: "false",
    "aria-describedby": "rules-help" }, c.rulesJson ? JSON.stringify(JSON.parse(c.rulesJson), null, 2) : "");
  const rulesOutline = h("div", { id: "rules-outline", className: "tree" });
  const problems = h("div", { id: "form-errors", "aria-live": "assertive" });
  const submit = h("button", { type: "submit", id: "save-campaign" }, campaign ? "Save a new version" : "Create");

  const form = h("form", { "aria-label": campaign ? "Edit campaign" : "New campaign" },
    h("h1", {}, campaign ? `Edit ${c.id} (v${c.version})` : "New campaign"),
    h("section", { className: "card" }, h("div", { className: "row" }, field("Id", idInput), field("Name", name), field("Type", type), field("Currency", currency))),
    h("section", { className: "card" }, h("h2", {}, "Effect"),
      h("div", { className: "row" }, field("Effect", effectKind), field(`Amount (${currency.value})`, amount), field("Percent", percent), field("Cap", cap)),
      field("Items it applies to (a rule on item.*, JSON)", itemFilter)),
    h("section", { className: "card" }, h("h2", {}, "Limits and dates"),
      h("div", { className: "row" }, field("Total redemptions", total), field("Per customer", perCustomer),
        field("Redemptions per code", codeQuantity), field("Starts", start), field("Expires", expire))),
    h("section", { className: "card" }, h("h2", {}, "Rules"),
      h("p", { id: "rules-help", className: "muted" }, 'JSON, e.g. {"subject": "order.amount", "op": "gte", "value": 3000}. Empty: no condition. docs/rules.md lists subjects and operators.'),
      rules, rulesOutline),
    problems, h("p", {}, submit));

  const collect = () => {
    const minor = (value) => (value === "" ? undefined : String(Math.round(Number(value) * 100)));
    const basisPoints = (value) => (value === "" ? undefined : Math.round(Number(value) * 100));
    const filter = itemFilter.value.trim() ? { ruleJson: itemFilter.value.trim() } : undefined;
    const effects = {
      none: () => undefined,
      asStored: () => c.effect,
      amountOffOrder: () => ({ amountOffOrder: { amount: minor(amount.value) } }),
      percentOffOrder: () => ({ percentOffOrder: { percentBp: basisPoints(percent.value), cap: minor(cap.value) } }),
      amountOffItems: () => ({ amountOffItems: { amount: minor(amount.value), filter } }),
      percentOffItems: () => ({ percentOffItems: { percentBp: basisPoints(percent.value), cap: minor(cap.value), filter } }),
      shippingFree: () => ({ shipping: { free: true } }),
    };
    const out = {
      ...(campaign || {}), id: idInput.value.trim(), name: name.value.trim(), type: type.value,
      currency: currency.value.trim().toUpperCase(), effect: effects[effectKind.value](),
      rulesJson: rules.value.trim(),
      limits: { ...(c.limits || {}), totalRedemptions: total.value || undefined, perCustomer: perCustomer.value || undefined },
      codeRedemptionQuantity: codeQuantity.value || undefined,
      startAt: start.value ? new Date(start.value).toISOString() : undefined,
      expireAt: expire.value ? new Date(expire.value).toISOString() : undefined,
    };
    for (const volatile of ["status", "version", "createdAt", "updatedAt"]) delete out[volatile];
    return out;
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    replace(problems);
    replace(rulesOutline);
    submit.disabled = true;
    try {
      const saved = campaign
        ? await admin("UpdateCampaign", { campaign: collect(), expectedVersion: c.version })
        : await admin("CreateCampaign", { campaign: collect() });
      location.hash = `#/campaigns/${encodeURIComponent(saved.id)}`;
    } catch (error) {
      replace(problems, errorBox(error));
      if (error.field && error.field.startsWith("campaign.rules")) showRuleError(rules, rulesOutline, error);
      else focusField(error.field);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function focusField(path) {
  const byField = { "campaign.name": "campaign-name", "campaign.id": "campaign-id", "campaign.currency": "campaign-currency" };
  const target = document.getElementById(byField[path] || "") ||
    (path && path.includes("effect") ? document.getElementById("campaign-amount") : null);
  if (target) { target.setAttribute("aria-invalid", "true"); target.focus(); }
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
