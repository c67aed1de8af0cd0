// `optimlab compare` (the notebook's line-up or any other) and `optimlab notebook` (its hand-written rules beside
// torch's): train one MLP per optimizer on the same data and seed, write the report, figures and losses.
import { resolve } from "node:path";
import { shellWord } from "../config.js";
import { ConfigError } from "../errors.js";
import { LR_RULES, type LrFindSettings } from "../lr-find.js";
import { stepsPerEpoch } from "../model.js";
import { PAIRED_PALETTE, uniqueLabels } from "../plot/common.js";
import { compare } from "../node-api.js";
import { describeOptimizer } from "../plot/text.js";
import { DEFAULT_PROBLEM } from "../problems.js";
import { resolveSchedule } from "../schedule.js";
import { defaultLabel, NOTEBOOK_LINEUP, NOTEBOOK_PAIRS } from "../spec.js";
import type { ComparedOptimizer, LrRule, OptimizerSpec, RunResult } from "../types.js";
import {
  flag,
  normalizeFlag,
  parseOptimizer,
  parseSpecText,
  UsageError,
  type FlagSpec,
  type ParsedFlags,
} from "./args.js";
import { HELP_FLAG, packageVersion, type Command, type Io } from "./command.js";
import {
  DATA_FLAGS,
  describeStepSettings,
  loadData,
  modelFromFlags,
  stepSettingsFromFlags,
  TRAINING_FLAGS,
} from "./data.js";
import { runSummaries, summaryTable, writeOutputs } from "./output.js";
import { progressReporter } from "./progress.js";
import { describeSchedule, parseSchedule, SCHEDULE_SYNTAX } from "./schedules.js";

export const PRECISION_FLAGS: Record<string, FlagSpec> = {
  precision: {
    kind: "string",
    value: "default|fast",
    help: "fast: the relaxed-SIMD build (fused multiply-adds; last bits differ between machines) where Node runs it",
  },
};

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

/** The fair version of the notebook's comparison: its eight optimizers, each at the lr its own range test suggests. */
export function fairLineup(rule: LrRule = "valley"): ComparedOptimizer[] {
  return NOTEBOOK_LINEUP.map(({ lr: _lr, ...spec }) => ({ ...spec, lr: "auto", lrRule: rule }) as ComparedOptimizer);
}

/** Seeds per optimizer of the default (fair) comparison. */
export const FAIR_SEEDS = 3;

/**
 * Rows per step of the default comparison. The notebook takes 3 × 164 = 492 steps over Kaggle's 42,000 digits at
 * batch 256; the embedded 8,000 at 256 give only 96, too few for plain SGD at any lr its range test suggests (73 ± 5 %
 * held-out accuracy, seeds 0–2). Batch 64 gives 375 steps, the nearest power of two to the notebook's budget.
 */
export const FAIR_BATCH_SIZE = 64;

/**
 * The range test of the default comparison's lr=auto: from 1e-3 (lower lrs do nothing in 3 epochs, and a long flat
 * start drags fastai's valley down), smoothing 0.1, stopping once the smoothed loss doubles its lowest: at batch 64
 * NAdam's loss (seed 0) spiked to 3× its lowest near lr 0.015, fell back to chance level, and with the threshold 5
 * the test went on and valley picked that recovery (0.51, where NAdam diverges).
 */
export const FAIR_LR_FIND = "startLr=1e-3,smoothF=0.1,divergeTh=2";

/** `--lr-find KEY=VALUE,…`: the range test's settings (lrFind's option names) for every lr=auto. */
export function parseLrFindSettings(text: string): LrFindSettings {
  const keys = ["startLr", "endLr", "numIter", "stepMode", "smoothF", "debias", "divergeTh", "skipStart", "skipEnd"];
  const settings = parseSpecText(`lrfind:${text}`, {
    flag: "--lr-find",
    noun: "range test",
    example: "startLr=1e-3,smoothF=0.1",
    list: "list",
    textKeys: ["stepMode"],
  });
  const { name: _name, ...options } = settings;
  const unknown = Object.keys(options).find((key) => !keys.includes(key));
  if (unknown) throw new UsageError(`--lr-find: unknown setting ${unknown}; settings: ${keys.join(", ")}`);
  return options as LrFindSettings;
}

/** `--tune-lr MIN:MAX:POINTS`, e.g. 1e-5:1:7. */
export function parseTuneLr(text: string): { min: number; max: number; points: number } {
  const parts = text.split(":");
  const [min, max, points] = parts.map(Number);
  if (parts.length !== 3 || parts.some((part) => part.trim() === "") || ![min, max, points].every(Number.isFinite))
    throw new UsageError(`--tune-lr expects MIN:MAX:POINTS, e.g. 1e-5:1:7, got "${text}"`);
  if (!(min! > 0 && max! > min!)) throw new UsageError(`--tune-lr needs 0 < MIN < MAX, got "${text}"`);
  if (!Number.isInteger(points) || points! < 2 || points! > 100)
    throw new UsageError(`--tune-lr: POINTS must be an integer from 2 to 100, got "${text}"`);
  return { min: min!, max: max!, points: points! };
}

/** The command line that repeats this one: `optimlab NAME` and its flags as given, quoted for a POSIX shell. */
export function commandLine(name: string, flags: ParsedFlags): string {
  const words = ["optimlab", name];
  for (const [flagName, values] of flags) {
    if (flagName === "out" || flagName === "quiet" || flagName === "json") continue;
    for (const value of values) {
      words.push(`--${flagName}`);
      if (value !== true)
        words.push(...(Array.isArray(value) ? value : [value]).map((part) => shellWord(String(part))));
    }
  }
  return words.join(" ");
}

/** Runs a line-up with progress, writes the outputs, prints the summary; exit code 1 when a run failed. */
async function runComparison(
  flags: ParsedFlags,
  io: Io,
  command: string,
  optimizers: ComparedOptimizer[],
  look: { title?: string; colors?: string[]; dashed?: boolean[]; seeds?: number; lrFind?: string; batchSize?: number },
): Promise<number> {
  const seed = flag<number>(flags, "seed") ?? 0;
  const seeds = flag<number>(flags, "seeds") ?? look.seeds ?? 1;
  const lrFindText = flag<string>(flags, "lr-find") ?? look.lrFind;
  const lrFind = lrFindText === undefined ? undefined : parseLrFindSettings(lrFindText);
  const tuneText = flag<string>(flags, "tune-lr");
  const tune = tuneText === undefined ? undefined : { lr: parseTuneLr(tuneText) };
  if (tune) {
    const fixed = optimizers.find((spec) => spec.lr !== undefined);
    if (fixed)
      throw new UsageError(
        `--tune-lr chooses every optimizer's lr, but ${fixed.label ?? defaultLabel(fixed)} has lr=${fixed.lr}; leave lr out of --opt`,
      );
  }
  const precision = flag<string>(flags, "precision") ?? "default";
  if (precision !== "default" && precision !== "fast")
    throw new UsageError(`--precision must be default or fast, got "${precision}"`);
  const normalize = normalizeFlag(flags);
  const quiet = flag<boolean>(flags, "quiet") ?? false;
  const json = flag<boolean>(flags, "json") ?? false;
  const out = resolve(flag<string>(flags, "out") ?? "optimlab-out");
  const scheduleText = flag<string>(flags, "schedule");
  // Wall time of each phase, printed at the end and in --json: reading the data, training, writing figures and files.
  const started = performance.now();
  const { data, source, problem } = await loadData(flags, seed, io);
  const read = performance.now();
  // A problem's own batch size and epochs, unless the flags say otherwise.
  const epochs = flag<number>(flags, "epochs") ?? problem?.epochs ?? 3;
  const batchSize = flag<number>(flags, "batch-size") ?? problem?.batchSize ?? look.batchSize ?? 256;
  // Completed here (OneCycleLR's total_steps) so the report shows the schedule that ran.
  const dropLast = problem?.dropLast;
  const epochSteps = stepsPerEpoch(data.train.count, { batchSize, dropLast });
  const schedule =
    scheduleText === undefined
      ? undefined
      : resolveSchedule(parseSchedule(scheduleText), { epochs, stepsPerEpoch: epochSteps });
  const { model, description: modelDescription } = await modelFromFlags(flags, data.train, problem);
  const stepSettings = stepSettingsFromFlags(flags);

  // The labels the runs will carry (each optimizer's seeds share one), made unique as the figures make them.
  const optimizerLabels = uniqueLabels(optimizers.map((spec) => ({ label: spec.label ?? defaultLabel(spec) })));
  const labels = optimizerLabels.flatMap((label) =>
    Array.from({ length: seeds }, (_, k) => (seeds > 1 ? `${label} seed ${seed + k}` : label)),
  );
  const progress = progressReporter(labels, io.stderr, { quiet });
  const abort = new AbortController();
  const onInterrupt = () => abort.abort();
  process.once("SIGINT", onInterrupt);
  let runs: RunResult[];
  try {
    runs = await compare({
      data,
      model,
      ...stepSettings,
      optimizers,
      epochs,
      batchSize,
      ...(dropLast ? { dropLast } : {}),
      seed,
      seeds,
      ...(tune ? { tune } : {}),
      ...(lrFind ? { lrFind } : {}),
      normalize,
      schedule,
      workers: flag<number>(flags, "workers"),
      precision,
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
  const trained = performance.now();
  if (precision === "fast" && runs.some((run) => run.precision === "default"))
    io.stderr.write("optimlab: --precision fast: this Node cannot run relaxed SIMD; the default build ran\n");

  const version = await packageVersion();
  const info = {
    source,
    trainCount: data.train.count,
    testCount: data.test?.count,
    ...(problem ? { problem: problem.problem } : {}),
    ...("input" in model ? { model: modelDescription } : { layers: model.layers }),
    ...(describeStepSettings(stepSettings) === undefined ? {} : { steps: describeStepSettings(stepSettings) }),
    epochs,
    batchSize,
    seed,
    seeds,
    ...(lrFind && optimizers.some((spec) => spec.lr === "auto") ? { lrFind: lrFindText } : {}),
    ...(tune === undefined
      ? {}
      : {
          tune: `${tune.lr.points} lrs from ${tune.lr.min} to ${tune.lr.max}, log-spaced; kept by the lowest final loss`,
        }),
    ...(schedule === undefined ? {} : { schedule: describeSchedule(schedule) }),
    ...(precision === "fast" ? { precision: runs[0]?.precision ?? precision } : {}),
    versions: { optimlab: version, node: process.version },
    date: new Date().toISOString(),
    command,
  };
  const files = await writeOutputs(out, runs, info, look);
  const seconds = (from: number, to: number) => Math.round(to - from) / 1000;
  const timing = {
    readSeconds: seconds(started, read),
    trainSeconds: seconds(read, trained),
    outputSeconds: seconds(trained, performance.now()),
  };
  if (json) {
    io.stdout.write(JSON.stringify({ ...info, runs: runSummaries(runs), files, timing }, null, 2) + "\n");
  } else if (!quiet) {
    io.stdout.write(
      `\n${summaryTable(runs)}\n\nwrote ${Object.keys(files).join(", ")} to ${out}\nopen ${files["report.html"]}\n` +
        `time: ${timing.readSeconds} s reading the data, ${timing.trainSeconds} s training, ` +
        `${timing.outputSeconds} s writing figures and files\n`,
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
  usage: "optimlab compare [--opt SPEC]… [--seeds N] [--tune-lr MIN:MAX:N] [data flags] [training flags] [--out DIR]",
  description: `Trains the same network (same initial weights, same batch order) once per optimizer and compares them.
Without --opt it runs the fair version of the notebook's comparison: its eight optimizers, SGD, Momentum (sgd
momentum 0.9), Nesterov (sgd momentum 0.9 nesterov), Adagrad, RMSProp (alpha 0.9), Adam, AdaMax and NAdam, each
at the lr its own range test suggests (lr=auto, valley rule), with ${FAIR_SEEDS} seeds each, drawn as medians with
min–max bands, on the embedded MNIST sample (8,000 training and 2,000 held-out digits), 3 epochs, batch
${FAIR_BATCH_SIZE} (375 steps, near the notebook's 492 on 42,000 digits at batch 256; at 256 the sample gives 96, too few
for plain SGD).
--notebook-lrs runs the notebook's own fixed lrs instead (one seed unless --seeds), with torch.optim's update
rules ("optimlab notebook" runs the notebook's own rules):
${lineupHelp(NOTEBOOK_LINEUP)}

--opt SPEC is NAME or NAME:KEY=VALUE,… with torch.optim's names and options; a value is a number,
true/false, or a tuple a/b. Give --opt once per run, e.g.
  optimlab compare --opt sgd:lr=0.01 --opt adam:lr=3e-4,betas=0.9/0.99 --opt adamw:weight_decay=0.01,label=AdamW
The optional label= names the run in figures and tables.

lr=auto runs the optimizer's lr range test (optimlab lr-find) on the same model, data and seed just before its
run, and trains at the lr its rule suggests: lrRule=valley (default), steep, minimum (the lowest loss's lr ÷ 10)
or slide, e.g. --opt adam:lr=auto --opt sgd:lr=auto,lrRule=steep,momentum=0.9. --lr-rule sets the rule of the
default line-up. Legends and tables show the lr chosen ("Adam lr=auto → 8.9e-4 (valley)"). --lr-find sets the
range test's settings (optimlab lr-find's, in lrFind's names, e.g. startLr=1e-3,smoothF=0.1,numIter=200); the
default line-up uses ${FAIR_LR_FIND}: lower lrs do nothing in 3 epochs, a long flat start of the curve drags
the valley rule down, and a test that goes on after its loss blew up can suggest the lr of a later recovery.

--seeds N trains every optimizer with seeds S, S+1, … S+N−1 (S = --seed): each seed changes the initial weights
and the batch order, and within a seed every optimizer gets the same. Figures draw each optimizer's median
curve over a band (min–max over its seeds); the table gives mean ± sd of the final held-out loss and accuracy,
ranks the optimizers by mean final held-out loss and lists which are not significantly different (Welch's
t-test, two-sided, 5%).

--tune-lr MIN:MAX:N trains every optimizer at N lrs spaced evenly in log from MIN to MAX (first seed, in
parallel), keeps the lr of the lowest final held-out loss (training loss when nothing is held out) and runs its
seeds there. Writes sensitivity.svg/png (final loss against lr per optimizer) and tuning.csv (the whole grid).

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

Writes into --out: report.html (self-contained, with the command line that re-runs it), loss.svg/png
("Evolution of Optimizers", log scale), epochs.svg/png (held-out loss and accuracy), losses.csv and
losses.jsonl (run,label,seed,lr,lr_rule,step,loss per step; lr_rule says how optimlab chose the lr).
With a schedule (--schedule or @) also lr.svg/png (the lr of every step) and the curves in the report.
Exit code 0 when every run ended (a diverged run counts as ended), 1 when a run failed, 2 for bad flags.`,
  flags: {
    opt: {
      kind: "string",
      repeatable: true,
      value: "SPEC",
      help: "an optimizer and its options, once per run, @SCHEDULE for its own schedule; lr=auto for its range test's lr (default: the notebook's eight at lr=auto)",
    },
    seeds: {
      kind: "count",
      value: "N",
      help: `train every optimizer with N seeds, drawn as median and min–max band (default ${FAIR_SEEDS} for the default line-up, else 1)`,
    },
    "tune-lr": {
      kind: "string",
      value: "MIN:MAX:N",
      help: "tune each optimizer's lr on N log-spaced lrs from MIN to MAX, keep the best by final held-out loss",
    },
    "lr-rule": {
      kind: "string",
      value: "RULE",
      help: "suggestion rule of the default line-up's lr=auto: valley (default), steep, minimum or slide",
    },
    "lr-find": {
      kind: "string",
      value: "KEY=VALUE,…",
      help: `range-test settings of lr=auto, lrFind's names (default line-up: ${FAIR_LR_FIND}; else lrFind's defaults)`,
    },
    "notebook-lrs": {
      kind: "boolean",
      help: "without --opt: the notebook's fixed lrs instead of lr=auto (and one seed unless --seeds)",
    },
    schedule: {
      kind: "string",
      value: "SPEC",
      help: "an lr schedule for every run, e.g. onecycle:max_lr=0.01 (see optimlab schedules)",
    },
    title: { kind: "string", value: "TEXT", help: 'title of the loss figure (default "Evolution of Optimizers")' },
    ...DATA_FLAGS,
    ...TRAINING_FLAGS,
    ...PRECISION_FLAGS,
    ...OUTPUT_FLAGS,
  },
  async run(flags, io) {
    const opts = (flags.get("opt") as string[] | undefined)?.map(parseOptimizer);
    const rule = flag<string>(flags, "lr-rule");
    if (rule !== undefined && !LR_RULES.includes(rule as LrRule))
      throw new UsageError(`--lr-rule must be one of ${LR_RULES.join(", ")}, got "${rule}"`);
    const notebookLrs = flag<boolean>(flags, "notebook-lrs") ?? false;
    if (opts && (rule !== undefined || notebookLrs))
      throw new UsageError(
        `--${rule !== undefined ? "lr-rule" : "notebook-lrs"} applies to the default line-up; with --opt, write lr=auto,lrRule=… or lr=… in each --opt`,
      );
    if (notebookLrs && rule !== undefined) throw new UsageError("--lr-rule applies to lr=auto, not to --notebook-lrs");
    const tuned = flags.has("tune-lr");
    // The default line-up: fair (lr=auto, several seeds), or the notebook's fixed lrs; under --tune-lr, no lr at all.
    const specs: ComparedOptimizer[] =
      opts ??
      (tuned
        ? NOTEBOOK_LINEUP.map(({ lr: _lr, ...spec }) => spec as ComparedOptimizer)
        : notebookLrs
          ? copies(NOTEBOOK_LINEUP)
          : fairLineup((rule as LrRule | undefined) ?? "valley"));
    // The fair line-up is the notebook's comparison; on another problem the default is its fixed lrs, one seed.
    const problem = flag<string>(flags, "problem");
    const otherProblem = problem !== undefined && problem !== DEFAULT_PROBLEM;
    if (!opts && !tuned && otherProblem && rule === undefined) {
      return runComparison(flags, io, commandLine("compare", flags), copies(NOTEBOOK_LINEUP), {
        title: flag<string>(flags, "title"),
      });
    }
    const fair = !opts && !notebookLrs;
    return runComparison(flags, io, commandLine("compare", flags), specs, {
      title: flag<string>(flags, "title"),
      seeds: fair ? FAIR_SEEDS : 1,
      ...(fair ? { batchSize: FAIR_BATCH_SIZE } : {}),
      ...(fair && !tuned ? { lrFind: FAIR_LR_FIND } : {}),
    });
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
  flags: {
    seeds: {
      kind: "count",
      value: "N",
      help: "train every rule with N seeds, drawn as median and min–max band (default 1)",
    },
    ...DATA_FLAGS,
    ...TRAINING_FLAGS,
    ...PRECISION_FLAGS,
    ...OUTPUT_FLAGS,
  },
  async run(flags, io) {
    return runComparison(flags, io, commandLine("notebook", flags), copies(NOTEBOOK_PAIRS), {
      title: "Evolution of Optimizers: notebook rules vs torch.optim",
      colors: PAIRED_PALETTE,
      dashed: NOTEBOOK_PAIRS.map((spec) => spec.name.startsWith("notebook_")),
    });
  },
};
