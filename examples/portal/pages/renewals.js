// Renewals (SPEC §2–§3): the lists, a renewal's detail, AutoRenew, multi-year, quote-to and
// customer reference, sharing, carts, checkout (of a renewal, a cart or a multi-year quote) and the order.
import { gql, newKey } from "../api.js";
import { field, h, replace, showErrors } from "../dom.js";
import { progressLink } from "../download.js";
import { explain, label, t } from "../i18n.js";
import { day, flash, has, money, say, tabs, view } from "../shell.js";

const MESSAGE_MAX = 1800; // R-R12, R-R13: a request (assistance, multi-year quote) is at most 1,800 characters
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
      renewalDownloads(list: $list, filter: $filter) { standardCsvUrl summaryReportUrl detailedReportUrl }
      canCart: can(object: "renewal", action: "checkout") }`,
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
    field(t("Search"), search),
    list === "HISTORY" ? field(t("PO number"), po) : null,
    h("button", { type: "submit" }, t("Filter")),
  );
  const top = h("div");
  showErrors(form, result.errors, top);
  const rows = result.data?.renewals?.nodes || [];
  const links = result.data?.renewalDownloads;
  // R-R17: pending renewals open for ordering can be picked here and added to the cart together
  const pickable = (r) => list === "PENDING" && r.status === "OPEN" && result.data?.canCart;
  const picks = new Map(rows.filter(pickable).map((r) => [r.supportNumber, h("input", { type: "checkbox", name: "pick", value: r.supportNumber, "aria-label": t("Select {sn}", { sn: r.supportNumber }) })]));
  const addPicked = async () => {
    const chosen = [...picks.values()].filter((c) => c.checked).map((c) => c.value);
    if (!chosen.length) return say(t("Select the renewals to add first"));
    const done = await gql(`mutation Add($sn: [String!]!) { addToCart(supportNumbers: $sn) { itemCount } }`, { sn: chosen });
    const cart = done.data?.addToCart;
    say(cart ? t("Added {count} renewals to your cart ({total} in it)", { count: chosen.length, total: cart.itemCount }) : done.errors.map(explain).join(" · "));
    if (cart) for (const c of picks.values()) c.checked = false;
  };
  replace(
    view,
    h("h1", {}, t("Renewals")),
    tabs("#/renewals", { pending: t("Pending"), history: t("History"), future: t("Future") }, listKey),
    form,
    top,
    links
      ? h(
          "p",
          { class: "downloads" },
          progressLink(links.standardCsvUrl, "csv", t("Download CSV"), `renewals-${listKey}.csv`),
          " · ",
          progressLink(links.summaryReportUrl, "summary", t("Summary report"), `renewals-summary-${listKey}.csv`),
          links.detailedReportUrl ? [" · ", progressLink(links.detailedReportUrl, "detailed", t("Detailed report"), "renewals-detailed.csv")] : null,
        )
      : null,
    h("p", { class: "muted", id: "count" }, t("{count} renewals", { count: result.data?.renewals?.totalCount ?? 0 })),
    picks.size ? h("p", {}, h("button", { type: "button", id: "add-picked", on: { click: addPicked } }, t("Add selected to cart")), " · ", h("a", { href: "#/cart" }, t("Carts"))) : null,
    h(
      "table",
      { id: "renewals" },
      h("thead", {}, h("tr", {}, [t("Support number"), t("Customer"), t("End user"), t("Start"), t("End"), t("Amount"), t("Status"), list === "HISTORY" ? t("PO number") : t("Multi-year")].map((c) => h("th", { scope: "col" }, c)))),
      h(
        "tbody",
        {},
        rows.map((r) =>
          h(
            "tr",
            { "data-support-number": r.supportNumber },
            h("td", {}, picks.get(r.supportNumber) || null, picks.has(r.supportNumber) ? " " : null, h("a", { href: `#/renewal/${encodeURIComponent(r.supportNumber)}` }, r.supportNumber)),
            h("td", { class: "customer" }, r.customer),
            h("td", {}, r.endUser),
            h("td", {}, day(r.startDate)),
            h("td", {}, day(r.endDate)),
            h("td", {}, money(r.amount)),
            h("td", {}, label(r.status), r.autoRenew ? [" ", h("span", { class: "badge" }, t("AutoRenew"))] : null),
            h("td", {}, list === "HISTORY" ? r.poNumber || "" : r.multiYearEligible ? t("Save up to {amount}", { amount: money(r.saveUpTo) }) : ""),
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
      multiYearQuote { years amount { amount currency } message } quoteTo { firstName lastName email address phone }
      orderingDocumentUrl orderingDocumentPdfUrl sharedWithCount paymentMethodsOffered
      lines { product serviceLevel quantity amount { amount currency } }
      requests { kind message answer createdAt } ${has("sharing") ? "shares { id email role userStatus }" : ""} }
      canAccept: can(object: "renewal", action: "accept", id: $sid)
      canEdit: can(object: "renewal", action: "edit", id: $sid)
      canCart: can(object: "renewal", action: "checkout", id: $sid)
      canShare: can(object: "renewal", action: "share", id: $sid) }`,
    { sn, sid: sn },
  );
  const r = result.data?.renewal;
  if (!r) return replace(view, h("h1", {}, sn), h("div", { class: "error", role: "alert" }, result.errors.map(explain).join(" · ")));
  const [message, counter] = counted("assist-counter");
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
            say(t("Your request was sent to your sales representative."));
            renewalPage(sn);
          }
        },
      },
    },
    h("h2", {}, t("Request assistance")),
    top,
    field(t("Message"), message, counter),
    h("button", { type: "submit" }, t("Send request")),
  );
  replace(
    view,
    h("h1", {}, t("Renewal {sn}", { sn: r.supportNumber })),
    h(
      "dl",
      { class: "facts", id: "renewal-facts" },
      [
        [t("Customer"), r.customer],
        [t("End user"), r.endUser],
        [t("Quote"), r.quoteNumber],
        [t("Period"), `${day(r.startDate)} – ${day(r.endDate)}`],
        [t("Service level"), r.serviceLevel],
        [t("Amount"), money(r.amount)],
        [t("Status"), label(r.status)],
        [t("PO number"), r.poNumber || "—"],
        [t("Customer reference"), r.customerReference || "—"],
        [t("AutoRenew"), r.autoRenew ? t("on ({method})", { method: label(r.paymentMethod) }) : t("off")],
        [t("Changes lock on"), day(r.lockDate)],
        [t("Shared with"), t("{count} people", { count: r.sharedWithCount })],
      ].map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
    ),
    multiYearSection(r, result.data),
    h(
      "p",
      {},
      h("a", { href: r.orderingDocumentUrl, "data-download": "ordering-document", target: "_blank", rel: "noopener noreferrer" }, t("Ordering document")),
      " · ",
      h("a", { href: r.orderingDocumentPdfUrl, "data-download": "ordering-document-pdf" }, "PDF"),
      r.list === "PENDING" && result.data.canAccept
        ? [" · ", h("a", { href: `#/checkout/${encodeURIComponent(r.supportNumber)}`, id: "go-checkout" }, t("Check out"))]
        : null,
      r.list === "PENDING" && r.status === "OPEN" && result.data.canCart ? [" · ", addToCartButton(r.supportNumber)] : null,
    ),
    h("h2", {}, t("Lines")),
    h(
      "table",
      {},
      h("tbody", {}, r.lines.map((l) => h("tr", {}, h("td", {}, l.product), h("td", {}, l.serviceLevel), h("td", {}, l.quantity), h("td", {}, money(l.amount))))),
    ),
    r.requests.length
      ? [h("h2", {}, t("Requests")), h("ul", { id: "requests" }, r.requests.map((q) => h("li", {}, `${day(q.createdAt)} ${label(q.kind)}: `, q.message, q.answer ? [" — ", q.answer] : null)))]
      : null,
    r.list === "PENDING" && result.data.canEdit ? autoRenewForm(r) : null,
    r.list !== "HISTORY" && !r.locked && result.data.canEdit ? [referenceForm(r), quoteToForm(r)] : null,
    r.list === "HISTORY" && result.data.canAccept ? cancelSection(r) : null,
    assist,
    result.data.canShare && r.shares ? sharingTab(r) : null,
  );
}

/** R-R14: the ordering document of a renewal, wherever it is listed (a signed link). */
function orderingDocument(r) {
  return h("a", { href: r.orderingDocumentUrl, "data-download": "ordering-document", target: "_blank", rel: "noopener noreferrer" }, t("Ordering document"));
}

/** R-R6: a placed order is paid in advance and cannot be cancelled; asking shows the graph's answer. */
function cancelSection(r) {
  const answer = h("div", { id: "cancel-answer" });
  const ask = async () => {
    const done = await gql(`mutation Cancel($sn: String!) { cancelRenewalOrder(supportNumber: $sn) }`, { sn: r.supportNumber });
    replace(answer, done.errors.length ? h("div", { class: "error", role: "alert", "data-code": done.errors[0].extensions?.code || "" }, done.errors.map(explain).join(" · ")) : h("p", { class: "ok" }, t("Cancelled")));
  };
  return h(
    "section",
    { id: "cancel", "aria-labelledby": "cancel-h" },
    h("h2", { id: "cancel-h" }, t("Cancel the order")),
    h("p", { class: "muted" }, t("Support fees are paid before the support period: a placed renewal order is not cancellable or refundable.")),
    h("button", { type: "button", id: "cancel-order", on: { click: ask } }, t("Ask to cancel")),
    answer,
  );
}

/** A message box of at most 1,800 characters with its live "characters left" counter. */
function counted(counterId) {
  const box = h("textarea", { name: "message", rows: 5, cols: 70, maxlength: MESSAGE_MAX });
  const counter = h("span", { id: counterId, class: "muted", "aria-live": "polite" }, t("{count} characters left", { count: MESSAGE_MAX }));
  box.addEventListener("input", () => {
    counter.textContent = t("{count} characters left", { count: MESSAGE_MAX - box.value.length });
  });
  return [box, counter];
}

/** A small form whose mutation's errors land on its fields (extensions.field) or above it. */
function mutationForm(id, heading, controls, button, run) {
  const top = h("div");
  const form = h(
    "form",
    {
      id,
      on: {
        submit: async (ev) => {
          ev.preventDefault();
          const done = await run();
          showErrors(form, done.errors, top);
          if (!done.errors.length) await done.after?.();
        },
      },
    },
    h("h2", {}, heading),
    top,
    controls,
    h("button", { type: "submit" }, button),
  );
  return form;
}

// ---------- multi-year (R-R11, R-R12): request a quote, then review and accept it ----------
function multiYearSection(r, can) {
  const pending = r.list === "PENDING";
  const q = r.multiYearQuote;
  if (r.status === "MULTI_YEAR_QUOTED" && q?.amount) {
    return h(
      "section",
      { id: "multi-year", "aria-labelledby": "multi-year-h" },
      h("h2", { id: "multi-year-h" }, t("Multi-year quote")),
      h("p", { class: "ok", id: "multi-year-quote" }, t("{years}-year renewal quoted at {amount}", { years: q.years, amount: money(q.amount) }), r.saveUpTo ? ` ${t("(save up to {amount})", { amount: money(r.saveUpTo) })}` : ""),
      q.message ? h("p", { class: "muted" }, q.message) : null,
      pending && can.canAccept
        ? h("a", { href: `#/multi-year/${encodeURIComponent(r.supportNumber)}`, id: "go-multi-year" }, t("Review and accept the multi-year quote"))
        : null,
    );
  }
  if (r.status === "MULTI_YEAR_PENDING") {
    return h("p", { class: "muted", id: "multi-year-pending" }, t("Multi-year quote requested: your sales representative will prepare it."));
  }
  if (!r.multiYearEligible) return null;
  const saving = h("p", { class: "ok", id: "save-up-to" }, t("Multi-year: save up to {amount}", { amount: money(r.saveUpTo) }));
  if (!pending || r.status !== "OPEN" || !can.canAccept) return saving;
  const [message, counter] = counted("multi-year-counter");
  return [
    saving,
    mutationForm("multi-year-form", t("Request a multi-year quote"), field(t("Message to your sales representative"), message, counter), t("Request multi-year quote"), async () => {
      const done = await gql(`mutation MultiYear($sn: String!, $m: String!) { requestMultiYearQuote(supportNumber: $sn, message: $m) { status } }`, {
        sn: r.supportNumber,
        m: message.value,
      });
      done.after = async () => {
        await renewalPage(r.supportNumber);
        say(t("Multi-year quote requested: your sales representative was told."));
      };
      return done;
    }),
  ];
}

// ---------- customer reference (R-R16) and quote-to (R-R15): editable until the lock date ----------
function referenceForm(r) {
  const reference = h("input", { name: "customerReference", value: r.customerReference, maxlength: 200 });
  return mutationForm("reference-form", t("Customer reference"), field(t("Your reference (for your own tracking)"), reference), t("Save reference"), async () => {
    const done = await gql(`mutation Ref($input: UpdateRenewalInput!) { updateRenewal(input: $input) { customerReference } }`, {
      input: { supportNumber: r.supportNumber, customerReference: reference.value },
    });
    done.after = async () => {
      await renewalPage(r.supportNumber);
      say(t("Customer reference saved: {reference}", { reference: done.data.updateRenewal.customerReference || "—" }));
    };
    return done;
  });
}

function quoteToForm(r) {
  const inputs = Object.fromEntries(
    [
      ["firstName", t("First name")],
      ["lastName", t("Last name")],
      ["email", t("Email (of your organisation)")],
      ["address", t("Address")],
      ["phone", t("Phone")],
    ].map(([name, label]) => [name, [label, h("input", { name, value: r.quoteTo[name] || "", type: name === "email" ? "email" : "text" })]]),
  );
  const controls = Object.values(inputs).map(([label, input]) => field(label, input));
  return mutationForm("quote-to-form", t("Quote-to contact"), controls, t("Update quote-to"), async () => {
    const input = { supportNumber: r.supportNumber };
    for (const [name, [, control]] of Object.entries(inputs)) input[name] = control.value.trim();
    const done = await gql(`mutation QuoteTo($input: QuoteToInput!) { updateQuoteTo(input: $input) { supportNumber quoteTo { email } } }`, { input });
    done.after = async () => {
      const to = done.data.updateQuoteTo.quoteTo.email;
      const said = t("Quote-to of {sn} is now {email}", { sn: r.supportNumber, email: to });
      if (to === r.quoteTo.email) {
        await renewalPage(r.supportNumber);
        say(said);
      } else {
        // R-R15: ownership moves to the new contact, so the renewal leaves the former one's lists
        flash(said);
        location.hash = "#/renewals/pending";
      }
    };
    return done;
  });
}

// ---------- carts (R-R17) ----------
function addToCartButton(sn) {
  const button = h(
    "button",
    {
      type: "button",
      id: "add-to-cart",
      on: {
        click: async () => {
          const done = await gql(`mutation Add($sn: [String!]!) { addToCart(supportNumbers: $sn) { itemCount } }`, { sn: [sn] });
          const cart = done.data?.addToCart;
          say(cart ? t("Added {sn} to your cart ({count} in it)", { sn, count: cart.itemCount }) : done.errors.map(explain).join(" · "));
        },
      },
    },
    t("Add to cart"),
  );
  return button;
}

const CART = "id name status itemCount updatedAt summaryReportUrl totals { amount currency } renewals { supportNumber customer startDate amount { amount currency } orderingDocumentUrl }";

export async function cartPage() {
  const result = await gql(`query Carts { activeCart { ${CART} } savedCarts(first: 50) { nodes { ${CART} } } }`);
  const active = result.data?.activeCart;
  const saved = result.data?.savedCarts?.nodes || [];
  const act = async (query, variables, said) => {
    const done = await gql(query, variables);
    if (done.errors.length) return say(done.errors.map(explain).join(" · "));
    await cartPage();
    say(said);
  };
  const totals = (c) => c.totals.map(money).join(" + ") || money({ amount: "0", currency: "USD" });
  const items = (c) =>
    h(
      "table",
      { class: "cart-items" },
      h("thead", {}, h("tr", {}, [t("Support number"), t("Customer"), t("Start"), t("Amount"), ""].map((x) => h("th", { scope: "col" }, x)))),
      h(
        "tbody",
        {},
        c.renewals.map((r) =>
          h(
            "tr",
            { "data-support-number": r.supportNumber },
            h("td", {}, h("a", { href: `#/renewal/${encodeURIComponent(r.supportNumber)}` }, r.supportNumber), " · ", orderingDocument(r)),
            h("td", {}, r.customer),
            h("td", {}, day(r.startDate)),
            h("td", {}, money(r.amount)),
            h(
              "td",
              {},
              h(
                "button",
                {
                  type: "button",
                  "aria-label": t("Remove {sn} from the cart", { sn: r.supportNumber }),
                  on: { click: () => act(`mutation Rm($sn: String!, $c: ID) { removeFromCart(supportNumber: $sn, cartId: $c) { id } }`, { sn: r.supportNumber, c: c.id }, t("Removed {sn}", { sn: r.supportNumber })) },
                },
                t("Remove"),
              ),
            ),
          ),
        ),
      ),
    );
  const checkoutLink = (c) => h("a", { href: `#/checkout-cart/${encodeURIComponent(c.id)}`, "data-checkout-cart": c.name || "active" }, t("Check out this cart"));
  const name = h("input", { name: "name", maxlength: 100 });
  const saveForm = mutationForm("save-cart-form", t("Save this cart"), field(t("Cart name"), name), t("Save cart"), async () => {
    const done = await gql(`mutation Save($n: String!) { saveCart(name: $n) { name } }`, { n: name.value });
    done.after = async () => {
      await cartPage();
      say(t("Cart saved as {name}", { name: done.data.saveCart.name }));
    };
    return done;
  });
  replace(
    view,
    h("h1", {}, t("Carts")),
    result.errors.length ? h("div", { class: "error", role: "alert" }, result.errors.map(explain).join(" · ")) : null,
    h(
      "section",
      { id: "active-cart", "aria-labelledby": "active-cart-h" },
      h("h2", { id: "active-cart-h" }, t("Active cart")),
      active?.itemCount
        ? [
            h("p", { id: "active-total" }, t("{count} renewals · {total}", { count: active.itemCount, total: totals(active) })),
            items(active),
            h("p", {}, checkoutLink(active), " · ", progressLink(active.summaryReportUrl, "cart-summary", t("Summary report"), "cart-summary.csv")),
            saveForm,
          ]
        : h("p", { class: "muted", id: "cart-empty" }, t("Your cart is empty: add pending renewals from their page.")),
    ),
    h(
      "section",
      { id: "saved-carts", "aria-labelledby": "saved-carts-h" },
      h("h2", { id: "saved-carts-h" }, t("Saved carts")),
      saved.length
        ? saved.map((c) =>
            h(
              "div",
              { class: "saved-cart", "data-cart": c.name },
              h("h3", {}, c.name),
              h("p", { class: "muted" }, t("{count} renewals · {total} · saved {date}", { count: c.itemCount, total: totals(c), date: day(c.updatedAt) })),
              items(c),
              h(
                "p",
                {},
                checkoutLink(c),
                " · ",
                h("button", { type: "button", "data-action": "open", on: { click: () => act(`mutation O($id: ID!) { openSavedCart(id: $id) { id } }`, { id: c.id }, t("{name} is your active cart", { name: c.name })) } }, t("Make active")),
                " · ",
                h("button", { type: "button", "data-action": "delete", on: { click: () => act(`mutation D($id: ID!) { deleteCart(id: $id) }`, { id: c.id }, t("{name} deleted", { name: c.name })) } }, t("Delete")),
              ),
            ),
          )
        : h("p", { class: "muted" }, t("No saved carts.")),
    ),
  );
}

// ---------- AutoRenew (R-R7, R-R8): changeable until the lock date ----------
function autoRenewForm(r) {
  const enabled = h("input", { type: "checkbox", name: "autoRenew", checked: r.autoRenew, disabled: r.locked });
  const method = h(
    "select",
    { name: "paymentMethod", disabled: r.locked },
    r.paymentMethodsOffered.map((m) => h("option", { value: m, selected: m === r.paymentMethod }, label(m))),
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
            say(done.data.setAutoRenew.autoRenew ? t("AutoRenew on") : t("AutoRenew off"));
            renewalPage(r.supportNumber);
          }
        },
      },
    },
    h("h2", {}, t("AutoRenew")),
    h("p", { class: "muted", id: "lock-date" }, r.locked ? t("Locked since {date}", { date: day(r.lockDate) }) : t("You can change this until {date}", { date: day(r.lockDate) })),
    top,
    h("div", { class: "field" }, h("label", {}, enabled, " ", t("Renew automatically"))),
    field(t("Payment method"), method),
    h("button", { type: "submit", disabled: r.locked }, t("Save AutoRenew")),
  );
  return form;
}

// ---------- sharing tab (R-S1, R-S5) ----------
function sharingTab(r) {
  const emails = h("input", { name: "emails", type: "text", autocomplete: "off" });
  const role = h("select", { name: "role" }, h("option", { value: "PARTICIPANT" }, t("Participant")), h("option", { value: "VIEWER" }, t("Viewer")));
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
    field(t("Share with (emails of your organisation)"), emails),
    field(t("Role"), role),
    h("button", { type: "submit" }, t("Share")),
  );
  const revoke = async (share) => {
    const done = await gql(`mutation Revoke($id: ID!) { revokeShare(id: $id) { id } }`, { id: share.id });
    showErrors(form, done.errors, top);
    if (done.data?.revokeShare) renewalPage(r.supportNumber);
  };
  return h(
    "section",
    { id: "sharing", "aria-labelledby": "sharing-h" },
    h("h2", { id: "sharing-h" }, t("Sharing")),
    h(
      "ul",
      { id: "shares" },
      r.shares.map((s) =>
        h("li", { "data-share": s.email }, `${s.email} — ${label(s.role)}${s.userStatus ? ` (${label(s.userStatus)})` : ""} `, h("button", { type: "button", "aria-label": t("Revoke {email}", { email: s.email }), on: { click: () => revoke(s) } }, t("Revoke"))),
      ),
    ),
    form,
  );
}

// ---------- checkout (R-R4): of one renewal, of a cart (R-R17), or accepting a multi-year quote (R-R12) ----------
const PAYABLE = "supportNumber customer list status amount { amount currency } paymentMethodsOffered tssaRequired billing { name email address } orderingDocumentUrl";

/** What is being ordered: its title, the amount, and the renewals (for methods, TSSA and billing). */
async function orderable(what) {
  if (what.cartId) {
    const result = await gql(`query Cart($id: ID!) { node(id: $id) { ... on Cart { id name itemCount totals { amount currency } renewals { ${PAYABLE} } } } }`, { id: what.cartId });
    const c = result.data?.node;
    if (!c?.renewals) return { result };
    return { result, title: t("Checkout: cart {name}", { name: c.name || t("(active)") }), amount: c.totals.map(money).join(" + "), renewals: c.renewals };
  }
  const result = await gql(`query Checkout($sn: String!) { renewal(supportNumber: $sn) { ${PAYABLE} multiYearQuote { years amount { amount currency } } } }`, { sn: what.sn });
  const r = result.data?.renewal;
  if (!r) return { result };
  if (what.multiYear) {
    const q = r.multiYearQuote;
    return { result, title: t("Accept the multi-year quote {sn}", { sn: r.supportNumber }), amount: q?.amount ? t("{amount} for {years} years", { amount: money(q.amount), years: q.years }) : "", renewals: [r] };
  }
  return { result, title: t("Checkout {sn}", { sn: r.supportNumber }), amount: money(r.amount), renewals: [r] };
}

export const multiYearPage = (sn) => checkoutPage(sn, { multiYear: true });
export const cartCheckoutPage = (cartId) => checkoutPage(null, { cartId });

export async function checkoutPage(sn, { multiYear = false, cartId = null } = {}) {
  const { result, title, amount, renewals } = await orderable({ sn, multiYear, cartId });
  if (!renewals?.length)
    return replace(view, h("h1", {}, t("Checkout")), h("div", { class: "error", role: "alert" }, result.errors.map(explain).join(" · ") || t("Nothing to check out")));
  // the methods every renewal offers (a cart may span countries' rules only through its renewals)
  const offered = renewals[0].paymentMethodsOffered.filter((m) => renewals.every((x) => x.paymentMethodsOffered.includes(m)));
  const r = { ...renewals[0], paymentMethodsOffered: offered, tssaRequired: renewals.some((x) => x.tssaRequired), customer: renewals[0].customer };
  const input = (name, value = "", type = "text") => h("input", { name, value, type });
  const billing = { name: input("billing.name", r.billing.name), email: input("billing.email", r.billing.email, "email"), address: input("billing.address", r.billing.address) };
  const po = { number: input("purchaseOrder.number"), billToName: input("purchaseOrder.billToName"), billToEmail: input("purchaseOrder.billToEmail", "", "email"), billToAddress: input("purchaseOrder.billToAddress") };
  const methods = r.paymentMethodsOffered.map((m, i) =>
    h("label", { class: "method" }, h("input", { type: "radio", name: "paymentMethod", value: m, checked: i === 0 }), ` ${label(m)}`),
  );
  const poSet = h(
    "fieldset",
    { id: "po-fields" },
    h("legend", {}, t("Purchase order (must match the billing details)")),
    field(t("PO number"), po.number),
    field(t("Bill-to name"), po.billToName),
    field(t("Bill-to email"), po.billToEmail),
    field(t("Bill-to address"), po.billToAddress),
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
            paymentMethod: chosen,
            billing: { name: billing.name.value, email: billing.email.value, address: billing.address.value },
            acceptTerms: terms.checked,
            acceptTssa: tssa.checked,
            idempotencyKey: newKey(),
          };
          if (chosen === "PO")
            input.purchaseOrder = { number: po.number.value, billToName: po.billToName.value, billToEmail: po.billToEmail.value, billToAddress: po.billToAddress.value };
          let done;
          if (multiYear) {
            input.supportNumber = sn;
            done = await gql(`mutation AcceptMultiYear($input: AcceptMultiYearInput!) { placed: acceptMultiYearRenewal(input: $input) { orderNumbers } }`, { input });
          } else {
            if (cartId) input.cartId = cartId;
            else input.supportNumbers = [sn];
            done = await gql(`mutation Checkout($input: CheckoutInput!) { placed: checkout(input: $input) { orderNumbers } }`, { input });
          }
          showErrors(form, done.errors, top);
          const placed = done.data?.placed;
          if (placed) location.hash = `#/order/${placed.orderNumbers.map(encodeURIComponent).join(",")}`; // one order per renewal
        },
      },
    },
    top,
    h("fieldset", {}, h("legend", {}, t("Billing")), field(t("Name"), billing.name), field(t("Email"), billing.email), field(t("Address"), billing.address)),
    h("fieldset", { id: "methods" }, h("legend", {}, t("Payment (offered for {customer})", { customer: r.customer })), methods, h("span", { class: "field-error", "data-error-for": "paymentMethod" })),
    poSet,
    h("div", { class: "field" }, h("label", {}, terms, " ", t("I accept the Terms and Conditions")), h("span", { class: "field-error", "data-error-for": "acceptTerms" })),
    r.tssaRequired
      ? h("div", { class: "field" }, h("label", {}, tssa, " ", t("I accept the technical support service agreement (first renewal)")), h("span", { class: "field-error", "data-error-for": "acceptTssa" }))
      : null,
    h("button", { type: "submit", id: "place-order" }, multiYear ? t("Accept multi-year renewal · {amount}", { amount }) : t("Place order · {amount}", { amount })),
  );
  syncPo();
  replace(
    view,
    h("h1", {}, title),
    renewals.length > 1 ? h("p", { class: "muted", id: "checkout-renewals" }, renewals.map((x) => x.supportNumber).join(", ")) : null,
    h("p", { class: "documents" }, renewals.map((x, i) => [i ? " · " : "", x.supportNumber, ": ", orderingDocument(x)])),
    form,
  );
}

/** The confirmation of one or more orders (a cart places one order per renewal): "#/order/RO-1,RO-2". */
export async function orderPage(numbers) {
  const list = numbers.split(",").filter(Boolean).slice(0, 100);
  const vars = list.map((_, i) => `$n${i}: String!`).join(", ");
  const roots = list
    .map((_, i) => `o${i}: renewalOrder(orderNumber: $n${i}) { orderNumber kind placedAt paymentMethod poNumber total { amount currency } renewals { supportNumber list status } }`)
    .join("\n");
  const result = await gql(`query Order(${vars}) { ${roots} viewer { messages(first: 5) { nodes { subject createdAt } } } }`, Object.fromEntries(list.map((n, i) => [`n${i}`, n])));
  const orders = list.map((_, i) => result.data?.[`o${i}`]).filter(Boolean);
  if (!orders.length) return replace(view, h("h1", {}, numbers), h("div", { class: "error", role: "alert" }, result.errors.map(explain).join(" · ")));
  replace(
    view,
    h("h1", {}, t("Order confirmed")),
    h(
      "div",
      { id: "confirmation" },
      orders.map((o) => h("p", { class: "ok", "data-order": o.orderNumber }, t("Order {number} placed {date}: {total} by {method}", { number: o.orderNumber, date: day(o.placedAt), total: money(o.total), method: label(o.paymentMethod) }), o.kind === "MULTI_YEAR" ? ` ${t("(multi-year)")}` : "")),
    ),
    h(
      "ul",
      { id: "order-renewals" },
      orders.flatMap((o) => o.renewals).map((r) => h("li", { "data-support-number": r.supportNumber }, h("a", { href: `#/renewal/${encodeURIComponent(r.supportNumber)}` }, r.supportNumber), ` (${label(r.list)}, ${label(r.status)})`)),
    ),
    h("h2", {}, t("Message center")),
    h("ul", { id: "messages" }, (result.data?.viewer?.messages?.nodes || []).map((m) => h("li", {}, `${day(m.createdAt)} — `, m.subject))),
  );
}
