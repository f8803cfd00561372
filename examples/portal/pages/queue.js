// Vendor staff's work queue (docs/internal-tools.md) on the public graph, a part for each staff role
// the viewer holds: the sales rep's — the renewals assigned to them, multi-year requests awaiting a
// quote (R-R12) and assistance requests awaiting an answer (R-R13), quoted and answered from here,
// each in the item's own tenant — billing support's (pages/billing.js) and the operator's
// (pages/operator.js).
import { gql } from "../api.js";
import { field, h, replace, showErrors } from "../dom.js";
import { explain, label, t } from "../i18n.js";
import { day, money, say, view, viewer } from "../shell.js";
import { billingSections } from "./billing.js";
import { operatorSections } from "./operator.js";

const QUEUE = `query Queue { workQueues {
  assignedRenewalCounts { pending history future }
  assignedRenewals(list: PENDING, first: 20) { totalCount
    nodes { id supportNumber startDate status amount { amount currency } tenant { key name } } }
  multiYearRequests(first: 20) { nodes { id message requesterEmail createdAt tenant { name }
    renewal { supportNumber amount { amount currency } } } }
  assistanceRequests(first: 20) { nodes { id message requesterEmail createdAt tenant { name } renewal { supportNumber } } } } }`;

/** One form per request: what it asks, and the control that does it (labelled with the renewal). */
function requestForm(kind, q, control, submitLabel, send) {
  const top = h("div");
  const form = h(
    "form",
    {
      class: "queue-item",
      "data-request": q.id,
      "data-sn": q.renewal?.supportNumber || "",
      on: {
        submit: async (ev) => {
          ev.preventDefault();
          const done = await send();
          showErrors(form, done.errors, top);
          if (!done.errors.length) {
            say(kind === "quote" ? t("Quote sent for {sn}.", { sn: q.renewal.supportNumber }) : t("Answer sent for {sn}.", { sn: q.renewal.supportNumber }));
            queuePage();
          }
        },
      },
    },
    h("h3", {}, `${q.renewal?.supportNumber || ""} · ${q.tenant?.name || ""}`),
    h("p", { class: "muted" }, t("{email} asked on {date}:", { email: q.requesterEmail, date: day(q.createdAt) })),
    h("blockquote", {}, q.message),
    top,
    control,
    h("button", { type: "submit" }, submitLabel),
  );
  return form;
}

function quoteForm(q) {
  const currency = q.renewal.amount.currency;
  const amount = h("input", { name: "amount", type: "number", min: "0.01", step: "0.01", required: true, inputmode: "decimal" });
  return requestForm(
    "quote",
    q,
    field(t("Quoted total for the whole term ({currency})", { currency }), amount, h("span", { class: "muted" }, t("This year's renewal: {amount}", { amount: money(q.renewal.amount) }))),
    t("Send quote"),
    () =>
      gql(`mutation Quote($id: ID!, $amount: MoneyInput!) { quoteQueuedMultiYear(requestId: $id, amount: $amount) { status } }`, {
        id: q.id,
        amount: { amount: amount.value, currency },
      }),
  );
}

function answerForm(q) {
  const answer = h("textarea", { name: "answer", rows: 4, cols: 60, required: true });
  return requestForm("answer", q, field(t("Answer"), answer), t("Send answer"), () =>
    gql(`mutation Answer($id: ID!, $a: String!) { answerRenewalAssistance(requestId: $id, answer: $a) { answeredAt } }`, { id: q.id, a: answer.value }),
  );
}

async function salesSections() {
  const result = await gql(QUEUE);
  const w = result.data?.workQueues;
  if (!w) return [h("div", { class: "error", role: "alert" }, result.errors.map(explain).join(" · "))];
  const notes = result.errors.map(explain);
  const c = w.assignedRenewalCounts;
  const renewals = w.assignedRenewals?.nodes || [];
  const multiYear = w.multiYearRequests?.nodes || [];
  const assistance = w.assistanceRequests?.nodes || [];
  return [
    notes.length ? h("div", { class: "error", role: "alert" }, notes.join(" · ")) : null,
    c
      ? h(
          "dl",
          { class: "facts", id: "assigned-counts" },
          [
            ["pending", t("Pending renewals"), c.pending],
            ["history", t("Renewal history"), c.history],
            ["future", t("Future renewals"), c.future],
          ].map(([key, name, value]) => [h("dt", {}, name), h("dd", { "data-count": key }, value)]),
        )
      : null,
    h("section", { "aria-labelledby": "assigned-h" }, h("h2", { id: "assigned-h" }, t("Assigned renewals")),
      renewals.length
        ? h(
            "table",
            { id: "assigned" },
            h("thead", {}, h("tr", {}, [t("Support number"), t("Organisation"), t("Start"), t("Status"), t("Amount")].map((x) => h("th", { scope: "col" }, x)))),
            h("tbody", {}, renewals.map((r) => h("tr", { "data-sn": r.supportNumber }, h("td", {}, r.supportNumber), h("td", {}, r.tenant?.name || ""), h("td", {}, day(r.startDate)), h("td", {}, label(r.status)), h("td", {}, money(r.amount))))),
          )
        : h("p", { class: "muted" }, t("Nothing assigned.")),
    ),
    h("section", { id: "multi-year-requests", "aria-labelledby": "my-h" }, h("h2", { id: "my-h" }, t("Multi-year quotes to prepare")),
      multiYear.length ? multiYear.map(quoteForm) : h("p", { class: "muted" }, t("No request awaits a quote."))),
    h("section", { id: "assistance-requests", "aria-labelledby": "as-h" }, h("h2", { id: "as-h" }, t("Assistance requests to answer")),
      assistance.length ? assistance.map(answerForm) : h("p", { class: "muted" }, t("No request awaits an answer."))),
  ];
}

/** The staff roles that have a part of the queue, and each part (asked of the graph together). */
const PARTS = {
  SALES_REP: ["Sales rep", () => salesSections()],
  BILLING_SUPPORT: ["Billing support", () => billingSections(queuePage)],
  OPERATOR: ["Operator", () => operatorSections()],
};

export const hasQueue = (v) => (v?.staffRoles || []).some((role) => role in PARTS);

export async function queuePage() {
  const roles = viewer.staffRoles.filter((role) => role in PARTS);
  const parts = await Promise.all(roles.map((role) => PARTS[role][1]()));
  // one role: its sections under the page's heading; several: a heading per role
  const body = roles.length === 1 ? parts[0] : roles.map((role, i) => h("section", { "data-role": role }, h("h2", {}, t(PARTS[role][0])), parts[i]));
  replace(view, h("h1", {}, t("Work queue")), roles.length ? body : h("p", { class: "muted" }, t("Nothing assigned.")));
}
