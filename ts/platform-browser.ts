// The browser's platform adapter for the worker pool: Web Workers, the .wasm fetched from its URL, navigator's core
// count, and where the files are found. Three builds share it (see browser.ts): in dist/browser.js (tsc) bundlers
// follow its `new Worker(new URL(…, import.meta.url))` and `new URL("./pkg/optimlab_bg.wasm", import.meta.url)`; in
// optimlab's own bundles it finds dist/optimlab.worker.js, dist/optimlab.wasm and dist/assets/ next to the bundle.
import type { Platform, WorkerHandle } from "./pool.js";
import { compileModule as compileModuleFrom } from "./wasm-browser.js";

/** Set by scripts/bundle.mjs ("global" or "esm"); undefined in the tsc build that bundlers consume. */
declare const OPTIMLAB_BUNDLE: "global" | "esm" | undefined;

const bundled = typeof OPTIMLAB_BUNDLE !== "undefined";

// In the bundles, import.meta.url is the bundle's own URL (for the IIFE: document.currentScript.src, captured
// by scripts/bundle-script-url.js while the script is first evaluated).
function bundleUrl(): string {
  if (!import.meta.url) {
    throw new Error(
      "optimlab: cannot locate optimlab.global.js (load it with a <script src> tag, or call optimlab.setAssetLocation)",
    );
  }
  return import.meta.url;
}

/** Where the browser build finds its worker script, its .wasm and the embedded MNIST sample. */
export interface AssetLocation {
  workerUrl: string;
  wasmUrl: string;
  sampleUrl: string;
}

let assetOverride: Partial<AssetLocation> = {};

/** Points the library at its files when they are not served next to the bundle (call before the first run). */
export function setAssetLocation(location: Partial<AssetLocation>): void {
  assetOverride = { ...location };
}

/** The URLs in use: the overrides from setAssetLocation, else the files next to this bundle (dist/). */
export function assetLocation(): AssetLocation {
  const next = (file: string, unbundled: string) =>
    bundled ? new URL(file, bundleUrl()).href : new URL(unbundled, import.meta.url).href;
  return {
    workerUrl: assetOverride.workerUrl ?? next("optimlab.worker.js", "./worker-browser.js"),
    wasmUrl: assetOverride.wasmUrl ?? next("optimlab.wasm", "./pkg/optimlab_bg.wasm"),
    sampleUrl: assetOverride.sampleUrl ?? next("assets/mnist-sample.bin.gz", "./assets/mnist-sample.bin.gz"),
  };
}

/** Compiles the .wasm once per page (streaming when the server sends application/wasm). */
export function compileModule(): Promise<WebAssembly.Module> {
  return compileModuleFrom(assetLocation().wasmUrl);
}

/** Starts one Web Worker running the worker API. */
function spawnWorker(): WorkerHandle {
  const { workerUrl } = assetLocation();
  // Bundlers recognise this exact `new Worker(new URL(…, import.meta.url), { type: "module" })` form and bundle the
  // worker; optimlab's own bundles start their classic-script worker, which needs no module-worker support.
  const worker =
    bundled || assetOverride.workerUrl
      ? new Worker(workerUrl, { name: "optimlab" })
      : new Worker(new URL("./worker-browser.js", import.meta.url), { type: "module", name: "optimlab" });
  return {
    endpoint: worker,
    terminate: () => worker.terminate(),
    onError(callback) {
      worker.addEventListener(
        "error",
        (event) => {
          event.preventDefault();
          callback(new Error(event.message || `the worker script ${workerUrl} failed to load`));
        },
        { once: true },
      );
    },
  };
}

/** The browser's adapter for the worker pool: Web Workers, the .wasm fetched from its URL, navigator's core count. */
export const browserPlatform: Platform = {
  spawnWorker,
  compileModule,
  cores: () => Math.max(1, navigator.hardwareConcurrency || 2),
};
