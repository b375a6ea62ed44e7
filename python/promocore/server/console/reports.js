// Reports: per campaign, redemptions/rollbacks and discount per day as SVG charts drawn here,
// and the A/B variants.
import { admin, listAll } from "./api.js";
import { barChart, errorBox, field, h, load, money, replace, table } from "./ui.js";

export function reportsPage(id) {
  const campaign = h("select", { id: "report-campaign" });
  const out = h("div", { id: "report" });
  const show = () => {
    if (!campaign.value) return;
    if (location.hash !== `#/reports/${encodeURIComponent(campaign.value)}`) {
      history.replaceState(null, "", `#/reports/${encodeURIComponent(campaign.value)}`);
    }
    load(out, () => report(campaign.value), "Loading the report");
  };
  campaign.addEventListener("change", show);
  const top = h("div", {}, h("p", {}, "Loading campaigns…"));
  listAll("ListCampaigns", {}, "campaigns").then((campaigns) => {
    replace(campaign, campaigns.map((c) => h("option", { value: c.id, selected: c.id === id }, `${c.id} — ${c.name || ""}`)));
    replace(top);
    show();
  }).catch((error) => replace(top, errorBox(error)));
  return h("div", {}, h("h1", {}, "Reports"), top, h("div", { className: "row" }, field("Campaign", campaign)), out);
}

async function report(campaignId) {
  const r = await admin("GetCampaignReport", { campaignId });
  const daily = r.daily || [];
  const currency = r.currency || "";
  const labels = daily.map((d) => d.day);
  const number = (v) => Math.round(v).toLocaleString();
  return h("div", {},
    h("section", { className: "card" },
      h("p", { id: "report-totals" },
        `${Number(r.redemptions || 0)} redemptions, ${Number(r.rollbacks || 0)} rollbacks, `,
        `${Number(r.uniqueCustomers || 0)} customers, discount ${money(r.totalDiscount, currency)} `,
        `on orders worth ${money(r.totalOrderValue, currency)}`)),
    daily.length
      ? h("section", { className: "card", id: "report-charts" },
          barChart("Redemptions and rollbacks per day", labels, [
            { name: "redemptions", color: "#1f5fbf", values: daily.map((d) => Number(d.redemptions || 0)) },
            { name: "rollbacks", color: "#b3261e", values: daily.map((d) => Number(d.rollbacks || 0)) },
          ], number, { whole: true }),
          barChart(`Discount per day (${currency})`, labels, [
            { name: "discount", color: "#1e7d32", values: daily.map((d) => Number(d.discount || 0)) },
          ], (v) => money(v), { whole: true }))
      : h("p", { className: "muted", id: "report-empty" }, "No redemption yet."),
    h("section", { className: "card" }, h("h2", {}, "A/B variants"),
      table([
        { title: "Variant", cell: (v) => v.variant || "(none)" },
        { title: "Redemptions", cell: (v) => Number(v.redemptions || 0) },
        { title: "Discount", cell: (v) => money(v.discount, currency) },
        { title: "Order value", cell: (v) => money(v.orderValue, currency) },
      ], r.variants || [], "This campaign has no variants."),
      (r.variants || []).length > 1 ? barChart("Redemptions per variant", (r.variants || []).map((v) => `     ${v.variant}`),
        [{ name: "redemptions", color: "#1f5fbf", values: r.variants.map((v) => Number(v.redemptions || 0)) }], number, { whole: true }) : null));
}
