// Live updates over the realtime WebSocket (issue 16 contract): POST /v1/realtime/tickets ->
// open the socket at the ticket's url (no credentials in it) -> {"action":"auth","ticket"} ->
// subscribe to topics. When the route or the socket is not there, the page polls instead:
// `liveOrPoll` runs `poll` every `every` ms until the socket is live, and again if it drops.
import { api } from "./api.js";
import { h } from "./dom.js";

const PING_MS = 25000;
const RETRIES = 3;

export function openLive(topics, onMessage, onState) {
  let ws = null, closed = false, tries = 0, pinger = null;
  const state = (name, detail) => { if (!closed) onState(name, detail); };

  async function connect() {
    let ticket;
    try {
      ticket = await api.post("/v1/realtime/tickets");
    } catch (error) {
      state("unavailable", error.routeMissing ? "the realtime service is not on this platform yet" : error.message);
      return;
    }
    if (closed) return;
    try {
      ws = new WebSocket(ticket.url);
    } catch (error) {
      state("unavailable", `the live socket could not be opened (${error.message})`);
      return;
    }
    ws.onopen = () => ws.send(JSON.stringify({ action: "auth", ticket: ticket.ticket }));
    ws.onmessage = (event) => receive(event.data);
    ws.onclose = (event) => {
      clearInterval(pinger);
      if (closed) return;
      state("unavailable", `the live socket closed (code ${event.code})`);
      if (event.code !== 4401 && ++tries <= RETRIES) setTimeout(connect, 2000 * tries);
    };
  }

  function receive(data) {
    let msg;
    try { msg = JSON.parse(data); } catch (_) { return; }
    if (msg.type === "authenticated") {
      tries = 0;
      for (const topic of topics) ws.send(JSON.stringify({ action: "subscribe", topic }));
      pinger = setInterval(() => ws.readyState === 1 && ws.send(JSON.stringify({ action: "ping" })), PING_MS);
    } else if (msg.type === "subscribed") {
      state("live");
    } else if (msg.type === "event" || msg.type === "counters") {
      onMessage(msg);
    } else if (msg.type === "error" && msg.code === "not_found") {
      state("unavailable", `no live updates for ${msg.topic}`);
    }
  }

  connect();
  return {
    close() {
      closed = true;
      clearInterval(pinger);
      if (ws && ws.readyState <= 1) ws.close(1000, "page left");
    },
  };
}

// status: an element whose text says how the page is kept up to date (a polite live region)
export function liveOrPoll({ topics, onMessage, poll, every = 3000, status }) {
  let timer = null, stopped = false;
  const say = (text) => { if (status) status.textContent = text; };
  const startPolling = () => {
    if (timer || stopped || !poll) return;
    timer = setInterval(() => { poll().catch(() => {}); }, every);
  };
  const stopPolling = () => { clearInterval(timer); timer = null; };
  say("Live updates: connecting…");
  startPolling();
  const live = openLive(topics, onMessage, (name, detail) => {
    if (name === "live") {
      stopPolling();
      say("Live updates: connected.");
    } else {
      startPolling();
      say(`Live updates unavailable (${detail}); ${poll ? `refreshing every ${every / 1000} s` : "reload to refresh"}.`);
    }
  });
  return () => { stopped = true; stopPolling(); live.close(); };
}

export function liveStatus() {
  return h("p", { class: "hint", role: "status", "aria-live": "polite" });
}
