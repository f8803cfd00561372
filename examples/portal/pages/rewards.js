// Rewards (SPEC §4): balance by lot with expiry, activity (R-W11), redeem with the emailed code
// (R-W6: only an authorised recipient, so the form is shown only to whom the graph says may redeem).
import { gql, newKey } from "../api.js";
import { field, h, replace, showErrors } from "../dom.js";
import { explain, label, t } from "../i18n.js";
import { day, money, say, view } from "../shell.js";

const M = "{ amount currency }";

const rowsOrEmpty = (id, columns, rows, empty) =>
  rows.length
    ? h("table", { id }, h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))), h("tbody", {}, rows))
    : h("p", { class: "muted empty", id: `${id}-empty` }, empty);

function redeemForm(r) {
  const invoice = h("input", { name: "invoiceNumber", autocomplete: "off" });
  const amount = h("input", { name: "amount", inputmode: "decimal" });
  const upTo = h("span", { class: "muted", id: "redeemable", "aria-live": "polite" });
  let currency = r.balance.currency;
  // R-W7: what rewards can pay on that invoice now, asked for as soon as the number is typed
  invoice.addEventListener("change", async () => {
    const got = await gql(`query Up($n: String!) { rewards { redeemable(invoiceNumber: $n) ${M} } }`, { n: invoice.value.trim() });
    const most = got.data?.rewards?.redeemable;
    replace(upTo, most ? t("Up to {amount}", { amount: money(most) }) : got.errors.map(explain).join(" · "));
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
            `mutation Redeem($input: RedeemRewardsInput!) { redeemRewards(input: $input) { amount ${M} rewardsBalance ${M} } }`,
            {
              input: {
                invoiceNumber: invoice.value.trim(),
                redemptionCode: code.value,
                idempotencyKey: newKey(),
                amount: amount.value.trim() ? { amount: amount.value.trim(), currency } : null,
              },
            },
          );
          // a wrong code is the code field's error (the graph names no field: it is FORBIDDEN)
          const onCode = (e) => (e.extensions?.reason === "WRONG_REDEMPTION_CODE" ? { ...e, extensions: { ...e.extensions, field: "redemptionCode" } } : e);
          showErrors(form, done.errors.map(onCode), top);
          const got = done.data?.redeemRewards;
          if (got) {
            await rewardsPage();
            say(t("Redeemed {amount}; balance {balance}", { amount: money(got.amount), balance: money(got.rewardsBalance) }));
          }
        },
      },
    },
    h("h2", {}, t("Redeem on an invoice")),
    top,
    field(t("Invoice number"), invoice, upTo),
    field(t("Amount"), amount),
    field(t("Redemption code (emailed to you)"), code),
    h("button", { type: "submit" }, t("Redeem")),
  );
  return form;
}

export async function rewardsPage() {
  const result = await gql(`{ rewards { balance ${M} expiringIn30Days ${M}
    lots(first: 50) { nodes { period depositedOn expiresOn remaining ${M} status } }
    activity(first: 20) { nodes { kind occurredOn amount ${M} balanceAfter ${M} invoiceNumber } } }
    canRedeem: can(object: "rewards", action: "redeem") }`);
  const r = result.data?.rewards;
  if (!r)
    return replace(
      view,
      h("h1", {}, t("Rewards")),
      h("div", { class: "error", role: "alert", "data-code": result.errors[0]?.extensions?.code || "" }, result.errors.map(explain).join(" · ")),
    );
  replace(
    view,
    h("h1", {}, t("Rewards")),
    h("p", { id: "rewards-balance" }, t("Balance {balance} · expiring in 30 days {expiring}", { balance: money(r.balance), expiring: money(r.expiringIn30Days) })),
    h("h2", {}, t("Lots")),
    rowsOrEmpty(
      "lots",
      [t("Period"), t("Deposited"), t("Expires"), t("Remaining"), t("Status")],
      r.lots.nodes.map((l) =>
        h("tr", { "data-status": l.status }, h("td", {}, l.period), h("td", {}, day(l.depositedOn)), h("td", {}, t("Expires on {date}", { date: day(l.expiresOn) })), h("td", {}, money(l.remaining)), h("td", {}, label(l.status))),
      ),
      t("No rewards yet."),
    ),
    h("h2", {}, t("Activity")),
    rowsOrEmpty(
      "activity",
      [t("Date"), t("Kind"), t("Invoice"), t("Amount"), t("Balance after")],
      r.activity.nodes.map((a) =>
        h("tr", { "data-kind": a.kind }, h("td", {}, day(a.occurredOn)), h("td", {}, label(a.kind)), h("td", {}, a.invoiceNumber || ""), h("td", {}, money(a.amount)), h("td", {}, money(a.balanceAfter))),
      ),
      t("No activity yet."),
    ),
    result.data.canRedeem ? redeemForm(r) : null,
  );
}
