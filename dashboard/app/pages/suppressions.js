// Suppressions: GET /v1/suppressions (paged, address order), POST /v1/suppressions,
// DELETE /v1/suppressions/{address} (tenant list only) and GET /v1/suppressions/{address}.
import { api } from "../api.js";
import { actionButton, actionForm, announce, badge, clear, field, fmt, h, table } from "../dom.js";

export async function render(root) {
  const listing = h("div"), lookup = h("p", { role: "status" });
  let next = null;
  const rows = [];
  const load = async (more = false) => {
    if (!more) { rows.length = 0; next = null; }
    const page = await api.get("/v1/suppressions", { limit: 50, next_token: next });
    rows.push(...page.items);
    next = page.next_token;
    clear(listing, rows.length ? table([
      { label: "Address", key: "address" }, { label: "Scope", render: (s) => badge(s.scope) }, { label: "Reason", key: "reason" },
      { label: "Source", key: "source" }, { label: "Since", render: (s) => fmt.when(s.created_at) },
      { label: "Actions", render: (s) => (s.scope === "tenant" ? actionButton(`Allow ${s.address}`, async () => {
        await api.del(`/v1/suppressions/${encodeURIComponent(s.address)}`); announce(`${s.address} allowed again`); await load(); }, "danger") : "—") },
    ], rows, { caption: "Suppressed addresses" }) : h("p", { text: "No suppressed addresses." }),
    next ? actionButton("Load more", () => load(true), "secondary") : null);
  };
  root.append(h("h1", { text: "Suppressions" }),
    h("div", { class: "panel" }, actionForm({ class: "row", "aria-label": "Suppress an address" }, [
      field({ label: "Address to suppress", name: "address", type: "email", required: true }), field({ label: "Reason", name: "reason" }),
      h("button", { type: "submit", text: "Suppress" }),
    ], async (v) => { await api.post("/v1/suppressions", { address: v.address, reason: v.reason || null }); announce(`${v.address} suppressed`); await load(); }),
    actionForm({ class: "row", "aria-label": "Look up an address" }, [
      field({ label: "Is this address suppressed?", name: "address", type: "email", required: true }), h("button", { type: "submit", class: "secondary", text: "Look up" }),
    ], async (v) => {
      try {
        const s = await api.get(`/v1/suppressions/${encodeURIComponent(v.address)}`);
        lookup.textContent = `${s.address} is suppressed (${s.scope}): ${s.reason}.`;
      } catch (error) {
        if (error.status !== 404) throw error;
        lookup.textContent = `${v.address} is not suppressed.`;
      }
    }), lookup),
    listing);
  await load();
}
