/* The mobile checklist of one point (wenming inspections).
 *
 * The draft (answers, notes, GPS fix, the send URL and a uuid made once per checklist) lives
 * in localStorage under the form's data-key ("wenming-checklist:<round>:<point>"), so it
 * survives a reload and a lost network. Photos (downscaled JPEG) are kept in IndexedDB
 * (database "wenming-checklists", store "photos", keys "<data-key>:<criterion>:<n>"), which
 * holds far more than localStorage's few MB; the draft lists their keys. Without IndexedDB a
 * photo is kept in the draft as a data URL, and when the device refuses to store it the
 * answers and notes are still saved without it (the inspector is told to send the checklist
 * before reloading).
 *
 * Submitting marks the draft "pending" and posts it; without a connection it stays pending
 * and is sent again when the browser is back online, every 15 s and on the next load of any
 * checklist or round page (so a checklist left pending at one point is sent while the
 * inspector is at the next one). The server answers the same uuid with the stored checklist,
 * so a resend after a lost answer never makes a second one. The draft is removed once the
 * server answers 200/201 with the stored checklist; a refused checklist (a JSON 4xx answer)
 * is shown and the draft kept for correction. Any other answer — the login page after an
 * expired session, a CSRF refusal, a proxy's error page — keeps the draft pending.
 */
(function () {
  "use strict";
  var PREFIX = "wenming-checklist:";

  // --- photos in IndexedDB (every helper resolves null when IndexedDB is unavailable) -------
  var dbPromise = null;
  function photoDb() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve) {
      try {
        var req = indexedDB.open("wenming-checklists", 1);
        req.onupgradeneeded = function () { req.result.createObjectStore("photos"); };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { resolve(null); };
        req.onblocked = function () { resolve(null); };
      } catch (e) { resolve(null); }
    });
    return dbPromise;
  }
  function idb(mode, fn) {
    return photoDb().then(function (db) {
      if (!db) return null;
      return new Promise(function (resolve) {
        var tx = db.transaction("photos", mode), store = tx.objectStore("photos"), out = {};
        fn(store, out);
        tx.oncomplete = function () { resolve(out.value === undefined ? true : out.value); };
        tx.onerror = tx.onabort = function () { resolve(null); };
      });
    });
  }
  function putPhoto(key, blob) {
    return idb("readwrite", function (store) { store.put(blob, key); });
  }
  function getPhoto(key) {
    return idb("readonly", function (store, out) {
      var req = store.get(key);
      req.onsuccess = function () { out.value = req.result || null; };
    });
  }
  function dropPhotos(draftKey) {
    return idb("readwrite", function (store) {
      store.delete(IDBKeyRange.bound(draftKey + ":", draftKey + ":\uffff"));
    });
  }

  function dataUrlToBlob(url) {
    var parts = url.split(","), bin = atob(parts[1]);
    var mime = (parts[0].match(/data:([^;]+)/) || [])[1] || "image/jpeg";
    var buf = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
    return new Blob([buf], { type: mime });
  }

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function readDraft(key) {
    try {
      var s = JSON.parse(localStorage.getItem(key) || "null");
      if (s && s.uuid) return s;
    } catch (e) { /* a broken draft starts again */ }
    return null;
  }

  function urlOf(key, draft) {
    if (draft.url) return draft.url;
    var m = key.match(/^wenming-checklist:(\d+):(\d+)$/);
    return m ? "/inspections/rounds/" + m[1] + "/points/" + m[2] + "/send/" : null;
  }

  /* Post a draft. Resolves {kind, status, body, redirected}: kind "sent" (200/201 with the
   * stored checklist; the draft and its photos are then removed), "refused" (a JSON 4xx of
   * the application), "login" (redirected to the login page, or a 401/403 page that is not
   * the application's: an expired session or CSRF cookie) or "retry" (no network, a 5xx, or
   * any other answer). */
  function postDraft(key, draft) {
    var fd = new FormData();
    var photos = [];
    var answers = Object.keys(draft.answers).filter(function (id) {
      return draft.answers[id].answer;
    }).map(function (id) {
      var a = draft.answers[id];
      (a.answer === "fail" ? a.photos || [] : []).forEach(function (p, i) {
        photos.push((typeof p === "string" ? Promise.resolve(dataUrlToBlob(p)) : getPhoto(p.idb))
          .then(function (blob) {
            if (blob) fd.append("photo-" + id, blob, "photo-" + id + "-" + i + ".jpg");
          }));
      });
      return { criterion_id: parseInt(id, 10), answer: a.answer, note: a.answer === "fail" ? a.note : "" };
    });
    fd.append("payload", JSON.stringify({
      uuid: draft.uuid, answers: answers, note: draft.note,
      lat: draft.gps ? draft.gps.lat : null, lon: draft.gps ? draft.gps.lon : null,
      accuracy: draft.gps ? draft.gps.accuracy : null
    }));
    return Promise.all(photos).then(function () {
      return fetch(urlOf(key, draft), {
        method: "POST", body: fd, credentials: "same-origin",
        headers: { "X-CSRFToken": csrf(), "Accept": "application/json" }
      });
    }).then(function (resp) {
      var json = (resp.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (!json || resp.redirected) return { status: resp.status, body: null, redirected: resp.redirected };
      return resp.json().then(function (body) { return { status: resp.status, body: body }; },
        function () { return { status: resp.status, body: null }; });
    }).then(function (r) {
      if (!r.body) {
        r.kind = r.redirected || r.status === 401 || r.status === 403 ? "login" : "retry";
      } else if ((r.status === 200 || r.status === 201) && r.body.submission_id) {
        r.kind = "sent";
        localStorage.removeItem(key);
        dropPhotos(key);
      } else if (r.status >= 400 && r.status < 500) {
        r.kind = "refused";
      } else {
        r.kind = "retry";
      }
      return r;
    }, function () {
      return { kind: "retry", status: 0, body: null };
    });
  }

  /* Send the pending drafts of other checklists kept on this device (not the open one). */
  var background = {};
  function sendOtherDrafts(exceptKey) {
    if (!navigator.onLine) return;
    for (var i = 0; i < localStorage.length; i++) {
      var key = localStorage.key(i);
      if (!key || key.indexOf(PREFIX) !== 0 || key === exceptKey || background[key]) continue;
      var draft = readDraft(key);
      if (!draft || !draft.pending) continue;
      background[key] = true;
      (function (key, draft) {
        postDraft(key, draft).then(function (r) {
          background[key] = false;
          if (r.kind === "refused") {
            draft.pending = false;
            try { localStorage.setItem(key, JSON.stringify(draft)); } catch (e) { /* kept as is */ }
          }
        });
      })(key, draft);
    }
  }

  var form = document.getElementById("checklist");
  var done = document.getElementById("checklist-done");
  if (!form && !done) {
    // Another page of the app (a round's page): send what is waiting on this device.
    sendOtherDrafts(null);
    window.addEventListener("online", function () { sendOtherDrafts(null); });
    setInterval(function () { sendOtherDrafts(null); }, 15000);
    return;
  }
  if (!form) {
    // The point has been inspected: a draft still pending here is a checklist whose answer
    // was lost; sending it again gets the stored one (same uuid) and clears the draft.
    form = done;
  }
  var T = JSON.parse(document.getElementById("checklist-text").textContent);

  // Offline reloads: the service worker answers this page and its static files from a cache
  // filled here while online (secure contexts only: https, localhost).
  if (form.dataset.sw && "serviceWorker" in navigator && window.caches && navigator.onLine) {
    navigator.serviceWorker.register(form.dataset.sw, { scope: "/inspections/" }).catch(function () {});
    var urls = [location.pathname];
    document.querySelectorAll("link[rel=stylesheet][href], script[src]").forEach(function (el) {
      urls.push(el.getAttribute("href") || el.getAttribute("src"));
    });
    caches.open("wenming-checklists-v1").then(function (cache) {
      return cache.addAll(urls);
    }).catch(function () {});
  }
  var KEY = form.dataset.key;
  var POINT = [parseFloat(form.dataset.lat), parseFloat(form.dataset.lon)];
  var MAX = parseFloat(form.dataset.maxDistance || "200");
  var statusBox = document.getElementById("send-status");
  var sending = false;

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  var state = readDraft(KEY) || { uuid: uuid4(), answers: {}, note: "", gps: null, pending: false };
  state.url = form.dataset.url;

  function save() {
    var label = document.getElementById("saved-state");
    try {
      localStorage.setItem(KEY, JSON.stringify(state));
      if (label) label.textContent = T.saved;
    } catch (e) {
      // The device is full: keep the answers and notes, drop the inline photos from the
      // stored copy (they stay in this page's memory until it is sent or reloaded).
      var copy = JSON.parse(JSON.stringify(state));
      Object.keys(copy.answers).forEach(function (id) {
        copy.answers[id].photos = (copy.answers[id].photos || []).filter(function (p) {
          return typeof p !== "string";
        });
      });
      try {
        localStorage.setItem(KEY, JSON.stringify(copy));
      } catch (e2) { /* nothing more can be kept */ }
      if (label) label.textContent = T.storageFull;
    }
  }

  function answerOf(id) {
    if (!state.answers[id]) state.answers[id] = { answer: "", note: "", photos: [] };
    return state.answers[id];
  }

  function show(kind, html) {
    statusBox.className = "alert alert-" + kind;
    statusBox.innerHTML = html;
  }

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function render(card) {
    var id = card.dataset.criterion;
    var a = state.answers[id] || { answer: "", note: "", photos: [] };
    ["pass", "fail", "na"].forEach(function (v) {
      document.getElementById("a-" + id + "-" + v).checked = a.answer === v;
    });
    var box = card.querySelector(".fail-box");
    box.hidden = a.answer !== "fail";
    document.getElementById("note-" + id).value = a.note || "";
    card.querySelector(".photo-list").textContent = (a.photos || []).length ? T.photos.replace("%(n)s", a.photos.length) : "";
  }

  function send() {
    if (sending || !state.pending) return;
    sending = true;
    show("info", esc(T.sending));
    postDraft(KEY, state).then(function (r) {
      sending = false;
      if (r.kind === "sent") {
        state.pending = false;
        var html = esc(T.sent) + ' <a href="' + esc(r.body.url) + '">' + esc(T.view) + "</a>";
        if (form.dataset.roundUrl) {
          html += ' · <a href="' + esc(form.dataset.roundUrl) + '" id="back-to-round">' + esc(T.back) + "</a>";
        }
        if (r.body.cases && r.body.cases.length) {
          html += "<br>" + esc(T.cases) + " " + r.body.cases.map(function (c) {
            return '<a href="' + esc(c.url) + '">' + esc(c.number) + "</a>（" + esc(c.unit || "—") + "）";
          }).join("、");
        }
        show("success", html);
        form.querySelectorAll("input,textarea,button").forEach(function (el) { el.disabled = true; });
        form.dataset.sent = "1";
      } else if (r.kind === "login") {
        show("warning", esc(T.loginAgain) + ' <a href="/login/?next=' +
          encodeURIComponent(location.pathname) + '">' + esc(T.login) + "</a>");
      } else if (r.kind === "refused") {
        state.pending = false;
        save();
        show("danger", esc(r.body.message || T.refused));
      } else {
        show("warning", esc(T.offline));
      }
    });
  }

  function tick() {
    send();
    sendOtherDrafts(KEY);
  }

  var cards = Array.prototype.slice.call(form.querySelectorAll(".criterion"));
  if (form === done) {
    if (state.pending) send();
    else { localStorage.removeItem(KEY); dropPhotos(KEY); }
    sendOtherDrafts(KEY);
    return;
  }
  cards.forEach(function (card) {
    var id = card.dataset.criterion;
    render(card);
    card.addEventListener("change", function (ev) {
      var t = ev.target;
      var a = answerOf(id);
      if (t.type === "radio") {
        a.answer = t.value;
        render(card);
        save();
      } else if (t.type === "file") {
        Array.prototype.forEach.call(t.files, function (file) {
          shrink(file, function (dataUrl) {
            var key = KEY + ":" + id + ":" + Date.now() + "-" + Math.random().toString(36).slice(2, 8);
            putPhoto(key, dataUrlToBlob(dataUrl)).then(function (ok) {
              a.photos = (a.photos || []).concat([ok ? { idb: key } : dataUrl]);
              render(card);
              save();
            });
          });
        });
        t.value = "";
      }
    });
    document.getElementById("note-" + id).addEventListener("input", function (ev) {
      answerOf(id).note = ev.target.value;
      save();
    });
  });
  var noteField = document.getElementById("note");
  noteField.value = state.note || "";
  noteField.addEventListener("input", function () { state.note = noteField.value; save(); });

  // A photo is downscaled (longest side 1600 px, JPEG) before it is stored.
  function shrink(file, done) {
    var reader = new FileReader();
    reader.onload = function () {
      var img = new Image();
      img.onload = function () {
        var k = Math.min(1, 1600 / Math.max(img.width, img.height));
        var c = document.createElement("canvas");
        c.width = Math.round(img.width * k);
        c.height = Math.round(img.height * k);
        c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
        done(c.toDataURL("image/jpeg", 0.85));
      };
      img.onerror = function () { done(reader.result); };
      img.src = reader.result;
    };
    reader.readAsDataURL(file);
  }

  function distance(a, b) {
    var r = 6371008.8, rad = Math.PI / 180;
    var dp = (b[0] - a[0]) * rad, dl = (b[1] - a[1]) * rad;
    var h = Math.sin(dp / 2) * Math.sin(dp / 2) +
      Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dl / 2) * Math.sin(dl / 2);
    return 2 * r * Math.asin(Math.sqrt(Math.min(1, h)));
  }

  function showGps() {
    var box = document.getElementById("gps-status");
    if (!state.gps) { box.textContent = T.noGps; return; }
    var m = Math.round(distance([state.gps.lat, state.gps.lon], POINT));
    var text = T.distance.replace("%(m)s", m);
    if (m > MAX) text += " " + T.far.replace("%(max)s", MAX);
    box.textContent = text;
    document.getElementById("gps-box").classList.toggle("border-warning", m > MAX);
  }

  function locate() {
    document.getElementById("gps-status").textContent = T.locating;
    if (!navigator.geolocation) { showGps(); return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      state.gps = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy };
      save();
      showGps();
    }, function () { showGps(); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }
  document.getElementById("gps-retry").addEventListener("click", locate);
  if (state.gps) showGps(); else locate();

  function complete() {
    return cards.every(function (card) {
      var a = state.answers[card.dataset.criterion];
      return a && a.answer && (a.answer !== "fail" || (a.note || "").trim());
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!complete()) { show("danger", esc(T.incomplete)); return; }
    state.pending = true;
    save();
    send();
  });
  document.getElementById("discard").addEventListener("click", function () {
    if (!window.confirm(T.confirmDiscard)) return;
    localStorage.removeItem(KEY);
    dropPhotos(KEY).then(function () { window.location.reload(); });
  });
  window.addEventListener("online", tick);
  setInterval(tick, 15000);
  tick();
})();
