// The customer portal: a hash-routed single page on the public graph (docs/portal.md). Each page
// asks the graph for what it shows in one request and renders what came back — a field the person
// may not see is null with its own error, so its part of the page is left out, never the page.
import { demoPeople, gql, session } from "./api.js";
import { field, h, replace, showErrors } from "./dom.js";
import { LANGUAGES, label, t } from "./i18n.js";
import { dashboardPage } from "./pages/dashboard.js";
import { invoicePage, invoicesPage } from "./pages/invoices.js";
import { peoplePage } from "./pages/people.js";
import { cartCheckoutPage, cartPage, checkoutPage, multiYearPage, orderPage, renewalPage, renewalsPage } from "./pages/renewals.js";
import { hasQueue, queuePage } from "./pages/queue.js";
import { rewardsPage } from "./pages/rewards.js";
import { applyLocale, has, nav, say, setViewer, takeFlash, view, viewer } from "./shell.js";

const LOCALES = LANGUAGES;

// ---------- sign-in ----------
const VIEWER = `{ viewer { email firstName lastName roles staffRoles contactKinds isAdmin lastSignInAt locale textDirection
  enabledModules tenant { name key } } }`;

async function loadViewer() {
  const result = await gql(VIEWER);
  setViewer(result.data?.viewer || null);
  if (!viewer) throw new Error(result.errors[0]?.message || t("Sign-in failed"));
  applyLocale();
  nav.hidden = false;
  for (const link of nav.querySelectorAll("[data-nav]")) {
    const module = { renewals: "renewals", cart: "renewals", invoices: "invoicing", rewards: "rewards" }[link.dataset.nav];
    link.hidden = module ? !has(module) : false;
  }
  // the work queue is vendor staff's: the sales rep's, billing support's and the operator's parts
  nav.querySelector("[data-nav=queue]").hidden = !hasQueue(viewer);
}

async function signIn(token, tenant = "") {
  session.token = token.trim().replace(/^Bearer\s+/i, "");
  session.tenant = tenant;
  try {
    await loadViewer();
  } catch (e) {
    session.token = "";
    session.tenant = "";
    session.language = "";
    throw e;
  }
  go(hasQueue(viewer) ? "#/queue" : "#/dashboard");
}

/** Show a route now, even when the address already names it (no hashchange would fire). */
function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function signOut() {
  session.token = "";
  session.tenant = "";
  session.language = "";
  setViewer(null);
  nav.hidden = true;
  applyLocale();
  go("#/signin");
}

async function signInPage() {
  const top = h("div");
  const people = await demoPeople();
  const picker = people
    ? h(
        "section",
        { "aria-labelledby": "demo-h" },
        h("h2", { id: "demo-h" }, t("Development: sign in as a demo person")),
        h(
          "ul",
          { class: "people" },
          people.map((p) =>
            h(
              "li",
              {},
              h(
                "button",
                {
                  type: "button",
                  "data-person": p.email,
                  on: { click: () => signIn(p.token, p.tenant).catch((e) => replace(top, h("div", { class: "error", role: "alert" }, e.message))) },
                },
                `${p.email} (${label(p.kind)})`,
              ),
            ),
          ),
        ),
      )
    : null;
  const token = h("textarea", { name: "token", rows: 3, cols: 60, autocomplete: "off", spellcheck: "false" });
  const form = h(
    "form",
    {
      id: "token-form",
      on: {
        submit: (ev) => {
          ev.preventDefault();
          signIn(token.value).catch((e) => replace(top, h("div", { class: "error", role: "alert" }, e.message)));
        },
      },
    },
    h("h2", {}, t("Sign in with a token")),
    h("p", { class: "muted" }, t("Paste the bearer token your organisation's sign-in (the vendor's identity provider) gave you. It is kept for this tab only.")),
    field(t("Bearer token"), token),
    h("button", { type: "submit" }, t("Sign in")),
  );
  replace(view, h("h1", {}, t("Sign in")), top, picker, form);
}

// ---------- language ----------
function settingsPage() {
  const select = h("select", { name: "locale" }, Object.entries(LOCALES).map(([code, name]) => h("option", { value: code, selected: code === viewer.locale, lang: code }, name)));
  const top = h("div");
  const form = h(
    "form",
    {
      id: "locale-form",
      on: {
        submit: async (ev) => {
          ev.preventDefault();
          if (viewer.staffRoles.length) {
            // vendor staff have no person to keep a choice: this tab asks in it (Accept-Language)
            session.language = select.value;
            await loadViewer();
            say(t("Language: {name}", { name: LOCALES[viewer.locale] }));
            return;
          }
          const done = await gql(`mutation Locale($l: String!) { setMyLocale(locale: $l) { locale textDirection } }`, { l: select.value });
          showErrors(form, done.errors, top);
          if (done.data?.setMyLocale) {
            Object.assign(viewer, done.data.setMyLocale);
            applyLocale();
            say(t("Language: {name}", { name: LOCALES[viewer.locale] }));
          }
        },
      },
    },
    top,
    field(t("Language"), select),
    h("button", { type: "submit" }, t("Save")),
  );
  replace(view, h("h1", {}, t("Language")), form);
}

// ---------- routing ----------
const ROUTES = [
  [/^#\/dashboard$/, () => dashboardPage()],
  [/^#\/renewals\/(\w+)(?:\?(.*))?$/, (m) => renewalsPage(m[1], new URLSearchParams(m[2] || ""))],
  [/^#\/renewal\/([^?]+)$/, (m) => renewalPage(decodeURIComponent(m[1]))],
  [/^#\/checkout\/([^?]+)$/, (m) => checkoutPage(decodeURIComponent(m[1]))],
  [/^#\/multi-year\/([^?]+)$/, (m) => multiYearPage(decodeURIComponent(m[1]))],
  [/^#\/cart$/, () => cartPage()],
  [/^#\/checkout-cart\/([^?]+)$/, (m) => cartCheckoutPage(decodeURIComponent(m[1]))],
  [/^#\/order\/([^?]+)$/, (m) => orderPage(decodeURIComponent(m[1]))],
  [/^#\/invoices\/(\w+)$/, (m) => invoicesPage(m[1])],
  [/^#\/invoice\/([^?]+)$/, (m) => invoicePage(decodeURIComponent(m[1]))],
  [/^#\/rewards$/, () => rewardsPage()],
  [/^#\/settings$/, () => settingsPage()],
  [/^#\/people$/, () => peoplePage()],
  [/^#\/queue$/, () => queuePage()],
];

let generation = 0; // the route being shown: an older one still loading must not mark the page ready
const announce = document.getElementById("announce");

/** After a route: the focus on the page's main heading (a keyboard or screen-reader user starts
 * reading the new page, not the link they left), its title in the tab's title and said aloud. */
function focusMain() {
  const heading = view.querySelector("h1") || view;
  if (heading !== view) heading.setAttribute("tabindex", "-1");
  heading.focus();
  const title = heading === view ? "" : heading.textContent.trim();
  document.title = title ? `${title} — ${t("Customer Center")}` : t("Customer Center");
  announce.textContent = title;
}

async function route() {
  const mine = ++generation;
  say(takeFlash());
  delete view.dataset.page;
  const ready = (page) => {
    if (mine !== generation) return;
    focusMain();
    view.dataset.page = page;
  };
  if (!session.token) {
    await signInPage();
    return ready("signin");
  }
  try {
    if (!viewer) await loadViewer();
  } catch {
    session.token = "";
    session.tenant = "";
    session.language = "";
    await signInPage();
    return ready("signin");
  }
  const hash = location.hash || "#/dashboard";
  for (const link of nav.querySelectorAll("[data-nav]")) {
    link.setAttribute("aria-current", hash.startsWith(`#/${link.dataset.nav}`) ? "page" : "false");
  }
  for (const [pattern, page] of ROUTES) {
    const m = hash.match(pattern);
    if (!m) continue;
    view.setAttribute("aria-busy", "true");
    try {
      await page(m);
    } catch (e) {
      replace(view, h("div", { class: "error", role: "alert" }, t("Something went wrong: {message}", { message: e.message })));
    } finally {
      view.removeAttribute("aria-busy");
      ready(hash.split(/[/?]/)[1] || "");
    }
    return;
  }
  location.hash = "#/dashboard";
}

document.getElementById("sign-out").addEventListener("click", signOut);
// not a hash link's default (the hash names routes): the skip link moves the focus itself
document.querySelector(".skip").addEventListener("click", (ev) => {
  ev.preventDefault();
  focusMain();
});
// A new submission clears the last one's errors first (capture: before the form's own handler).
document.addEventListener(
  "submit",
  (ev) => {
    for (const slot of ev.target.querySelectorAll(".field-error")) slot.textContent = "";
    for (const alert of ev.target.querySelectorAll("[role=alert]")) alert.remove();
  },
  true,
);
window.addEventListener("hashchange", route);
route();
