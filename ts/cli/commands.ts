// The `optimlab` commands: compare (the notebook's comparison and any other line-up), notebook (its
// hand-written rules beside torch's), bench, smoke. Each declares its flags; --help is generated from them.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compare, loadMnistSample, readCsvFile, readIdxFiles, smoke, splitDataset } from "../index.js";
import { defaultLabel } from "../client.js";
import { PAIRED_PALETTE, uniqueLabels } from "../plot/common.js";
import type { Dataset, DataSplit, OptimizerSpec, RunResult } from "../types.js";
import {
  UsageError,
  flag,
  layersFlag,
  normalizeFlag,
  parseOptimizer,
  type FlagSpec,
  type ParsedFlags,
} from "./args.js";
import { runSummaries, summaryTable, writeOutputs } from "./output.js";
import { progressReporter, type ProgressStream } from "./progress.js";
import { describeSchedule, parseSchedule, schedulesCommand } from "./schedules.js";
import { resolveSchedule } from "../schedule.js";
import { landscapeCommand } from "./landscape.js";
import { lrFindCommand } from "./lr-find.js";

export interface Io {
  stdout: ProgressStream;
  stderr: ProgressStream;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  description: string;
  flags: Record<string, FlagSpec>;
  run(flags: ParsedFlags, io: Io): Promise<number>;
}

/** The package root: dist/cli/ (built) or ts/cli/ (sources) is two levels down. */
const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export async function packageVersion(): Promise<string> {
  return (JSON.parse(await readFile(resolve(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;
}

/**
 * The notebook's line-up: its six optimizers with its learning rates (and its RMSProp decay 0.9), as torch.optim
 * computes them, plus AdaMax and NAdam that it meant to try next, with torch's defaults.
 */
export const NOTEBOOK_LINEUP: OptimizerSpec[] = [
  { name: "sgd", label: "SGD", lr: 1e-2 },
  { name: "sgd", label: "Momentum", lr: 1e-3, momentum: 0.9 },
  { name: "sgd", label: "Nesterov", lr: 1e-3, momentum: 0.9, nesterov: true },
  { name: "adagrad", label: "Adagrad", lr: 1e-2 },
  { name: "rmsprop", label: "RMSProp", lr: 1e-3, alpha: 0.9 },
  { name: "adam", label: "Adam", lr: 1e-3 },
  { name: "adamax", label: "AdaMax", lr: 2e-3 },
  { name: "nadam", label: "NAdam", lr: 2e-3 },
];

/** The notebook's hand-written rules (quirks included), each beside the torch rule it meant. */
export const NOTEBOOK_PAIRS: OptimizerSpec[] = [
  { name: "notebook_sgd", label: "SGD (notebook)", lr: 1e-2 },
  { name: "sgd", label: "SGD (torch)", lr: 1e-2 },
  { name: "notebook_momentum", label: "Momentum (notebook)", lr: 1e-3, momentum: 0.9 },
  { name: "sgd", label: "Momentum (torch)", lr: 1e-3, momentum: 0.9 },
  { name: "notebook_nesterov", label: "Nesterov (notebook)", lr: 1e-3, momentum: 0.9 },
  { name: "sgd", label: "Nesterov (torch)", lr: 1e-3, momentum: 0.9, nesterov: true },
  { name: "notebook_adagrad", label: "Adagrad (notebook)", lr: 1e-2 },
  { name: "adagrad", label: "Adagrad (torch)", lr: 1e-2 },
  { name: "notebook_rmsprop", label: "RMSProp (notebook)", lr: 1e-3 },
  { name: "rmsprop", label: "RMSProp (torch)", lr: 1e-3, alpha: 0.9 },
  { name: "notebook_adam", label: "Adam (notebook)", lr: 1e-3 },
  { name: "adam", label: "Adam (torch)", lr: 1e-3 },
];

const HELP_FLAG: FlagSpec = { kind: "boolean", help: "show this help" };

const DATA_FLAGS: Record<string, FlagSpec> = {
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
  limit: { kind: "count", value: "N", help: "use only the first N training rows (quick trials, tests)" },
};

const TRAINING_FLAGS: Record<string, FlagSpec> = {
  layers: {
    kind: "string",
    value: "784,100,100,10",
    help: "MLP widths from input to output (default: features,100,100,classes)",
  },
  epochs: { kind: "count", value: "N", help: "passes over the training data (default 3)" },
  "batch-size": { kind: "count", value: "N", help: "rows per step (default 256)" },
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

const OUTPUT_FLAGS: Record<string, FlagSpec> = {
  out: { kind: "string", value: "DIR", help: "where report.html, figures and losses go (default ./optimlab-out)" },
  quiet: { kind: "boolean", help: "print nothing but errors" },
  json: { kind: "boolean", help: "print a machine-readable JSON summary on stdout (progress stays on stderr)" },
  help: HELP_FLAG,
};

/** Reads the data the flags name (the embedded sample by default) and applies --limit. */
async function loadData(flags: ParsedFlags, seed: number, io: Io): Promise<{ data: DataSplit; source: string }> {
  const csv = flag<string>(flags, "csv");
  const idx = flag<string[]>(flags, "idx");
  const holdout = flag<number>(flags, "holdout");
  if (csv !== undefined && idx !== undefined) throw new UsageError("give either --csv or --idx, not both");
  for (const csvOnly of ["label-column", "skip-bad-rows"]) {
    if (flags.has(csvOnly) && csv === undefined) throw new UsageError(`--${csvOnly} applies to --csv only`);
  }
  if (holdout !== undefined && csv === undefined && idx === undefined) {
    throw new UsageError("--holdout applies to --csv and --idx (the embedded sample has its own 2,000-row test set)");
  }
  if (holdout !== undefined && !(holdout >= 0 && holdout < 1))
    throw new UsageError(`--holdout must be in [0, 1), got ${holdout}`);
  let data: DataSplit;
  let source: string;
  if (csv !== undefined || idx !== undefined) {
    let dataset: Dataset;
    if (csv !== undefined) {
      const column = flag<string>(flags, "label-column");
      const result = await readCsvFile(csv, {
        ...(column === undefined ? {} : { label: /^\d+$/.test(column) ? Number(column) : column }),
        onBadRow: flags.has("skip-bad-rows") ? "skip" : "fail",
      });
      if (result.skippedRows > 0) {
        io.stderr.write(
          `optimlab: left out ${result.skippedRows} bad rows of ${csv}; first: ${result.skipReasons.join("; ")}\n`,
        );
      }
      dataset = result.dataset;
    } else {
      const [images, labels] = idx!;
      dataset = await readIdxFiles(images, labels);
    }
    source = dataset.source ?? csv ?? idx!.join(" + ");
    data = splitDataset(dataset, { seed, testFraction: holdout ?? 0.2 });
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

/** Runs a line-up with progress, writes the outputs, prints the summary; exit code 1 when a run failed. */
async function runComparison(
  flags: ParsedFlags,
  io: Io,
  optimizers: OptimizerSpec[],
  look: { title?: string; colors?: string[]; dashed?: boolean[] },
): Promise<number> {
  const seed = flag<number>(flags, "seed") ?? 0;
  const epochs = flag<number>(flags, "epochs") ?? 3;
  const batchSize = flag<number>(flags, "batch-size") ?? 256;
  const normalize = normalizeFlag(flags);
  const quiet = flag<boolean>(flags, "quiet") ?? false;
  const json = flag<boolean>(flags, "json") ?? false;
  const out = resolve(flag<string>(flags, "out") ?? "optimlab-out");
  const scheduleText = flag<string>(flags, "schedule");
  const { data, source } = await loadData(flags, seed, io);
  // Completed here (OneCycleLR's total_steps) so the report shows the schedule that ran.
  const stepsPerEpoch = Math.ceil(data.train.count / batchSize);
  const schedule =
    scheduleText === undefined ? undefined : resolveSchedule(parseSchedule(scheduleText), { epochs, stepsPerEpoch });
  const layers = layersFlag(flags, data.train);

  // The labels the runs will carry, made unique as the figures make them.
  const labels = uniqueLabels(optimizers.map((spec) => ({ label: spec.label ?? defaultLabel(spec) })));
  const progress = progressReporter(labels, io.stderr, { quiet });
  const abort = new AbortController();
  const onInterrupt = () => abort.abort();
  process.once("SIGINT", onInterrupt);
  let runs: RunResult[];
  try {
    runs = await compare({
      data,
      model: { layers },
      optimizers,
      epochs,
      batchSize,
      seed,
      normalize,
      schedule,
      workers: flag<number>(flags, "workers"),
      signal: abort.signal,
      onProgress: (update) => progress.update(update),
    });
  } finally {
    process.off("SIGINT", onInterrupt);
    progress.finish();
  }

  const version = await packageVersion();
  const info = {
    source,
    trainCount: data.train.count,
    testCount: data.test?.count,
    layers,
    epochs,
    batchSize,
    seed,
    ...(schedule === undefined ? {} : { schedule: describeSchedule(schedule) }),
    versions: { optimlab: version, node: process.version },
    date: new Date().toISOString(),
  };
  const files = await writeOutputs(out, runs, info, look);
  if (json) {
    io.stdout.write(JSON.stringify({ ...info, runs: runSummaries(runs), files }, null, 2) + "\n");
  } else if (!quiet) {
    io.stdout.write(
      `\n${summaryTable(runs)}\n\nwrote ${Object.keys(files).join(", ")} to ${out}\nopen ${files["report.html"]}\n`,
    );
  }
  const failed = runs.filter((run) => run.error);
  if (quiet || json) {
    // The summary table shows failures; without it, they go to stderr.
    for (const run of failed)
      io.stderr.write(`optimlab: run "${run.label}" failed: ${run.error!.name}: ${run.error!.message}\n`);
  }
  return failed.length > 0 ? 1 : 0;
}

export const COMMANDS: Command[] = [
  {
    name: "compare",
    summary: "train one MLP per optimizer on the same data and seed; write report, figures and losses",
    usage: "optimlab compare [--opt SPEC]… [data flags] [training flags] [--out DIR]",
    description: `Trains the same network (same initial weights, same batch order) once per optimizer and compares them.
Without --opt it runs the notebook's line-up: SGD lr 1e-2, Momentum (sgd lr 1e-3 momentum 0.9), Nesterov
(sgd lr 1e-3 momentum 0.9 nesterov), Adagrad lr 1e-2, RMSProp lr 1e-3 alpha 0.9, Adam lr 1e-3, AdaMax lr 2e-3,
NAdam lr 2e-3 (the update rules are torch.optim's; "optimlab notebook" runs the notebook's own),
on the embedded MNIST sample (8,000 training and 2,000 held-out digits), 3 epochs, batch size 256.

--opt SPEC is NAME or NAME:KEY=VALUE,… with torch.optim's names and options; a value is a number,
true/false, or a tuple a/b. Give --opt once per run, e.g.
  optimlab compare --opt sgd:lr=0.01 --opt adam:lr=3e-4,betas=0.9/0.99 --opt adamw:weight_decay=0.01,label=AdamW
The optional label= names the run in figures and tables.

--schedule SPEC applies a torch lr schedule to every run, NAME:KEY=VALUE,… like --opt (lists a/b/c), e.g.
  optimlab compare --schedule onecycle:max_lr=0.01 --opt sgd:momentum=0.9 --opt adam
It is built over each optimizer's own lr and stepped after every optimizer step (ReduceLROnPlateau: once per
epoch, on the epoch's mean training loss). OneCycleLR's total_steps defaults to epochs × steps per epoch;
OneCycleLR and CyclicLR cycle momentum (SGD, RMSprop) or beta1 (Adam family) unless cycle_momentum=false.
"optimlab schedules" draws the curves alone.

Writes into --out: report.html (self-contained), loss.svg/png ("Evolution of Optimizers", log scale),
epochs.svg/png (held-out loss and accuracy), losses.csv and losses.jsonl (run,label,step,loss per step).
With --schedule also lr.svg/png (the lr of every step) and the curve in the report.
Exit code 0 when every run ended (a diverged run counts as ended), 1 when a run failed, 2 for bad flags.`,
    flags: {
      opt: {
        kind: "string",
        repeatable: true,
        value: "SPEC",
        help: "an optimizer and its options, once per run (default: the notebook's line-up)",
      },
      schedule: {
        kind: "string",
        value: "SPEC",
        help: "an lr schedule for every run, e.g. onecycle:max_lr=0.01 (see optimlab schedules)",
      },
      title: { kind: "string", value: "TEXT", help: 'title of the loss figure (default "Evolution of Optimizers")' },
      ...DATA_FLAGS,
      ...TRAINING_FLAGS,
      ...OUTPUT_FLAGS,
    },
    async run(flags, io) {
      const specs = (flags.get("opt") as string[] | undefined)?.map(parseOptimizer) ?? NOTEBOOK_LINEUP;
      return runComparison(flags, io, specs, { title: flag<string>(flags, "title") });
    },
  },
  {
    name: "notebook",
    summary: "the notebook's hand-written update rules (quirks included) beside the torch rules they meant",
    usage: "optimlab notebook [data flags] [training flags] [--out DIR]",
    description: `Reproduces the notebook "Exploring Optimizers": its own update rules for SGD, Momentum, Nesterov,
Adagrad, RMSProp and Adam, as its code actually computes them, each run beside the corrected torch.optim rule
with the same learning rate. The loss figure pairs them in one hue, the notebook's rule light and dashed,
torch's dark and solid, so the effect of each quirk shows: e.g. the notebook's Adagrad and RMSProp divide by sqrt(accumulator + 1e-8)
before adding the current gradient, so their first step divides by 1e-4; its Nesterov never undoes its look-ahead.
Same data, seed and outputs as compare.`,
    flags: { ...DATA_FLAGS, ...TRAINING_FLAGS, ...OUTPUT_FLAGS },
    async run(flags, io) {
      return runComparison(flags, io, NOTEBOOK_PAIRS, {
        title: "Evolution of Optimizers: notebook rules vs torch.optim",
        colors: PAIRED_PALETTE,
        dashed: NOTEBOOK_PAIRS.map((spec) => spec.name.startsWith("notebook_")),
      });
    },
  },
  {
    name: "bench",
    summary: "run the benchmarks (needs a source checkout)",
    usage: "optimlab bench",
    description: `Runs the benchmarks in bench/run.ts with tsx from the package root, all in one process run, each
printing its peers side by side and the ratios:
  mlp   one MNIST epoch (784-100-100-10, batch 256, 60,000 digits, SGD) vs the machine's simd128 peak and tfjs-wasm
  adam  the Adam step in ns/param at 1M and 16M parameters vs the in-place memory bandwidth of the same traffic
  csv   reading a 42,000-row MNIST CSV: time, peak memory as a multiple of the decoded buffers
  soak  1,000 short runs through one worker pool: wasm memory, worker count, rss growth
One benchmark alone: npx tsx bench/run.ts mlp. The benchmarks ship with the sources, not with the npm package.`,
    flags: { help: HELP_FLAG },
    async run(_flags, io) {
      const script = resolve(PACKAGE_ROOT, "bench/run.ts");
      if (!existsSync(script)) {
        io.stderr.write(
          `optimlab bench: the benchmarks need a source checkout (no ${script}); clone the repository and run npm run bench there\n`,
        );
        return 1;
      }
      const child = spawn("npx", ["tsx", "--expose-gc", "bench/run.ts"], { cwd: PACKAGE_ROOT, stdio: "inherit" });
      return new Promise((done) => {
        child.on("error", (error) => {
          io.stderr.write(`optimlab bench: could not start npx tsx: ${error.message}\n`);
          done(1);
        });
        child.on("exit", (code, signal) => done(code ?? (signal ? 1 : 0)));
      });
    },
  },
  {
    name: "smoke",
    summary: "check that the wasm module loads in a worker thread and its SIMD agrees with the scalar path",
    usage: "optimlab smoke",
    description:
      "Loads the SIMD WebAssembly module in a worker thread and compares a SIMD dot product with the scalar one.",
    flags: { help: HELP_FLAG },
    async run(_flags, io) {
      const result = await smoke();
      io.stdout.write(
        `optimlab: wasm loaded in a worker thread; simd128=${result.simd}; dot=${result.dot} (scalar ${result.dotScalar})\n`,
      );
      return 0;
    },
  },
  landscapeCommand,
  schedulesCommand,
  lrFindCommand({ dataFlags: DATA_FLAGS, trainingFlags: TRAINING_FLAGS, loadData, lineup: NOTEBOOK_LINEUP }),
];

/** Commands named in the help that do not exist yet. */
export const COMING_LATER: readonly (readonly [name: string, summary: string])[] = [];
