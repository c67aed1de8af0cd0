// The browser's platform adapter for the worker pool: Web Workers, the .wasm fetched from its URL, navigator's core
// count, and where the files are found. Every browser build (dist/browser.js from tsc, and optimlab's own bundles
// dist/optimlab.browser.mjs and dist/optimlab.global.js) finds them relative to its own URL (import.meta.url; dist/
// in the package): the worker script ./optimlab.worker.js (a self-contained classic-worker bundle), the module
// ./pkg/optimlab_bg.wasm and the sample ./assets/mnist-sample.bin.gz. Bundlers (Vite, webpack, Parcel, Rollup,
// esbuild's meta-url plugins) copy the files named in `new URL("…", import.meta.url)` to their output as assets.
import type { Platform, WorkerHandle } from "./pool.js";
import { markFast, relaxedSimdSupported, type Precision } from "./precision.js";
import { warmUp } from "./wasm.js";
import { compileModule as compileModuleFrom } from "./wasm-browser.js";

// In the IIFE bundle import.meta.url is document.currentScript.src, captured by scripts/bundle-script-url.js while
// the script is first evaluated; it is missing when the script was not loaded from a <script src> tag.
function checkPackageUrl(): void {
  if (!import.meta.url) {
    throw new Error(
      "optimlab: cannot locate optimlab.global.js (load it with a <script src> tag, or call optimlab.setAssetLocation)",
    );
  }
}

/** Where the browser build finds its worker script, its .wasm and the embedded MNIST sample. */
export interface AssetLocation {
  workerUrl: string;
  wasmUrl: string;
  sampleUrl: string;
  /** The relaxed-SIMD build, fetched only for `precision: "fast"` (default: optimlab_fast_bg.wasm beside `wasmUrl`). */
  fastWasmUrl: string;
}

let assetOverride: Partial<AssetLocation> = {};

/** Points the library at its files when they are not served next to the bundle (call before the first run). */
export function setAssetLocation(location: Partial<AssetLocation>): void {
  assetOverride = { ...location };
}

/** The URLs in use: the overrides from setAssetLocation, else the files next to this module (dist/). */
export function assetLocation(): AssetLocation {
  if (!assetOverride.workerUrl || !assetOverride.wasmUrl || !assetOverride.sampleUrl) checkPackageUrl();
  // Literal `new URL("./file", import.meta.url)` expressions: the form bundlers recognise and rewrite.
  const wasmUrl = assetOverride.wasmUrl ?? new URL("./pkg/optimlab_bg.wasm", import.meta.url).href;
  return {
    workerUrl: assetOverride.workerUrl ?? new URL("./optimlab.worker.js", import.meta.url).href,
    wasmUrl,
    sampleUrl: assetOverride.sampleUrl ?? new URL("./assets/mnist-sample.bin.gz", import.meta.url).href,
    fastWasmUrl:
      assetOverride.fastWasmUrl ??
      (assetOverride.wasmUrl === undefined
        ? new URL("./pkg/optimlab_fast_bg.wasm", import.meta.url).href
        : new URL("optimlab_fast_bg.wasm", new URL(wasmUrl, location.href)).href),
  };
}

/**
 * Compiles the .wasm once per page (streaming when the server sends application/wasm): with "fast", the
 * relaxed-SIMD build where the browser validates relaxed SIMD (Chromium, Firefox; not Safari), else the default one.
 */
export async function compileModule(precision: Precision = "default"): Promise<WebAssembly.Module> {
  if (precision === "fast" && relaxedSimdSupported())
    return markFast(await compileModuleFrom(assetLocation().fastWasmUrl));
  const module = await compileModuleFrom(assetLocation().wasmUrl);
  warmUp(module);
  return module;
}

const bootstraps = new Map<string, string>();

/**
 * A URL the page may start a worker from. Browsers refuse a worker script from another origin (the bundle served by
 * a CDN): a same-origin blob: bootstrap then imports it with importScripts (the page's CSP must allow `worker-src
 * blob:` and the script's origin in `script-src`).
 */
function sameOriginWorkerUrl(workerUrl: string): string {
  if (new URL(workerUrl, location.href).origin === location.origin) return workerUrl;
  let bootstrap = bootstraps.get(workerUrl);
  if (!bootstrap) {
    const source = `importScripts(${JSON.stringify(workerUrl)});`;
    bootstrap = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    bootstraps.set(workerUrl, bootstrap);
  }
  return bootstrap;
}

/** Starts one Web Worker running the worker API. */
function spawnWorker(): WorkerHandle {
  const { workerUrl } = assetLocation();
  // A classic worker: the worker bundle has no imports, and classic workers need no module-worker support.
  const worker = new Worker(sameOriginWorkerUrl(workerUrl), { name: "optimlab" });
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
