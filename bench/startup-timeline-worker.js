// The worker of bench/startup-browser.js's timeline(): loads the library's worker script (its URL in `?bundle=`) as
// the pool's worker does, and reports when it started, when the script was loaded, and when each call (comlink's
// messages, by method name) arrived and was handled. Listeners fire in the order they were added: the first one, added
// before the library's, sees a call arrive; the last one sees the library's synchronous handler return. The reports
// carry no comlink id, so the pool's side ignores them. Times are absolute (timeOrigin + now), comparable with the
// page's.
const now = () => performance.timeOrigin + performance.now();
const started = now();
const arrived = new Map();
addEventListener("message", (event) => {
  const name = event.data?.path?.at(-1);
  if (name) arrived.set(event.data.id, now());
});
self.importScripts(new URL(location.href).searchParams.get("bundle"));
postMessage({ startupMark: "script", arrived: started, handled: now() });
addEventListener("message", (event) => {
  const name = event.data?.path?.at(-1);
  if (name) postMessage({ startupMark: name, arrived: arrived.get(event.data.id), handled: now() });
});
