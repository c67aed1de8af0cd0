// Learning-rate schedules: the spec a run's Trainer gets (checked and completed at the edge), and a schedule's lr
// curve on its own for plots, computed by the same Rust code on the calling thread's wasm instance.
import { ConfigError } from "./errors.js";
import type { ScheduleSpec } from "./types.js";
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
}

/**
 * The schedule as the Trainer of a run of `totalSteps` optimizer steps gets it: OneCycleLR without total_steps (nor
 * epochs and steps_per_epoch) gets total_steps = totalSteps; a OneCycleLR cycle shorter than the run is refused
 * here rather than failing at its last step, as torch would. Everything else is checked by the Rust side.
 */
export function resolveSchedule(spec: unknown, run: { epochs: number; stepsPerEpoch: number }): ScheduleSpec {
  checkSpec(spec, "schedule");
  const totalSteps = run.epochs * run.stepsPerEpoch;
  if (!ONE_CYCLE.has(spec.name.toLowerCase())) return spec;
  const options = spec as unknown as Record<string, unknown>;
  if (options.total_steps === undefined && options.epochs === undefined && options.steps_per_epoch === undefined) {
    return { ...spec, total_steps: totalSteps } as ScheduleSpec;
  }
  const cycle = options.total_steps ?? Number(options.epochs) * Number(options.steps_per_epoch);
  if (typeof cycle === "number" && Number.isInteger(cycle) && cycle > 0 && cycle < totalSteps) {
    throw new ConfigError(
      `schedule: OneCycleLR's cycle of ${cycle} steps is shorter than the run's ${totalSteps} (${run.epochs} epochs × ${run.stepsPerEpoch} steps); ` +
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
  /** ReduceLROnPlateau only: the monitored value after each step (at least steps − 1 of them). */
  metrics?: ArrayLike<number>;
}

/** The lr of each of `steps` optimizer steps under `spec` alone (one param group), exactly as the Trainer would use them. */
export async function scheduleLrsOn(
  compileModule: () => Promise<WebAssembly.Module>,
  spec: ScheduleSpec,
  options: ScheduleLrsOptions,
): Promise<Float64Array> {
  checkSpec(spec, "scheduleLrs: spec");
  const { baseLr, steps, metrics } = options;
  if (typeof baseLr !== "number" || !Number.isFinite(baseLr))
    throw new ConfigError(`scheduleLrs: baseLr must be a finite number, got ${String(baseLr)}`);
  if (!Number.isInteger(steps) || steps < 0 || steps > 2 ** 32 - 1)
    throw new ConfigError(`scheduleLrs: steps must be a non-negative integer, got ${String(steps)}`);
  instantiate(await compileModule());
  const { name, ...rest } = spec;
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
