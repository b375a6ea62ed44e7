// Segments: the list with each one's size; a new dynamic segment drawn with the campaigns' rule
// builder over the customer's subjects (SEGMENT_SCOPE), its rule in words beside it and a live
// count of the customers it would hold (CountSegmentMembers: nothing stored, a bounded walk);
// one segment with its rule in words and its members.
import { admin, listAll } from "./api.js";
import { canWrite } from "./session.js";
import { clearProblem, errorBox, field, h, load, replace, showProblem, table } from "./ui.js";
import { RuleProblem, SEGMENT_SCOPE, parseJson, ruleBuilder, toJson } from "./rule_builder.js";

const MEMBERS_SHOWN = 50;

export function segmentsPage(id) {
  const out = h("div", { id: "segments" });
  if (id) load(out, () => segmentView(id), "Loading the segment");
  else load(out, () => segmentList(), "Loading segments");
  return h("div", {}, h("h1", {}, "Segments"), out);
}

async function segmentList() {
  const segments = await listAll("ListSegments", {}, "segments");
  return h("div", {},
    canWrite() ? h("section", { className: "card" }, h("h2", {}, "A new segment"), newSegmentForm()) : null,
    h("section", { className: "card" }, h("h2", {}, "Every segment"),
      table([
        { title: "Segment", cell: (s) => h("a", { href: `#/segments/${encodeURIComponent(s.id)}` }, s.name || s.id) },
        { title: "Id", cell: (s) => h("span", { className: "mono" }, s.id) },
        { title: "Kind", cell: (s) => (s.rulesJson ? "rule (kept up to date)" : "list") },
        { title: "Members", cell: (s) => h("span", { className: "segment-size" }, Number(s.size || 0).toLocaleString("en")) },
      ], segments, "No segment yet.")));
}

// What the count says: exact when every customer was read, "at least" when the bound stopped it.
function countText(answer) {
  const matched = Number(answer.matched || 0);
  const examined = Number(answer.examined || 0);
  const people = (n) => `${n.toLocaleString("en")} customer${n === 1 ? "" : "s"}`;
  return answer.complete
    ? `${people(matched)} of ${examined.toLocaleString("en")} match now.`
    : `At least ${people(matched)} match: the first ${examined.toLocaleString("en")} customers were counted.`;
}

// `startRule`: the rule the builder starts from (a segment's, to make a changed copy of it: a
// segment's rule is fixed once it is created).
function newSegmentForm(startRule = "") {
  const id = h("input", { id: "segment-id", size: 20, autocomplete: "off", placeholder: "de-regulars" });
  const name = h("input", { id: "segment-name", size: 32, autocomplete: "off", placeholder: "Regulars in Germany" });
  const currency = h("input", { id: "segment-currency", size: 4, value: "EUR", autocomplete: "off" });
  const words = h("p", { id: "segment-words", className: "rule-words", "aria-live": "polite" });
  const count = h("p", { id: "segment-count", className: "segment-count", "aria-live": "polite" });
  const out = h("div", { id: "segment-result", "aria-live": "polite" });
  let timer = null;
  let asked = 0;
  const builder = ruleBuilder(startRule, {
    currency: () => currency.value.trim().toUpperCase() || "EUR",
    // Segments are evaluated in UTC (cdp/segments.py): dates and times are read in UTC.
    zone: () => "UTC",
    changed: () => { clearTimeout(timer); timer = setTimeout(refresh, 300); },
  }, { itemScope: SEGMENT_SCOPE });
  // The rule in words and the live count of the draft, for the latest edit only.
  const refresh = async () => {
    const mine = ++asked;
    let text;
    try { text = builder.read(); } catch (problem) {
      if (!(problem instanceof RuleProblem)) throw problem;
      replace(words, h("span", { className: "muted" }, `Not complete yet: ${problem.message}`));
      replace(count);
      return;
    }
    if (!text) {
      replace(words, h("span", { className: "muted" }, "Add a condition: a segment without one would hold every customer."));
      replace(count);
      return;
    }
    const money = currency.value.trim().toUpperCase();
    try {
      const [described, counted] = await Promise.all([
        /^[A-Z]{3}$/.test(money) ? admin("DescribeRules", { rulesJson: text, currency: money }) : null,
        admin("CountSegmentMembers", { rulesJson: text }),
      ]);
      if (mine !== asked) return;
      builder.markError(null);
      if (described) replace(words, h("strong", {}, "Members: customers where "), described.text);
      replace(count, h("strong", { id: "segment-count-number", "data-matched": counted.matched || "0" }, countText(counted)),
        (counted.sampleCustomerIds || []).length ? h("span", { className: "muted" }, " For example: ",
          counted.sampleCustomerIds.flatMap((c, i) => [i ? ", " : "", h("a", { href: `#/customers/${encodeURIComponent(c)}` }, c)])) : null);
    } catch (error) {
      if (mine !== asked) return;
      replace(count);
      if (!error.field) { replace(words, errorBox(error)); return; }
      replace(words, h("span", { className: "problem" }, `Does not compile at ${error.field}: ${error.fieldDescription || error.message}`));
      builder.markError(error.field.replace(/^rules_json/, "rules"), error.fieldDescription || error.message, { focus: false });
    }
  };
  currency.addEventListener("change", refresh);
  if (startRule) setTimeout(refresh, 0);
  const save = h("button", { type: "submit", id: "segment-save" }, "Create the segment");
  const form = h("form", { "aria-label": "A new segment", novalidate: true },
    h("div", { className: "row" }, field("Id (letters, digits, - and _)", id), field("Name", name),
      field("Currency of amounts", currency)),
    h("p", { className: "muted" }, "Members are the customers whose stored profile meets the rule; they enter and leave as their profile changes. Times are in UTC."),
    builder.element, words, count, h("p", {}, save), out);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const input of [id, name]) clearProblem(input);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id.value.trim())) {
      showProblem(id, "1 to 64 letters, digits, - or _.");
      id.focus();
      return;
    }
    if (!name.value.trim()) {
      showProblem(name, "Give the segment a name people recognise.");
      name.focus();
      return;
    }
    let rulesJson;
    try { rulesJson = builder.read(true); } catch (problem) {
      if (!(problem instanceof RuleProblem)) throw problem;
      showProblem(problem.input, problem.message);
      problem.input.focus();
      return;
    }
    if (!rulesJson) {
      replace(out, h("div", { className: "error", role: "alert" }, "Add at least one condition."));
      return;
    }
    save.disabled = true;
    try {
      const segment = await admin("CreateSegment", { segment: { id: id.value.trim(), name: name.value.trim(), rulesJson } });
      location.hash = `#/segments/${encodeURIComponent(segment.id)}`;
    } catch (error) {
      replace(out, errorBox(error));
      if (error.field && error.field.startsWith("segment.rules_json")) {
        builder.markError(error.field.replace(/^segment\.rules_json/, "rules"), error.fieldDescription || error.message);
      }
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

async function segmentView(id) {
  const segments = await listAll("ListSegments", {}, "segments");
  const segment = segments.find((s) => s.id === id);
  if (!segment) return h("p", { className: "error", role: "alert" }, `No segment ${id}. `, h("a", { href: "#/segments" }, "Every segment"));
  let words = null;
  if (segment.rulesJson) {
    try {
      const described = await admin("DescribeRules", { rulesJson: segment.rulesJson, currency: "EUR" });
      words = described.text;
    } catch (error) {
      words = error.message;
    }
  }
  const members = h("div", { id: "segment-members" });
  const showMembers = (token) => load(members, async () => {
    const answer = await admin("ListCustomers", { segmentId: id, page: { pageSize: MEMBERS_SHOWN, pageToken: token } });
    return h("div", {},
      table([
        { title: "Customer", cell: (c) => h("a", { href: `#/customers/${encodeURIComponent(c.id)}` }, c.id) },
        { title: "Orders", cell: (c) => Number((c.aggregates || {}).ordersCount || 0).toLocaleString("en") },
      ], answer.customers || [], "Nobody is in this segment now."),
      answer.nextPageToken ? h("button", { type: "button", className: "secondary", id: "segment-members-next",
        onclick: () => showMembers(answer.nextPageToken) }, "Next page") : null);
  }, "Loading the members");
  showMembers("");
  return h("div", {},
    h("h2", { id: "segment-heading" }, segment.name || segment.id),
    h("section", { className: "card" },
      h("p", {}, "Members now: ", h("strong", { id: "segment-size" }, Number(segment.size || 0).toLocaleString("en"))),
      segment.rulesJson
        ? h("div", {}, h("p", { id: "segment-rule-words" }, h("strong", {}, "Members: customers where "), words),
          h("details", {}, h("summary", {}, "The rule (JSON)"), h("pre", { className: "mono", tabindex: "0" }, toJson(parseJson(segment.rulesJson)))))
        : h("p", { className: "muted" }, "A list of customers (a static segment)."),
      h("p", {}, h("a", { href: "#/segments" }, "Every segment"))),
    h("section", { className: "card" }, h("h2", {}, "Members"), members),
    canWrite() && segment.rulesJson ? copyFrom(segment) : null);
}

// A new segment that starts from this one's rule, drawn when asked for.
function copyFrom(segment) {
  const holder = h("section", { className: "card" }, h("h2", {}, "A new segment from this rule"));
  const start = h("button", { type: "button", className: "secondary", id: "segment-copy" }, "Start from this rule");
  start.addEventListener("click", () => {
    const form = newSegmentForm(segment.rulesJson);
    replace(holder, h("h2", {}, "A new segment from this rule"), form);
    form.querySelector("#segment-id").focus();
  });
  holder.append(h("p", { className: "muted" }, "A segment's rule is fixed once it is created: to change it, make a new segment from it."), start);
  return holder;
}
