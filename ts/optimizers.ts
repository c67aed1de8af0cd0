// Every optimizer's options as TypeScript types: torch.optim's keyword names (optax's for the optimizers torch
// lacks), tuples as `[number, number]`, and a doc comment per option with its meaning and default, so that
// `{ name: "adam", betas: [0.9, 0.99] }` autocompletes and type-checks. `OPTIMIZER_OPTIONS` holds the same
// defaults at run time; test/optimizer-types.test.ts checks names, defaults and doc comments against the Rust
// registry (`optimizerInfo()`), so an option added in Rust and not here fails that test.
import { ConfigError } from "./errors.js";
import type { ScheduleSpec } from "./schedule-spec.js";
import { instantiate, wasm } from "./wasm.js";

/**
 * torch's per-parameter options: the tensors listed in `params` (indices in layer order: W1, b1, W2, b2, …) take
 * these options over the top-level ones; tensors in no group form one more group with the top-level options.
 */
export type ParamGroup<Options> = { params: number[] } & Options;

/** An optimizer spec: its registry name, an optional label, its options, and optional param groups. */
export type OptimizerSpecOf<Name extends string, Options> = {
  /** Registry name, lower case: "sgd", "adam", "notebook_adagrad", "lion", … */
  name: Name;
  /** Shown in legends and tables; defaults to the name and the options that differ from the defaults. */
  label?: string;
  /** torch's param_groups: `[{ params: [1, 3], lr: 0.01 }]` gives tensors 1 and 3 their own lr. */
  param_groups?: ParamGroup<Options>[];
  /** This run's own lr schedule, in place of the comparison's `schedule`; `null`: none for this run. */
  schedule?: ScheduleSpec | null;
} & Options;

/** Options of torch.optim.SGD: stochastic gradient descent, with optional (Nesterov) momentum. */
export interface SgdOptions {
  /** Learning rate γ. Default `0.001`. */
  lr?: number;
  /** Momentum factor μ. Default `0`. */
  momentum?: number;
  /** Dampening τ of the momentum: the buffer adds (1 − τ)·g. Default `0`. */
  dampening?: number;
  /** Weight decay λ (L2 penalty): λθ is added to the gradient. Default `0`. */
  weight_decay?: number;
  /** Use Nesterov momentum (needs momentum > 0 and dampening 0). Default `false`. */
  nesterov?: boolean;
  /** Maximize the objective instead of minimizing it (the gradient's sign is flipped). Default `false`. */
  maximize?: boolean;
}
export type SgdSpec = OptimizerSpecOf<"sgd", SgdOptions>;

/** Options of torch.optim.Adagrad: per-element steps scaled by the root of the sum of squared gradients. */
export interface AdagradOptions {
  /** Learning rate γ. Default `0.01`. */
  lr?: number;
  /** Learning-rate decay η: step t uses γ / (1 + (t − 1)η). Default `0`. */
  lr_decay?: number;
  /** Weight decay λ (L2 penalty): λθ is added to the gradient. Default `0`. */
  weight_decay?: number;
  /** Starting value of the sum of squared gradients. Default `0`. */
  initial_accumulator_value?: number;
  /** Term added to the denominator for numerical stability. Default `1e-10`. */
  eps?: number;
  /** Maximize the objective instead of minimizing it (the gradient's sign is flipped). Default `false`. */
  maximize?: boolean;
}
export type AdagradSpec = OptimizerSpecOf<"adagrad", AdagradOptions>;

/** Options of torch.optim.Adadelta: steps sized by running averages of squared gradients and squared updates. */
export interface AdadeltaOptions {
  /** Coefficient γ that scales the update before it is applied. Default `1`. */
  lr?: number;
  /** Coefficient ρ of the running averages of squared gradients and of squared updates. Default `0.9`. */
  rho?: number;
  /** Term added to the denominator for numerical stability. Default `1e-6`. */
  eps?: number;
  /** Weight decay λ (L2 penalty): λθ is added to the gradient. Default `0`. */
  weight_decay?: number;
  /** Maximize the objective instead of minimizing it (the gradient's sign is flipped). Default `false`. */
  maximize?: boolean;
}
export type AdadeltaSpec = OptimizerSpecOf<"adadelta", AdadeltaOptions>;

/** Options of torch.optim.RMSprop: steps divided by the root of a running average of squared gradients. */
export interface RmsPropOptions {
  /** Learning rate γ. Default `0.01`. */
  lr?: number;
  /** Smoothing constant α of the running average of squared gradients. Default `0.99`. */
  alpha?: number;
  /** Term added to the denominator for numerical stability. Default `1e-8`. */
  eps?: number;
  /** Weight decay λ (L2 penalty): λθ is added to the gradient. Default `0`. */
  weight_decay?: number;
  /** Momentum factor μ. Default `0`. */
  momentum?: number;
  /**
   * Centered RMSprop: normalize by an estimate of the gradient's variance (the squared running mean is subtracted).
   * Default `false`.
   */
  centered?: boolean;
  /** Maximize the objective instead of minimizing it (the gradient's sign is flipped). Default `false`. */
  maximize?: boolean;
}
export type RmsPropSpec = OptimizerSpecOf<"rmsprop", RmsPropOptions>;

/** Options of torch.optim.Adam. */
export interface AdamOptions {
  /** Learning rate γ. Default `0.001`. */
  lr?: number;
  /** Coefficients (β₁, β₂) of the running averages of the gradient and of its square. Default `[0.9, 0.999]`. */
  betas?: [number, number];
  /** Term added to the denominator for numerical stability. Default `1e-8`. */
  eps?: number;
  /** Weight decay λ (L2 penalty): λθ is added to the gradient. Default `0`. */
  weight_decay?: number;
  /** Use the AMSGrad variant: divide by the running maximum of the second moment. Default `false`. */
  amsgrad?: boolean;
  /** Maximize the objective instead of minimizing it (the gradient's sign is flipped). Default `false`. */
  maximize?: boolean;
  /** Decay the weights directly, θ ← θ(1 − γλ) (AdamW-style), instead of adding λθ to the gradient. Default `false`. */
  decoupled_weight_decay?: boolean;
}
export type AdamSpec = OptimizerSpecOf<"adam", AdamOptions>;

/** Options of torch.optim.AdamW: Adam with decoupled weight decay. */
export interface AdamWOptions {
  /** Learning rate γ. Default `0.001`. */
  lr?: number;
  /** Coefficients (β₁, β₂) of the running averages of the gradient and of its square. Default `[0.9, 0.999]`. */
  betas?: [number, number];
  /** Term added to the denominator for numerical stability. Default `1e-8`. */
  eps?: number;
  /** Decoupled weight decay λ: θ ← θ(1 − γλ) before each step. Default `0.01`. */
  weight_decay?: number;
  /** Use the AMSGrad variant: divide by the running maximum of the second moment. Default `false`. */
  amsgrad?: boolean;
  /** Maximize the objective instead of minimizing it (the gradient's sign is flipped). Default `false`. */
  maximize?: boolean;
}
export type AdamWSpec = OptimizerSpecOf<"adamw", AdamWOptions>;

/** Options of torch.optim.Adamax: Adam with the infinity norm. */
export interface AdamaxOptions {
  /** Learning rate γ. Default `0.002`. */
  lr?: number;
  /** Coefficients (β₁, β₂) of the gradient's running average and of the decay of the infinity norm. Default `[0.9, 0.999]`. */
  betas?: [number, number];
  /** Term added to the denominator for numerical stability. Default `1e-8`. */
  eps?: number;
  /** Weight decay λ (L2 penalty): λθ is added to the gradient. Default `0`. */
  weight_decay?: number;
  /** Maximize the objective instead of minimizing it (the gradient's sign is flipped). Default `false`. */
  maximize?: boolean;
}
export type AdamaxSpec = OptimizerSpecOf<"adamax", AdamaxOptions>;

/** Options of torch.optim.NAdam: Adam with Nesterov momentum. */
export interface NAdamOptions {
  /** Learning rate γ. Default `0.002`. */
  lr?: number;
  /** Coefficients (β₁, β₂) of the running averages of the gradient and of its square. Default `[0.9, 0.999]`. */
  betas?: [number, number];
  /** Term added to the denominator for numerical stability. Default `1e-8`. */
  eps?: number;
  /** Weight decay λ (L2 penalty): λθ is added to the gradient. Default `0`. */
  weight_decay?: number;
  /** Momentum decay ψ of μₜ = β₁(1 − ½·0.96^(tψ)). Default `0.004`. */
  momentum_decay?: number;
  /** Decay the weights directly, θ ← θ(1 − γλ) (AdamW-style), instead of adding λθ to the gradient. Default `false`. */
  decoupled_weight_decay?: boolean;
  /** Maximize the objective instead of minimizing it (the gradient's sign is flipped). Default `false`. */
  maximize?: boolean;
}
export type NAdamSpec = OptimizerSpecOf<"nadam", NAdamOptions>;

/** Options of torch.optim.RAdam: Adam with the variance of the adaptive step rectified. */
export interface RAdamOptions {
  /** Learning rate γ. Default `0.001`. */
  lr?: number;
  /** Coefficients (β₁, β₂) of the running averages of the gradient and of its square. Default `[0.9, 0.999]`. */
  betas?: [number, number];
  /** Term added to the denominator for numerical stability. Default `1e-8`. */
  eps?: number;
  /** Weight decay λ (L2 penalty): λθ is added to the gradient. Default `0`. */
  weight_decay?: number;
  /** Decay the weights directly, θ ← θ(1 − γλ) (AdamW-style), instead of adding λθ to the gradient. Default `false`. */
  decoupled_weight_decay?: boolean;
  /** Maximize the objective instead of minimizing it (the gradient's sign is flipped). Default `false`. */
  maximize?: boolean;
}
export type RAdamSpec = OptimizerSpecOf<"radam", RAdamOptions>;

/** Options of torch.optim.ASGD: averaged stochastic gradient descent. */
export interface AsgdOptions {
  /** Learning rate γ. Default `0.01`. */
  lr?: number;
  /** Decay term λ of the step size. Default `1e-4`. */
  lambd?: number;
  /** Power α of the step-size decay η = γ / (1 + λγt)^α. Default `0.75`. */
  alpha?: number;
  /** Step at which averaging starts. Default `1000000`. */
  t0?: number;
  /** Weight decay λ (L2 penalty): λθ is added to the gradient. Default `0`. */
  weight_decay?: number;
  /** Maximize the objective instead of minimizing it (the gradient's sign is flipped). Default `false`. */
  maximize?: boolean;
}
export type AsgdSpec = OptimizerSpecOf<"asgd", AsgdOptions>;

/** Options of torch.optim.Rprop: resilient backpropagation, steps from the gradient's sign only. */
export interface RpropOptions {
  /** Initial step size of every element. Default `0.01`. */
  lr?: number;
  /** Multiplicative decrease and increase factors (η₋, η₊) of the step size. Default `[0.5, 1.2]`. */
  etas?: [number, number];
  /** Smallest and largest allowed step sizes. Default `[1e-6, 50]`. */
  step_sizes?: [number, number];
  /** Maximize the objective instead of minimizing it (the gradient's sign is flipped). Default `false`. */
  maximize?: boolean;
}
export type RpropSpec = OptimizerSpecOf<"rprop", RpropOptions>;

/** Options of torch.optim.Adafactor: factored second moments (row and column averages) for ≥ 2-D tensors. */
export interface AdafactorOptions {
  /** Learning rate γ; the relative step size is min(γ, 1/√t). Default `0.01`. */
  lr?: number;
  /** Decay-rate exponent τ: the second moment is averaged with β̂ = t^τ. Default `-0.8`. */
  beta2_decay?: number;
  /**
   * (ε₁, ε₂): ε₁ floors the second moment (null: float32's machine epsilon), ε₂ floors the parameters' RMS in the step
   * size. Default `[null, 0.001]`.
   */
  eps?: [number | null, number];
  /** Clipping threshold d of the update's RMS. Default `1`. */
  d?: number;
  /** Decoupled weight decay λ: θ ← θ(1 − γλ) before each step. Default `0`. */
  weight_decay?: number;
  /** torch's foreach flag, accepted for compatibility: the single-tensor loop runs either way. Default `false`. */
  foreach?: boolean;
  /** Maximize the objective instead of minimizing it (the gradient's sign is flipped). Default `false`. */
  maximize?: boolean;
}
export type AdafactorSpec = OptimizerSpecOf<"adafactor", AdafactorOptions>;

/** Options of torch.optim.Muon: momentum orthogonalized by Newton–Schulz iterations; 2-D parameters only. */
export interface MuonOptions {
  /** Learning rate γ. Default `0.001`. */
  lr?: number;
  /** Decoupled weight decay λ: θ ← θ(1 − γλ) before each step. Default `0.1`. */
  weight_decay?: number;
  /** Momentum factor μ. Default `0.95`. */
  momentum?: number;
  /** Use Nesterov momentum. Default `true`. */
  nesterov?: boolean;
  /** Coefficients (a, b, c) of the quintic Newton–Schulz iteration. Default `[3.4445, -4.775, 2.0315]`. */
  ns_coefficients?: [number, number, number];
  /** Term added to the norm by which the update is divided before Newton–Schulz. Default `1e-7`. */
  eps?: number;
  /** Number of Newton–Schulz iterations (less than 100). Default `5`. */
  ns_steps?: number;
  /**
   * How the lr is scaled by the shape A×B: "original" √max(1, A/B) (Keller Jordan) or "match_rms_adamw" 0.2·√max(A, B)
   * (Moonshot). Default null, which is "original".
   */
  adjust_lr_fn?: "original" | "match_rms_adamw" | null;
}
export type MuonSpec = OptimizerSpecOf<"muon", MuonOptions>;

/** Options of torch.optim.LBFGS: limited-memory BFGS, driven by a closure; a single param group only. */
export interface LbfgsOptions {
  /** Learning rate γ. Default `1`. */
  lr?: number;
  /** Largest number of iterations per optimizer step. Default `20`. */
  max_iter?: number;
  /** Largest number of function evaluations per optimizer step. Default null: max_iter · 5 / 4. */
  max_eval?: number | null;
  /** Termination tolerance on first-order optimality (the gradient's largest absolute value). Default `1e-7`. */
  tolerance_grad?: number;
  /** Termination tolerance on the change of the function value or of the parameters. Default `1e-9`. */
  tolerance_change?: number;
  /** Number of (s, y) update pairs kept. Default `100`. */
  history_size?: number;
  /** Line search: "strong_wolfe", or null for fixed steps of lr. Default null. */
  line_search_fn?: "strong_wolfe" | null;
}
export type LbfgsSpec = OptimizerSpecOf<"lbfgs", LbfgsOptions>;

/** Options of the notebook's SGD: w ← w − lr·g (the same as torch's SGD without momentum). */
export interface NotebookSgdOptions {
  /** Learning rate γ. Default `0.01`. */
  lr?: number;
}
export type NotebookSgdSpec = OptimizerSpecOf<"notebook_sgd", NotebookSgdOptions>;

/** Options of the notebook's Momentum: v ← ρv + lr·g; w ← w − v (lr inside the velocity). */
export interface NotebookMomentumOptions {
  /** Learning rate γ. Default `0.01`. */
  lr?: number;
  /** Velocity decay ρ. Default `0.9`. */
  momentum?: number;
}
export type NotebookMomentumSpec = OptimizerSpecOf<"notebook_momentum", NotebookMomentumOptions>;

/** Options of the notebook's Nesterov, look-ahead shift never undone (its quirk kept). */
export interface NotebookNesterovOptions {
  /** Learning rate γ. Default `0.01`. */
  lr?: number;
  /** Velocity decay ρ. Default `0.9`. */
  momentum?: number;
}
export type NotebookNesterovSpec = OptimizerSpecOf<"notebook_nesterov", NotebookNesterovOptions>;

/** Options of the notebook's Adagrad: divides by √(G + ε) with G from before this gradient (its quirk kept). */
export interface NotebookAdagradOptions {
  /** Learning rate γ. Default `0.01`. */
  lr?: number;
  /** Term added to the sum of squared gradients inside the square root. Default `1e-8`. */
  eps?: number;
}
export type NotebookAdagradSpec = OptimizerSpecOf<"notebook_adagrad", NotebookAdagradOptions>;

/** Options of the notebook's RMSProp: divides by √(E + ε) with E from before this gradient (its quirk kept). */
export interface NotebookRmsPropOptions {
  /** Learning rate γ. Default `0.001`. */
  lr?: number;
  /** Decay α of the running average E of squared gradients. Default `0.9`. */
  alpha?: number;
  /** Term added to E inside the square root. Default `1e-8`. */
  eps?: number;
}
export type NotebookRmsPropSpec = OptimizerSpecOf<"notebook_rmsprop", NotebookRmsPropOptions>;

/** Options of the notebook's Adam, bias corrections applied to m and v (the paper's form). */
export interface NotebookAdamOptions {
  /** Learning rate γ. Default `0.001`. */
  lr?: number;
  /** Coefficients (β₁, β₂) of the running averages of the gradient and of its square. Default `[0.9, 0.999]`. */
  betas?: [number, number];
  /** Term added to the denominator for numerical stability. Default `1e-8`. */
  eps?: number;
}
export type NotebookAdamSpec = OptimizerSpecOf<"notebook_adam", NotebookAdamOptions>;

/** Options of optax.lion: the sign of an interpolated momentum. */
export interface LionOptions {
  /** Learning rate γ (optax's name). Required: give it or its alias `lr`. */
  learning_rate?: number;
  /** Alias of `learning_rate` (torch's name). Required: give it or `learning_rate`. */
  lr?: number;
  /** Rate β₁ of the interpolation between the momentum and the gradient whose sign is the update. Default `0.9`. */
  b1?: number;
  /** Decay rate β₂ of the momentum. Default `0.99`. */
  b2?: number;
  /** Weight decay λ: λθ is added to the update (and scaled by the learning rate). Default `0.001`. */
  weight_decay?: number;
}
export type LionSpec = OptimizerSpecOf<"lion", LionOptions>;

/** Options of optax.lamb: Adam with a layer-wise trust ratio ‖θ‖/‖u‖. */
export interface LambOptions {
  /** Learning rate γ (optax's name). Required: give it or its alias `lr`. */
  learning_rate?: number;
  /** Alias of `learning_rate` (torch's name). Required: give it or `learning_rate`. */
  lr?: number;
  /** Exponential decay rate β₁ of the first moment (the gradient's running average). Default `0.9`. */
  b1?: number;
  /** Exponential decay rate β₂ of the second moment (the squared gradient's running average). Default `0.999`. */
  b2?: number;
  /** Term added to the denominator, outside the square root, for numerical stability. Default `1e-6`. */
  eps?: number;
  /** Term added to the second moment inside the square root. Default `0`. */
  eps_root?: number;
  /** Weight decay λ: λθ is added to the update before the trust ratio. Default `0`. */
  weight_decay?: number;
}
export type LambSpec = OptimizerSpecOf<"lamb", LambOptions>;

/** Options of optax.lars: momentum SGD with a layer-wise trust ratio. */
export interface LarsOptions {
  /** Learning rate γ (optax's name). Required: give it or its alias `lr`. */
  learning_rate?: number;
  /** Alias of `learning_rate` (torch's name). Required: give it or `learning_rate`. */
  lr?: number;
  /** Weight decay λ: λθ is added to the gradient before the trust ratio. Default `0`. */
  weight_decay?: number;
  /** Trust coefficient η of the trust ratio η‖θ‖/(‖g + λθ‖ + ε). Default `0.001`. */
  trust_coefficient?: number;
  /** Term added to the denominator of the trust ratio. Default `0`. */
  eps?: number;
  /** Momentum factor μ. Default `0.9`. */
  momentum?: number;
  /** Use Nesterov momentum. Default `false`. */
  nesterov?: boolean;
}
export type LarsSpec = OptimizerSpecOf<"lars", LarsOptions>;

/** Options of optax.adabelief: Adam dividing by the variance of the gradient around its average (the belief). */
export interface AdaBeliefOptions {
  /** Learning rate γ (optax's name). Required: give it or its alias `lr`. */
  learning_rate?: number;
  /** Alias of `learning_rate` (torch's name). Required: give it or `learning_rate`. */
  lr?: number;
  /** Exponential decay rate β₁ of the first moment (the gradient's running average). Default `0.9`. */
  b1?: number;
  /** Exponential decay rate β₂ of the belief s, the running average of (g − m)². Default `0.999`. */
  b2?: number;
  /** Term added to the denominator, outside the square root, for numerical stability. Default `1e-16`. */
  eps?: number;
  /** Term added to the second moment inside the square root. Default `1e-16`. */
  eps_root?: number;
  /** Use Nesterov momentum. Default `false`. */
  nesterov?: boolean;
}
export type AdaBeliefSpec = OptimizerSpecOf<"adabelief", AdaBeliefOptions>;

/** Options of optax.yogi: Adam with an additive, sign-controlled second-moment update. */
export interface YogiOptions {
  /** Learning rate γ (optax's name). Required: give it or its alias `lr`. */
  learning_rate?: number;
  /** Alias of `learning_rate` (torch's name). Required: give it or `learning_rate`. */
  lr?: number;
  /** Exponential decay rate β₁ of the first moment (the gradient's running average). Default `0.9`. */
  b1?: number;
  /** Exponential decay rate β₂ of the second moment (the squared gradient's running average). Default `0.999`. */
  b2?: number;
  /** Term added to the denominator, outside the square root, for numerical stability. Default `0.001`. */
  eps?: number;
}
export type YogiSpec = OptimizerSpecOf<"yogi", YogiOptions>;

/** Options of optax.sign_sgd: θ ← θ − γ·sign(g). */
export interface SignSgdOptions {
  /** Learning rate γ (optax's name). Required: give it or its alias `lr`. */
  learning_rate?: number;
  /** Alias of `learning_rate` (torch's name). Required: give it or `learning_rate`. */
  lr?: number;
}
export type SignSgdSpec = OptimizerSpecOf<"sign_sgd", SignSgdOptions>;

/** Options of optax.fromage: steps scaled by ‖θ‖/‖g‖, then the weights shrunk by 1/√(1 + γ²). */
export interface FromageOptions {
  /** Learning rate γ (optax's name). Required: give it or its alias `lr`. */
  learning_rate?: number;
  /** Alias of `learning_rate` (torch's name). Required: give it or `learning_rate`. */
  lr?: number;
  /** Floor of the parameter and gradient norms. Default `1e-6`. */
  min_norm?: number;
}
export type FromageSpec = OptimizerSpecOf<"fromage", FromageOptions>;

/** Options of optax.novograd: layer-wise second moments of the gradient norm. */
export interface NovoGradOptions {
  /** Learning rate γ (optax's name). Required: give it or its alias `lr`. */
  learning_rate?: number;
  /** Alias of `learning_rate` (torch's name). Required: give it or `learning_rate`. */
  lr?: number;
  /** Exponential decay rate β₁ of the first moment (the gradient's running average). Default `0.9`. */
  b1?: number;
  /** Exponential decay rate β₂ of the layer-wise second moment (the squared gradient norm). Default `0.25`. */
  b2?: number;
  /** Term added to the denominator, outside the square root, for numerical stability. Default `1e-6`. */
  eps?: number;
  /** Term added to the second moment inside the square root. Default `0`. */
  eps_root?: number;
  /** Weight decay λ: λθ is added to the update (and scaled by the learning rate). Default `0`. */
  weight_decay?: number;
}
export type NovoGradSpec = OptimizerSpecOf<"novograd", NovoGradOptions>;

/** Options of optax.adan: adaptive Nesterov momentum from gradient differences. */
export interface AdanOptions {
  /** Learning rate γ (optax's name). Required: give it or its alias `lr`. */
  learning_rate?: number;
  /** Alias of `learning_rate` (torch's name). Required: give it or `learning_rate`. */
  lr?: number;
  /** Exponential decay rate β₁ of the gradient's running average. Default `0.98`. */
  b1?: number;
  /** Exponential decay rate β₂ of the running average of gradient differences. Default `0.92`. */
  b2?: number;
  /** Exponential decay rate β₃ of the second moment. Default `0.99`. */
  b3?: number;
  /** Term added to the denominator, outside the square root, for numerical stability. Default `1e-8`. */
  eps?: number;
  /** Term added to the second moment inside the square root. Default `1e-8`. */
  eps_root?: number;
  /** Weight decay λ: λθ is added to the update (and scaled by the learning rate). Default `0`. */
  weight_decay?: number;
}
export type AdanSpec = OptimizerSpecOf<"adan", AdanOptions>;

/** Options of optax.sm3: memory-efficient adaptive steps from row and column maxima. */
export interface Sm3Options {
  /** Learning rate γ (optax's name). Required: give it or its alias `lr`. */
  learning_rate?: number;
  /** Alias of `learning_rate` (torch's name). Required: give it or `learning_rate`. */
  lr?: number;
  /** Decay rate β of the running average of the update. Default `0.9`. */
  momentum?: number;
}
export type Sm3Spec = OptimizerSpecOf<"sm3", Sm3Options>;

/** Options of optax.contrib.adopt: Adam with the gradient normalized by the previous second moment. */
export interface AdoptOptions {
  /** Learning rate γ (optax's name). Required: give it or its alias `lr`. */
  learning_rate?: number;
  /** Alias of `learning_rate` (torch's name). Required: give it or `learning_rate`. */
  lr?: number;
  /** Exponential decay rate β₁ of the first moment (the gradient's running average). Default `0.9`. */
  b1?: number;
  /** Exponential decay rate β₂ of the second moment (the squared gradient's running average). Default `0.9999`. */
  b2?: number;
  /** Floor of √v in the normalization. Default `1e-6`. */
  eps?: number;
  /** Use Nesterov momentum. Default `false`. */
  nesterov?: boolean;
  /** Clip the normalized gradient to ±t^¼, the paper's stabilization. Default `true`. */
  use_clipping?: boolean;
}
export type AdoptSpec = OptimizerSpecOf<"adopt", AdoptOptions>;

/** Options of optax.contrib.ademamix: Adam plus a slow gradient average weighted by α. */
export interface AdEMAMixOptions {
  /** Learning rate γ (optax's name). Required: give it or its alias `lr`. */
  learning_rate?: number;
  /** Alias of `learning_rate` (torch's name). Required: give it or `learning_rate`. */
  lr?: number;
  /** Exponential decay rate β₁ of the fast gradient average. Default `0.9`. */
  b1?: number;
  /** Exponential decay rate β₂ of the second moment (the squared gradient's running average). Default `0.999`. */
  b2?: number;
  /** Exponential decay rate β₃ of the slow gradient average. Default `0.9999`. */
  b3?: number;
  /** Weight α of the slow average in the update. Default `5`. */
  alpha?: number;
  /** Term added to the denominator, outside the square root, for numerical stability. Default `1e-8`. */
  eps?: number;
  /** Term added to the second moment inside the square root. Default `0`. */
  eps_root?: number;
  /** Weight decay λ: λθ is added to the update (and scaled by the learning rate). Default `0`. */
  weight_decay?: number;
}
export type AdEMAMixSpec = OptimizerSpecOf<"ademamix", AdEMAMixOptions>;

/** Options of optax.contrib.madgrad: momentumized, dual-averaged adaptive steps (cube root). */
export interface MadgradOptions {
  /** Learning rate γ (optax's name). Required: give it or its alias `lr`. */
  learning_rate?: number;
  /** Alias of `learning_rate` (torch's name). Required: give it or `learning_rate`. */
  lr?: number;
  /** Momentum μ: the weight of the previous iterate when averaging with the dual-averaged point. Default `0.9`. */
  momentum?: number;
  /** Weight decay λ: λθ is added to the gradient. Default `0`. */
  weight_decay?: number;
  /** Term added to the cube-root denominator (and to the learning rate). Default `1e-6`. */
  eps?: number;
}
export type MadgradSpec = OptimizerSpecOf<"madgrad", MadgradOptions>;

/** Options of optax.contrib.cocob: coin betting, no learning rate to tune. */
export interface CocobOptions {
  /** Learning rate γ (optax's name). Default `1`. */
  learning_rate?: number;
  /** Alias of `learning_rate` (torch's name); give one of the two. Default `1`. */
  lr?: number;
  /** Bound α on the initial betting fraction (the αL term of the denominator). Default `100`. */
  alpha?: number;
  /** Starting value of the largest gradient magnitude L. Default `1e-8`. */
  eps?: number;
  /** Weight decay λ: λθ is added to the gradient. Default `0`. */
  weight_decay?: number;
}
export type CocobSpec = OptimizerSpecOf<"cocob", CocobOptions>;

/** Options of optax.contrib.schedule_free_adamw: AdamW without a schedule, averaging iterates. */
export interface ScheduleFreeAdamWOptions {
  /** Learning rate γ (optax's name). Default `0.0025`. */
  learning_rate?: number;
  /** Alias of `learning_rate` (torch's name); give one of the two. Default `0.0025`. */
  lr?: number;
  /** Interpolation β₁ between the averaged iterate and the z sequence (the momentum). Default `0.9`. */
  b1?: number;
  /** Exponential decay rate β₂ of the second moment (the squared gradient's running average). Default `0.999`. */
  b2?: number;
  /** Term added to the denominator, outside the square root, for numerical stability. Default `1e-8`. */
  eps?: number;
  /** Weight decay λ, applied at the interpolated point y. Default `0`. */
  weight_decay?: number;
  /** Power p of the largest learning rate so far in the averaging weights (c = γ̂ᵖ/Σγ̂ᵖ). Default `2`. */
  weight_lr_power?: number;
}
export type ScheduleFreeAdamWSpec = OptimizerSpecOf<"schedule_free_adamw", ScheduleFreeAdamWOptions>;

/** Options of optax.contrib.prodigy: Adam whose step size d is estimated from the distance travelled. */
export interface ProdigyOptions {
  /** Learning rate γ (optax's name). Default `1`. */
  learning_rate?: number;
  /** Alias of `learning_rate` (torch's name); give one of the two. Default `1`. */
  lr?: number;
  /** Coefficients (β₁, β₂) of the running averages of the gradient and of its square. Default `[0.9, 0.999]`. */
  betas?: [number, number];
  /** Decay β₃ of the distance-estimate accumulators. Default null: √β₂. */
  beta3?: number | null;
  /** Term added to the denominator (times d) for numerical stability. Default `1e-8`. */
  eps?: number;
  /** Initial estimate d₀ of the distance to the solution. Default `1e-6`. */
  estim_lr0?: number;
  /** Coefficient κ of the distance estimate. Default `1`. */
  estim_lr_coef?: number;
  /** Decoupled weight decay λ: θ ← θ(1 − γλ) before each step. Default `0`. */
  weight_decay?: number;
  /** Leave the learning rate out of the distance-estimate accumulators (for warm-up schedules). Default `false`. */
  safeguard_warmup?: boolean;
}
export type ProdigySpec = OptimizerSpecOf<"prodigy", ProdigyOptions>;

/** Options of optax.contrib.dadapt_adamw: AdamW whose step size d is estimated by D-Adaptation. */
export interface DAdaptAdamWOptions {
  /** Learning rate γ (optax's name). Default `1`. */
  learning_rate?: number;
  /** Alias of `learning_rate` (torch's name); give one of the two. Default `1`. */
  lr?: number;
  /** Coefficients (β₁, β₂) of the running averages of the gradient and of its square. Default `[0.9, 0.999]`. */
  betas?: [number, number];
  /** Term added to the denominator for numerical stability. Default `1e-8`. */
  eps?: number;
  /** Initial estimate d₀ of the distance to the solution. Default `1e-6`. */
  estim_lr0?: number;
  /** Decoupled weight decay λ: θ ← θ(1 − γλ) before each step. Default `0`. */
  weight_decay?: number;
}
export type DAdaptAdamWSpec = OptimizerSpecOf<"dadapt_adamw", DAdaptAdamWOptions>;

/**
 * An optimizer and its options, with torch.optim's names and defaults (optax's for optimizers torch lacks),
 * e.g. `{ name: "adam", lr: 1e-3, betas: [0.9, 0.999] }`; the `name` selects which options type-check. The Rust side
 * validates every option and rejects unknown ones with torch's wording.
 */
export type OptimizerSpec =
  | SgdSpec
  | AdagradSpec
  | AdadeltaSpec
  | RmsPropSpec
  | AdamSpec
  | AdamWSpec
  | AdamaxSpec
  | NAdamSpec
  | RAdamSpec
  | AsgdSpec
  | RpropSpec
  | AdafactorSpec
  | MuonSpec
  | LbfgsSpec
  | NotebookSgdSpec
  | NotebookMomentumSpec
  | NotebookNesterovSpec
  | NotebookAdagradSpec
  | NotebookRmsPropSpec
  | NotebookAdamSpec
  | LionSpec
  | LambSpec
  | LarsSpec
  | AdaBeliefSpec
  | YogiSpec
  | SignSgdSpec
  | FromageSpec
  | NovoGradSpec
  | AdanSpec
  | Sm3Spec
  | AdoptSpec
  | AdEMAMixSpec
  | MadgradSpec
  | CocobSpec
  | ScheduleFreeAdamWSpec
  | ProdigySpec
  | DAdaptAdamWSpec;

/** Every registry name. */
export type OptimizerName = OptimizerSpec["name"];

/** The options of each optimizer, by registry name. */
export interface OptimizerOptionsByName {
  sgd: SgdOptions;
  adagrad: AdagradOptions;
  adadelta: AdadeltaOptions;
  rmsprop: RmsPropOptions;
  adam: AdamOptions;
  adamw: AdamWOptions;
  adamax: AdamaxOptions;
  nadam: NAdamOptions;
  radam: RAdamOptions;
  asgd: AsgdOptions;
  rprop: RpropOptions;
  adafactor: AdafactorOptions;
  muon: MuonOptions;
  lbfgs: LbfgsOptions;
  notebook_sgd: NotebookSgdOptions;
  notebook_momentum: NotebookMomentumOptions;
  notebook_nesterov: NotebookNesterovOptions;
  notebook_adagrad: NotebookAdagradOptions;
  notebook_rmsprop: NotebookRmsPropOptions;
  notebook_adam: NotebookAdamOptions;
  lion: LionOptions;
  lamb: LambOptions;
  lars: LarsOptions;
  adabelief: AdaBeliefOptions;
  yogi: YogiOptions;
  sign_sgd: SignSgdOptions;
  fromage: FromageOptions;
  novograd: NovoGradOptions;
  adan: AdanOptions;
  sm3: Sm3Options;
  adopt: AdoptOptions;
  ademamix: AdEMAMixOptions;
  madgrad: MadgradOptions;
  cocob: CocobOptions;
  schedule_free_adamw: ScheduleFreeAdamWOptions;
  prodigy: ProdigyOptions;
  dadapt_adamw: DAdaptAdamWOptions;
}

/** The options of the optimizer called `Name`. */
export type OptionsOf<Name extends OptimizerName> = OptimizerOptionsByName[Name];

/**
 * Every option of an optimizer with the default the Rust side applies; null where torch's default is `None`, is
 * derived from other options (LBFGS's `max_eval`, Prodigy's `beta3`), or where optax requires the option.
 */
export type OptimizerDefaults<Name extends OptimizerName> = {
  -readonly [Option in keyof OptionsOf<Name>]-?: Exclude<OptionsOf<Name>[Option], undefined> | null;
};

/** Every optimizer's options and defaults, in the Rust registry's order (the order of its "valid options" error). */
export const OPTIMIZER_OPTIONS: { readonly [Name in OptimizerName]: OptimizerDefaults<Name> } = {
  sgd: { lr: 0.001, momentum: 0, dampening: 0, weight_decay: 0, nesterov: false, maximize: false },
  adagrad: { lr: 0.01, lr_decay: 0, weight_decay: 0, initial_accumulator_value: 0, eps: 1e-10, maximize: false },
  adadelta: { lr: 1, rho: 0.9, eps: 1e-6, weight_decay: 0, maximize: false },
  rmsprop: { lr: 0.01, alpha: 0.99, eps: 1e-8, weight_decay: 0, momentum: 0, centered: false, maximize: false },
  adam: {
    lr: 0.001,
    betas: [0.9, 0.999],
    eps: 1e-8,
    weight_decay: 0,
    amsgrad: false,
    maximize: false,
    decoupled_weight_decay: false,
  },
  adamw: { lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.01, amsgrad: false, maximize: false },
  adamax: { lr: 0.002, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, maximize: false },
  nadam: {
    lr: 0.002,
    betas: [0.9, 0.999],
    eps: 1e-8,
    weight_decay: 0,
    momentum_decay: 0.004,
    decoupled_weight_decay: false,
    maximize: false,
  },
  radam: { lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, decoupled_weight_decay: false, maximize: false },
  asgd: { lr: 0.01, lambd: 1e-4, alpha: 0.75, t0: 1000000, weight_decay: 0, maximize: false },
  rprop: { lr: 0.01, etas: [0.5, 1.2], step_sizes: [1e-6, 50], maximize: false },
  adafactor: {
    lr: 0.01,
    beta2_decay: -0.8,
    eps: [null, 0.001],
    d: 1,
    weight_decay: 0,
    foreach: false,
    maximize: false,
  },
  muon: {
    lr: 0.001,
    weight_decay: 0.1,
    momentum: 0.95,
    nesterov: true,
    ns_coefficients: [3.4445, -4.775, 2.0315],
    eps: 1e-7,
    ns_steps: 5,
    adjust_lr_fn: null,
  },
  lbfgs: {
    lr: 1,
    max_iter: 20,
    max_eval: null,
    tolerance_grad: 1e-7,
    tolerance_change: 1e-9,
    history_size: 100,
    line_search_fn: null,
  },
  notebook_sgd: { lr: 0.01 },
  notebook_momentum: { lr: 0.01, momentum: 0.9 },
  notebook_nesterov: { lr: 0.01, momentum: 0.9 },
  notebook_adagrad: { lr: 0.01, eps: 1e-8 },
  notebook_rmsprop: { lr: 0.001, alpha: 0.9, eps: 1e-8 },
  notebook_adam: { lr: 0.001, betas: [0.9, 0.999], eps: 1e-8 },
  lion: { learning_rate: null, lr: null, b1: 0.9, b2: 0.99, weight_decay: 0.001 },
  lamb: { learning_rate: null, lr: null, b1: 0.9, b2: 0.999, eps: 1e-6, eps_root: 0, weight_decay: 0 },
  lars: {
    learning_rate: null,
    lr: null,
    weight_decay: 0,
    trust_coefficient: 0.001,
    eps: 0,
    momentum: 0.9,
    nesterov: false,
  },
  adabelief: { learning_rate: null, lr: null, b1: 0.9, b2: 0.999, eps: 1e-16, eps_root: 1e-16, nesterov: false },
  yogi: { learning_rate: null, lr: null, b1: 0.9, b2: 0.999, eps: 0.001 },
  sign_sgd: { learning_rate: null, lr: null },
  fromage: { learning_rate: null, lr: null, min_norm: 1e-6 },
  novograd: { learning_rate: null, lr: null, b1: 0.9, b2: 0.25, eps: 1e-6, eps_root: 0, weight_decay: 0 },
  adan: { learning_rate: null, lr: null, b1: 0.98, b2: 0.92, b3: 0.99, eps: 1e-8, eps_root: 1e-8, weight_decay: 0 },
  sm3: { learning_rate: null, lr: null, momentum: 0.9 },
  adopt: { learning_rate: null, lr: null, b1: 0.9, b2: 0.9999, eps: 1e-6, nesterov: false, use_clipping: true },
  ademamix: {
    learning_rate: null,
    lr: null,
    b1: 0.9,
    b2: 0.999,
    b3: 0.9999,
    alpha: 5,
    eps: 1e-8,
    eps_root: 0,
    weight_decay: 0,
  },
  madgrad: { learning_rate: null, lr: null, momentum: 0.9, weight_decay: 0, eps: 1e-6 },
  cocob: { learning_rate: 1, lr: 1, alpha: 100, eps: 1e-8, weight_decay: 0 },
  schedule_free_adamw: {
    learning_rate: 0.0025,
    lr: 0.0025,
    b1: 0.9,
    b2: 0.999,
    eps: 1e-8,
    weight_decay: 0,
    weight_lr_power: 2,
  },
  prodigy: {
    learning_rate: 1,
    lr: 1,
    betas: [0.9, 0.999],
    beta3: null,
    eps: 1e-8,
    estim_lr0: 1e-6,
    estim_lr_coef: 1,
    weight_decay: 0,
    safeguard_warmup: false,
  },
  dadapt_adamw: { learning_rate: 1, lr: 1, betas: [0.9, 0.999], eps: 1e-8, estim_lr0: 1e-6, weight_decay: 0 },
};

/** One optimizer as the Rust registry describes it. */
export interface OptimizerInfo {
  name: OptimizerName;
  /** Its options in the order of the "valid options" error, each with its default (null as in `OptimizerDefaults`). */
  options: { name: string; default: unknown }[];
}

let registry: OptimizerInfo[] | undefined;

/** Every optimizer of the Rust registry with its options and defaults, read from the wasm module on this thread. */
export async function optimizersOn(compileModule: () => Promise<WebAssembly.Module>): Promise<OptimizerInfo[]> {
  instantiate(await compileModule());
  registry ??= JSON.parse(wasm.optimizerInfo()) as OptimizerInfo[];
  return structuredClone(registry);
}

/** The Rust side's default of every option of one optimizer, e.g. `{ lr: 0.001, betas: [0.9, 0.999], … }` for "adam". */
export async function optimizerDefaultsOn<Name extends OptimizerName>(
  compileModule: () => Promise<WebAssembly.Module>,
  name: Name,
): Promise<OptimizerDefaults<Name>> {
  const optimizers = await optimizersOn(compileModule);
  const info = optimizers.find((optimizer) => optimizer.name === name);
  if (!info)
    throw new ConfigError(
      `Unknown optimizer '${String(name)}'; known: ${optimizers.map((optimizer) => optimizer.name).join(", ")}`,
    );
  return Object.fromEntries(info.options.map((option) => [option.name, option.default])) as OptimizerDefaults<Name>;
}
