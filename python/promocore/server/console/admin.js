// Admin pages: the audit log (who changed what) and the API keys (create, revoke).
import { admin } from "./api.js";
import { canWrite, session } from "./session.js";
import { askFirst, errorBox, field, h, load, replace, table, when } from "./ui.js";
import { campaignInWords, changedInWords } from "./campaigns.js";

// The audit log stores records as plain JSON (snake_case, the rule as JSON); the console's
// campaign pages read proto3 JSON (lowerCamelCase, the rule as text).
function campaignFromAudit(plain) {
  const camel = (value) => {
    if (Array.isArray(value)) return value.map(camel);
    if (!value || typeof value !== "object") return value;
    return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== null)
      .map(([key, inner]) => [key.replace(/_([a-z0-9])/g, (_, letter) => letter.toUpperCase()), camel(inner)]));
  };
  const { rules, ...rest } = plain;
  const campaign = camel(rest);
  if (rules) campaign.rulesJson = JSON.stringify(rules);
  return campaign;
}

// A campaign's audit entry in words and money: what changed, or what was created.
async function auditChange(entry) {
  const before = entry.beforeJson ? campaignFromAudit(JSON.parse(entry.beforeJson)) : null;
  const after = entry.afterJson ? campaignFromAudit(JSON.parse(entry.afterJson)) : null;
  const rows = before && after ? await changedInWords(before, after)
    : (await campaignInWords(after || before)).map(([what, how]) => [what, before ? how : "", after ? how : ""]);
  if (!rows.length) return h("span", { className: "muted" }, "nothing a marketer sees");
  return h("ul", { className: "audit-change" }, rows.map(([what, was, now]) => h("li", {}, h("strong", {}, `${what}: `),
    was ? h("span", { className: "del" }, was) : null, was && now ? " → " : null, now ? h("span", { className: "add" }, now) : null)));
}

function changeCell(entry) {
  const raw = h("details", {}, h("summary", {}, "JSON"), h("pre", { className: "diff", tabindex: "0" },
    entry.beforeJson ? `before: ${entry.beforeJson}\n` : "", entry.afterJson ? `after: ${entry.afterJson}` : ""));
  if (!entry.target.startsWith("campaign/") || entry.target.split("/").length !== 2) return raw;
  const words = h("div", { className: "audit-words" }, "…");
  auditChange(entry).then((view) => replace(words, view), () => replace(words, ""));
  return h("div", {}, words, raw);
}

// Both pages are the admin's alone (the server refuses other keys): said, not failed.
function adminOnly(title) {
  return h("div", {}, h("h1", {}, title),
    h("p", { className: "muted", id: "admin-only" }, `${title}: admin keys only. Sign in with an admin key to see it.`));
}

export function auditPage() {
  if (!canWrite()) return adminOnly("Audit log");
  const prefix = h("input", { id: "audit-prefix", type: "search", placeholder: "campaign/welcome-10, code/, apikey/" });
  const out = h("div", { id: "audit" });
  let token = "";
  const more = h("button", { type: "button", className: "secondary", hidden: true, onclick: () => show(false) }, "Older entries");
  const rows = [];
  const show = (fresh) => {
    if (fresh) { rows.length = 0; token = ""; }
    return load(out, async () => {
      const answer = await admin("ListAuditLog", { targetPrefix: prefix.value.trim(), page: { pageSize: 50, pageToken: token } });
      rows.push(...(answer.entries || []));
      token = answer.nextPageToken || "";
      more.hidden = !token;
      return table([
        { title: "#", cell: (e) => e.sequence },
        { title: "When", cell: (e) => when(e.createdAt) },
        { title: "Who", cell: (e) => h("span", { className: "mono" }, e.actor) },
        { title: "Action", cell: (e) => e.action },
        { title: "Target", cell: (e) => h("span", { className: "mono" }, e.target) },
        { title: "Change", cell: changeCell },
      ], rows, "No entry.");
    }, "Loading the audit log");
  };
  const form = h("form", { className: "row", "aria-label": "Filter the audit log" },
    field("Target starts with", prefix), h("div", {}, h("button", { type: "submit", className: "secondary" }, "Filter")));
  form.addEventListener("submit", (event) => { event.preventDefault(); show(true); });
  show(true);
  return h("div", {}, h("h1", {}, "Audit log"), form, out, h("p", {}, more));
}

export function keysPage() {
  if (!canWrite()) return adminOnly("API keys");
  const out = h("div", { id: "keys" });
  const created = h("div", { id: "created-key", "aria-live": "polite" });
  const show = () => load(out, async () => {
    const answer = await admin("ListApiKeys", { page: { pageSize: 200 } });
    return table([
      { title: "Id", cell: (k) => h("span", { className: "mono" }, k.id) },
      { title: "Name", cell: (k) => k.name },
      { title: "Role", cell: (k) => (k.role || "").replace("ROLE_", "").toLowerCase() },
      { title: "Created", cell: (k) => when(k.createdAt) },
      { title: "Revoked", cell: (k) => when(k.revokedAt) },
      { title: "", cell: (k) => {
        if (k.revokedAt) return "";
        // The key signed in here cannot revoke itself (the server refuses it too).
        if (k.id === session.keyId) return h("span", { className: "muted", id: "key-in-use" }, "signed in with it");
        const button = h("button", { type: "button", className: "danger revoke-key", disabled: !canWrite() }, "Revoke…");
        button.addEventListener("click", () => askFirst(created, {
          id: "revoke", yes: `Revoke ${k.name}`, back: button,
          question: `Revoke the ${(k.role || "").replace("ROLE_", "").toLowerCase()} key “${k.name}”? Every call made with it is refused from now on; this cannot be undone.`,
          onYes: async () => {
            try { await admin("RevokeApiKey", { id: k.id }); replace(created); show(); } catch (error) { replace(created, errorBox(error)); }
          },
        }));
        return button;
      } },
    ], answer.apiKeys || [], "No key.");
  }, "Loading API keys");
  const name = h("input", { id: "key-name", required: true });
  const role = h("select", { id: "key-role" }, ["ROLE_CHECKOUT", "ROLE_POS", "ROLE_READ_ONLY", "ROLE_SUPPORT", "ROLE_ADMIN"].map((r) =>
    h("option", { value: r }, r.replace("ROLE_", "").toLowerCase())));
  const form = h("form", { className: "row", "aria-label": "New API key" }, field("Name", name), field("Role", role),
    h("div", {}, h("button", { type: "submit" }, "Create")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const answer = await admin("CreateApiKey", { name: name.value.trim(), role: role.value });
      replace(created, h("div", { className: "ok" }, "The secret, shown once:", h("div", { className: "secret" }, answer.secret)));
      show();
    } catch (error) {
      replace(created, errorBox(error));
    }
  });
  show();
  return h("div", {}, h("h1", {}, "API keys"), h("section", { className: "card" }, h("h2", {}, "New key"), form, created), out);
}
