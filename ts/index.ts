// optimlab's public API for Node: the platform-neutral functions bound to worker_threads and the .wasm on disk.
import { Worker } from "node:worker_threads";
import * as Comlink from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { compareOn, createPoolOn, trainOn } from "./api.js";
import type { CompareOptions, OptimlabPool, PoolOptions, TrainOptions } from "./client.js";
import { createOptimizerOn, type Optimizer, type OptimizerOptions } from "./optimizer.js";
import {
  landscapeFunctionsOn, landscapeGridOn, landscapeOn, type LandscapeFunction, type LandscapeGrid, type LandscapeGridOptions, type LandscapeOptions,
  type LandscapeResult,
} from "./landscape.js";
import { lrFindAllOn, lrFindOn, type LrFindAllOptions, type LrFindOptions, type LrFindResult } from "./lr-find.js";
import { optimizerDefaultsOn, optimizersOn, type OptimizerDefaults, type OptimizerInfo, type OptimizerName } from "./optimizers.js";
import { nodePlatform } from "./platform-node.js";
import type { RunResult } from "./types.js";
import { compileModule } from "./wasm-node.js";
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
export * from "./data/node.js";

const platform = nodePlatform();

/**
 * Trains one model per optimizer, in parallel on worker threads (one per optimizer, at most `workers`, default the
 * number of cores), and resolves with one result per optimizer in order. A run that diverges resolves with
 * `diverged`; a run that fails (invalid option, crashed worker) resolves with `error`; aborting rejects.
 *
 * ```ts
 * const runs = await compare({ data, model: { layers: [784, 100, 100, 10] }, optimizers: [{ name: "sgd", lr: 0.01 }, { name: "adam" }],
 *   epochs: 3, batchSize: 256, seed: 0 });
 * ```
 */
export function compare(options: CompareOptions & PoolOptions): Promise<RunResult[]> {
  return compareOn(platform, options);
}

/** Trains one model with one optimizer on a worker thread; rejects when the run fails (ConfigError, OptimizerOptionError, WorkerCrashError, AbortError). */
export function train(options: TrainOptions): Promise<RunResult> {
  return trainOn(platform, options);
}

/** A reusable pool of worker threads for many comparisons; `dispose()` it, or declare it with `await using`. */
export function createPool(options?: PoolOptions): OptimlabPool {
  return createPoolOn(platform, options);
}

/**
 * An optimizer on your own tensors, in this thread: `const opt = await createOptimizer("adam", { lr: 1e-3 }, [[5, 3], [5]])`,
 * then `opt.step(grads, params)` updates `params` in place, as torch.optim does. `dispose()` it when done.
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

/**
 * The lr of each of `steps` optimizer steps under a schedule alone, for plotting, computed by the same Rust code the
 * Trainer steps: `await scheduleLrs({ name: "onecycle", max_lr: 0.1, total_steps: 100 }, { baseLr: 0.1, steps: 100 })`.
 */
export function scheduleLrs(spec: ScheduleSpec, options: ScheduleLrsOptions): Promise<Float64Array> {
  return scheduleLrsOn(compileModule, spec, options);
}

/** Checks that the wasm module loads in a worker thread and that its SIMD dot product agrees with the scalar one. */
export async function smoke(): Promise<{ simd: boolean; dot: number; dotScalar: number }> {
  const module = await compileModule();
  const worker = new Worker(new URL("./worker-node.js", import.meta.url));
  try {
    const api = Comlink.wrap<WorkerApi>(nodeEndpoint(worker));
    const simd = await api.init(module);
    const n = 1003;
    const a = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37));
    const b = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.11));
    const { simd: dot, scalar: dotScalar } = await api.dot(a, b);
    api[Comlink.releaseProxy]();
    return { simd, dot, dotScalar };
  } finally {
    await worker.terminate();
  }
}
export * from "./plot/index.js";
export { nodeDocument, svgText, svgToPng } from "./plot/render-node.js";

export { preferredLr } from "./lr-find.js";
export type { LrFindAllOptions, LrFindOptions, LrFindResult, LrFindSettings, LrSuggestion, LrSuggestions } from "./lr-find.js";

/**
 * Leslie Smith's learning-rate range test, on a worker thread: trains `numIter` batches (default 100) of the model
 * `seed` initializes while the lr grows from `startLr` (1e-7) to `endLr` (10), smooths the loss, stops when it
 * diverges, and suggests lrs (`steepest`, `minimum`, `valley`), as fastai's `lr_find` and torch-lr-finder do.
 *
 * ```ts
 * const { suggestions } = await lrFind({ data, model: { layers: [784, 100, 100, 10] }, optimizer: { name: "adam" }, batchSize: 256, seed: 0 });
 * ```
 */
export function lrFind(options: LrFindOptions): Promise<LrFindResult> {
  return lrFindOn(platform, options);
}

/** The range test of several optimizers, in parallel on worker threads (at most `workers`, default the cores); results in order. */
export function lrFindAll(options: LrFindAllOptions): Promise<LrFindResult[]> {
  return lrFindAllOn(platform, options);
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
