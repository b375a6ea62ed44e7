// Small DOM helpers: elements built from data (never innerHTML with server text), the loading
// and error states every screen shares, field errors and money (charts are charts.js's).
import { formatMoney } from "./money.js";

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "className") element.className = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

export function loading(what = "Loading") {
  return h("p", { className: "loading", role: "status", "aria-live": "polite" }, `${what}…`);
}

// A server error with its code, reason code, field path and message.
export function errorBox(error) {
  const parts = [h("span", { className: "reason" }, error.code || "error")];
  if (error.reason) parts.push(" · ", h("span", { className: "reason", "data-reason": error.reason }, error.reason));
  if (error.field) parts.push(" · at ", h("span", { className: "reason", "data-field": error.field }, error.field));
  parts.push(h("br"), error.fieldDescription || error.message || String(error));
  return h("div", { className: "error", role: "alert", "data-code": error.code || "" }, parts);
}

// Runs `work` into `target`: a loading state first, then its result, or the error.
export async function load(target, work, what) {
  replace(target, loading(what));
  target.setAttribute("aria-busy", "true");
  try {
    replace(target, await work());
  } catch (error) {
    console.error(error);
    replace(target, errorBox(error));
  } finally {
    target.removeAttribute("aria-busy");
  }
}

// Minor units as the currency writes them: "12.99 EUR", "1500 JPY", "12.345 KWD".
export function money(minor, currency = "") {
  // int64 arrives as a string of digits: kept exact; chart ticks are numbers.
  const exact = typeof minor === "string" && /^-?\d+$/.test(minor);
  return formatMoney(exact ? BigInt(minor) : Math.round(Number(minor || 0)), currency);
}

// A labelled input; `label` may be a node (a unit in it that changes with the currency).
export function field(label, input) {
  const text = typeof label === "string" ? label : label.textContent;
  const id = input.id || `f-${text.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  input.id = id;
  return h("div", { className: "field" }, h("label", { for: id }, label), input);
}

// A message beside one field, replacing any older one there: the input is marked invalid and
// described by the message, so a screen reader reads it with the field.
export function showProblem(input, message) {
  const holder = input.closest(".field") || input.parentElement;
  let note = holder.querySelector(":scope > .field-error");
  if (!note) {
    note = h("p", { className: "field-error", id: `${input.id}-problem` });
    holder.append(note);
  }
  note.textContent = message;
  input.setAttribute("aria-invalid", "true");
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  if (!described.includes(note.id)) input.setAttribute("aria-describedby", [...described, note.id].join(" "));
}

export function clearProblem(input) {
  const holder = input.closest(".field") || input.parentElement;
  const note = holder && holder.querySelector(":scope > .field-error");
  if (note) note.remove();
  input.removeAttribute("aria-invalid");
  const described = (input.getAttribute("aria-describedby") || "").split(" ")
    .filter((id) => id && id !== `${input.id}-problem`);
  if (described.length) input.setAttribute("aria-describedby", described.join(" "));
  else input.removeAttribute("aria-describedby");
}

export function table(columns, rows, empty = "Nothing yet.") {
  if (!rows.length) return h("p", { className: "muted" }, empty);
  return h("table", {},
    h("thead", {}, h("tr", {}, columns.map((column) => h("th", { scope: "col" }, column.title)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((column) => h("td", {}, column.cell(row)))))));
}

export function when(timestamp) {
  return timestamp ? new Date(timestamp).toLocaleString() : "";
}

export function askFirst(holder, { id, question, yes, onYes, back }) {
  const doIt = h("button", { type: "button", className: "danger", id: `confirm-${id}` }, yes);
  const cancel = h("button", { type: "button", className: "secondary" }, "Cancel");
  doIt.addEventListener("click", onYes);
  cancel.addEventListener("click", () => { replace(holder); if (back) back.focus(); });
  replace(holder, h("div", { className: "confirm", role: "alertdialog", "aria-labelledby": `${id}-question` },
    h("p", { id: `${id}-question` }, question), h("p", {}, doIt, " ", cancel)));
  doIt.focus();
}
