/* Service worker of the field app (scope /field/). It caches the app shell only: the page, its
   script, style, manifest and icon, none of which holds household data. Household data live in
   the page's IndexedDB (removed at sign-out); /field/api/ is never cached. */
const SHELL = "xiezuo-field-shell-v1";
const SHELL_URLS = ["/field/", "/static/field/app.js", "/static/field/field.css",
                    "/static/field/manifest.webmanifest", "/static/field/icon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_URLS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("xiezuo-field-") && k !== SHELL).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/field/api/")) return;  // personal data: network only
  if (url.pathname === "/field/" || SHELL_URLS.includes(url.pathname)) {
    // network first (fresh page and CSRF token), the cached shell when offline
    event.respondWith(fetch(event.request).then((response) => {
      if (response.ok && !response.redirected) {
        const copy = response.clone();
        caches.open(SHELL).then((cache) => cache.put(url.pathname, copy));
      }
      return response;
    }).catch(() => caches.match(url.pathname)));
  }
});
