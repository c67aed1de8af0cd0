// The public functions, written and documented once: each entry (Node's index.ts, the browser's browser.ts) binds
// them to its Platform with bindApi and re-exports them one by one, typed `OptimlabApi["name"]` so that editors
// show these doc comments on hover (a destructured `export const { … }` would lose them in the emitted .d.ts).
import { OptimlabPool, type CompareOptions, type PoolOptions, type TrainOptions } from "./client.js";
import {
  landscapeFunctionsOn,
  landscapeGridOn,
  landscapeOn,
  type LandscapeFunction,
  type LandscapeGrid,
  type LandscapeGridOptions,
  type LandscapeOptions,
  type LandscapeResult,
} from "./landscape.js";
import {
  lrFindAllOn,
  lrFindClosureOn,
  lrFindOn,
  type LrFindAllOptions,
  type LrFindClosureOptions,
  type LrFindOptions,
  type LrFindResult,
} from "./lr-find.js";
import { createOptimizerOn, type Optimizer, type OptimizerOptions } from "./optimizer.js";
import {
  optimizerDefaultsOn,
  optimizersOn,
  type OptimizerDefaults,
  type OptimizerInfo,
  type OptimizerName,
} from "./optimizers.js";
import { WorkerPool, type Platform } from "./pool.js";
import { problemsOn, type ProblemInfo } from "./problems.js";
import type { SmokeResult, WorkerApi } from "./protocol.js";
import { scheduleLrsOn, type ScheduleLrsOptions } from "./schedule.js";
import type { RunResult, ScheduleSpec } from "./types.js";

/** optimlab's functions, the same in Node (worker threads, the .wasm on disk) and browsers (Web Workers, the .wasm from a URL). */
export interface OptimlabApi {
  /**
   * Trains one model per optimizer, in parallel in workers (one per optimizer, at most `workers`, default the number
   * of cores), and resolves with one result per optimizer in order. A run that diverges resolves with `diverged`; a
   * run that fails (invalid option, crashed worker) resolves with `error`; aborting rejects.
   *
   * ```ts
   * const runs = await compare({ data, model: { layers: [784, 100, 100, 10] }, optimizers: [{ name: "sgd", lr: 0.01 }, { name: "adam" }],
   *   epochs: 3, batchSize: 256, seed: 0 });
   * ```
   */
  compare(options: CompareOptions & PoolOptions): Promise<RunResult[]>;

  /** Trains one model with one optimizer in a worker; rejects when the run fails (ConfigError, OptimizerOptionError, WorkerCrashError, AbortError). */
  train(options: TrainOptions & Pick<PoolOptions, "precision">): Promise<RunResult>;

  /** A reusable pool of workers for many comparisons; `dispose()` it, or declare it with `await using`. */
  createPool(options?: PoolOptions): OptimlabPool;

  /**
   * An optimizer on your own tensors, on this thread (the main thread or your own worker):
   * `const opt = await createOptimizer("adam", { lr: 1e-3 }, [[5, 3], [5]])`, then `opt.step(grads, params)` updates
   * `params` in place, as torch.optim does. `dispose()` it when done.
   */
  createOptimizer<Name extends OptimizerName>(
    name: Name,
    options: OptimizerOptions<Name>,
    shapes: readonly (readonly number[])[],
  ): Promise<Optimizer>;

  /**
   * Optimizer trajectories on a 2-D test function, on this thread: `await landscape({ fn: "rosenbrock", optimizers:
   * [{ name: "adam", lr: 0.05 }], steps: 300 })`; without `optimizers`, the function's default line-up.
   */
  landscape(options: LandscapeOptions): Promise<LandscapeResult>;

  /** A test function sampled on a grid (its default view unless given), for `landscapePlot`. */
  landscapeGrid(fn: string, options?: LandscapeGridOptions): Promise<LandscapeGrid>;

  /** The 2-D test functions: formulas, default views and starts, minima. */
  landscapeFunctions(): Promise<LandscapeFunction[]>;

  /**
   * The lr of each of `steps` optimizer steps under a schedule alone, for plotting, computed by the same Rust code the
   * Trainer steps: `await scheduleLrs({ name: "onecycle", max_lr: 0.1, total_steps: 100 }, { baseLr: 0.1, steps: 100 })`.
   */
  scheduleLrs(spec: ScheduleSpec, options: ScheduleLrsOptions): Promise<Float64Array>;

  /**
   * Leslie Smith's learning-rate range test, in a worker: trains `numIter` batches (default 100) of the model `seed`
   * initializes while the lr grows from `startLr` (1e-7) to `endLr` (10), smooths the loss, stops when it diverges,
   * and suggests lrs (`steepest`, `minimum`, `valley`), as fastai's `lr_find` and torch-lr-finder do.
   *
   * ```ts
   * const { suggestions } = await lrFind({ data, model: { layers: [784, 100, 100, 10] }, optimizer: { name: "adam" }, batchSize: 256, seed: 0 });
   * ```
   *
   * With `closure` and `params` instead of data and model, the test runs on this thread on your own loss and gradients:
   * `await lrFind({ optimizer: { name: "sgd" }, params: [x0], closure: ([x]) => ({ loss, grads: [g] }) })`.
   */
  lrFind(options: LrFindOptions | LrFindClosureOptions): Promise<LrFindResult>;

  /** The range test of several optimizers, in parallel in workers (at most `workers`, default the cores); results in order. */
  lrFindAll(options: LrFindAllOptions): Promise<LrFindResult[]>;

  /** Every optimizer of the Rust registry with its options and their defaults, in registry order: what a UI lists. */
  optimizers(): Promise<OptimizerInfo[]>;

  /** The default of every option of one optimizer, as the Rust side applies them: `await optimizerDefaults("adam")`. */
  optimizerDefaults<Name extends OptimizerName>(name: Name): Promise<OptimizerDefaults<Name>>;

  /**
   * The problems registry: each problem's data, model (a layer list or the MLP), default batch size and epochs —
   * mnist_mlp (the notebook's), mnist_logreg, mnist_2c2d, mnist_ae, fmnist_mlp, fmnist_2c2d, quadratic_deep,
   * csv_regression — then
   * the 2-D test functions of `landscape`. `loadProblem(name)` reads one's data: `compare({ ...(await
   * loadProblem("mnist_2c2d")), optimizers })`.
   */
  problems(): Promise<ProblemInfo[]>;

  /** Checks that the wasm module loads in a worker and that its SIMD dot product agrees with the scalar one. */
  smoke(): Promise<SmokeResult>;
}

/** The public functions on `platform`: pools of its workers, and its compiled module for what runs on this thread. */
export function bindApi(platform: Platform): OptimlabApi {
  const compileModule = () => platform.compileModule();
  return {
    compare: (options) => compareOn(platform, options),
    train: (options) =>
      withPool(
        () => new OptimlabPool(platform, { workers: 1, precision: options.precision }),
        (pool) => pool.train(options),
      ),
    createPool: (options) => new OptimlabPool(platform, options),
    createOptimizer: (name, options, shapes) => createOptimizerOn(compileModule, name, options, shapes),
    landscape: (options) => landscapeOn(compileModule, options),
    landscapeGrid: (fn, options) => landscapeGridOn(compileModule, fn, options),
    landscapeFunctions: () => landscapeFunctionsOn(compileModule),
    scheduleLrs: (spec, options) => scheduleLrsOn(compileModule, spec, options),
    lrFind: (options) => ("closure" in options ? lrFindClosureOn(compileModule, options) : lrFindOn(platform, options)),
    lrFindAll: (options) => lrFindAllOn(platform, options),
    optimizers: () => optimizersOn(compileModule),
    optimizerDefaults: (name) => optimizerDefaultsOn(compileModule, name),
    problems: () => problemsOn(compileModule),
    smoke: async () => {
      // Compiled first (the pool reuses it) so that a module the page may not compile (a CSP without
      // 'wasm-unsafe-eval') rejects with its own CompileError, not as a crashed worker.
      await compileModule();
      return withPool(
        () => new WorkerPool<WorkerApi>(platform, 1),
        (pool) => pool.run("smoke", (worker) => worker.smoke()),
      );
    },
  };
}

/** `compare` on a pool of its own (at most one worker per optimizer). */
async function compareOn(platform: Platform, options: CompareOptions & PoolOptions): Promise<RunResult[]> {
  const runs = Array.isArray(options.optimizers) ? Math.max(options.optimizers.length, 1) : 1;
  return withPool(
    () =>
      new OptimlabPool(platform, {
        workers: Math.min(options.workers ?? platform.cores(), runs),
        precision: options.precision,
      }),
    (pool) => pool.compare(options),
  );
}

/** Runs `job` on a pool made for it alone, and terminates the pool's workers when the job ends; a bad option rejects, never throws. */
async function withPool<Pool extends { dispose(): void }, T>(
  create: () => Pool,
  job: (pool: Pool) => Promise<T>,
): Promise<T> {
  const pool = create();
  try {
    return await job(pool);
  } finally {
    pool.dispose();
  }
}
