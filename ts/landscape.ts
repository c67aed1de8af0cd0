// Optimizer trajectories on 2-D test functions (Rosenbrock, Beale, …), the classic way to watch optimizers move.
// Everything runs on the calling thread's wasm instance, as createOptimizer does: a whole trajectory is one call
// (a few thousand float32 operations), far cheaper than starting a worker.
import { ConfigError, OptimizerOptionError } from "./errors.js";
import { checkSpec, defaultLabel, landscapeLineup } from "./spec.js";
import type { OptimizerSpec } from "./types.js";
import { instantiate, wasm } from "./wasm.js";

/** A test function: its formula, what it tests, a default view and start, and where its minima are. */
export interface LandscapeFunction {
  name: string;
  formula: string;
  /** The trap it sets for an optimizer. */
  about: string;
  /** Default view: [min, max] along x and y. */
  x: [number, number];
  y: [number, number];
  /** Default start point (the one torch's reference trajectories use). */
  start: [number, number];
  /** Global minima (f = 0 at each); empty for the saddle, which is unbounded below. */
  minima: [number, number][];
  saddlePoints: [number, number][];
}

export interface LandscapeOptions {
  /** Function name: rosenbrock, beale, himmelblau, rastrigin, saddle, quadratic, booth. */
  fn: string;
  /** Start point; the function's default start when absent. */
  start?: readonly [number, number];
  /** One trajectory per optimizer (torch.optim names and options); the function's default line-up when absent. */
  optimizers?: readonly OptimizerSpec[];
  /** Steps per optimizer (LBFGS: outer steps, each up to max_iter inner iterations). Default 300. */
  steps?: number;
}

/** One optimizer's trajectory. */
export interface LandscapeRun {
  label: string;
  optimizer: OptimizerSpec;
  /** The point after each step: `x[k], y[k]` after step k + 1. */
  x: Float32Array;
  y: Float32Array;
  /** f before each step (for LBFGS the first value its closure saw in that step), as torch records `loss = closure()`. */
  values: Float32Array;
  /** f at the last point (NaN after a divergence). */
  finalValue: number;
  /** Set when the point or f became NaN or infinite: the run stopped after that 0-based step (its row is the last). */
  diverged?: { step: number };
}

export interface LandscapeResult {
  fn: LandscapeFunction;
  start: [number, number];
  steps: number;
  runs: LandscapeRun[];
}

/** f sampled on a grid of cells, at cell centres, row-major with row 0 at `y[0]`: what a contour plot draws. */
export interface LandscapeGrid {
  fn: string;
  x: [number, number];
  y: [number, number];
  nx: number;
  ny: number;
  values: Float32Array;
}

export interface LandscapeGridOptions {
  /** [min, max] along x and y; the function's default view when absent. */
  x?: readonly [number, number];
  y?: readonly [number, number];
  /** Cells along x and y (1 … 2048). Default 160 × 160. */
  nx?: number;
  ny?: number;
}

const MAX_STEPS = 1_000_000;

/** The distance from (x, y) to the function's nearest minimum; undefined when it has none (the saddle) or the point is not finite. */
export function distanceToMinimum(fn: LandscapeFunction, x: number, y: number): number | undefined {
  if (fn.minima.length === 0 || !Number.isFinite(x) || !Number.isFinite(y)) return undefined;
  return Math.min(...fn.minima.map(([mx, my]) => Math.hypot(x - mx, y - my)));
}

let functionList: LandscapeFunction[] | undefined;

function functionsOf(): LandscapeFunction[] {
  functionList ??= JSON.parse(wasm.landscapeFunctions()) as LandscapeFunction[];
  return functionList;
}

/** The function named `fn`, or a ConfigError with the Rust side's message listing the known ones. */
function functionNamed(fn: unknown): LandscapeFunction {
  if (typeof fn !== "string")
    throw new ConfigError(`landscape: fn must be a function name such as "rosenbrock", got ${String(fn)}`);
  const found = functionsOf().find((candidate) => candidate.name === fn);
  if (found) return found;
  // The Rust side owns the message (it lists the known functions).
  try {
    wasm.landscapeValue(fn, 0, 0);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  throw new ConfigError(`landscape: unknown function ${fn}`);
}

function finitePair(name: string, value: unknown): value is readonly [number, number] {
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === "number" && Number.isFinite(v)))
    return true;
  throw new ConfigError(`landscape: ${name} must be two finite numbers [a, b], got ${JSON.stringify(value)}`);
}

/** The test functions with their formulas, default views, starts and minima. */
export async function landscapeFunctionsOn(
  compileModule: () => Promise<WebAssembly.Module>,
): Promise<LandscapeFunction[]> {
  instantiate(await compileModule());
  return structuredClone(functionsOf());
}

/** Runs every optimizer from the same start on the function and returns the trajectories. */
export async function landscapeOn(
  compileModule: () => Promise<WebAssembly.Module>,
  options: LandscapeOptions,
): Promise<LandscapeResult> {
  instantiate(await compileModule());
  const fn = functionNamed(options.fn);
  const start = options.start === undefined ? fn.start : options.start;
  finitePair("start", start);
  const steps = options.steps ?? 300;
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_STEPS) {
    throw new ConfigError(`landscape: steps must be an integer from 1 to ${MAX_STEPS}, got ${String(steps)}`);
  }
  const specs = options.optimizers ?? landscapeLineup(fn.name)!;
  if (!Array.isArray(specs) || specs.length === 0)
    throw new ConfigError("landscape: optimizers must be a non-empty array of { name, ...options }");
  const runs = specs.map((spec, index) => {
    checkSpec(spec, `landscape: optimizers[${index}]`);
    const label = spec.label ?? defaultLabel(spec);
    const { name, label: _label, ...torchOptions } = spec;
    let rows: Float32Array;
    try {
      rows = wasm.landscapeTrajectory(fn.name, start[0], start[1], name, JSON.stringify(torchOptions), steps);
    } catch (error) {
      throw new OptimizerOptionError(`${label}: ${(error as Error).message}`);
    }
    return toRun(fn, label, spec, rows, steps);
  });
  return { fn: structuredClone(fn), start: [start[0], start[1]], steps, runs };
}

/** Splits the `[x, y, f]` rows of the wasm side into columns. */
function toRun(
  fn: LandscapeFunction,
  label: string,
  optimizer: OptimizerSpec,
  rows: Float32Array,
  steps: number,
): LandscapeRun {
  const count = rows.length / 3;
  const x = new Float32Array(count);
  const y = new Float32Array(count);
  const values = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    x[k] = rows[3 * k];
    y[k] = rows[3 * k + 1];
    values[k] = rows[3 * k + 2];
  }
  const run: LandscapeRun = { label, optimizer: { ...optimizer }, x, y, values, finalValue: Number.NaN };
  // The wasm side stops early only at a divergence, whose row is the last.
  if (count < steps || (count > 0 && ![x[count - 1], y[count - 1], values[count - 1]].every(Number.isFinite))) {
    run.diverged = { step: count - 1 };
  } else if (count > 0) {
    run.finalValue = wasm.landscapeValue(fn.name, x[count - 1], y[count - 1]);
  }
  return run;
}

/** f on a grid over the function's default view (or the one given), for contour plots. */
export async function landscapeGridOn(
  compileModule: () => Promise<WebAssembly.Module>,
  fn: string,
  options: LandscapeGridOptions = {},
): Promise<LandscapeGrid> {
  instantiate(await compileModule());
  const info = functionNamed(fn);
  const x = options.x ?? info.x;
  const y = options.y ?? info.y;
  finitePair("x", x);
  finitePair("y", y);
  const nx = options.nx ?? 160;
  const ny = options.ny ?? 160;
  for (const [name, n] of [
    ["nx", nx],
    ["ny", ny],
  ] as const) {
    // Checked here too: the wasm boundary would wrap a negative or fractional count into a u32 silently.
    if (!Number.isInteger(n) || n < 1 || n > 2048)
      throw new ConfigError(`landscape grid: ${name} must be an integer from 1 to 2048, got ${String(n)}`);
  }
  let values: Float32Array;
  try {
    values = wasm.landscapeGrid(info.name, x[0], x[1], y[0], y[1], nx, ny);
  } catch (error) {
    throw new ConfigError(`landscape ${(error as Error).message}`);
  }
  return { fn: info.name, x: [x[0], x[1]], y: [y[0], y[1]], nx, ny, values };
}
