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

/** The network: a multilayer perceptron, Linear layers with ReLU between, log_softmax + NLL loss (the notebook's SimpleNet). */
export interface ModelSpec {
  /** Widths from input to output, e.g. `[784, 100, 100, 10]`; `layers[0]` must equal the data's features. */
  layers: number[];
}

/** How many workers a pool (or a function making one) may start. */
export interface PoolOptions {
  /** Workers at most (each runs one training run at a time). Default: the number of logical cores. */
  workers?: number;
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

/**
 * How `lr: "auto"` picks an lr from the optimizer's range test (fastai's suggestion functions): "valley" (the
 * default), "steep" (the steepest fall), "minimum" (the lowest loss's lr ÷ 10) or "slide" (fastai's interval slide).
 */
export type LrRule = "valley" | "steep" | "minimum" | "slide";

/** An optimizer spec whose lr optimlab may choose: `lr: "auto"` (with `lrRule`) runs its range test first. */
export type ComparedOptimizer = OptimizerSpec extends infer Spec
  ? Spec extends { lr?: number }
    ? Omit<Spec, "lr"> & {
        /** A number, or "auto": the lr the range test of this optimizer (same model, data and seed) suggests by `lrRule`. */
        lr?: number | "auto";
        /** With `lr: "auto"`: the suggestion rule. Default "valley" (fastai's default). */
        lrRule?: LrRule;
      }
    : Spec
  : never;

/** How optimlab chose a run's lr (the run's `optimizer.lr` holds the value). */
export type LrChoice =
  | {
      method: "auto";
      rule: LrRule;
      lr: number;
    }
  | {
      method: "tune";
      /** What the grid's points were compared by. */
      by: "held-out loss" | "train loss";
      lr: number;
    };

/** One point of a tuning grid: the run at `lr` (on the comparison's first seed) and the final loss it reached. */
export interface TuningPoint {
  lr: number;
  /** Final held-out loss (or training loss, when nothing is held out); NaN for a run that diverged or failed. */
  loss: number;
  evalAccuracy?: number;
  trainLoss?: number;
  /** "ok", "diverged at step N", or the error. */
  outcome: string;
}

/** An optimizer's tuning grid (`tune`) and the lr it kept. */
export interface Tuning {
  by: "held-out loss" | "train loss";
  points: TuningPoint[];
  chosenLr: number;
}

/** The outcome of one training run. */
export interface RunResult {
  label: string;
  /** The spec the run trained with: an lr optimlab chose (`lrChoice`) is filled in. */
  optimizer: OptimizerSpec;
  /** The seed of the initial weights and the batch order: compare's `seed` + k for the k-th of `seeds` replicates. */
  seed: number;
  /** The index of the run's optimizer in `optimizers` (with `seeds` > 1, that many runs share it). */
  optimizerIndex?: number;
  /** Set when optimlab chose the lr: `lr: "auto"` (range test and rule) or `tune` (grid, kept by final loss). */
  lrChoice?: LrChoice;
  /** With `tune`: the optimizer's whole grid (the same object in each of its replicates). */
  tuning?: Tuning;
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
