// Plain data shared by the API, the workers, the plots and the CLI. Everything here survives
// structured cloning (comlink), so it crosses the worker boundary unchanged.
import type { OptimizerSpec } from "./optimizers.js";
import type { Precision } from "./precision.js";

/**
 * A dataset of `count` rows of `features` values: bytes (`pixels`, 0–255, divided by `normalize` in training) or
 * floats (`inputs`, used as they are), and per row a class label (`labels`, for cross_entropy), target values
 * (`targets`, for mse and bce_with_logits) or nothing (an autoencoder: a row's target is its own input).
 */
export interface Dataset {
  /** `count × features` bytes, row after row; empty when `inputs` holds the features. */
  pixels: Uint8Array;
  /** `count × features` floats, row after row, used instead of `pixels`. */
  inputs?: Float32Array;
  /** One class label per row (0 … classes − 1); empty when the rows have no classes. */
  labels: Uint8Array;
  /** Target values, `count ×` the model's outputs, row after row (a regression's numeric column, for example). */
  targets?: Float32Array;
  count: number;
  features: number;
  /** Number of classes (labels are 0 … classes-1); 0 without labels. */
  classes: number;
  /** Where the data came from, for reports (e.g. "embedded MNIST sample", a file path). */
  source?: string;
}

/**
 * The network: the notebook's SimpleNet by its widths (`{ layers: [784, 100, 100, 10] }`: Linear layers with ReLU
 * between, log_softmax + NLL), or any model as a layer list (`{ input, layers, loss }`).
 */
export type ModelSpec = MlpSpec | LayerListSpec;

/** The notebook's SimpleNet: Linear layers with ReLU between, log_softmax + NLL loss. */
export interface MlpSpec {
  /** Widths from input to output, e.g. `[784, 100, 100, 10]`; `layers[0]` must equal the data's features. */
  layers: number[];
}

/**
 * A model as a list of torch.nn layers with torch's option names, shapes inferred from `input` and checked before
 * anything runs (an error names the layer: "layer 4 (linear): expects 24 inputs, the previous layer gives 96").
 * Parameters start from torch's default initialization, drawn from the run's seed.
 */
export interface LayerListSpec {
  /** Shape of one sample: `[features]`, or `[channels, height, width]` for images (a row is read as NCHW). */
  input: number[];
  layers: LayerSpec[];
  /**
   * torch's loss modules, averaged over the batch: "cross_entropy" (log-softmax + NLL; the data's labels),
   * "mse" or "bce_with_logits" (mean over every output; the data's targets, or its inputs when it has none); "mean"
   * when the model's output is its loss (DeepOBS's quadratics: the mean of the output, no targets).
   */
  loss: LossName;
}

export type LossName = "cross_entropy" | "mse" | "bce_with_logits" | "mean";

/** torch's `int or (int, int)`: one size for both dimensions, or `[height, width]`. */
export type Size2 = number | [number, number];

/** One layer of a `LayerListSpec`, as torch.nn names the module and its options. */
export type LayerSpec =
  | { type: "linear"; in: number; out: number; bias?: boolean }
  | {
      type: "conv2d";
      in_channels: number;
      out_channels: number;
      kernel_size: Size2;
      stride?: Size2;
      /** Zero padding per side, or "same" (stride 1) / "valid". Default 0. */
      padding?: Size2 | "same" | "valid";
      bias?: boolean;
    }
  | { type: "maxpool2d"; kernel_size: Size2; stride?: Size2; padding?: Size2 }
  | { type: "avgpool2d"; kernel_size: Size2; stride?: Size2; padding?: Size2; count_include_pad?: boolean }
  | { type: "flatten" }
  | { type: "relu" }
  | { type: "leaky_relu"; negative_slope?: number }
  | { type: "tanh" }
  | { type: "sigmoid" }
  | { type: "gelu"; approximate?: "none" }
  /**
   * DeepOBS's quadratic "network": θ (ones) over a flat input x of n values gives 0.5·(θ − x)ᵀQ(θ − x), the sample's
   * loss (use loss "mean"). Q is named ("deepobs_deep": quadratic_deep's 100 × 100 Hessian) or given as n rows of n.
   */
  | { type: "quadratic"; hessian: "deepobs_deep" | number[][] };

/** What a step does with a NaN or infinite loss or gradient: see `RunOptions.nonFinite`. */
export type NonFinitePolicy = "stop" | "skip" | "propagate";

/** optax's apply_if_finite counters at the end of a run. */
export interface NonFiniteCounters {
  /** Consecutive non-finite steps up to the last one (optax's `notfinite_count`). */
  notfiniteCount: number;
  /** Non-finite steps in all (optax's `total_notfinite`). */
  totalNotfinite: number;
  /** Whether the last step was finite (optax's `last_finite`). */
  lastFinite: boolean;
}

/** How many workers a pool (or a function making one) may start. */
export interface PoolOptions {
  /** Workers at most (each runs one training run at a time). Default: the number of logical cores. */
  workers?: number;
  /**
   * `"fast"`: run the relaxed-SIMD build (fused multiply-adds where the CPU has FMA) when the engine supports relaxed
   * SIMD — faster, but the last bits of every result depend on the machine; each run's `precision` says which build
   * ran. Default `"default"`: the same bits on every engine and machine.
   */
  precision?: Precision;
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
  /** Loss of every step (the model's loss averaged over the batch: NLL for the MLP), in order. */
  losses: Float32Array;
  stepsPerEpoch: number;
  epochs: EpochResult[];
  /**
   * Set when the run stopped at a non-finite step (0-based): under `nonFinite: "stop"` (the default) the first NaN or
   * infinite loss; under "skip", the step past `maxConsecutiveErrors`.
   */
  diverged?: { step: number; loss: number };
  /** With a `nonFinite` policy: optax's counters of non-finite steps at the end of the run. */
  nonFinite?: NonFiniteCounters;
  /** Set when the run failed (bad option, crashed worker); `losses` then holds what was done before. */
  error?: { name: string; message: string };
  seconds: number;
  /** Final weights in torch layout per layer ([out, in] weight, then bias), when asked for. */
  weights?: Float32Array;
  /** With a `schedule`: the learning rate (first param group) in force at every step, beside `losses`. */
  lrs?: Float32Array;
  /** Set when `precision: "fast"` was asked for: "fast" when the relaxed-SIMD build ran, else "default" (the engine lacks it). */
  precision?: Precision;
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
