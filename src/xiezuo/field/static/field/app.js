/* The field app: households downloaded into IndexedDB, visits queued on the device and sent when
   the connection returns (each with a key made here, so a visit sent twice is stored once), conflicts
   shown to the cadre, the device store removed at sign-out. No framework, no CDN. */
"use strict";
(function () {
  const S = JSON.parse(document.getElementById("field-strings").textContent);
  const DB_NAME = "xiezuo-field";
  let current = null;  // the household being visited

  function openDb() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        const db = req.result;
        db.createObjectStore("households", { keyPath: "id" });
        db.createObjectStore("outbox", { keyPath: "client_key" });
        db.createObjectStore("meta", { keyPath: "key" });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  async function tx(store, mode, fn) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const t = db.transaction(store, mode);
      const result = fn(t.objectStore(store));
      t.oncomplete = () => { db.close(); resolve(result && "result" in result ? result.result : result); };
      t.onerror = () => { db.close(); reject(t.error); };
    });
  }
  const all = (store) => tx(store, "readonly", (s) => s.getAll());
  const put = (store, value) => tx(store, "readwrite", (s) => s.put(value));
  const del = (store, key) => tx(store, "readwrite", (s) => s.delete(key));

  function csrf() {
    const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    const input = document.querySelector("#logout-form input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else if (k.startsWith("data-")) node.setAttribute(k, v); else node[k] = v;
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  function showNet() {
    document.getElementById("net").textContent = navigator.onLine ? S.online : S.offline;
  }

  async function download() {
    const response = await fetch("/field/api/households", { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok || !(response.headers.get("content-type") || "").includes("json")) throw new Error("download");
    const data = await response.json();
    await tx("households", "readwrite", (s) => { s.clear(); data.households.forEach((h) => s.put(h)); });
    await put("meta", { key: "download", at: data.generated_at, user: data.user, month: data.month });
    document.body.dataset.downloaded = "1";
  }

  async function render() {
    const households = await all("households");
    const outbox = await all("outbox");
    const meta = (await all("meta")).find((m) => m.key === "download");
    const pending = new Set(outbox.map((v) => v.household));
    const list = document.getElementById("list");
    list.replaceChildren();
    // The cadre's own month, as the leader's dashboard counts it (a visit waiting in the outbox counts as made).
    const mine = households.filter((h) => h.mine);
    const made = mine.filter((h) => !h.due || pending.has(h.id)).length;
    const overdue = mine.filter((h) => h.overdue && !pending.has(h.id)).length;
    document.getElementById("summary").textContent = meta
      ? S.summary.replace("{made}", made).replace("{due}", mine.length)
        + (overdue ? " · " + S.overdue.replace("{n}", overdue) : "")
      : "";
    if (!households.length) list.append(el("p", { class: "muted" }, S.none));
    for (const h of households) {
      const state = pending.has(h.id) ? el("span", { class: "muted" }, S.queued)
        : h.due ? el("span", { class: h.overdue ? "due overdue" : "due" }, h.overdue ? S.overdue_one : S.due)
        : h.visited ? el("span", { class: "ok" }, S.visited + " " + h.visited) : el("span");
      const cases = h.cases.map((c) => el("div", { class: c.overdue ? "due" : "muted" },
        `${c.label} ${c.stage}` + (c.due ? ` · ${S.case_due} ${c.due}` : "")));
      const button = el("button", { type: "button", class: "record", "data-household": String(h.id) }, S.record);
      button.addEventListener("click", () => openVisit(h));
      list.append(el("div", { class: "card household", "data-household": String(h.id) },
        el("h3", {}, `${h.head} `, el("small", { class: "muted" }, h.number)),
        el("div", { class: "muted" }, `${h.village} · ${h.members.length} ${S.people} · ${h.status}`), state, ...cases, button));
    }
    const box = document.getElementById("outbox");
    box.hidden = outbox.length === 0;
    document.getElementById("outbox-count").textContent = String(outbox.length);
    const conflicts = document.getElementById("conflicts");
    conflicts.replaceChildren();
    for (const v of outbox.filter((v) => v.conflict)) conflicts.append(conflictPanel(v, households));
    for (const v of outbox.filter((v) => v.error)) {
      const drop = el("button", { type: "button" }, S.discard);
      drop.addEventListener("click", async () => { await del("outbox", v.client_key); await render(); });
      conflicts.append(el("div", { class: "conflict error" }, S.refused + " " + Object.values(v.error).flat().join(" "), " ", drop));
    }
  }

  function conflictPanel(v, households) {
    const h = households.find((x) => x.id === v.household) || { head: "", number: "" };
    const rows = Object.keys(v.conflict.mine).map((k) => el("tr", {},
      el("th", {}, S.facts[k] || k), el("td", { class: "server" }, String(v.conflict.server[k] ?? "—")),
      el("td", { class: "mine" }, String(v.conflict.mine[k]))));
    const keepServer = el("button", { type: "button", class: "keep-server" }, S.keep_server);
    const useMine = el("button", { type: "button", class: "use-mine" }, S.use_mine);
    keepServer.addEventListener("click", async () => {
      v.facts = {}; delete v.conflict; await put("outbox", v); await render(); sync();
    });
    useMine.addEventListener("click", async () => {
      v.base_version = v.conflict.version; delete v.conflict; await put("outbox", v); await render(); sync();
    });
    return el("div", { class: "conflict", "data-client-key": v.client_key },
      el("p", {}, S.conflict.replace("{household}", `${h.head} ${h.number}`)),
      el("table", {}, el("tr", {}, el("th", {}, ""), el("th", {}, S.server_version), el("th", {}, S.my_version)), ...rows),
      keepServer, " ", useMine);
  }

  function openVisit(h) {
    current = h;
    const form = document.getElementById("visit-form");
    form.reset();
    form.elements.on.value = new Date().toISOString().slice(0, 10);
    document.getElementById("visit-title").textContent = `${h.head} ${h.number}`;
    document.getElementById("visit-household").textContent =
      h.members.map((m) => `${m.name}（${m.relation}，${m.age}${S.years_old}，${m.health}）`).join("、");
    const measures = document.getElementById("visit-measures");
    measures.replaceChildren(...(h.measures || []).map((m) => el("li", { class: "measure" },
      `${m.on} ${m.category}${m.content ? "：" + m.content : ""} ${m.amount}${m.case ? " · " + m.case : ""}`)));
    document.getElementById("facts-year").textContent = h.facts.from_year ? `(${h.facts.from_year})` : "";
    for (const [k, v] of Object.entries(h.facts.values)) {
      const input = form.elements["fact-" + k];
      if (!input) continue;
      if (input.type === "checkbox") input.checked = !!v; else input.value = v;
    }
    document.getElementById("list").hidden = true;
    document.getElementById("visit").hidden = false;
    window.scrollTo(0, 0);
  }

  function closeVisit() {
    current = null;
    document.getElementById("visit").hidden = true;
    document.getElementById("list").hidden = false;
  }

  async function saveVisit(event) {
    event.preventDefault();
    const form = event.target;
    const h = current;
    const facts = {};
    for (const [k, old] of Object.entries(h.facts.values)) {
      const input = form.elements["fact-" + k];
      if (!input) continue;
      const value = input.type === "checkbox" ? input.checked : input.value.trim();
      if (String(value) !== String(old)) facts[k] = value;
    }
    const photos = Array.from(form.elements.photo.files).slice(0, 4);
    const visit = {
      client_key: crypto.randomUUID(), household: h.id, on: form.elements.on.value, met: form.elements.met.value,
      notes: form.elements.notes.value, facts, base_version: h.facts.version,
      risks: Array.from(form.querySelectorAll("input[name=risk]:checked")).map((i) => i.value),
      photos: photos.map((f) => ({ name: f.name, type: f.type, blob: f })), saved_at: new Date().toISOString(),
    };
    await put("outbox", visit);
    closeVisit();
    await render();
    sync();
  }

  let syncing = false;
  async function sync() {
    if (syncing || !navigator.onLine) return;
    syncing = true;
    try {
      for (const v of await all("outbox")) {
        if (v.conflict || v.error) continue;
        const body = new FormData();
        const { photos, conflict, ...data } = v;
        body.append("data", JSON.stringify(data));
        for (const p of photos || []) body.append("photo", p.blob, p.name);
        let response;
        try {
          response = await fetch("/field/api/visits", { method: "POST", body, credentials: "same-origin",
                                                         headers: { "X-CSRFToken": csrf() } });
        } catch (e) { break; }  // offline again: keep the rest queued
        if (response.status === 200 || response.status === 201) {
          await del("outbox", v.client_key);
        } else if (response.status === 409) {
          v.conflict = await response.json();
          await put("outbox", v);
        } else if (response.status === 400) {
          v.error = (await response.json()).errors; await put("outbox", v);
        } else {
          break;  // signed out or server trouble: try again later
        }
      }
      if (navigator.onLine) { try { await download(); } catch (e) { /* keep the device copy */ } }
    } finally {
      syncing = false;
      await render();
      document.body.dataset.synced = String(Date.now());
    }
  }

  async function signOut(event) {
    event.preventDefault();
    const form = event.target;
    await new Promise((resolve) => {
      const req = indexedDB.deleteDatabase(DB_NAME);
      req.onsuccess = req.onerror = req.onblocked = () => resolve();
    });
    form.submit();
  }

  document.getElementById("visit-form").addEventListener("submit", saveVisit);
  document.getElementById("cancel-visit").addEventListener("click", closeVisit);
  document.getElementById("sync").addEventListener("click", sync);
  document.getElementById("logout-form").addEventListener("submit", signOut);
  window.addEventListener("online", () => { showNet(); sync(); });
  window.addEventListener("offline", showNet);
  showNet();

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" })
      .then(() => { document.body.dataset.sw = "1"; }).catch(() => { document.body.dataset.sw = "0"; });
  }
  (async () => {
    try { if (navigator.onLine) await download(); } catch (e) { /* offline: the device copy */ }
    await render();
    document.body.dataset.ready = "1";
    sync();
  })();
})();
