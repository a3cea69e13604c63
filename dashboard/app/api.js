// The API client: the base URL (same origin, or config.json's api_base), the key kept in this
// tab's sessionStorage only (never localStorage, never a URL), JSON in and out, and the API's
// error envelope {"error": {"code", "message", "details"}} turned into an ApiError.

const KEY_SLOT = "pm.api_key";
let base = "";

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
  get field() { return this.details.field || this.details.header || ""; }
  // a whole route answered 404 "no route ..." (a feature this platform does not have yet)
  get routeMissing() { return this.status === 404 && /^no route /.test(this.message); }
}

export async function loadConfig() {
  try {
    const reply = await fetch("config.json", { cache: "no-cache" });
    if (reply.ok) {
      const config = await reply.json();
      if (typeof config.api_base === "string") base = config.api_base.replace(/\/+$/, "");
    }
  } catch (_) { /* no config.json: the API is on this origin */ }
  return base;
}

export const session = {
  key: () => sessionStorage.getItem(KEY_SLOT),
  set: (key) => sessionStorage.setItem(KEY_SLOT, key),
  clear: () => sessionStorage.removeItem(KEY_SLOT),
};

export function withQuery(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function call(method, path, body, key) {
  const headers = { Accept: "application/json" };
  const useKey = key || session.key();
  if (useKey) headers.Authorization = `Bearer ${useKey}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let reply;
  try {
    reply = await fetch(base + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer",
    });
  } catch (error) {
    throw new ApiError(0, "network_error", `The API could not be reached (${error.message}).`);
  }
  const text = await reply.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
  if (!reply.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(reply.status, err.code || "http_" + reply.status,
      err.message || `${method} ${path} answered ${reply.status}`, err.details);
  }
  return data;
}

export const api = {
  get: (path, query) => call("GET", withQuery(path, query)),
  post: (path, body) => call("POST", path, body === undefined ? {} : body),
  patch: (path, body) => call("PATCH", path, body),
  del: (path) => call("DELETE", path),
  check: (key) => call("GET", "/v1/tenant", undefined, key),
  base: () => base,
};
