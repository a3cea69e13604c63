// Alerts: GET /v1/alerts (newest day first; filters kind and status), each with its action,
// outcome and the inputs that raised it.
import { api } from "../api.js";
import { actionButton, badge, clear, field, fmt, h, table } from "../dom.js";

export async function render(root) {
  const listing = h("div");
  const status = field({ label: "Show", name: "status", options: [["", "All alerts"], ["open", "Open"], ["resolved", "Resolved"]] });
  let next = null;
  const rows = [];
  const load = async (more = false) => {
    if (!more) { rows.length = 0; next = null; }
    const page = await api.get("/v1/alerts", { limit: 50, next_token: next, status: status.querySelector("select").value });
    rows.push(...page.items);
    next = page.next_token;
    clear(listing, rows.length ? table([
      { label: "Raised", render: (a) => fmt.when(a.raised_at) }, { label: "Severity", render: (a) => badge(a.severity) },
      { label: "Kind", render: (a) => a.kind.replace(/_/g, " ") }, { label: "Scope", render: (a) => h("code", { text: a.scope }) },
      { label: "Message", key: "message" }, { label: "Action", render: (a) => `${a.action.replace(/_/g, " ")}: ${a.outcome}` },
      { label: "Status", render: (a) => badge(a.status) },
    ], rows, { caption: "Alerts" }) : h("p", { text: "No alerts." }),
    next ? actionButton("Load more", () => load(true), "secondary") : null);
  };
  status.querySelector("select").addEventListener("change", () => load());
  root.append(h("h1", { text: "Alerts" }), h("div", { class: "row" }, status), listing);
  await load();
}
