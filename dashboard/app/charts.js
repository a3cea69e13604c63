// Hand-written SVG line charts (one or two series over the same periods), each with a table
// alternative: the chart is role="img" with a summary label, the numbers are in the table.
import { h, fmt, table } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const W = 320, H = 160, PAD = { l: 36, r: 8, t: 10, b: 24 };

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.append(c);
  return el;
}

function ticks(max) {
  if (max <= 0) return [0, 1];
  const step = Math.pow(10, Math.floor(Math.log10(max)));
  const top = Math.ceil(max / step) * step;
  return [0, top / 2, top];
}

// series: [{name, points: [{period, value}]}], the periods of the first series are the x axis
export function lineChart(title, series, opts = {}) {
  const periods = series[0].points.map((p) => p.period);
  const values = series.flatMap((one) => one.points.map((p) => Number(p.value) || 0));
  const yt = ticks(Math.max(0, ...values));
  const top = yt[yt.length - 1] || 1;
  const x = (i) => PAD.l + (periods.length < 2 ? 0 : (i * (W - PAD.l - PAD.r)) / (periods.length - 1));
  const y = (v) => H - PAD.b - ((Number(v) || 0) / top) * (H - PAD.t - PAD.b);
  const label = opts.format || fmt.n;
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": summary(title, series, label), focusable: "false" });
  for (const t of yt) {
    svg.append(s("line", { class: "grid", x1: PAD.l, x2: W - PAD.r, y1: y(t), y2: y(t) }));
    const text = s("text", { x: PAD.l - 4, y: y(t) + 4, "text-anchor": "end" });
    text.textContent = label(t);
    svg.append(text);
  }
  svg.append(s("line", { class: "axis", x1: PAD.l, x2: W - PAD.r, y1: H - PAD.b, y2: H - PAD.b }));
  for (const i of [0, periods.length - 1]) {
    if (i < 0 || periods[i] === undefined) continue;
    const text = s("text", { x: x(i), y: H - 6, "text-anchor": i === 0 ? "start" : "end" });
    text.textContent = periods[i];
    svg.append(text);
  }
  series.forEach((one, n) => {
    const d = one.points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
    if (d) svg.append(s("path", { class: `line s${n + 1}`, d, style: "fill:none" }));
    if (one.points.length === 1) svg.append(s("circle", { class: `s${n + 1}`, cx: x(0), cy: y(one.points[0].value), r: 3 }));
  });
  const legend = series.length > 1 ? h("ul", { class: "legend" }, series.map((one, n) =>
    h("li", {}, h("span", { class: `swatch s${n + 1}`, "aria-hidden": "true" }), one.name))) : null;
  const rows = periods.map((period, i) => Object.fromEntries([["period", period],
    ...series.map((one, n) => [`v${n}`, label(one.points[i] ? one.points[i].value : null)])]));
  const columns = [{ key: "period", label: "Period" }, ...series.map((one, n) => ({ key: `v${n}`, label: one.name, num: true }))];
  return h("figure", { class: "chart" },
    h("figcaption", { text: title }), legend, svg,
    h("details", {}, h("summary", { text: `${title}: show as a table` }), table(columns, rows, { caption: title, cards: false })));
}

function summary(title, series, label) {
  const parts = series.map((one) => {
    const total = one.points.reduce((sum, p) => sum + (Number(p.value) || 0), 0);
    const last = one.points.length ? one.points[one.points.length - 1].value : null;
    return `${one.name}: total ${label(total)}, latest ${label(last)}`;
  });
  return `${title}. ${parts.join("; ")}. The table below the chart has every value.`;
}
