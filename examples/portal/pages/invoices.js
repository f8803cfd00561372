// Invoices (SPEC §4): the lists, an invoice's detail, pay, dispute, email the list.
import { gql, newKey } from "../api.js";
import { field, h, replace, showErrors } from "../dom.js";
import { day, money, say, tabs, view } from "../shell.js";

const STATUSES = { overdue: "OVERDUE", open: "OPEN", closed: "CLOSED" };

export async function invoicesPage(key = "overdue") {
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

export async function invoicePage(number) {
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
