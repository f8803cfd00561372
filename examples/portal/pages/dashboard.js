// The dashboard (R-R22): one request for every tile the person's tenant has; a tile the person may
// not see is simply absent (its field is null with a FORBIDDEN error).
import { errorsAt, gql } from "../api.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { day, has, money, view, viewer } from "../shell.js";

function tile(key, label, value, href, raw = value) {
  const body = [h("span", { class: "value" }, value), h("span", { class: "label" }, label)];
  return h("div", { class: "tile", "data-tile": key, "data-value": raw }, href ? h("a", { href }, ...body) : body);
}

export async function dashboardPage() {
  const parts = [`viewer { email firstName lastName roles lastSignInAt tenant { name } messages(first: 5) { nodes { subject createdAt read } } }`];
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
    tile("savedCarts", t("Saved carts"), r.savedCarts.length, "#/cart"),
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
    // vendor staff are no rows of the tenant: no name, so their email
    h("h1", {}, `${t("Welcome")}, ${`${v.firstName} ${v.lastName}`.trim() || v.email}`),
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
    v.messages?.nodes?.length
      ? [h("h2", {}, t("Message center")), h("ul", { id: "dashboard-messages" }, v.messages.nodes.map((m) => h("li", { class: m.read ? "" : "unread" }, `${day(m.createdAt)} — `, m.subject)))]
      : null,
    d.renewalDashboard?.savedCarts.length
      ? [h("h2", {}, t("Saved carts")), h("ul", { id: "dashboard-carts" }, d.renewalDashboard.savedCarts.map((c) => h("li", {}, h("a", { href: "#/cart" }, c.name), ` (${c.itemCount})`)))]
      : null,
  );
}
