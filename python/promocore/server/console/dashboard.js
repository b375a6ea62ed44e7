// The dashboard, the console's home: every campaign's performance over a range of days in a
// time zone (GetDashboard), as figures, charts (charts.js) and tables of the same figures.
import { admin, listAll } from "./api.js";
import { daysChart, rankChart } from "./charts.js";
import { typeName } from "./campaign_form.js";
import { browserTimeZone, isTimeZone, timeZones } from "./zones.js";
import { clearProblem, field, h, load, money, showProblem, table } from "./ui.js";

const KIND_NAMES = {
  amount_off_order: "Amount off the order",
  percent_off_order: "Percent off the order",
  amount_off_items: "Amount off items",
  percent_off_items: "Percent off items",
  fixed_price: "Fixed price for items",
  free_units: "Free items (gift with purchase)",
  buy_x_get_y: "Buy X, get Y",
  tiered_spend: "Tiered spend",
  shipping: "Shipping discount",
  formula: "Formula",
  gift_card: "Gift cards",
  loyalty_points: "Loyalty points",
  referral: "Referral",
};
export const kindName = (kind) => KIND_NAMES[kind] || kind;

const count = (value) => Number(value || 0).toLocaleString("en");

// The zone most campaigns run in: the store's zone as its campaigns say it; else this browser's.
async function usualZone() {
  const campaigns = await listAll("ListCampaigns", {}, "campaigns", 500);
  const used = new Map();
  for (const c of campaigns) used.set(c.timeZone || "UTC", (used.get(c.timeZone || "UTC") || 0) + 1);
  const [best] = [...used.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return best ? best[0] : browserTimeZone();
}

export function dashboardPage() {
  const from = h("input", { type: "date", id: "dash-from" });
  const to = h("input", { type: "date", id: "dash-to" });
  const zone = h("input", { id: "dash-zone", list: "dash-zone-names", autocomplete: "off", size: 22 });
  const zoneNames = h("datalist", { id: "dash-zone-names" }, timeZones().map((name) => h("option", { value: name })));
  const out = h("div", { id: "dashboard" });
  const form = h("form", { className: "row", "aria-label": "Period" },
    field("From", from), field("To (inclusive)", to), field("Days in the time zone", zone), zoneNames,
    h("div", {}, h("button", { type: "submit", id: "dash-show" }, "Show")));
  const show = () => load(out, async () => {
    const board = await admin("GetDashboard", { fromDate: from.value, toDate: to.value, timeZone: zone.value });
    from.value = board.fromDate;
    to.value = board.toDate;
    return view(board);
  }, "Reading the dashboard");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearProblem(zone);
    if (!isTimeZone(zone.value.trim())) {
      showProblem(zone, "Pick a time zone from the list, such as Europe/Berlin.");
      zone.focus();
      return;
    }
    zone.value = zone.value.trim();
    show();
  });
  usualZone().catch(() => browserTimeZone()).then((name) => {
    zone.value = name;
    show();
  });
  return h("div", {}, h("h1", {}, "Dashboard"),
    h("p", { className: "muted" }, "Every campaign's redemptions, rollbacks and discount over the days you choose, counted as the campaign reports count them (net of rollbacks), and what gift cards and loyalty cards hold now."),
    form, out);
}

function view(board) {
  return h("div", {},
    h("p", { id: "dash-period" }, `${board.fromDate} to ${board.toDate}, days in ${board.timeZone}`),
    (board.currencies || []).length
      ? board.currencies.map((figures) => currencySection(figures))
      : h("section", { className: "card", id: "dash-empty" }, h("p", {}, "No redemption in these days.")),
    topCampaigns(board.topCampaigns || []),
    discountKinds(board.discountKinds || []),
    balances(board));
}

function figure(name, label, value) {
  return h("div", { className: "kpi" }, h("dt", {}, label), h("dd", { "data-figure": name }, value));
}

function currencySection(c) {
  const currency = c.currency;
  const daily = c.daily || [];
  const days = daily.map((d) => d.day);
  const id = `dash-${currency}`;
  return h("section", { className: "card", id, "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title` }, `Orders in ${currency}`),
    h("dl", { className: "kpis" },
      figure("redemptions", "Redemptions", count(c.redemptions)),
      figure("rollbacks", "Rollbacks", count(c.rollbacks)),
      figure("discount", "Discount given", money(c.discount, currency)),
      figure("order-value", "Order value with a promotion", money(c.orderValue, currency))),
    daysChart({
      id: `${id}-redemptions-chart`, title: "Redemptions and rollbacks per day", days,
      series: [
        { name: "Redemptions", values: daily.map((d) => Number(d.redemptions || 0)), color: "#1f5fbf" },
        { name: "Rollbacks", values: daily.map((d) => Number(d.rollbacks || 0)), color: "#b3261e" },
      ],
    }),
    daysChart({
      id: `${id}-discount-chart`, title: `Discount given per day (${currency})`, days, currency,
      series: [{ name: "Discount", values: daily.map((d) => d.discount || "0"), color: "#1e7d32" }],
    }),
    h("details", { className: "figures" }, h("summary", {}, "The figures per day"),
      table([
        { title: "Day", cell: (d) => d.day },
        { title: "Redemptions", cell: (d) => count(d.redemptions) },
        { title: "Rollbacks", cell: (d) => count(d.rollbacks) },
        { title: "Discount", cell: (d) => money(d.discount, currency) },
        { title: "Order value", cell: (d) => money(d.orderValue, currency) },
      ], daily)));
}

function topCampaigns(top) {
  return h("section", { className: "card", id: "dash-top", "aria-labelledby": "dash-top-title" },
    h("h2", { id: "dash-top-title" }, "Top campaigns"),
    top.length ? rankChart({
      id: "dash-top-chart", title: "Redemptions by campaign", name: "Redemptions",
      names: top.map((t) => t.name || t.campaignId), values: top.map((t) => t.redemptions || 0),
    }) : null,
    table([
      { title: "Campaign", cell: (t) => h("a", { href: `#/campaigns/${encodeURIComponent(t.campaignId)}` }, t.name || t.campaignId) },
      { title: "Type", cell: (t) => typeName(t.type) },
      { title: "Redemptions", cell: (t) => count(t.redemptions) },
      { title: "Rollbacks", cell: (t) => count(t.rollbacks) },
      { title: "Discount", cell: (t) => money(t.discount, t.currency) },
      { title: "Order value", cell: (t) => money(t.orderValue, t.currency) },
      { title: "Report", cell: (t) => h("a", { href: `#/reports/${encodeURIComponent(t.campaignId)}`, "aria-label": `Report of ${t.name || t.campaignId}` }, "Report") },
    ], top, "No campaign was redeemed in these days."));
}

function discountKinds(kinds) {
  const [most] = kinds;
  return h("section", { className: "card", id: "dash-kinds", "aria-labelledby": "dash-kinds-title" },
    h("h2", { id: "dash-kinds-title" }, "Kinds of discount"),
    most ? h("p", { id: "dash-most-used" }, "Most used: ", h("strong", {}, kindName(most.kind)), ` (${count(most.redemptions)} redemptions)`) : null,
    table([
      { title: "Kind", cell: (k) => kindName(k.kind) },
      { title: "Redemptions", cell: (k) => count(k.redemptions) },
    ], kinds, "No discount was given in these days."));
}

function balances(board) {
  const gift = board.giftCardBalance || [];
  return h("section", { className: "card", id: "dash-balances", "aria-labelledby": "dash-balances-title" },
    h("h2", { id: "dash-balances-title" }, "Held by customers now"),
    h("dl", { className: "kpis" },
      figure("gift-card-balance", "Gift card balance outstanding",
        gift.length ? gift.map((g) => money(g.amount, g.currency)).join(", ") : "none"),
      figure("loyalty-points", "Loyalty points to spend", count(board.loyaltyPoints)),
      figure("loyalty-pending-points", "Loyalty points pending", count(board.loyaltyPendingPoints))),
    h("p", { className: "muted" }, "Whatever the days chosen: what unexpired gift cards and loyalty cards hold at this moment."));
}
