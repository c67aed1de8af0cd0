// The learning-rate range test (Leslie Smith; fastai's lr_find, torch-lr-finder's range_test), platform-neutral:
// each optimizer's test runs in a pool worker on a fresh Trainer (the Rust side grows the lr, smooths the loss,
// stops at divergence, suggests lrs and restores the trainer); api.ts binds it to each entry's Platform.
import type { Remote } from "comlink";
import { abortError, ConfigError, PoolDisposedError } from "./errors.js";
import { WorkerPool, type Platform } from "./pool.js";
import { checkModelAndData, checkStepSettings, dataBytes, trainerConfig, type StepSettings } from "./model.js";
import { createOptimizerOn, rangeTestOnClosure, type LossClosure, type OptimizerOptions } from "./optimizer.js";
import type { OptimizerName } from "./optimizers.js";
import { checkPrecision, type Precision } from "./precision.js";
import type { LrFindWorkerApi, TrainerConfig } from "./protocol.js";
import { checkSpec, defaultLabel } from "./spec.js";
import type { DataSplit, LrRule, ModelSpec, OptimizerSpec, PoolOptions } from "./types.js";

/** How the range test runs, with torch-lr-finder's and fastai's defaults. */
export interface LrFindSettings {
  /** First lr tried (default 1e-7). */
  startLr?: number;
  /** Last lr tried, reached at step numIter − 1 (default 10). */
  endLr?: number;
  /** Steps at most, 2 … 10,000 (default 100); batches continue across epochs. */
  numIter?: number;
  /** How the lr grows: "exp" (geometric, default) or "linear". */
  stepMode?: "exp" | "linear";
  /** EMA factor of the smoothed loss in [0, 1): s = f·loss + (1 − f)·s (torch-lr-finder, default 0.05); 0 for none. */
  smoothF?: number;
  /** fastai's smoothing instead: the EMA starts at 0 and is divided by 1 − (1 − f)ᵗ (fastai's β = 0.98 is smoothF 0.02). Default false. */
  debias?: boolean;
  /** Stop once the smoothed loss exceeds divergeTh × the lowest so far (default 5; fastai uses 4). */
  divergeTh?: number;
  /** Points left out at the start before suggesting (default ⌊numIter / 10⌋, as fastai). */
  skipStart?: number;
  /** Points left out at the end before suggesting (default 5, as fastai and torch-lr-finder). */
  skipEnd?: number;
}

interface LrFindRunOptions extends LrFindSettings, StepSettings {
  /** Training data; the test draws batches from `data.train` in the seed's shuffled order. */
  data: DataSplit;
  /** The MLP by its widths or a layer list, as in `compare`. */
  model: ModelSpec;
  /** Rows per step (positive integer). */
  batchSize: number;
  /** Each epoch leaves out its last partial batch, as in `compare` (default false). */
  dropLast?: boolean;
  /** Seeds the initial weights and the batch order, as in `compare`: the test probes the very network a run with this seed starts from. */
  seed: number;
  /** Pixels are divided by this: 255 (default) or 256 (the notebook). */
  normalize?: 255 | 256;
  /** Cancels the test(s); the promise rejects with the signal's reason and the workers are terminated. */
  signal?: AbortSignal;
}

export interface LrFindOptions extends LrFindRunOptions, Pick<PoolOptions, "precision"> {
  /** The optimizer to probe; its `lr` is ignored (the test sets the lr of every step). */
  optimizer: OptimizerSpec;
}

/**
 * The range test on your own loss and gradients (no data, no model: a single tensor, a custom loop), on this thread:
 * each step calls `closure` at the current parameters, sets the test's lr and updates, as `Optimizer.step(closure)`.
 */
export interface LrFindClosureOptions extends LrFindSettings {
  /** The optimizer to probe; its `lr` and `schedule` are ignored (the test sets the lr of every step). */
  optimizer: OptimizerSpec;
  /** The starting parameters, one array per tensor; they are copied, never modified. */
  params: readonly Float32Array[];
  /** Each tensor's shape (default `[length]`); it matters to optimizers that treat matrices apart (Muon, Adafactor, SM3). */
  shapes?: readonly (readonly number[])[];
  /** The loss and its gradients at the given parameters. */
  closure: LossClosure;
}

export interface LrFindAllOptions extends LrFindRunOptions, PoolOptions {
  /** One test per optimizer, results in the same order. */
  optimizers: OptimizerSpec[];
}

/** A suggested lr and the index of the curve point its rule picked. */
export interface LrSuggestion {
  lr: number;
  index: number;
}

export interface LrSuggestions {
  /** fastai's "steep": where the smoothed loss falls fastest per unit of ln lr (torch-lr-finder's suggestion). */
  steepest: LrSuggestion | null;
  /** fastai's "minimum": the lr of the lowest smoothed loss divided by 10 (`index` is the minimum itself). */
  minimum: LrSuggestion | null;
  /** fastai's "valley" (its default): about halfway down the longest descending stretch of the curve. */
  valley: LrSuggestion | null;
  /** fastai's "slide": slides a 15-point interval left from the curve's end while the slopes at its two ends differ by more than 0.005; its left end. */
  slide: LrSuggestion | null;
}

export interface LrFindResult {
  label: string;
  optimizer: OptimizerSpec;
  /** The lr of each step. */
  lrs: Float64Array;
  /** Each step's batch loss (before that step's update). */
  losses: Float32Array;
  /** The smoothed losses the suggestions and the divergence stop are computed on (NaN after a non-finite loss). */
  smoothed: Float64Array;
  /** A rule without enough points (e.g. a test that diverged within its first steps) gives null. */
  suggestions: LrSuggestions;
  /** True when the loss diverged (or became non-finite) before numIter steps. */
  stoppedEarly: boolean;
  seconds: number;
  /** Set when `precision: "fast"` was asked for: "fast" when the relaxed-SIMD build ran, else "default" (the engine lacks it). */
  precision?: Precision;
}

/** The test sets every step's lr itself, so the example spec has none. */
const LR_FIND_EXAMPLE = '{ name: "adam" }';

/** Numbers before the curve in the packed result of wasm `Trainer.lrFind`. */
const HEADER = 10;

function suggestion(lr: number, index: number): LrSuggestion | null {
  return index < 0 ? null : { lr, index };
}

/** Unpacks wasm `Trainer.lrFind`'s Float64Array: header, then n lrs, n losses, n smoothed losses. */
export function decodeLrFind(
  packed: Float64Array,
): Pick<LrFindResult, "lrs" | "losses" | "smoothed" | "suggestions" | "stoppedEarly"> {
  const n = packed[0]!;
  const at = (k: number) => packed[k]!;
  return {
    stoppedEarly: at(1) === 1,
    suggestions: {
      steepest: suggestion(at(2), at(3)),
      minimum: suggestion(at(4), at(5)),
      valley: suggestion(at(6), at(7)),
      slide: suggestion(at(8), at(9)),
    },
    lrs: packed.slice(HEADER, HEADER + n),
    losses: Float32Array.from(packed.subarray(HEADER + n, HEADER + 2 * n)),
    smoothed: packed.slice(HEADER + 2 * n, HEADER + 3 * n),
  };
}

const SETTINGS: readonly (keyof LrFindSettings)[] = [
  "startLr",
  "endLr",
  "numIter",
  "stepMode",
  "smoothF",
  "debias",
  "divergeTh",
  "skipStart",
  "skipEnd",
];

/** The settings the caller gave, as the Rust side reads them (it validates them, with messages naming each option). */
function settingsJson(options: LrFindSettings): string {
  return JSON.stringify(
    Object.fromEntries(SETTINGS.filter((key) => options[key] !== undefined).map((key) => [key, options[key]])),
  );
}

/** The model and data checked once on this thread (Rust's checks of the model, then the data against it). */
async function checkRun(platform: Platform, options: LrFindRunOptions, optimizer: OptimizerSpec): Promise<void> {
  if (!options.data?.train) throw new ConfigError("data.train is required");
  if (typeof options.model !== "object" || options.model === null)
    throw new ConfigError(
      `model must be { layers: [widths] } or { input, layers, loss }, got ${String(options.model)}`,
    );
  checkStepSettings(options);
  const { label: _label, schedule: _schedule, lr: _lr, ...probed } = optimizer as OptimizerSpec & { lr?: unknown };
  await checkModelAndData(() => platform.compileModule(), options, probed as TrainerConfig["optimizer"], 0);
}

/**
 * One optimizer's test on a pool worker holding the training data as resident dataset `train`: open a Trainer
 * (maxSteps = numIter, the room the test needs), test, close.
 */
export async function testOn(
  worker: Remote<LrFindWorkerApi>,
  options: Omit<LrFindRunOptions, "signal">,
  spec: OptimizerSpec,
  train: number,
): Promise<Float64Array> {
  // The range test sets the lr itself at every step: a run's own schedule has no part in it.
  const { label: _label, schedule: _schedule, ...optimizer } = spec;
  const numIter = options.numIter ?? 100;
  // An out-of-range numIter is left for lrFind to refuse with its own message.
  const maxSteps = Number.isInteger(numIter) && numIter >= 0 && numIter <= 10_000 ? numIter : 0;
  const config = trainerConfig(options, optimizer as TrainerConfig["optimizer"], maxSteps);
  await worker.open(config, train);
  try {
    return await worker.lrFind(settingsJson(options));
  } finally {
    await worker.close();
  }
}

/** The range test of every optimizer, in parallel on a pool of its own (at most `workers`, default the cores), terminated at the end. */
export async function lrFindAllOn(platform: Platform, options: LrFindAllOptions): Promise<LrFindResult[]> {
  if (!Array.isArray(options.optimizers) || options.optimizers.length === 0)
    throw new ConfigError("optimizers must be a non-empty array");
  options.optimizers.forEach((spec, index) => checkSpec(spec, `optimizers[${index}]`, LR_FIND_EXAMPLE));
  await checkRun(platform, options, options.optimizers[0]!);
  const { signal } = options;
  const precision = checkPrecision(options.precision);
  if (signal?.aborted) throw abortError(signal);
  const pool = new WorkerPool<LrFindWorkerApi>(
    platform,
    Math.min(options.workers ?? platform.cores(), options.optimizers.length),
    precision,
  );
  let onAbort: (() => void) | undefined;
  // A test is one call into its worker: aborting terminates the workers instead of waiting for it.
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      pool.dispose();
      reject(abortError(signal!));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    const train = pool.resident(options.data.train, dataBytes(options.data.train, options.model));
    const tests = options.optimizers.map(async (spec): Promise<LrFindResult> => {
      const label = spec.label ?? defaultLabel(spec);
      let started = 0;
      const packed = await pool.run(
        label,
        (worker) => {
          started = performance.now();
          return testOn(worker, options, spec, train.id);
        },
        signal,
        [train],
      );
      return { label, optimizer: spec, ...decodeLrFind(packed), seconds: (performance.now() - started) / 1000 };
    });
    const results = await Promise.race([Promise.all(tests), aborted]);
    if (precision === "fast") {
      const ran = await pool.precisionInUse();
      for (const result of results) result.precision = ran;
    }
    return results;
  } catch (error) {
    throw signal?.aborted && error instanceof PoolDisposedError ? abortError(signal) : error;
  } finally {
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    pool.dispose();
  }
}

/** The range test of one optimizer on a worker of its own. */
export async function lrFindOn(platform: Platform, options: LrFindOptions): Promise<LrFindResult> {
  checkSpec(options.optimizer, "optimizer", LR_FIND_EXAMPLE);
  const { optimizer, ...rest } = options;
  const [result] = await lrFindAllOn(platform, { ...rest, optimizers: [optimizer], workers: 1 });
  return result!;
}

/** The range test on a closure, on this thread's wasm instance; the caller's parameters are left untouched. */
export async function lrFindClosureOn(
  compileModule: () => Promise<WebAssembly.Module>,
  options: LrFindClosureOptions,
): Promise<LrFindResult> {
  checkSpec(options.optimizer, "optimizer", LR_FIND_EXAMPLE);
  if (typeof options.closure !== "function")
    throw new ConfigError("closure must be a function (params) => ({ loss, grads })");
  const { params } = options;
  if (!Array.isArray(params) || params.length === 0 || !params.every((p) => p instanceof Float32Array))
    throw new ConfigError("params must be a non-empty array of Float32Arrays, one per tensor");
  const shapes = options.shapes ?? params.map((param) => [param.length]);
  const {
    name,
    label: _label,
    schedule: _schedule,
    lr: _lr,
    ...optimizerOptions
  } = options.optimizer as OptimizerSpec & {
    lr?: unknown;
  };
  const started = performance.now();
  // The spec's options were checked against its name by checkSpec; Rust validates them again.
  const anyOptions = optimizerOptions as OptimizerOptions<OptimizerName>;
  using optimizer = await createOptimizerOn(compileModule, name as OptimizerName, anyOptions, shapes);
  optimizer.setParams(params);
  const packed = rangeTestOnClosure(optimizer, settingsJson(options), options.closure);
  return {
    label: options.optimizer.label ?? defaultLabel(options.optimizer),
    optimizer: options.optimizer,
    ...decodeLrFind(packed),
    seconds: (performance.now() - started) / 1000,
  };
}

/** The suggestion each `lrRule` takes. */
const RULE_SUGGESTION: Record<LrRule, keyof LrSuggestions> = {
  valley: "valley",
  steep: "steepest",
  minimum: "minimum",
  slide: "slide",
};

/** The rules `lrRule` accepts, in fastai's order. */
export const LR_RULES = Object.keys(RULE_SUGGESTION) as LrRule[];

/** The suggestion a rule picks (null when the curve was too short for it). */
export function suggestionFor(suggestions: LrSuggestions, rule: LrRule): LrSuggestion | null {
  return suggestions[RULE_SUGGESTION[rule]];
}

/** The lr a suggestion rule gives, the first one available in fastai's order of preference: valley, steepest, minimum. */
export function preferredLr(suggestions: LrSuggestions): number | undefined {
  return (suggestions.valley ?? suggestions.steepest ?? suggestions.minimum)?.lr;
}
