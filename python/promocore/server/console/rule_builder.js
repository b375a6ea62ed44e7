// The rule builder: a campaign's rule (docs/rules.md) as nested AND/OR groups of conditions,
// each a subject picked from the rule language's subjects, an operator typed by that subject,
// and a value typed as people write it (money in the campaign's currency units, lists as chips,
// dates in the campaign's time zone). The rule JSON stays one click away ("Advanced").
//
// Nothing is rewritten that was not touched: a value whose text is left as shown is written
// back exactly as it was read (numbers keep their text, an instant its offset), so every rule the
// engine accepts round-trips unchanged (tests/server/console/test_console_rule_builder.py, over the fixtures).
import { h } from "./ui.js";
import { InputProblem, amountText, parseMoney } from "./money.js";
import { instantFromLocal, localInputValue } from "./zones.js";

// Exact JSON: a number keeps its text, so 64-bit integers and decimals such as 0.10 are never
// rounded through a binary float (JSON.parse's source text, Chromium 114+).
export class JsonNumber {
  constructor(text) { this.text = String(text); }
}

export function parseJson(text) {
  return JSON.parse(text, (key, value, context) => (typeof value === "number"
    ? new JsonNumber(context && context.source !== undefined ? context.source : String(value)) : value));
}

export function toJson(value, indent = "") {
  if (value instanceof JsonNumber) return value.text;
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    const flat = value.every((part) => part === null || typeof part !== "object" || part instanceof JsonNumber);
    return flat ? `[${value.map((part) => toJson(part)).join(", ")}]`
      : `[\n${value.map((part) => inner + toJson(part, inner)).join(",\n")}\n${indent}]`;
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value);
    const flat = entries.every(([, part]) => part === null || typeof part !== "object" || part instanceof JsonNumber || Array.isArray(part));
    return flat ? `{${entries.map(([key, part]) => `${JSON.stringify(key)}: ${toJson(part, indent)}`).join(", ")}}`
      : `{\n${entries.map(([key, part]) => `${inner}${JSON.stringify(key)}: ${toJson(part, inner)}`).join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

// The subjects, as docs/rules.md lists them. `prefix`/`suffix` families take a name in between
// (an attribute path, an event name, a program id). Item subjects are for item filters only.
const S = (id, label, group, type, extra = {}) => ({ id, label, group, type, ...extra });
export const SUBJECTS = [
  S("order.amount", "Order amount", "Order", "money"),
  S("order.initial_amount", "Order amount before discounts", "Order", "money"),
  S("order.total_quantity", "Number of items", "Order", "integer"),
  S("order.items_count", "Number of different items (lines)", "Order", "integer"),
  S("order.shipping_amount", "Shipping amount", "Order", "money"),
  S("order.currency", "Order currency", "Order", "string"),
  S("order.channel", "Sales channel", "Order", "string"),
  S("order.store_id", "Store", "Order", "string"),
  S("order.id", "Order id", "Order", "string"),
  S("order.metadata", "Order metadata…", "Order", "dynamic", { prefix: "order.metadata.", name: "Metadata path" }),
  S("items.quantity", "Units of matching items", "Items in the cart", "integer", { filter: true }),
  S("items.amount", "Amount of matching items", "Items in the cart", "money", { filter: true }),
  S("items.count", "Lines of matching items", "Items in the cart", "integer", { filter: true }),
  S("customer.id", "Customer id", "Customer", "string"),
  S("customer.segments", "Customer segments", "Customer", "list"),
  S("customer.attributes", "Customer attribute…", "Customer", "dynamic", { prefix: "customer.attributes.", name: "Attribute path" }),
  S("customer.aggregates.orders_count", "Customer's number of orders", "Customer", "integer"),
  S("customer.aggregates.total_spent", "Customer's total spent", "Customer", "money"),
  S("customer.aggregates.spent_last_365_days", "Customer's spend over the last 365 days", "Customer", "money"),
  S("customer.aggregates.last_order_at", "Customer's last order", "Customer", "datetime"),
  S("customer.aggregates.events", "Customer's events of a name…", "Customer", "integer", { prefix: "customer.aggregates.events.", name: "Event name" }),
  S("customer.aggregates.campaign_redemptions", "Customer's redemptions of a campaign…", "Customer", "integer", { prefix: "customer.aggregates.campaign_redemptions.", name: "Campaign id" }),
  S("customer.loyalty.tier", "Loyalty tier in a program…", "Customer", "string", { prefix: "customer.loyalty.", suffix: ".tier", name: "Program id" }),
  S("customer.loyalty.points", "Loyalty points in a program…", "Customer", "integer", { prefix: "customer.loyalty.", suffix: ".points", name: "Program id" }),
  S("context.now", "Time of checkout", "Time (campaign's zone)", "datetime"),
  S("context.date", "Date of checkout", "Time (campaign's zone)", "date"),
  S("context.day_of_week", "Day of the week (1 Monday … 7 Sunday)", "Time (campaign's zone)", "integer"),
  S("context.hour", "Hour of the day (0 … 23)", "Time (campaign's zone)", "integer"),
  ...["code_redeemed", "campaign_redemptions", "customer_redemptions", "customer_day", "customer_week",
    "customer_month", "campaign_day"].map((name) => S(`counters.${name}`, `Redemptions: ${name.replace(/_/g, " ")}`, "Counters", "integer")),
  S("counters.discount_given", "Discount given so far", "Counters", "money"),
  S("counters.order_value", "Order value redeemed so far", "Counters", "money"),
  S("item.sku", "SKU", "Item", "string", { item: true }),
  S("item.product_id", "Product id", "Item", "string", { item: true }),
  S("item.categories", "Categories", "Item", "list", { item: true }),
  S("item.unit_price", "Unit price", "Item", "money", { item: true }),
  S("item.quantity", "Quantity on the line", "Item", "integer", { item: true }),
  S("item.amount", "Line amount", "Item", "money", { item: true }),
  S("item.metadata", "Item metadata…", "Item", "dynamic", { prefix: "item.metadata.", name: "Metadata path", item: true }),
];
const AS_WRITTEN = S("", "Other subject (as written)", "Other", "dynamic", { raw: true });

// A dynamic segment's rule (cdp/segments.py) reads the stored customer with an empty cart, in
// UTC: its subjects are the customer's and the time's (`itemScope: SEGMENT_SCOPE`).
export const SEGMENT_SCOPE = "segment";
function inScope(subject, itemScope) {
  if (itemScope === SEGMENT_SCOPE) return !subject.item && /^(customer|context)\./.test(subject.id);
  return Boolean(subject.item) === itemScope;
}

// Which subject entry a written subject is, and the name inside a family's subject.
export function subjectOf(written, itemScope) {
  const scoped = SUBJECTS.filter((subject) => inScope(subject, itemScope));
  const exact = scoped.find((subject) => !subject.prefix && subject.id === written);
  if (exact) return { subject: exact, name: "" };
  for (const subject of scoped.filter((one) => one.prefix)) {
    const suffix = subject.suffix || "";
    if (written.startsWith(subject.prefix) && written.endsWith(suffix) && written.length > subject.prefix.length + suffix.length) {
      return { subject, name: written.slice(subject.prefix.length, written.length - suffix.length) };
    }
  }
  return { subject: AS_WRITTEN, name: written };
}

const OPERATOR_NAMES = {
  eq: "is", ne: "is not", lt: "is less than", lte: "is at most", gt: "is more than", gte: "is at least",
  between: "is between", in: "is one of", not_in: "is not one of", contains: "contains",
  contains_any: "contains one of", contains_all: "contains all of", starts_with: "starts with",
  ends_with: "ends with", exists: "is set / not set", before: "is before", after: "is after",
  within_last: "is within the last", more_than_ago: "is more than … ago", day_of_week: "falls on",
  time_of_day: "is between the times",
};
const NUMBER_OPS = ["gte", "gt", "lte", "lt", "eq", "ne", "between", "in", "not_in", "exists"];
const OPERATORS = {
  money: NUMBER_OPS, integer: NUMBER_OPS,
  string: ["eq", "ne", "in", "not_in", "starts_with", "ends_with", "exists"],
  list: ["contains", "contains_any", "contains_all", "exists"],
  date: ["before", "after", "eq", "ne", "between", "lt", "lte", "gt", "gte", "in", "not_in", "exists"],
  datetime: ["before", "after", "between", "within_last", "more_than_ago", "day_of_week", "time_of_day", "exists"],
  dynamic: ["eq", "ne", "gte", "gt", "lte", "lt", "between", "in", "not_in", "contains", "contains_any", "contains_all",
    "starts_with", "ends_with", "before", "after", "within_last", "more_than_ago", "day_of_week", "time_of_day", "exists"],
};

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INTEGER = /^-?\d+$/;
const isNumber = (value) => value instanceof JsonNumber;
const isInteger = (value) => isNumber(value) && INTEGER.test(value.text);

// A problem in one condition's value: the input to focus, and what to write.
export class RuleProblem extends Error {
  constructor(input, message) { super(message); this.input = input; }
}

// One typed input: shows a value as text, reads it back; the value is given back exactly as it
// came when its text is left as shown.
function textInput(label, shown, read, attributes = {}) {
  const input = h("input", { "aria-label": label, value: shown, size: attributes.size || 12, ...attributes });
  input.dataset.shown = shown;
  return { element: input, inputs: [input], read: (original, retype) => {
    if (!retype && input.value === input.dataset.shown && original !== undefined) return original;
    try { return read(input.value); } catch (problem) {
      if (problem instanceof InputProblem) throw new RuleProblem(input, problem.message);
      throw problem;
    }
  } };
}

const parseInteger = (text) => {
  const written = text.trim().replace(/[\s,'’]/g, "");
  if (!INTEGER.test(written)) throw new InputProblem("Enter a whole number, e.g. 2.");
  return new JsonNumber(BigInt(written).toString());
};
const parseText = (text) => {
  if (text === "") throw new InputProblem("Enter a value.");
  return text;
};
const parseDate = (text) => {
  if (!DATE.test(text)) throw new InputProblem("Enter a date.");
  return text;
};
const parseClock = (text) => {
  if (!/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/.test(text.trim())) throw new InputProblem("Enter a time as HH:MM, e.g. 17:00.");
  return text.trim();
};

// The widget of a scalar of `type` (money, integer, string, date, datetime): null when the value
// is not of that type (the condition then shows its value as JSON).
function scalarWidget(type, value, context, label) {
  const currency = context.currency();
  const zone = context.zone();
  switch (type) {
    case "money":
      if (value !== undefined && !isInteger(value)) return null;
      return textInput(`${label} (${currency})`, value === undefined ? "" : amountText(value.text, currency),
        (text) => new JsonNumber(parseMoney(text, context.currency())), { inputmode: "decimal" });
    case "integer":
      if (value !== undefined && !isInteger(value)) return null;
      return textInput(label, value === undefined ? "" : value.text, parseInteger, { inputmode: "numeric", size: 8 });
    case "string":
      if (value !== undefined && typeof value !== "string") return null;
      return textInput(label, value ?? "", parseText);
    case "date":
      if (value !== undefined && !(typeof value === "string" && DATE.test(value))) return null;
      return textInput(label, value ?? "", parseDate, { type: "date" });
    case "datetime": {
      if (typeof value === "string" && DATE.test(value)) return scalarWidget("date", value, context, label);
      if (value !== undefined && (typeof value !== "string" || Number.isNaN(Date.parse(value)))) return null;
      return textInput(`${label} (${zone})`, value === undefined ? "" : localInputValue(value, zone), (text) => {
        const instant = instantFromLocal(text, context.zone());
        if (!instant) throw new InputProblem("Enter a date and a time.");
        return instant;
      }, { type: "datetime-local", step: 1 });
    }
    default:
      return null;
  }
}

// A list as chips: each value a removable chip, a new one typed and added with Enter or Add.
function chipsWidget(itemType, values, context, label) {
  const items = values === undefined ? [] : values;
  if (!Array.isArray(items)) return null;
  const widgets = [];
  const list = h("ul", { className: "chips", "aria-label": label });
  const addChip = (value) => {
    const widget = scalarWidget(itemType, value, context, `${label}: value`);
    if (!widget) return false;
    const chip = h("li", { className: "chip" }, widget.element,
      h("button", { type: "button", className: "link", "aria-label": `Remove ${widget.element.value || "this value"}`, onclick: () => {
        widgets.splice(widgets.indexOf(entry), 1);
        chip.remove();
        context.changed();
      } }, "×"));
    const entry = { widget, value };
    widgets.push(entry);
    list.append(chip);
    return true;
  };
  for (const value of items) if (!addChip(value)) return null;
  const add = h("button", { type: "button", className: "secondary small", onclick: () => {
    addChip(undefined);
    widgets[widgets.length - 1].widget.element.focus();
  } }, "+ value");
  const originalLength = items.length;
  return { element: h("span", { className: "chips-field" }, list, add),
    get inputs() { return widgets.map((entry) => entry.widget.element); },
    read: (original, retype) => {
      const read = widgets.map((entry) => entry.widget.read(entry.value, retype));
      if (!read.length) throw new RuleProblem(add, "Add at least one value.");
      const unchanged = !retype && original !== undefined && read.length === originalLength && read.every((value, i) => value === original[i]);
      return unchanged ? original : read;
    } };
}

function pairWidget(type, value, context, label) {
  if (value !== undefined && !(Array.isArray(value) && value.length === 2)) return null;
  const low = scalarWidget(type, value && value[0], context, `${label}: from`);
  const high = scalarWidget(type, value && value[1], context, `${label}: to`);
  if (!low || !high) return null;
  return { element: h("span", {}, low.element, " and ", high.element), inputs: [...low.inputs, ...high.inputs],
    read: (original, retype) => {
      const pair = [low.read(original && original[0], retype), high.read(original && original[1], retype)];
      return original && pair[0] === original[0] && pair[1] === original[1] ? original : pair;
    } };
}

function existsWidget(value, label) {
  if (value !== undefined && typeof value !== "boolean") return null;
  const select = h("select", { "aria-label": label },
    h("option", { value: "true", selected: value !== false }, "set"), h("option", { value: "false", selected: value === false }, "not set"));
  return { element: select, inputs: [select], read: () => select.value === "true" };
}

function durationWidget(value, label) {
  const match = value === undefined ? ["", "30", "d"] : typeof value === "string" && value.match(/^(\d{1,9})([wdhms])$/);
  if (!match) return null;
  const count = h("input", { "aria-label": `${label}: how many`, value: match[1], inputmode: "numeric", size: 5 });
  const unit = h("select", { "aria-label": `${label}: unit` }, [["w", "weeks"], ["d", "days"], ["h", "hours"], ["m", "minutes"], ["s", "seconds"]]
    .map(([code, name]) => h("option", { value: code, selected: code === match[2] }, name)));
  return { element: h("span", {}, count, unit), inputs: [count, unit], read: () => {
    if (!/^\d{1,9}$/.test(count.value.trim()) || Number(count.value) < 1) throw new RuleProblem(count, "Enter a whole number of at least 1.");
    return `${count.value.trim()}${unit.value}`;
  } };
}

function weekdaysWidget(value, label) {
  const items = value === undefined ? [new JsonNumber("6"), new JsonNumber("7")] : value;
  if (!Array.isArray(items) || !items.length) return null;
  const day = (item) => isInteger(item) ? Number(item.text) : typeof item === "string" ? DAYS.indexOf(item.toLowerCase()) + 1 : 0;
  const chosen = items.map(day);
  if (chosen.some((number) => number < 1 || number > 7)) return null;
  const byName = value !== undefined && items.every((item) => typeof item === "string");
  const boxes = DAYS.map((name, index) => h("input", { type: "checkbox", value: index + 1, checked: chosen.includes(index + 1),
    "aria-label": `${label}: ${name}` }));
  return { element: h("span", { className: "weekdays", role: "group", "aria-label": label },
    boxes.map((box, index) => h("label", { className: "inline" }, box, ` ${DAYS[index][0].toUpperCase()}${DAYS[index].slice(1)}`))),
  inputs: boxes, read: (original, retype) => {
    const days = boxes.filter((box) => box.checked).map((box) => Number(box.value));
    if (!days.length) throw new RuleProblem(boxes[0], "Pick at least one day.");
    const same = [...new Set(chosen)].sort().join() === days.join();
    if (same && !retype && original !== undefined) return original;
    return byName ? days.map((number) => DAYS[number - 1]) : days.map((number) => new JsonNumber(String(number)));
  } };
}

function clockWidget(value, label) {
  if (value !== undefined && !(Array.isArray(value) && value.length === 2 && value.every((part) => typeof part === "string"))) return null;
  const [from, to] = value || ["17:00", "19:00"];
  const start = textInput(`${label}: from (HH:MM)`, from, parseClock, { size: 5 });
  const end = textInput(`${label}: to (HH:MM)`, to, parseClock, { size: 5 });
  return { element: h("span", {}, start.element, " and ", end.element), inputs: [...start.inputs, ...end.inputs],
    read: (original, retype) => {
      const pair = [start.read(original && original[0], retype), end.read(original && original[1], retype)];
      return original && pair[0] === original[0] && pair[1] === original[1] ? original : pair;
    } };
}

// A dynamic subject's value (free JSON: attributes, metadata): typed by what it holds.
function dynamicType(value) {
  if (typeof value === "boolean") return "boolean";
  if (isNumber(value)) return isInteger(value) ? "integer" : "decimal";
  if (typeof value === "string") return DATE.test(value) ? "date" : "string";
  return null;
}

function decimalWidget(value, label) {
  return textInput(label, value === undefined ? "" : value.text, (text) => {
    const written = text.trim();
    if (!/^-?\d+(\.\d+)?$/.test(written)) throw new InputProblem("Enter a number, e.g. 0.5.");
    return new JsonNumber(written);
  }, { inputmode: "decimal", size: 8 });
}

function booleanWidget(value, label) {
  const select = h("select", { "aria-label": label },
    h("option", { value: "true", selected: value !== false }, "yes (true)"), h("option", { value: "false", selected: value === false }, "no (false)"));
  return { element: select, inputs: [select], read: () => select.value === "true" };
}

// Free JSON has no type of its own: the value says whether it is text, a number or yes/no, and
// the marketer can switch (an attribute "18" written as text is not the number 18).
function dynamicScalar(value, context, label) {
  const type = value === undefined ? "string" : dynamicType(value);
  if (!type) return null;
  const kindOf = { boolean: "boolean", decimal: "number", integer: "number", date: "string", string: "string" };
  const kind = h("select", { "aria-label": `${label}: kind of value` },
    [["string", "text"], ["number", "number"], ["boolean", "yes / no"]].map(([code, name]) =>
      h("option", { value: code, selected: code === kindOf[type] }, name)));
  const widgetOf = (chosen, shown) => (chosen === "boolean" ? booleanWidget(shown, label)
    : chosen === "number" ? decimalWidget(isNumber(shown) ? shown : undefined, label)
      : scalarWidget("string", typeof shown === "string" ? shown : undefined, context, label));
  let inner = widgetOf(kindOf[type], value);
  const holder = h("span", { className: "dynamic-value" }, kind, inner.element);
  const widget = { element: holder, get inputs() { return [kind, ...inner.inputs]; }, read: (original, retype) => {
    if (kind.value !== kindOf[type] && original !== undefined) original = undefined;
    return inner.read(original, retype);
  } };
  kind.addEventListener("change", () => {
    const typed = inner.inputs[0].value;
    inner = widgetOf(kind.value, undefined);
    if (kind.value !== "boolean") inner.inputs[0].value = typed;
    holder.replaceChildren(kind, inner.element);
  });
  return widget;
}

// The value widget of a condition; null when no typed widget can show this value.
function valueWidget(subject, op, value, context) {
  const label = `${subject.label.replace("…", "")} ${OPERATOR_NAMES[op] || op}`;
  const type = subject.type;
  if (op === "exists") return existsWidget(value, label);
  if (op === "within_last" || op === "more_than_ago") return durationWidget(value, label);
  if (op === "day_of_week") return weekdaysWidget(value, label);
  if (op === "time_of_day") return clockWidget(value, label);
  const itemType = type === "list" ? "string" : type === "dynamic" ? null : type;
  if (type === "dynamic") {
    if (op === "between") {
      const kind = value === undefined ? "integer" : dynamicType(value[0]);
      return kind === "integer" || kind === "date" ? pairWidget(kind === "date" ? "date" : "integer", value, context, label) : null;
    }
    if (["in", "not_in", "contains_any", "contains_all"].includes(op)) {
      const items = value === undefined ? [] : value;
      if (!Array.isArray(items)) return null;
      const kinds = new Set(items.map(dynamicType));
      if (kinds.size > 1 || kinds.has(null) || kinds.has("boolean") || kinds.has("decimal")) return null;
      return chipsWidget(kinds.has("integer") ? "integer" : "string", value, context, label);
    }
    return dynamicScalar(value, context, label);
  }
  if (op === "between") return pairWidget(itemType, value, context, label);
  if (["in", "not_in", "contains_any", "contains_all"].includes(op)) return chipsWidget(itemType, value, context, label);
  if (type === "list" && op === "contains") return scalarWidget("string", value, context, label);
  return scalarWidget(itemType, value, context, label);
}

// When no typed widget fits: the value as JSON, still edited in place (the rare rule only).
function jsonWidget(value, label) {
  const shown = value === undefined ? "" : toJson(value);
  const input = h("input", { "aria-label": `${label} (JSON)`, value: shown, size: 24, className: "mono" });
  return { element: input, inputs: [input], read: (original) => {
    if (input.value === shown && original !== undefined) return original;
    try { return parseJson(input.value); } catch { throw new RuleProblem(input, "Not valid JSON."); }
  } };
}

// ---- the tree -----------------------------------------------------------------------------

// A rule node -> the builder's node: {kind: "group", op: "all"|"any", children, nots, implicit}
// or {kind: "condition", subject, op, value, filter, message, nots, extra}. `nots` counts the
// "not" wrappers; `implicit` marks the group the builder puts around a root that is a condition.
export function toModel(node) {
  let nots = 0;
  while (node && typeof node === "object" && !Array.isArray(node) && Object.keys(node).length === 1 && "not" in node) {
    node = node.not;
    nots++;
  }
  if (node && typeof node === "object" && !Array.isArray(node) && Object.keys(node).length === 1 && (Array.isArray(node.all) || Array.isArray(node.any))) {
    const op = Array.isArray(node.all) ? "all" : "any";
    return { kind: "group", op, nots, children: node[op].map(toModel) };
  }
  if (node && typeof node === "object" && !Array.isArray(node) && typeof node.subject === "string") {
    const { subject, op, value, filter, message, ...extra } = node;
    return { kind: "condition", nots, subject, op, value, message, extra,
      filter: filter === undefined ? undefined : rootGroup(toModel(filter)) };
  }
  return { kind: "raw", nots, json: node };
}

function rootGroup(model) {
  return model.kind === "group" && !model.nots ? model : { kind: "group", op: "all", nots: 0, implicit: true, children: [model] };
}

// The builder's node -> a rule node; `paths` (optional) gets each node's path in the rule.
export function fromModel(model, path = "rules", paths = null) {
  const wrap = (node) => {
    let out = node;
    for (let i = 0; i < model.nots; i++) out = { not: out };
    return out;
  };
  let innerPath = path;
  for (let i = 0; i < model.nots; i++) innerPath += ".not";
  if (paths) paths.push([path, model]);
  if (model.kind === "group") {
    if (model.implicit && model.children.length === 1) return wrap(fromModel(model.children[0], innerPath, paths));
    return wrap({ [model.op]: model.children.map((child, index) => fromModel(child, `${innerPath}.${model.op}[${index}]`, paths)) });
  }
  if (model.kind === "raw") return wrap(model.json);
  const leaf = { subject: model.subject, op: model.op, value: model.value };
  if (model.filter !== undefined) leaf.filter = fromModel(model.filter, `${innerPath}.filter`, paths);
  if (model.message !== undefined) leaf.message = model.message;
  Object.assign(leaf, model.extra || {});
  return wrap(leaf);
}

// Rule JSON text -> the builder's root group (an empty rule is an empty group).
export function parseRule(text) {
  if (!String(text || "").trim()) return { kind: "group", op: "all", nots: 0, implicit: true, children: [] };
  return rootGroup(toModel(parseJson(text)));
}

// The builder's root group -> rule JSON text ("" for no condition).
export function serializeRule(model) {
  if (model.kind === "group" && model.implicit && model.children.length === 0) return "";
  return toJson(fromModel(model));
}

// ---- the builder on the page ----------------------------------------------------------------

let nextId = 0;

// The builder for a rule: `read()` gives the rule JSON text from what is on screen (or throws a
// RuleProblem naming the input), `markError(path, message)` shows a compile error at its
// condition. `context`: currency() and zone() of the campaign, changed() after every edit.
// With `itemScope`, the rule is an item filter (item.* subjects: ItemFilter.rule_json).
export function ruleBuilder(text, context, { itemScope = false } = {}) {
  let root = parseRule(text);
  const holder = h("div", { className: "rule-builder" });
  // Any value typed or chosen anywhere in the builder (the words follow, debounced).
  for (const kind of ["input", "change"]) holder.addEventListener(kind, () => context.changed());
  const render = () => {
    syncGroup(root);
    holder.replaceChildren(groupView(root, context, null, () => render(), itemScope, itemScope === SEGMENT_SCOPE ? "Customers where" : itemScope ? "Items where" : "Conditions"));
  };
  render();
  const read = (retype = false) => {
    readGroup(root, retype);
    return serializeRule(root);
  };
  return {
    element: holder,
    read,
    // A new rule (from the JSON view): the builder is built again from it.
    load(newText) { root = parseRule(newText); render(); },
    // Marks the condition a compile error's path names (`rules.all[2].any[0].op`), with the
    // message inside it; without a path, clears the mark. Gives the marked element.
    markError(path, message, { focus = true } = {}) {
      for (const marked of holder.querySelectorAll(".at-error")) marked.classList.remove("at-error");
      for (const old of holder.querySelectorAll(".condition-error")) {
        for (const described of holder.querySelectorAll(`[aria-describedby="${old.id}"]`)) described.removeAttribute("aria-describedby");
        old.remove();
      }
      if (!path) return null;
      const paths = [];
      fromModel(root, "rules", paths);
      // The deepest node whose path begins the error's path.
      let best = null;
      for (const [nodePath, model] of paths) {
        const fits = path === nodePath || path.startsWith(nodePath + ".") || path.startsWith(nodePath + "[");
        if (fits && (!best || nodePath.length >= best[0].length)) best = [nodePath, model];
      }
      const element = best && best[1].element;
      if (!element) return null;
      element.classList.add("at-error");
      element.dataset.errorPath = path;
      const note = h("p", { className: "condition-error field-error", id: `rule-problem-${++nextId}` }, message);
      element.append(note);
      const first = element.querySelector("select, input, textarea, button");
      if (first) {
        first.setAttribute("aria-describedby", note.id);
        if (focus) first.focus();
      }
      return element;
    },
  };
}

// What is typed so far kept in the model before the builder is drawn again (a value that does
// not read yet is left as it was).
function syncGroup(group) {
  for (const child of group.children) {
    if (child.kind === "group") syncGroup(child);
    else if (child.kind === "condition") {
      try { readCondition(child, false); } catch (problem) { if (!(problem instanceof RuleProblem)) throw problem; }
      if (child.filter) syncGroup(child.filter);
    }
  }
}

function readGroup(group, retype) {
  for (const child of group.children) {
    if (child.kind === "group") readGroup(child, retype);
    else if (child.kind === "condition") readCondition(child, retype);
  }
}

function readCondition(condition, retype) {
  if (condition.nameInput) {
    const name = condition.nameInput.value.trim();
    if (!name) throw new RuleProblem(condition.nameInput, "Enter the name.");
    const subject = condition.subjectEntry;
    condition.subject = subject.raw ? name : `${subject.prefix}${name}${subject.suffix || ""}`;
  }
  if (condition.opSelect) condition.op = condition.opSelect.value;
  if (condition.widget) condition.value = condition.widget.read(condition.value, retype);
  if (condition.filter) readGroup(condition.filter, retype);
}

const newCondition = (itemScope) => itemScope === SEGMENT_SCOPE
  ? { kind: "condition", nots: 0, subject: "customer.aggregates.orders_count", op: "gte", value: undefined, extra: {} }
  : itemScope
  ? { kind: "condition", nots: 0, subject: "item.categories", op: "contains", value: undefined, extra: {} }
  : { kind: "condition", nots: 0, subject: "order.amount", op: "gte", value: undefined, extra: {} };

function groupView(group, context, remove, rerender, itemScope, title = "Group") {
  const legendId = `rule-group-${++nextId}`;
  const opSelect = h("select", { "aria-label": "Which conditions must hold", onchange: () => { group.op = opSelect.value; group.implicit = false; context.changed(); } },
    h("option", { value: "all", selected: group.op === "all" }, "All of these (AND)"),
    h("option", { value: "any", selected: group.op === "any" }, "Any of these (OR)"));
  const negate = notToggle(group, context);
  const children = h("ol", { className: "rule-children" }, group.children.map((child, index) => {
    // The focus stays in the builder: on the group's "+ Condition" once a child is removed.
    const removeChild = () => {
      group.children.splice(index, 1);
      rerender();
      group.element.querySelector(".add-condition").focus();
      context.changed();
    };
    const view = child.kind === "group" ? groupView(child, context, removeChild, rerender, itemScope)
      : child.kind === "condition" ? conditionView(child, context, removeChild, rerender, itemScope)
        : rawView(child, context, removeChild);
    return h("li", {}, view);
  }));
  // A new child is drawn with the focus on its first control (keyboard users go on from there).
  const add = (make) => () => {
    const model = make();
    group.children.push(model);
    if (group.children.length > 1) group.implicit = false;
    rerender();
    model.element.querySelector("select, input").focus();
    context.changed();
  };
  const box = h("fieldset", { className: "rule-group", "aria-labelledby": legendId },
    h("legend", { id: legendId }, title),
    h("div", { className: "rule-line" }, opSelect, negate,
      remove ? h("button", { type: "button", className: "link", onclick: remove }, "Remove group") : null),
    group.children.length ? children : h("p", { className: "muted" }, itemScope === SEGMENT_SCOPE ? "No condition: every customer." : itemScope ? "No condition: every item." : "No condition: every cart."),
    h("div", { className: "rule-line" },
      h("button", { type: "button", className: "secondary small add-condition", onclick: add(() => newCondition(itemScope)) }, "+ Condition"),
      h("button", { type: "button", className: "secondary small add-group", onclick: add(() => ({ kind: "group", op: "any", nots: 0, children: [newCondition(itemScope)] })) }, "+ Group")));
  group.element = box;
  return box;
}

function notToggle(model, context) {
  const box = h("input", { type: "checkbox", checked: model.nots % 2 === 1, onchange: () => {
    model.nots = box.checked ? Math.max(1, model.nots | 1) : model.nots - (model.nots % 2 === 1 ? 1 : 0);
    context.changed();
  } });
  return h("label", { className: "inline not-toggle" }, box, " not (must not hold)");
}

function rawView(model, context, remove) {
  const input = h("input", { className: "mono", size: 40, "aria-label": "Condition (JSON)", value: toJson(model.json),
    onchange: () => { try { model.json = parseJson(input.value); } catch { /* shown at save */ } context.changed(); } });
  const box = h("div", { className: "rule-condition" }, input, h("button", { type: "button", className: "link", onclick: remove }, "Remove"));
  model.element = box;
  return box;
}

function subjectSelect(current, itemScope) {
  const scoped = SUBJECTS.filter((subject) => inScope(subject, itemScope));
  const groups = [...new Set(scoped.map((subject) => subject.group))];
  const select = h("select", { "aria-label": "Subject" },
    groups.map((group) => h("optgroup", { label: group }, scoped.filter((subject) => subject.group === group)
      .map((subject) => h("option", { value: subject.id, selected: subject === current }, subject.label)))),
    h("option", { value: "", selected: current === AS_WRITTEN }, AS_WRITTEN.label));
  return select;
}

function conditionView(condition, context, remove, rerender, itemScope) {
  const box = h("div", { className: "rule-condition" });
  condition.element = box;
  // keep: what is typed so far is read into the condition first (not when the subject or the
  // operator changed: their handlers set the value themselves).
  const draw = (keep = true) => {
    if (keep && condition.widget) {
      try { readCondition(condition, false); } catch (problem) { if (!(problem instanceof RuleProblem)) throw problem; }
    }
    if (condition.filter) syncGroup(condition.filter);
    const { subject, name } = subjectOf(condition.subject, itemScope);
    condition.subjectEntry = subject;
    const picker = subjectSelect(subject, itemScope);
    const nameInput = subject.prefix || subject.raw
      ? h("input", { "aria-label": subject.name || "Subject as written", value: name, size: 14, placeholder: subject.name || "subject" }) : null;
    condition.nameInput = nameInput;
    const ops = [...(OPERATORS[subject.type] || OPERATORS.dynamic)];
    if (condition.op && !ops.includes(condition.op)) ops.push(condition.op);
    const opSelect = h("select", { "aria-label": "Operator" }, ops.map((op) => h("option", { value: op, selected: op === condition.op }, OPERATOR_NAMES[op] || op)));
    condition.opSelect = opSelect;
    let widget = valueWidget(subject, condition.op, condition.value, context);
    if (!widget) widget = jsonWidget(condition.value, `${subject.label} value`);
    condition.widget = widget;
    picker.addEventListener("change", () => {
      const chosen = SUBJECTS.find((one) => one.id === picker.value) || AS_WRITTEN;
      condition.subject = chosen.prefix ? `${chosen.prefix}${name || "name"}${chosen.suffix || ""}` : chosen.id || condition.subject;
      const allowed = OPERATORS[chosen.type] || OPERATORS.dynamic;
      if (!allowed.includes(condition.op)) condition.op = allowed[0];
      condition.value = undefined;
      condition.filter = chosen.filter ? condition.filter : undefined;
      draw(false);
      box.querySelector("select[aria-label='Subject']").focus();
      context.changed();
    });
    opSelect.addEventListener("change", () => {
      // A name typed before the operator is chosen (an attribute path) is kept.
      const typedName = nameInput ? nameInput.value.trim() : "";
      if (typedName) condition.subject = subject.raw ? typedName : `${subject.prefix}${typedName}${subject.suffix || ""}`;
      // The value is kept when the new operator takes the same shape, else typed anew.
      const before = condition.op;
      condition.op = opSelect.value;
      const shape = (op) => (["in", "not_in", "contains_any", "contains_all"].includes(op) ? "list" : ["between", "time_of_day"].includes(op) ? op : op === "exists" ? "flag" : "one");
      try { condition.value = widget.read(condition.value); } catch { condition.value = undefined; }
      if (shape(before) !== shape(condition.op) || ["day_of_week", "within_last", "more_than_ago"].includes(condition.op) !== ["day_of_week", "within_last", "more_than_ago"].includes(before)) condition.value = undefined;
      draw(false);
      box.querySelector("select[aria-label='Operator']").focus();
      context.changed();
    });
    const filterView = subject.filter
      ? h("div", { className: "rule-filter" }, condition.filter
        ? groupView(condition.filter, context, () => {
          condition.filter = undefined;
          draw();
          box.querySelector(".rule-filter button").focus();
          context.changed();
        }, () => draw(), true, "Only items where")
        : h("button", { type: "button", className: "secondary small", onclick: () => {
          condition.filter = { kind: "group", op: "all", nots: 0, implicit: true, children: [newCondition(true)] };
          draw();
          condition.filter.element.querySelector(".rule-condition select").focus();
          context.changed();
        } }, "+ Only items where…"))
      : null;
    box.replaceChildren(
      h("div", { className: "rule-line" }, picker, nameInput, opSelect, widget.element, notToggle(condition, context),
        h("button", { type: "button", className: "link", onclick: remove, "aria-label": `Remove the condition on ${subject.label}` }, "Remove")),
      ...(filterView ? [filterView] : []));
  };
  draw();
  return box;
}
