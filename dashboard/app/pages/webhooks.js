// Webhooks (issue 16 contract): GET/POST /v1/webhooks, PATCH/DELETE /v1/webhooks/{id},
// POST .../rotate-secret, .../test, GET .../deliveries, POST .../replay {from, to, types} and
// GET .../replays/{job_id} (polled each second until done). A platform without the feature
// answers 404 "no route": the page says so instead of failing.
import { api } from "../api.js";
import { actionButton, actionForm, announce, badge, clear, copyButton, field, fmt, h, notice, table } from "../dom.js";

const unavailable = () => notice("Webhooks are not available on this platform yet: the API has no /v1/webhooks route. This page works once the webhooks feature is deployed.", "info");

export async function render(root, id) {
  root.append(h("h1", { text: "Webhooks" }));
  try {
    return id ? await detail(root, id) : await list(root);
  } catch (error) {
    if (!error.routeMissing) throw error;
    root.append(unavailable());
  }
}

function secretBox(secret) {
  return h("div", { class: "notice", role: "status" },
    h("p", { text: "Signing secret, shown this once: keep it where your receiver can read it." }),
    h("div", { class: "copy-row" }, h("code", { class: "secret", text: secret }), copyButton(secret, "signing secret")));
}

async function list(root) {
  const page = await api.get("/v1/webhooks");
  const listing = h("div"), created = h("div", { "aria-live": "polite" });
  const draw = (items) => clear(listing, items.length ? table([
    { label: "URL", render: (w) => h("a", { href: `#/webhooks/${encodeURIComponent(w.id)}`, text: w.url }) },
    { label: "Events", render: (w) => (w.event_types && w.event_types.length ? w.event_types.join(", ") : "all") },
    { label: "Enabled", render: (w) => badge(w.enabled ? "enabled" : "disabled") },
    { label: "Created", render: (w) => fmt.when(w.created_at) },
  ], items, { caption: "Webhook endpoints" }) : h("p", { text: "No webhook endpoints yet." }));
  root.append(h("div", { class: "panel" }, h("h2", { text: "Add an endpoint" }), actionForm({ class: "stack", "aria-label": "Add a webhook endpoint" }, [
    field({ label: "Endpoint URL", name: "url", type: "url", required: true, placeholder: "https://example.com/hooks/penguinmails" }),
    field({ label: "Event types (comma separated; empty = every event)", name: "event_types", placeholder: "message.delivered, message.bounced" }),
    field({ label: "Description", name: "description" }),
    h("button", { type: "submit", text: "Add endpoint" }),
  ], async (v) => {
    const types = v.event_types ? v.event_types.split(",").map((s) => s.trim()).filter(Boolean) : [];
    const hook = await api.post("/v1/webhooks", { url: v.url, event_types: types, description: v.description || undefined });
    clear(created, hook.secret ? secretBox(hook.secret) : null, h("p", {}, h("a", { href: `#/webhooks/${encodeURIComponent(hook.id)}`, text: `Open ${hook.url}` })));
    announce("Webhook endpoint added");
    draw((await api.get("/v1/webhooks")).items || []);
  }), created), h("h2", { text: "Endpoints" }), listing);
  draw(page.items || []);
}

async function detail(root, id) {
  const path = `/v1/webhooks/${encodeURIComponent(id)}`;
  let hook = await api.get(path);
  const head = h("div"), extra = h("div", { "aria-live": "polite" }), deliveries = h("div"), replay = h("div", { "aria-live": "polite" });
  let timer = null;
  const draw = () => clear(head, h("p", {}, h("code", { text: hook.url }), " ", badge(hook.enabled ? "enabled" : "disabled")),
    h("p", { class: "hint", text: `Events: ${hook.event_types && hook.event_types.length ? hook.event_types.join(", ") : "all"}` }),
    h("div", { class: "row" },
      actionButton(hook.enabled ? "Disable" : "Enable", async () => { hook = await api.patch(path, { enabled: !hook.enabled }); draw(); announce(hook.enabled ? "Enabled" : "Disabled"); }, "secondary"),
      actionButton("Send a test event", async () => { await api.post(path + "/test"); announce("Test event sent"); await loadDeliveries(); }, "secondary"),
      actionButton("Rotate secret", async () => { const r = await api.post(path + "/rotate-secret"); clear(extra, r.secret ? secretBox(r.secret) : null); }, "secondary"),
      actionButton("Delete endpoint", async () => { await api.del(path); location.hash = "#/webhooks"; }, "danger")));
  const loadDeliveries = async () => {
    const page = await api.get(path + "/deliveries", { limit: 50 });
    const items = page.items || [];
    clear(deliveries, items.length ? table([
      { label: "Event", render: (d) => [d.event_type, h("br"), h("code", { text: d.event_id })] }, { label: "Status", render: (d) => badge(d.status) },
      { label: "Attempts", key: "attempts", num: true }, { label: "Response", render: (d) => (d.response_code ? `${d.response_code} in ${d.response_ms} ms` : "—") },
      { label: "Next attempt", render: (d) => fmt.when(d.next_attempt_at) },
    ], items, { caption: "Deliveries" }) : h("p", { text: "No deliveries yet." }),
    actionButton("Refresh deliveries", loadDeliveries, "secondary"));
  };
  const watch = (job) => {
    clearInterval(timer);
    const show = (j) => {
      const p = j.progress || { total: 0, done: 0 };
      clear(replay, h("p", {}, "Replay: ", badge(j.status), ` ${fmt.n(p.done)} of ${fmt.n(p.total)} events`),
        h("progress", { max: String(p.total || 1), value: String(p.done), "aria-label": "Replay progress" }));
      if (!["queued", "running", "pending"].includes(j.status)) { clearInterval(timer); announce(`Replay ${j.status}`); loadDeliveries().catch(() => {}); }
    };
    show(job);
    timer = setInterval(async () => { try { show(await api.get(`${path}/replays/${encodeURIComponent(job.id)}`)); } catch (_) { clearInterval(timer); } }, 1000);
  };
  const hourAgo = new Date(Date.now() - 3600000), now = new Date();
  const local = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  root.append(h("p", {}, h("a", { href: "#/webhooks", text: "← All endpoints" })), head, extra,
    h("h2", { text: "Deliveries" }), deliveries,
    h("h2", { text: "Replay past events" }), actionForm({ class: "stack", "aria-label": "Replay events" }, [
      h("div", { class: "row" }, field({ label: "From", name: "from", type: "datetime-local", required: true, value: local(hourAgo) }),
        field({ label: "To", name: "to", type: "datetime-local", required: true, value: local(now) })),
      field({ label: "Event types (comma separated; empty = the endpoint's)", name: "types" }),
      h("button", { type: "submit", text: "Replay" }),
    ], async (v) => {
      const types = v.types ? v.types.split(",").map((s) => s.trim()).filter(Boolean) : [];
      const job = await api.post(path + "/replay", { from: new Date(v.from).toISOString(), to: new Date(v.to).toISOString(), types });
      watch(job);
    }), replay);
  draw();
  await loadDeliveries();
  return () => clearInterval(timer);
}
