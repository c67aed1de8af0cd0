// Injected by scripts/bundle.mjs into the classic-script bundles, which have no import.meta: `import.meta.url`
// becomes the URL of the script itself, read while it is first evaluated (document.currentScript is null later),
// or the worker script's own location inside a worker.
export const scriptUrl =
  typeof document !== "undefined"
    ? (document.currentScript && document.currentScript.src) || undefined
    : typeof location !== "undefined"
      ? location.href
      : undefined;
