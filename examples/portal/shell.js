// What every page shares: the signed-in person (a live binding: setViewer replaces it), the page's
// regions, money and dates in the person's locale, the status line and the list tabs.
import { h } from "./dom.js";
import { setLanguage, t, translateStatic } from "./i18n.js";

export const view = document.getElementById("view");
export const nav = document.getElementById("nav");
const status = document.getElementById("status");

export let viewer = null; // who is signed in (and what modules their tenant has)

export function setViewer(v) {
  viewer = v;
}

// ---------- formatting in the person's locale ----------
const locale = () => viewer?.locale || "en";
export function money(m) {
  if (!m) return "";
  try {
    return new Intl.NumberFormat(locale(), { style: "currency", currency: m.currency }).format(Number(m.amount));
  } catch {
    return `${m.currency} ${m.amount}`;
  }
}
export function day(iso) {
  if (!iso) return "";
  const d = new Date(iso.length <= 10 ? `${iso}T00:00:00Z` : iso);
  const opts = iso.length <= 10 ? { dateStyle: "medium", timeZone: "UTC" } : { dateStyle: "medium", timeStyle: "short" };
  return new Intl.DateTimeFormat(locale(), opts).format(d);
}
export const has = (module) => viewer?.enabledModules.includes(module);

export function applyLocale() {
  document.documentElement.lang = viewer?.locale || "en";
  document.documentElement.dir = viewer?.textDirection === "rtl" ? "rtl" : "ltr";
  setLanguage(viewer?.locale || "en");
  translateStatic();
}

let flashed = ""; // said once the next route has shown (the route clears the status line first)

/** Say this on the next page: for a change that takes the person elsewhere. */
export function flash(text) {
  flashed = text;
}

export function takeFlash() {
  const text = flashed;
  flashed = "";
  return text;
}

export function say(text) {
  status.textContent = text || "";
}
export function tabs(base, names, current) {
  return h(
    "nav",
    { class: "tabs", "aria-label": t("Lists") },
    Object.entries(names).map(([key, label]) =>
      h("a", { href: `${base}/${key}`, "aria-current": key === current ? "page" : null }, label),
    ),
  );
}
