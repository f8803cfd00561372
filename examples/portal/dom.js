// Building the page without ever parsing data as HTML: every text goes in as a text node, every
// attribute through setAttribute, and links only to this server or the server's signed URLs.
import { explain, hint } from "./i18n.js";

const SAFE_URL = /^(#|\/(?!\/)|https?:\/\/)/i;

/** h("a", {href: "#/x", class: "c", on: {click: fn}}, "text", child, [more]) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "on") {
      for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    } else if (key.startsWith("on")) {
      throw new Error("event handlers go in `on`, never as attributes");
    } else if ((key === "href" || key === "src" || key === "action") && !SAFE_URL.test(String(value))) {
      throw new Error(`refusing the URL ${value}`);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let fieldIds = 0;

/** A labelled form control: the label names it for screen readers and the error slot is tied to it. */
export function field(label, control, hint) {
  const id = control.id || `f${++fieldIds}`;
  control.id = id;
  const error = h("span", { class: "field-error", id: `${id}-error`, "data-error-for": control.name || id });
  control.setAttribute("aria-describedby", `${id}-error`);
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hint || null, error);
}

/** Show each error where it happened: on the named field(s) when the error says which, else at the top. */
export function showErrors(form, errors, top) {
  for (const slot of form.querySelectorAll(".field-error")) slot.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  const general = [];
  for (const error of errors) {
    const ext = error.extensions || {};
    const names = [];
    if (ext.field) {
      const base = String(ext.field).replace(/^input\./, "");
      if (Array.isArray(ext.mismatched) && ext.mismatched.length) {
        for (const m of ext.mismatched) names.push(`${base}.${m}`);
      } else names.push(base);
    }
    let shown = false;
    for (const name of names) {
      const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
      if (!slot) continue;
      slot.textContent = hint(error) ? `${hint(error)} ${error.message}` : error.message;
      form.querySelector(`[name="${CSS.escape(name)}"]`)?.setAttribute("aria-invalid", "true");
      shown = true;
    }
    if (!shown) general.push(error);
  }
  // what the code means in the person's words, then the server's message (already in their language)
  const alert = general.length
    ? h("div", { class: "error", role: "alert", "data-code": general[0].extensions?.code || "" }, general.map(explain).join(" · "))
    : null;
  replace(top, alert);
}
