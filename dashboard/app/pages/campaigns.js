// Campaigns: GET/POST /v1/campaigns (list, create a draft with email and wait steps),
// GET /v1/campaigns/{id} (progress from counters), POST .../enrol, .../start|pause|resume|cancel.
// The detail page subscribes to campaign:<id>: counters refresh the progress, events fill a feed;
// without the socket it polls the campaign every 3 s.
import { api } from "../api.js";
import { actionButton, actionForm, announce, badge, clear, field, fmt, h, notice, table } from "../dom.js";
import { liveOrPoll, liveStatus } from "../live.js";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const ACTIONS = {
  draft: [["start", "Start now"]], scheduled: [["start", "Start now"], ["cancel", "Cancel"]],
  sending: [["pause", "Pause"], ["cancel", "Cancel"]], paused: [["resume", "Resume"], ["cancel", "Cancel"]],
};
const STEP_COLUMNS = ["queued", "sent", "delivered", "bounced", "opened", "clicked", "replied", "unsubscribed", "complained"];

export async function render(root, id) {
  return id ? detail(root, id) : list(root);
}

async function list(root) {
  const listing = h("div");
  root.append(h("h1", { text: "Campaigns" }), await createForm(), h("h2", { text: "All campaigns" }), listing);
  let next = null;
  const rows = [];
  async function more() {
    const page = await api.get("/v1/campaigns", { limit: 50, next_token: next });
    rows.push(...page.items);
    next = page.next_token;
    clear(listing, rows.length ? table([
      { label: "Name", render: (c) => h("a", { href: `#/campaigns/${encodeURIComponent(c.id)}`, text: c.name }) },
      { label: "Status", render: (c) => badge(c.status) },
      { label: "Steps", render: (c) => String(c.steps.length), num: true },
      { label: "Created", render: (c) => fmt.when(c.created_at) },
    ], rows, { caption: "Campaigns" }) : h("p", { text: "No campaigns yet." }),
    next ? actionButton("Load more", more, "secondary") : null);
  }
  await more();
}

function stepEditor(steps) {
  const n = steps.children.length + 1;
  const kind = field({ label: `Step ${n} kind`, name: `kind_${n}`, options: [["email", "Email"], ["wait", "Wait"]] });
  const email = h("div", { class: "stack" },
    field({ label: `Step ${n} subject`, name: `subject_${n}`, value: n === 1 ? "Hello {{first_name}}" : "Following up" }),
    field({ label: `Step ${n} text`, name: `text_${n}`, type: "textarea", value: "Hi {{first_name}},\n\nA short note from us." }));
  const wait = h("div", { hidden: true }, field({ label: `Step ${n} wait (hours)`, name: `hours_${n}`, type: "number", min: "1", value: "24" }));
  kind.querySelector("select").addEventListener("change", (e) => {
    email.hidden = e.target.value !== "email";
    wait.hidden = e.target.value !== "wait";
  });
  steps.append(h("fieldset", { "data-step": String(n) }, h("legend", { text: `Step ${n}` }), kind, email, wait));
}

function readSteps(values, steps) {
  return [...steps.children].map((set) => {
    const n = set.dataset.step;
    if (values[`kind_${n}`] === "wait") return { type: "wait", hours: Number(values[`hours_${n}`]) };
    return { type: "email", subject: values[`subject_${n}`], text: values[`text_${n}`] };
  });
}

async function createForm() {
  let boxes = [];
  try { boxes = (await api.get("/v1/mailboxes", { limit: 100 })).items; } catch (_) { boxes = []; }
  const steps = h("div");
  stepEditor(steps);
  const mailboxes = h("fieldset", {}, h("legend", { text: "Send from" }),
    boxes.length ? boxes.map((box) => h("label", { class: "check" },
      h("input", { type: "checkbox", name: "mailbox_ids", value: box.id, checked: box.status === "active" }), ` ${box.email} `))
      : h("p", { class: "hint", text: "No mailboxes yet: add one on the Mailboxes page." }));
  const days = h("fieldset", {}, h("legend", { text: "Sending days" }),
    DAYS.map((d) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "weekdays", value: d, checked: true }), ` ${d} `)));
  const form = actionForm({ class: "stack", "aria-label": "New campaign" }, [
    field({ label: "Name", name: "name", required: true }),
    mailboxes,
    h("div", { class: "row" },
      field({ label: "Window opens", name: "start", type: "time", value: "00:00" }),
      field({ label: "Window closes", name: "end", type: "time", value: "23:59" }),
      field({ label: "Time zone", name: "time_zone", value: "UTC" })),
    days, steps,
    h("div", { class: "row" }, h("button", { type: "button", class: "secondary", text: "Add a step", onclick: () => stepEditor(steps) }),
      h("button", { type: "submit", text: "Create draft" })),
  ], async (values, self) => {
    const data = new FormData(self);
    const body = {
      name: values.name, steps: readSteps(values, steps),
      settings: { mailbox_ids: data.getAll("mailbox_ids"), window: { start: values.start, end: values.end, time_zone: values.time_zone, weekdays: data.getAll("weekdays") } },
    };
    const created = await api.post("/v1/campaigns", body);
    announce(`Campaign ${created.name} created`);
    location.hash = `#/campaigns/${encodeURIComponent(created.id)}`;
  });
  return h("details", { class: "panel" }, h("summary", { text: "New campaign" }), form);
}

function progressView(campaign) {
  const p = campaign.progress;
  return [
    h("ul", { class: "tiles", "aria-label": "Progress" }, [["enrolled", "Enrolled"], ["active", "Active"], ["finished", "Finished"], ["stopped", "Stopped"]]
      .map(([k, label]) => h("li", {}, h("span", { class: "value", "data-counter": k, text: fmt.n(p[k]) }), h("span", { class: "label", text: label })))),
    p.steps.length ? table([{ label: "Email step", render: (s) => String(s.step) }, { label: "Waiting", key: "waiting", num: true },
      ...STEP_COLUMNS.map((k) => ({ label: k[0].toUpperCase() + k.slice(1), render: (s) => fmt.n(s[k]), num: true }))], p.steps, { caption: "Progress per step" }) : null,
  ];
}

async function detail(root, id) {
  let campaign = await api.get(`/v1/campaigns/${encodeURIComponent(id)}`);
  const head = h("div"), progress = h("div", { "aria-live": "polite", "aria-atomic": "false" });
  const feed = h("ol", { class: "feed", "aria-live": "polite", "aria-label": "Message events" });
  const status = liveStatus();
  const draw = () => {
    clear(head, h("p", {}, "Status: ", badge(campaign.status), ` · started ${fmt.when(campaign.started_at)}`),
      h("div", { class: "row" }, (ACTIONS[campaign.status] || []).map(([action, text]) =>
        actionButton(text, async () => { campaign = { ...campaign, ...(await api.post(`/v1/campaigns/${encodeURIComponent(id)}/${action}`)) }; announce(`Campaign ${campaign.status}`); draw(); }, action === "cancel" ? "danger" : null))));
    clear(progress, progressView(campaign));
  };
  const refresh = async () => { campaign = await api.get(`/v1/campaigns/${encodeURIComponent(id)}`); draw(); };
  root.append(h("p", {}, h("a", { href: "#/campaigns", text: "← All campaigns" })), h("h1", { text: campaign.name }), head,
    h("h2", { text: "Progress" }), status, progress, await enrolForm(id, refresh),
    h("h2", { text: "Message events" }), feed);
  draw();
  return liveOrPoll({ topics: [`campaign:${id}`], status, poll: refresh, every: 3000,
    onMessage: (msg) => {
      if (msg.type === "counters") { campaign = { ...campaign, progress: { ...campaign.progress, ...msg.counters } }; draw(); }
      if (msg.type === "event") {
        const e = msg.event;
        feed.prepend(h("li", {}, `${fmt.when(e.occurred_at)} · ${e.type}${e.message_id ? ` · ${e.message_id}` : ""}${e.to ? ` · ${e.to}` : ""}`));
        while (feed.children.length > 200) feed.lastChild.remove();
        if (/^campaign\./.test(e.type)) refresh().catch(() => {});
      }
    } });
}

async function enrolForm(id, refresh) {
  let lists = [];
  try { lists = (await api.get("/v1/lists", { limit: 100 })).items; } catch (_) { lists = []; }
  if (!lists.length) return h("p", { class: "hint", text: "Create a contact list (Contacts page) to enrol contacts." });
  const result = h("p", { role: "status" });
  return h("div", { class: "panel" }, actionForm({ class: "row", "aria-label": "Enrol a list" }, [
    field({ label: "Enrol the contacts of list", name: "list_id", options: lists.map((l) => [l.id, l.name]) }),
    h("button", { type: "submit", text: "Enrol" }),
  ], async (values) => {
    const r = await api.post(`/v1/campaigns/${encodeURIComponent(id)}/enrol`, { list_ids: [values.list_id] });
    result.textContent = `Enrolled ${r.enrolled}; already enrolled ${r.already_enrolled}; suppressed ${r.skipped_suppressed}; inactive ${r.skipped_inactive}.`;
    await refresh();
  }), result);
}
