// Sweep specs: a JSON file with shared settings, a grid (or several) and/or a list of runs, and a budget, expanded
// into complete run specs. A run's id is the hash of its canonical spec (keys sorted), so the same run gets the same
// id in every process and on every machine: that is what makes results resumable and stored exactly once.
import { createHash } from "node:crypto";
import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { checkStepSettings, trainerConfig, type StepSettings } from "../model.js";
import {
  DEEPOBS_QUADRATIC_FEATURES,
  MODEL_PROBLEMS,
  problemInfo,
  type ProblemData,
  type ProblemInfo,
} from "../problems.js";
import { compileModule } from "../wasm-node.js";
import { instantiate, wasm } from "../wasm.js";
import type { ModelSpec, OptimizerSpec, ScheduleSpec } from "../types.js";

/** A mistake in a sweep spec; the message names the field (e.g. `grid[1].lr[2]`). */
export class SweepSpecError extends Error {
  override name = "SweepSpecError";
}

/** Data every machine has or makes by name: Fashion-MNIST (Debian's dataset-fashion-mnist), DeepOBS's quadratic data (drawn in wasm). */
export type NamedDataset = "fashion-mnist" | "deepobs-quadratic";
const NAMED_DATASETS: readonly NamedDataset[] = ["fashion-mnist", "deepobs-quadratic"];

/**
 * Where a run's data comes from: the embedded MNIST sample, a dataset by name, a CSV file (a path, on every machine
 * that runs it) or an http(s) URL, with the sha256 of its bytes (required for a path or URL, optional for the
 * sample): a worker that reads other bytes fails the run instead of training on different data.
 */
export interface DataRef {
  /** The embedded sample ("mnist"), split 8,000 / 2,000 by default. */
  sample?: "mnist";
  /** Fashion-MNIST's 60,000 / 10,000 images from Debian's dataset-fashion-mnist, or DeepOBS's quadratic data (1,000 / 1,000 rows). */
  dataset?: NamedDataset;
  /** A CSV file (gzipped or not); relative paths are resolved against the spec file's folder. */
  path?: string;
  /** A CSV file over http(s). */
  url?: string;
  /** Hex sha256 of the file's bytes (of the embedded sample's .bin.gz for `sample`). */
  sha256?: string;
  /** The CSV's label column, by header name or 0-based index (default: "label", else the first). */
  label?: string | number;
  /** The CSV's numeric target column for regression (float features, MSE), by header name or index (−1: the last). */
  target?: string | number;
  /** Share of a CSV held out for evaluation (default 0.2). */
  holdout?: number;
  /** Held-out rows of the embedded sample (default 2,000). */
  testCount?: number;
  /** Seed of the train/held-out split, the same for every run of the sweep (default 0). */
  splitSeed?: number;
  /** Train on the first N training rows only. */
  limit?: number;
}

/**
 * One run, complete: what a worker needs to train it and what its id is the hash of. Its step settings
 * (`clipGradNorm`, `clipGradValue`, `nonFinite`, `maxConsecutiveErrors`) are compare's.
 */
export interface RunSpec extends StepSettings {
  optimizer: OptimizerSpec;
  schedule?: ScheduleSpec;
  seed: number;
  /** The problem of the registry the run trains (its model, data, batch size and epochs were the defaults). */
  problem?: string;
  /** The network, passed to `train` as it is: the MLP `{ layers: [784, 100, 10] }` or `{ input, layers, loss }`. */
  model: ModelSpec;
  data: DataRef;
  epochs: number;
  batchSize: number;
  /** Each epoch leaves out its last partial batch (torch DataLoader's drop_last; DeepOBS's quadratics). */
  dropLast?: boolean;
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
const STEP_KEYS = ["clipGradNorm", "clipGradValue", "nonFinite", "maxConsecutiveErrors"] as const;
const RUN_KEYS = [
  "problem",
  "optimizer",
  "schedule",
  "seed",
  "model",
  "data",
  "epochs",
  "batchSize",
  "dropLast",
  "normalize",
  ...STEP_KEYS,
] as const;
const SWEEP_KEYS = new Set<string>([...RUN_KEYS, "name", "grid", "runs", "budget"]);
const DATA_SOURCES = ["sample", "dataset", "path", "url"] as const;
const DATA_KEYS = new Set<string>([
  ...DATA_SOURCES,
  "sha256",
  "label",
  "target",
  "holdout",
  "testCount",
  "splitSeed",
  "limit",
]);

/**
 * Defaults of the settings a spec leaves out: the problem's model, data, batch size, epochs and dropLast when it
 * names one, else compare's (3 epochs, batch 256, the embedded sample); seed 0.
 */
const DEFAULTS = { epochs: 3, batchSize: 256, seed: 0, data: { sample: "mnist" } } as const;

/** The data source a problem's data is named by in a spec (csv_regression's CSV: a path or URL the spec gives). */
const PROBLEM_DATA: Partial<Record<ProblemData, DataRef>> = {
  "mnist-sample": { sample: "mnist" },
  "fashion-mnist": { dataset: "fashion-mnist" },
  "deepobs-quadratic": { dataset: "deepobs-quadratic" },
};

/** Values per row of the data named by source, for checking a model's input before anything is read. */
const NAMED_FEATURES = { sample: 28 * 28, "fashion-mnist": 28 * 28, "deepobs-quadratic": DEEPOBS_QUADRATIC_FEATURES };

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
  const sources = DATA_SOURCES.filter((key) => value[key] !== undefined);
  if (sources.length !== 1)
    throw new SweepSpecError(
      `${path} must name exactly one of ${DATA_SOURCES.join(", ")}; got ${sources.join(", ") || "none"}`,
    );
  const ref: DataRef = { ...value };
  const csv = value.path !== undefined || value.url !== undefined;
  if (value.sample !== undefined && value.sample !== "mnist")
    throw new SweepSpecError(
      `${path}.sample must be "mnist" (the embedded sample), got ${JSON.stringify(value.sample)}`,
    );
  if (value.dataset !== undefined && !NAMED_DATASETS.includes(value.dataset as NamedDataset))
    throw new SweepSpecError(
      `${path}.dataset must be one of ${NAMED_DATASETS.map((name) => `"${name}"`).join(", ")}, got ${JSON.stringify(value.dataset)}`,
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
  if (csv && value.sha256 === undefined)
    throw new SweepSpecError(
      `${path}.sha256 is required for a ${value.path !== undefined ? "path" : "URL"}: every worker checks it reads the same bytes (sha256sum FILE prints it)`,
    );
  if (value.dataset !== undefined && value.sha256 !== undefined)
    throw new SweepSpecError(`${path}.sha256 applies to the sample and CSV files, not to a dataset by name`);
  for (const column of ["label", "target"] as const) {
    if (value[column] !== undefined && typeof value[column] !== "string" && !Number.isInteger(value[column]))
      throw new SweepSpecError(`${path}.${column} must be a column name or a 0-based index`);
  }
  if (value.label !== undefined && value.target !== undefined)
    throw new SweepSpecError(`${path}: give label (classes) or target (regression), not both`);
  if (value.holdout !== undefined && !(typeof value.holdout === "number" && value.holdout >= 0 && value.holdout < 1))
    throw new SweepSpecError(`${path}.holdout must be in [0, 1), got ${JSON.stringify(value.holdout)}`);
  if (!csv && (value.holdout !== undefined || value.label !== undefined || value.target !== undefined))
    throw new SweepSpecError(`${path}: holdout, label and target apply to CSV data`);
  if (value.sample === undefined && value.testCount !== undefined)
    throw new SweepSpecError(`${path}.testCount applies to the sample; a CSV takes holdout`);
  if (value.dataset !== undefined && value.splitSeed !== undefined)
    throw new SweepSpecError(`${path}.splitSeed does not apply to ${value.dataset}: it has its own held-out set`);
  if (value.testCount !== undefined && !(Number.isInteger(value.testCount) && (value.testCount as number) >= 0))
    throw new SweepSpecError(`${path}.testCount must be a non-negative integer`);
  if (value.splitSeed !== undefined && !(Number.isInteger(value.splitSeed) && (value.splitSeed as number) >= 0))
    throw new SweepSpecError(`${path}.splitSeed must be a non-negative integer`);
  if (value.limit !== undefined) positiveInteger(value.limit, `${path}.limit`);
  return ref;
}

/** The problem a run names, or an error listing the registry's problems. */
function checkProblem(value: unknown, path: string): ProblemInfo {
  if (typeof value !== "string")
    throw new SweepSpecError(`${path}: problem must be a name, one of ${MODEL_PROBLEMS.join(", ")}`);
  try {
    return problemInfo(value);
  } catch (error) {
    if (error instanceof ConfigError) throw new SweepSpecError(`${path}: ${error.message}`);
    throw error;
  }
}

/**
 * The run's data: what the spec gives, its source (left out) filled in from the problem; a source the problem does
 * not train on is an error.
 */
function problemData(data: unknown, problem: ProblemInfo | undefined, path: string): unknown {
  if (problem === undefined) return data ?? DEFAULTS.data;
  const given = isObject(data) ? data : data === undefined ? {} : undefined;
  if (given === undefined) return data; // checkDataRef names the mistake
  const named = DATA_SOURCES.filter((key) => given[key] !== undefined);
  const source = PROBLEM_DATA[problem.data];
  if (source === undefined) {
    if (named.length === 0 || named.some((key) => key !== "path" && key !== "url"))
      throw new SweepSpecError(
        `${path}: problem ${problem.name} trains on a CSV file: give data { "path" or "url", "sha256", "target" }`,
      );
    return { target: -1, ...given };
  }
  if (named.length === 0) return { ...source, ...given };
  const [key, value] = Object.entries(source)[0]!;
  if (named.length === 1 && given[key] === value) return given;
  const other = Object.fromEntries(named.map((name) => [name, given[name]]));
  throw new SweepSpecError(
    `${path}: problem ${problem.name} trains on ${JSON.stringify(source)}, not ${JSON.stringify(other)}; leave the data's source out to take the problem's`,
  );
}

/** A model's shape in the spec: the MLP `{ layers: [widths] }` or a layer list `{ input, layers, loss }`. */
function checkModelShape(model: unknown, path: string): ModelSpec {
  const example = '{ "layers": [784, 100, 10] } or { "input": [1, 28, 28], "layers": [...], "loss": "cross_entropy" }';
  if (!isObject(model) || !Array.isArray(model.layers))
    throw new SweepSpecError(`${path}: model must be an object such as ${example}, or give a problem`);
  const layerList = "input" in model || "loss" in model;
  if (layerList && !(Array.isArray(model.input) && typeof model.loss === "string"))
    throw new SweepSpecError(`${path}: a layer-list model needs "input" (one sample's shape) and "loss": ${example}`);
  if (!layerList && !model.layers.every((width) => Number.isInteger(width) && (width as number) > 0))
    throw new SweepSpecError(
      `${path}: model.layers must list positive integer widths (the MLP), or give "input" and "loss" with layer objects`,
    );
  for (const key of Object.keys(model)) {
    if (!["input", "layers", "loss"].includes(key))
      throw new SweepSpecError(`${path}: model: unknown key "${key}"; a model takes input, layers and loss`);
  }
  return model as unknown as ModelSpec;
}

/** Checks one merged run and returns it complete; `path` says where it came from for the messages. */
function checkRun(settings: Settings, path: string, specDir: string): RunSpec {
  const { optimizer, schedule, seed, model, data, epochs, batchSize, dropLast, normalize } = settings;
  const problem = settings.problem === undefined ? undefined : checkProblem(settings.problem, path);
  if (!isObject(optimizer) || typeof optimizer.name !== "string" || optimizer.name === "")
    throw new SweepSpecError(`${path}: optimizer must be an object with a name, e.g. { "name": "adam", "lr": 0.001 }`);
  if ("label" in optimizer)
    throw new SweepSpecError(`${path}: optimizer labels are made by the report from what varies; leave "label" out`);
  if (schedule !== undefined && schedule !== null && (!isObject(schedule) || typeof schedule.name !== "string"))
    throw new SweepSpecError(`${path}: schedule must be null or an object with a name, e.g. { "name": "cosine" }`);
  if (!Number.isInteger(seed) || (seed as number) < 0)
    throw new SweepSpecError(`${path}: seed must be a non-negative integer, got ${JSON.stringify(seed)}`);
  if (model === undefined && problem?.data === "csv")
    throw new SweepSpecError(
      `${path}: problem ${problem.name} sizes its model to the CSV: give model { "input": [features], "layers": [...], "loss": "mse" }`,
    );
  if (normalize !== undefined && normalize !== 255 && normalize !== 256)
    throw new SweepSpecError(`${path}: normalize must be 255 or 256, got ${JSON.stringify(normalize)}`);
  if (dropLast !== undefined && typeof dropLast !== "boolean")
    throw new SweepSpecError(`${path}: dropLast must be true or false, got ${JSON.stringify(dropLast)}`);
  const steps: StepSettings = Object.fromEntries(
    STEP_KEYS.filter((key) => settings[key] !== undefined).map((key) => [key, settings[key]]),
  );
  try {
    checkStepSettings(steps);
  } catch (error) {
    if (error instanceof ConfigError) throw new SweepSpecError(`${path}: ${error.message}`);
    throw error;
  }
  const run: RunSpec = {
    optimizer: { ...optimizer, name: optimizer.name.toLowerCase() } as OptimizerSpec,
    seed: seed as number,
    ...(problem ? { problem: problem.name } : {}),
    model: checkModelShape(model ?? problem?.model, path),
    data: checkDataRef(problemData(data, problem, path), `${path}: data`, specDir),
    epochs: positiveInteger(epochs ?? problem?.epochs ?? DEFAULTS.epochs, `${path}: epochs`),
    batchSize: positiveInteger(batchSize ?? problem?.batchSize ?? DEFAULTS.batchSize, `${path}: batchSize`),
    ...steps,
  };
  if (isObject(schedule)) run.schedule = schedule as unknown as ScheduleSpec;
  if ((dropLast ?? problem?.dropLast) === true) run.dropLast = true;
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

/**
 * Expands a sweep spec (parsed JSON) into its runs. `specDir` resolves relative data paths. `checkModel` (see
 * `planSweep`) checks each run's model further, throwing what is wrong with it.
 */
export function expandSweep(spec: unknown, specDir: string, checkModel?: (run: RunSpec) => void): SweepPlan {
  if (!isObject(spec)) throw new SweepSpecError("a sweep spec must be a JSON object");
  for (const key of Object.keys(spec)) {
    if (!SWEEP_KEYS.has(key))
      throw new SweepSpecError(`unknown key "${key}"; a sweep spec takes ${[...SWEEP_KEYS].join(", ")}`);
  }
  if (spec.name !== undefined && typeof spec.name !== "string") throw new SweepSpecError("name must be a string");
  // A problem named at the top level is checked here, so that its mistake is named once, where it is.
  if (spec.problem !== undefined) checkProblem(spec.problem, "problem");
  const base: Settings = { seed: DEFAULTS.seed };
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
    try {
      checkModel?.(run);
    } catch (error) {
      throw new SweepSpecError(`${path}: model: ${(error as Error).message}`);
    }
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

/**
 * `expandSweep` with each run's model put through the Trainer's own checks — compare's errors, naming the layer
 * (`layer 5 (linear): expects 100 inputs, the previous layer gives 784`) — and its input checked against the features
 * of data named by source, so that a bad model is refused before any run is queued, not failed by every worker.
 */
export async function planSweep(spec: unknown, specDir: string): Promise<SweepPlan> {
  instantiate(await compileModule());
  const checked = new Set<string>();
  return expandSweep(spec, specDir, (run) => {
    const { model, data } = run;
    const features = data.sample ? NAMED_FEATURES.sample : data.dataset ? NAMED_FEATURES[data.dataset] : undefined;
    // Checked once per model and settings: the seed and the optimizer play no part.
    const config = trainerConfig({ ...run, model, seed: 0 }, { name: "sgd" }, 1);
    const key = canonicalJson({ config, features });
    if (checked.has(key)) return;
    const info = JSON.parse(wasm.checkTrainerConfig(JSON.stringify(config))) as { input: number[]; inputs: number };
    if (features !== undefined && info.inputs !== features)
      throw new Error(
        `its input ${JSON.stringify(info.input)} takes ${info.inputs} values, but each row of ${JSON.stringify(data.sample ? { sample: data.sample } : { dataset: data.dataset })} has ${features}`,
      );
    checked.add(key);
  });
}
