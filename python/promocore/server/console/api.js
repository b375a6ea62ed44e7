// The HTTP/JSON API (Connect protocol) as the console calls it: the API key from this tab's
// session storage only, errors as RpcError with Connect's code, the reason code and field path.
const KEY_NAME = "promocore.apiKey";
export const ADMIN = "promocore.v1.AdminService";
export const CHECKOUT = "promocore.v1.CheckoutService";

export function apiKey() { return sessionStorage.getItem(KEY_NAME); }
export function setApiKey(key) { sessionStorage.setItem(KEY_NAME, key); }
export function forgetApiKey() { sessionStorage.removeItem(KEY_NAME); }

export class RpcError extends Error {
  constructor(error, method) {
    super(error.message || error.code);
    this.code = error.code || "unknown";
    this.method = method;
    this.reason = "";
    this.field = "";
    this.fieldDescription = "";
    for (const detail of error.details || []) {
      const debug = detail.debug || {};
      if (detail.type === "google.rpc.ErrorInfo") this.reason = debug.reason || "";
      if (detail.type === "google.rpc.BadRequest" && (debug.fieldViolations || []).length) {
        this.field = debug.fieldViolations[0].field;
        this.fieldDescription = debug.fieldViolations[0].description;
      }
    }
  }
}

function headers(contentType) {
  return { "Content-Type": contentType, "x-api-key": apiKey() || "" };
}

async function errorOf(response, method) {
  try {
    return new RpcError(await response.json(), method);
  } catch {
    return new RpcError({ code: "unknown", message: `HTTP ${response.status}` }, method);
  }
}

// A unary call: `rpc("promocore.v1.AdminService", "GetCampaign", {id})` -> the answer's JSON.
export async function rpc(service, method, request = {}) {
  let response;
  try {
    response = await fetch(`/${service}/${method}`, {
      method: "POST", headers: headers("application/json"), body: JSON.stringify(request),
    });
  } catch (failure) {
    throw new RpcError({ code: "unavailable", message: `the server did not answer: ${failure}` }, method);
  }
  if (!response.ok) throw await errorOf(response, method);
  return response.json();
}

export const admin = (method, request) => rpc(ADMIN, method, request);
export const checkout = (method, request) => rpc(CHECKOUT, method, request);

// A server-streaming call (Connect streaming JSON): `onMessage` sees each message as it comes.
// `request` may be a list: the messages of a client stream (sent whole, then the answers read).
export async function stream(service, method, request, onMessage) {
  const bodies = (Array.isArray(request) ? request : [request]).map((one) => new TextEncoder().encode(JSON.stringify(one)));
  const framed = new Uint8Array(bodies.reduce((size, body) => size + 5 + body.length, 0));
  let at = 0;
  for (const body of bodies) {
    new DataView(framed.buffer).setUint32(at + 1, body.length);
    framed.set(body, at + 5);
    at += 5 + body.length;
  }
  let response;
  try {
    response = await fetch(`/${service}/${method}`, {
      method: "POST", headers: headers("application/connect+json"), body: framed,
    });
  } catch (failure) {
    throw new RpcError({ code: "unavailable", message: `the server did not answer: ${failure}` }, method);
  }
  if (!response.ok) throw await errorOf(response, method);
  const reader = response.body.getReader();
  let buffered = new Uint8Array(0);
  for (;;) {
    const { value, done } = await reader.read();
    if (value) {
      const joined = new Uint8Array(buffered.length + value.length);
      joined.set(buffered);
      joined.set(value, buffered.length);
      buffered = joined;
    }
    while (buffered.length >= 5) {
      const view = new DataView(buffered.buffer, buffered.byteOffset);
      const flags = view.getUint8(0);
      const length = view.getUint32(1);
      if (buffered.length < 5 + length) break;
      const message = JSON.parse(new TextDecoder().decode(buffered.subarray(5, 5 + length)));
      buffered = buffered.slice(5 + length);
      if (flags & 2) {
        if (message.error) throw new RpcError(message.error, method);
        return;
      }
      onMessage(message);
    }
    if (done) throw new RpcError({ code: "unavailable", message: "the stream ended early" }, method);
  }
}

// Every page of a List* RPC: `field` is the repeated field of the answer.
export async function listAll(method, request, field, most = 5000) {
  const items = [];
  let token = "";
  do {
    const answer = await admin(method, { ...request, page: { pageSize: 500, pageToken: token } });
    items.push(...(answer[field] || []));
    token = answer.nextPageToken || "";
  } while (token && items.length < most);
  return items;
}
