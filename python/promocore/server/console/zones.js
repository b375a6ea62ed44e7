// Time in a campaign's time zone (IANA, e.g. Europe/Berlin), whatever the browser's own zone:
// a stored instant is shown as the wall-clock time of that zone, and a wall-clock time typed in
// the form is read in that zone. Only Intl is used; the browser's zone never enters a conversion.

// Every IANA zone the browser knows, UTC included (Chromium's list leaves the alias out).
export function timeZones() {
  const known = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return known.includes("UTC") ? known : ["UTC", ...known];
}

export function isTimeZone(name) {
  if (!name) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

// The zone the browser runs in: the default for a new campaign, which the marketer can change.
export function browserTimeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

const formatters = new Map();
function formatterFor(zone) {
  if (!formatters.has(zone)) {
    formatters.set(zone, new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    }));
  }
  return formatters.get(zone);
}

// The wall-clock fields of an instant (milliseconds since the epoch) in `zone`.
function wallClock(epochMs, zone) {
  const fields = {};
  for (const part of formatterFor(zone).formatToParts(new Date(epochMs))) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  return fields;
}

// How far `zone`'s wall clock is ahead of UTC at an instant, in milliseconds.
function offsetAt(epochMs, zone) {
  const w = wallClock(epochMs, zone);
  const wallAsUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return wallAsUtc - (epochMs - (((epochMs % 1000) + 1000) % 1000));
}

const pad = (number, width = 2) => String(number).padStart(width, "0");

// An RFC 3339 instant as a datetime-local value in `zone`: "2026-06-01T00:00" (seconds only
// when the instant has some, so nothing is lost on the way back).
export function localInputValue(stamp, zone) {
  if (!stamp) return "";
  const epochMs = Date.parse(stamp);
  const w = wallClock(epochMs, zone);
  const text = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
  return w.second ? `${text}:${pad(w.second)}` : text;
}

// A datetime-local value read in `zone` -> an RFC 3339 instant in UTC ("…Z"). A time the zone
// skips (the hour lost when clocks go forward) is read with the offset before the change, so it
// lands just after it; a time the zone repeats (clocks go back) is its first occurrence.
export function instantFromLocal(value, zone) {
  const match = String(value || "").match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part || 0));
  const wallAsUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  // The offset can differ on either side of a change: the earlier candidate that reads back as
  // the typed time wins; when none does (a skipped time) the offset before the change is used.
  const candidates = [...new Set([
    offsetAt(wallAsUtc - 86_400_000, zone), offsetAt(wallAsUtc, zone), offsetAt(wallAsUtc + 86_400_000, zone),
  ])].map((offset) => wallAsUtc - offset).sort((a, b) => a - b);
  const exact = candidates.find((epochMs) => epochMs + offsetAt(epochMs, zone) === wallAsUtc);
  const epochMs = exact ?? wallAsUtc - offsetAt(wallAsUtc - 86_400_000, zone);
  return new Date(epochMs).toISOString().replace(".000Z", "Z");
}

// "2026-06-01 00:00 (Europe/Berlin)": how every page shows a campaign's dates.
export function formatInZone(stamp, zone) {
  if (!stamp) return "";
  const name = zone || "UTC";
  return `${localInputValue(stamp, name).replace("T", " ")} (${name})`;
}
