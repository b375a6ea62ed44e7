// Campaigns: the list with filters, a campaign's page (the kill switch, versions with a diff,
// duplicate). The create/edit form is campaign_form.js; campaign_words.js says a campaign in words.
import { admin, listAll } from "./api.js";
import { canWrite } from "./session.js";
import { tryPanel } from "./tryit.js";
import { backtestPanel } from "./backtest.js";
import { clearProblem, errorBox, field, h, load, money, replace, showProblem, table } from "./ui.js";
import { TYPES, typeName } from "./campaign_form.js";
import { datesInZone, describeEffect, limitsInWords } from "./campaign_words.js";

const STATUSES = ["CAMPAIGN_STATUS_ACTIVE", "CAMPAIGN_STATUS_PAUSED", "CAMPAIGN_STATUS_SCHEDULED",
  "CAMPAIGN_STATUS_EXPIRED", "CAMPAIGN_STATUS_DRAFT"];
const statusName = (status) => (status || "").replace("CAMPAIGN_STATUS_", "").toLowerCase();

export function campaignsPage() {
  const type = h("select", { id: "filter-type" }, h("option", { value: "" }, "all types"),
    TYPES.map((t) => h("option", { value: t }, typeName(t))));
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
      { title: "Type", cell: (c) => typeName(c.type) },
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
  const setActive = async (wanted, reason) => {
    kill.disabled = true;
    try {
      await admin("SetCampaignActive", { id: campaign.id, active: wanted, reason });
      refresh();
    } catch (error) {
      replace(notice, errorBox(error));
      kill.disabled = false;
    }
  };
  // Disabling stops every checkout using the campaign at once: asked first, with a reason kept
  // in the audit log. Enabling is not destructive.
  const kill = h("button", {
    type: "button", id: "kill-switch", className: active ? "danger" : "", disabled: !canWrite(),
    onclick: () => {
      if (!active) return setActive(true, "");
      const reason = h("input", { id: "kill-reason", size: 36, autocomplete: "off", placeholder: "e.g. code leaked on a coupon site" });
      const form = h("form", { className: "confirm", role: "alertdialog", "aria-labelledby": "kill-question", novalidate: true },
        h("p", { id: "kill-question" }, `Disable ${campaign.name || campaign.id} now? Every checkout refuses its codes and promotion at once, on every server, until it is enabled again.`),
        h("div", { className: "row" }, field("Reason (kept in the audit log)", reason),
          h("div", {}, h("button", { type: "submit", className: "danger", id: "confirm-kill" }, "Disable it"), " ",
            h("button", { type: "button", className: "secondary", onclick: () => { replace(notice); kill.focus(); } }, "Cancel"))));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        clearProblem(reason);
        if (!reason.value.trim()) {
          showProblem(reason, "Say why: the reason is kept in the audit log.");
          reason.focus();
          return;
        }
        setActive(false, reason.value.trim());
      });
      replace(notice, form);
      reason.focus();
    },
  }, active ? "Disable (kill switch)…" : "Enable");
  const newId = h("input", { id: "duplicate-id", placeholder: `${campaign.id}-copy (when left empty)` });
  const duplicate = h("form", { className: "row", "aria-label": "Duplicate" },
    field("New campaign id", newId),
    h("div", {}, h("button", { type: "submit", className: "secondary", disabled: !canWrite() }, "Duplicate (created disabled)")));
  duplicate.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const copy = await admin("DuplicateCampaign", { id: campaign.id, newId: newId.value.trim() });
      location.hash = `#/campaigns/${encodeURIComponent(copy.id)}`;
    } catch (error) {
      replace(notice, errorBox(error));
    }
  });
  const ruleWords = h("span", { id: "campaign-rule" }, "…");
  ruleInWords(campaign).then((text) => replace(ruleWords, text), (error) => replace(ruleWords, errorBox(error)));
  const usage = h("div", { id: "campaign-usage", "aria-live": "polite" });
  load(usage, () => usageView(campaign), "Loading the figures");
  return h("div", {},
    h("h1", {}, campaign.name || campaign.id),
    h("section", { className: "card summary" },
      h("p", {}, h("span", { className: "mono" }, campaign.id), " · ", typeName(campaign.type),
        " · ", h("span", { id: "campaign-status", className: `status-${campaign.status}` }, statusName(campaign.status)),
        active ? "" : h("strong", { className: "status-inactive", id: "disabled-flag" }, " · disabled by the kill switch")),
      h("dl", { className: "facts" },
        h("dt", {}, "Gives"), h("dd", { id: "campaign-effect-words" }, describeEffect(campaign.effect, campaign.currency) || "nothing (a program)"),
        h("dt", {}, "When"), h("dd", {}, ruleWords),
        h("dt", {}, "Runs"), h("dd", { id: "campaign-dates" }, datesInZone(campaign)),
        campaign.metadataJson && JSON.parse(campaign.metadataJson).description
          ? [h("dt", {}, "Description"), h("dd", {}, String(JSON.parse(campaign.metadataJson).description))] : null),
      usage,
      h("p", { className: "row" }, kill,
        canWrite() ? h("a", { href: `#/campaigns/${encodeURIComponent(campaign.id)}/edit`, id: "edit-campaign" }, "Edit") : null,
        h("a", { href: `#/reports/${encodeURIComponent(campaign.id)}` }, "Report")),
      notice),
    tryPanel(campaign),
    backtestPanel(campaign),
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
    return changesView(a, b);
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

// A campaign as a marketer reads it, field by field (for the versions' diff).
async function inWords(campaign) {
  const limits = campaign.limits || {};
  return [
    ["Name", campaign.name || ""],
    ["Type", typeName(campaign.type)],
    ["Gives", describeEffect(campaign.effect, campaign.currency)],
    ["When", await ruleInWords(campaign).catch((error) => `(the rule does not read: ${error.message})`)],
    ["Runs", datesInZone(campaign)],
    ["Currency", campaign.currency || ""],
    ["Limits", limitsInWords(limits, campaign.currency, campaign.codeRedemptionQuantity) || "none"],
    ["Kill switch", campaign.active === false ? "disabled" : "enabled"],
  ];
}

// [what, before, after] for each thing a marketer reads that differs between two versions.
export async function changedInWords(a, b) {
  const [before, after] = await Promise.all([inWords(a), inWords(b)]);
  return before.map(([what, was], index) => [what, was, after[index][1]]).filter(([, was, now]) => was !== now);
}

// A campaign in words, [what, how] pairs (an audit entry's creation).
export { inWords as campaignInWords };

// What changed between two versions, in words and money; the JSON line diff stays below.
async function changesView(a, b) {
  const rows = await changedInWords(a, b);
  return h("div", {},
    h("p", { className: "muted" }, `v${a.version} → v${b.version}`),
    rows.length ? table([
      { title: "What", cell: ([what]) => what },
      { title: `v${a.version}`, cell: ([, was]) => h("span", { className: "del" }, was) },
      { title: `v${b.version}`, cell: ([, , now]) => h("span", { className: "add" }, now) },
    ], rows) : h("p", { id: "diff-nothing" }, "Nothing a marketer sees changed (only fields shown in the JSON below, if any)."),
    h("details", {}, h("summary", {}, "Advanced: the JSON of both versions, line by line"), diffView(a, b)));
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
  return h("div", {}, h("p", { className: "muted" }, `v${a.version} → v${b.version}`), h("div", { className: "diff", tabindex: "0", "aria-label": "JSON line diff" }, lines));
}


// The campaign's rule in the engine's words (AdminService.DescribeRules).
async function ruleInWords(campaign) {
  if (!campaign.rulesJson) return "every cart";
  const answer = await admin("DescribeRules", { rulesJson: campaign.rulesJson, currency: campaign.currency || "EUR" });
  return answer.text;
}


// A limit with what is used of it: a labelled meter and the figures in words.
function usageBar(id, label, used, limit, show) {
  const share = limit > 0 ? Math.min(1, used / limit) : 0;
  const labelId = `${id}-label`;
  return h("div", { className: "usage" },
    h("p", { id: labelId }, `${label}: ${show(used)} of ${show(limit)} (${Math.round(share * 100)} %)`),
    h("meter", { id, min: 0, max: limit, value: Math.min(used, limit), "aria-labelledby": labelId }));
}

// Redemptions and discount so far, the limits with their usage, the number of codes.
async function usageView(campaign) {
  const report = await admin("GetCampaignReport", { campaignId: campaign.id });
  const currency = campaign.currency;
  const limits = campaign.limits || {};
  const redemptions = Number(report.redemptions || 0);
  const discount = Number(report.totalDiscount || 0);
  const bars = [];
  if (limits.totalRedemptions) {
    bars.push(usageBar("usage-redemptions", "Redemptions", redemptions, Number(limits.totalRedemptions), (n) => n.toLocaleString("en")));
  }
  if (limits.budgetDiscount) {
    bars.push(usageBar("usage-budget", "Discount budget", discount, Number(limits.budgetDiscount), (n) => money(n, currency)));
  }
  const perCustomer = [limits.perCustomer ? `${limits.perCustomer} per customer` : null,
    limits.perCustomerPerDay ? `${limits.perCustomerPerDay} per customer a day` : null,
    campaign.codeRedemptionQuantity ? `${campaign.codeRedemptionQuantity} per code` : null].filter(Boolean);
  return h("div", {},
    h("p", { id: "campaign-so-far" }, `So far: ${count(redemptions, "redemption")} by ${count(report.uniqueCustomers, "customer")}, `,
      `${money(discount, currency)} of discount on orders worth ${money(report.totalOrderValue, currency)}`,
      ` · ${count(report.codes, "code")}`),
    bars,
    perCustomer.length ? h("p", { id: "campaign-per-customer" }, `Limits: ${perCustomer.join(", ")}.`) : null,
    !limits.totalRedemptions && !limits.budgetDiscount && !perCustomer.length ? h("p", { className: "muted" }, "No limit on redemptions or budget.") : null);
}

const count = (number, noun) => `${Number(number || 0).toLocaleString("en")} ${noun}${Number(number) === 1 ? "" : "s"}`;
