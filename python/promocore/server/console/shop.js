// The shop's look on its customers' rewards page (the cockpit): name, logo URL (https) and the
// header's two colours, with their contrast ratio shown as they are picked. The server checks
// everything again (SetShopBranding names the field) and keeps the change in the audit log.
import { admin } from "./api.js";
import { canWrite } from "./session.js";
import { clearProblem, errorBox, field, h, load, replace, showProblem } from "./ui.js";

const MIN_CONTRAST = 4.5;
const HEX = /^#[0-9a-fA-F]{6}$/;

// WCAG 2.x contrast ratio of two "#rrggbb" colours (the server's is the one that decides).
function contrast(first, second) {
  const luminance = (color) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16) / 255)
      .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(first), luminance(second)].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}

export function shopPage() {
  const out = h("div", { id: "shop" });
  load(out, async () => brandingForm(await admin("GetShopBranding", {})), "Loading the shop's look");
  return h("div", {}, h("h1", {}, "Rewards page"),
    h("p", { className: "muted" }, "How the shop appears on the page a customer's rewards link opens."), out);
}

function brandingForm(branding) {
  const name = h("input", { id: "shop-name-input", size: 32, maxlength: 80, autocomplete: "off", value: branding.shopName || "" });
  const logo = h("input", { id: "shop-logo-url", type: "url", size: 48, autocomplete: "off", placeholder: "https://shop.example/logo.png", value: branding.logoUrl || "" });
  // A colour picker and its text, kept in step (the text is what is sent; empty = the default).
  const colour = (id, value, fallback) => {
    const text = h("input", { id, size: 8, autocomplete: "off", placeholder: "#rrggbb", value: value || "" });
    const picker = h("input", { type: "color", "aria-label": `${id === "shop-brand-color" ? "Header" : "Text"} colour picker`, value: value || fallback });
    picker.addEventListener("input", () => { text.value = picker.value; text.dispatchEvent(new Event("input", { bubbles: true })); });
    text.addEventListener("input", () => { if (HEX.test(text.value.trim())) picker.value = text.value.trim(); });
    return { text, picker };
  };
  const background = colour("shop-brand-color", branding.brandColor, "#ffffff");
  const foreground = colour("shop-brand-text-color", branding.brandTextColor, "#1d2430");
  const ratio = h("p", { id: "shop-contrast", "aria-live": "polite" });
  const showRatio = () => {
    const [b, t] = [background.text.value.trim(), foreground.text.value.trim()];
    if (!b && !t) { replace(ratio, h("span", { className: "muted" }, "The page's default colours.")); return; }
    if (!HEX.test(b) || !HEX.test(t)) { replace(ratio, h("span", { className: "muted" }, "Give both colours as #rrggbb.")); return; }
    const value = contrast(b, t);
    replace(ratio, value >= MIN_CONTRAST
      ? h("span", { className: "ok-text" }, `Contrast ${value.toFixed(2)}:1 — readable (at least ${MIN_CONTRAST}:1).`)
      : h("span", { className: "problem" }, `Contrast ${value.toFixed(2)}:1 — too low: the shop's name needs at least ${MIN_CONTRAST}:1.`));
  };
  showRatio();
  const out = h("div", { id: "shop-result", "aria-live": "polite" });
  const save = h("button", { type: "submit", id: "shop-save" }, "Save");
  const form = h("form", { "aria-label": "The shop's look", novalidate: true },
    h("div", { className: "row" }, field("Shop name (the page's heading)", name), field("Logo URL (https only; empty: none)", logo)),
    h("div", { className: "row" },
      h("div", { className: "field" }, h("label", { for: background.text.id }, "Header colour"), h("div", { className: "row tight" }, background.text, background.picker)),
      h("div", { className: "field" }, h("label", { for: foreground.text.id }, "Header text colour"), h("div", { className: "row tight" }, foreground.text, foreground.picker))),
    ratio,
    canWrite() ? h("p", {}, save) : h("p", { className: "muted" }, "Only an admin key changes the shop's look."),
    out);
  form.addEventListener("input", showRatio);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const inputs = { shop_name: name, logo_url: logo, brand_color: background.text, brand_text_color: foreground.text };
    for (const input of Object.values(inputs)) clearProblem(input);
    save.disabled = true;
    replace(out);
    try {
      const saved = await admin("SetShopBranding", { branding: {
        shopName: name.value.trim(), logoUrl: logo.value.trim(),
        brandColor: background.text.value.trim(), brandTextColor: foreground.text.value.trim() } });
      replace(out, h("div", { className: "ok", role: "status", id: "shop-saved" },
        `Saved: ${saved.shopName || "no shop name"}. Customers see it the next time they open their link.`));
    } catch (error) {
      const input = inputs[(error.field || "").replace(/^branding\./, "")];
      if (input) { showProblem(input, error.fieldDescription || error.message); input.focus(); } else replace(out, errorBox(error));
    } finally {
      save.disabled = false;
    }
  });
  return form;
}
