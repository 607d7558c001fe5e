/* Service worker of the checklist pages (served at /inspections/sw.js, scope /inspections/).
 *
 * Network first; when the network is gone, a round's page, a checklist page or a static file
 * is answered from the cache that round.js (the round's page and the checklists of its points
 * still to inspect) and checklist.js fill when those pages are opened online, so an inspector
 * can reload a checklist, go back to the round and open the next point without a connection
 * (the round's page then shows its state when it was cached).
 * Nothing else is cached, and nothing is ever answered from the cache while online.
 */
var CACHE = "wenming-checklists-v1";
var CHECKLIST = /^\/inspections\/rounds\/\d+\/(points\/\d+\/)?$/;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });
self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (!CHECKLIST.test(url.pathname) && url.pathname.indexOf("/static/") !== 0) return;
  event.respondWith(fetch(req).catch(function () {
    return caches.open(CACHE).then(function (cache) {
      return cache.match(req, { ignoreSearch: true });
    }).then(function (hit) { return hit || Response.error(); });
  }));
});
