// Contacts and imports: GET/POST /v1/contacts, GET/POST /v1/lists, and CSV imports
// (POST /v1/imports {csv, filename, list_id}, then GET /v1/imports/{id} every second until it
// completes or fails: imports have no push, so this page polls).
import { api } from "../api.js";
import { actionButton, actionForm, announce, badge, clear, field, fmt, h, table } from "../dom.js";

const MAX_INLINE = 5 * 1024 * 1024;

export async function render(root) {
  const lists = h("div"), contacts = h("div"), imports = h("div"), progress = h("div", { "aria-live": "polite" });
  let timer = null;
  root.append(h("h1", { text: "Contacts & imports" }),
    h("h2", { text: "Import a CSV" }), h("p", { class: "hint", text: "A header row names the columns: email, first_name, last_name, company, time_zone, tags, or your custom fields." }),
    h("div", { id: "import-form" }), progress, h("h2", { text: "Recent imports" }), imports,
    h("h2", { text: "Lists" }), lists, h("h2", { text: "Contacts" }), contacts);

  async function loadLists() {
    const page = await api.get("/v1/lists", { limit: 100 });
    clear(lists, page.items.length ? table([{ label: "Name", key: "name" }, { label: "Id", render: (l) => h("code", { text: l.id }) },
      { label: "Created", render: (l) => fmt.when(l.created_at) }], page.items, { caption: "Lists" }) : h("p", { text: "No lists yet." }),
      actionForm({ class: "row", "aria-label": "New list" }, [field({ label: "New list name", name: "name", required: true }), h("button", { type: "submit", text: "Create list" })],
        async (values) => { await api.post("/v1/lists", { name: values.name }); announce("List created"); await Promise.all([loadLists(), drawImportForm()]); }));
    return page.items;
  }

  async function drawImportForm() {
    const known = (await api.get("/v1/lists", { limit: 100 })).items;
    const slot = root.querySelector("#import-form");
    clear(slot, actionForm({ class: "stack", "aria-label": "Import contacts" }, [
      field({ label: "CSV file", name: "file", type: "file", accept: ".csv,text/csv", required: true }),
      field({ label: "Add everyone to list", name: "list_id", options: [["", "(no list)"], ...known.map((l) => [l.id, l.name])] }),
      h("button", { type: "submit", text: "Import" }),
    ], async (_values, form) => {
      const file = form.querySelector("input[type=file]").files[0];
      if (!file) throw new Error("Choose a CSV file.");
      if (file.size > MAX_INLINE) throw new Error("The file is over 5 MB; split it or use the API's upload flow.");
      const listId = form.querySelector("select").value;
      const job = await api.post("/v1/imports", { csv: await file.text(), filename: file.name, list_id: listId || null });
      announce("Import started");
      watch(job.id);
    }));
  }

  function showJob(job) {
    const done = job.rows_total ? Math.round((job.rows_done / job.rows_total) * 100) : (job.status === "completed" ? 100 : 0);
    clear(progress, h("div", { class: "panel" },
      h("p", {}, `Import ${job.filename || job.id}: `, badge(job.status)),
      h("label", { for: "import-progress", text: `Rows ${fmt.n(job.rows_done)} of ${fmt.n(job.rows_total)}` }),
      h("progress", { id: "import-progress", max: "100", value: String(done) }, `${done}%`),
      h("p", { text: `Created ${job.created}, updated ${job.updated}, unchanged ${job.unchanged}, rejected ${job.rejected}.` }),
      job.error ? h("p", { class: "error", text: job.error.message }) : null,
      job.notes.length ? h("ul", {}, job.notes.map((n) => h("li", { text: n }))) : null));
  }

  function watch(importId) {
    clearInterval(timer);
    const tick = async () => {
      const job = await api.get(`/v1/imports/${encodeURIComponent(importId)}`);
      showJob(job);
      if (job.status === "completed" || job.status === "failed") {
        clearInterval(timer);
        announce(`Import ${job.status}`);
        await Promise.all([loadImports(), loadContacts()]);
      }
    };
    tick().catch(() => {});
    timer = setInterval(() => tick().catch(() => {}), 1000);
  }

  async function loadImports() {
    const page = await api.get("/v1/imports", { limit: 10 });
    clear(imports, page.items.length ? table([{ label: "File", render: (j) => j.filename || j.id }, { label: "Status", render: (j) => badge(j.status) },
      { label: "Rows", render: (j) => `${fmt.n(j.rows_done)} / ${fmt.n(j.rows_total)}`, num: true }, { label: "Rejected", key: "rejected", num: true },
      { label: "Created", render: (j) => fmt.when(j.created_at) }], page.items, { caption: "Recent imports" }) : h("p", { text: "No imports yet." }));
  }

  let next = null;
  const rows = [];
  async function loadContacts(more = false) {
    if (!more) { rows.length = 0; next = null; }
    const page = await api.get("/v1/contacts", { limit: 50, next_token: next });
    rows.push(...page.items);
    next = page.next_token;
    clear(contacts, actionForm({ class: "row", "aria-label": "New contact" }, [
      field({ label: "Email", name: "email", type: "email", required: true }), field({ label: "First name", name: "first_name" }),
      h("button", { type: "submit", text: "Add contact" }),
    ], async (values) => { await api.post("/v1/contacts", { email: values.email, first_name: values.first_name || null }); announce("Contact added"); await loadContacts(); }),
    rows.length ? table([{ label: "Email", key: "email" }, { label: "Name", render: (c) => [c.first_name, c.last_name].filter(Boolean).join(" ") || "—" },
      { label: "Status", render: (c) => badge(c.status) }, { label: "Tags", render: (c) => c.tags.join(", ") || "—" }], rows, { caption: "Contacts" }) : h("p", { text: "No contacts yet." }),
    next ? actionButton("Load more", () => loadContacts(true), "secondary") : null);
  }

  await Promise.all([loadLists(), drawImportForm(), loadImports(), loadContacts()]);
  return () => clearInterval(timer);
}
