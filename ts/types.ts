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

/**
 * A learning-rate schedule with torch.optim.lr_scheduler's class name (or its short name) and keyword arguments,
 * e.g. `{ name: "OneCycleLR", max_lr: 0.01, total_steps: 705 }` or `{ name: "step", step_size: 100, gamma: 0.5 }`.
 * Names are case-insensitive. In training it is built over the optimizer's lr (its base lr) and stepped after every
 * optimizer step, as torch's per-iteration schedulers are, so step counts are optimizer steps (batches), not epochs;
 * ReduceLROnPlateau is the exception: it steps once per epoch on the epoch's mean training loss. The Rust side
 * validates every option with torch's wording.
 */
export type ScheduleSpec =
  | StepLRSpec
  | MultiStepLRSpec
  | ExponentialLRSpec
  | CosineAnnealingLRSpec
  | CosineAnnealingWarmRestartsSpec
  | LinearLRSpec
  | ConstantLRSpec
  | PolynomialLRSpec
  | OneCycleLRSpec
  | CyclicLRSpec
  | ReduceLROnPlateauSpec;

/** StepLR: lr × gamma every `step_size` steps. */
export interface StepLRSpec {
  name: "StepLR" | "steplr" | "step";
  /** Steps between decays (positive integer). */
  step_size: number;
  /** Multiplicative decay. Default 0.1. */
  gamma?: number;
}

/** MultiStepLR: lr × gamma at each milestone. */
export interface MultiStepLRSpec {
  name: "MultiStepLR" | "multisteplr" | "multistep";
  /** Step indices, increasing, e.g. `[100, 250]`. */
  milestones: number[];
  /** Multiplicative decay. Default 0.1. */
  gamma?: number;
}

/** ExponentialLR: lr × gamma every step. */
export interface ExponentialLRSpec {
  name: "ExponentialLR" | "exponentiallr" | "exponential";
  /** Multiplicative decay per step, e.g. 0.99. */
  gamma: number;
}

/** CosineAnnealingLR: half a cosine from the base lr down to eta_min over T_max steps (then back up, as torch). */
export interface CosineAnnealingLRSpec {
  name: "CosineAnnealingLR" | "cosineannealinglr" | "cosine";
  /** Steps of the half period. */
  T_max: number;
  /** Lowest lr. Default 0. */
  eta_min?: number;
}

/** CosineAnnealingWarmRestarts (SGDR): cosine annealing restarted after T_0, T_0·T_mult, … steps. */
export interface CosineAnnealingWarmRestartsSpec {
  name: "CosineAnnealingWarmRestarts" | "cosineannealingwarmrestarts" | "cosine_restarts";
  /** Steps of the first period (positive integer). */
  T_0: number;
  /** Growth of the period after each restart (integer ≥ 1). Default 1. */
  T_mult?: number;
  /** Lowest lr. Default 0. */
  eta_min?: number;
}

/** LinearLR: lr × a factor moving linearly from start_factor to end_factor over total_iters steps (warm-up). */
export interface LinearLRSpec {
  name: "LinearLR" | "linearlr" | "linear";
  /** Factor at the first step, in (0, 1]. Default 1/3. */
  start_factor?: number;
  /** Factor from `total_iters` on, in [0, 1]. Default 1. */
  end_factor?: number;
  /** Steps of the ramp. Default 5. */
  total_iters?: number;
}

/** ConstantLR: lr × factor for the first total_iters steps, then the base lr. */
export interface ConstantLRSpec {
  name: "ConstantLR" | "constantlr" | "constant";
  /** In [0, 1]. Default 1/3. */
  factor?: number;
  /** Default 5. */
  total_iters?: number;
}

/** PolynomialLR: lr × (1 − t/total_iters)^power, reaching 0 at total_iters. */
export interface PolynomialLRSpec {
  name: "PolynomialLR" | "polynomiallr" | "polynomial";
  /** Default 5. */
  total_iters?: number;
  /** Default 1 (linear decay). */
  power?: number;
}

/**
 * OneCycleLR (the 1cycle policy): lr rises from max_lr/div_factor to max_lr over pct_start of the steps, then
 * anneals to max_lr/(div_factor·final_div_factor), while momentum (SGD's, RMSprop's) or beta1 (the Adam family's)
 * moves the other way between max_momentum and base_momentum. The optimizer's own lr is not used.
 */
export interface OneCycleLRSpec {
  name: "OneCycleLR" | "onecyclelr" | "onecycle";
  /** Peak lr, or one per param group. */
  max_lr: number | number[];
  /**
   * Steps of the cycle. In `compare`/`train`, when neither total_steps nor epochs with steps_per_epoch is given,
   * it defaults to the run's epochs × steps per epoch (torch requires one of them). Stepping past it fails the run.
   */
  total_steps?: number;
  /** With steps_per_epoch, instead of total_steps. */
  epochs?: number;
  steps_per_epoch?: number;
  /** Share of the cycle spent rising. Default 0.3. */
  pct_start?: number;
  /** "cos" (default) or "linear". */
  anneal_strategy?: "cos" | "linear";
  /** Cycle momentum/beta1 opposite to the lr. Default true; optimizers without either (Adagrad, …) need false. */
  cycle_momentum?: boolean;
  /** Momentum at the lr's peak. Default 0.85. */
  base_momentum?: number | number[];
  /** Momentum at the start and end. Default 0.95. */
  max_momentum?: number | number[];
  /** Initial lr = max_lr / div_factor. Default 25. */
  div_factor?: number;
  /** Final lr = initial lr / final_div_factor. Default 1e4. */
  final_div_factor?: number;
  /** Rise, fall back to the initial lr, then anneal to the final lr (fastai's original). Default false. */
  three_phase?: boolean;
}

/** CyclicLR: the lr runs triangles between base_lr and max_lr (Smith's cyclical learning rates). */
export interface CyclicLRSpec {
  name: "CyclicLR" | "cycliclr" | "cyclic";
  /** Lower bound, or one per param group (replaces the optimizer's lr). */
  base_lr: number | number[];
  /** Upper bound, or one per param group. */
  max_lr: number | number[];
  /** Steps rising. Default 2000. */
  step_size_up?: number;
  /** Steps falling. Default step_size_up. */
  step_size_down?: number;
  /** "triangular" (default), "triangular2" (amplitude halves each cycle) or "exp_range" (× gamma^step). */
  mode?: "triangular" | "triangular2" | "exp_range";
  /** For exp_range. Default 1. */
  gamma?: number;
  /** "cycle" or "iterations"; torch uses it only with a custom scale_fn, which JSON cannot carry. */
  scale_mode?: "cycle" | "iterations";
  /** Cycle momentum/beta1 opposite to the lr. Default true; optimizers without either need false. */
  cycle_momentum?: boolean;
  /** Default 0.8. */
  base_momentum?: number | number[];
  /** Default 0.9. */
  max_momentum?: number | number[];
}

/** ReduceLROnPlateau: lr × factor once the monitored value stops improving. In training it monitors each epoch's mean training loss. */
export interface ReduceLROnPlateauSpec {
  name: "ReduceLROnPlateau" | "reducelronplateau" | "plateau";
  /** "min" (default: lower is better) or "max". */
  mode?: "min" | "max";
  /** Default 0.1 (must be < 1). */
  factor?: number;
  /** Epochs (steps, for `scheduleLrs`) without improvement tolerated before reducing. Default 10. */
  patience?: number;
  /** Least change that counts as improvement. Default 1e-4. */
  threshold?: number;
  /** "rel" (default: relative to the best) or "abs". */
  threshold_mode?: "rel" | "abs";
  /** Epochs to wait after a reduction. Default 0. */
  cooldown?: number;
  /** Lower bound, or one per param group. Default 0. */
  min_lr?: number | number[];
  /** Reductions smaller than this are skipped. Default 1e-8. */
  eps?: number;
}
