// Charts drawn by plotly.js (from plotly's wheel, served by this server under /console/vendor/;
// docs/architecture.md says why plotly), loaded once, when a page first draws a chart.
//
// The console's Content-Security-Policy allows no inline style: plotly is told not to add its
// stylesheet (an element with the id it looks for and the class "no-inline-styles", plotly's
// own switch for strict policies) and the rules a chart needs are in style.css. Its bundled map
// library adds its stylesheet at load unless an element with that stylesheet's id is present:
// the console draws no map, so a placeholder stands there too.
import { decimalsOf } from "./money.js";
import { h } from "./ui.js";

const PLACEHOLDERS = ["plotly.js-style-global", "9f215cf04c5486422605d13261cb87401f4e7763b6296af81e98efbc0130da53"];
let plotlyLoaded = null;

export function plotly() {
  if (!plotlyLoaded) {
    plotlyLoaded = new Promise((resolve, reject) => {
      for (const id of PLACEHOLDERS) {
        if (!document.getElementById(id)) document.head.append(h("meta", { id, className: "no-inline-styles" }));
      }
      const script = h("script", { src: "/console/vendor/plotly.min.js" });
      script.addEventListener("load", () => resolve(window.Plotly));
      script.addEventListener("error", () => {
        plotlyLoaded = null;
        reject(new Error("The charting library could not be loaded from this server; try again."));
      });
      document.head.append(script);
    });
  }
  return plotlyLoaded;
}

// 1, 2 or 5 times a power of ten, at least `span` / 5 and never below `least`: ticks people read
// (0, 5, 10 redemptions; 0.00, 20.00, 40.00 EUR), never two ticks that print the same.
function tickStep(largest, least) {
  const rough = Math.max(largest / 5, least);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= rough);
  return Math.max(step, least);
}

const DAY_MS = 86_400_000;
const COLORS = ["#1f5fbf", "#b3261e", "#1e7d32", "#8a4baf", "#b26a00"];

// How an axis reads: whole counts, or money in the currency's units with its code.
function valueAxis(values, currency) {
  const decimals = currency ? decimalsOf(currency) : 0;
  const least = currency ? 10 ** -decimals : 1;
  const largest = Math.max(0, ...values);
  // A day whose rollbacks took back more than it gave is below zero.
  const smallest = Math.min(0, ...values);
  const step = tickStep(largest - smallest, least);
  return {
    tickformat: `,.${decimals}f`, hoverformat: `,.${decimals}f`, dtick: step, tick0: 0,
    range: [smallest * 1.1, Math.max(largest * 1.1, step * 2)], fixedrange: true, automargin: true,
    ticksuffix: currency ? ` ${currency}` : "", zeroline: true, gridcolor: "#e5e8ee",
  };
}

function layout(title, extra) {
  return {
    title: { text: title, x: 0, xanchor: "left", font: { size: 14 } },
    font: { family: "system-ui, sans-serif", color: "#1d2430" },
    margin: { l: 8, r: 12, t: 36, b: 8 }, height: 260, bargap: 0.25,
    paper_bgcolor: "#fff", plot_bgcolor: "#fff", showlegend: true,
    legend: { orientation: "h", x: 0, y: -0.18 },
    ...extra,
  };
}

// A chart element: plotly draws into it when the library is there; its figures are also said in
// words to screen readers (role img, its label) and, on the pages, in a table beside it.
function chartHolder(id, label) {
  return h("div", { id, className: "plot", role: "img", "aria-label": label });
}

async function draw(holder, traces, chartLayout) {
  const Plotly = await plotly();
  await Plotly.newPlot(holder, traces, chartLayout, { displayModeBar: false, responsive: true });
  // plotly's SVG is a picture of the figures the page also gives as text: hidden from the
  // accessibility tree, as the holder's label speaks for it.
  for (const svg of holder.querySelectorAll("svg")) svg.setAttribute("aria-hidden", "true");
}

// Series over calendar days ("2026-03-01"), as bars; amounts in minor units when `currency`.
export function daysChart({ id, title, days, series, currency = "" }) {
  const toUnits = (minor) => (currency ? Number(minor) / 10 ** decimalsOf(currency) : Number(minor));
  const label = `${title}: ` + series.map((s) => `${s.name} ${s.values.reduce((a, b) => a + Number(b), 0)}`).join(", ");
  const holder = chartHolder(id, label);
  const traces = series.map((s, index) => ({
    type: "bar", name: s.name, x: days, y: s.values.map(toUnits),
    // A day's bars share 80 % of the day (plotly would size a lone day's bar to a sliver).
    width: (0.8 * DAY_MS) / series.length,
    marker: { color: s.color || COLORS[index % COLORS.length] },
  }));
  // At least a week across, so that a report of one or two days has bars of a day's width.
  const first = Date.parse(days[0] || "1970-01-01");
  const span = Math.max(Date.parse(days[days.length - 1] || "1970-01-01") - first, 6 * DAY_MS);
  const plotDate = (ms) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");
  const everyNth = Math.max(1, Math.ceil((span / DAY_MS + 1) / 12));
  const chartLayout = layout(title, {
    barmode: "group",
    xaxis: { type: "date", tickformat: "%-d %b", hoverformat: "%a %-d %b %Y", dtick: everyNth * DAY_MS,
      range: [plotDate(first - DAY_MS / 2), plotDate(first + span + DAY_MS / 2)], fixedrange: true, automargin: true },
    yaxis: valueAxis(traces.flatMap((t) => t.y), currency),
  });
  draw(holder, traces, chartLayout).catch((error) => holder.replaceChildren(h("p", { className: "error", role: "alert" }, error.message)));
  return holder;
}

// Horizontal bars, one per name (the top campaigns), whole counts.
export function rankChart({ id, title, names, values, name }) {
  const holder = chartHolder(id, `${title}: ` + names.map((n, i) => `${n} ${values[i]}`).join(", "));
  const numbers = values.map(Number);
  const axis = valueAxis(numbers, "");
  const chartLayout = layout(title, {
    height: 90 + 32 * names.length, showlegend: false,
    xaxis: { ...axis }, yaxis: { autorange: "reversed", automargin: true, fixedrange: true, type: "category" },
  });
  const trace = { type: "bar", orientation: "h", name, x: numbers, y: names, marker: { color: COLORS[0] } };
  draw(holder, [trace], chartLayout).catch((error) => holder.replaceChildren(h("p", { className: "error", role: "alert" }, error.message)));
  return holder;
}
