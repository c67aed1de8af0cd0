// `optimlab lr-find`: Leslie Smith's learning-rate range test for each optimizer on the same data, network and
// seed as `compare`; writes the figure and the curves, prints the suggested lrs and the compare command using them.
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { preferredLr, type LrFindResult, type LrSuggestions } from "../lr-find.js";
import { lrFindAll } from "../node-api.js";
import { formatLr, uniqueLabels } from "../plot/common.js";
import { NOTEBOOK_LINEUP } from "../spec.js";
import type { OptimizerSpec } from "../types.js";
import { UsageError, flag, normalizeFlag, parseOptimizer, type ParsedFlags } from "./args.js";
import { HELP_FLAG, type Command, type Io } from "./command.js";
import { PRECISION_FLAGS } from "./compare.js";
import { csvField, float32Number } from "./csv.js";
import { DATA_FLAGS, loadData, modelFromFlags, stepSettingsFromFlags, TRAINING_FLAGS } from "./data.js";

/** `run,label,step,lr,loss,smoothed`: one row per step of each test (run is the 0-based index in the line-up); lrs and smoothed losses are f64, losses float32. */
export function lrFindCsv(results: readonly LrFindResult[]): string {
  const labels = uniqueLabels(results);
  const lines = ["run,label,step,lr,loss,smoothed"];
  results.forEach((result, r) => {
    const label = csvField(labels[r]);
    for (let step = 0; step < result.lrs.length; step++) {
      lines.push(
        `${r},${label},${step},${result.lrs[step]},${float32Number(result.losses[step])},${result.smoothed[step]}`,
      );
    }
  });
  return lines.join("\n") + "\n";
}

/** The `--opt` text that runs `spec` at `lr` (its other options and its label kept), quoted for a POSIX shell when needed. */
export function optWithLr(spec: OptimizerSpec, lr: number): string {
  const options = Object.entries(spec)
    .filter(([key]) => key !== "name" && key !== "label" && key !== "lr")
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join("/") : String(value)}`);
  const text = `${spec.name}:${[...options, `lr=${formatLr(lr)}`, ...(spec.label === undefined ? [] : [`label=${spec.label}`])].join(",")}`;
  return /^[\w.:=,/+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function suggestionText(suggestions: LrSuggestions, rule: keyof LrSuggestions): string {
  const suggestion = suggestions[rule];
  return suggestion ? formatLr(suggestion.lr) : "-";
}

/** The suggestions of every test as a fixed-width table. */
export function suggestionTable(results: readonly LrFindResult[]): string {
  const labels = uniqueLabels(results);
  const header = ["optimizer", "valley", "steepest", "minimum/10", "slide", "steps"];
  const rows = results.map((result, r) => [
    labels[r],
    suggestionText(result.suggestions, "valley"),
    suggestionText(result.suggestions, "steepest"),
    suggestionText(result.suggestions, "minimum"),
    suggestionText(result.suggestions, "slide"),
    `${result.lrs.length}${result.stoppedEarly ? ` (diverged at lr ${formatLr(result.lrs[result.lrs.length - 1])})` : ""}`,
  ]);
  const widths = header.map((title, c) => Math.max(title.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]))).join("  ");
  return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)].join("\n");
}

async function runLrFind(flags: ParsedFlags, io: Io): Promise<number> {
  // The line-up's lrs are what the test replaces: without --opt, the notebook's optimizers with their other options.
  const specs =
    (flags.get("opt") as string[] | undefined)?.map(parseOptimizer) ??
    NOTEBOOK_LINEUP.map(({ lr: _lr, ...spec }) => spec as OptimizerSpec);
  const seed = flag<number>(flags, "seed") ?? 0;
  const batchSize = flag<number>(flags, "batch-size") ?? 256;
  const normalize = normalizeFlag(flags);
  const stepMode = flag<string>(flags, "step-mode") ?? "exp";
  if (stepMode !== "exp" && stepMode !== "linear")
    throw new UsageError(`--step-mode must be exp or linear, got "${stepMode}"`);
  const precision = flag<string>(flags, "precision") ?? "default";
  if (precision !== "default" && precision !== "fast")
    throw new UsageError(`--precision must be default or fast, got "${precision}"`);
  const quiet = flag<boolean>(flags, "quiet") ?? false;
  const json = flag<boolean>(flags, "json") ?? false;
  const out = resolve(flag<string>(flags, "out") ?? "optimlab-out");
  const { data, source, problem } = await loadData(flags, seed, io);
  const { model } = await modelFromFlags(flags, data.train, problem);
  const stepSettings = stepSettingsFromFlags(flags);

  const numIter = flag<number>(flags, "num-iter") ?? 100;
  if (!quiet && !json) {
    io.stderr.write(
      `optimlab lr-find: ${specs.length} optimizer${specs.length === 1 ? "" : "s"}, up to ${numIter} steps each, on ${source} (${data.train.count} rows)\n`,
    );
  }
  const abort = new AbortController();
  const onInterrupt = () => abort.abort();
  process.once("SIGINT", onInterrupt);
  let results: LrFindResult[];
  try {
    results = await lrFindAll({
      data,
      model,
      ...stepSettings,
      optimizers: specs,
      batchSize,
      ...(problem?.dropLast ? { dropLast: true } : {}),
      seed,
      normalize,
      numIter,
      stepMode,
      startLr: flag<number>(flags, "start-lr"),
      endLr: flag<number>(flags, "end-lr"),
      smoothF: flag<number>(flags, "smooth-f"),
      divergeTh: flag<number>(flags, "diverge-th"),
      workers: flag<number>(flags, "workers"),
      precision,
      signal: abort.signal,
    });
  } catch (error) {
    // Refused before any test started (the model, the data's shape): one message, a usage error.
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  } finally {
    process.off("SIGINT", onInterrupt);
  }
  if (precision === "fast" && results.some((result) => result.precision === "default"))
    io.stderr.write("optimlab: --precision fast: this Node cannot run relaxed SIMD; the default build ran\n");

  await mkdir(out, { recursive: true });
  // The plotting stack is loaded now, for the figure, not while the tests run.
  const [{ lrFindPlot }, { nodeDocument, svgText, svgToPng }] = await Promise.all([
    import("../plot/lr-find.js"),
    import("../plot/render-node.js"),
  ]);
  // Up to three curves read well overlaid; more get a panel each, four to a row.
  const svg = svgText(lrFindPlot(results, { document: nodeDocument(), ...(results.length > 3 ? { columns: 4 } : {}) }));
  const files: Record<string, string | Uint8Array> = {
    "lr-find.svg": svg,
    "lr-find.png": svgToPng(svg),
    "lr-find.csv": lrFindCsv(results),
  };
  const paths: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    paths[name] = join(out, name);
    await writeFile(paths[name], content);
  }
  const usable = results.filter((result) => preferredLr(result.suggestions) !== undefined);
  const command = `optimlab compare ${usable.map((result) => `--opt ${optWithLr(result.optimizer, preferredLr(result.suggestions)!)}`).join(" ")}`;
  if (json) {
    const labels = uniqueLabels(results);
    const summary = results.map((result, r) => ({
      label: labels[r],
      optimizer: result.optimizer,
      steps: result.lrs.length,
      stoppedEarly: result.stoppedEarly,
      suggestions: result.suggestions,
      seconds: result.seconds,
    }));
    io.stdout.write(
      JSON.stringify(
        {
          source,
          trainCount: data.train.count,
          ...("input" in model ? { model } : { layers: model.layers }),
          batchSize,
          seed,
          ...(precision === "fast" ? { precision: results[0]?.precision ?? precision } : {}),
          results: summary,
          compare: usable.length ? command : null,
          files: paths,
        },
        null,
        2,
      ) + "\n",
    );
  } else if (!quiet) {
    io.stdout.write(`\n${suggestionTable(results)}\n\n`);
    io.stdout.write(
      usable.length
        ? `Train with a suggestion (valley, fastai's default; steepest and minimum/10 bracket it), e.g.\n  ${command}\n`
        : "No suggestion: every test diverged within its first steps; lower --end-lr or raise --num-iter.\n",
    );
    io.stdout.write(`\nwrote ${Object.keys(paths).join(", ")} to ${out}\n`);
  }
  return 0;
}

/** compare's training flags but --epochs: the test runs numIter steps, across epochs as needed. */
const { epochs: _epochs, ...LR_FIND_TRAINING_FLAGS } = TRAINING_FLAGS;

/** The command, with compare's data flags, training flags (but --epochs), data loader and line-up. */
export const lrFindCommand: Command = {
  name: "lr-find",
  summary: "learning-rate range test: the loss as the lr grows, and suggested learning rates per optimizer",
  usage: "optimlab lr-find [--opt SPEC]… [data flags] [--start-lr LR] [--end-lr LR] [--num-iter N] [--out DIR]",
  description: `Leslie Smith's learning-rate range test (as fastai's lr_find and torch-lr-finder's range_test run it):
trains the network compare would start from (same data, seed and initial weights) for --num-iter batches
while the lr grows geometrically from --start-lr to --end-lr, one step per lr. The loss first stays flat (lr
too small to matter), then falls, then blows up; the test stops once the smoothed loss exceeds --diverge-th
times its lowest value. Good lrs sit on the falling part, before the minimum. Four suggestions per optimizer,
on the smoothed curve without its first tenth and last 5 points:
  valley     fastai's default: about halfway down the longest descending stretch
  steepest   where the loss falls fastest per unit of log lr (torch-lr-finder's suggestion, fastai's "steep")
  minimum/10 the lr of the lowest loss divided by 10 (fastai's "minimum")
  slide      fastai's interval slide: a 15-point interval slides left from the end while the slopes at its
             ends differ by more than 0.005; its left end
Each optimizer needs its own lr: that is what this command is for. Without --opt it tests the notebook's
line-up (its options except lr). Then train with a suggestion: optimlab compare --opt adam:lr=<suggestion>,
or let compare run this test before each run: optimlab compare --opt adam:lr=auto,lrRule=valley.

Writes into --out: lr-find.svg/png (loss vs lr, log scale, suggestions marked) and lr-find.csv
(run,label,step,lr,loss,smoothed per step).`,
  flags: {
    opt: {
      kind: "string",
      repeatable: true,
      value: "SPEC",
      help: "an optimizer and its options as in compare (lr is ignored), once per test (default: the notebook's line-up)",
    },
    "start-lr": { kind: "number", value: "LR", help: "first lr (default 1e-7)" },
    "end-lr": { kind: "number", value: "LR", help: "last lr (default 10)" },
    "num-iter": { kind: "count", value: "N", help: "steps at most, 2 to 10000 (default 100)" },
    "step-mode": { kind: "string", value: "exp|linear", help: "how the lr grows (default exp)" },
    "smooth-f": {
      kind: "number",
      value: "F",
      help: "loss smoothing factor in [0, 1): s = F·loss + (1−F)·s (default 0.05)",
    },
    "diverge-th": {
      kind: "number",
      value: "X",
      help: "stop when the smoothed loss exceeds X × its lowest (default 5)",
    },
    ...DATA_FLAGS,
    ...LR_FIND_TRAINING_FLAGS,
    ...PRECISION_FLAGS,
    out: { kind: "string", value: "DIR", help: "where lr-find.svg/png/csv go (default ./optimlab-out)" },
    quiet: { kind: "boolean", help: "print nothing but errors" },
    json: { kind: "boolean", help: "print a machine-readable JSON summary on stdout" },
    help: HELP_FLAG,
  },
  run: (flags, io) => runLrFind(flags, io),
};
