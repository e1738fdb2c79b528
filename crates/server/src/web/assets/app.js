// opsclock pages: live countdowns, the system search, the new ticket's preview, confirmations.
// No dependencies.
"use strict";

// Countdowns: time left to the deadline (wall clock), coloured when the clock has used 50 % and
// 80 % of its working-time budget (instants computed by the server, so business hours count).
// The text is the server's own form (app::vocab::duration::span), so a countdown reads the same
// before and after the script takes it over: days, hours and minutes from an hour up, minutes
// and seconds below, zero parts left out ("1 小时 35 分", "5 分 10 秒"; "1h 35m", "5m 10s").
function span(ms) {
  const s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  if (!document.documentElement.lang.startsWith("zh")) {
    const pad = (n) => String(n).padStart(2, "0");
    return d ? d + "d " + pad(h) + "h " + pad(m) + "m" : h ? h + "h " + pad(m) + "m" : m + "m " + pad(sec) + "s";
  }
  const parts = s >= 3600 ? [[d, "天"], [h, "小时"], [m, "分"]] : [[m, "分"], [sec, "秒"]];
  const words = parts.filter(([n]) => n > 0).map(([n, unit]) => n + " " + unit);
  return words.length ? words.join(" ") : "0 秒";
}
// The server's clock, not the device's: the page says what time the server had when it made
// the page, and the difference is kept (a phone set a few minutes wrong still counts right).
const skew = (() => {
  const server = Date.parse(document.body ? document.body.dataset.serverNow : "");
  return Number.isNaN(server) ? 0 : server - Date.now();
})();
function tick() {
  const now = Date.now() + skew;
  for (const el of document.querySelectorAll(".cd[data-live=yes]")) {
    const deadline = Date.parse(el.dataset.deadline);
    const at50 = el.dataset.at50 ? Date.parse(el.dataset.at50) : Infinity;
    const at80 = el.dataset.at80 ? Date.parse(el.dataset.at80) : Infinity;
    const left = deadline - now;
    const level = left < 0 ? "breached" : now >= at80 ? "80" : now >= at50 ? "50" : "ok";
    el.textContent = (left < 0 ? el.dataset.late : el.dataset.left) + " " + span(left);
    el.className = "cd lvl-" + level;
    el.dataset.level = level;
    const bar = el.closest(".clock");
    if (bar) bar.className = "clock lvl-" + level;
  }
}

// The system picker: filter the list by code, name or unit as one types.
function systemSearch() {
  const q = document.getElementById("system-search");
  const sel = document.getElementById("system");
  if (!q || !sel) return;
  const count = document.getElementById("system-count");
  q.addEventListener("input", () => {
    const words = q.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0, first = null;
    for (const o of sel.options) {
      const hay = (o.dataset.search || o.text).toLowerCase();
      const ok = words.every((w) => hay.includes(w));
      o.hidden = !ok;
      if (ok) { shown++; if (!first) first = o; }
    }
    if (count) count.textContent = String(shown);
    if (shown === 1 && first) { first.selected = true; sel.dispatchEvent(new Event("change", { bubbles: true })); }
  });
  q.addEventListener("keydown", (e) => { if (e.key === "Enter") e.preventDefault(); });
}

// The category picker: only the chosen system's policy's categories for the chosen kind (the
// server checks it again; without scripts every category is listed and a wrong one is refused).
function categoryPicker() {
  const form = document.getElementById("new-ticket");
  const cat = document.getElementById("category");
  if (!form || !cat) return;
  const row = document.getElementById("category-row");
  const sync = () => {
    const sys = form.elements.system.selectedOptions[0];
    const policy = sys ? sys.dataset.policy : null;
    const kind = form.elements.kind.value;
    let shown = 0;
    for (const o of cat.querySelectorAll("option[data-policy]")) {
      const ok = o.dataset.policy === policy && (!o.dataset.kinds || o.dataset.kinds.split(" ").includes(kind));
      o.hidden = !ok;
      o.disabled = !ok;
      if (ok) shown++;
      if (!ok && o.selected) cat.value = "";
    }
    for (const g of cat.querySelectorAll("optgroup")) g.hidden = !g.querySelector("option:not([hidden])");
    if (row) row.hidden = shown === 0;
  };
  form.elements.system.addEventListener("change", sync);
  form.elements.kind.addEventListener("change", sync);
  sync();
}

// The preview: what the ticket would get (severity, reason, deadlines), asked of the server on
// every change, before submitting.
function preview() {
  const form = document.getElementById("new-ticket");
  const box = document.getElementById("preview");
  if (!form || !box) return;
  let timer = null, seq = 0;
  const run = async () => {
    if (!form.elements.system.value) return;
    const mine = ++seq;
    const body = new URLSearchParams(new FormData(form));
    const res = await fetch(form.dataset.preview, { method: "POST", body, credentials: "same-origin" });
    if (mine !== seq) return;
    if (!res.ok || res.redirected) {
      // Signed out meanwhile, or refused: say so rather than show another page in the box.
      box.textContent = form.dataset.stale + " (HTTP " + res.status + ")";
      return;
    }
    box.innerHTML = await res.text();
    box.dataset.ready = String(mine);
  };
  const later = () => { clearTimeout(timer); timer = setTimeout(run, 250); };
  form.addEventListener("change", later);
  form.addEventListener("input", (e) => { if (e.target.name === "title") return; later(); });
  run();
}

// Forms that do something hard to undo (voiding a ticket) ask first. Without the script they
// still need their note, and the server refuses one without it.
function confirmations() {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (e) => {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  }
}

// A form is sent once: its buttons are disabled while the next page loads (a double click sends
// nothing more), and enabled again if the browser shows this page from its cache after Back.
// The new-ticket form's one-time token is kept in this history entry (not in any storage): Back
// to the form, even when the browser loads it afresh, gives it the token it was sent with, so
// that sending it again shows the ticket the first send opened. Without the script the browser
// keeps the token itself when it restores the form, and the server checks it either way.
function sendOnce() {
  for (const form of document.querySelectorAll("form[method=post]")) {
    form.addEventListener("submit", (e) => {
      if (e.defaultPrevented) return;
      for (const b of form.querySelectorAll("button")) {
        b.disabled = true;
        if (b.dataset.busy) { b.dataset.label = b.textContent; b.textContent = b.dataset.busy; }
      }
    });
  }
  window.addEventListener("pageshow", (e) => {
    if (!e.persisted) return;
    for (const b of document.querySelectorAll("form[method=post] button[disabled]")) {
      b.disabled = false;
      if (b.dataset.label) b.textContent = b.dataset.label;
    }
  });
  const once = document.getElementById("once");
  if (!once || !once.form) return;
  if (history.state && history.state.once) once.value = history.state.once;
  else history.replaceState({ ...(history.state || {}), once: once.value }, "");
}

document.addEventListener("DOMContentLoaded", () => {
  tick();
  setInterval(tick, 1000);
  systemSearch();
  categoryPicker();
  preview();
  confirmations();
  sendOnce();
});

// "Back" on the error page: the previous page (a link, not an inline script, which the
// Content-Security-Policy forbids; without script it leads to the board).
for (const a of document.querySelectorAll("a[data-back]")) {
  a.addEventListener("click", (e) => {
    if (history.length > 1) {
      e.preventDefault();
      history.back();
    }
  });
}
