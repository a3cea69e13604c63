// Overview: GET /v1/analytics/overview (totals and rates) and GET /v1/analytics/timeseries
// (one metric per day) as charts; tenant counters pushed over the socket refresh the totals.
import { api } from "../api.js";
import { lineChart } from "../charts.js";
import { clear, field, fmt, h, notice, errorText } from "../dom.js";
import { liveOrPoll, liveStatus } from "../live.js";

const CHARTS = [
  ["Sends", [["sent", "Sent"]]],
  ["Delivery", [["delivered", "Delivered"]]],
  ["Opens", [["opens_human", "Human"], ["opens_machine", "Machine"]]],
  ["Clicks", [["clicks_human", "Human"], ["clicks_machine", "Machine"]]],
  ["Replies", [["replies", "Replies"]]],
  ["Bounces", [["bounced", "Bounced"]]],
];
const TILES = [
  ["sent", "Sent"], ["delivered", "Delivered"], ["bounced", "Bounced"], ["opens_human", "Human opens"],
  ["opens_machine", "Machine opens"], ["clicks_human", "Human clicks"], ["replies", "Replies"],
  ["complaints", "Complaints"], ["unsubscribes", "Unsubscribes"],
];
const RATES = [["delivery_rate", "Delivery rate"], ["open_rate", "Open rate"], ["click_rate", "Click rate"],
  ["reply_rate", "Reply rate"], ["bounce_rate", "Bounce rate"], ["spam_rate", "Spam rate"]];

function range(days) {
  const to = new Date();
  const from = new Date(to.getTime() - (days - 1) * 86400000);
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
}

function tiles(counts, rates) {
  return h("ul", { class: "tiles", "aria-label": "Totals" },
    TILES.map(([key, label]) => h("li", {}, h("span", { class: "value", text: fmt.n(counts[key]) }), h("span", { class: "label", text: label }))),
    RATES.map(([key, label]) => h("li", {}, h("span", { class: "value", text: fmt.pct(rates[key]) }), h("span", { class: "label", text: label }))));
}

export async function render(root) {
  const totals = h("div", { "aria-live": "polite" });
  const charts = h("div", { class: "charts" });
  const status = liveStatus();
  const days = field({ label: "Range", name: "days", value: "30", options: [["7", "Last 7 days"], ["30", "Last 30 days"], ["90", "Last 90 days"]] });
  const select = days.querySelector("select");
  root.append(h("h1", { text: "Overview" }), h("div", { class: "row" }, days), status,
    h("h2", { text: "Totals" }), totals, h("h2", { text: "Over time" }), charts);

  async function loadTotals() {
    const span = range(Number(select.value));
    const overview = await api.get("/v1/analytics/overview", span);
    clear(totals, h("p", { class: "hint", text: `${overview.from} to ${overview.to}` }), tiles(overview.counts, overview.rates));
  }

  async function loadCharts() {
    const span = range(Number(select.value));
    const figures = await Promise.all(CHARTS.map(async ([title, metrics]) => {
      const series = await Promise.all(metrics.map(async ([metric, name]) => {
        const reply = await api.get("/v1/analytics/timeseries", { metric, group_by: "day", ...span });
        return { name, points: reply.points };
      }));
      return lineChart(title, series);
    }));
    clear(charts, figures);
  }

  async function load() {
    try {
      await Promise.all([loadTotals(), loadCharts()]);
    } catch (error) {
      if (error.status === 401) throw error;
      clear(totals, notice(`Analytics could not be read: ${errorText(error)}`, "bad"));
    }
  }

  select.addEventListener("change", load);
  await load();
  return liveOrPoll({ topics: ["tenant"], status, every: 30000, poll: loadTotals,
    onMessage: (msg) => { if (msg.type === "counters") loadTotals().catch(() => {}); } });
}
