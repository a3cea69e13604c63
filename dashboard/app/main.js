// Boot: read config.json, sign in with an API key (sessionStorage only), then hash routing
// (#/overview, #/campaigns/cmp_x, ...) to one page module at a time. A page module exports
// `render(root, param)` and may return a cleanup function (timers, live sockets).
import { api, loadConfig, session } from "./api.js";
import { clear, errorText, h, notice } from "./dom.js";

const PAGES = {
  overview: "Overview", campaigns: "Campaigns", contacts: "Contacts & imports", domains: "Domains",
  mailboxes: "Mailboxes", servers: "Servers", suppressions: "Suppressions", webhooks: "Webhooks", alerts: "Alerts",
};
const $ = (id) => document.getElementById(id);
let cleanup = null;
let renderCount = 0;

function parseHash() {
  const [name, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  return { name: PAGES[name] ? name : "overview", param: rest.length ? decodeURIComponent(rest.join("/")) : "" };
}

function showSignIn(message) {
  if (cleanup) { cleanup(); cleanup = null; }
  $("nav").hidden = true;
  $("sign-out").hidden = true;
  $("who").textContent = "";
  clear($("page"));
  $("sign-in").hidden = false;
  $("sign-in-error").textContent = message || "";
  document.title = "Sign in · PenguinMails";
}

async function showApp() {
  $("sign-in").hidden = true;
  $("nav").hidden = false;
  $("sign-out").hidden = false;
  try {
    const tenant = await api.get("/v1/tenant");
    $("who").textContent = `${tenant.name} · ${tenant.plan} plan`;
  } catch (error) {
    if (error.status === 401) return signOut("Your key is no longer valid; sign in again.");
  }
  await route();
}

async function route() {
  if (!session.key()) return;
  if (location.hash && !location.hash.startsWith("#/")) return; // an in-page anchor, not a route
  if (cleanup) { cleanup(); cleanup = null; }
  const { name, param } = parseHash();
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.getAttribute("href") === `#/${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${PAGES[name]} · PenguinMails`;
  const root = $("page");
  const mine = ++renderCount;
  clear(root, h("p", { role: "status", text: `Loading ${PAGES[name]}…` }));
  try {
    const page = await import(`./pages/${name}.js`);
    if (mine !== renderCount) return;
    clear(root);
    const done = await page.render(root, param);
    if (mine !== renderCount) { if (typeof done === "function") done(); return; }
    cleanup = typeof done === "function" ? done : null;
  } catch (error) {
    if (error.status === 401) return signOut("Your key is no longer valid; sign in again.");
    clear(root, h("h1", { text: PAGES[name] }), notice(`This page could not be loaded: ${errorText(error)}`, "bad"));
  }
  root.dataset.page = name;
  root.dataset.ready = String(mine);
  const heading = root.querySelector("h1");
  if (heading && document.activeElement && document.activeElement.closest("#nav")) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
}

function signOut(message) {
  session.clear();
  history.replaceState(null, "", location.pathname + location.search);
  showSignIn(message);
  $("api-key").focus();
}

async function signIn(event) {
  event.preventDefault();
  const input = $("api-key");
  const key = input.value.trim();
  $("sign-in-error").textContent = "";
  if (!key) { $("sign-in-error").textContent = "Enter an API key."; return; }
  try {
    await api.check(key);
  } catch (error) {
    $("sign-in-error").textContent = error.status === 401 ? "That key is not valid or has been revoked." : errorText(error);
    return;
  }
  session.set(key);
  input.value = "";
  if (!location.hash) history.replaceState(null, "", "#/overview");
  await showApp();
  $("main").focus();
}

async function boot() {
  await loadConfig();
  $("sign-in-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", () => signOut("Signed out."));
  // the skip link moves focus without touching the hash (the hash is the route)
  document.querySelector(".skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    $("main").focus();
  });
  window.addEventListener("hashchange", route);
  if (session.key()) await showApp();
  else showSignIn();
}

boot();
