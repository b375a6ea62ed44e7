// Codes: bulk generation with a live progress bar (GenerateCodes streams its progress), search
// a code with its QR preview and its redemptions, a campaign's codes, CSV export.
import { ADMIN, admin, listAll, stream } from "./api.js";
import { canWrite } from "./session.js";
import { askFirst, errorBox, field, h, load, money, replace, table } from "./ui.js";
import { formatInZone } from "./zones.js";

const PAGE = 50;

async function campaignOptions(select, selected) {
  const campaigns = await listAll("ListCampaigns", {}, "campaigns");
  replace(select, campaigns.map((c) => h("option", { value: c.id, selected: c.id === selected }, `${c.id} — ${c.name || ""}`)));
}

export function codesPage() {
  const campaign = h("select", { id: "codes-campaign" });
  const count = h("input", { id: "generate-count", type: "number", min: "1", max: "1000000", value: "1000" });
  const pattern = h("input", { id: "generate-pattern", placeholder: "e.g. SUMMER-####-#### (campaign's when empty)" });
  const bar = h("progress", { id: "generate-progress", max: "100", value: "0", "aria-label": "Generation progress" });
  const barText = h("span", { id: "generate-progress-text", "aria-live": "polite" }, "");
  const generateOut = h("div", { id: "generate-result" });
  const generateButton = h("button", { type: "submit", id: "generate", disabled: !canWrite() }, "Generate");
  const generate = h("form", { "aria-label": "Generate codes" },
    h("div", { className: "row" }, field("Count", count), field("Pattern", pattern), h("div", {}, generateButton)),
    h("p", {}, bar, " ", barText), generateOut);
  generate.addEventListener("submit", async (event) => {
    event.preventDefault();
    replace(generateOut);
    generateButton.disabled = true;
    bar.value = 0;
    barText.textContent = "0 %";
    const request = { campaignId: campaign.value, count: count.value };
    if (pattern.value.trim()) request.codeConfig = { pattern: pattern.value.trim() };
    try {
      let last = null;
      await stream(ADMIN, "GenerateCodes", request, (progress) => {
        last = progress;
        const total = Number(progress.total || count.value);
        const percent = total ? Math.floor((100 * Number(progress.generated || 0)) / total) : 100;
        bar.value = percent;
        barText.textContent = `${percent} % (${Number(progress.generated || 0).toLocaleString()} of ${total.toLocaleString()})`;
      });
      replace(generateOut, h("div", { className: "ok", role: "status" },
        `${Number(last ? last.generated : 0).toLocaleString()} codes generated.`));
      showList();
    } catch (error) {
      replace(generateOut, errorBox(error));
    } finally {
      generateButton.disabled = !canWrite();
    }
  });

  const search = h("input", { id: "code-search", type: "search", placeholder: "a code" });
  const searchOut = h("div", { id: "code-result" });
  const searchForm = h("form", { className: "row", "aria-label": "Find a code" },
    field("Code", search), h("div", {}, h("button", { type: "submit", className: "secondary" }, "Find")));
  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    load(searchOut, () => codeCard(search.value.trim(), () => showList(0)), "Looking the code up");
  });

  // The campaign's codes a page at a time, with how many match; `prefix` narrows them (and
  // the export) to the codes starting with it.
  const prefix = h("input", { id: "codes-prefix", type: "search", placeholder: "e.g. SPRING-" });
  const list = h("div", { id: "code-list" });
  const pages = [""];
  const showList = (page = 0) => load(list, async () => {
    const answer = await admin("ListCodes", { campaignId: campaign.value, prefix: prefix.value.trim(), page: { pageSize: PAGE, pageToken: pages[page] } });
    const codes = answer.codes || [];
    if (answer.nextPageToken) pages[page + 1] = answer.nextPageToken;
    const total = Number(answer.total || 0);
    const first = page * PAGE + 1;
    const wanted = prefix.value.trim();
    return h("div", {},
      h("p", { className: "muted", id: "codes-total" }, total
        ? `${first.toLocaleString("en")}–${(first + codes.length - 1).toLocaleString("en")} of ${total.toLocaleString("en")} codes${wanted ? ` starting with “${wanted}”` : ""}.`
        : wanted ? `No code starts with “${wanted}”.` : "This campaign has no codes."),
      table([
        { title: "Code", cell: (c) => h("a", { href: "#/codes", className: "mono", onclick: (e) => { e.preventDefault(); search.value = c.code; load(searchOut, () => codeCard(c.code, () => showList(page))); } }, c.code) },
        { title: "Redeemed", cell: (c) => `${c.redeemedQuantity || 0}${c.redemptionQuantity ? " of " + c.redemptionQuantity : ""}` },
        { title: "Assigned to", cell: (c) => c.assignedCustomerId || "" },
        { title: "Active", cell: (c) => (c.active === false ? "no" : "yes") },
      ], codes, ""),
      h("p", { className: "row" },
        page > 0 ? h("button", { type: "button", className: "secondary", id: "codes-previous", onclick: () => showList(page - 1) }, "Previous page") : null,
        answer.nextPageToken ? h("button", { type: "button", className: "secondary", id: "codes-next", onclick: () => showList(page + 1) }, "Next page") : null));
  }, "Loading codes");
  const filter = h("form", { className: "row", "aria-label": "Codes starting with" },
    field("Codes starting with", prefix), h("div", {}, h("button", { type: "submit", className: "secondary", id: "codes-filter" }, "Show")));
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    pages.length = 1;
    replace(exportOut);
    showList(0);
  });

  const exportOut = h("div", { id: "export-result" });
  const exportButton = h("button", { type: "button", className: "secondary", id: "export-csv", onclick: () => load(exportOut, async () => {
    const parts = [];
    await stream(ADMIN, "ExportCodes", { campaignId: campaign.value, prefix: prefix.value.trim() }, (chunk) => {
      parts.push(Uint8Array.from(atob(chunk.csv || ""), (c) => c.charCodeAt(0)));
    });
    const blob = new Blob(parts, { type: "text/csv" });
    const name = `${campaign.value}${prefix.value.trim() ? "-" + prefix.value.trim() : ""}-codes.csv`;
    const link = h("a", { href: URL.createObjectURL(blob), download: name, id: "csv-link" },
      `Download ${name} (${blob.size.toLocaleString()} bytes)`);
    return link;
  }, "Exporting") }, "Export CSV");

  campaign.addEventListener("change", () => { pages.length = 1; showList(0); replace(exportOut); });
  const top = h("div", {}, h("p", {}, "Loading campaigns…"));
  campaignOptions(campaign, new URLSearchParams(location.hash.split("?")[1] || "").get("campaign"))
    .then(() => { replace(top); showList(); })
    .catch((error) => replace(top, errorBox(error)));

  return h("div", {},
    h("h1", {}, "Codes"), top,
    h("div", { className: "row" }, field("Campaign", campaign)),
    h("section", { className: "card" }, h("h2", {}, "Generate in bulk"), generate),
    h("section", { className: "card" }, h("h2", {}, "Find a code"), searchForm, searchOut),
    h("section", { className: "card" }, h("h2", {}, "Codes of the campaign"), filter, h("p", {}, exportButton), exportOut, list));
}

export async function qrImage(code, size = 180) {
  const qr = await admin("GetCodeQr", { code, format: "svg", scale: 4 });
  return h("img", { className: "qr", src: `data:${qr.contentType};base64,${qr.image}`, alt: `QR code of ${code}`, width: size, height: size });
}

// One code: its state and QR, and (admin keys) disable or enable it (disabling asks first) and
// assign it to a customer (PublishCode: it goes into their wallet).
async function codeCard(code, changed) {
  const found = await admin("GetCode", { code });
  const active = found.active !== false;
  const out = h("div", { id: "code-action", "aria-live": "polite" });
  const holder = h("div", {});
  const again = async () => { replace(holder, await codeCard(found.code, changed)); changed(); };
  const setActive = async (wanted) => {
    try { await admin("SetCodeActive", { code: found.code, active: wanted }); await again(); } catch (error) { replace(out, errorBox(error)); }
  };
  const toggle = h("button", { type: "button", id: "code-toggle", className: active ? "danger" : "secondary" }, active ? "Disable…" : "Enable");
  toggle.addEventListener("click", () => active
    ? askFirst(out, { id: "disable-code", yes: "Disable it", back: toggle, onYes: () => setActive(false),
      question: `Disable ${found.code}? Checkouts refuse it until it is enabled again.` })
    : setActive(true));
  const customer = h("input", { id: "assign-customer", autocomplete: "off", placeholder: "customer id" });
  const assign = h("form", { className: "row", "aria-label": "Assign to a customer" },
    field("Assign to customer", customer), h("div", {}, h("button", { type: "submit", className: "secondary", id: "assign-code" }, "Assign")));
  assign.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await admin("PublishCode", { campaignId: found.campaignId, customerId: customer.value.trim(), code: found.code });
      await again();
    } catch (error) {
      replace(out, errorBox(error));
    }
  });
  replace(holder, h("div", { className: "row" },
    h("div", {},
      h("p", {}, h("strong", { className: "mono", id: "found-code" }, found.code), " · campaign ",
        h("a", { href: `#/campaigns/${encodeURIComponent(found.campaignId)}` }, found.campaignId)),
      h("p", { id: "found-state" }, `kind ${(found.kind || "").replace("CODE_KIND_", "").toLowerCase()}, redeemed ${found.redeemedQuantity || 0}`,
        found.redemptionQuantity ? ` of ${found.redemptionQuantity}` : "", active ? ", active" : ", disabled"),
      found.assignedCustomerId ? h("p", { id: "found-owner" }, "assigned to ", h("a", { href: `#/customers/${encodeURIComponent(found.assignedCustomerId)}` }, found.assignedCustomerId)) : null,
      canWrite() ? h("div", {}, h("p", {}, toggle), found.assignedCustomerId ? null : assign, out) : null),
    await qrImage(found.code)),
    h("section", { id: "code-redemptions", "aria-labelledby": "code-redemptions-title" },
      h("h3", { id: "code-redemptions-title" }, `Redemptions of ${found.code}`),
      await codeRedemptions(found)));
  return holder;
}

// The code's redemptions, newest first, a page at a time (ListRedemptions with `code`): when
// (in the campaign's zone), the order, the customer, what the code gave, and whether it was
// rolled back.
async function codeRedemptions(found) {
  const campaign = await admin("GetCampaign", { id: found.campaignId });
  const zone = campaign.timeZone || "UTC";
  const out = h("div", {});
  const pages = [""];
  const normalized = found.code.toUpperCase();
  const given = (r) => (r.redeemables || [])
    .filter((result) => (result.redeemable?.code || "").toUpperCase() === normalized)
    .reduce((sum, result) => sum + BigInt(result.itemsDiscount || 0) + BigInt(result.shippingDiscount || 0), 0n);
  const show = async (page) => {
    const answer = await admin("ListRedemptions", { code: found.code, page: { pageSize: PAGE, pageToken: pages[page] } });
    if (answer.nextPageToken) pages[page + 1] = answer.nextPageToken;
    const rows = answer.redemptions || [];
    return h("div", {},
      table([
        { title: `When (${zone})`, cell: (r) => formatInZone(r.createdAt, zone).replace(` (${zone})`, "") },
        { title: "Order", cell: (r) => h("span", { className: "mono" }, r.orderId || "") },
        { title: "Customer", cell: (r) => r.customerId ? h("a", { href: `#/customers/${encodeURIComponent(r.customerId)}` }, r.customerId) : "anonymous" },
        { title: "Discount", cell: (r) => money(given(r).toString(), campaign.currency) },
        { title: "Rolled back", cell: (r) => r.status === "ROLLED_BACK"
          ? `yes, ${formatInZone(r.rolledBackAt, zone).replace(` (${zone})`, "")}${r.rollbackReason ? ` (${r.rollbackReason})` : ""}` : "no" },
      ], rows, "This code has not been redeemed."),
      h("p", { className: "row" },
        page > 0 ? h("button", { type: "button", className: "secondary", id: "code-redemptions-previous", onclick: () => load(out, () => show(page - 1), "Loading redemptions") }, "Previous page") : null,
        answer.nextPageToken ? h("button", { type: "button", className: "secondary", id: "code-redemptions-next", onclick: () => load(out, () => show(page + 1), "Loading redemptions") }, "Next page") : null));
  };
  replace(out, await show(0));
  return out;
}
