// Sweep specs: a JSON file with shared settings, a grid (or several) and/or a list of runs, and a budget, expanded
// into complete run specs. A run's id is the hash of its canonical spec (keys sorted), so the same run gets the same
// id in every process and on every machine: that is what makes results resumable and stored exactly once.
import { createHash } from "node:crypto";
import { isAbsolute, resolve } from "node:path";
import type { OptimizerSpec, ScheduleSpec } from "../types.js";

/** A mistake in a sweep spec; the message names the field (e.g. `grid[1].lr[2]`). */
export class SweepSpecError extends Error {
  override name = "SweepSpecError";
}

/**
 * Where a run's data comes from: the embedded MNIST sample, a CSV file (a path, on every machine that runs it) or an
 * http(s) URL, with the sha256 of its bytes (required for a path or URL, optional for the sample): a worker that
 * reads other bytes fails the run instead of training on different data.
 */
export interface DataRef {
  /** The embedded sample ("mnist"), split 8,000 / 2,000 by default. */
  sample?: "mnist";
  /** A CSV file (gzipped or not); relative paths are resolved against the spec file's folder. */
  path?: string;
  /** A CSV file over http(s). */
  url?: string;
  /** Hex sha256 of the file's bytes (of the embedded sample's .bin.gz for `sample`). */
  sha256?: string;
  /** The CSV's label column, by header name or 0-based index (default: "label", else the first). */
  label?: string | number;
  /** Share of a CSV held out for evaluation (default 0.2). */
  holdout?: number;
  /** Held-out rows of the embedded sample (default 2,000). */
  testCount?: number;
  /** Seed of the train/held-out split, the same for every run of the sweep (default 0). */
  splitSeed?: number;
  /** Train on the first N training rows only. */
  limit?: number;
}

/** One run, complete: what a worker needs to train it and what its id is the hash of. */
export interface RunSpec {
  optimizer: OptimizerSpec;
  schedule?: ScheduleSpec;
  seed: number;
  /** The network, passed to `train` as it is (e.g. `{ layers: [784, 100, 10] }`). */
  model: { layers: number[] };
  data: DataRef;
  epochs: number;
  batchSize: number;
  normalize?: 255 | 256;
}

export interface SweepBudget {
  /** The most runs the spec may expand to (a guard against a grid larger than meant). */
  runs?: number;
  /** Wall-clock minutes after which `optimlab sweep` stops waiting; a rerun continues where it stopped. */
  minutes?: number;
}

/** An expanded run: its id and its complete spec. */
export interface PlannedRun {
  id: string;
  spec: RunSpec;
}

export interface SweepPlan {
  name?: string;
  runs: PlannedRun[];
  budget: SweepBudget;
  /** Runs the grid and list named twice (same spec, same id), run once. */
  duplicates: number;
}

/** Settings of a run that a sweep spec may give at the top level, in a grid axis or in a listed run. */
const RUN_KEYS = ["optimizer", "schedule", "seed", "model", "data", "epochs", "batchSize", "normalize"] as const;
const SWEEP_KEYS = new Set<string>([...RUN_KEYS, "name", "grid", "runs", "budget"]);
const DATA_KEYS = new Set(["sample", "path", "url", "sha256", "label", "holdout", "testCount", "splitSeed", "limit"]);

/** Defaults of the settings a spec leaves out: compare's (3 epochs, batch 256, seed 0, the embedded sample). */
const DEFAULTS = { epochs: 3, batchSize: 256, seed: 0, data: { sample: "mnist" } } as const;

type Settings = Record<string, unknown>;

/** JSON with object keys sorted at every level and nothing undefined: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  if (typeof value === "number" && !Number.isFinite(value)) throw new SweepSpecError(`${value} is not valid JSON`);
  return JSON.stringify(value);
}

/** A run's id: the first 16 hex digits of the sha256 of its canonical spec. */
export function runId(spec: RunSpec): string {
  return createHash("sha256").update(canonicalJson(spec)).digest("hex").slice(0, 16);
}

function isObject(value: unknown): value is Settings {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function positiveInteger(value: unknown, path: string): number {
  if (!Number.isInteger(value) || (value as number) < 1)
    throw new SweepSpecError(`${path} must be a positive integer, got ${JSON.stringify(value)}`);
  return value as number;
}

function checkDataRef(value: unknown, path: string, specDir: string): DataRef {
  if (!isObject(value))
    throw new SweepSpecError(`${path} must be an object such as { "sample": "mnist" } or { "path": …, "sha256": … }`);
  for (const key of Object.keys(value)) {
    if (!DATA_KEYS.has(key))
      throw new SweepSpecError(`${path}: unknown key "${key}"; known keys: ${[...DATA_KEYS].join(", ")}`);
  }
  const sources = (["sample", "path", "url"] as const).filter((key) => value[key] !== undefined);
  if (sources.length !== 1)
    throw new SweepSpecError(`${path} must name exactly one of sample, path, url; got ${sources.join(", ") || "none"}`);
  const ref: DataRef = { ...value };
  if (value.sample !== undefined && value.sample !== "mnist")
    throw new SweepSpecError(
      `${path}.sample must be "mnist" (the embedded sample), got ${JSON.stringify(value.sample)}`,
    );
  if (value.path !== undefined) {
    if (typeof value.path !== "string" || value.path === "")
      throw new SweepSpecError(`${path}.path must be a file path`);
    ref.path = isAbsolute(value.path) ? value.path : resolve(specDir, value.path);
  }
  if (value.url !== undefined && (typeof value.url !== "string" || !/^https?:\/\//.test(value.url)))
    throw new SweepSpecError(`${path}.url must be an http:// or https:// URL, got ${JSON.stringify(value.url)}`);
  if (value.sha256 !== undefined && (typeof value.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(value.sha256)))
    throw new SweepSpecError(`${path}.sha256 must be 64 lowercase hex digits, got ${JSON.stringify(value.sha256)}`);
  if (value.sample === undefined && value.sha256 === undefined)
    throw new SweepSpecError(
      `${path}.sha256 is required for a ${value.path !== undefined ? "path" : "URL"}: every worker checks it reads the same bytes (sha256sum FILE prints it)`,
    );
  if (value.label !== undefined && typeof value.label !== "string" && !Number.isInteger(value.label))
    throw new SweepSpecError(`${path}.label must be a column name or a 0-based index`);
  if (value.holdout !== undefined && !(typeof value.holdout === "number" && value.holdout >= 0 && value.holdout < 1))
    throw new SweepSpecError(`${path}.holdout must be in [0, 1), got ${JSON.stringify(value.holdout)}`);
  if (value.sample !== undefined && (value.holdout !== undefined || value.label !== undefined))
    throw new SweepSpecError(`${path}: holdout and label apply to CSV data; the sample takes testCount`);
  if (value.sample === undefined && value.testCount !== undefined)
    throw new SweepSpecError(`${path}.testCount applies to the sample; a CSV takes holdout`);
  if (value.testCount !== undefined && !(Number.isInteger(value.testCount) && (value.testCount as number) >= 0))
    throw new SweepSpecError(`${path}.testCount must be a non-negative integer`);
  if (value.splitSeed !== undefined && !(Number.isInteger(value.splitSeed) && (value.splitSeed as number) >= 0))
    throw new SweepSpecError(`${path}.splitSeed must be a non-negative integer`);
  if (value.limit !== undefined) positiveInteger(value.limit, `${path}.limit`);
  return ref;
}

/** Checks one merged run and returns it complete; `path` says where it came from for the messages. */
function checkRun(settings: Settings, path: string, specDir: string): RunSpec {
  const { optimizer, schedule, seed, model, data, epochs, batchSize, normalize } = settings;
  if (!isObject(optimizer) || typeof optimizer.name !== "string" || optimizer.name === "")
    throw new SweepSpecError(`${path}: optimizer must be an object with a name, e.g. { "name": "adam", "lr": 0.001 }`);
  if ("label" in optimizer)
    throw new SweepSpecError(`${path}: optimizer labels are made by the report from what varies; leave "label" out`);
  if (schedule !== undefined && schedule !== null && (!isObject(schedule) || typeof schedule.name !== "string"))
    throw new SweepSpecError(`${path}: schedule must be null or an object with a name, e.g. { "name": "cosine" }`);
  if (!Number.isInteger(seed) || (seed as number) < 0)
    throw new SweepSpecError(`${path}: seed must be a non-negative integer, got ${JSON.stringify(seed)}`);
  if (!isObject(model) || !Array.isArray(model.layers))
    throw new SweepSpecError(`${path}: model must be an object such as { "layers": [784, 100, 10] }`);
  if (normalize !== undefined && normalize !== 255 && normalize !== 256)
    throw new SweepSpecError(`${path}: normalize must be 255 or 256, got ${JSON.stringify(normalize)}`);
  const run: RunSpec = {
    optimizer: { ...optimizer, name: optimizer.name.toLowerCase() } as OptimizerSpec,
    seed: seed as number,
    model: model as RunSpec["model"],
    data: checkDataRef(data, `${path}: data`, specDir),
    epochs: positiveInteger(epochs, `${path}: epochs`),
    batchSize: positiveInteger(batchSize, `${path}: batchSize`),
  };
  if (isObject(schedule)) run.schedule = schedule as unknown as ScheduleSpec;
  if (normalize !== undefined) run.normalize = normalize as 255 | 256;
  return run;
}

/**
 * Applies one setting to `settings`: a run key replaces its value; `lr` and `optimizer.<option>` set an option of the
 * optimizer (so a grid can cross optimizers with lrs). Unknown keys are errors naming `path`.
 */
function applySetting(settings: Settings, key: string, value: unknown, path: string): void {
  const option = key === "lr" ? "lr" : key.startsWith("optimizer.") ? key.slice("optimizer.".length) : undefined;
  if (option !== undefined) {
    if (option === "" || option === "name" || option === "label")
      throw new SweepSpecError(`${path}: "${key}" cannot be set this way`);
    const optimizer = settings.optimizer;
    settings.optimizer = { ...(isObject(optimizer) ? optimizer : {}), [option]: value };
  } else if ((RUN_KEYS as readonly string[]).includes(key)) {
    settings[key] = value;
  } else {
    throw new SweepSpecError(
      `${path}: unknown setting "${key}"; a run takes ${RUN_KEYS.join(", ")}, lr and optimizer.<option>`,
    );
  }
}

/** The combinations of one grid, axes in their order (the last axis varies fastest), each as [key, value] pairs. */
function gridCombinations(grid: unknown, path: string): [string, unknown][][] {
  if (!isObject(grid)) throw new SweepSpecError(`${path} must be an object of axes, e.g. { "lr": [0.001, 0.01] }`);
  const axes = Object.entries(grid);
  if (axes.length === 0) throw new SweepSpecError(`${path} has no axes`);
  let combinations: [string, unknown][][] = [[]];
  for (const [key, values] of axes) {
    if (!Array.isArray(values) || values.length === 0)
      throw new SweepSpecError(`${path}.${key} must be a non-empty array of values`);
    combinations = combinations.flatMap((combination) =>
      values.map((value): [string, unknown][] => [...combination, [key, value]]),
    );
  }
  return combinations;
}

/**
 * The spec's top level overridden by a grid combination or a listed run. Options set through `lr` or
 * `optimizer.<option>` are applied after any `optimizer` value, so they survive it whatever the axes' order.
 */
function mergeSettings(base: Settings, pairs: [string, unknown][], path: string): Settings {
  const optionKeys = pairs.filter(([key]) => key === "lr" || key.startsWith("optimizer.")).map(([key]) => key);
  const ordered = [
    ...pairs.filter(([key]) => !optionKeys.includes(key)),
    ...pairs.filter(([key]) => optionKeys.includes(key)),
  ];
  const settings: Settings = { ...base };
  for (const [key, value] of ordered) applySetting(settings, key, value, path);
  return settings;
}

/** Expands a sweep spec (parsed JSON) into its runs. `specDir` resolves relative data paths. */
export function expandSweep(spec: unknown, specDir: string): SweepPlan {
  if (!isObject(spec)) throw new SweepSpecError("a sweep spec must be a JSON object");
  for (const key of Object.keys(spec)) {
    if (!SWEEP_KEYS.has(key))
      throw new SweepSpecError(`unknown key "${key}"; a sweep spec takes ${[...SWEEP_KEYS].join(", ")}`);
  }
  if (spec.name !== undefined && typeof spec.name !== "string") throw new SweepSpecError("name must be a string");
  const base: Settings = { ...DEFAULTS };
  for (const key of RUN_KEYS) if (spec[key] !== undefined) base[key] = spec[key];
  if (spec.grid === undefined && spec.runs === undefined)
    throw new SweepSpecError('a sweep spec needs a "grid" (axes to cross) or "runs" (a list of runs), or both');

  const merged: { settings: Settings; path: string }[] = [];
  const grids = spec.grid === undefined ? [] : Array.isArray(spec.grid) ? spec.grid : [spec.grid];
  grids.forEach((grid, g) => {
    const path = Array.isArray(spec.grid) ? `grid[${g}]` : "grid";
    gridCombinations(grid, path).forEach((pairs, c) =>
      merged.push({ settings: mergeSettings(base, pairs, path), path: `${path} combination ${c + 1}` }),
    );
  });
  if (spec.runs !== undefined) {
    if (!Array.isArray(spec.runs)) throw new SweepSpecError("runs must be an array of run settings");
    spec.runs.forEach((run, r) => {
      if (!isObject(run)) throw new SweepSpecError(`runs[${r}] must be an object`);
      merged.push({ settings: mergeSettings(base, Object.entries(run), `runs[${r}]`), path: `runs[${r}]` });
    });
  }

  const budget = checkBudget(spec.budget);
  if (budget.runs !== undefined && merged.length > budget.runs)
    throw new SweepSpecError(
      `the spec expands to ${merged.length} runs, over its budget of ${budget.runs} (budget.runs)`,
    );
  const runs: PlannedRun[] = [];
  const seen = new Set<string>();
  for (const { settings, path } of merged) {
    const run = checkRun(settings, path, specDir);
    const id = runId(run);
    if (seen.has(id)) continue;
    seen.add(id);
    runs.push({ id, spec: run });
  }
  return { name: spec.name as string | undefined, runs, budget, duplicates: merged.length - runs.length };
}

function checkBudget(budget: unknown): SweepBudget {
  if (budget === undefined) return {};
  if (!isObject(budget)) throw new SweepSpecError('budget must be an object such as { "runs": 200, "minutes": 60 }');
  for (const key of Object.keys(budget)) {
    if (key !== "runs" && key !== "minutes")
      throw new SweepSpecError(`budget: unknown key "${key}"; a budget takes runs and minutes`);
  }
  const checked: SweepBudget = {};
  if (budget.runs !== undefined) checked.runs = positiveInteger(budget.runs, "budget.runs");
  if (budget.minutes !== undefined) {
    if (typeof budget.minutes !== "number" || !(budget.minutes > 0))
      throw new SweepSpecError(`budget.minutes must be a positive number, got ${JSON.stringify(budget.minutes)}`);
    checked.minutes = budget.minutes;
  }
  return checked;
}
