// optimlab's public API for browsers: the same names as the Node entry, with Web Workers and a .wasm
// fetched from a URL. Three builds share this file, and all three find their files relative to their own URL (see
// platform-browser.ts): dist/browser.js (tsc), for bundlers; dist/optimlab.browser.mjs (esbuild, ESM) and
// dist/optimlab.global.js (esbuild, IIFE `optimlab`).
import { bindApi, type OptimlabApi } from "./api.js";
import {
  loadMnistSample as loadMnistSampleFrom,
  loadMnistSampleDataset as loadMnistSampleDatasetFrom,
  type SampleOptions,
} from "./data/index.js";
import type { SplitOptions } from "./data/split.js";
import { assetLocation, browserPlatform, compileModule } from "./platform-browser.js";
import { loadProblemWith, type LoadedProblem, type ProblemOptions } from "./problems.js";
import type { SmokeResult } from "./protocol.js";
import type { Dataset, DataSplit } from "./types.js";

export * from "./shared.js";
export { assetLocation, browserPlatform, compileModule, setAssetLocation } from "./platform-browser.js";
export type { AssetLocation } from "./platform-browser.js";

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
export const problems: OptimlabApi["problems"] = api.problems;

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

/**
 * A problem of the registry with its data read: the embedded sample's problems (mnist_*) here; Fashion-MNIST and CSV
 * files by path are Node's. `compare({ ...(await loadProblem("mnist_2c2d")), optimizers })`.
 */
export function loadProblem(name: string, options: ProblemOptions = {}): Promise<LoadedProblem> {
  return loadProblemWith(name, options, {
    sample: (seed) => loadMnistSample({ seed }),
    compileModule: () => compileModule(),
  });
}
