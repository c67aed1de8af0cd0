// The platform-neutral client: validates a comparison at the edge, runs each optimizer as one job on the worker
// pool, drives the worker's Trainer chunk by chunk (abort checked between chunks, progress throttled, eval after
// each epoch) and assembles plain-data results. api.ts binds it to each entry's Platform.
import type { Remote } from "comlink";
import { abortError, ConfigError, isCleanRefusal, nonFiniteOption, PoolDisposedError, reviveError } from "./errors.js";
import { WorkerPool, type Platform, type PoolStats } from "./pool.js";
import { checkPrecision } from "./precision.js";
import { decodeLrFind, LR_RULES, suggestionFor, testOn, type LrFindSettings } from "./lr-find.js";
import {
  checkModelAndData,
  checkStepSettings,
  dataBytes,
  isLayerList,
  stepsPerEpoch,
  trainerConfig,
  type StepSettings,
} from "./model.js";
import type { LrFindWorkerApi, RunWorkerApi, TrainerConfig } from "./protocol.js";
import { resolveSchedule } from "./schedule.js";
import { checkSpec, defaultLabel } from "./spec.js";
import type {
  ComparedOptimizer,
  Dataset,
  ModelSpec,
  PoolOptions,
  DataSplit,
  EpochResult,
  LrRule,
  OptimizerSpec,
  Progress,
  RunResult,
  ScheduleSpec,
  Tuning,
  TuningPoint,
} from "./types.js";

export type { ModelSpec, PoolOptions };

/** Options shared by `compare` and `train`; what is left out takes the notebook's settings. */
export interface RunOptions extends StepSettings {
  /** Training data (bytes or floats, with labels or targets) and an optional held-out set evaluated after every epoch. */
  data: DataSplit;
  /**
   * The MLP by its widths, `{ layers: [784, 100, 100, 10] }`, or any model as a layer list, `{ input: [1, 28, 28],
   * layers: [{ type: "conv2d", … }, …], loss: "cross_entropy" }`. Default: the notebook's MLP sized to the data,
   * `[features, 100, 100, classes]`.
   */
  model?: ModelSpec;
  /** Passes over the training data (positive integer). Default 3. */
  epochs?: number;
  /** Rows per step; the last batch of an epoch keeps the remainder (positive integer). Default 256. */
  batchSize?: number;
  /** torch DataLoader's drop_last: each epoch leaves out its last batch when it is partial (DeepOBS). Default false. */
  dropLast?: boolean;
  /** Seeds weight init and batch order: same seed → bit-identical runs, in any worker. Default 0. */
  seed?: number;
  /** Pixels are divided by this: 255 (default) maps them to 0…1; 256 reproduces the notebook. */
  normalize?: 255 | 256;
  /** Steps per call into a worker; abort and progress happen between chunks. Default: adaptive, about 100 ms of work. */
  chunkSteps?: number;
  /** Cancels the run(s) between chunks; the promise then rejects with the signal's reason (an AbortError). */
  signal?: AbortSignal;
  /** Called at most about 10 times a second, and once when each run ends. */
  onProgress?: (progress: Progress) => void;
  /** Put the final weights (torch layout) in each result. */
  returnWeights?: boolean;
  /**
   * An lr schedule applied to every run, built over each optimizer's own lr (its base lr) and stepped after every
   * optimizer step (ReduceLROnPlateau: once per epoch, on the epoch's mean training loss). Each result then has `lrs`.
   * OneCycleLR's total_steps defaults to epochs × steps per epoch. An optimizer spec's own `schedule` replaces it for
   * that run (`schedule: null`: none).
   */
  schedule?: ScheduleSpec;
}

export interface CompareOptions extends RunOptions {
  /**
   * One run per optimizer (per seed), results in the same order. `lr: "auto"` runs the optimizer's lr range test
   * (same model, data and seed) first and trains at the lr its `lrRule` suggests ("valley" by default).
   */
  optimizers: ComparedOptimizer[];
  /**
   * Replicates: every optimizer trains with seeds `seed`, `seed + 1`, … (each changes the initial weights and the
   * batch order; within a seed every optimizer gets the same). Results come optimizer by optimizer, seeds in order,
   * each with its `seed` and `optimizerIndex`. Default 1.
   */
  seeds?: number;
  /**
   * A tuning budget: each optimizer trains at `points` lrs spaced evenly in log from `min` to `max` (on the first
   * seed, in parallel) and keeps the lr of the lowest final held-out loss (training loss when nothing is held out);
   * its replicates then run at that lr. Each result carries the whole grid (`tuning`). Its optimizers leave `lr` out.
   */
  tune?: { lr: LrGrid };
  /** The range test's settings for `lr: "auto"` (lrFind's, with its defaults). */
  lrFind?: LrFindSettings;
}

/** A log-spaced grid of learning rates. */
export interface LrGrid {
  min: number;
  max: number;
  /** Number of lrs, at least 2, both ends included. */
  points: number;
}

/** `points` lrs spaced evenly in log from `min` to `max`, both included. */
export function lrGrid({ min, max, points }: LrGrid): number[] {
  if (!(Number.isFinite(min) && min > 0)) throw new ConfigError(`tune.lr.min must be a positive number, got ${min}`);
  if (!(Number.isFinite(max) && max > min))
    throw new ConfigError(`tune.lr.max must be a number greater than min (${min}), got ${max}`);
  if (!Number.isInteger(points) || points < 2 || points > 100)
    throw new ConfigError(`tune.lr.points must be an integer from 2 to 100, got ${points}`);
  return Array.from({ length: points }, (_, i) =>
    i === points - 1 ? max : Math.exp(Math.log(min) + (i / (points - 1)) * (Math.log(max) - Math.log(min))),
  );
}

export interface TrainOptions extends RunOptions {
  optimizer: OptimizerSpec;
}

/** The notebook's settings, for what a comparison leaves out. */
export const NOTEBOOK_SETTINGS = { epochs: 3, batchSize: 256, seed: 0, hiddenLayers: [100, 100] } as const;

/** Run options with every default filled in. */
export type ResolvedRunOptions<Options extends RunOptions = RunOptions> = Options &
  Required<Pick<RunOptions, "model" | "epochs" | "batchSize" | "seed">>;

/** The options with the notebook's settings where they were left out (the model sized to the data). */
export function withDefaults<Options extends RunOptions>(options: Options): ResolvedRunOptions<Options> {
  const train = options.data?.train;
  return {
    ...options,
    model: options.model ?? {
      layers: train ? [train.features, ...NOTEBOOK_SETTINGS.hiddenLayers, train.classes] : [],
    },
    epochs: options.epochs ?? NOTEBOOK_SETTINGS.epochs,
    batchSize: options.batchSize ?? NOTEBOOK_SETTINGS.batchSize,
    seed: options.seed ?? NOTEBOOK_SETTINGS.seed,
  };
}

const progressIntervalMs = 100;
const targetChunkMs = 100;

/** A pool of workers for comparisons and runs; reuse it across calls, then `dispose()` it (or `await using`). */
export class OptimlabPool {
  private readonly pool: WorkerPool<LrFindWorkerApi>;
  /** precision "fast" was asked for: each run then says which build ran. */
  private readonly askedFast: boolean;

  constructor(
    private readonly platform: Platform,
    options: PoolOptions = {},
  ) {
    const workers = options.workers ?? platform.cores();
    positiveInteger("workers", workers);
    const precision = checkPrecision(options.precision);
    this.askedFast = precision === "fast";
    this.pool = new WorkerPool<LrFindWorkerApi>(platform, workers, precision);
  }

  /**
   * Trains one model per optimizer and seed, in parallel across the pool: range tests (`lr: "auto"`) and tuning grids
   * are queued on the same pool before the runs that need them. A run that fails resolves with `error` set; abort
   * rejects the whole comparison.
   */
  async compare(compareOptions: CompareOptions): Promise<RunResult[]> {
    const options = withDefaults(compareOptions);
    validateRun(options);
    if (!Array.isArray(options.optimizers) || options.optimizers.length === 0)
      throw new ConfigError("optimizers must be a non-empty array");
    const seeds = options.seeds ?? 1;
    positiveInteger("seeds", seeds);
    const grid = options.tune === undefined ? undefined : lrGrid(options.tune?.lr ?? ({} as LrGrid));
    options.optimizers.forEach((spec, index) => {
      validateComparedSpec(spec, `optimizers[${index}]`, grid !== undefined, options);
      refuseNonFinite(spec, `optimizers[${index}]`);
    });
    const {
      label: _label,
      schedule: _schedule,
      lr: _lr,
      lrRule: _lrRule,
      ...firstSpec
    } = options.optimizers[0]! as OptimizerSpec & { lrRule?: unknown };
    await checkModelAndData(() => this.platform.compileModule(), options, firstSpec, totalSteps(options));
    // Checked: the workers the first runs take start now, booting while this thread prepares the runs and their data.
    this.pool.prestart(options.optimizers.length * (grid ? grid.length : seeds));
    // Nothing is reported once the comparison has settled: when it rejects (abort, disposed pool), runs whose chunk
    // is still in flight finish that chunk afterwards, and the caller has moved on.
    let settled = false;
    const onProgress = options.onProgress;
    const progress = throttledProgress(
      onProgress &&
        ((update) => {
          if (!settled) onProgress(update);
        }),
    );
    const settle = (outcome: Outcome): RunResult => {
      if (outcome.error === undefined) return outcome.result;
      if (options.signal?.aborted || outcome.error instanceof PoolDisposedError) throw outcome.error;
      const { name, message } = outcome.error as Error;
      return { ...outcome.result, error: { name, message } };
    };
    const perOptimizer = options.optimizers.map(async (compared, optimizerIndex) => {
      const label = compared.label ?? defaultLabel(compared as OptimizerSpec);
      const first = optimizerIndex * seeds;
      const seedOf = (k: number) => options.seed + k;
      const tag = (result: RunResult, k: number): RunResult =>
        Object.assign(result, { optimizerIndex, seed: seedOf(k) });
      if (grid) {
        const tuned = await this.tune(options, compared as OptimizerSpec, label, grid, settle);
        const replicates = await Promise.all(
          Array.from({ length: seeds - 1 }, async (_, j) => {
            const k = j + 1;
            const spec = { ...compared, lr: tuned.tuning.chosenLr } as OptimizerSpec;
            const result = settle(
              await this.execute({ ...options, seed: seedOf(k) }, spec, label, first + k, progress),
            );
            return Object.assign(result, { lrChoice: tuned.lrChoice, tuning: tuned.tuning });
          }),
        );
        progress({
          run: first,
          label,
          step: tuned.result.losses.length,
          totalSteps: tuned.result.losses.length,
          loss: tuned.result.losses.at(-1) ?? NaN,
          etaSeconds: 0,
        });
        return [tag(tuned.result, 0), ...replicates.map((result, j) => tag(result, j + 1))];
      }
      return Promise.all(
        Array.from({ length: seeds }, async (_, k) => {
          const seeded = { ...options, seed: seedOf(k) };
          if (compared.lr !== "auto") {
            return tag(settle(await this.execute(seeded, compared as OptimizerSpec, label, first + k, progress)), k);
          }
          const { lrRule = "valley", ...rest } = compared;
          const chosen = await this.autoLr(seeded, rest as OptimizerSpec, label, lrRule);
          if ("failed" in chosen) return tag(settle(chosen.failed), k);
          const spec = { ...rest, lr: chosen.lr } as OptimizerSpec;
          const result = settle(await this.execute(seeded, spec, label, first + k, progress));
          return tag(Object.assign(result, { lrChoice: { method: "auto", rule: lrRule, lr: chosen.lr } as const }), k);
        }),
      );
    });
    try {
      return (await Promise.all(perOptimizer)).flat();
    } finally {
      settled = true;
    }
  }

  /** Trains one model; rejects when the run fails (invalid option, crashed worker, abort). A diverged run resolves with `diverged` set. */
  async train(trainOptions: TrainOptions): Promise<RunResult> {
    const options = withDefaults(trainOptions);
    validateRun(options);
    checkRunSpec(options.optimizer, "optimizer", options);
    refuseNonFinite(options.optimizer, "optimizer");
    const { label: _label, schedule: _schedule, ...optimizer } = options.optimizer;
    await checkModelAndData(() => this.platform.compileModule(), options, optimizer, totalSteps(options));
    this.pool.prestart(1);
    const label = options.optimizer.label ?? defaultLabel(options.optimizer);
    const outcome = await this.execute(options, options.optimizer, label, 0, throttledProgress(options.onProgress));
    if (outcome.error !== undefined) throw outcome.error;
    return outcome.result;
  }

  /** The range test of `spec` at the run's seed on a pool worker, then the lr its rule suggests; a failure comes back as a failed run. */
  private async autoLr(
    options: ResolvedRunOptions<CompareOptions>,
    spec: OptimizerSpec,
    label: string,
    rule: LrRule,
  ): Promise<{ lr: number } | { failed: Outcome }> {
    const { lr: _auto, label: _label, ...probed } = spec as OptimizerSpec & { lr?: unknown };
    const failed = (error: unknown): { failed: Outcome } => ({
      failed: {
        result: {
          label,
          optimizer: spec,
          seed: options.seed,
          losses: new Float32Array(0),
          stepsPerEpoch: 0,
          epochs: [],
          seconds: 0,
        },
        error: options.signal?.aborted ? abortError(options.signal) : reviveError(error),
      },
    });
    try {
      const train = this.pool.resident(options.data.train, dataBytes(options.data.train, options.model));
      const packed = await this.pool.run(
        `${label} (lr range test)`,
        (worker) => testOn(worker, { ...options, ...options.lrFind }, probed as OptimizerSpec, train.id),
        options.signal,
        [train],
      );
      const suggestion = suggestionFor(decodeLrFind(packed).suggestions, rule);
      if (suggestion) return { lr: suggestion.lr };
      return failed(
        new ConfigError(
          `lr: "auto" for ${label}: the range test left too few points for the ${rule} rule (it diverged early); give an lr or another lrRule`,
        ),
      );
    } catch (error) {
      return failed(error);
    }
  }

  /** Trains `spec` at every lr of the grid on the first seed (in parallel, no progress) and keeps the best run. */
  private async tune(
    options: ResolvedRunOptions<CompareOptions>,
    spec: OptimizerSpec,
    label: string,
    grid: number[],
    settle: (outcome: Outcome) => RunResult,
  ): Promise<{ result: RunResult; tuning: Tuning; lrChoice: RunResult["lrChoice"] }> {
    const runs = await Promise.all(
      grid.map(async (lr) =>
        settle(await this.execute(options, { ...spec, lr } as OptimizerSpec, label, -1, () => {})),
      ),
    );
    const by = options.data.test ? "held-out loss" : "train loss";
    const points: TuningPoint[] = runs.map((run, i) => {
      const last = run.epochs.at(-1);
      const finished = !run.error && !run.diverged && last !== undefined;
      const loss = finished ? ((by === "held-out loss" ? last.evalLoss : last.trainLoss) ?? NaN) : NaN;
      return {
        lr: grid[i]!,
        loss: Number.isFinite(loss) ? loss : NaN,
        ...(last?.evalAccuracy === undefined ? {} : { evalAccuracy: last.evalAccuracy }),
        ...(last === undefined ? {} : { trainLoss: last.trainLoss }),
        outcome: runOutcomeText(run),
      };
    });
    // The lowest final loss; ties go to the smaller lr. When every point failed, the first run reports why.
    let best = 0;
    points.forEach((point, i) => {
      if (!Number.isNaN(point.loss) && (Number.isNaN(points[best]!.loss) || point.loss < points[best]!.loss)) best = i;
    });
    const tuning: Tuning = { by, points, chosenLr: grid[best]! };
    const result = Object.assign(runs[best]!, { tuning });
    const lrChoice = { method: "tune", by, lr: grid[best]! } as const;
    return { result: Object.assign(result, { lrChoice }), tuning, lrChoice };
  }

  /** Workers alive, busy, queued runs, replacements, each worker's wasm memory, and the datasets resident in them. */
  stats(): Promise<PoolStats> {
    return this.pool.stats();
  }

  /**
   * Frees the workers' copies of `dataset`. Each worker receives a dataset once, the first time one of its runs
   * needs it, and keeps it for the pool's later runs (kept until this call, until the dataset object is garbage
   * collected, or until `dispose`). Its arrays' contents are not read again: after changing them in place, drop the
   * dataset (or pass new arrays) so that later runs see the change.
   */
  dropData(dataset: Dataset): void {
    this.pool.drop(dataset);
  }

  /** Terminates the workers; runs still queued or running reject with PoolDisposedError. */
  dispose(): void {
    this.pool.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
  }

  private async execute(
    options: ResolvedRunOptions,
    spec: OptimizerSpec,
    label: string,
    run: number,
    progress: (progress: Progress) => void,
  ): Promise<Outcome> {
    const { label: _label, schedule: _schedule, ...optimizer } = spec;
    const started = performance.now();
    const result: RunResult = {
      label,
      optimizer: spec,
      seed: options.seed,
      losses: new Float32Array(0),
      stepsPerEpoch: 0,
      epochs: [],
      seconds: 0,
    };
    try {
      const { data, model } = options;
      const train = this.pool.resident(data.train, dataBytes(data.train, model));
      const test = data.test && this.pool.resident(data.test, dataBytes(data.test, model));
      await this.pool.run(
        label,
        (worker, hold) => {
          // The held-out data goes to the worker when the run first evaluates, not before its first step.
          const heldOut = test && (() => hold([test]).then(() => test.id));
          const datasets = { train: train.id, heldOut };
          return drive(worker, options, optimizer, runSchedule(spec, options), datasets, run, label, result, progress);
        },
        options.signal,
        [train],
      );
      return { result };
    } catch (error) {
      result.losses = result.losses.slice(); // the steps done so far, without the rest of the history buffer
      result.lrs = result.lrs?.slice();
      // Aborting rejects with the signal's reason, whatever it is, as fetch() does.
      return { result, error: options.signal?.aborted ? abortError(options.signal) : reviveError(error) };
    } finally {
      result.seconds = (performance.now() - started) / 1000;
      if (this.askedFast) result.precision = await this.pool.precisionInUse().catch(() => "default" as const);
    }
  }
}

/** A run's result, and what went wrong when it failed. */
interface Outcome {
  result: RunResult;
  error?: unknown;
}

/** How a run ended, in words (a tuning point's `outcome`). */
function runOutcomeText(run: RunResult): string {
  if (run.error) return `${run.error.name}: ${run.error.message}`;
  if (run.diverged) return `diverged at step ${run.diverged.step}`;
  return "ok";
}

/** Runs one training job on a worker, filling `result` as it goes so a failure still reports the steps done. */
async function drive(
  worker: Remote<RunWorkerApi>,
  options: ResolvedRunOptions,
  optimizer: TrainerConfig["optimizer"],
  schedule: ScheduleSpec | undefined,
  /** The run's resident datasets in the worker: the training data's id, and its held-out data's once sent there. */
  datasets: { train: number; heldOut: (() => Promise<number>) | undefined },
  run: number,
  label: string,
  result: RunResult,
  progress: (progress: Progress) => void,
): Promise<void> {
  const { data, epochs, signal } = options;
  const epochSteps = stepsPerEpoch(data.train.count, options);
  const totalSteps = epochSteps * epochs;
  const config = trainerConfig(options, optimizer, totalSteps);
  if (schedule !== undefined) config.schedule = resolveSchedule(schedule, { epochs, stepsPerEpoch: epochSteps });
  const started = performance.now();
  await worker.open(config, datasets.train);
  try {
    const losses = new Float32Array(totalSteps);
    const lrs = schedule === undefined ? undefined : new Float32Array(totalSteps);
    let done = 0;
    let chunk = options.chunkSteps ?? 1;
    result.stepsPerEpoch = epochSteps;
    for (let epoch = 1; epoch <= epochs && !result.diverged; epoch++) {
      const epochStarted = performance.now();
      const epochEnd = epoch * epochSteps;
      while (done < epochEnd) {
        if (signal?.aborted) throw new DOMException("The run was aborted.", "AbortError");
        const chunkStarted = performance.now();
        const {
          losses: chunkLosses,
          divergedAt,
          lrs: chunkLrs,
          nonFinite,
        } = await worker.run(Math.min(chunk, epochEnd - done));
        if (options.nonFinite !== undefined && options.nonFinite !== "stop") {
          const [notfiniteCount, totalNotfinite, lastFinite] = nonFinite;
          result.nonFinite = { notfiniteCount, totalNotfinite, lastFinite: lastFinite === 1 };
        }
        losses.set(chunkLosses, done);
        if (lrs && chunkLrs) {
          lrs.set(chunkLrs, done);
          result.lrs = lrs.subarray(0, done + chunkLosses.length);
        }
        done += chunkLosses.length;
        result.losses = losses.subarray(0, done);
        if (divergedAt >= 0) {
          result.diverged = { step: divergedAt, loss: losses[divergedAt]! };
          break;
        }
        if (options.chunkSteps === undefined) chunk = adaptChunk(chunk, performance.now() - chunkStarted);
        const elapsed = (performance.now() - started) / 1000;
        progress({
          run,
          label,
          step: done,
          totalSteps,
          loss: losses[done - 1]!,
          etaSeconds: (elapsed / done) * (totalSteps - done),
        });
      }
      if (result.diverged) break;
      const evaluation = datasets.heldOut ? await worker.evaluate(await datasets.heldOut()) : undefined;
      const epochResult: EpochResult = {
        epoch,
        trainLoss: mean(losses.subarray(epochEnd - epochSteps, epochEnd)),
        seconds: (performance.now() - epochStarted) / 1000,
      };
      if (evaluation) {
        epochResult.evalLoss = evaluation.loss;
        // NaN for a model without classes (mse, bce_with_logits).
        if (!Number.isNaN(evaluation.accuracy)) epochResult.evalAccuracy = evaluation.accuracy;
      }
      result.epochs.push(epochResult);
    }
    if (options.returnWeights && !result.diverged) result.weights = await worker.weights();
    result.losses = losses.slice(0, done);
    if (lrs) result.lrs = lrs.slice(0, done);
  } catch (error) {
    // A refused or aborted run leaves the worker sound: free its Trainer. After a trap the worker is replaced instead.
    if (isCleanRefusal(reviveError(error))) await worker.close();
    throw error;
  }
  await worker.close();
}

/** The steps of a whole run: epochs × the steps of an epoch. */
function totalSteps(options: ResolvedRunOptions): number {
  return stepsPerEpoch(options.data.train.count, options) * options.epochs;
}

/** Next chunk size aiming at about `targetChunkMs` per call: large enough that calls cost nothing, small enough that abort and progress stay prompt. */
function adaptChunk(chunk: number, elapsedMs: number): number {
  const scaled = Math.round((chunk * targetChunkMs) / Math.max(elapsedMs, 1));
  return Math.min(Math.max(scaled, 1), chunk * 4, 100_000);
}

function throttledProgress(onProgress: ((progress: Progress) => void) | undefined): (progress: Progress) => void {
  if (!onProgress) return () => {};
  let last = -Infinity;
  return (progress) => {
    const now = performance.now();
    if (progress.step < progress.totalSteps && now - last < progressIntervalMs) return;
    last = now;
    onProgress(progress);
  };
}

function mean(values: Float32Array): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** The schedule a run follows: its optimizer spec's own (`null`: none), else the comparison's. */
function runSchedule(spec: OptimizerSpec, options: RunOptions): ScheduleSpec | undefined {
  return spec.schedule === undefined ? options.schedule : (spec.schedule ?? undefined);
}

/** `checkSpec`, and the run's own schedule checked (and its lr_lambda functions evaluated) before any worker starts. */
function checkRunSpec(spec: OptimizerSpec, path: string, options: ResolvedRunOptions): void {
  checkSpec(spec, path);
  if (spec.schedule !== undefined && spec.schedule !== null) {
    resolveSchedule(
      spec.schedule,
      { epochs: options.epochs, stepsPerEpoch: stepsPerEpoch(options.data.train.count, options) },
      `${path}.schedule`,
    );
  }
}

function refuseNonFinite(spec: object, path: string): void {
  const problem = nonFiniteOption(spec);
  if (problem) throw new ConfigError(`${path}: ${problem}`);
}

function positiveInteger(name: string, value: unknown): void {
  if (!Number.isInteger(value) || (value as number) < 1)
    throw new ConfigError(`${name} must be a positive integer, got ${String(value)}`);
}

/** A compared spec: its lr is a number, "auto" (with a known lrRule), or left to `tune`. */
function validateComparedSpec(
  spec: ComparedOptimizer,
  path: string,
  tuned: boolean,
  options: ResolvedRunOptions,
): void {
  checkRunSpec(spec as OptimizerSpec, path, options);
  const { lr, lrRule } = spec as { lr?: unknown; lrRule?: unknown };
  if (typeof lr === "string" && lr !== "auto")
    throw new ConfigError(`${path}.lr must be a number or "auto", got ${JSON.stringify(lr)}`);
  if (lrRule !== undefined && lr !== "auto")
    throw new ConfigError(
      `${path}.lrRule applies to lr: "auto" only (the lr is ${lr === undefined ? "the optimizer's default" : String(lr)})`,
    );
  if (lrRule !== undefined && !LR_RULES.includes(lrRule as LrRule))
    throw new ConfigError(`${path}.lrRule must be one of ${LR_RULES.join(", ")}, got ${JSON.stringify(lrRule)}`);
  if (tuned && lr !== undefined)
    throw new ConfigError(
      `${path} has lr ${JSON.stringify(lr)}, but tune.lr chooses the lr of every optimizer; leave lr out`,
    );
}

/** The run's own options; the model and the data are checked against each other by `checkModelAndData`. */
function validateRun(options: ResolvedRunOptions): void {
  const model = options.model;
  if (typeof model !== "object" || model === null)
    throw new ConfigError(
      `model must be { layers: [widths] } or { input, layers, loss }, got ${JSON.stringify(model)}`,
    );
  const layers: unknown = model.layers;
  if (
    !isLayerList(model) &&
    (!Array.isArray(layers) || layers.length < 2 || !layers.every((width) => Number.isInteger(width) && width > 0))
  )
    throw new ConfigError(`model.layers must list at least two positive integer widths, got ${JSON.stringify(layers)}`);
  checkStepSettings(options);
  positiveInteger("epochs", options.epochs);
  positiveInteger("batchSize", options.batchSize);
  if (!Number.isInteger(options.seed) || options.seed < 0)
    throw new ConfigError(`seed must be a non-negative integer, got ${options.seed}`);
  if (options.normalize !== undefined && options.normalize !== 255 && options.normalize !== 256)
    throw new ConfigError(`normalize must be 255 or 256, got ${options.normalize}`);
  if (options.chunkSteps !== undefined) positiveInteger("chunkSteps", options.chunkSteps);
  if (!options.data?.train) throw new ConfigError("data.train is required");
  const count = options.data.train.count;
  if (!Number.isInteger(count) || count < 1)
    throw new ConfigError(`data.train.count must be a positive integer, got ${String(count)}`);
  if (options.schedule !== undefined) {
    if (typeof options.schedule === "object" && options.schedule !== null)
      refuseNonFinite(options.schedule, "schedule");
    resolveSchedule(options.schedule, {
      epochs: options.epochs,
      stepsPerEpoch: stepsPerEpoch(options.data.train.count, options),
    });
  }
}
