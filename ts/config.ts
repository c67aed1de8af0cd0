// A comparison's whole configuration as plain JSON — what the demo keeps in its URL hash and what reports embed —
// and the `optimlab compare` command line that runs the same comparison. Browser-safe, pure.
import type { LrGrid } from "./client.js";
import type { ComparedOptimizer, ScheduleSpec } from "./types.js";

/**
 * Where a comparison's data came from: the problem's own (the embedded sample, or DeepOBS's quadratic data; its first
 * `trainRows` training rows) or a CSV file, with a label column or, for regression (csv_regression), a `target` column.
 */
export type DataChoice =
  { source: "sample"; trainRows?: number } | { source: "csv"; file: string; testFraction: number; target?: string };

/** Everything that determines a comparison's numbers. */
export interface ComparisonConfig {
  data: DataChoice;
  /** A problem of the registry (its model); left out: the notebook's, mnist_mlp. With a CSV target: csv_regression. */
  problem?: string;
  optimizers: ComparedOptimizer[];
  epochs: number;
  batchSize: number;
  seed: number;
  seeds: number;
  tune?: { lr: LrGrid };
  schedule?: ScheduleSpec;
}

/** An option value as `--opt` and `--schedule` write it: numbers, true/false, tuples a/b. */
function optionText(value: unknown): string {
  return Array.isArray(value) ? value.join("/") : String(value);
}

/**
 * The `--opt` (or `--schedule`) text of a spec: `name:key=value,…`, lr and lrRule first, its label last, then a run's
 * own schedule after `@` (`@none` for none).
 */
export function specText(spec: { name: string; label?: string; [option: string]: unknown }): string {
  const first = ["lr", "lrRule"];
  const rank = (key: string) => (first.includes(key) ? first.indexOf(key) : first.length);
  const options = Object.entries(spec)
    .filter(([key, value]) => key !== "name" && key !== "label" && key !== "schedule" && value !== undefined)
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([key, value]) => `${key}=${optionText(value)}`);
  if (spec.label !== undefined) options.push(`label=${spec.label}`);
  const text = options.length === 0 ? spec.name : `${spec.name}:${options.join(",")}`;
  if (spec.schedule === null) return `${text}@none`;
  return spec.schedule === undefined ? text : `${text}@${scheduleText(spec.schedule as ScheduleSpec)}`;
}

/** The `--schedule` text of a schedule: as `specText`, a composite as `NAME(SCHEDULE; …; KEY=VALUE)`. */
export function scheduleText(spec: ScheduleSpec): string {
  const { schedulers, ...rest } = spec as { name: string; schedulers?: ScheduleSpec[]; [option: string]: unknown };
  if (!Array.isArray(schedulers)) return specText(rest);
  const options = Object.entries(rest)
    .filter(([key, value]) => key !== "name" && value !== undefined)
    .map(([key, value]) => `${key}=${optionText(value)}`);
  return `${rest.name}(${[...schedulers.map(scheduleText), ...options].join("; ")})`;
}

/** A word quoted for a POSIX shell when it holds anything beyond plain characters. */
export function shellWord(text: string): string {
  return /^[\w.:=,/+@%-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The `optimlab compare` command that runs `config` (a CSV is named by its file name: run it where the file is). */
export function compareCommand(config: ComparisonConfig): string {
  const words = ["optimlab", "compare"];
  for (const spec of config.optimizers) words.push("--opt", shellWord(specText(spec as { name: string })));
  if (config.data.source === "csv") {
    words.push("--csv", shellWord(config.data.file));
    if (config.data.target !== undefined) words.push("--target", shellWord(config.data.target));
    words.push("--holdout", String(config.data.testFraction));
  } else {
    if (config.problem !== undefined) words.push("--problem", shellWord(config.problem));
    if (config.data.trainRows !== undefined) words.push("--limit", String(config.data.trainRows));
  }
  words.push(
    "--epochs",
    String(config.epochs),
    "--batch-size",
    String(config.batchSize),
    "--seed",
    String(config.seed),
  );
  words.push("--seeds", String(config.seeds));
  if (config.tune) words.push("--tune-lr", `${config.tune.lr.min}:${config.tune.lr.max}:${config.tune.lr.points}`);
  if (config.schedule) words.push("--schedule", shellWord(scheduleText(config.schedule)));
  return words.join(" ");
}

/** The URL fragment holding `config`: `config=` and its JSON, percent-encoded (numbers round-trip exactly). */
export function configToHash(config: ComparisonConfig): string {
  return `config=${encodeURIComponent(JSON.stringify(config))}`;
}

/** Keys that would reach an object's prototype if code merged the configuration into another object. */
const RESERVED_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Why `value` cannot be a linked configuration, naming where: a key `__proto__`, `constructor` or `prototype` at any
 * depth, or a number beyond a double (`1e999` parses as Infinity); undefined when it has neither.
 */
function untrusted(value: unknown, path: string): string | undefined {
  if (typeof value === "number")
    return Number.isFinite(value) ? undefined : `Invalid ${path}: ${value} (numbers must be finite)`;
  if (typeof value !== "object" || value === null) return undefined;
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [`${path}[${index}]`, item])
    : Object.keys(value).map((key) => [path === "" ? key : `${path}.${key}`, (value as Record<string, unknown>)[key]]);
  if (!Array.isArray(value)) {
    const reserved = Object.keys(value).find((key) => RESERVED_KEYS.has(key));
    if (reserved !== undefined)
      return `a key named ${reserved} ${path === "" ? "at its top" : `in ${path}`} is not an option of anything`;
  }
  for (const [inner, item] of entries) {
    const found = untrusted(item, inner);
    if (found) return found;
  }
  return undefined;
}

/**
 * The configuration in a URL fragment made by `configToHash` (with or without its "#"), undefined when the fragment
 * holds none. A fragment comes from whoever wrote the link: its shape is checked, keys named `__proto__`,
 * `constructor` or `prototype` and numbers beyond a double are refused, and a bad one throws an Error that says what
 * is wrong (the values of options are checked by `compare` as any input is, with torch's messages).
 */
export function configFromHash(hash: string): ComparisonConfig | undefined {
  const text = hash.replace(/^#/, "");
  if (!text.startsWith("config=")) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(decodeURIComponent(text.slice("config=".length)));
  } catch (error) {
    throw new Error(`the link's configuration is not valid JSON (${(error as Error).message})`);
  }
  const isObject = (x: unknown): x is Record<string, unknown> =>
    typeof x === "object" && x !== null && !Array.isArray(x);
  if (!isObject(value)) throw new Error("the link's configuration must be a JSON object");
  const refused = untrusted(value, "");
  if (refused) throw new Error(`the link's configuration is refused: ${refused}`);
  const config = value;
  for (const key of ["epochs", "batchSize", "seed", "seeds"]) {
    if (typeof config[key] !== "number") throw new Error(`the link's configuration has no number ${key}`);
  }
  const optimizers = config.optimizers;
  if (
    !Array.isArray(optimizers) ||
    optimizers.length === 0 ||
    !optimizers.every((spec) => isObject(spec) && typeof spec.name === "string")
  )
    throw new Error("the link's configuration must list optimizers, each an object with a name");
  const data = config.data;
  if (!isObject(data) || (data.source !== "sample" && data.source !== "csv"))
    throw new Error('the link\'s configuration must say its data: { source: "sample" } or { source: "csv", … }');
  if (data.target !== undefined && typeof data.target !== "string")
    throw new Error("the link's data.target must be a column name or index as text");
  if (config.problem !== undefined && typeof config.problem !== "string")
    throw new Error("the link's problem must be a name such as mnist_2c2d");
  if (config.schedule !== undefined && !(isObject(config.schedule) && typeof config.schedule.name === "string"))
    throw new Error("the link's schedule must be an object with a name");
  return config as unknown as ComparisonConfig;
}
