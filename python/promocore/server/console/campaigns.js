// Campaigns: the list with filters, a campaign's page (the kill switch, versions with a diff,
// duplicate). The create/edit form is campaign_form.js.
import { admin, listAll } from "./api.js";
import { canWrite } from "./session.js";
import { errorBox, field, h, load, money, replace, table } from "./ui.js";
import { formatPercent } from "./money.js";
import { TYPES, typeName } from "./campaign_form.js";
import { formatInZone } from "./zones.js";
import { tryPanel } from "./tryit.js";

const STATUSES = ["CAMPAIGN_STATUS_ACTIVE", "CAMPAIGN_STATUS_PAUSED", "CAMPAIGN_STATUS_SCHEDULED",
  "CAMPAIGN_STATUS_EXPIRED", "CAMPAIGN_STATUS_DRAFT"];
const statusName = (status) => (status || "").replace("CAMPAIGN_STATUS_", "").toLowerCase();

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
  if (effect.shipping && effect.shipping.free) return "free shipping";
  const kind = Object.keys(effect)[0];
  return kind ? kind.replace(/[A-Z]/g, (c) => " " + c.toLowerCase()) : "";
}

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
      h("p", {}, h("span", { className: "mono" }, campaign.id), " · ", typeName(campaign.type),
        " · ", h("span", { id: "campaign-status", className: `status-${campaign.status}` }, statusName(campaign.status)),
        active ? "" : h("strong", { className: "status-inactive", id: "disabled-flag" }, " · disabled by the kill switch")),
      h("p", {}, describeEffect(campaign.effect, campaign.currency)),
      h("p", { id: "campaign-dates" }, datesInZone(campaign)),
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

// "From 2026-06-01 00:00 to 2026-06-30 23:59:59 (Europe/Berlin)", in the campaign's zone.
function datesInZone(campaign) {
  const zone = campaign.timeZone || "UTC";
  const start = campaign.startAt ? `from ${formatInZone(campaign.startAt, zone).replace(/ \(.*\)$/, "")}` : "from its creation";
  const end = campaign.expireAt ? `until ${formatInZone(campaign.expireAt, zone).replace(/ \(.*\)$/, "")}` : "with no end";
  return `Runs ${start} ${end} (${zone}).`;
}
