// Plain data shared by the API, the workers, the plots and the CLI. Everything here survives
// structured cloning (comlink), so it crosses the worker boundary unchanged.
import type { OptimizerSpec } from "./optimizers.js";

/** A labelled dataset held as bytes: `count` rows of `features` u8 values (pixels 0–255) and one u8 label each. */
export interface Dataset {
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
  features: number;
  /** Number of classes (labels are 0 … classes-1). */
  classes: number;
  /** Where the data came from, for reports (e.g. "embedded MNIST sample", a file path). */
  source?: string;
}

/** Training data and an optional held-out set evaluated after every epoch. */
export interface DataSplit {
  train: Dataset;
  test?: Dataset;
}

// One type per optimizer, keyed by `name`, with every option typed and documented (ts/optimizers.ts).
export type { OptimizerSpec } from "./optimizers.js";
// One type per lr schedule, keyed by `name` (ts/schedule-spec.ts).
export type * from "./schedule-spec.js";

/** Held-out evaluation and timing after one epoch. */
export interface EpochResult {
  /** 1 for the first epoch. */
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  trainLoss: number;
  evalLoss?: number;
  evalAccuracy?: number;
  seconds: number;
}

/** The outcome of one training run. */
export interface RunResult {
  label: string;
  optimizer: OptimizerSpec;
  /** Loss of every step (NLL averaged over the batch), in order. */
  losses: Float32Array;
  stepsPerEpoch: number;
  epochs: EpochResult[];
  /** Set when a loss became NaN or infinite: the run stopped at that (0-based) step. */
  diverged?: { step: number; loss: number };
  /** Set when the run failed (bad option, crashed worker); `losses` then holds what was done before. */
  error?: { name: string; message: string };
  seconds: number;
  /** Final weights in torch layout per layer ([out, in] weight, then bias), when asked for. */
  weights?: Float32Array;
  /** With a `schedule`: the learning rate (first param group) in force at every step, beside `losses`. */
  lrs?: Float32Array;
}

/** Progress of one run, reported through `onProgress` at most a few times a second. */
export interface Progress {
  run: number;
  label: string;
  step: number;
  totalSteps: number;
  loss: number;
  /** Estimated seconds left for this run. */
  etaSeconds: number;
}
