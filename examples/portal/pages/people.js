// People (R-A3: admins invite, change roles, remove) and the billing dashboard (R-S4).
import { errorsAt, gql } from "../api.js";
import { field, h, replace, showErrors } from "../dom.js";
import { explain, label, t } from "../i18n.js";
import { day, has, say, view, viewer } from "../shell.js";

const ROLES = ["FINANCE", "TECHNICAL", "EXECUTIVE", "ADMIN"];

export async function peoplePage() {
  const parts = ["users(first: 100) { nodes { id email firstName lastName status roles lastSignInAt } }"];
  if (has("sharing")) parts.push("billingDashboardShares(first: 100) { nodes { id email userStatus } }");
  const result = await gql(`query People { ${parts.join(" ")} canInvite: can(object: "user", action: "invite") }`);
  const people = result.data?.users?.nodes || [];
  const admin = viewer.isAdmin;
  const top = h("div");
  const email = h("input", { name: "email", type: "email", autocomplete: "off" });
  const first = h("input", { name: "firstName" });
  const last = h("input", { name: "lastName" });
  const role = h("select", { name: "roles" }, ROLES.map((r) => h("option", { value: r }, label(r))));
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
    h("h2", {}, t("Invite a colleague")),
    top,
    field(t("Email"), email),
    field(t("First name"), first),
    field(t("Last name"), last),
    field(t("Role"), role),
    h("button", { type: "submit" }, t("Invite")),
  );
  const act = async (query, variables) => {
    const done = await gql(query, variables);
    if (done.errors.length) say(done.errors.map(explain).join(" · "));
    else peoplePage();
  };
  const row = (p) => {
    const roles = h("select", { name: `roles-${p.email}`, "aria-label": t("Role of {email}", { email: p.email }) }, ROLES.map((r) => h("option", { value: r, selected: p.roles.includes(r) }, label(r))));
    return h(
      "tr",
      { "data-person": p.email },
      h("td", {}, `${p.firstName} ${p.lastName}`),
      h("td", {}, p.email),
      h("td", { "data-status": p.status }, label(p.status)),
      h("td", {}, admin ? roles : p.roles.map(label).join(", ")),
      h("td", {}, p.lastSignInAt ? day(p.lastSignInAt) : "—"),
      admin
        ? h(
            "td",
            {},
            h("button", { type: "button", "data-action": "roles", "aria-label": t("Change the role of {email}", { email: p.email }), on: { click: () => act(`mutation R($id: ID!, $r: [PersonRoleName!]!) { changeUserRoles(id: $id, roles: $r) { id } }`, { id: p.id, r: [roles.value] }) } }, t("Change role")),
            " ",
            h("button", { type: "button", "data-action": "remove", "aria-label": t("Remove {email}", { email: p.email }), on: { click: () => act(`mutation X($id: ID!) { removeUser(id: $id) { id } }`, { id: p.id }) } }, t("Remove")),
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
    h("h2", {}, t("Share the billing dashboard")),
    shareTop,
    shares?.length
      ? h("ul", { id: "billing-shares" }, shares.map((b) => h("li", { "data-share": b.email }, `${b.email}${b.userStatus ? ` (${label(b.userStatus)})` : ""} `, h("button", { type: "button", "aria-label": t("Revoke {email}", { email: b.email }), on: { click: () => act(`mutation V($e: String!) { revokeBillingDashboard(email: $e) { id } }`, { e: b.email }) } }, t("Revoke")))))
      : h("p", { class: "muted empty", id: "billing-shares-empty" }, t("Nobody else sees the billing dashboard.")),
    field(t("Colleagues' emails"), shareEmails),
    h("button", { type: "submit" }, t("Share")),
  );
  replace(
    view,
    h("h1", {}, t("People")),
    result.errors.some((e) => e.path?.[0] === "users") ? h("div", { class: "error", role: "alert" }, errorsAt(result, "users").map(explain).join(" · ")) : null,
    h("table", { id: "people" }, h("thead", {}, h("tr", {}, [t("Name"), t("Email"), t("Status"), t("Roles"), t("Last sign-in"), admin ? t("Actions") : null].filter((c) => c !== null).map((c) => h("th", { scope: "col" }, c)))), h("tbody", {}, people.map(row))),
    result.data?.canInvite ? invite : null,
    shares ? share : null,
  );
}
