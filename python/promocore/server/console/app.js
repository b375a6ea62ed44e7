// The console: sign-in with an API key (kept in this tab's session storage only), the role it
// has (admin, or read-only: everything shown, nothing changeable), and the pages by URL hash.
import { admin, apiKey, forgetApiKey, setApiKey } from "./api.js";
import { campaignsPage, campaignPage } from "./campaigns.js";
import { campaignFormPage } from "./campaign_form.js";
import { codesPage } from "./codes.js";
import { reportsPage } from "./reports.js";
import { dashboardPage } from "./dashboard.js";
import { customersPage } from "./customers.js";
import { giftCardsPage } from "./giftcards.js";
import { loyaltyPage } from "./loyalty.js";
import { referralsPage } from "./referrals.js";
import { segmentsPage } from "./segments.js";
import { shopPage } from "./shop.js";
import { auditPage, keysPage } from "./admin.js";
import { session } from "./session.js";
import { errorBox, field, h, loading, replace } from "./ui.js";


const main = document.getElementById("main");
const nav = document.getElementById("nav");

const ROUTES = [
  [/^#\/dashboard$/, () => dashboardPage()],
  [/^#\/campaigns\/new$/, () => campaignFormPage(null)],
  [/^#\/campaigns\/new\/([^/]+)$/, (template) => campaignFormPage(null, template)],
  [/^#\/campaigns\/([^/]+)\/edit$/, (id) => campaignFormPage(id)],
  [/^#\/campaigns\/([^/]+)$/, (id) => campaignPage(id)],
  [/^#\/campaigns$/, () => campaignsPage()],
  [/^#\/codes(?:\?.*)?$/, () => codesPage()],
  [/^#\/reports(?:\/([^/]+))?$/, (id) => reportsPage(id)],
  [/^#\/customers(?:\/([^/]+))?$/, (id) => customersPage(id)],
  [/^#\/giftcards(?:\/([^/]+))?$/, (id) => giftCardsPage(id)],
  [/^#\/loyalty(?:\/([^/]+))?$/, (id) => loyaltyPage(id)],
  [/^#\/referrals(?:\/([^/]+))?$/, (id) => referralsPage(id)],
  [/^#\/segments(?:\/([^/]+))?$/, (id) => segmentsPage(id)],
  [/^#\/shop$/, () => shopPage()],
  [/^#\/audit$/, () => auditPage()],
  [/^#\/keys$/, () => keysPage()],
];

// The key's role, as the server knows it (WhoAmI): the console shows what that role may use.
// A shop's checkout or pos key has no console.
async function roleOf() {
  const key = await admin("WhoAmI", {});
  const role = (key.role || "").replace("ROLE_", "").toLowerCase();
  if (!["admin", "support", "read_only"].includes(role)) {
    throw Object.assign(new Error(`A ${role} key is a checkout's; the console needs an admin, support or read-only key.`),
      { code: "permission_denied" });
  }
  session.keyId = key.id;
  return role;
}

function signInPage(failure) {
  const key = h("input", { type: "password", autocomplete: "off", required: true, id: "api-key" });
  const form = h("form", { className: "signin card", "aria-label": "Sign in" },
    h("h1", {}, "Sign in"),
    h("p", { className: "muted" }, "Paste an admin, support or read-only API key. It stays in this browser tab only (session storage) and is forgotten when the tab closes."),
    field("API key", key),
    failure ? errorBox(failure) : null,
    h("p", {}, h("button", { type: "submit", id: "sign-in" }, "Sign in")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setApiKey(key.value.trim());
    await start();
  });
  replace(main, form);
  key.focus();
}

async function start() {
  if (!apiKey()) return signInPage();
  replace(main, loading("Signing in"));
  try {
    session.role = await roleOf();
  } catch (error) {
    forgetApiKey();
    return signInPage(error);
  }
  nav.hidden = false;
  document.getElementById("sign-out").hidden = false;
  for (const link of nav.querySelectorAll("[data-admin]")) link.hidden = session.role !== "admin";
  document.getElementById("who").textContent = {
    admin: "admin key",
    support: "support key: customers, rollbacks and rewards links",
    read_only: "read-only key: nothing can be changed",
  }[session.role];
  if (!location.hash || location.hash === "#/") location.hash = "#/dashboard";
  else route();
}

function route() {
  if (!session.role) return;
  for (const link of nav.querySelectorAll("a")) {
    const current = location.hash.startsWith(link.getAttribute("href"));
    if (current) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  for (const [pattern, page] of ROUTES) {
    const match = location.hash.match(pattern);
    if (match) {
      const content = page(...match.slice(1).map((part) => part && decodeURIComponent(part)));
      replace(main, content);
      main.focus();
      return;
    }
  }
  replace(main, h("p", {}, "No such page. ", h("a", { href: "#/campaigns" }, "Campaigns")));
}

document.getElementById("sign-out").addEventListener("click", () => {
  forgetApiKey();
  session.role = null;
  nav.hidden = true;
  document.getElementById("sign-out").hidden = true;
  document.getElementById("who").textContent = "";
  location.hash = "";
  signInPage();
});
window.addEventListener("hashchange", route);
start();
