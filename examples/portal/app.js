// The customer portal: a hash-routed single page on the public graph (docs/portal.md). Each page
// asks the graph for what it shows in one request and renders what came back — a field the person
// may not see is null with its own error, so its part of the page is left out, never the page.
import { demoPeople, errorsAt, gql, newKey, session } from "./api.js";
import { field, h, replace, showErrors } from "./dom.js";
import { setLanguage, t, translateStatic } from "./i18n.js";

const view = document.getElementById("view");
const nav = document.getElementById("nav");
const status = document.getElementById("status");
const LOCALES = { en: "English", pl: "Polski", ro: "Română", de: "Deutsch", ar: "العربية" };
const ASSIST_MAX = 1800; // R-R9: a request for assistance is at most 1,800 characters

let viewer = null; // who is signed in (and what modules their tenant has)

// ---------- formatting in the person's locale ----------
const locale = () => viewer?.locale || "en";
function money(m) {
  if (!m) return "";
  try {
    return new Intl.NumberFormat(locale(), { style: "currency", currency: m.currency }).format(Number(m.amount));
  } catch {
    return `${m.currency} ${m.amount}`;
  }
}
function day(iso) {
  if (!iso) return "";
  const d = new Date(iso.length <= 10 ? `${iso}T00:00:00Z` : iso);
  const opts = iso.length <= 10 ? { dateStyle: "medium", timeZone: "UTC" } : { dateStyle: "medium", timeStyle: "short" };
  return new Intl.DateTimeFormat(locale(), opts).format(d);
}
const has = (module) => viewer?.enabledModules.includes(module);

function applyLocale() {
  document.documentElement.lang = viewer?.locale || "en";
  document.documentElement.dir = viewer?.textDirection === "rtl" ? "rtl" : "ltr";
  setLanguage(viewer?.locale || "en");
  translateStatic();
}

function say(text) {
  status.textContent = text || "";
}

// ---------- sign-in ----------
const VIEWER = `{ viewer { email firstName lastName roles contactKinds isAdmin lastSignInAt locale textDirection
  enabledModules tenant { name key } } }`;

async function loadViewer() {
  const result = await gql(VIEWER);
  viewer = result.data?.viewer || null;
  if (!viewer) throw new Error(result.errors[0]?.message || "Sign-in failed");
  applyLocale();
  nav.hidden = false;
  for (const link of nav.querySelectorAll("[data-nav]")) {
    const module = { renewals: "renewals", invoices: "invoicing", rewards: "rewards" }[link.dataset.nav];
    link.hidden = module ? !has(module) : false;
  }
}

async function signIn(token) {
  session.token = token.trim().replace(/^Bearer\s+/i, "");
  try {
    await loadViewer();
  } catch (e) {
    session.token = "";
    throw e;
  }
  go("#/dashboard");
}

/** Show a route now, even when the address already names it (no hashchange would fire). */
function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function signOut() {
  session.token = "";
  viewer = null;
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
        h("h2", { id: "demo-h" }, "Development: sign in as a demo person"),
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
                  on: { click: () => signIn(p.token).catch((e) => replace(top, h("div", { class: "error", role: "alert" }, e.message))) },
                },
                `${p.email} (${p.kind})`,
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
    h("h2", {}, "Sign in with a token"),
    h("p", { class: "muted" }, "Paste the bearer token your organisation's sign-in (the vendor's identity provider) gave you. It is kept for this tab only."),
    field("Bearer token", token),
    h("button", { type: "submit" }, "Sign in"),
  );
  replace(view, h("h1", {}, "Sign in"), top, picker, form);
}

// ---------- dashboard (R-R22) ----------
function tile(key, label, value, href, raw = value) {
  const body = [h("span", { class: "value" }, value), h("span", { class: "label" }, label)];
  return h("div", { class: "tile", "data-tile": key, "data-value": raw }, href ? h("a", { href }, ...body) : body);
}

async function dashboardPage() {
  const parts = [`viewer { email firstName lastName roles lastSignInAt tenant { name } messages(first: 5) { subject createdAt read } }`];
  if (has("renewals"))
    parts.push(`renewalDashboard { pendingCount historyCount futureCount sharedCount
      savedCarts { id name itemCount } orders { orderNumber placedAt total { amount currency } } }`);
  if (has("invoicing")) parts.push(`invoiceCounts { overdue open closed }`);
  if (has("rewards")) parts.push(`rewards { balance { amount currency } }`);
  const result = await gql(`query Dashboard { ${parts.join("\n")} }`);
  const d = result.data || {};
  const v = d.viewer || viewer;
  const tiles = [];
  const notes = [];
  const section = (root, render) => {
    if (d[root]) tiles.push(...render(d[root]));
    // FORBIDDEN: this person may not see it, so there is no tile; anything else is worth saying.
    for (const e of errorsAt(result, root)) if (e.extensions?.code !== "FORBIDDEN") notes.push(e.message);
  };
  section("renewalDashboard", (r) => [
    tile("pending", t("Pending renewals"), r.pendingCount, "#/renewals/pending"),
    tile("history", t("Renewal history"), r.historyCount, "#/renewals/history"),
    tile("future", t("Future renewals"), r.futureCount, "#/renewals/future"),
    tile("shared", t("Shared with me"), r.sharedCount),
    tile("savedCarts", t("Saved carts"), r.savedCarts.length),
    tile("orders", t("Orders"), r.orders.length),
  ]);
  section("invoiceCounts", (c) => [
    tile("overdue", t("Overdue invoices"), c.overdue, "#/invoices/overdue"),
    tile("open", t("Open invoices"), c.open, "#/invoices/open"),
    tile("closed", t("Closed invoices"), c.closed, "#/invoices/closed"),
  ]);
  section("rewards", (r) => [tile("rewards", t("Rewards balance"), money(r.balance), "#/rewards", r.balance.amount)]);
  replace(
    view,
    h("h1", {}, `${t("Welcome")}, ${v.firstName} ${v.lastName}`),
    h(
      "dl",
      { class: "facts", id: "personal" },
      h("dt", {}, t("Email")),
      h("dd", { "data-fact": "email" }, v.email),
      h("dt", {}, t("Organisation")),
      h("dd", { "data-fact": "tenant" }, v.tenant?.name || ""),
      h("dt", {}, t("Roles")),
      h("dd", { "data-fact": "roles" }, v.roles.join(", ")),
      h("dt", {}, t("Last sign-in")),
      h("dd", { "data-fact": "lastSignIn" }, v.lastSignInAt ? day(v.lastSignInAt) : "—"),
    ),
    notes.length ? h("div", { class: "error", role: "alert" }, notes.join(" · ")) : null,
    h("div", { class: "tiles", id: "tiles" }, tiles),
    v.messages?.length
      ? [h("h2", {}, t("Message center")), h("ul", { id: "dashboard-messages" }, v.messages.map((m) => h("li", { class: m.read ? "" : "unread" }, `${day(m.createdAt)} — `, m.subject)))]
      : null,
    d.renewalDashboard?.savedCarts.length
      ? [h("h2", {}, "Saved carts"), h("ul", {}, d.renewalDashboard.savedCarts.map((c) => h("li", {}, `${c.name} (${c.itemCount})`)))]
      : null,
  );
}

// ---------- renewals ----------
const LISTS = { pending: "PENDING", history: "HISTORY", future: "FUTURE" };

function tabs(base, names, current) {
  return h(
    "nav",
    { class: "tabs", "aria-label": "Lists" },
    Object.entries(names).map(([key, label]) =>
      h("a", { href: `${base}/${key}`, "aria-current": key === current ? "page" : null }, label),
    ),
  );
}

async function renewalsPage(listKey = "pending", params = new URLSearchParams()) {
  const list = LISTS[listKey] || "PENDING";
  const filter = {};
  if (params.get("search")) filter.search = params.get("search");
  if (list === "HISTORY" && params.get("po")) filter.poNumber = params.get("po");
  const result = await gql(
    `query Renewals($list: RenewalList!, $filter: RenewalFilter) {
      renewals(list: $list, filter: $filter, first: 100) { totalCount nodes {
        supportNumber customer endUser startDate endDate status amount { amount currency } poNumber
        multiYearEligible saveUpTo { amount currency } autoRenew locked } }
      renewalDownloads(list: $list, filter: $filter) { standardCsvUrl summaryReportUrl detailedReportUrl } }`,
    { list, filter },
  );
  const search = h("input", { name: "search", type: "search", value: params.get("search") || "" });
  const po = h("input", { name: "po", value: params.get("po") || "" });
  const form = h(
    "form",
    {
      class: "filters",
      on: {
        submit: (ev) => {
          ev.preventDefault();
          const q = new URLSearchParams();
          if (search.value.trim()) q.set("search", search.value.trim());
          if (list === "HISTORY" && po.value.trim()) q.set("po", po.value.trim());
          location.hash = `#/renewals/${listKey}${q.size ? `?${q}` : ""}`;
        },
      },
    },
    field("Search", search),
    list === "HISTORY" ? field("PO number", po) : null,
    h("button", { type: "submit" }, "Filter"),
  );
  const top = h("div");
  showErrors(form, result.errors, top);
  const rows = result.data?.renewals?.nodes || [];
  const links = result.data?.renewalDownloads;
  replace(
    view,
    h("h1", {}, "Renewals"),
    tabs("#/renewals", { pending: "Pending", history: "History", future: "Future" }, listKey),
    form,
    top,
    links
      ? h(
          "p",
          { class: "downloads" },
          h("a", { href: links.standardCsvUrl, "data-download": "csv" }, "Download CSV"),
          " · ",
          h("a", { href: links.summaryReportUrl, "data-download": "summary" }, "Summary report"),
          links.detailedReportUrl ? [" · ", h("a", { href: links.detailedReportUrl, "data-download": "detailed" }, "Detailed report")] : null,
        )
      : null,
    h("p", { class: "muted", id: "count" }, `${result.data?.renewals?.totalCount ?? 0} renewals`),
    h(
      "table",
      { id: "renewals" },
      h("thead", {}, h("tr", {}, ["Support number", "Customer", "End user", "Start", "End", "Amount", "Status", list === "HISTORY" ? "PO number" : "Multi-year"].map((c) => h("th", { scope: "col" }, c)))),
      h(
        "tbody",
        {},
        rows.map((r) =>
          h(
            "tr",
            { "data-support-number": r.supportNumber },
            h("td", {}, h("a", { href: `#/renewal/${encodeURIComponent(r.supportNumber)}` }, r.supportNumber)),
            h("td", { class: "customer" }, r.customer),
            h("td", {}, r.endUser),
            h("td", {}, day(r.startDate)),
            h("td", {}, day(r.endDate)),
            h("td", {}, money(r.amount)),
            h("td", {}, r.status, r.autoRenew ? h("span", { class: "badge" }, " AutoRenew") : null),
            h("td", {}, list === "HISTORY" ? r.poNumber || "" : r.multiYearEligible ? `Save up to ${money(r.saveUpTo)}` : ""),
          ),
        ),
      ),
    ),
  );
}

async function renewalPage(sn) {
  const result = await gql(
    `query Renewal($sn: String!, $sid: ID!) { renewal(supportNumber: $sn) {
      supportNumber quoteNumber customer endUser startDate endDate status list serviceLevel amount { amount currency }
      poNumber customerReference autoRenew paymentMethod locked lockDate multiYearEligible saveUpTo { amount currency }
      orderingDocumentUrl orderingDocumentPdfUrl sharedWithCount paymentMethodsOffered
      lines { product serviceLevel quantity amount { amount currency } }
      requests { kind message answer createdAt } ${has("sharing") ? "shares { id email role userStatus }" : ""} }
      canAccept: can(object: "renewal", action: "accept", id: $sid)
      canEdit: can(object: "renewal", action: "edit", id: $sid)
      canShare: can(object: "renewal", action: "share", id: $sid) }`,
    { sn, sid: sn },
  );
  const r = result.data?.renewal;
  if (!r) return replace(view, h("h1", {}, sn), h("div", { class: "error", role: "alert" }, result.errors.map((e) => e.message).join(" · ")));
  const message = h("textarea", { name: "message", rows: 5, cols: 70, maxlength: ASSIST_MAX });
  const counter = h("span", { id: "assist-counter", class: "muted", "aria-live": "polite" }, `${ASSIST_MAX} characters left`);
  message.addEventListener("input", () => {
    counter.textContent = `${ASSIST_MAX - message.value.length} characters left`;
  });
  const top = h("div");
  const assist = h(
    "form",
    {
      id: "assist-form",
      on: {
        submit: async (ev) => {
          ev.preventDefault();
          const done = await gql(
            `mutation Assist($sn: String!, $m: String!) { requestRenewalAssistance(supportNumber: $sn, message: $m) { id createdAt } }`,
            { sn, m: message.value },
          );
          showErrors(assist, done.errors, top);
          if (done.data?.requestRenewalAssistance) {
            say("Your request was sent to your sales representative.");
            renewalPage(sn);
          }
        },
      },
    },
    h("h2", {}, "Request assistance"),
    top,
    field("Message", message, counter),
    h("button", { type: "submit" }, "Send request"),
  );
  replace(
    view,
    h("h1", {}, `Renewal ${r.supportNumber}`),
    h(
      "dl",
      { class: "facts", id: "renewal-facts" },
      [
        ["Customer", r.customer],
        ["End user", r.endUser],
        ["Quote", r.quoteNumber],
        ["Period", `${day(r.startDate)} – ${day(r.endDate)}`],
        ["Service level", r.serviceLevel],
        ["Amount", money(r.amount)],
        ["Status", r.status],
        ["PO number", r.poNumber || "—"],
        ["Customer reference", r.customerReference || "—"],
        ["AutoRenew", r.autoRenew ? `on (${r.paymentMethod || ""})` : "off"],
        ["Changes lock on", day(r.lockDate)],
        ["Shared with", `${r.sharedWithCount} people`],
      ].map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
    ),
    r.multiYearEligible ? h("p", { class: "ok" }, `Multi-year: save up to ${money(r.saveUpTo)}`) : null,
    h(
      "p",
      {},
      h("a", { href: r.orderingDocumentUrl, "data-download": "ordering-document", target: "_blank", rel: "noopener noreferrer" }, "Ordering document"),
      " · ",
      h("a", { href: r.orderingDocumentPdfUrl, "data-download": "ordering-document-pdf" }, "PDF"),
      r.list === "PENDING" && result.data.canAccept
        ? [" · ", h("a", { href: `#/checkout/${encodeURIComponent(r.supportNumber)}`, id: "go-checkout" }, "Check out")]
        : null,
    ),
    h("h2", {}, "Lines"),
    h(
      "table",
      {},
      h("tbody", {}, r.lines.map((l) => h("tr", {}, h("td", {}, l.product), h("td", {}, l.serviceLevel), h("td", {}, l.quantity), h("td", {}, money(l.amount))))),
    ),
    r.requests.length
      ? [h("h2", {}, "Requests"), h("ul", { id: "requests" }, r.requests.map((q) => h("li", {}, `${day(q.createdAt)} ${q.kind}: `, q.message, q.answer ? [" — ", q.answer] : null)))]
      : null,
    r.list === "PENDING" && result.data.canEdit ? autoRenewForm(r) : null,
    assist,
    result.data.canShare && r.shares ? sharingTab(r) : null,
  );
}

// ---------- AutoRenew (R-R7, R-R8): changeable until the lock date ----------
function autoRenewForm(r) {
  const enabled = h("input", { type: "checkbox", name: "autoRenew", checked: r.autoRenew, disabled: r.locked });
  const method = h(
    "select",
    { name: "paymentMethod", disabled: r.locked },
    r.paymentMethodsOffered.map((m) => h("option", { value: m, selected: m === r.paymentMethod }, m)),
  );
  const top = h("div");
  const form = h(
    "form",
    {
      id: "autorenew-form",
      on: {
        submit: async (ev) => {
          ev.preventDefault();
          const done = await gql(
            `mutation Auto($sn: String!, $on: Boolean!, $m: PaymentMethod) { setAutoRenew(supportNumber: $sn, enabled: $on, paymentMethod: $m) { autoRenew paymentMethod } }`,
            { sn: r.supportNumber, on: enabled.checked, m: enabled.checked ? method.value : null },
          );
          showErrors(form, done.errors, top);
          if (done.data?.setAutoRenew) {
            say(`AutoRenew ${done.data.setAutoRenew.autoRenew ? "on" : "off"}`);
            renewalPage(r.supportNumber);
          }
        },
      },
    },
    h("h2", {}, "AutoRenew"),
    h("p", { class: "muted", id: "lock-date" }, r.locked ? `Locked since ${day(r.lockDate)}` : `You can change this until ${day(r.lockDate)}`),
    top,
    h("div", { class: "field" }, h("label", {}, enabled, " Renew automatically")),
    field("Payment method", method),
    h("button", { type: "submit", disabled: r.locked }, "Save AutoRenew"),
  );
  return form;
}

// ---------- sharing tab (R-S1, R-S5) ----------
function sharingTab(r) {
  const emails = h("input", { name: "emails", type: "text", autocomplete: "off" });
  const role = h("select", { name: "role" }, h("option", { value: "PARTICIPANT" }, "Participant"), h("option", { value: "VIEWER" }, "Viewer"));
  const top = h("div");
  const form = h(
    "form",
    {
      id: "share-form",
      on: {
        submit: async (ev) => {
          ev.preventDefault();
          const list = emails.value.split(/[\s,;]+/).filter(Boolean);
          const done = await gql(
            `mutation Share($sn: String!, $role: ShareRole!, $emails: [String!]) { shareRenewal(supportNumber: $sn, role: $role, emails: $emails) { id } }`,
            { sn: r.supportNumber, role: role.value, emails: list },
          );
          showErrors(form, done.errors, top);
          if (done.data?.shareRenewal) renewalPage(r.supportNumber);
        },
      },
    },
    top,
    field("Share with (emails of your organisation)", emails),
    field("Role", role),
    h("button", { type: "submit" }, "Share"),
  );
  const revoke = async (share) => {
    const done = await gql(`mutation Revoke($id: ID!) { revokeShare(id: $id) { id } }`, { id: share.id });
    showErrors(form, done.errors, top);
    if (done.data?.revokeShare) renewalPage(r.supportNumber);
  };
  return h(
    "section",
    { id: "sharing", "aria-labelledby": "sharing-h" },
    h("h2", { id: "sharing-h" }, "Sharing"),
    h(
      "ul",
      { id: "shares" },
      r.shares.map((s) =>
        h("li", { "data-share": s.email }, `${s.email} — ${s.role}${s.userStatus ? ` (${s.userStatus})` : ""} `, h("button", { type: "button", "aria-label": `Revoke ${s.email}`, on: { click: () => revoke(s) } }, "Revoke")),
      ),
    ),
    form,
  );
}

// ---------- checkout (R-R4) ----------
async function checkoutPage(sn) {
  const result = await gql(
    `query Checkout($sn: String!) { renewal(supportNumber: $sn) { supportNumber customer list amount { amount currency }
      paymentMethodsOffered tssaRequired billing { name email address } } }`,
    { sn },
  );
  const r = result.data?.renewal;
  if (!r) return replace(view, h("h1", {}, "Checkout"), h("div", { class: "error", role: "alert" }, result.errors.map((e) => e.message).join(" · ")));
  const input = (name, value = "", type = "text") => h("input", { name, value, type });
  const billing = { name: input("billing.name", r.billing.name), email: input("billing.email", r.billing.email, "email"), address: input("billing.address", r.billing.address) };
  const po = { number: input("purchaseOrder.number"), billToName: input("purchaseOrder.billToName"), billToEmail: input("purchaseOrder.billToEmail", "", "email"), billToAddress: input("purchaseOrder.billToAddress") };
  const methods = r.paymentMethodsOffered.map((m, i) =>
    h("label", { class: "method" }, h("input", { type: "radio", name: "paymentMethod", value: m, checked: i === 0 }), ` ${m}`),
  );
  const poSet = h(
    "fieldset",
    { id: "po-fields" },
    h("legend", {}, "Purchase order (must match the billing details)"),
    field("PO number", po.number),
    field("Bill-to name", po.billToName),
    field("Bill-to email", po.billToEmail),
    field("Bill-to address", po.billToAddress),
    h("span", { class: "field-error", "data-error-for": "purchaseOrder" }),
  );
  const terms = h("input", { type: "checkbox", name: "acceptTerms" });
  const tssa = h("input", { type: "checkbox", name: "acceptTssa" });
  const top = h("div");
  const method = () => form.querySelector("input[name=paymentMethod]:checked")?.value;
  const syncPo = () => {
    poSet.hidden = method() !== "PO";
  };
  const form = h(
    "form",
    {
      id: "checkout-form",
      on: {
        change: syncPo,
        submit: async (ev) => {
          ev.preventDefault();
          const chosen = method();
          const input = {
            supportNumbers: [sn],
            paymentMethod: chosen,
            billing: { name: billing.name.value, email: billing.email.value, address: billing.address.value },
            acceptTerms: terms.checked,
            acceptTssa: tssa.checked,
            idempotencyKey: newKey(),
          };
          if (chosen === "PO")
            input.purchaseOrder = { number: po.number.value, billToName: po.billToName.value, billToEmail: po.billToEmail.value, billToAddress: po.billToAddress.value };
          const done = await gql(`mutation Checkout($input: CheckoutInput!) { checkout(input: $input) { orderNumber } }`, { input });
          showErrors(form, done.errors, top);
          if (done.data?.checkout) location.hash = `#/order/${encodeURIComponent(done.data.checkout.orderNumber)}`;
        },
      },
    },
    top,
    h("fieldset", {}, h("legend", {}, "Billing"), field("Name", billing.name), field("Email", billing.email), field("Address", billing.address)),
    h("fieldset", { id: "methods" }, h("legend", {}, `Payment (offered for ${r.customer})`), methods, h("span", { class: "field-error", "data-error-for": "paymentMethod" })),
    poSet,
    h("div", { class: "field" }, h("label", {}, terms, " I accept the Terms and Conditions"), h("span", { class: "field-error", "data-error-for": "acceptTerms" })),
    r.tssaRequired
      ? h("div", { class: "field" }, h("label", {}, tssa, " I accept the technical support service agreement (first renewal)"), h("span", { class: "field-error", "data-error-for": "acceptTssa" }))
      : null,
    h("button", { type: "submit", id: "place-order" }, `Place order · ${money(r.amount)}`),
  );
  syncPo();
  replace(view, h("h1", {}, `Checkout ${r.supportNumber}`), form);
}

async function orderPage(number) {
  const result = await gql(
    `query Order($n: String!) { renewalOrder(orderNumber: $n) { orderNumber placedAt paymentMethod poNumber total { amount currency }
      renewals { supportNumber list } } viewer { messages(first: 5) { subject createdAt } } }`,
    { n: number },
  );
  const o = result.data?.renewalOrder;
  if (!o) return replace(view, h("h1", {}, number), h("div", { class: "error", role: "alert" }, result.errors.map((e) => e.message).join(" · ")));
  replace(
    view,
    h("h1", {}, "Order confirmed"),
    h("p", { class: "ok", id: "confirmation" }, `Order ${o.orderNumber} placed ${day(o.placedAt)}: ${money(o.total)} by ${o.paymentMethod}`),
    h("ul", {}, o.renewals.map((r) => h("li", {}, h("a", { href: `#/renewal/${encodeURIComponent(r.supportNumber)}` }, r.supportNumber), ` (${r.list})`))),
    h("h2", {}, "Message center"),
    h("ul", { id: "messages" }, (result.data.viewer?.messages || []).map((m) => h("li", {}, `${day(m.createdAt)} — `, m.subject))),
  );
}

// ---------- invoices ----------
const STATUSES = { overdue: "OVERDUE", open: "OPEN", closed: "CLOSED" };

async function invoicesPage(key = "overdue") {
  const s = STATUSES[key] || "OVERDUE";
  const result = await gql(
    `query Invoices($s: InvoiceStatus) { invoices(status: $s, first: 100) { totalCount nodes { number invoiceDate dueDate poNumber
      total { amount currency } balance { amount currency } } } invoicingDownloads(status: $s) { invoicesCsvUrl paymentsCsvUrl } }`,
    { s },
  );
  const rows = result.data?.invoices?.nodes || [];
  const links = result.data?.invoicingDownloads;
  replace(
    view,
    h("h1", {}, "Invoices"),
    tabs("#/invoices", { overdue: "Overdue", open: "Open", closed: "Closed" }, key),
    result.errors.length ? h("div", { class: "error", role: "alert" }, result.errors.map((e) => e.message).join(" · ")) : null,
    links
      ? h(
          "p",
          {},
          h("a", { href: links.invoicesCsvUrl, "data-download": "invoices-csv" }, "Invoices CSV"),
          " · ",
          h("a", { href: links.paymentsCsvUrl }, "Payment history CSV"),
          " · ",
          h("button", { type: "button", id: "email-list", on: { click: () => emailList(s) } }, "Email me this list"),
        )
      : null,
    h(
      "table",
      { id: "invoices" },
      h("thead", {}, h("tr", {}, ["Invoice", "Date", "Due", "PO", "Total", "Balance"].map((c) => h("th", { scope: "col" }, c)))),
      h(
        "tbody",
        {},
        rows.map((i) =>
          h(
            "tr",
            { "data-invoice": i.number },
            h("td", {}, h("a", { href: `#/invoice/${encodeURIComponent(i.number)}` }, i.number)),
            h("td", {}, day(i.invoiceDate)),
            h("td", {}, day(i.dueDate)),
            h("td", {}, i.poNumber || ""),
            h("td", {}, money(i.total)),
            h("td", {}, money(i.balance)),
          ),
        ),
      ),
    ),
  );
}

async function emailList(s) {
  const done = await gql(`mutation Email($s: InvoiceStatus) { emailInvoiceList(status: $s) { to invoices } }`, { s });
  const sent = done.data?.emailInvoiceList;
  say(sent ? `${sent.invoices} invoices emailed to ${sent.to}` : done.errors.map((e) => e.message).join(" · "));
}

function disputeForm(inv) {
  const reason = h("textarea", { name: "reason", rows: 3, cols: 60 });
  const top = h("div");
  const form = h(
    "form",
    {
      id: "dispute-form",
      on: {
        submit: async (ev) => {
          ev.preventDefault();
          const done = await gql(
            `mutation Dispute($n: String!, $r: String!) { openInvoiceDispute(invoiceNumber: $n, reason: $r) { number status } }`,
            { n: inv.number, r: reason.value },
          );
          showErrors(form, done.errors, top);
          const d = done.data?.openInvoiceDispute;
          if (d) replace(top, h("div", { class: "ok", id: "dispute-result" }, `Dispute ${d.number}: ${d.status}`));
        },
      },
    },
    h("h2", {}, "Dispute this invoice"),
    top,
    field("Reason", reason),
    h("button", { type: "submit" }, "Open dispute"),
  );
  return form;
}

async function invoicePage(number) {
  const result = await gql(
    `query Invoice($n: String!) { invoice(number: $n) { number status invoiceDate dueDate poNumber currency
      total { amount currency } balance { amount currency } amountPaid { amount currency } pendingAmount { amount currency }
      documentUrl documentPdfUrl lines { position description quantity total { amount currency } }
      payments { paymentNumber method amount { amount currency } appliedAt } }
      billingProfile { cards { id label last4 expired isDefault } } }`,
    { n: number },
  );
  const inv = result.data?.invoice;
  if (!inv) return replace(view, h("h1", {}, number), h("div", { class: "error", role: "alert" }, result.errors.map((e) => e.message).join(" · ")));
  const cards = (result.data.billingProfile?.cards || []).filter((c) => !c.expired);
  const card = h(
    "select",
    { name: "savedCardId" },
    cards.map((c) => h("option", { value: c.id, selected: c.isDefault }, `${c.label} ${c.last4 ? `•••• ${c.last4}` : ""}`)),
    h("option", { value: "" }, "Another card (token)"),
  );
  const cardToken = h("input", { name: "cardToken", autocomplete: "off" });
  const amount = h("input", { name: "amount", inputmode: "decimal", value: inv.balance.amount });
  const reference = h("input", { name: "reference" });
  const top = h("div");
  const result_ = h("div", { id: "pay-result" });
  const methodOf = () => form.querySelector("input[name=method]:checked").value;
  const cardSet = h("div", { id: "card-fields" }, field("Card", card), field("Card token (another card)", cardToken));
  const wireSet = h("div", { id: "wire-fields", hidden: true }, field("Your payment reference", reference));
  const form = h(
    "form",
    {
      id: "pay-form",
      on: {
        change: () => {
          cardSet.hidden = methodOf() !== "CARD";
          wireSet.hidden = methodOf() !== "WIRE";
        },
        submit: async (ev) => {
          ev.preventDefault();
          const input = { invoices: [{ invoiceNumber: inv.number, amount: amount.value.trim() || null }], method: methodOf(), idempotencyKey: newKey() };
          if (input.method === "CARD") {
            if (card.value) input.savedCardId = card.value;
            else input.cardToken = cardToken.value.trim();
          } else {
            input.reference = reference.value;
            input.wireAmount = amount.value.trim() || null;
          }
          const done = await gql(
            `mutation Pay($input: PayInvoicesInput!) { payInvoices(input: $input) { payment { number status method
              amount { amount currency } cardLast4 failureReason arrivesOn } invoices { number balance { amount currency } } } }`,
            { input },
          );
          showErrors(form, done.errors, top);
          const p = done.data?.payInvoices?.payment;
          if (!p) return;
          replace(
            result_,
            p.status === "FAILED"
              ? h("div", { class: "error", role: "alert" }, `Payment ${p.number} failed: `, p.failureReason || "", ". Try another card or pay by wire.")
              : p.method === "WIRE"
                ? h("div", { class: "ok" }, `Wire notice ${p.number} recorded: ${money(p.amount)}. Send it citing invoice ${inv.number} (bank details on the invoice document).`)
                : h("div", { class: "ok" }, `Payment ${p.number} ${p.status}: ${money(p.amount)}${p.cardLast4 ? ` (card ${p.cardLast4})` : ""}. Balance now ${money(done.data.payInvoices.invoices[0]?.balance)}.`),
          );
        },
      },
    },
    h("h2", {}, "Pay"),
    top,
    h(
      "fieldset",
      {},
      h("legend", {}, "Method"),
      h("label", {}, h("input", { type: "radio", name: "method", value: "CARD", checked: true }), " Card"),
      " ",
      h("label", {}, h("input", { type: "radio", name: "method", value: "WIRE" }), " Wire transfer"),
    ),
    field("Amount", amount),
    cardSet,
    wireSet,
    h("button", { type: "submit", id: "pay" }, "Pay"),
  );
  replace(
    view,
    h("h1", {}, `Invoice ${inv.number}`),
    h(
      "dl",
      { class: "facts", id: "invoice-facts" },
      [
        ["Status", inv.status],
        ["Date", day(inv.invoiceDate)],
        ["Due", day(inv.dueDate)],
        ["PO number", inv.poNumber || "—"],
        ["Total", money(inv.total)],
        ["Paid", money(inv.amountPaid)],
        ["Wires announced", money(inv.pendingAmount)],
        ["Balance", money(inv.balance)],
      ].map(([k, v]) => [h("dt", {}, k), h("dd", { "data-fact": k }, v)]),
    ),
    h("p", {}, h("a", { href: inv.documentUrl, "data-download": "invoice-document", target: "_blank", rel: "noopener noreferrer" }, "Invoice document"), " · ", h("a", { href: inv.documentPdfUrl, "data-download": "invoice-pdf" }, "PDF")),
    h("table", {}, h("tbody", {}, inv.lines.map((l) => h("tr", {}, h("td", {}, l.position), h("td", {}, l.description), h("td", {}, l.quantity), h("td", {}, money(l.total)))))),
    inv.payments.length ? [h("h2", {}, "Payments"), h("ul", {}, inv.payments.map((p) => h("li", {}, `${day(p.appliedAt)} ${p.method} ${money(p.amount)} ${p.paymentNumber || ""}`)))] : null,
    Number(inv.balance.amount) > 0 ? form : null,
    result_,
    inv.status !== "CLOSED" ? disputeForm(inv) : null,
  );
}

// ---------- rewards ----------
async function rewardsPage() {
  const result = await gql(`{ rewards { balance { amount currency } expiringIn30Days { amount currency }
    lots(first: 50) { nodes { period depositedOn expiresOn remaining { amount currency } status } }
    activity(first: 20) { nodes { kind occurredOn amount { amount currency } balanceAfter { amount currency } invoiceNumber } } } }`);
  const r = result.data?.rewards;
  if (!r) return replace(view, h("h1", {}, "Rewards"), h("div", { class: "error", role: "alert" }, result.errors.map((e) => e.message).join(" · ")));
  const invoice = h("input", { name: "invoiceNumber" });
  const amount = h("input", { name: "amount", inputmode: "decimal" });
  const upTo = h("span", { class: "muted", id: "redeemable", "aria-live": "polite" });
  let currency = r.balance.currency;
  // R-W7: what rewards can pay on that invoice now, asked for as soon as the number is typed
  invoice.addEventListener("change", async () => {
    const got = await gql(`query Up($n: String!) { rewards { redeemable(invoiceNumber: $n) { amount currency } } }`, { n: invoice.value.trim() });
    const most = got.data?.rewards?.redeemable;
    replace(upTo, most ? `Up to ${money(most)}` : got.errors.map((e) => e.message).join(" · "));
    if (most) {
      amount.value = most.amount;
      currency = most.currency;
    }
  });
  const code = h("input", { name: "redemptionCode", type: "password", autocomplete: "off" });
  const top = h("div");
  const form = h(
    "form",
    {
      id: "redeem-form",
      on: {
        submit: async (ev) => {
          ev.preventDefault();
          const done = await gql(
            `mutation Redeem($input: RedeemRewardsInput!) { redeemRewards(input: $input) { amount { amount currency } rewardsBalance { amount currency } } }`,
            {
              input: {
                invoiceNumber: invoice.value.trim(),
                redemptionCode: code.value,
                idempotencyKey: newKey(),
                amount: amount.value.trim() ? { amount: amount.value.trim(), currency } : null,
              },
            },
          );
          showErrors(form, done.errors, top);
          if (done.data?.redeemRewards) {
            await rewardsPage();
            say(`Redeemed ${money(done.data.redeemRewards.amount)}; balance ${money(done.data.redeemRewards.rewardsBalance)}`);
          }
        },
      },
    },
    h("h2", {}, "Redeem on an invoice"),
    top,
    field("Invoice number", invoice, upTo),
    field("Amount", amount),
    field("Redemption code (emailed to you)", code),
    h("button", { type: "submit" }, "Redeem"),
  );
  replace(
    view,
    h("h1", {}, "Rewards"),
    h("p", { id: "rewards-balance" }, `Balance ${money(r.balance)} · expiring in 30 days ${money(r.expiringIn30Days)}`),
    h("h2", {}, "Lots"),
    h("table", { id: "lots" }, h("tbody", {}, r.lots.nodes.map((l) => h("tr", {}, h("td", {}, l.period), h("td", {}, day(l.depositedOn)), h("td", {}, `expires ${day(l.expiresOn)}`), h("td", {}, money(l.remaining)), h("td", {}, l.status))))),
    h("h2", {}, "Activity"),
    h("table", { id: "activity" }, h("tbody", {}, r.activity.nodes.map((a) => h("tr", {}, h("td", {}, day(a.occurredOn)), h("td", {}, a.kind), h("td", {}, a.invoiceNumber || ""), h("td", {}, money(a.amount)), h("td", {}, money(a.balanceAfter)))))),
    form,
  );
}

// ---------- people (R-A3: admins invite, change roles, remove) and the billing dashboard (R-S4) ----------
const ROLES = ["FINANCE", "TECHNICAL", "EXECUTIVE", "ADMIN"];

async function peoplePage() {
  const parts = ["users(first: 100) { nodes { id email firstName lastName status roles lastSignInAt } }"];
  if (has("sharing")) parts.push("billingDashboardShares(first: 100) { nodes { id email userStatus } }");
  const result = await gql(`query People { ${parts.join(" ")} canInvite: can(object: "user", action: "invite") }`);
  const people = result.data?.users?.nodes || [];
  const admin = viewer.isAdmin;
  const top = h("div");
  const email = h("input", { name: "email", type: "email", autocomplete: "off" });
  const first = h("input", { name: "firstName" });
  const last = h("input", { name: "lastName" });
  const role = h("select", { name: "roles" }, ROLES.map((r) => h("option", { value: r }, r)));
  const invite = h(
    "form",
    {
      id: "invite-form",
      on: {
        submit: async (ev) => {
          ev.preventDefault();
          const done = await gql(`mutation Invite($input: InviteUserInput!) { inviteUser(input: $input) { id } }`, {
            input: { email: email.value.trim(), firstName: first.value, lastName: last.value, roles: [role.value] },
          });
          showErrors(invite, done.errors, top);
          if (done.data?.inviteUser) peoplePage();
        },
      },
    },
    h("h2", {}, "Invite a colleague"),
    top,
    field("Email", email),
    field("First name", first),
    field("Last name", last),
    field("Role", role),
    h("button", { type: "submit" }, "Invite"),
  );
  const act = async (query, variables) => {
    const done = await gql(query, variables);
    if (done.errors.length) say(done.errors.map((e) => e.message).join(" · "));
    else peoplePage();
  };
  const row = (p) => {
    const roles = h("select", { name: `roles-${p.email}`, "aria-label": `Role of ${p.email}` }, ROLES.map((r) => h("option", { value: r, selected: p.roles.includes(r) }, r)));
    return h(
      "tr",
      { "data-person": p.email },
      h("td", {}, `${p.firstName} ${p.lastName}`),
      h("td", {}, p.email),
      h("td", {}, p.status),
      h("td", {}, admin ? roles : p.roles.join(", ")),
      h("td", {}, p.lastSignInAt ? day(p.lastSignInAt) : "—"),
      admin
        ? h(
            "td",
            {},
            h("button", { type: "button", "data-action": "roles", on: { click: () => act(`mutation R($id: ID!, $r: [PersonRoleName!]!) { changeUserRoles(id: $id, roles: $r) { id } }`, { id: p.id, r: [roles.value] }) } }, "Change role"),
            " ",
            h("button", { type: "button", "data-action": "remove", on: { click: () => act(`mutation X($id: ID!) { removeUser(id: $id) { id } }`, { id: p.id }) } }, "Remove"),
          )
        : null,
    );
  };
  const shares = result.data?.billingDashboardShares?.nodes;
  const shareEmails = h("input", { name: "shareEmails", autocomplete: "off" });
  const shareTop = h("div");
  const share = h(
    "form",
    {
      id: "billing-share-form",
      on: {
        submit: async (ev) => {
          ev.preventDefault();
          const done = await gql(`mutation S($e: [String!]!) { shareBillingDashboard(emails: $e) { id } }`, { e: shareEmails.value.split(/[\s,;]+/).filter(Boolean) });
          showErrors(share, done.errors, shareTop);
          if (done.data?.shareBillingDashboard) peoplePage();
        },
      },
    },
    h("h2", {}, "Share the billing dashboard"),
    shareTop,
    h("ul", { id: "billing-shares" }, (shares || []).map((b) => h("li", {}, `${b.email} (${b.userStatus || ""}) `, h("button", { type: "button", on: { click: () => act(`mutation V($e: String!) { revokeBillingDashboard(email: $e) { id } }`, { e: b.email }) } }, "Revoke")))),
    field("Colleagues' emails", shareEmails),
    h("button", { type: "submit" }, "Share"),
  );
  replace(
    view,
    h("h1", {}, t("People")),
    result.errors.some((e) => e.path?.[0] === "users") ? h("div", { class: "error", role: "alert" }, errorsAt(result, "users").map((e) => e.message).join(" · ")) : null,
    h("table", { id: "people" }, h("thead", {}, h("tr", {}, ["Name", "Email", "Status", "Roles", "Last sign-in", admin ? "" : null].filter((c) => c !== null).map((c) => h("th", { scope: "col" }, c)))), h("tbody", {}, people.map(row))),
    result.data?.canInvite ? invite : null,
    shares ? share : null,
  );
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
          const done = await gql(`mutation Locale($l: String!) { setMyLocale(locale: $l) { locale textDirection } }`, { l: select.value });
          showErrors(form, done.errors, top);
          if (done.data?.setMyLocale) {
            Object.assign(viewer, done.data.setMyLocale);
            applyLocale();
            say(`Language: ${LOCALES[viewer.locale]}`);
          }
        },
      },
    },
    top,
    field("Language", select),
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
  [/^#\/order\/([^?]+)$/, (m) => orderPage(decodeURIComponent(m[1]))],
  [/^#\/invoices\/(\w+)$/, (m) => invoicesPage(m[1])],
  [/^#\/invoice\/([^?]+)$/, (m) => invoicePage(decodeURIComponent(m[1]))],
  [/^#\/rewards$/, () => rewardsPage()],
  [/^#\/settings$/, () => settingsPage()],
  [/^#\/people$/, () => peoplePage()],
];

let generation = 0; // the route being shown: an older one still loading must not mark the page ready

async function route() {
  const mine = ++generation;
  say("");
  delete view.dataset.page;
  const ready = (page) => {
    if (mine === generation) view.dataset.page = page;
  };
  if (!session.token) {
    await signInPage();
    return ready("signin");
  }
  try {
    if (!viewer) await loadViewer();
  } catch {
    session.token = "";
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
      replace(view, h("div", { class: "error", role: "alert" }, `Something went wrong: ${e.message}`));
    } finally {
      view.removeAttribute("aria-busy");
      ready(hash.split(/[/?]/)[1] || "");
    }
    return;
  }
  location.hash = "#/dashboard";
}

document.getElementById("sign-out").addEventListener("click", signOut);
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
