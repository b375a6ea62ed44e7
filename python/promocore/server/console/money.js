// Money and percent as people write them: `12.99` typed in a form is 1299 minor units of EUR,
// 1299 is shown as `12.99 EUR`; JPY has no decimals, KWD three (the engine's ISO 4217 exponents,
// rust/engine/src/money.rs). Amounts stay exact: minor units are BigInt, never a binary float.

const ZERO_DECIMALS = ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX",
  "UYI", "VND", "VUV", "XAF", "XOF", "XPF"];
const THREE_DECIMALS = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];
const FOUR_DECIMALS = ["CLF", "UYW"];
const INT64_MAX = 9223372036854775807n;

// The number of decimals of a currency's minor unit (2 unless listed).
export function decimalsOf(currency) {
  const code = String(currency || "").trim().toUpperCase();
  if (ZERO_DECIMALS.includes(code)) return 0;
  if (THREE_DECIMALS.includes(code)) return 3;
  if (FOUR_DECIMALS.includes(code)) return 4;
  return 2;
}

// A problem with what was typed in one field, said to the person who typed it.
export class InputProblem extends Error {}

// Minor units (a number, a string of digits as proto3 JSON sends int64, or a BigInt) as the
// currency is written: 1299 EUR -> "12.99", 1500 JPY -> "1500", 12345 KWD -> "12.345".
export function amountText(minor, currency) {
  let units = BigInt(minor ?? 0);
  const sign = units < 0n ? "-" : "";
  if (units < 0n) units = -units;
  const decimals = decimalsOf(currency);
  if (decimals === 0) return `${sign}${units}`;
  const digits = units.toString().padStart(decimals + 1, "0");
  return `${sign}${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

// "12.99 EUR" (the currency code after the amount, as the engine's messages write it).
export function formatMoney(minor, currency) {
  const code = String(currency || "").trim().toUpperCase();
  return code ? `${amountText(minor, code)} ${code}` : amountText(minor, code);
}

// What a person typed as an amount of `currency` -> minor units as a string of digits (proto3
// JSON's int64). Accepts `12.99`, `12,99`, `12`, `1 299.50`, `12.99 EUR`; refuses more decimals
// than the currency has, signs, letters and amounts beyond int64, saying what to write instead.
export function parseMoney(text, currency) {
  const code = String(currency || "").trim().toUpperCase();
  const decimals = decimalsOf(code);
  let written = String(text ?? "").trim();
  if (code && written.toUpperCase().endsWith(code)) written = written.slice(0, -code.length).trim();
  written = written.replace(/[\s\u00a0'’]/g, "");
  const example = decimals === 0 ? "1500" : `12.${"9".repeat(decimals)}`;
  if (written === "") throw new InputProblem(`Enter an amount in ${code || "the currency"}, e.g. ${example}.`);
  if (written.startsWith("-")) throw new InputProblem("Enter an amount of at least 0.");
  const match = written.match(/^(\d+)(?:[.,](\d*))?$/);
  if (!match) throw new InputProblem(`"${text}" is not an amount: write digits with a decimal point, e.g. ${example}.`);
  if (written.includes(",") && (match[2] || "").length === 3) {
    // "1,500" is 1.5 in Berlin and 1500 in London: neither is guessed.
    throw new InputProblem(`"${text}" could be read two ways: write ${match[1]}${match[2]} or ${match[1]}.${match[2]} with a point for decimals.`);
  }
  const fraction = (match[2] || "").replace(/0+$/, "");
  if (fraction.length > decimals) {
    throw new InputProblem(decimals === 0
      ? `${code} has no decimals: write a whole amount, e.g. ${example}.`
      : `${code || "The currency"} has ${decimals} decimals: ${text} has more.`);
  }
  const minor = BigInt(match[1] + fraction.padEnd(decimals, "0"));
  if (minor > INT64_MAX) throw new InputProblem("This amount is too large.");
  return minor.toString();
}

// Basis points as people read a percentage: 1500 -> "15 %", 1250 -> "12.5 %", 5 -> "0.05 %".
export function formatPercent(basisPoints) {
  const bp = Number(basisPoints || 0);
  const whole = Math.trunc(bp / 100);
  const fraction = String(Math.abs(bp % 100)).padStart(2, "0").replace(/0+$/, "");
  return `${whole}${fraction ? "." + fraction : ""} %`;
}

// What a person typed as a percentage -> basis points: `15` or `15 %` -> 1500, `12,5` -> 1250.
// More than 0 and at most 100, with at most 2 decimals (the engine's basis points).
export function parsePercent(text) {
  const written = String(text ?? "").trim().replace(/\s*%$/, "").trim();
  if (written === "") throw new InputProblem("Enter a percentage, e.g. 15 for 15 %.");
  const match = written.match(/^(\d+)(?:[.,](\d*))?$/);
  if (!match) throw new InputProblem(`"${text}" is not a percentage: write a number, e.g. 15 or 12.5.`);
  const fraction = (match[2] || "").replace(/0+$/, "");
  if (fraction.length > 2) throw new InputProblem("A percentage has at most 2 decimals, e.g. 12.25.");
  const bp = Number(match[1]) * 100 + Number(fraction.padEnd(2, "0"));
  if (bp <= 0 || bp > 10000) throw new InputProblem("Enter a percentage above 0 and at most 100.");
  return bp;
}

// Basis points as typed in a percent field: 1500 -> "15", 1250 -> "12.5".
export function percentText(basisPoints) {
  return formatPercent(basisPoints).replace(/ %$/, "");
}
