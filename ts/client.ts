// The platform-neutral client: validates a comparison at the edge, runs each optimizer as one job on the worker
// pool, drives the worker's Trainer chunk by chunk (abort checked between chunks, progress throttled, eval after
// each epoch) and assembles plain-data results. api.ts binds it to each entry's Platform.
import type { Remote } from "comlink";
import { abortError, ConfigError, isCleanRefusal, nonFiniteOption, PoolDisposedError, reviveError } from "./errors.js";
import { WorkerPool, type Platform, type PoolStats } from "./pool.js";
import type { DataBytes, RunWorkerApi, TrainerConfig } from "./protocol.js";
import { resolveSchedule } from "./schedule.js";
import { checkSpec, defaultLabel } from "./spec.js";
import { instantiate, wasm } from "./wasm.js";
import type { Dataset, DataSplit, EpochResult, OptimizerSpec, Progress, RunResult, ScheduleSpec } from "./types.js";

/** The network: a multilayer perceptron, Linear layers with ReLU between, log_softmax + NLL loss (the notebook's SimpleNet). */
export interface ModelSpec {
  /** Widths from input to output, e.g. `[784, 100, 100, 10]`; `layers[0]` must equal the data's features. */
  layers: number[];
}

/** Options shared by `compare` and `train`. */
export interface RunOptions {
  /** Training data (u8 pixels + labels) and an optional held-out set evaluated after every epoch. */
  data: DataSplit;
  model: ModelSpec;
  /** Passes over the training data (positive integer). */
  epochs: number;
  /** Rows per step; the last batch of an epoch keeps the remainder (positive integer). */
  batchSize: number;
  /** Seeds weight init and batch order: same seed → bit-identical runs, in any worker. */
  seed: number;
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
  /** One run per optimizer, results in the same order. */
  optimizers: OptimizerSpec[];
}

export interface TrainOptions extends RunOptions {
  optimizer: OptimizerSpec;
}

export interface PoolOptions {
  /** Workers at most (each runs one training run at a time). Default: the number of logical cores. */
  workers?: number;
}

const progressIntervalMs = 100;
const targetChunkMs = 100;

/** A pool of workers for comparisons and runs; reuse it across calls, then `dispose()` it (or `await using`). */
export class OptimlabPool {
  private readonly pool: WorkerPool<RunWorkerApi>;

  constructor(
    private readonly platform: Platform,
    options: PoolOptions = {},
  ) {
    const workers = options.workers ?? platform.cores();
    positiveInteger("workers", workers);
    this.pool = new WorkerPool<RunWorkerApi>(platform, workers);
  }

  /** Trains one model per optimizer, in parallel across the pool. A run that fails resolves with `error` set; abort rejects the whole comparison. */
  async compare(options: CompareOptions): Promise<RunResult[]> {
    validateRun(options);
    if (!Array.isArray(options.optimizers) || options.optimizers.length === 0)
      throw new ConfigError("optimizers must be a non-empty array");
    options.optimizers.forEach((spec, index) => {
      checkRunSpec(spec, `optimizers[${index}]`, options);
      refuseNonFinite(spec, `optimizers[${index}]`);
    });
    const { label: _label, schedule: _schedule, ...first } = options.optimizers[0]!;
    await checkModel(this.platform, options, first);
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
    try {
      return await Promise.all(
        options.optimizers.map(async (spec, run) => {
          const outcome = await this.execute(options, spec, run, progress);
          if (outcome.error === undefined) return outcome.result;
          if (options.signal?.aborted || outcome.error instanceof PoolDisposedError) throw outcome.error;
          const { name, message } = outcome.error as Error;
          return { ...outcome.result, error: { name, message } };
        }),
      );
    } finally {
      settled = true;
    }
  }

  /** Trains one model; rejects when the run fails (invalid option, crashed worker, abort). A diverged run resolves with `diverged` set. */
  async train(options: TrainOptions): Promise<RunResult> {
    validateRun(options);
    checkRunSpec(options.optimizer, "optimizer", options);
    refuseNonFinite(options.optimizer, "optimizer");
    const outcome = await this.execute(options, options.optimizer, 0, throttledProgress(options.onProgress));
    if (outcome.error !== undefined) throw outcome.error;
    return outcome.result;
  }

  /** Workers alive, busy, queued runs, replacements, and each worker's wasm memory. */
  stats(): Promise<PoolStats> {
    return this.pool.stats();
  }

  /** Terminates the workers; runs still queued or running reject with PoolDisposedError. */
  dispose(): void {
    this.pool.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
  }

  private async execute(
    options: RunOptions,
    spec: OptimizerSpec,
    run: number,
    progress: (progress: Progress) => void,
  ): Promise<{ result: RunResult; error?: unknown }> {
    const label = spec.label ?? defaultLabel(spec);
    const { label: _label, schedule: _schedule, ...optimizer } = spec;
    const started = performance.now();
    const result: RunResult = {
      label,
      optimizer: spec,
      losses: new Float32Array(0),
      stepsPerEpoch: 0,
      epochs: [],
      seconds: 0,
    };
    try {
      await this.pool.run(
        label,
        (worker) => drive(worker, options, optimizer, runSchedule(spec, options), run, label, result, progress),
        options.signal,
      );
      return { result };
    } catch (error) {
      result.losses = result.losses.slice(); // the steps done so far, without the rest of the history buffer
      result.lrs = result.lrs?.slice();
      // Aborting rejects with the signal's reason, whatever it is, as fetch() does.
      return { result, error: options.signal?.aborted ? abortError(options.signal) : reviveError(error) };
    } finally {
      result.seconds = (performance.now() - started) / 1000;
    }
  }
}

/** Runs one training job on a worker, filling `result` as it goes so a failure still reports the steps done. */
async function drive(
  worker: Remote<RunWorkerApi>,
  options: RunOptions,
  optimizer: TrainerConfig["optimizer"],
  schedule: ScheduleSpec | undefined,
  run: number,
  label: string,
  result: RunResult,
  progress: (progress: Progress) => void,
): Promise<void> {
  const { data, epochs, signal } = options;
  const bytes = (dataset: Dataset): DataBytes => ({ pixels: dataset.pixels, labels: dataset.labels });
  const stepsPerEpoch = Math.ceil(data.train.count / options.batchSize);
  const totalSteps = stepsPerEpoch * epochs;
  const config: TrainerConfig = {
    layers: options.model.layers,
    seed: options.seed,
    batchSize: options.batchSize,
    normalize: options.normalize ?? 255,
    maxSteps: totalSteps,
    optimizer,
  };
  if (schedule !== undefined) config.schedule = resolveSchedule(schedule, { epochs, stepsPerEpoch });
  const started = performance.now();
  await worker.open(config, bytes(data.train), data.test && bytes(data.test));
  try {
    const losses = new Float32Array(totalSteps);
    const lrs = schedule === undefined ? undefined : new Float32Array(totalSteps);
    let done = 0;
    let chunk = options.chunkSteps ?? 1;
    result.stepsPerEpoch = stepsPerEpoch;
    for (let epoch = 1; epoch <= epochs && !result.diverged; epoch++) {
      const epochStarted = performance.now();
      const epochEnd = epoch * stepsPerEpoch;
      while (done < epochEnd) {
        if (signal?.aborted) throw new DOMException("The run was aborted.", "AbortError");
        const chunkStarted = performance.now();
        const { losses: chunkLosses, divergedAt, lrs: chunkLrs } = await worker.run(Math.min(chunk, epochEnd - done));
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
      const evaluation = data.test ? await worker.evaluate() : undefined;
      const epochResult: EpochResult = {
        epoch,
        trainLoss: mean(losses.subarray(epochEnd - stepsPerEpoch, epochEnd)),
        seconds: (performance.now() - epochStarted) / 1000,
      };
      if (evaluation) Object.assign(epochResult, { evalLoss: evaluation.loss, evalAccuracy: evaluation.accuracy });
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

/**
 * Rust's checks of a Trainer config that do not depend on the optimizer (model size, batch size, seed, the memory
 * they need), run once on this thread: a comparison with a bad model is one ConfigError before any worker starts,
 * rather than the same error from every run.
 */
async function checkModel(
  platform: Platform,
  options: RunOptions,
  optimizer: TrainerConfig["optimizer"],
): Promise<void> {
  const config: TrainerConfig = {
    layers: options.model.layers,
    seed: options.seed,
    batchSize: options.batchSize,
    normalize: options.normalize ?? 255,
    maxSteps: Math.ceil(options.data.train.count / options.batchSize) * options.epochs,
    optimizer,
  };
  instantiate(await platform.compileModule());
  try {
    wasm.checkTrainerConfig(JSON.stringify(config));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
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

function positiveInteger(name: string, value: unknown): void {
  if (!Number.isInteger(value) || (value as number) < 1)
    throw new ConfigError(`${name} must be a positive integer, got ${String(value)}`);
}

/** `checkSpec`, and the run's own schedule checked (and its lr_lambda functions evaluated) before any worker starts. */
function checkRunSpec(spec: OptimizerSpec, path: string, options: RunOptions): void {
  checkSpec(spec, path);
  if (spec.schedule !== undefined && spec.schedule !== null) {
    resolveSchedule(
      spec.schedule,
      { epochs: options.epochs, stepsPerEpoch: Math.ceil(options.data.train.count / options.batchSize) },
      `${path}.schedule`,
    );
  }
}

function refuseNonFinite(spec: object, path: string): void {
  const problem = nonFiniteOption(spec);
  if (problem) throw new ConfigError(`${path}: ${problem}`);
}

function validateDataset(name: string, dataset: Dataset, layers: number[]): void {
  const { pixels, labels, count, features } = dataset;
  if (!(pixels instanceof Uint8Array) || !(labels instanceof Uint8Array))
    throw new ConfigError(`${name}: pixels and labels must be Uint8Arrays`);
  if (count < 1 || labels.length !== count || pixels.length !== count * features)
    throw new ConfigError(
      `${name}: expected ${count} labels and ${count} × ${features} pixels, got ${labels.length} labels and ${pixels.length} pixels`,
    );
  if (features !== layers[0])
    throw new ConfigError(`${name} has ${features} features but the model's first layer takes ${layers[0]}`);
  const outputs = layers[layers.length - 1]!;
  const largest = labels.reduce((a, b) => Math.max(a, b), 0);
  if (largest >= outputs)
    throw new ConfigError(`${name} has label ${largest} but the model has only ${outputs} outputs`);
}

function validateRun(options: RunOptions): void {
  const layers = options.model?.layers;
  if (!Array.isArray(layers) || layers.length < 2 || !layers.every((width) => Number.isInteger(width) && width > 0))
    throw new ConfigError(`model.layers must list at least two positive integer widths, got ${JSON.stringify(layers)}`);
  positiveInteger("epochs", options.epochs);
  positiveInteger("batchSize", options.batchSize);
  if (!Number.isInteger(options.seed) || options.seed < 0)
    throw new ConfigError(`seed must be a non-negative integer, got ${options.seed}`);
  if (options.normalize !== undefined && options.normalize !== 255 && options.normalize !== 256)
    throw new ConfigError(`normalize must be 255 or 256, got ${options.normalize}`);
  if (options.chunkSteps !== undefined) positiveInteger("chunkSteps", options.chunkSteps);
  if (!options.data?.train) throw new ConfigError("data.train is required");
  validateDataset("data.train", options.data.train, layers);
  if (options.data.test) validateDataset("data.test", options.data.test, layers);
  if (options.schedule !== undefined) {
    if (typeof options.schedule === "object" && options.schedule !== null)
      refuseNonFinite(options.schedule, "schedule");
    resolveSchedule(options.schedule, {
      epochs: options.epochs,
      stepsPerEpoch: Math.ceil(options.data.train.count / options.batchSize),
    });
  }
}
