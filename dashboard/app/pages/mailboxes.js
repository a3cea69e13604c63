// Mailboxes: GET /v1/mailboxes (status, today's sends), POST /v1/mailboxes/{id}/test (the
// connection test), GET /v1/mailboxes/{id}/warmup (warm-up day and placement; 404 = none) and
// GET /v1/analytics/health?mailbox_id= (the health score).
import { api } from "../api.js";
import { actionButton, badge, clear, fmt, h, table } from "../dom.js";

async function warmup(box) {
  try {
    const w = await api.get(`/v1/mailboxes/${encodeURIComponent(box.id)}/warmup`);
    const pct = w.last_day ? Math.round((w.day / w.last_day) * 100) : 0;
    return h("div", {}, badge(w.status), ` day ${w.day} of ${w.last_day} `,
      h("progress", { max: "100", value: String(pct), "aria-label": `Warm-up of ${box.email}: ${pct}%` }, `${pct}%`),
      h("span", { class: "hint", text: ` inbox ${fmt.pct(w.today.inbox_rate)}, bounces ${fmt.pct(w.today.bounce_rate)}` }));
  } catch (error) {
    if (error.status === 404) return h("span", { class: "hint", text: "not warming" });
    return h("span", { class: "error", text: error.message });
  }
}

async function health(box) {
  try {
    const report = await api.get("/v1/analytics/health", { mailbox_id: box.id });
    return h("span", { text: `${report.score} / 100` });
  } catch (_) {
    return h("span", { class: "hint", text: "—" });
  }
}

export async function render(root) {
  const listing = h("div", { "aria-live": "polite" });
  root.append(h("h1", { text: "Mailboxes" }), listing);
  const load = async () => {
    const boxes = (await api.get("/v1/mailboxes", { limit: 100 })).items;
    const extra = await Promise.all(boxes.map(async (b) => ({ warm: await warmup(b), score: await health(b) })));
    const rows = boxes.map((b, i) => ({ ...b, ...extra[i] }));
    clear(listing, rows.length ? table([
      { label: "Mailbox", key: "email" }, { label: "Status", render: (b) => [badge(b.status), b.pause_reason ? h("span", { class: "hint", text: ` ${b.pause_reason}` }) : null] },
      { label: "Sent today", render: (b) => `${fmt.n(b.sent_today)} / ${fmt.n(b.daily_limit)}`, num: true },
      { label: "Health score", render: (b) => b.score, num: true },
      { label: "Warm-up", render: (b) => b.warm },
      { label: "Last test", render: (b) => (b.last_test ? [badge(b.last_test.ok ? "ok" : "failed"), ` ${fmt.when(b.last_test.tested_at)}`] : "never") },
      { label: "Actions", render: (b) => actionButton(`Test ${b.email}`, async () => { await api.post(`/v1/mailboxes/${encodeURIComponent(b.id)}/test`); await load(); }, "secondary") },
    ], rows, { caption: "Mailboxes" }) : h("p", { text: "No mailboxes yet." }));
  };
  await load();
}
