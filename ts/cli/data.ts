// The data and training flags that compare, notebook and lr-find share, and the data and model they name.
import { readFile } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import type { CsvProgress } from "../data/csv.js";
import { DataError } from "../data/errors.js";
import { loadMnistSample } from "../data/mnist-sample.js";
import { ConfigError } from "../errors.js";
import { MODEL_PROBLEMS, problemInfo, type LoadedProblem } from "../problems.js";
import type { StepSettings } from "../model.js";
import type { DataSplit, LayerListSpec, ModelSpec, NonFinitePolicy } from "../types.js";
import { UsageError, flag, layersFlag, type FlagSpec, type ParsedFlags } from "./args.js";
import type { Io } from "./command.js";
import { readReporter } from "./progress.js";
import type { ReadRequest, ReadWorkerMessage } from "./read-protocol.js";

export const DATA_FLAGS: Record<string, FlagSpec> = {
  problem: {
    kind: "string",
    value: "NAME",
    help: `a problem of the registry, its data, model, batch size and epochs: ${MODEL_PROBLEMS.join(", ")} (default: the notebook's, mnist_mlp)`,
  },
  target: {
    kind: "string",
    value: "NAME|INDEX",
    help: "csv_regression: the CSV's numeric target column, by header name or 0-based index (default: the last); implies --problem csv_regression",
  },
  csv: {
    kind: "string",
    value: "FILE",
    help: "train on a CSV file (Kaggle MNIST format by default: header label,pixel0,…)",
  },
  "label-column": {
    kind: "string",
    value: "NAME|INDEX",
    help: "the CSV's label column, by header name or 0-based index (default: label, else the first)",
  },
  "skip-bad-rows": {
    kind: "boolean",
    help: "leave out bad CSV rows (counted, first reasons printed) instead of stopping at the first",
  },
  idx: {
    kind: "string",
    arity: 2,
    value: "IMAGES LABELS",
    help: "train on IDX files (original MNIST format, gzipped or not)",
  },
  holdout: {
    kind: "number",
    value: "FRACTION",
    help: "share of a CSV/IDX file held out for evaluation (default 0.2; 0 for none)",
  },
  classes: {
    kind: "count",
    value: "N",
    help: "the data's classes: a label outside 0…N-1 is an error naming its line and column (default: the largest label + 1)",
  },
  limit: { kind: "count", value: "N", help: "use only the first N training rows (quick trials, tests)" },
};

export const TRAINING_FLAGS: Record<string, FlagSpec> = {
  layers: {
    kind: "string",
    value: "784,100,100,10",
    help: "MLP widths from input to output (default: features,100,100,classes)",
  },
  model: {
    kind: "string",
    value: "FILE",
    help: 'train the model in a JSON file, { "input": [1, 28, 28], "layers": [{ "type": "conv2d", … }, …], "loss": "cross_entropy" }',
  },
  "clip-grad-norm": {
    kind: "number",
    value: "MAX_NORM",
    help: "clip the gradients' total 2-norm to MAX_NORM before each step (torch's clip_grad_norm_)",
  },
  "clip-grad-value": {
    kind: "number",
    value: "VALUE",
    help: "clamp every gradient to [-VALUE, VALUE] before each step (torch's clip_grad_value_)",
  },
  "non-finite": {
    kind: "string",
    value: "stop|skip|propagate",
    help: "a step with a NaN/inf loss or gradient: stop the run (default), skip its update (optax's apply_if_finite), or apply it",
  },
  "max-consecutive-errors": {
    kind: "integer",
    value: "N",
    help: "with --non-finite skip: end the run after more than N non-finite steps in a row (default 5)",
  },
  epochs: { kind: "count", value: "N", help: "passes over the training data (default 3)" },
  "batch-size": { kind: "count", value: "N", help: "rows per step (default 256; 64 in compare's default line-up)" },
  seed: {
    kind: "integer",
    value: "N",
    help: "seed of the split, the initial weights and the batch order, shared by all runs (default 0)",
  },
  workers: {
    kind: "count",
    value: "N",
    help: "worker threads running optimizers in parallel (default: number of cores)",
  },
  normalize: {
    kind: "integer",
    value: "255|256",
    help: "divide pixels by 255 (default) or by 256 as the notebook did",
  },
};

/** A column flag as a header name or a 0-based index. */
function columnFlag(text: string): string | number {
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

/** The problem --problem (or --target) names with its data read, or a usage error naming what is wrong. */
async function problemFromFlags(flags: ParsedFlags, name: string, seed: number): Promise<LoadedProblem> {
  const csv = flag<string>(flags, "csv");
  const target = flag<string>(flags, "target");
  try {
    const info = problemInfo(name);
    if (flags.has("idx")) throw new UsageError("--problem reads its own data; --idx applies without it");
    if (info.data !== "csv" && (csv !== undefined || target !== undefined))
      throw new UsageError(`--csv and --target apply to --problem csv_regression, not ${name}`);
    for (const csvOnly of ["label-column", "classes"])
      if (flags.has(csvOnly)) throw new UsageError(`--${csvOnly} does not apply to --problem ${name}`);
    if (flags.has("holdout") && info.data !== "csv")
      throw new UsageError(`--holdout applies to --problem csv_regression; ${name} has its own held-out set`);
    const { loadProblem } = await import("../problems-node.js"); // its readers only when a problem is named
    return await loadProblem(name, {
      seed,
      ...(flags.has("limit") ? { limit: flag<number>(flags, "limit") } : {}),
      ...(csv === undefined ? {} : { csv }),
      ...(target === undefined ? {} : { target: columnFlag(target) }),
      ...(flags.has("holdout") ? { holdout: flag<number>(flags, "holdout") } : {}),
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/** Reads the data the flags name (a problem's, the embedded sample by default) and applies --limit. */
export async function loadData(
  flags: ParsedFlags,
  seed: number,
  io: Io,
): Promise<{ data: DataSplit; source: string; problem?: LoadedProblem }> {
  const problemName = flag<string>(flags, "problem") ?? (flags.has("target") ? "csv_regression" : undefined);
  if (problemName !== undefined) {
    const problem = await problemFromFlags(flags, problemName, seed);
    return { data: problem.data, source: problem.data.train.source ?? problemName, problem };
  }
  const csv = flag<string>(flags, "csv");
  const idx = flag<string[]>(flags, "idx");
  const holdout = flag<number>(flags, "holdout");
  if (csv !== undefined && idx !== undefined) throw new UsageError("give either --csv or --idx, not both");
  for (const csvOnly of ["label-column", "skip-bad-rows"]) {
    if (flags.has(csvOnly) && csv === undefined) throw new UsageError(`--${csvOnly} applies to --csv only`);
  }
  const classes = flag<number>(flags, "classes");
  if (classes !== undefined && csv === undefined && idx === undefined)
    throw new UsageError("--classes applies to --csv and --idx (the embedded sample has its 10 digits)");
  if (classes !== undefined && classes > 256)
    throw new UsageError(`--classes must be at most 256 (labels are bytes), got ${classes}`);
  if (holdout !== undefined && csv === undefined && idx === undefined) {
    throw new UsageError("--holdout applies to --csv and --idx (the embedded sample has its own 2,000-row test set)");
  }
  if (holdout !== undefined && !(holdout >= 0 && holdout < 1))
    throw new UsageError(`--holdout must be in [0, 1), got ${holdout}`);
  let data: DataSplit;
  let source: string;
  if (csv !== undefined || idx !== undefined) {
    const quiet = flags.has("quiet");
    const reading = csv === undefined ? undefined : readReporter(csv, io.stderr, { quiet });
    const column = flag<string>(flags, "label-column");
    const read = await readSplitInWorker(
      {
        ...(csv === undefined
          ? { idx: { images: idx![0], labels: idx![1], ...(classes === undefined ? {} : { classes }) } }
          : {
              csv: {
                path: csv,
                ...(column === undefined ? {} : { label: /^\d+$/.test(column) ? Number(column) : column }),
                ...(classes === undefined ? {} : { classes }),
                onBadRow: flags.has("skip-bad-rows") ? "skip" : "fail",
              },
            }),
        split: { seed, testFraction: holdout ?? 0.2 },
      },
      (update) => reading?.update(update),
    );
    reading?.finish();
    if (read.skipped.rows > 0) {
      io.stderr.write(
        `optimlab: left out ${read.skipped.rows} bad rows of ${csv}; first: ${read.skipped.reasons.join("; ")}\n`,
      );
    }
    // Inferred classes are a guess worth seeing: labels 0–10 train an 11-class model without complaint.
    if (csv !== undefined && !quiet) io.stderr.write(`optimlab: ${csv}: ${read.classesText}\n`);
    source = read.source ?? csv ?? idx!.join(" + ");
    data = read.data;
  } else {
    data = await loadMnistSample({ seed });
    source = data.train.source ?? "embedded MNIST sample";
  }
  const limit = flag<number>(flags, "limit");
  if (limit !== undefined && limit < data.train.count) {
    const { train } = data;
    data = {
      ...data,
      train: {
        ...train,
        count: limit,
        pixels: train.pixels.subarray(0, limit * train.features),
        labels: train.labels.subarray(0, limit),
      },
    };
  }
  return { data, source };
}

/**
 * The model --model FILE or --layers names, else the problem's, else the notebook's MLP sized to the data; and its
 * description.
 */
export async function modelFromFlags(
  flags: ParsedFlags,
  data: { features: number; classes: number },
  problem?: LoadedProblem,
): Promise<{ model: ModelSpec; description: string }> {
  const file = flag<string>(flags, "model");
  if (problem && file === undefined && !flags.has("layers")) {
    const { model } = problem;
    return {
      model,
      description:
        "input" in model
          ? describeLayerList(model, problem.problem)
          : `${problem.problem}: MLP ${model.layers.join("-")} (Linear + ReLU, log_softmax + NLL)`,
    };
  }
  if (file === undefined) {
    const layers = layersFlag(flags, data);
    return { model: { layers }, description: `MLP ${layers.join("-")} (Linear + ReLU, log_softmax + NLL)` };
  }
  if (flags.has("layers")) throw new UsageError("give either --model or --layers, not both");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`--model ${file}: ${(error as Error).message}`);
  }
  let model: unknown;
  try {
    model = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--model ${file}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof model !== "object" || model === null || !("input" in model) || !("layers" in model))
    throw new UsageError(`--model ${file}: expected a JSON object { "input": [...], "layers": [...], "loss": "..." }`);
  return { model: model as ModelSpec, description: describeLayerList(model as LayerListSpec, file) };
}

/** --clip-grad-norm, --clip-grad-value, --non-finite and --max-consecutive-errors as run options. */
export function stepSettingsFromFlags(flags: ParsedFlags): StepSettings {
  const policies: NonFinitePolicy[] = ["stop", "skip", "propagate"];
  const nonFinite = flag<string>(flags, "non-finite");
  if (nonFinite !== undefined && !policies.includes(nonFinite as NonFinitePolicy))
    throw new UsageError(`--non-finite must be one of ${policies.join(", ")}, got "${nonFinite}"`);
  if (flags.has("clip-grad-norm") && flags.has("clip-grad-value"))
    throw new UsageError("give either --clip-grad-norm or --clip-grad-value, not both");
  const settings: StepSettings = {};
  const set = <Key extends keyof StepSettings>(key: Key, value: StepSettings[Key] | undefined) => {
    if (value !== undefined) settings[key] = value;
  };
  set("clipGradNorm", flag<number>(flags, "clip-grad-norm"));
  set("clipGradValue", flag<number>(flags, "clip-grad-value"));
  set("nonFinite", nonFinite as NonFinitePolicy | undefined);
  set("maxConsecutiveErrors", flag<number>(flags, "max-consecutive-errors"));
  return settings;
}

/** Step settings in one line for reports: "clip_grad_norm_ 1; non-finite steps: skip (max 5 in a row)". */
export function describeStepSettings(settings: StepSettings): string | undefined {
  const parts: string[] = [];
  if (settings.clipGradNorm !== undefined) parts.push(`clip_grad_norm_ ${settings.clipGradNorm}`);
  if (settings.clipGradValue !== undefined) parts.push(`clip_grad_value_ ${settings.clipGradValue}`);
  if (settings.nonFinite !== undefined)
    parts.push(
      `non-finite steps: ${settings.nonFinite}` +
        (settings.nonFinite === "skip" ? ` (max ${settings.maxConsecutiveErrors ?? 5} in a row)` : ""),
    );
  return parts.length > 0 ? parts.join("; ") : undefined;
}

/** A layer list in one line: "model.json: conv2d → relu → maxpool2d → … → linear, input [1, 28, 28], loss cross_entropy". */
export function describeLayerList(model: LayerListSpec, name: string): string {
  const layers = Array.isArray(model.layers) ? model.layers.map((layer) => layer?.type ?? "?").join(" → ") : "?";
  return `${name}: ${layers}, input ${JSON.stringify(model.input)}, loss ${model.loss}`;
}

type ReadOutcome = Extract<ReadWorkerMessage, { done: unknown }>["done"];

/**
 * Reads a CSV or IDX file and splits it in a worker thread (read-worker.ts), which ends when it is done: the parser's
 * strings and rows and the reader's buffers die with that thread's heap, and only the split rows come back, in
 * SharedArrayBuffers the training workers share. Read on this thread, they stayed in its heap beside the split until
 * V8's next full collection, which came 30–45 s into the training of a 42,000-row CSV (measured): the process's peak
 * memory held the data twice. Errors come back as they were thrown (a DataError with its file, line and column).
 */
function readSplitInWorker(request: ReadRequest, onProgress: (progress: CsvProgress) => void): Promise<ReadOutcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./read-worker.js", import.meta.url), { workerData: request, execArgv: [] });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
      void worker.terminate();
    };
    worker.on("message", (message: ReadWorkerMessage) => {
      if ("progress" in message) onProgress(message.progress);
      else if ("done" in message) settle(() => resolve(message.done));
      else settle(() => reject(revive(message.error)));
    });
    worker.once("error", (error) => settle(() => reject(error)));
    worker.once("exit", (code) =>
      settle(() => reject(new Error(`the worker thread reading the data exited with code ${code}`))),
    );
  });
}

function revive({ name, message, file, line, column }: Extract<ReadWorkerMessage, { error: unknown }>["error"]): Error {
  if (name === "DataError") return new DataError(message, { file, line, column });
  return Object.assign(new Error(message), { name });
}
