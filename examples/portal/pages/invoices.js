// Invoices (SPEC §3): the lists, an invoice's detail, pay (card, wire notice), dispute, email the
// list, the payment history (R-I2) and the billing profile (R-I14, R-I15: contacts, cards, plans and
// their schedules, credits, PO change requests). What a person may do is asked of the graph (`can`),
// so a form is shown only to who may use it; the graph refuses anything else anyway.
import { gql, newKey } from "../api.js";
import { field, h, replace, showErrors } from "../dom.js";
import { explain, label, t } from "../i18n.js";
import { day, money, say, tabs, view } from "../shell.js";

const STATUSES = { overdue: "OVERDUE", open: "OPEN", closed: "CLOSED" };
const PAGE = 50; // payment history rows asked for at a time
const M = "{ amount currency }";

function invoiceTabs(current) {
  return tabs(
    "#/invoices",
    { overdue: t("Overdue"), open: t("Open"), closed: t("Closed"), payments: t("Payment history"), profile: t("Billing profile") },
    current,
  );
}

const alert = (errors) =>
  errors.length ? h("div", { class: "error", role: "alert", "data-code": errors[0].extensions?.code || "" }, errors.map(explain).join(" · ")) : null;

const table = (id, columns, rows, empty) =>
  rows.length
    ? h(
        "table",
        { id },
        h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, rows),
      )
    : h("p", { class: "muted empty", id: `${id}-empty` }, empty);

export async function invoicesPage(key = "overdue") {
  if (key === "payments") return paymentsPage();
  if (key === "profile") return profilePage();
  const s = STATUSES[key] || "OVERDUE";
  const result = await gql(
    `query Invoices($s: InvoiceStatus) { invoices(status: $s, first: 100) { totalCount nodes { number invoiceDate dueDate poNumber
      total ${M} balance ${M} } } invoicingDownloads(status: $s) { invoicesCsvUrl paymentsCsvUrl } }`,
    { s },
  );
  const rows = result.data?.invoices?.nodes || [];
  const links = result.data?.invoicingDownloads;
  replace(
    view,
    h("h1", {}, t("Invoices")),
    invoiceTabs(key),
    alert(result.errors),
    links
      ? h(
          "p",
          {},
          h("a", { href: links.invoicesCsvUrl, "data-download": "invoices-csv" }, t("Invoices CSV")),
          " · ",
          h("a", { href: links.paymentsCsvUrl, "data-download": "payments-csv" }, t("Payment history CSV")),
          " · ",
          h("button", { type: "button", id: "email-list", on: { click: () => emailList(s) } }, t("Email me this list")),
        )
      : null,
    table(
      "invoices",
      [t("Invoice"), t("Date"), t("Due"), t("PO"), t("Total"), t("Balance")],
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
      t("No invoices in this list."),
    ),
  );
}

async function emailList(s) {
  const done = await gql(`mutation Email($s: InvoiceStatus) { emailInvoiceList(status: $s) { to invoices } }`, { s });
  const sent = done.data?.emailInvoiceList;
  say(sent ? t("{count} invoices emailed to {to}", { count: sent.invoices, to: sent.to }) : done.errors.map(explain).join(" · "));
}

// ---------- payment history (R-I2) ----------
const PAYMENTS = `query Payments($after: String) { invoicePayments(first: ${PAGE}, after: $after) { totalCount
  pageInfo { hasNextPage endCursor } nodes { number method status amount ${M} createdAt cardLast4 reference
  failureReason arrivesOn allocations { invoiceNumber amount ${M} } } }
  invoicingDownloads { paymentsCsvUrl } }`;

function paymentRow(p) {
  const how = p.cardLast4 ? [label(p.method), " ", h("span", { class: "muted", dir: "ltr" }, `•••• ${p.cardLast4}`)] : label(p.method);
  return h(
    "tr",
    { "data-payment": p.number, "data-status": p.status },
    h("td", {}, p.number),
    h("td", {}, day(p.createdAt)),
    h("td", {}, how),
    h("td", {}, label(p.status), p.failureReason ? [" — ", p.failureReason] : null, p.arrivesOn ? [" ", h("span", { class: "muted" }, t("Arrives on {date}", { date: day(p.arrivesOn) }))] : null),
    h("td", {}, money(p.amount)),
    h(
      "td",
      {},
      p.allocations.map((a, i) => [i ? ", " : "", h("a", { href: `#/invoice/${encodeURIComponent(a.invoiceNumber)}` }, a.invoiceNumber), ` (${money(a.amount)})`]),
    ),
    h("td", {}, p.reference || ""),
  );
}

async function paymentsPage() {
  const result = await gql(PAYMENTS, { after: null });
  const conn = result.data?.invoicePayments;
  const nodes = conn?.nodes || [];
  const columns = [t("Payment"), t("Date"), t("Method"), t("Status"), t("Amount"), t("Paid for"), t("Reference")];
  const list = table("payments", columns, nodes.map(paymentRow), t("No payments yet."));
  const counter = h("p", { class: "muted", id: "payments-count", "aria-live": "polite" });
  let cursor = conn?.pageInfo.endCursor;
  let shown = nodes.length;
  const count = () => replace(counter, t("{shown} of {total}", { shown, total: conn?.totalCount ?? 0 }));
  const more = h(
    "button",
    {
      type: "button",
      id: "more-payments",
      hidden: !conn?.pageInfo.hasNextPage,
      on: {
        click: async () => {
          const next = await gql(PAYMENTS, { after: cursor });
          const page = next.data?.invoicePayments;
          if (!page) return say(next.errors.map(explain).join(" · "));
          list.querySelector("tbody").append(...page.nodes.map(paymentRow));
          shown += page.nodes.length;
          cursor = page.pageInfo.endCursor;
          more.hidden = !page.pageInfo.hasNextPage;
          count();
        },
      },
    },
    t("Show more"),
  );
  count();
  const csv = result.data?.invoicingDownloads?.paymentsCsvUrl;
  replace(
    view,
    h("h1", {}, t("Payment history")),
    invoiceTabs("payments"),
    alert(result.errors),
    csv ? h("p", {}, h("a", { href: csv, "data-download": "payments-csv" }, t("Payment history CSV"))) : null,
    counter,
    list,
    more,
  );
}

// ---------- billing profile (R-I14, R-I15) ----------
const PROFILE = `query Profile { billingProfile { billingEmail accountContacts
    paymentsDue { currency invoices amount ${M} overdue ${M} }
    cards { id label last4 expMonth expYear expired isDefault }
    openCredits { number source remaining ${M} createdAt }
    poChangeRequests { invoiceNumber poNumber documentName status requestedBy createdAt } }
  subscriptions(first: 50) { nodes { number name frequency startDate endDate termMonths scheduleCsvUrl
    billingSchedule { billDate amount ${M} poNumber invoiceNumber } } }
  canManage: can(object: "billing_profile", action: "manage") }`;

async function profilePage() {
  const result = await gql(PROFILE);
  const p = result.data?.billingProfile;
  if (!p) return replace(view, h("h1", {}, t("Billing profile")), invoiceTabs("profile"), alert(result.errors));
  const manage = !!result.data.canManage;
  const plans = result.data.subscriptions?.nodes || [];
  replace(
    view,
    h("h1", {}, t("Billing profile")),
    invoiceTabs("profile"),
    alert(result.errors.filter((e) => e.path?.[0] !== "billingProfile")),
    contactsSection(p, manage),
    h("h2", {}, t("Payments due")),
    table(
      "payments-due",
      [t("Currency"), t("Invoices"), t("Amount"), t("Overdue")],
      p.paymentsDue.map((d) => h("tr", { "data-currency": d.currency }, h("td", {}, d.currency), h("td", {}, d.invoices), h("td", {}, money(d.amount)), h("td", {}, money(d.overdue)))),
      t("Nothing is due."),
    ),
    cardsSection(p, manage),
    h("h2", {}, t("Credits")),
    table(
      "credits",
      [t("Credit"), t("Source"), t("Date"), t("Remaining")],
      p.openCredits.map((c) => h("tr", {}, h("td", {}, c.number), h("td", {}, label(c.source)), h("td", {}, day(c.createdAt)), h("td", {}, money(c.remaining)))),
      t("No open credits."),
    ),
    plansSection(plans),
    poSection(p, manage),
  );
}

/** After a change the profile is shown again from the graph, with a note in the status line. */
async function reloadProfile(note) {
  await profilePage();
  say(note);
}

function contactsSection(p, manage) {
  const facts = h(
    "dl",
    { class: "facts", id: "billing-contacts" },
    h("dt", {}, t("Billing email")),
    h("dd", { "data-fact": "billingEmail" }, p.billingEmail || "—"),
    h("dt", {}, t("Account contacts (copied on every invoice)")),
    h("dd", { "data-fact": "accountContacts" }, p.accountContacts.join(", ") || "—"),
  );
  if (!manage) return facts;
  const email = h("input", { name: "billingEmail", type: "email", value: p.billingEmail, autocomplete: "email" });
  const contacts = h("textarea", { name: "accountContacts", rows: 2, cols: 60 }, p.accountContacts.join(", "));
  const top = h("div");
  const form = h(
    "form",
    {
      id: "contacts-form",
      on: {
        submit: async (ev) => {
          ev.preventDefault();
          const done = await gql(`mutation Contacts($e: String, $c: [String!]) { updateBillingProfile(billingEmail: $e, accountContacts: $c) { billingEmail } }`, {
            e: email.value.trim(),
            c: contacts.value.split(/[\s,;]+/).filter(Boolean),
          });
          showErrors(form, done.errors, top);
          if (done.data?.updateBillingProfile) reloadProfile(t("Contacts saved."));
        },
      },
    },
    top,
    field(t("Billing email"), email),
    field(t("Account contacts (copied on every invoice)"), contacts),
    h("button", { type: "submit" }, t("Save contacts")),
  );
  return [facts, form];
}

function cardsSection(p, manage) {
  const top = h("div");
  const remove = async (card) => {
    const done = await gql(`mutation RemoveCard($id: ID!) { removeBillingCard(id: $id) { billingEmail } }`, { id: card.id });
    if (done.data?.removeBillingCard) reloadProfile(t("Card removed."));
    else replace(top, alert(done.errors));
  };
  const rows = p.cards.map((c) =>
    h(
      "tr",
      { "data-card": c.last4 || "", "data-expired": c.expired ? "true" : "false" },
      h("td", {}, c.label || t("Card")),
      h("td", {}, c.last4 ? `•••• ${c.last4}` : ""),
      h("td", {}, c.expMonth ? `${String(c.expMonth).padStart(2, "0")}/${c.expYear}` : "", c.expired ? [" ", h("span", { class: "badge bad" }, t("Expired"))] : null),
      h("td", {}, c.isDefault ? t("Default") : ""),
      manage
        ? h("td", {}, h("button", { type: "button", "data-action": "remove-card", "aria-label": t("Remove card {label}", { label: `${c.label} ${c.last4 || ""}`.trim() }), on: { click: () => remove(c) } }, t("Remove")))
        : null,
    ),
  );
  const columns = [t("Card"), t("Number"), t("Expires"), t("Default")];
  if (manage) columns.push(t("Actions"));
  return [h("h2", {}, t("Saved cards")), top, table("cards", columns, rows, t("No saved cards.")), manage ? addCardForm() : null];
}

function addCardForm() {
  const token = h("input", { name: "token", autocomplete: "off", spellcheck: "false", placeholder: "tok_…" });
  const year = new Date().getUTCFullYear();
  const month = h("select", { name: "expMonth" }, Array.from({ length: 12 }, (_, i) => h("option", { value: i + 1 }, String(i + 1).padStart(2, "0"))));
  const yearSel = h("select", { name: "expYear" }, Array.from({ length: 12 }, (_, i) => h("option", { value: year + i }, String(year + i))));
  const name = h("input", { name: "label", autocomplete: "off" });
  const makeDefault = h("input", { type: "checkbox", name: "makeDefault" });
  const top = h("div");
  const form = h(
    "form",
    {
      id: "card-form",
      on: {
        submit: async (ev) => {
          ev.preventDefault();
          const input = { token: token.value.trim(), expMonth: Number(month.value), expYear: Number(yearSel.value), label: name.value, makeDefault: makeDefault.checked };
          const done = await gql(`mutation AddCard($input: AddCardInput!) { addBillingCard(input: $input) { billingEmail } }`, { input });
          showErrors(form, done.errors, top);
          if (done.data?.addBillingCard) reloadProfile(t("Card saved."));
        },
      },
    },
    h("h3", {}, t("Add a card")),
    top,
    field(t("Card token (from the payment gateway)"), token),
    field(t("Expiry month"), month),
    field(t("Expiry year"), yearSel),
    field(t("Card name"), name),
    h("div", { class: "field" }, h("label", {}, makeDefault, " ", t("Make it the default card"))),
    h("button", { type: "submit" }, t("Add card")),
  );
  return form;
}

function plansSection(plans) {
  return [
    h("h2", {}, t("Plans")),
    plans.length
      ? h(
          "div",
          { id: "plans" },
          plans.map((s) =>
            h(
              "section",
              { class: "plan", "data-plan": s.number, "aria-labelledby": `plan-${s.number}` },
              h("h3", { id: `plan-${s.number}` }, `${s.number} · ${s.name}`),
              h(
                "dl",
                { class: "facts" },
                h("dt", {}, t("Frequency")),
                h("dd", {}, label(s.frequency)),
                h("dt", {}, t("Term")),
                h("dd", {}, `${day(s.startDate)} – ${day(s.endDate)} (${t("{months} months", { months: s.termMonths })})`),
              ),
              h("p", {}, h("a", { href: s.scheduleCsvUrl, "data-download": "schedule-csv" }, t("Schedule CSV"))),
              h(
                "table",
                { class: "schedule", "aria-label": t("Billing schedule of {plan}", { plan: s.name }) },
                h("thead", {}, h("tr", {}, [t("Bill date"), t("Amount"), t("PO"), t("Invoice")].map((c) => h("th", { scope: "col" }, c)))),
                h(
                  "tbody",
                  {},
                  s.billingSchedule.map((e) =>
                    h(
                      "tr",
                      {},
                      h("td", {}, day(e.billDate)),
                      h("td", {}, money(e.amount)),
                      h("td", {}, e.poNumber || ""),
                      h("td", {}, e.invoiceNumber ? h("a", { href: `#/invoice/${encodeURIComponent(e.invoiceNumber)}` }, e.invoiceNumber) : h("span", { class: "muted" }, t("Not issued yet"))),
                    ),
                  ),
                ),
              ),
            ),
          ),
        )
      : h("p", { class: "muted empty", id: "plans-empty" }, t("No plans on the account.")),
  ];
}

function poSection(p, manage) {
  const list = table(
    "po-requests",
    [t("Invoice"), t("PO number"), t("Document"), t("Status"), t("Requested by"), t("Date")],
    p.poChangeRequests.map((r) =>
      h("tr", { "data-po": r.poNumber }, h("td", {}, r.invoiceNumber), h("td", {}, r.poNumber), h("td", {}, r.documentName), h("td", {}, label(r.status)), h("td", {}, r.requestedBy), h("td", {}, day(r.createdAt))),
    ),
    t("No PO change requests."),
  );
  return [h("h2", {}, t("PO change requests")), list, manage ? poForm() : null];
}

/** R-I15: the invoice number, the new PO number and a copy of the PO (the graph keeps its file name). */
function poForm(invoiceNumber = "") {
  const invoice = h("input", { name: "invoiceNumber", value: invoiceNumber, autocomplete: "off" });
  const po = h("input", { name: "poNumber", maxlength: 64, autocomplete: "off" });
  const documentFile = h("input", { name: "poDocument", type: "file", accept: ".pdf,.png,.jpg,.jpeg,.tif,.tiff,.doc,.docx" });
  const top = h("div");
  const form = h(
    "form",
    {
      id: "po-change-form",
      on: {
        submit: async (ev) => {
          ev.preventDefault();
          const done = await gql(
            `mutation PoChange($n: String!, $po: String!, $doc: String!) { requestPoChange(invoiceNumber: $n, poNumber: $po, poDocumentName: $doc) { invoiceNumber status } }`,
            { n: invoice.value.trim(), po: po.value.trim(), doc: documentFile.files[0]?.name || "" },
          );
          showErrors(form, done.errors, top);
          const req = done.data?.requestPoChange;
          if (req) reloadProfile(t("PO change requested for invoice {invoice}.", { invoice: req.invoiceNumber }));
        },
      },
    },
    h("h3", {}, t("Request a PO change on future invoices")),
    top,
    field(t("Invoice number"), invoice),
    field(t("New PO number"), po),
    field(t("Copy of the PO"), documentFile),
    h("button", { type: "submit" }, t("Send request")),
  );
  return form;
}

// ---------- one invoice: pay (R-I16…R-I18) and dispute (R-I20) ----------
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
          const done = await gql(`mutation Dispute($n: String!, $r: String!) { openInvoiceDispute(invoiceNumber: $n, reason: $r) { number status } }`, {
            n: inv.number,
            r: reason.value,
          });
          showErrors(form, done.errors, top);
          const d = done.data?.openInvoiceDispute;
          if (d) replace(top, h("div", { class: "ok", id: "dispute-result", role: "status", "data-status": d.status }, t("Dispute {number}: {status}", { number: d.number, status: label(d.status) })));
        },
      },
    },
    h("h2", {}, t("Dispute this invoice")),
    top,
    field(t("Reason"), reason),
    h("button", { type: "submit" }, t("Open dispute")),
  );
  return form;
}

function payForm(inv, cards) {
  const card = h(
    "select",
    { name: "savedCardId" },
    cards.map((c) => h("option", { value: c.id, selected: c.isDefault }, `${c.label} ${c.last4 ? `•••• ${c.last4}` : ""}`.trim())),
    h("option", { value: "" }, t("Another card (token)")),
  );
  const cardToken = h("input", { name: "cardToken", autocomplete: "off" });
  const amount = h("input", { name: "amount", inputmode: "decimal", value: inv.balance.amount });
  const reference = h("input", { name: "reference" });
  const top = h("div");
  const outcome = h("div", { id: "pay-result", role: "status" });
  const methodOf = () => form.querySelector("input[name=method]:checked").value;
  const cardSet = h("div", { id: "card-fields" }, field(t("Card"), card), field(t("Card token (another card)"), cardToken));
  const wireSet = h("div", { id: "wire-fields", hidden: true }, field(t("Your payment reference"), reference));
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
              amount ${M} cardLast4 failureReason arrivesOn } invoices { number balance ${M} } } }`,
            { input },
          );
          showErrors(form, done.errors, top);
          const p = done.data?.payInvoices?.payment;
          if (!p) return;
          outcome.dataset.status = p.status;
          const amountText = p.cardLast4 ? `${money(p.amount)} (${t("card •••• {last4}", { last4: p.cardLast4 })})` : money(p.amount);
          replace(
            outcome,
            p.status === "FAILED"
              ? h("div", { class: "error", role: "alert" }, t("Payment {number} failed: {reason}. Try another card or pay by wire.", { number: p.number, reason: p.failureReason || "" }))
              : p.method === "WIRE"
                ? h("div", { class: "ok" }, t("Wire notice {number} recorded: {amount}. Send it citing invoice {invoice} (bank details on the invoice document).", { number: p.number, amount: money(p.amount), invoice: inv.number }))
                : h("div", { class: "ok" }, t("Payment {number}: {status}, {amount}. Balance now {balance}.", { number: p.number, status: label(p.status), amount: amountText, balance: money(done.data.payInvoices.invoices[0]?.balance) })),
          );
        },
      },
    },
    h("h2", {}, t("Pay")),
    top,
    h(
      "fieldset",
      {},
      h("legend", {}, t("Method")),
      h("label", {}, h("input", { type: "radio", name: "method", value: "CARD", checked: true }), " ", label("CARD")),
      " ",
      h("label", {}, h("input", { type: "radio", name: "method", value: "WIRE" }), " ", label("WIRE")),
      h("span", { class: "field-error", "data-error-for": "method" }),
    ),
    field(t("Amount"), amount),
    cardSet,
    wireSet,
    h("button", { type: "submit", id: "pay" }, t("Pay")),
  );
  return [form, outcome];
}

/** The invoice's disputes and how billing support resolved them (R-I20); none shown when none. */
function disputesOf(inv, disputes) {
  const mine = disputes.filter((d) => d.invoiceNumber === inv.number);
  if (!mine.length) return null;
  return [
    h("h2", {}, t("Disputes")),
    table(
      "invoice-disputes",
      [t("Dispute"), t("Status"), t("Reason"), t("Resolution note")],
      mine.map((d) => h("tr", { "data-dispute": d.number, "data-status": d.status }, h("td", {}, d.number), h("td", {}, label(d.status)), h("td", {}, d.reason), h("td", {}, d.resolutionNote || "—", d.rebillInvoiceNumber ? [" · ", h("a", { href: `#/invoice/${encodeURIComponent(d.rebillInvoiceNumber)}` }, t("Rebilled as {number}", { number: d.rebillInvoiceNumber }))] : null))),
      "",
    ),
  ];
}

export async function invoicePage(number) {
  const result = await gql(
    `query Invoice($n: String!) { invoice(number: $n) { number status invoiceDate dueDate poNumber currency
      total ${M} balance ${M} amountPaid ${M} pendingAmount ${M}
      documentUrl documentPdfUrl lines { position description quantity total ${M} }
      payments { paymentNumber creditNumber method kind amount ${M} appliedAt } }
      billingProfile { cards { id label last4 expired isDefault } }
      canPay: can(object: "invoice", action: "pay") canDispute: can(object: "invoice", action: "dispute")
      invoiceDisputes(first: 100) { nodes { number invoiceNumber status reason resolutionNote rebillInvoiceNumber } } }`,
    { n: number },
  );
  const inv = result.data?.invoice;
  if (!inv) return replace(view, h("h1", {}, t("Invoice {number}", { number })), alert(result.errors));
  const cards = (result.data.billingProfile?.cards || []).filter((c) => !c.expired);
  replace(
    view,
    h("h1", {}, t("Invoice {number}", { number: inv.number })),
    h(
      "dl",
      { class: "facts", id: "invoice-facts" },
      [
        ["Status", label(inv.status), "status"],
        ["Date", day(inv.invoiceDate)],
        ["Due", day(inv.dueDate)],
        ["PO number", inv.poNumber || "—"],
        ["Total", money(inv.total)],
        ["Paid", money(inv.amountPaid)],
        ["Wires announced", money(inv.pendingAmount)],
        ["Balance", money(inv.balance)],
      ].map(([k, v]) => [h("dt", {}, t(k)), h("dd", { "data-fact": k, "data-value": k === "Status" ? inv.status : null }, v)]),
    ),
    h(
      "p",
      {},
      h("a", { href: inv.documentUrl, "data-download": "invoice-document", target: "_blank", rel: "noopener noreferrer" }, t("Invoice document")),
      " · ",
      h("a", { href: inv.documentPdfUrl, "data-download": "invoice-pdf" }, t("PDF")),
    ),
    h("h2", {}, t("Lines")),
    table(
      "invoice-lines",
      [t("Position"), t("Description"), t("Quantity"), t("Total")],
      inv.lines.map((l) => h("tr", {}, h("td", {}, l.position), h("td", {}, l.description), h("td", {}, l.quantity), h("td", {}, money(l.total)))),
      "",
    ),
    h("h2", {}, t("Payments")),
    table(
      "invoice-payments",
      [t("Date"), t("Payment"), t("Method"), t("Kind"), t("Amount")],
      inv.payments.map((p) => h("tr", {}, h("td", {}, day(p.appliedAt)), h("td", {}, p.paymentNumber || p.creditNumber || ""), h("td", {}, label(p.method)), h("td", {}, label(p.kind)), h("td", {}, money(p.amount)))),
      t("No payments on this invoice yet."),
    ),
    disputesOf(inv, result.data.invoiceDisputes?.nodes || []),
    result.data.canPay && Number(inv.balance.amount) > 0 ? payForm(inv, cards) : null,
    result.data.canDispute && inv.status !== "CLOSED" ? disputeForm(inv) : null,
  );
}
