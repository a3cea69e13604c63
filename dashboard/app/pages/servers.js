// Servers: GET /v1/servers, POST /v1/servers (provision: VPS, MailU, mailboxes, DNS, TLS) and
// GET /v1/servers/{id} with every step. Steps have no push event of their own: any tenant
// event over the socket refreshes the list, and while a server is provisioning, rolling back
// or decommissioning the page also polls every 2 s.
import { api } from "../api.js";
import { actionForm, announce, badge, clear, field, fmt, h } from "../dom.js";
import { liveOrPoll, liveStatus } from "../live.js";

const BUSY = ["provisioning", "rolling_back", "decommissioning"];

function serverCard(s) {
  return h("article", { class: "panel", "aria-labelledby": `srv-${s.id}` },
    h("h3", { id: `srv-${s.id}` }, `${s.hostname || s.domain} `, badge(s.status)),
    h("p", { class: "hint", text: `${s.region} · ${s.size} · IP ${s.ip || "not yet"} · created ${fmt.when(s.created_at)}` }),
    h("ol", { class: "steps", "aria-label": `Provisioning steps of ${s.hostname || s.domain}` }, s.steps.map((step) =>
      h("li", {}, badge(step.status), ` ${step.name.replace(/_/g, " ")}`,
        step.attempts > 1 ? h("span", { class: "hint", text: ` (${step.attempts} attempts)` }) : null,
        step.error ? h("span", { class: "error", text: ` ${step.error.message || JSON.stringify(step.error)}` }) : null))),
    s.failure ? h("p", { class: "error", text: `Failed: ${s.failure.message || JSON.stringify(s.failure)}` }) : null);
}

export async function render(root) {
  const listing = h("div", { "aria-live": "polite" });
  const status = liveStatus();
  let busy = false;
  const load = async () => {
    const page = await api.get("/v1/servers", { limit: 50 });
    busy = page.items.some((s) => BUSY.includes(s.status));
    clear(listing, page.items.length ? page.items.map(serverCard) : h("p", { text: "No servers yet." }));
  };
  root.append(h("h1", { text: "Servers" }),
    h("details", { class: "panel" }, h("summary", { text: "Provision a server" }), actionForm({ class: "stack", "aria-label": "Provision a server" }, [
      field({ label: "Domain", name: "domain", required: true, placeholder: "mail.example.com" }),
      h("div", { class: "row" }, field({ label: "Region", name: "region", required: true, value: "us-east-1" }), field({ label: "Size", name: "size", required: true, value: "small" })),
      field({ label: "Mailbox names (comma separated)", name: "boxes", required: true, value: "hello", hint: "The part before the @." }),
      field({ label: "Warm-up plan", name: "warmup_plan", options: [["", "No warm-up"], ["conservative", "Conservative"], ["standard", "Standard"], ["aggressive", "Aggressive"]] }),
      h("button", { type: "submit", text: "Provision" }),
    ], async (v) => {
      const mailboxes = v.boxes.split(",").map((s) => s.trim()).filter(Boolean).map((local_part) => ({ local_part }));
      await api.post("/v1/servers", { domain: v.domain, region: v.region, size: v.size, mailboxes, warmup_plan: v.warmup_plan || null });
      announce("Provisioning started");
      await load();
    })),
    status, listing);
  await load();
  const stop = liveOrPoll({ topics: ["tenant"], status, every: 10000, poll: load, onMessage: () => load().catch(() => {}) });
  const fast = setInterval(() => { if (busy) load().catch(() => {}); }, 2000);
  return () => { stop(); clearInterval(fast); };
}
