// Domains: GET/POST /v1/domains; a domain's page shows GET /v1/domains/{id}/dns (the records
// to publish, each with copy buttons, and the BIND snippet) next to each record's last check
// from GET /v1/domains/{id}, and POST .../verify checks them now.
import { api } from "../api.js";
import { actionButton, actionForm, announce, badge, clear, copyButton, field, fmt, h, table } from "../dom.js";

export async function render(root, id) {
  return id ? detail(root, id) : list(root);
}

async function list(root) {
  const listing = h("div");
  const load = async () => {
    const page = await api.get("/v1/domains", { limit: 100 });
    clear(listing, page.items.length ? table([
      { label: "Domain", render: (d) => h("a", { href: `#/domains/${encodeURIComponent(d.id)}`, text: d.name }) },
      { label: "Verification", render: (d) => badge(d.status) },
      { label: "Can send", render: (d) => (d.can_send ? "yes" : "no") },
      { label: "Last checked", render: (d) => fmt.when(d.last_checked_at) },
    ], page.items, { caption: "Domains" }) : h("p", { text: "No domains yet." }));
  };
  root.append(h("h1", { text: "Domains" }),
    h("div", { class: "panel" }, h("h2", { text: "Add a sending domain" }), actionForm({ class: "stack", "aria-label": "Add a domain" }, [
      field({ label: "Domain name", name: "name", required: true, placeholder: "mail.example.com" }),
      field({ label: "DNS provider", name: "dns_provider", options: [["manual", "I publish the records myself"], ["route53", "Route 53 (published for me)"]] }),
      field({ label: "Server IPs (optional, comma separated)", name: "server_ips", hint: "Added to the SPF record." }),
      h("button", { type: "submit", text: "Add domain" }),
    ], async (values) => {
      const ips = values.server_ips ? values.server_ips.split(",").map((s) => s.trim()).filter(Boolean) : [];
      const created = await api.post("/v1/domains", { name: values.name, dns_provider: values.dns_provider, server_ips: ips });
      announce(`Domain ${created.name} added`);
      location.hash = `#/domains/${encodeURIComponent(created.id)}`;
    })),
    h("h2", { text: "Your domains" }), listing);
  await load();
}

function recordKey(r) { return `${r.kind}|${r.type}|${r.name}`.toLowerCase(); }

async function detail(root, id) {
  const path = `/v1/domains/${encodeURIComponent(id)}`;
  const [domain, dns] = await Promise.all([api.get(path), api.get(path + "/dns")]);
  const state = h("div", { "aria-live": "polite" }), records = h("div");
  const draw = (d) => {
    const checks = new Map(d.records.map((r) => [recordKey(r), r]));
    clear(state, h("p", {}, "Verification: ", badge(d.status), ` · can send: ${d.can_send ? "yes" : "no"} · last checked ${fmt.when(d.last_checked_at)}`));
    clear(records, table([
      { label: "Kind", key: "kind" }, { label: "Type", key: "type" },
      { label: "Name", render: (r) => h("div", { class: "copy-row" }, h("code", { text: r.name }), copyButton(r.name, `${r.kind} record name`)) },
      { label: "Value", render: (r) => h("div", { class: "copy-row" }, h("code", { text: r.value }), copyButton(r.value, `${r.kind} record value`)) },
      { label: "Status", render: (r) => { const c = checks.get(recordKey(r)); return c ? [badge(c.status), c.reason ? h("span", { class: "hint", text: ` ${c.reason}` }) : null] : badge("pending"); } },
    ], dns.records, { caption: `DNS records for ${d.name}` }));
  };
  root.append(h("p", {}, h("a", { href: "#/domains", text: "← All domains" })), h("h1", { text: domain.name }), state,
    h("div", { class: "row" }, actionButton("Verify now", async () => { const d = await api.post(path + "/verify"); draw(d); announce(`Verification: ${d.status}`); })),
    h("h2", { text: "Records to publish" }), records,
    h("h2", { text: "BIND zone snippet" }), h("div", { class: "copy-row" }, h("pre", { class: "mono", tabindex: "0", "aria-label": "BIND snippet", text: dns.bind }), copyButton(dns.bind, "BIND snippet")));
  draw(domain);
}
