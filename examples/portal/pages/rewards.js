// Rewards (SPEC §5): balance by lot with expiry, activity, redeem with the emailed code.
import { gql, newKey } from "../api.js";
import { field, h, replace, showErrors } from "../dom.js";
import { day, money, say, view } from "../shell.js";

export async function rewardsPage() {
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
