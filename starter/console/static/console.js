// Progressive enhancement only: every page works without this script.
"use strict";
(function () {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const stamp = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

  function countdown(ms) {
    const sign = ms < 0 ? "overdue by " : "in ";
    let s = Math.abs(Math.round(ms / 1000));
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    return sign + (h ? h + " h " : "") + (h || m ? m + " min " : "") + (h ? "" : s + " s");
  }

  // SLA deadlines count down; every time reads in the viewer's time zone.
  function paint(root) {
    const now = Date.now();
    root.querySelectorAll("time.due").forEach((el) => {
      const at = Date.parse(el.getAttribute("datetime"));
      if (isNaN(at)) return;
      el.textContent = countdown(at - now);
      el.title = stamp.format(at) + " (" + zone + ")";
      el.classList.toggle("overdue", at < now);
      el.classList.toggle("soon", at >= now && at - now < 15 * 60 * 1000);
    });
    root.querySelectorAll("time.local").forEach((el) => {
      const at = Date.parse(el.getAttribute("datetime"));
      if (!isNaN(at)) { el.textContent = stamp.format(at); el.title = zone; }
    });
  }

  // The queue refreshes itself every 5 s without reloading the page.
  function live(table) {
    const url = table.dataset.live;
    setInterval(async () => {
      if (document.hidden) return;
      try {
        const answer = await fetch(url, { credentials: "same-origin" });
        if (!answer.ok) return;
        const holder = document.createElement("table");
        holder.innerHTML = await answer.text();
        const rows = holder.querySelector("#queue-rows");
        if (rows) { document.getElementById("queue-rows").replaceWith(rows); paint(rows); }
      } catch (e) { /* offline for a moment: the next tick tries again */ }
    }, 5000);
  }

  // A chosen rules file is read into the textarea: the form posts plain text.
  function fileInto(input) {
    input.addEventListener("change", async () => {
      const file = input.files && input.files[0];
      if (file) document.getElementById(input.dataset.into).value = await file.text();
    });
  }

  // Keyboard: "/" focuses the first filter, j/k move between rows, Enter opens one.
  function keys() {
    document.addEventListener("keydown", (e) => {
      if (e.target.closest("input, select, textarea") || e.ctrlKey || e.metaKey || e.altKey) return;
      const rows = Array.from(document.querySelectorAll("#queue-rows tr a[href^='/console/leads/']"));
      const at = rows.indexOf(document.activeElement);
      if (e.key === "/") { const f = document.querySelector(".filters select, .filters input:not([type=hidden])"); if (f) { e.preventDefault(); f.focus(); } }
      else if (e.key === "j" && rows.length) rows[Math.min(rows.length - 1, at + 1)].focus();
      else if (e.key === "k" && rows.length) rows[Math.max(0, at - 1)].focus();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    paint(document);
    setInterval(() => paint(document), 1000);
    const table = document.querySelector("table[data-live]");
    if (table) live(table);
    document.querySelectorAll("input[type=file][data-into]").forEach(fileInto);
    keys();
  });
})();
