// Renewals (SPEC §2–§3): the lists, a renewal's detail, AutoRenew, sharing, checkout and the order.
import { gql, newKey } from "../api.js";
import { field, h, replace, showErrors } from "../dom.js";
import { day, has, money, say, tabs, view } from "../shell.js";

const ASSIST_MAX = 1800; // R-R9: a request for assistance is at most 1,800 characters
const LISTS = { pending: "PENDING", history: "HISTORY", future: "FUTURE" };

export async function renewalsPage(listKey = "pending", params = new URLSearchParams()) {
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

export async function renewalPage(sn) {
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
export async function checkoutPage(sn) {
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

export async function orderPage(number) {
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
