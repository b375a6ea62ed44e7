// Codes: bulk generation with a live progress bar (GenerateCodes streams its progress), search
// a code with its QR preview, a campaign's codes, CSV export.
import { ADMIN, admin, listAll, stream } from "./api.js";
import { canWrite } from "./session.js";
import { errorBox, field, h, load, replace, table } from "./ui.js";

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
    load(searchOut, () => codeCard(search.value.trim()), "Looking the code up");
  });

  const list = h("div", { id: "code-list" });
  const showList = () => load(list, async () => {
    const answer = await admin("ListCodes", { campaignId: campaign.value, page: { pageSize: 100 } });
    const codes = answer.codes || [];
    return h("div", {},
      h("p", { className: "muted" }, answer.nextPageToken ? "The first 100 codes (export for all)." : `${codes.length} codes.`),
      table([
        { title: "Code", cell: (c) => h("a", { href: "#/codes", className: "mono", onclick: (e) => { e.preventDefault(); search.value = c.code; load(searchOut, () => codeCard(c.code)); } }, c.code) },
        { title: "Redeemed", cell: (c) => `${c.redeemedQuantity || 0}${c.redemptionQuantity ? " of " + c.redemptionQuantity : ""}` },
        { title: "Assigned to", cell: (c) => c.assignedCustomerId || "" },
        { title: "Active", cell: (c) => (c.active === false ? "no" : "yes") },
      ], codes, "This campaign has no codes."));
  }, "Loading codes");

  const exportOut = h("div", { id: "export-result" });
  const exportButton = h("button", { type: "button", className: "secondary", id: "export-csv", onclick: () => load(exportOut, async () => {
    const parts = [];
    await stream(ADMIN, "ExportCodes", { campaignId: campaign.value }, (chunk) => {
      parts.push(Uint8Array.from(atob(chunk.csv || ""), (c) => c.charCodeAt(0)));
    });
    const blob = new Blob(parts, { type: "text/csv" });
    const link = h("a", { href: URL.createObjectURL(blob), download: `${campaign.value}-codes.csv`, id: "csv-link" },
      `Download ${campaign.value}-codes.csv (${blob.size.toLocaleString()} bytes)`);
    return link;
  }, "Exporting") }, "Export CSV");

  campaign.addEventListener("change", () => { showList(); replace(exportOut); });
  const top = h("div", {}, h("p", {}, "Loading campaigns…"));
  campaignOptions(campaign, new URLSearchParams(location.hash.split("?")[1] || "").get("campaign"))
    .then(() => { replace(top); showList(); })
    .catch((error) => replace(top, errorBox(error)));

  return h("div", {},
    h("h1", {}, "Codes"), top,
    h("div", { className: "row" }, field("Campaign", campaign)),
    h("section", { className: "card" }, h("h2", {}, "Generate in bulk"), generate),
    h("section", { className: "card" }, h("h2", {}, "Find a code"), searchForm, searchOut),
    h("section", { className: "card" }, h("h2", {}, "Codes of the campaign"), h("p", {}, exportButton), exportOut, list));
}

export async function qrImage(code, size = 180) {
  const qr = await admin("GetCodeQr", { code, format: "svg", scale: 4 });
  return h("img", { className: "qr", src: `data:${qr.contentType};base64,${qr.image}`, alt: `QR code of ${code}`, width: size, height: size });
}

async function codeCard(code) {
  const found = await admin("GetCode", { code });
  return h("div", { className: "row" },
    h("div", {},
      h("p", {}, h("strong", { className: "mono", id: "found-code" }, found.code), " · campaign ",
        h("a", { href: `#/campaigns/${encodeURIComponent(found.campaignId)}` }, found.campaignId)),
      h("p", {}, `kind ${(found.kind || "").replace("CODE_KIND_", "").toLowerCase()}, redeemed ${found.redeemedQuantity || 0}`,
        found.redemptionQuantity ? ` of ${found.redemptionQuantity}` : "", found.active === false ? ", disabled" : ""),
      found.assignedCustomerId ? h("p", {}, "assigned to ", h("a", { href: `#/customers/${encodeURIComponent(found.assignedCustomerId)}` }, found.assignedCustomerId)) : null),
    await qrImage(found.code));
}
