// Long downloads (the renewal exports) with progress: the signed link is fetched here, its body read
// chunk by chunk so the page can say how far it got (bytes, and rows for CSV), then handed to the
// browser to save. The link is signed for this person, so no Authorization header is sent.
import { h, replace } from "./dom.js";
import { t } from "./i18n.js";

const FILE_NAME = /filename="?([^";]+)"?/i;

/** A link that downloads with a progress line under it ("data-download" names it for the tests). */
export function progressLink(href, key, label, fallbackName) {
  const bar = h("progress", { "aria-label": t("{label}: progress", { label }), hidden: true });
  const line = h("span", { class: "muted", "data-progress-for": key, "aria-live": "polite" });
  const link = h("a", { href, "data-download": key, on: { click: (ev) => start(ev) } }, label);
  let busy = false;
  async function start(ev) {
    ev.preventDefault();
    if (busy) return;
    busy = true;
    link.setAttribute("aria-disabled", "true");
    line.dataset.state = "running";
    try {
      const saved = await downloadWithProgress(href, fallbackName, (p) => {
        bar.hidden = false;
        if (p.total) {
          bar.max = p.total;
          bar.value = p.bytes;
        } else bar.removeAttribute("value"); // indeterminate: the size is not known in advance
        replace(line, ` ${progressText(p)}`);
      });
      bar.max = 1;
      bar.value = 1;
      line.dataset.rows = String(saved.rows);
      line.dataset.state = "done";
      replace(line, ` ${t("{progress} — saved as {name}", { progress: progressText(saved), name: saved.name })}`);
    } catch (e) {
      line.dataset.state = "failed";
      replace(line, h("span", { class: "field-error", role: "alert" }, ` ${e.message}`));
    } finally {
      busy = false;
      link.removeAttribute("aria-disabled");
    }
  }
  return h("span", { class: "download" }, link, " ", bar, line);
}

const size = (n) => (n < 10240 ? t("{n} bytes", { n }) : t("{n} KB", { n: Math.round(n / 1024) }));

function progressText(p) {
  const got = p.total ? t("{done} of {total}", { done: size(p.bytes), total: size(p.total) }) : size(p.bytes);
  return p.rows !== null ? t("{size} · {rows} rows", { size: got, rows: p.rows }) : got;
}

/** Fetch a signed link, reporting {bytes, total, rows} as it arrives; then save it under its name. */
export async function downloadWithProgress(href, fallbackName, onProgress) {
  const response = await fetch(href, { credentials: "omit", referrerPolicy: "no-referrer" });
  if (!response.ok) {
    // a signed link answers a short text when it has expired or is refused: worth showing
    const text = (await response.text()).slice(0, 200);
    throw new Error(`${response.status}: ${text || response.statusText}`);
  }
  const type = response.headers.get("content-type") || "application/octet-stream";
  const name = FILE_NAME.exec(response.headers.get("content-disposition") || "")?.[1] || fallbackName;
  const total = Number(response.headers.get("content-length")) || 0;
  const csv = type.startsWith("text/csv");
  const reader = response.body.getReader();
  const chunks = [];
  let bytes = 0;
  let newlines = 0;
  let last = 10;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    bytes += value.length;
    if (csv) for (const b of value) if (b === 10) newlines += 1;
    if (value.length) last = value[value.length - 1];
    onProgress({ bytes, total, rows: csv ? Math.max(newlines - 1, 0) : null });
  }
  // rows: lines after the header (a last line without its newline still counts)
  const rows = csv ? Math.max(newlines + (last === 10 || bytes === 0 ? 0 : 1) - 1, 0) : null;
  const blob = new Blob(chunks, { type });
  const url = URL.createObjectURL(blob);
  // our own blob: URL, which h() (links to this server or https only) rightly refuses
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return { bytes, total, rows, name };
}
