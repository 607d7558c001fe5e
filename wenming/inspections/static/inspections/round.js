/* A round's page for its inspectors (wenming inspections): keep it and the checklists of the
 * points still to inspect in the service worker's cache while online, so that without a
 * connection the inspector can still go from point to point (sw.js answers from this cache
 * only when the network is gone).
 *
 * The round's page and the static files are stored again on every visit; a checklist page
 * only once (a round's checklists do not change: the round keeps its standard version), and
 * at most four at a time, so that a round of a hundred points does not send a hundred
 * requests on every visit. Each page is cached on its own: one failure does not stop the
 * others.
 */
(function () {
  "use strict";
  var table = document.getElementById("round-points");
  var sw = table && table.dataset.sw;
  if (!sw || !("serviceWorker" in navigator) || !window.caches || !navigator.onLine) return;
  navigator.serviceWorker.register(sw, { scope: "/inspections/" }).catch(function () {});
  var always = [location.pathname, table.dataset.checklistJs];
  document.querySelectorAll("link[rel=stylesheet][href], script[src]").forEach(function (el) {
    always.push(el.getAttribute("href") || el.getAttribute("src"));
  });
  var once = Array.prototype.map.call(table.querySelectorAll("a[data-checklist]"), function (a) {
    return a.getAttribute("href");
  });
  caches.open("wenming-checklists-v1").then(function (cache) {
    var queue = once.slice();
    function worker() {
      var url = queue.shift();
      if (!url) return Promise.resolve();
      return cache.match(url).then(function (hit) {
        return hit ? null : cache.add(url);
      }).catch(function () {}).then(worker);
    }
    var jobs = always.map(function (url) { return cache.add(url).catch(function () {}); });
    for (var i = 0; i < 4; i++) jobs.push(worker());
    return Promise.all(jobs);
  }).then(function () {
    table.dataset.cached = "1";
  });
})();
