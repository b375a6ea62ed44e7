// Reports: per campaign, redemptions/rollbacks and discount per day as charts (charts.js), and
// the A/B variants.
import { admin, listAll } from "./api.js";
import { daysChart, rankChart } from "./charts.js";
import { errorBox, field, h, load, money, replace, table } from "./ui.js";

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
  return h("div", {},
    h("section", { className: "card" },
      h("p", { id: "report-totals" },
        `${Number(r.redemptions || 0)} redemptions, ${Number(r.rollbacks || 0)} rollbacks, `,
        `${Number(r.uniqueCustomers || 0)} customers, discount ${money(r.totalDiscount, currency)} `,
        `on orders worth ${money(r.totalOrderValue, currency)}`)),
    daily.length
      ? h("section", { className: "card", id: "report-charts" },
          daysChart({ id: "report-redemptions-chart", title: "Redemptions and rollbacks per day", days: labels, series: [
            { name: "Redemptions", values: daily.map((d) => Number(d.redemptions || 0)), color: "#1f5fbf" },
            { name: "Rollbacks", values: daily.map((d) => Number(d.rollbacks || 0)), color: "#b3261e" },
          ] }),
          daysChart({ id: "report-discount-chart", title: `Discount per day (${currency})`, days: labels, currency, series: [
            { name: "Discount", values: daily.map((d) => d.discount || "0"), color: "#1e7d32" },
          ] }),
          h("details", { className: "figures" }, h("summary", {}, "The figures per day"),
            table([
              { title: "Day", cell: (d) => d.day },
              { title: "Redemptions", cell: (d) => Number(d.redemptions || 0) },
              { title: "Rollbacks", cell: (d) => Number(d.rollbacks || 0) },
              { title: "Discount", cell: (d) => money(d.discount, currency) },
              { title: "Order value", cell: (d) => money(d.orderValue, currency) },
            ], daily)))
      : h("p", { className: "muted", id: "report-empty" }, "No redemption yet."),
    h("section", { className: "card" }, h("h2", {}, "A/B variants"),
      table([
        { title: "Variant", cell: (v) => v.variant || "(none)" },
        { title: "Redemptions", cell: (v) => Number(v.redemptions || 0) },
        { title: "Discount", cell: (v) => money(v.discount, currency) },
        { title: "Order value", cell: (v) => money(v.orderValue, currency) },
      ], r.variants || [], "This campaign has no variants."),
      (r.variants || []).length > 1 ? rankChart({ id: "report-variants-chart", title: "Redemptions per variant", name: "Redemptions",
        names: r.variants.map((v) => v.variant), values: r.variants.map((v) => Number(v.redemptions || 0)) }) : null));
}
