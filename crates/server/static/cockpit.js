// RID-13: keeps the cockpit's figures current from the server's event stream, without a
// reload. Each snapshot is flattened to "path.name" keys (lists of {name, n} become
// "devices.in_use") and written into the elements that name them in data-k.
"use strict";
(function () {
  const body = document.body;
  const url = body.dataset.events;
  if (!url || !window.EventSource) return;
  const lang = body.dataset.lang || "zh-CN";
  const live = document.getElementById("ck-live");
  function flat(o, prefix, out) {
    for (const [k, v] of Object.entries(o)) {
      const key = prefix ? prefix + "." + k : k;
      if (Array.isArray(v)) {
        for (const c of v) if (c && typeof c.name === "string") out[key + "." + c.name] = c.n;
      } else if (v !== null && typeof v === "object") {
        flat(v, key, out);
      } else {
        out[key] = v;
      }
    }
    return out;
  }
  function show(el, v) {
    if (el.dataset.k === "at") {
      el.textContent = new Date(v).toLocaleString(lang);
    } else if (v === null || v === undefined) {
      el.textContent = el.dataset.zero ? "0" : "—";
    } else if (el.dataset.fmt === "pct") {
      el.textContent = Number(v).toFixed(1) + "%";
    } else {
      el.textContent = Number(v).toLocaleString(lang);
    }
  }
  function stale(yes) {
    if (!live) return;
    live.classList.toggle("stale", yes);
    live.textContent = yes ? live.dataset.stale : live.dataset.live;
  }
  const source = new EventSource(url);
  source.addEventListener("snapshot", function (e) {
    let s;
    try { s = JSON.parse(e.data); } catch (_) { return; }
    const f = flat(s, "", {});
    for (const el of document.querySelectorAll("[data-k]")) show(el, f[el.dataset.k]);
    stale(false);
  });
  source.addEventListener("error", function () { stale(true); });
})();
