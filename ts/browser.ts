// optimlab's public API for browsers: the same names as the Node entry, with Web Workers and a .wasm
// fetched from a URL. Three builds share this file:
//   - dist/browser.js (tsc): for bundlers, which follow `new Worker(new URL("./worker-browser.js", import.meta.url))`
//     and `new URL("./pkg/optimlab_bg.wasm", import.meta.url)` and bundle the worker and the .wasm themselves;
//   - dist/optimlab.browser.mjs (esbuild, ESM) and dist/optimlab.global.js (esbuild, IIFE `optimlab`): they find
//     dist/optimlab.worker.js (a classic worker bundle), dist/optimlab.wasm and dist/assets/ next to themselves.
import * as Comlink from "comlink";
import { compareOn, createPoolOn, trainOn } from "./api.js";
import type { CompareOptions, OptimlabPool, PoolOptions, TrainOptions } from "./client.js";
import {
  loadMnistSample as loadMnistSampleFrom, loadMnistSampleDataset as loadMnistSampleDatasetFrom, type SampleOptions,
} from "./data/index.js";
import type { SplitOptions } from "./data/split.js";
import { createOptimizerOn, type Optimizer, type OptimizerOptions } from "./optimizer.js";
import {
  landscapeFunctionsOn, landscapeGridOn, landscapeOn, type LandscapeFunction, type LandscapeGrid, type LandscapeGridOptions, type LandscapeOptions,
  type LandscapeResult,
} from "./landscape.js";
import { lrFindAllOn, lrFindOn, type LrFindAllOptions, type LrFindOptions, type LrFindResult } from "./lr-find.js";
import { optimizerDefaultsOn, optimizersOn, type OptimizerDefaults, type OptimizerInfo, type OptimizerName } from "./optimizers.js";
import type { Platform, WorkerHandle } from "./pool.js";
import type { Dataset, DataSplit, RunResult } from "./types.js";
import { compileModule as compileModuleFrom } from "./wasm-browser.js";
import type { WorkerApi } from "./worker-api.js";
import { scheduleLrsOn, type ScheduleLrsOptions } from "./schedule.js";
import type { ScheduleSpec } from "./types.js";

export { ConfigError, OptimizerOptionError, PoolDisposedError, WorkerCrashError } from "./errors.js";
export type { CompareOptions, ModelSpec, OptimlabPool, PoolOptions, RunOptions, TrainOptions } from "./client.js";
export type { PoolStats } from "./pool.js";
export type { Optimizer, OptimizerOptions } from "./optimizer.js";
export { distanceToMinimum, landscapeLineup } from "./landscape.js";
export type { LandscapeFunction, LandscapeGrid, LandscapeGridOptions, LandscapeOptions, LandscapeResult, LandscapeRun } from "./landscape.js";
export type * from "./types.js";
export type { ScheduleLrsOptions } from "./schedule.js";
export * from "./data/index.js";
// Figures are pure functions drawing into the page's document: the demo's live curves use them.
export * from "./plot/index.js";

/** Set by scripts/bundle.mjs ("global" or "esm"); undefined in the tsc build that bundlers consume. */
declare const OPTIMLAB_BUNDLE: "global" | "esm" | undefined;

const bundled = typeof OPTIMLAB_BUNDLE !== "undefined";

// In the bundles, import.meta.url is the bundle's own URL (for the IIFE: document.currentScript.src, captured
// by scripts/bundle-script-url.js while the script is first evaluated).
function bundleUrl(): string {
  if (!import.meta.url) {
    throw new Error("optimlab: cannot locate optimlab.global.js (load it with a <script src> tag, or call optimlab.setAssetLocation)");
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
      worker.addEventListener("error", (event) => {
        event.preventDefault();
        callback(new Error(event.message || `the worker script ${workerUrl} failed to load`));
      }, { once: true });
    },
  };
}

/** The browser's adapter for the worker pool: Web Workers, the .wasm fetched from its URL, navigator's core count. */
export const browserPlatform: Platform = {
  spawnWorker,
  compileModule,
  cores: () => Math.max(1, navigator.hardwareConcurrency || 2),
};

/**
 * Trains one model per optimizer, in parallel in Web Workers (at most `workers`, default the number of cores),
 * and resolves with one result per optimizer in order. A run that diverges resolves with `diverged`; a run that
 * fails (invalid option, crashed worker) resolves with `error`; aborting rejects.
 */
export function compare(options: CompareOptions & PoolOptions): Promise<RunResult[]> {
  return compareOn(browserPlatform, options);
}

/** Trains one model with one optimizer in a Web Worker; rejects when the run fails (ConfigError, OptimizerOptionError, WorkerCrashError, AbortError). */
export function train(options: TrainOptions): Promise<RunResult> {
  return trainOn(browserPlatform, options);
}

/** A reusable pool of Web Workers for many comparisons; `dispose()` it when done. */
export function createPool(options?: PoolOptions): OptimlabPool {
  return createPoolOn(browserPlatform, options);
}

/**
 * An optimizer on your own tensors, on this thread (the page or your own worker): `const opt = await createOptimizer("adam",
 * { lr: 1e-3 }, [[5, 3], [5]])`, then `opt.step(grads, params)` updates `params` in place, as torch.optim does. `dispose()` it when done.
 */
export function createOptimizer(name: string, options: OptimizerOptions, shapes: readonly (readonly number[])[]): Promise<Optimizer> {
  return createOptimizerOn(compileModule, name, options, shapes);
}

/**
 * Optimizer trajectories on a 2-D test function, on this thread: `await landscape({ fn: "rosenbrock", optimizers:
 * [{ name: "adam", lr: 0.05 }], steps: 300 })`; without `optimizers`, the function's default line-up.
 */
export function landscape(options: LandscapeOptions): Promise<LandscapeResult> {
  return landscapeOn(compileModule, options);
}

/** A test function sampled on a grid (its default view unless given), for `landscapePlot`. */
export function landscapeGrid(fn: string, options?: LandscapeGridOptions): Promise<LandscapeGrid> {
  return landscapeGridOn(compileModule, fn, options);
}

/** The 2-D test functions: formulas, default views and starts, minima. */
export function landscapeFunctions(): Promise<LandscapeFunction[]> {
  return landscapeFunctionsOn(compileModule);
}

/** The embedded MNIST sample, shuffled with `seed` and split (8,000 train / 2,000 test), fetched from next to the bundle. */
export function loadMnistSample(options: SampleOptions & SplitOptions = {}): Promise<DataSplit> {
  return loadMnistSampleFrom({ url: assetLocation().sampleUrl, ...options });
}

/** All 10,000 digits of the embedded sample, in the source package's order, fetched from next to the bundle. */
export function loadMnistSampleDataset(options: SampleOptions = {}): Promise<Dataset> {
  return loadMnistSampleDatasetFrom({ url: assetLocation().sampleUrl, ...options });
}

/**
 * The lr of each of `steps` optimizer steps under a schedule alone, for plotting, computed by the same Rust code the
 * Trainer steps: `await scheduleLrs({ name: "onecycle", max_lr: 0.1, total_steps: 100 }, { baseLr: 0.1, steps: 100 })`.
 */
export function scheduleLrs(spec: ScheduleSpec, options: ScheduleLrsOptions): Promise<Float64Array> {
  return scheduleLrsOn(compileModule, spec, options);
}

/** Checks that the wasm module loads in a Web Worker and reports whether its SIMD kernels are in use. */
export async function smoke(): Promise<{ simd: boolean; dot: number; dotScalar: number; crossOriginIsolated: boolean }> {
  const module = await compileModule();
  const worker = spawnWorker();
  try {
    const failed = new Promise<never>((_, reject) => worker.onError(reject));
    const api = Comlink.wrap<WorkerApi>(worker.endpoint);
    const simd = await Promise.race([api.init(module), failed]);
    const n = 1003;
    const a = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37));
    const b = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.11));
    const { simd: dot, scalar: dotScalar } = await api.dot(a, b);
    api[Comlink.releaseProxy]();
    return { simd, dot, dotScalar, crossOriginIsolated: globalThis.crossOriginIsolated === true };
  } finally {
    worker.terminate();
  }
}

export { preferredLr } from "./lr-find.js";
export type { LrFindAllOptions, LrFindOptions, LrFindResult, LrFindSettings, LrSuggestion, LrSuggestions } from "./lr-find.js";

/** Leslie Smith's learning-rate range test in a Web Worker, with fastai's and torch-lr-finder's defaults and suggestions. */
export function lrFind(options: LrFindOptions): Promise<LrFindResult> {
  return lrFindOn(browserPlatform, options);
}

/** The range test of several optimizers, in parallel in Web Workers (at most `workers`, default the cores); results in order. */
export function lrFindAll(options: LrFindAllOptions): Promise<LrFindResult[]> {
  return lrFindAllOn(browserPlatform, options);
}

export { OPTIMIZER_OPTIONS } from "./optimizers.js";
export type * from "./optimizers.js";

/** Every optimizer of the Rust registry with its options and their defaults, in registry order: what a UI lists. */
export function optimizers(): Promise<OptimizerInfo[]> {
  return optimizersOn(compileModule);
}

/** The default of every option of one optimizer, as the Rust side applies them: `await optimizerDefaults("adam")`. */
export function optimizerDefaults<Name extends OptimizerName>(name: Name): Promise<OptimizerDefaults<Name>> {
  return optimizerDefaultsOn(compileModule, name);
}
