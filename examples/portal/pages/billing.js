// Vendor billing support (docs/internal-tools.md): their work queues on the public graph — open
// disputes (R-I20), wire notices waiting for the money (R-I17), unapplied receipts (R-I19), declined
// card payments (R-I18), overdue invoices by age (R-I1) and billing-dashboard share requests (R-S4) —
// each item worked from here with the queue's own mutation, in the item's tenant.
import { gql } from "../api.js";
import { field, h, showErrors } from "../dom.js";
import { explain, label, t } from "../i18n.js";
import { day, money, say } from "../shell.js";

const M = "{ amount currency }";
const BILLING = `query BillingQueues { workQueues {
  disputes(first: 20) { totalCount nodes { id number invoiceNumber reason openedBy openedAt tenant { name }
    invoice { lines { position description preTaxAmount ${M} } } } }
  wireNotices(first: 20) { totalCount nodes { id number status amount ${M} reference arrivesOn
    allocations { invoiceNumber amount ${M} } tenant { name } } }
  unappliedReceipts(first: 20) { totalCount nodes { id number source method amount ${M} remaining ${M} createdAt tenant { name } } }
  failedCardPayments(first: 20) { totalCount nodes { id number amount ${M} cardLast4 failureReason createdAt tenant { name } } }
  overdueInvoiceAges { fromDays toDays count }
  billingDashboardShareRequests(first: 20) { totalCount nodes { id emails reason requestedBy createdAt tenant { name } } } } }`;

// how a dispute ends (DisputeOutcome)
const OUTCOMES = { REJECT: "Reject: keep the invoice", CANCEL: "Cancel the invoice", REBILL: "Rebill: a corrected invoice" };

/** A queue item's form: what it is, its controls, and the buttons that work it (each a mutation). */
function itemForm(attrs, heading, facts, controls, buttons) {
  const top = h("div");
  const form = h("form", { class: "queue-item", ...attrs }, h("h3", {}, heading), facts, top, controls, buttons);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = ev.submitter || form.querySelector("button[type=submit]");
    const act = button.dataset.action;
    const { send, done: saying } = form.actions[act];
    const result = await send();
    showErrors(form, result.errors, top);
    if (!result.errors.length) {
      say(saying);
      form.refresh();
    }
  });
  return { form, top };
}

function section(id, title, count, items, empty) {
  return h(
    "section",
    { id, "aria-labelledby": `${id}-h` },
    h("h2", { id: `${id}-h` }, title, " ", h("span", { class: "count", "data-count": id }, count ?? 0)),
    items.length ? items : h("p", { class: "muted" }, empty),
  );
}

function disputeForm(d, refresh) {
  const outcome = h("select", { name: "outcome" }, Object.entries(OUTCOMES).map(([o, text]) => h("option", { value: o }, t(text))));
  const note = h("textarea", { name: "note", rows: 3, cols: 60, required: true });
  // a rebill: each line's corrected pre-tax amount (the lines left as they are do not change)
  const lines = (d.invoice?.lines || []).map((l) => ({
    line: l,
    input: h("input", { name: `line-${l.position}`, type: "number", min: "0", step: "0.01", inputmode: "decimal", value: l.preTaxAmount.amount }),
  }));
  const rebill = h(
    "fieldset",
    { class: "rebill", hidden: true },
    h("legend", {}, t("Corrected pre-tax amounts")),
    lines.map(({ line, input }) => field(t("Line {position}: {description} ({currency})", { position: line.position, description: line.description, currency: line.preTaxAmount.currency }), input)),
    h("span", { class: "field-error", "data-error-for": "rebillLines" }),
  );
  outcome.addEventListener("change", () => {
    rebill.hidden = outcome.value !== "REBILL";
  });
  const changed = () =>
    outcome.value === "REBILL" ? lines.filter(({ line, input }) => input.value !== line.preTaxAmount.amount).map(({ line, input }) => ({ position: line.position, preTaxAmount: input.value })) : null;
  const { form } = itemForm(
    { "data-dispute": d.number, "data-invoice": d.invoiceNumber },
    t("Dispute {number} on invoice {invoice}", { number: d.number, invoice: d.invoiceNumber }),
    [h("p", { class: "muted" }, `${d.tenant?.name || ""} · ${t("{email} asked on {date}:", { email: d.openedBy, date: day(d.openedAt) })}`), h("blockquote", {}, d.reason)],
    [field(t("Outcome"), outcome), rebill, field(t("Resolution note"), note)],
    h("button", { type: "submit", "data-action": "resolve" }, t("Resolve dispute")),
  );
  form.actions = {
    resolve: {
      send: () =>
        gql(
          `mutation Resolve($id: ID!, $o: DisputeOutcome!, $n: String!, $lines: [RebillLineInput!]) {
            resolveQueuedDispute(id: $id, outcome: $o, note: $n, rebillLines: $lines) { status } }`,
          { id: d.id, o: outcome.value, n: note.value, lines: changed() },
        ),
      done: t("Dispute {number} resolved.", { number: d.number }),
    },
  };
  form.refresh = refresh;
  return form;
}

function wireForm(p, refresh) {
  const invoices = p.allocations.map((a) => a.invoiceNumber).join(", ");
  const amount = h("input", { name: "amount", type: "number", min: "0.01", step: "0.01", required: true, inputmode: "decimal", value: p.amount.amount });
  const received = h("input", { name: "receivedOn", type: "date", required: true });
  const reference = h("input", { name: "bankReference", type: "text", required: true, autocomplete: "off" });
  const { form } = itemForm(
    { "data-notice": p.number },
    t("Wire notice {number}", { number: p.number }),
    h(
      "p",
      { class: "muted" },
      t("{organisation}: {amount} for {invoices}, expected on {date} ({status}); reference {reference}", {
        organisation: p.tenant?.name || "",
        amount: money(p.amount),
        invoices,
        date: day(p.arrivesOn),
        status: label(p.status),
        reference: p.reference || "—",
      }),
    ),
    [field(t("Amount received ({currency})", { currency: p.amount.currency }), amount), field(t("Received on"), received), field(t("Bank reference"), reference)],
    h("button", { type: "submit", "data-action": "record" }, t("Record receipt")),
  );
  form.actions = {
    record: {
      send: () =>
        gql(`mutation Receipt($id: ID!, $a: Decimal!, $d: Date!, $r: String!) { recordQueuedWireReceipt(noticeId: $id, amount: $a, receivedOn: $d, bankReference: $r) { __typename } }`, {
          id: p.id,
          a: amount.value,
          d: received.value,
          r: reference.value,
        }),
      done: t("Receipt recorded for {number}.", { number: p.number }),
    },
  };
  form.refresh = refresh;
  return form;
}

function shareForm(r, refresh) {
  const note = h("textarea", { name: "note", rows: 2, cols: 60 });
  const { form } = itemForm(
    { "data-share-request": r.id },
    t("{email} for {organisation}", { email: r.requestedBy, organisation: r.tenant?.name || "" }),
    [h("p", { class: "muted" }, t("Share with {emails}, asked on {date}:", { emails: r.emails.join(", "), date: day(r.createdAt) })), h("blockquote", {}, r.reason)],
    field(t("Why it is declined"), note),
    [h("button", { type: "submit", "data-action": "grant" }, t("Grant")), " ", h("button", { type: "submit", "data-action": "decline" }, t("Decline"))],
  );
  form.actions = {
    grant: {
      send: () => gql(`mutation Grant($id: ID!) { grantBillingDashboardShareRequest(id: $id) { status } }`, { id: r.id }),
      done: t("Shared as {email} asked.", { email: r.requestedBy }),
    },
    decline: {
      send: () => gql(`mutation Decline($id: ID!, $n: String!) { declineBillingDashboardShareRequest(id: $id, note: $n) { status } }`, { id: r.id, n: note.value }),
      done: t("Declined; {email} is told why.", { email: r.requestedBy }),
    },
  };
  form.refresh = refresh;
  return form;
}

function table(id, heads, rows) {
  return h("table", { id }, h("thead", {}, h("tr", {}, heads.map((x) => h("th", { scope: "col" }, x)))), h("tbody", {}, rows));
}

/** Billing support's sections of the work queue; `refresh` shows the queue again after an action. */
export async function billingSections(refresh) {
  const result = await gql(BILLING);
  const w = result.data?.workQueues;
  const notes = result.errors.map(explain);
  if (!w) return [h("div", { class: "error", role: "alert" }, notes.join(" · "))];
  const disputes = w.disputes?.nodes || [];
  const wires = w.wireNotices?.nodes || [];
  const receipts = w.unappliedReceipts?.nodes || [];
  const failed = w.failedCardPayments?.nodes || [];
  const ages = w.overdueInvoiceAges || [];
  const shares = w.billingDashboardShareRequests?.nodes || [];
  return [
    notes.length ? h("div", { class: "error", role: "alert" }, notes.join(" · ")) : null,
    section("disputes", t("Disputes to resolve"), w.disputes?.totalCount, disputes.map((d) => disputeForm(d, refresh)), t("No dispute is open.")),
    section("wire-notices", t("Wire notices to match"), w.wireNotices?.totalCount, wires.map((p) => wireForm(p, refresh)), t("No wire is awaited.")),
    section(
      "unapplied-receipts",
      t("Unapplied receipts"),
      w.unappliedReceipts?.totalCount,
      receipts.length
        ? [
            table(
              "receipts",
              [t("Credit"), t("Organisation"), t("Date"), t("Source"), t("Amount"), t("Remaining")],
              receipts.map((c) => h("tr", { "data-credit": c.number }, h("td", {}, c.number), h("td", {}, c.tenant?.name || ""), h("td", {}, day(c.createdAt)), h("td", {}, label(c.source)), h("td", {}, money(c.amount)), h("td", {}, money(c.remaining)))),
            ),
          ]
        : [],
      t("No receipt waits to be applied."),
    ),
    section(
      "failed-cards",
      t("Declined card payments"),
      w.failedCardPayments?.totalCount,
      failed.length
        ? [
            table(
              "failed",
              [t("Payment"), t("Organisation"), t("Date"), t("Card"), t("Amount"), t("Reason")],
              failed.map((p) => h("tr", { "data-payment": p.number }, h("td", {}, p.number), h("td", {}, p.tenant?.name || ""), h("td", {}, day(p.createdAt)), h("td", {}, p.cardLast4 ? `•••• ${p.cardLast4}` : ""), h("td", {}, money(p.amount)), h("td", {}, p.failureReason || ""))),
            ),
          ]
        : [],
      t("No card payment was declined."),
    ),
    section(
      "overdue-ages",
      t("Overdue invoices by age"),
      ages.reduce((sum, a) => sum + a.count, 0),
      ages.length
        ? [
            h(
              "dl",
              { class: "facts" },
              ages.map((a) => [
                h("dt", {}, a.toDays === null ? t("{from}+ days", { from: a.fromDays }) : t("{from}–{to} days", { from: a.fromDays, to: a.toDays })),
                h("dd", { "data-age": a.fromDays }, a.count),
              ]),
            ),
          ]
        : [],
      t("No invoice is overdue."),
    ),
    section("share-requests", t("Billing dashboard share requests"), w.billingDashboardShareRequests?.totalCount, shares.map((r) => shareForm(r, refresh)), t("No request awaits an answer.")),
  ];
}
