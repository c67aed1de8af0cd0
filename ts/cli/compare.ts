// `optimlab compare` (the notebook's line-up or any other) and `optimlab notebook` (its hand-written rules beside
// torch's): train one MLP per optimizer on the same data and seed, write the report, figures and losses.
import { resolve } from "node:path";
import { compare, ConfigError } from "../index.js";
import { PAIRED_PALETTE, uniqueLabels } from "../plot/common.js";
import { describeOptimizer } from "../plot/report.js";
import { resolveSchedule } from "../schedule.js";
import { defaultLabel, NOTEBOOK_LINEUP, NOTEBOOK_PAIRS } from "../spec.js";
import type { OptimizerSpec, RunResult } from "../types.js";
import {
  flag,
  layersFlag,
  normalizeFlag,
  parseOptimizer,
  UsageError,
  type FlagSpec,
  type ParsedFlags,
} from "./args.js";
import { HELP_FLAG, packageVersion, type Command, type Io } from "./command.js";
import { DATA_FLAGS, loadData, TRAINING_FLAGS } from "./data.js";
import { runSummaries, summaryTable, writeOutputs } from "./output.js";
import { progressReporter } from "./progress.js";
import { describeSchedule, parseSchedule, SCHEDULE_SYNTAX } from "./schedules.js";

const OUTPUT_FLAGS: Record<string, FlagSpec> = {
  out: { kind: "string", value: "DIR", help: "where report.html, figures and losses go (default ./optimlab-out)" },
  quiet: { kind: "boolean", help: "print nothing but errors" },
  json: { kind: "boolean", help: "print a machine-readable JSON summary on stdout (progress stays on stderr)" },
  help: HELP_FLAG,
};

/** The line-up as --help lists it: a run a line, its label and its options. */
function lineupHelp(lineup: readonly OptimizerSpec[]): string {
  const width = Math.max(...lineup.map((spec) => spec.label!.length));
  return lineup.map((spec) => `  ${spec.label!.padEnd(width)}  ${describeOptimizer(spec)}`).join("\n");
}

/** Specs the runs may own (the shared line-ups are frozen). */
function copies(lineup: readonly OptimizerSpec[]): OptimizerSpec[] {
  return lineup.map((spec) => ({ ...spec }));
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
  } catch (error) {
    // Refused before any run started (the model, the data's shape, a spec's numbers): one message, a usage error.
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
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

export const compareCommand: Command = {
  name: "compare",
  summary: "train one MLP per optimizer on the same data and seed; write report, figures and losses",
  usage: "optimlab compare [--opt SPEC]… [data flags] [training flags] [--out DIR]",
  description: `Trains the same network (same initial weights, same batch order) once per optimizer and compares them.
Without --opt it runs the notebook's line-up with torch.optim's update rules ("optimlab notebook" runs the
notebook's own) on the embedded MNIST sample (8,000 training and 2,000 held-out digits), 3 epochs, batch size 256:
${lineupHelp(NOTEBOOK_LINEUP)}

--opt SPEC is NAME or NAME:KEY=VALUE,… with torch.optim's names and options; a value is a number,
true/false, or a tuple a/b. Give --opt once per run, e.g.
  optimlab compare --opt sgd:lr=0.01 --opt adam:lr=3e-4,betas=0.9/0.99 --opt adamw:weight_decay=0.01,label=AdamW
The optional label= names the run in figures and tables.

--schedule SPEC applies a torch lr schedule to every run, NAME:KEY=VALUE,… like --opt (lists a/b/c), e.g.
  optimlab compare --schedule onecycle:max_lr=0.01 --opt sgd:momentum=0.9 --opt adam
It is built over each optimizer's own lr and stepped after every optimizer step (ReduceLROnPlateau: once per
epoch, on the epoch's mean training loss). OneCycleLR's total_steps defaults to epochs × steps per epoch;
OneCycleLR and CyclicLR cycle momentum (SGD, RMSprop) or beta1 (Adam family) unless cycle_momentum=false.
A run takes its own schedule after "@" in its --opt, in place of --schedule ("@none": no schedule), e.g.
  optimlab compare --opt "adamw:lr=1e-3@sequential(linear:start_factor=0.01,total_iters=30; cosine:T_max=64; milestones=30)" \\
    --opt schedule_free_adamw:lr=1e-3
Its label then ends with "@ " and the schedule.
${SCHEDULE_SYNTAX}
"optimlab schedules" draws the curves alone.

Writes into --out: report.html (self-contained), loss.svg/png ("Evolution of Optimizers", log scale),
epochs.svg/png (held-out loss and accuracy), losses.csv and losses.jsonl (run,label,step,loss per step).
With a schedule (--schedule or @) also lr.svg/png (the lr of every step) and the curves in the report.
Exit code 0 when every run ended (a diverged run counts as ended), 1 when a run failed, 2 for bad flags.`,
  flags: {
    opt: {
      kind: "string",
      repeatable: true,
      value: "SPEC",
      help: "an optimizer and its options, once per run, @SCHEDULE for its own schedule (default: the notebook's line-up)",
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
    const specs = (flags.get("opt") as string[] | undefined)?.map(parseOptimizer) ?? copies(NOTEBOOK_LINEUP);
    return runComparison(flags, io, specs, { title: flag<string>(flags, "title") });
  },
};

export const notebookCommand: Command = {
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
    return runComparison(flags, io, copies(NOTEBOOK_PAIRS), {
      title: "Evolution of Optimizers: notebook rules vs torch.optim",
      colors: PAIRED_PALETTE,
      dashed: NOTEBOOK_PAIRS.map((spec) => spec.name.startsWith("notebook_")),
    });
  },
};
