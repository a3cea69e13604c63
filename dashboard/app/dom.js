// Small DOM helpers: elements built with text (never HTML from data), tables, badges,
// copy buttons, notices, number and date formats, and the polite announcer.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "text") el.textContent = value;
    else if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name in el && typeof value !== "string") el[name] = value;
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let uid = 0;
export const nextId = (prefix) => `${prefix}-${++uid}`;

// a labelled input: {label, name, type, value, required, hint, options: [[value, text]]}
export function field(spec) {
  const id = nextId(spec.name || "f");
  const hintId = spec.hint ? id + "-hint" : undefined;
  let control;
  if (spec.options) {
    control = h("select", { id, name: spec.name, required: spec.required, "aria-describedby": hintId },
      spec.options.map(([value, text]) => h("option", { value, selected: value === spec.value }, text)));
  } else if (spec.type === "textarea") {
    control = h("textarea", { id, name: spec.name, required: spec.required, "aria-describedby": hintId, rows: spec.rows || 4 });
    control.value = spec.value || "";
  } else {
    control = h("input", {
      id, name: spec.name, type: spec.type || "text", required: spec.required, placeholder: spec.placeholder,
      value: spec.value, min: spec.min, max: spec.max, accept: spec.accept, autocomplete: spec.autocomplete || "off",
      inputmode: spec.inputmode, "aria-describedby": hintId,
    });
  }
  return h("div", { class: "field" }, h("label", { for: id, text: spec.label }), control,
    spec.hint ? h("p", { id: hintId, class: "hint", text: spec.hint }) : null);
}

export function formValues(form) {
  const out = {};
  for (const [name, value] of new FormData(form).entries()) out[name] = typeof value === "string" ? value.trim() : value;
  return out;
}

export function table(columns, rows, opts = {}) {
  const head = h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : null, text: c.label }))));
  const body = h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((c) => {
    const value = c.render ? c.render(row) : row[c.key];
    return h("td", { class: c.num ? "num" : null, "data-label": c.label }, value === null || value === undefined ? "—" : value);
  }))));
  const caption = opts.caption ? h("caption", { class: opts.captionVisible ? null : "visually-hidden", text: opts.caption }) : null;
  return h("div", { class: "table-wrap" }, h("table", { class: opts.cards === false ? null : "cards" }, caption, head, body));
}

const TONES = {
  ok: ["verified", "active", "ready", "succeeded", "completed", "sending", "delivered", "sent", "ok", "resolved", "enabled"],
  warn: ["pending", "running", "warming", "paused", "provisioning", "queued", "scheduled", "deferred", "rolling_back", "decommissioning", "warning", "draft", "open"],
  bad: ["failed", "error", "bounced", "critical", "rolled_back", "cancelled", "complained", "disabled", "parked", "down"],
};
export function badge(status) {
  const text = String(status ?? "—");
  const tone = Object.keys(TONES).find((k) => TONES[k].includes(text)) || "muted";
  return h("span", { class: `badge ${tone}`, text: text.replace(/_/g, " ") });
}

export function notice(text, tone = "warn") {
  return h("div", { class: `notice ${tone}`, role: tone === "bad" ? "alert" : "status" }, text);
}

export function copyButton(value, what) {
  const button = h("button", { type: "button", class: "secondary", "aria-label": `Copy ${what}`, text: "Copy" });
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(value);
      announce(`${what} copied`);
      button.textContent = "Copied";
    } catch (_) {
      announce(`Could not copy; select the ${what} and copy it by hand`);
    }
    setTimeout(() => { button.textContent = "Copy"; }, 2000);
  });
  return button;
}

export function announce(text) {
  const live = document.getElementById("announcer");
  if (!live) return;
  live.textContent = "";
  setTimeout(() => { live.textContent = text; }, 30);
}

export const fmt = {
  n: (v) => (v === null || v === undefined ? "—" : Number(v).toLocaleString("en")),
  pct: (v) => (v === null || v === undefined ? "—" : `${(Number(v) * 100).toFixed(1)}%`),
  when: (iso) => (iso ? new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" }) : "—"),
  day: (iso) => (iso ? String(iso).slice(0, 10) : "—"),
};

export function errorText(error) {
  if (!error) return "";
  const field = error.field ? ` (field: ${error.field})` : "";
  return `${error.message}${field}`;
}

// a form whose submit runs `action(values)`, disabling the button and showing errors inline
export function actionForm(attrs, children, action) {
  const status = h("p", { class: "error", role: "alert" });
  const form = h("form", { ...attrs, novalidate: false }, children, status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    status.textContent = "";
    if (button) button.disabled = true;
    try {
      await action(formValues(form), form);
    } catch (error) {
      status.textContent = errorText(error);
    } finally {
      if (button) button.disabled = false;
    }
  });
  return form;
}

// a button that runs an async action, with its error shown next to it
export function actionButton(text, action, cls) {
  const out = h("span", { class: "action" });
  const status = h("span", { class: "error", role: "alert" });
  const button = h("button", { type: "button", class: cls, text });
  button.addEventListener("click", async () => {
    status.textContent = "";
    button.disabled = true;
    try { await action(); } catch (error) { status.textContent = " " + errorText(error); } finally { button.disabled = false; }
  });
  out.append(button, status);
  return out;
}
