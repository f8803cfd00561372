// The vendor's operator (docs/internal-tools.md): the operator queue on the public graph, read only —
// tenants, plugins the server refused, scheduled jobs, the email outbox and the webhook backlog,
// each with its count as the graph answers it.
import { gql } from "../api.js";
import { h } from "../dom.js";
import { explain, label, t } from "../i18n.js";
import { day } from "../shell.js";

const OPERATOR = `query OperatorQueues { workQueues {
  tenants(first: 20) { totalCount nodes { people lastActivityAt tenant { key name } } }
  pluginFailures { source reason }
  jobs { job description lastRunAt lastOutcome runs failures }
  outbox(first: 20) { totalCount nodes { id kind to subject status attempts nextAttemptAt tenant { key } } }
  webhookDeliveries(first: 20) { totalCount nodes { delivery { id eventType status attempts nextAttemptAt endpointUrl } tenant { key } } } } }`;

function block(id, title, count, heads, rows, empty) {
  return h(
    "section",
    { id, "aria-labelledby": `${id}-h` },
    h("h2", { id: `${id}-h` }, title, " ", h("span", { class: "count", "data-count": id }, count)),
    rows.length
      ? h("table", { id: `${id}-table` }, h("thead", {}, h("tr", {}, heads.map((x) => h("th", { scope: "col" }, x)))), h("tbody", {}, rows))
      : h("p", { class: "muted" }, empty),
  );
}

const row = (attrs, ...cells) => h("tr", attrs, cells.map((c) => h("td", {}, c ?? "")));

/** The operator's sections of the work queue (nothing to act on: the counts and what is behind them). */
export async function operatorSections() {
  const result = await gql(OPERATOR);
  const w = result.data?.workQueues;
  const notes = result.errors.map(explain);
  if (!w) return [h("div", { class: "error", role: "alert" }, notes.join(" · "))];
  const failures = w.pluginFailures || [];
  const jobs = w.jobs || [];
  return [
    notes.length ? h("div", { class: "error", role: "alert" }, notes.join(" · ")) : null,
    w.tenants
      ? block(
          "op-tenants",
          t("Organisations"),
          w.tenants.totalCount,
          [t("Key"), t("Organisation"), t("People"), t("Last activity")],
          w.tenants.nodes.map((n) => row({ "data-tenant": n.tenant.key }, n.tenant.key, n.tenant.name, n.people, day(n.lastActivityAt) || "—")),
          t("No organisation."),
        )
      : null,
    block(
      "op-plugins",
      t("Plugins not loaded"),
      failures.length,
      [t("Plugin"), t("Reason")],
      failures.map((f) => row({ "data-plugin": f.source }, f.source, f.reason)),
      t("Every plugin loaded."),
    ),
    block(
      "op-jobs",
      t("Scheduled jobs"),
      jobs.length,
      [t("Job"), t("Description"), t("Last run"), t("Outcome"), t("Runs"), t("Failures")],
      jobs.map((j) => row({ "data-job": j.job }, j.job, j.description, day(j.lastRunAt) || "—", j.lastOutcome ? label(j.lastOutcome) : "—", j.runs, j.failures)),
      t("No scheduled job."),
    ),
    w.outbox
      ? block(
          "op-outbox",
          t("Email outbox"),
          w.outbox.totalCount,
          [t("Organisation"), t("To"), t("Subject"), t("Status"), t("Attempts"), t("Next attempt")],
          w.outbox.nodes.map((o) => row({ "data-email": o.id }, o.tenant?.key, o.to, o.subject, label(o.status), o.attempts, day(o.nextAttemptAt))),
          t("No email waits."),
        )
      : null,
    w.webhookDeliveries
      ? block(
          "op-webhooks",
          t("Webhook backlog"),
          w.webhookDeliveries.totalCount,
          [t("Organisation"), t("Endpoint"), t("Status"), t("Attempts"), t("Next attempt")],
          w.webhookDeliveries.nodes.map((q) =>
            row({ "data-delivery": q.delivery.id }, q.tenant?.key, q.delivery.endpointUrl || "", label(q.delivery.status), q.delivery.attempts, day(q.delivery.nextAttemptAt) || "—"),
          ),
          t("No webhook delivery waits."),
        )
      : null,
  ];
}
