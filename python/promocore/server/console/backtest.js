// Backtest on a campaign's page: upload a file of past orders (JSON Lines or CSV, gzip too),
// replay the campaign on it (AdminService.Backtest: the file goes up in chunks, progress comes
// back as it runs) and read what it would have done: totals, the near misses, per day, per
// channel and segment, the campaigns it displaces and sample orders per outcome. Money in the
// campaign's currency, times in its zone. Nothing is written; the campaign is not published.
import { ADMIN, stream } from "./api.js";
import { canWrite } from "./session.js";
import { daysChart, rankChart } from "./charts.js";
import { errorBox, field, h, money, replace, table } from "./ui.js";
import { formatInZone } from "./zones.js";

const TRIED_TYPES = ["DISCOUNT_COUPONS", "PROMOTION"];
const CHUNK_BYTES = 512 * 1024;
const OUTCOMES = {
  applied: "applied",
  skipped: "left out by the stacking rules",
  near_miss: "near miss (short of a threshold)",
  not_qualifying: "rules not met",
  limit_reached: "a limit or the budget ran out",
  outside_dates: "outside its dates",
  other: "other (e.g. another currency)",
};

export function backtestPanel(campaign) {
  if (!TRIED_TYPES.includes(campaign.type) || !canWrite()) return null;
  const file = h("input", { type: "file", id: "backtest-file", accept: ".jsonl,.ndjson,.csv,.gz,.json", required: true });
  const live = h("input", { type: "checkbox", id: "backtest-live" });
  const run = h("button", { type: "submit", className: "secondary", id: "backtest-run" }, "Run the backtest");
  const bar = h("progress", { id: "backtest-progress", max: "100", value: "0", "aria-label": "Backtest progress" });
  const barText = h("span", { id: "backtest-progress-text", "aria-live": "polite" }, "");
  const out = h("div", { id: "backtest-result" });
  const form = h("form", { "aria-label": "Backtest on past orders" },
    h("p", { className: "muted" }, "Replays this campaign on your past orders, each at its own time, ",
      "its limits and budget counted as they go. Nothing is saved and the campaign stays as it is."),
    h("div", { className: "row" },
      field("Orders file (JSON Lines or CSV, may be gzipped)", file),
      h("div", {}, h("label", { className: "inline" }, live, " with the live promotions and stacking rules")),
      h("div", {}, run)),
    h("p", {}, bar, " ", barText));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    if (!chosen) return;
    run.disabled = true;
    bar.value = 0;
    barText.textContent = "Uploading…";
    replace(out);
    try {
      const bytes = await gzipped(new Uint8Array(await chosen.arrayBuffer()));
      const requests = [];
      for (let offset = 0; offset < bytes.length || offset === 0; offset += CHUNK_BYTES) {
        requests.push({ orders: base64(bytes.subarray(offset, offset + CHUNK_BYTES)) });
      }
      Object.assign(requests[0], { campaignId: campaign.id, withLive: live.checked, ordersSize: String(bytes.length) });
      let report = null;
      await stream(ADMIN, "Backtest", requests, (progress) => {
        const percent = Math.floor(100 * Number(progress.fraction || 0));
        bar.value = percent;
        barText.textContent = `${percent} % (${Number(progress.orders || 0).toLocaleString()} orders)`;
        if (progress.done) report = progress.report;
      });
      bar.value = 100;
      barText.textContent = `Done: ${Number(report.orders || 0).toLocaleString()} orders`;
      replace(out, reportView(report));
    } catch (error) {
      barText.textContent = "Stopped.";
      replace(out, errorBox(error));
    } finally {
      run.disabled = false;
    }
  });
  return h("section", { className: "card", id: "backtest" }, h("h2", {}, "Backtest on past orders"), form, out);
}

// The page sends the file in one HTTP request, whose size the server caps: compressed here
// (the server reads gzip), a month of orders fits.
async function gzipped(bytes) {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function base64(bytes) {
  let binary = "";
  for (let offset = 0; offset < bytes.length; offset += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  }
  return btoa(binary);
}

const count = (value) => Number(value || 0).toLocaleString();

function reportView(report) {
  const currency = report.currency || "";
  const zone = report.timeZone || "UTC";
  const orders = Number(report.orders || 0);
  const qualifying = Number(report.qualifying || 0);
  const share = orders ? ` (${((100 * qualifying) / orders).toFixed(1)} %)` : "";
  const days = report.perDay || [];
  const amountMisses = (report.nearMisses || []).filter((bucket) => bucket.unit === "amount");
  let below = 0;
  const missLabels = amountMisses.map((bucket, index) => (Number(bucket.upTo || 0)
    ? `≤ ${money(bucket.upTo, currency)}` : `> ${money(amountMisses[index - 1]?.upTo || 0, currency)}`));
  const within = amountMisses.map((bucket) => (below += Number(bucket.orders || 0)));
  return h("div", {},
    h("dl", { className: "facts", id: "backtest-totals" },
      h("dt", {}, "Orders"), h("dd", { id: "backtest-orders" }, count(orders)),
      h("dt", {}, "Qualifying"), h("dd", { id: "backtest-qualifying" }, `${count(qualifying)}${share}`),
      h("dt", {}, "Discount"), h("dd", { id: "backtest-discount" }, `${money(report.discount, currency)}, mean ${money(report.meanDiscount, currency)} an order`),
      h("dt", {}, "Order value"), h("dd", {}, `${money(report.amount, currency)} without, ${money(report.amountAfter, currency)} with`),
      h("dt", {}, "Mean order"), h("dd", {}, `${money(report.meanAmountQualifying, currency)} qualifying, ${money(report.meanAmountNotQualifying, currency)} not`),
      h("dt", {}, "Limits and budget"), h("dd", { id: "backtest-exhausted" }, report.exhaustedAt
        ? `ran out at ${formatInZone(report.exhaustedAt, zone)}: ${count(report.ordersAfterExhaustion)} orders got nothing after`
        : "never ran out"),
      report.withLive ? [h("dt", {}, "Other campaigns"), h("dd", {},
        `${money(report.liveDiscountWithout, currency)} without it, ${money(report.liveDiscountWith, currency)} with it`)] : null),
    h("section", { id: "backtest-near-misses" }, h("h3", {}, "Near misses"),
      amountMisses.some((bucket) => Number(bucket.orders || 0))
        ? [rankChart({
            id: "backtest-near-miss-chart", title: "Orders short of the threshold, by how much", name: "Orders",
            names: missLabels, values: amountMisses.map((bucket) => Number(bucket.orders || 0)),
          }),
          table([
            { title: "Short by", cell: (row) => row.label },
            { title: "Orders", cell: (row) => count(row.orders) },
            { title: "Within it", cell: (row) => count(row.within) },
          ], amountMisses.map((bucket, index) => ({ label: missLabels[index], orders: bucket.orders, within: within[index] })))]
        : h("p", { className: "muted" }, "No order was short of an amount threshold.")),
    days.length ? h("section", { id: "backtest-days" }, h("h3", {}, `Per day (${zone})`),
      daysChart({
        id: "backtest-days-chart", title: `Discount per day (${currency})`, days: days.map((day) => day.key), currency,
        series: [
          { name: "Discount", values: days.map((day) => day.discount || "0"), color: "#1e7d32" },
        ],
      }),
      groupTable("Day", days, currency)) : null,
    h("section", {}, h("h3", {}, "Per channel"), groupTable("Channel", report.perChannel || [], currency)),
    h("section", {}, h("h3", {}, "Per customer segment"), groupTable("Segment", report.perSegment || [], currency)),
    report.withLive ? h("section", { id: "backtest-displaced" }, h("h3", {}, "Campaigns it displaces"),
      table([
        { title: "Campaign", cell: (row) => row.campaignId },
        { title: "Orders", cell: (row) => count(row.orders) },
        { title: "Their discount lost", cell: (row) => money(row.discount, currency) },
      ], report.displaced || [], "It displaces no campaign.")) : null,
    h("section", { id: "backtest-outcomes" }, h("h3", {}, "Outcomes"),
      table([
        { title: "Outcome", cell: (row) => OUTCOMES[row[0]] || row[0] },
        { title: "Orders", cell: (row) => count(row[1]) },
      ], Object.keys(OUTCOMES).map((key) => [key, (report.outcomes || {})[key]]).filter((row) => Number(row[1] || 0)))),
    h("section", { id: "backtest-samples" }, h("h3", {}, "Sample orders per outcome"),
      table([
        { title: "Outcome", cell: (row) => OUTCOMES[row.outcome] || row.outcome },
        { title: "Line", cell: (row) => count(row.line) },
        { title: "Order", cell: (row) => row.orderId || "" },
        { title: `Time (${zone})`, cell: (row) => (row.time ? formatInZone(row.time, zone).replace(` (${zone})`, "") : "") },
        { title: "Customer", cell: (row) => row.customerId || "anonymous" },
        { title: "Channel", cell: (row) => row.channel || "" },
        { title: "Order value", cell: (row) => money(row.amount, currency) },
        { title: "Discount", cell: (row) => money(row.discount, currency) },
        { title: "Why", cell: (row) => row.message || "" },
      ], report.samples || [], "No orders.")));
}

function groupTable(title, groups, currency) {
  return table([
    { title, cell: (group) => group.key || "(none)" },
    { title: "Orders", cell: (group) => count(group.orders) },
    { title: "Qualifying", cell: (group) => count(group.qualifying) },
    { title: "Discount", cell: (group) => money(group.discount, currency) },
    { title: "Order value", cell: (group) => money(group.amount, currency) },
  ], groups);
}
