// Every lr schedule's options as TypeScript types: torch.optim.lr_scheduler's class names (or short names) and
// keyword arguments, a doc comment per option with its meaning and default. Plain data, except `lr_lambda`, which may
// be a function: the client evaluates it into a table before a spec crosses to a worker.

/**
 * A learning-rate schedule with torch.optim.lr_scheduler's class name (or its short name) and keyword arguments,
 * e.g. `{ name: "OneCycleLR", max_lr: 0.01, total_steps: 705 }` or `{ name: "step", step_size: 100, gamma: 0.5 }`.
 * Names are case-insensitive. In training it is built over the optimizer's lr (its base lr) and stepped after every
 * optimizer step, as torch's per-iteration schedulers are, so step counts are optimizer steps (batches), not epochs;
 * ReduceLROnPlateau is the exception: it steps once per epoch on the epoch's mean training loss. The Rust side
 * validates every option with torch's wording. SequentialLR and ChainedScheduler compose schedules; LambdaLR and
 * MultiplicativeLR take `lr_lambda`.
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
  | ReduceLROnPlateauSpec
  | SequentialLRSpec
  | ChainedSchedulerSpec
  | LambdaLRSpec
  | MultiplicativeLRSpec;

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
  /**
   * Steps of the half period. Left out (torch requires it), the steps the schedule drives in a run: the whole run,
   * or inside SequentialLR the steps from its milestone to the next (the last one's: to the end of the run).
   */
  T_max?: number;
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

/**
 * SequentialLR: `schedulers[0]` drives the lr until the step `milestones[0]`, then `schedulers[1]` takes over from its
 * own start (torch's closed form at epoch 0, e.g. CosineAnnealingLR from the base lr), and so on:
 * `{ name: "SequentialLR", schedulers: [{ name: "LinearLR", start_factor: 0.01, total_iters: 50 }, { name: "cosine", T_max: 650 }], milestones: [50] }`
 * is a linear warm-up then a cosine decay. Beyond torch, a ReduceLROnPlateau may be one of the phases: it starts
 * fresh at its milestone from the base lr, reduces on each monitored value from then on (in training: the mean
 * training loss at each epoch's end, so patience counts epochs; the value of the milestone step itself is not
 * given to it), and holds the lr between them.
 */
export interface SequentialLRSpec {
  name: "SequentialLR" | "sequentiallr" | "sequential";
  /** The phases, in order (any schedule, composites included). */
  schedulers: ScheduleSpec[];
  /** The steps at which each phase after the first starts: one fewer than `schedulers`, not decreasing. */
  milestones: number[];
}

/** ChainedScheduler: every schedule steps at every step, in order, each scaling the lr the previous one left. */
export interface ChainedSchedulerSpec {
  name: "ChainedScheduler" | "chainedscheduler" | "chained";
  /** The schedules (ReduceLROnPlateau is refused, as torch does). */
  schedulers: ScheduleSpec[];
}

/**
 * A function of the schedule's step count `epoch` (0, 1, 2, …). A JavaScript function is evaluated on the calling
 * thread into a table of its values for every step of the run (workers cannot receive functions) and must return
 * finite numbers; a string is an expression in the command line's language (numbers, `epoch`, `+ - * / % **`,
 * comparisons, `&& || !`, `a ? b : c`, parentheses, `Math.pow`/`min`/`max`/`exp`/`log`/`sqrt`/`cos`/`sin`/`abs`/
 * `floor`/`ceil`/`round`, `Math.PI`, `Math.E`), parsed without `eval`, so it works under a strict CSP; a number is
 * a constant; an array of numbers is the table itself (its values at epochs 0, 1, …).
 */
export type LrLambda = ((epoch: number) => number) | string | number | number[];

/** LambdaLR: lr = base lr × lr_lambda(epoch). */
export interface LambdaLRSpec {
  name: "LambdaLR" | "lambdalr" | "lambda";
  /** The factor of the base lr at each step, or one function per param group. */
  lr_lambda: LrLambda | LrLambda[];
}

/** MultiplicativeLR: lr × lr_lambda(epoch) at every step after the first. */
export interface MultiplicativeLRSpec {
  name: "MultiplicativeLR" | "multiplicativelr" | "multiplicative";
  /** The factor applied at each step, or one function per param group. */
  lr_lambda: LrLambda | LrLambda[];
}
