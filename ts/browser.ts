// optimlab's public API for browsers: the same names as the Node entry, with Web Workers and a .wasm
// fetched from a URL. Three builds share this file:
//   - dist/browser.js (tsc): for bundlers, which follow `new Worker(new URL("./worker-browser.js", import.meta.url))`
//     and `new URL("./pkg/optimlab_bg.wasm", import.meta.url)` and bundle the worker and the .wasm themselves;
//   - dist/optimlab.browser.mjs (esbuild, ESM) and dist/optimlab.global.js (esbuild, IIFE `optimlab`): they find
//     dist/optimlab.worker.js (a classic worker bundle), dist/optimlab.wasm and dist/assets/ next to themselves.
import { bindApi, type OptimlabApi, type SmokeResult } from "./api.js";
import {
  loadMnistSample as loadMnistSampleFrom,
  loadMnistSampleDataset as loadMnistSampleDatasetFrom,
  type SampleOptions,
} from "./data/index.js";
import type { SplitOptions } from "./data/split.js";
import type { Platform, WorkerHandle } from "./pool.js";
import type { Dataset, DataSplit } from "./types.js";
import { compileModule as compileModuleFrom } from "./wasm-browser.js";

export * from "./shared.js";

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

const api = bindApi(browserPlatform);

// One line each, typed by OptimlabApi so that editors show its doc comments (see api.ts).
export const compare: OptimlabApi["compare"] = api.compare;
export const train: OptimlabApi["train"] = api.train;
export const createPool: OptimlabApi["createPool"] = api.createPool;
export const createOptimizer: OptimlabApi["createOptimizer"] = api.createOptimizer;
export const landscape: OptimlabApi["landscape"] = api.landscape;
export const landscapeGrid: OptimlabApi["landscapeGrid"] = api.landscapeGrid;
export const landscapeFunctions: OptimlabApi["landscapeFunctions"] = api.landscapeFunctions;
export const scheduleLrs: OptimlabApi["scheduleLrs"] = api.scheduleLrs;
export const lrFind: OptimlabApi["lrFind"] = api.lrFind;
export const lrFindAll: OptimlabApi["lrFindAll"] = api.lrFindAll;
export const optimizers: OptimlabApi["optimizers"] = api.optimizers;
export const optimizerDefaults: OptimlabApi["optimizerDefaults"] = api.optimizerDefaults;

/** Checks that the wasm module loads in a Web Worker and that its SIMD dot product agrees with the scalar one; says whether the page is cross-origin isolated. */
export async function smoke(): Promise<SmokeResult & { crossOriginIsolated: boolean }> {
  return { ...(await api.smoke()), crossOriginIsolated: globalThis.crossOriginIsolated === true };
}

/** The embedded MNIST sample, shuffled with `seed` and split (8,000 train / 2,000 test), fetched from next to the bundle. */
export function loadMnistSample(options: SampleOptions & SplitOptions = {}): Promise<DataSplit> {
  return loadMnistSampleFrom({ url: assetLocation().sampleUrl, ...options });
}

/** All 10,000 digits of the embedded sample, in the source package's order, fetched from next to the bundle. */
export function loadMnistSampleDataset(options: SampleOptions = {}): Promise<Dataset> {
  return loadMnistSampleDatasetFrom({ url: assetLocation().sampleUrl, ...options });
}
