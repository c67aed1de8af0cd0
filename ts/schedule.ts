// Learning-rate schedules: the spec a run's Trainer gets (checked and completed at the edge, lr_lambda functions
// evaluated into tables), and a schedule's lr curve on its own for plots, computed by the same Rust code on the
// calling thread's wasm instance.
import { ConfigError, nonFiniteOption } from "./errors.js";
import type { LrLambda, ScheduleSpec } from "./schedule-spec.js";
import { instantiate, wasm } from "./wasm.js";

const ONE_CYCLE = new Set(["onecyclelr", "onecycle"]);

function checkSpec(spec: unknown, path: string): asserts spec is ScheduleSpec {
  if (
    typeof spec !== "object" ||
    spec === null ||
    Array.isArray(spec) ||
    typeof (spec as { name?: unknown }).name !== "string"
  ) {
    throw new ConfigError(`${path} must be an object with a name, e.g. { name: "onecycle", max_lr: 0.01 }`);
  }
  const inner = (spec as { schedulers?: unknown }).schedulers;
  if (Array.isArray(inner)) inner.forEach((item, index) => checkSpec(item, `${path}.schedulers[${index}]`));
}

/**
 * The spec as JSON can carry it to a worker: every `lr_lambda` function (nested ones too) replaced by the table of
 * its values at epochs 0 … `lastEpoch`, evaluated here on the calling thread. A function must return a finite number.
 */
export function tabulateLambdas(spec: ScheduleSpec, lastEpoch: number, path = "schedule"): ScheduleSpec {
  const tabulate = (lambda: LrLambda, where: string): Exclude<LrLambda, (epoch: number) => number> => {
    if (typeof lambda !== "function") return lambda;
    const table = new Array<number>(lastEpoch + 1);
    for (let epoch = 0; epoch <= lastEpoch; epoch++) {
      const value: unknown = lambda(epoch);
      if (typeof value !== "number" || !Number.isFinite(value))
        throw new ConfigError(`${where}(${epoch}) returned ${String(value)}; it must return a finite number`);
      table[epoch] = value;
    }
    return table;
  };
  const options = spec as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { ...options };
  if (Array.isArray(options.schedulers)) {
    out.schedulers = options.schedulers.map((inner: ScheduleSpec, index: number) =>
      tabulateLambdas(inner, lastEpoch, `${path}.schedulers[${index}]`),
    );
  }
  const lambda = options.lr_lambda as LrLambda | LrLambda[] | undefined;
  if (typeof lambda === "function") out.lr_lambda = tabulate(lambda, `${path}.lr_lambda`);
  else if (Array.isArray(lambda) && lambda.some((item) => typeof item !== "number"))
    out.lr_lambda = (lambda as LrLambda[]).map((item, group) => tabulate(item, `${path}.lr_lambda[${group}]`));
  return out as unknown as ScheduleSpec;
}

/**
 * The schedule as the Trainer of a run of `totalSteps` optimizer steps gets it: lr_lambda functions evaluated into
 * tables, and lengths left out fitted to the run (beyond torch, which requires them): OneCycleLR without total_steps
 * (nor epochs and steps_per_epoch) gets total_steps, CosineAnnealingLR without T_max anneals over its steps. Inside
 * SequentialLR a schedule's steps are those up to the next milestone (the last one's: the rest of the run); inside
 * ChainedScheduler, the whole run. A OneCycleLR cycle shorter than its steps is refused here rather than failing at
 * its last step, as torch would. Everything else is checked by the Rust side.
 */
export function resolveSchedule(
  given: unknown,
  run: { epochs: number; stepsPerEpoch: number },
  path = "schedule",
): ScheduleSpec {
  checkSpec(given, path);
  const totalSteps = run.epochs * run.stepsPerEpoch;
  // The Trainer steps the schedule after every step, the last one included: epochs 0 … totalSteps.
  return fitToRun(
    tabulateLambdas(given, totalSteps, path),
    totalSteps,
    path,
    `the run's ${totalSteps} (${run.epochs} epochs × ${run.stepsPerEpoch} steps)`,
  );
}

const COSINE = new Set(["cosineannealinglr", "cosine"]);
const SEQUENTIAL = new Set(["sequentiallr", "sequential"]);
const CHAINED = new Set(["chainedscheduler", "chained"]);

/** `spec` with the lengths it leaves out set to `steps`, the optimizer steps it drives (see resolveSchedule). */
function fitToRun(
  spec: ScheduleSpec,
  steps: number,
  path: string,
  stepsText = `the ${steps} steps it drives`,
): ScheduleSpec {
  const name = spec.name.toLowerCase();
  const options = spec as unknown as Record<string, unknown>;
  if (Array.isArray(options.schedulers) && (SEQUENTIAL.has(name) || CHAINED.has(name))) {
    const milestones = Array.isArray(options.milestones) ? (options.milestones as unknown[]) : [];
    const schedulers = options.schedulers as ScheduleSpec[];
    const stepsOf = (index: number): number => {
      if (CHAINED.has(name)) return steps;
      const start = index === 0 ? 0 : milestones[index - 1];
      const end = index < schedulers.length - 1 ? milestones[index] : steps;
      // Malformed milestones are the Rust side's to refuse with torch's message; lengths stay unfitted meanwhile.
      return typeof start === "number" && typeof end === "number" ? end - start : Number.NaN;
    };
    return {
      ...spec,
      schedulers: schedulers.map((inner, index) => fitToRun(inner, stepsOf(index), `${path}.schedulers[${index}]`)),
    } as ScheduleSpec;
  }
  const fits = Number.isInteger(steps) && steps > 0;
  if (COSINE.has(name) && options.T_max === undefined && fits) return { ...spec, T_max: steps } as ScheduleSpec;
  if (!ONE_CYCLE.has(name)) return spec;
  if (options.total_steps === undefined && options.epochs === undefined && options.steps_per_epoch === undefined) {
    return fits ? ({ ...spec, total_steps: steps } as ScheduleSpec) : spec;
  }
  const cycle = options.total_steps ?? Number(options.epochs) * Number(options.steps_per_epoch);
  if (typeof cycle === "number" && Number.isInteger(cycle) && cycle > 0 && cycle < steps) {
    throw new ConfigError(
      `${path}: OneCycleLR's cycle of ${cycle} steps is shorter than ${stepsText}; ` +
        "leave total_steps out to fit the run",
    );
  }
  return spec;
}

/** What `scheduleLrs` evaluates a schedule over. */
export interface ScheduleLrsOptions {
  /** The optimizer's lr the schedule starts from (torch's `initial_lr`; OneCycleLR and CyclicLR set their own). */
  baseLr: number;
  /** Optimizer steps (positive integer, at most 16,777,216). */
  steps: number;
  /** ReduceLROnPlateau (alone or inside SequentialLR) only: the monitored value after each step (at least steps − 1). */
  metrics?: ArrayLike<number>;
}

/** The lr of each of `steps` optimizer steps under `spec` alone (one param group), exactly as the Trainer would use them. */
export async function scheduleLrsOn(
  compileModule: () => Promise<WebAssembly.Module>,
  spec: ScheduleSpec,
  options: ScheduleLrsOptions,
): Promise<Float64Array> {
  checkSpec(spec, "scheduleLrs: spec");
  // JSON would carry NaN and ±Infinity as null, which the Rust side reads as "use the default".
  const nonFinite = nonFiniteOption(spec);
  if (nonFinite) throw new ConfigError(`scheduleLrs: spec: ${nonFinite}`);
  const { baseLr, steps, metrics } = options;
  if (typeof baseLr !== "number" || !Number.isFinite(baseLr))
    throw new ConfigError(`scheduleLrs: baseLr must be a finite number, got ${String(baseLr)}`);
  if (!Number.isInteger(steps) || steps < 0 || steps > 2 ** 32 - 1)
    throw new ConfigError(`scheduleLrs: steps must be a non-negative integer, got ${String(steps)}`);
  const { name, ...rest } = tabulateLambdas(spec, steps, "scheduleLrs: spec");
  instantiate(await compileModule());
  try {
    return wasm.scheduleLrs(
      name,
      JSON.stringify(rest),
      baseLr,
      steps,
      metrics === undefined ? undefined : Float64Array.from(metrics),
    );
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}
