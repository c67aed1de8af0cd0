// Optimizer specs as every entry point takes them: the label a run gets when it has none, the check a spec passes
// before any worker starts, and the named line-ups (the notebook's, its hand-written rules beside torch's, each 2-D
// test function's). Plain data and pure functions: no wasm, no workers, so any thread may import it.
import { ConfigError } from "./errors.js";
import type { ComparedOptimizer, OptimizerSpec, ScheduleSpec } from "./types.js";

/**
 * "adam", or "sgd lr=0.01 momentum=0.9" when options are given, "… @ CosineAnnealingLR T_max=100" with its own
 * schedule; an lr optimlab chooses (lr "auto") is left out: legends add it.
 */
export function defaultLabel(spec: OptimizerSpec | ComparedOptimizer): string {
  const chosen = spec.lr === "auto";
  const options = Object.entries(spec).filter(
    ([key]) =>
      key !== "name" && key !== "label" && key !== "schedule" && !(chosen && (key === "lr" || key === "lrRule")),
  );
  const own =
    spec.schedule === undefined ? [] : ["@", spec.schedule === null ? "none" : describeSchedule(spec.schedule)];
  return [
    spec.name,
    ...options.map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(",") : String(value)}`),
    ...own,
  ].join(" ");
}

/**
 * "OneCycleLR max_lr=0.1, total_steps=100", "SequentialLR(LinearLR start_factor=0.1, total_iters=5; cosine T_max=55;
 * milestones=5)": a schedule and its options on one line, for legends, tables and reports. A function is shown by its
 * source text.
 */
export function describeSchedule(spec: ScheduleSpec): string {
  const value = (item: unknown): string => {
    if (typeof item === "function") return String(item).replace(/\s+/g, " ");
    if (Array.isArray(item)) return item.map(value).join("/");
    return String(item);
  };
  const { name, schedulers, ...rest } = spec as unknown as { name: string; schedulers?: ScheduleSpec[] } & Record<
    string,
    unknown
  >;
  const options = Object.entries(rest)
    .filter(([, item]) => item !== undefined)
    .map(([key, item]) => `${key}=${value(item)}`);
  if (Array.isArray(schedulers)) return `${name}(${[...schedulers.map(describeSchedule), ...options].join("; ")})`;
  return options.length > 0 ? `${name} ${options.join(", ")}` : name;
}

/**
 * Refuses anything but an object with a non-empty name, naming where it sits (`path`); the options are the Rust
 * side's to check, with torch's messages.
 */
export function checkSpec(
  spec: unknown,
  path: string,
  example = '{ name: "adam", lr: 1e-3 }',
): asserts spec is OptimizerSpec {
  const name = (spec as { name?: unknown } | null)?.name;
  if (typeof spec !== "object" || spec === null || typeof name !== "string" || name.length === 0)
    throw new ConfigError(`${path} must be an object with a name, e.g. ${example}`);
}

/** Deep-freezes a line-up: shared by the CLI, `npm start`, the demo and users, none of them can change it for the others. */
function frozen(lineup: OptimizerSpec[]): readonly OptimizerSpec[] {
  return Object.freeze(lineup.map((spec) => Object.freeze(spec)));
}

/**
 * The notebook's line-up, what `optimlab compare`, `npm start` and the demo run by default: its six optimizers with
 * the learning rates of its cells (and its RMSProp decay 0.9), as torch.optim computes them, plus AdaMax and NAdam
 * that it meant to try next, with torch's defaults. Frozen: copy a spec to change it.
 */
export const NOTEBOOK_LINEUP: readonly OptimizerSpec[] = frozen([
  { name: "sgd", label: "SGD", lr: 1e-2 },
  { name: "sgd", label: "Momentum", lr: 1e-3, momentum: 0.9 },
  { name: "sgd", label: "Nesterov", lr: 1e-3, momentum: 0.9, nesterov: true },
  { name: "adagrad", label: "Adagrad", lr: 1e-3 },
  { name: "rmsprop", label: "RMSProp", lr: 1e-3, alpha: 0.9 },
  { name: "adam", label: "Adam", lr: 1e-3 },
  { name: "adamax", label: "AdaMax", lr: 2e-3 },
  { name: "nadam", label: "NAdam", lr: 2e-3 },
]);

/**
 * What `optimlab notebook` runs: the notebook's hand-written rules (quirks included), each beside the torch rule it
 * meant, with the same learning rates as NOTEBOOK_LINEUP. Frozen: copy a spec to change it.
 */
export const NOTEBOOK_PAIRS: readonly OptimizerSpec[] = frozen([
  { name: "notebook_sgd", label: "SGD (notebook)", lr: 1e-2 },
  { name: "sgd", label: "SGD (torch)", lr: 1e-2 },
  { name: "notebook_momentum", label: "Momentum (notebook)", lr: 1e-3, momentum: 0.9 },
  { name: "sgd", label: "Momentum (torch)", lr: 1e-3, momentum: 0.9 },
  { name: "notebook_nesterov", label: "Nesterov (notebook)", lr: 1e-3, momentum: 0.9 },
  { name: "sgd", label: "Nesterov (torch)", lr: 1e-3, momentum: 0.9, nesterov: true },
  { name: "notebook_adagrad", label: "Adagrad (notebook)", lr: 1e-3 },
  { name: "adagrad", label: "Adagrad (torch)", lr: 1e-3 },
  { name: "notebook_rmsprop", label: "RMSProp (notebook)", lr: 1e-3, alpha: 0.9 },
  { name: "rmsprop", label: "RMSProp (torch)", lr: 1e-3, alpha: 0.9 },
  { name: "notebook_adam", label: "Adam (notebook)", lr: 1e-3 },
  { name: "adam", label: "Adam (torch)", lr: 1e-3 },
]);

/**
 * Each 2-D test function's default line-up: SGD, Momentum, Nesterov, Adagrad, RMSprop and Adam, with learning rates
 * picked from a sweep over 300 steps so that none diverges and together they show what the function tests
 * (Rosenbrock: who follows the valley; Rastrigin: who leaves the local minimum by the start; saddle: who escapes
 * first).
 */
const LANDSCAPE_LINEUPS: Record<string, OptimizerSpec[]> = {
  rosenbrock: landscapeSix({ sgd: 1e-3, momentum: 1e-3, nesterov: 1e-3, adagrad: 0.5, rmsprop: 1e-2, adam: 0.1 }),
  beale: landscapeSix({ sgd: 1e-2, momentum: 1e-3, nesterov: 1e-3, adagrad: 0.5, rmsprop: 3e-2, adam: 0.1 }),
  himmelblau: landscapeSix({ sgd: 1e-3, momentum: 3e-4, nesterov: 3e-4, adagrad: 0.3, rmsprop: 1e-2, adam: 3e-2 }),
  rastrigin: landscapeSix({ sgd: 1e-3, momentum: 3e-3, nesterov: 3e-3, adagrad: 2, rmsprop: 1e-2, adam: 0.1 }),
  saddle: landscapeSix({ sgd: 1e-2, momentum: 1e-3, nesterov: 1e-3, adagrad: 0.05, rmsprop: 3e-3, adam: 1e-2 }),
  quadratic: landscapeSix({ sgd: 1.5e-2, momentum: 1e-3, nesterov: 1e-3, adagrad: 0.1, rmsprop: 3e-3, adam: 5e-2 }),
  booth: landscapeSix({ sgd: 1e-2, momentum: 1e-3, nesterov: 1e-3, adagrad: 1, rmsprop: 0.1, adam: 0.1 }),
};

function landscapeSix(
  lr: Record<"sgd" | "momentum" | "nesterov" | "adagrad" | "rmsprop" | "adam", number>,
): OptimizerSpec[] {
  return [
    { name: "sgd", label: "SGD", lr: lr.sgd },
    { name: "sgd", label: "Momentum", lr: lr.momentum, momentum: 0.9 },
    { name: "sgd", label: "Nesterov", lr: lr.nesterov, momentum: 0.9, nesterov: true },
    { name: "adagrad", label: "Adagrad", lr: lr.adagrad },
    { name: "rmsprop", label: "RMSprop", lr: lr.rmsprop },
    { name: "adam", label: "Adam", lr: lr.adam },
  ];
}

/** The default line-up for a 2-D test function (a fresh copy), or undefined for an unknown name. */
export function landscapeLineup(fn: string): OptimizerSpec[] | undefined {
  return LANDSCAPE_LINEUPS[fn]?.map((spec) => ({ ...spec }));
}
