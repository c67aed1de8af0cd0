// `optimlab sweep`, `sweep status`, `sweep report` and `worker`: hyper-parameter sweeps in the local pool, or across
// machines through BullMQ on Redis (--queue). The queue code is imported only when --queue is given, so the other
// commands never load bullmq or ioredis; the local pool, the report and its figures only by the commands that use them.
import { readFile, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { formatNumber, formatPercent } from "../plot/text.js";
import { readResults, ResultsFile } from "../sweep/results.js";
import type { ResultRecord } from "../sweep/run.js";
import { planSweep, SweepSpecError, type SweepPlan } from "../sweep/spec.js";
import type { SweepExecutor, SweepOutcome } from "../sweep/sweep.js";
import { UsageError, flag, type FlagSpec, type ParsedFlags } from "./args.js";
import { HELP_FLAG, packageVersion, type Command, type Io } from "./command.js";

const QUEUE: FlagSpec = {
  kind: "string",
  value: "URL",
  help: "Redis of the BullMQ queue: redis://[user:password@]host:port[/db], rediss://… for TLS",
};
const DEFAULT_ATTEMPTS = 3;

function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "?";
  const whole = Math.max(0, Math.round(seconds));
  return whole < 60 ? `${whole}s` : `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, "0")}s`;
}

async function readPlan(specPath: string): Promise<SweepPlan> {
  let text: string;
  try {
    text = await readFile(specPath, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read the sweep spec ${specPath}: ${(error as Error).message}`);
  }
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${specPath} is not JSON: ${(error as Error).message}`);
  }
  try {
    return await planSweep(spec, dirname(resolve(specPath)));
  } catch (error) {
    if (error instanceof SweepSpecError) throw new UsageError(`${specPath}: ${error.message}`);
    throw error;
  }
}

/** One line per stored run: where it stands in the sweep, what it reached, and where it ran. */
function storedLine(record: ResultRecord, label: string, outcome: SweepOutcome): string {
  const done = outcome.alreadyStored + outcome.stored;
  const last = record.epochs.at(-1);
  const result = record.error
    ? `failed: ${record.error.name}: ${record.error.message}${record.error.attempts && record.error.attempts > 1 ? ` (after ${record.error.attempts} attempts)` : ""}`
    : record.diverged
      ? `diverged at step ${record.diverged.step}`
      : last?.evalLoss !== undefined
        ? `held-out loss ${formatNumber(last.evalLoss)}` +
          (last.evalAccuracy === undefined ? "" : `, accuracy ${formatPercent(last.evalAccuracy)}`)
        : `train loss ${formatNumber(last?.trainLoss)}`;
  return `[${done}/${outcome.total}] ${label}: ${result} (${record.timing.seconds.toFixed(1)} s, ${record.timing.worker})`;
}

async function runSweepCommand(flags: ParsedFlags, io: Io): Promise<number> {
  const specPath = flag<string>(flags, "spec");
  if (specPath === undefined) throw new UsageError("give the sweep spec: optimlab sweep SPEC.json");
  const plan = await readPlan(specPath);
  if (flags.has("dry-run")) {
    for (const run of plan.runs) io.stdout.write(JSON.stringify(run) + "\n");
    return 0;
  }
  const queueUrl = flag<string>(flags, "queue");
  if (queueUrl !== undefined && flags.has("workers"))
    throw new UsageError("--workers sizes the local pool; with --queue each optimlab worker has its own");
  const quiet = flags.has("quiet");
  const json = flags.has("json");
  const say = (line: string) => {
    if (!quiet) io.stderr.write(line + "\n");
  };
  const attempts = flag<number>(flags, "attempts") ?? DEFAULT_ATTEMPTS;
  const version = await packageVersion();
  const resultsPath = resolve(flag<string>(flags, "results") ?? specPath.replace(/(\.json)?$/, ".results.jsonl"));
  const [{ SweepLabels }, { LocalExecutor, runSweep }] = await Promise.all([
    import("../sweep/report.js"),
    import("../sweep/sweep.js"),
  ]);
  const labels = new SweepLabels(plan.runs.map((run) => run.spec));

  const results = await ResultsFile.open(resultsPath);
  let executor: SweepExecutor;
  let where: string;
  try {
    if (queueUrl === undefined) {
      const left = plan.runs.filter((run) => !results.has(run.id)).length;
      const workers = Math.max(1, Math.min(flag<number>(flags, "workers") ?? availableParallelism(), left));
      executor = new LocalExecutor(workers, version, attempts);
      where = `the local pool (${workers} worker${workers === 1 ? "" : "s"})`;
    } else {
      const { QueueExecutor, QUEUE_NAME, redactUrl } = await import("../sweep/queue.js");
      executor = await QueueExecutor.connect(queueUrl, { attempts, version, onError: say });
      where = `queue ${QUEUE_NAME} at ${redactUrl(queueUrl)}`;
    }
  } catch (error) {
    await results.close();
    throw error;
  }

  const interrupt = new AbortController();
  const onInterrupt = () => {
    if (interrupt.signal.aborted) process.exit(130); // a second Ctrl-C: stop now
    say("interrupted: stopping (Ctrl-C again to quit at once)");
    interrupt.abort();
  };
  process.on("SIGINT", onInterrupt);
  const started = performance.now();
  let outcome: SweepOutcome;
  try {
    const stored = plan.runs.filter((run) => results.has(run.id)).length;
    say(
      `sweep${plan.name ? ` "${plan.name}"` : ""}: ${plan.runs.length} runs` +
        (plan.duplicates > 0 ? ` (${plan.duplicates} duplicates merged)` : "") +
        `, ${stored} already in ${resultsPath}; running ${plan.runs.length - stored} on ${where}`,
    );
    outcome = await runSweep(plan, results, executor, {
      signal: interrupt.signal,
      onStored: (record, progress) => {
        const elapsed = (performance.now() - started) / 1000;
        const eta = (elapsed / progress.stored) * progress.left;
        say(`${storedLine(record, labels.run(record.spec), progress)}; ETA ${formatDuration(eta)}`);
      },
    });
  } finally {
    process.off("SIGINT", onInterrupt);
    await executor.close();
    await results.close();
  }

  const seconds = (performance.now() - started) / 1000;
  if (json) io.stdout.write(JSON.stringify({ results: resultsPath, seconds, ...outcome }, null, 2) + "\n");
  const summary = `${outcome.alreadyStored + outcome.stored} of ${outcome.total} runs stored in ${resultsPath} (${outcome.stored} now, in ${formatDuration(seconds)}; ${outcome.failed} failed, ${outcome.diverged} diverged)`;
  if (outcome.stopped) {
    const withdrawn =
      "withdrawn" in executor
        ? (executor as { withdrawn: { removed: number; running: number } }).withdrawn
        : { removed: 0, running: 0 };
    const queueNote =
      queueUrl === undefined
        ? ""
        : `; ${withdrawn.removed} waiting runs withdrawn from the queue, ${withdrawn.running} running ones are collected by the rerun`;
    io.stderr.write(
      `optimlab sweep: ${outcome.stopped === "budget" ? `budget of ${plan.budget.minutes} minutes spent` : "interrupted"}: ${summary}${queueNote}; rerun the same command to continue\n`,
    );
    return outcome.stopped === "budget" ? 1 : 130;
  }
  say(summary);
  say(`report: optimlab sweep report ${resultsPath}`);
  return outcome.failed > 0 ? 1 : 0;
}

export const sweepCommand: Command = {
  name: "sweep",
  summary: "run a hyper-parameter sweep (grid or list of runs) in the local pool or through a Redis queue",
  usage: "optimlab sweep SPEC.json [--queue redis://host:port] [--results FILE] [--dry-run]",
  description: `Expands the sweep spec into runs and runs those not yet in the results file, appending each result as
it ends (JSON Lines, fsynced): rerunning the same command after a crash or Ctrl-C continues where it stopped, and a
run is stored once. A run's id is the hash of its spec. Without --queue the runs go to the local worker pool; with
--queue they become BullMQ jobs that "optimlab worker --queue URL" processes take, on any number of machines.

A spec is JSON: settings shared by every run, then "grid" (axes crossed; several grids in an array) and/or "runs"
(a list, each overriding the shared settings), and an optional "budget":
  { "name": "lr sweep", "data": { "sample": "mnist", "limit": 4000 }, "model": { "layers": [784, 100, 10] },
    "epochs": 2, "batchSize": 128,
    "grid": { "optimizer": [{ "name": "sgd", "momentum": 0.9 }, { "name": "adam" }], "lr": [0.001, 0.01, 0.1], "seed": [0, 1] },
    "budget": { "runs": 100, "minutes": 60 } }
Run settings: problem (a problem of the registry: its model, data, batch size, epochs and dropLast become the
defaults), optimizer (torch's name and options), lr and optimizer.<option> (set one option), schedule (null for
none), seed, model (the MLP { "layers": [784, 100, 10] } or any model { "input": [1, 28, 28], "layers": [...],
"loss": "cross_entropy" }, checked before anything runs), data, epochs, batchSize, dropLast, normalize,
clipGradNorm, clipGradValue, nonFinite ("stop", "skip", "propagate") and maxConsecutiveErrors (compare's).
Defaults without a problem: 3 epochs, batch 256, seed 0, the embedded sample.
data is { "sample": "mnist" } (testCount, splitSeed, limit), { "dataset": "fashion-mnist" | "deepobs-quadratic" }
(limit), or a CSV by { "path": … } or { "url": "https://…" } with its "sha256" (required: a worker that reads other
bytes fails the run, naming the mismatch), plus label (classes) or target (regression), holdout, splitSeed, limit;
with a problem, data may leave its source out (e.g. { "limit": 2000 }). budget.runs refuses a spec that expands to
more runs; budget.minutes stops the sweep (a rerun continues).

A run with an invalid option fails once with torch's message; a crashed run is retried (--attempts). Exit code 0
when every run ended, 1 when a run failed or the budget ran out, 2 for a bad spec or flags, 130 on Ctrl-C.
"optimlab sweep report FILE" makes the report; "optimlab sweep status --queue URL" shows a queue's progress.`,
  positional: { name: "spec", value: "SPEC.json" },
  flags: {
    queue: QUEUE,
    results: { kind: "string", value: "FILE", help: "the results file (default: SPEC.results.jsonl beside the spec)" },
    "dry-run": { kind: "boolean", help: "print the expanded runs as JSON Lines ({id, spec}) and run nothing" },
    workers: { kind: "count", value: "N", help: "local pool size without --queue (default: number of cores)" },
    attempts: {
      kind: "count",
      value: "N",
      help: `tries of a run whose worker crashed before it is reported failed (default ${DEFAULT_ATTEMPTS})`,
    },
    quiet: { kind: "boolean", help: "print nothing but errors" },
    json: { kind: "boolean", help: "print a JSON summary on stdout at the end" },
    help: HELP_FLAG,
  },
  run: runSweepCommand,
};

export const sweepStatusCommand: Command = {
  name: "sweep status",
  summary: "progress of a queue: done, running, failed, waiting runs, workers, ETA",
  usage: "optimlab sweep status --queue redis://host:port [--json]",
  description: `Shows the runs of the queue: done, running (with their step and the process running them), failed,
waiting; how many optimlab worker processes are connected; and the ETA at the pace of the latest finished runs.`,
  flags: { queue: QUEUE, json: { kind: "boolean", help: "print the status as JSON" }, help: HELP_FLAG },
  async run(flags, io) {
    const url = flag<string>(flags, "queue");
    if (url === undefined) throw new UsageError("--queue URL is required");
    const { queueStatus, QUEUE_NAME } = await import("../sweep/queue.js");
    const status = await queueStatus(url);
    if (flags.has("json")) {
      io.stdout.write(JSON.stringify(status, null, 2) + "\n");
      return 0;
    }
    const pace =
      status.runsPerMinute === undefined
        ? "pace: not yet known"
        : `pace ${status.runsPerMinute.toFixed(1)} runs/min, ETA ${formatDuration(status.etaSeconds)}`;
    const lines = [
      `queue ${QUEUE_NAME} at ${status.url}: ${status.workers} worker process${status.workers === 1 ? "" : "es"} connected`,
      `done ${status.done}, running ${status.running}, failed ${status.failed}, waiting ${status.waiting}; ${pace}`,
      ...status.active.map(
        (run) =>
          `  running ${run.id} ${run.run}` +
          (run.step === undefined ? "" : ` step ${run.step}/${run.totalSteps}`) +
          (run.worker ? ` on ${run.worker}` : ""),
      ),
    ];
    io.stdout.write(lines.join("\n") + "\n");
    return 0;
  },
};

export const sweepReportCommand: Command = {
  name: "sweep report",
  summary: "the report of a sweep's results file, with the best lr of each optimizer",
  usage: "optimlab sweep report RESULTS.jsonl [--out DIR]",
  description: `Builds the usual report (report.html, loss and epoch figures, losses.csv/jsonl) from every run in the
results file, and the best lr of each optimizer: the lr whose runs reached the lowest final loss (held-out when the
runs have held-out data), averaged over seeds; lrs where a run diverged or failed do not count.
Writes sensitivity.csv (every lr of every optimizer) and the sensitivity figure (sensitivity.svg/png, final loss
against lr, also in the report) beside the report and prints the table.`,
  positional: { name: "results", value: "RESULTS.jsonl" },
  flags: {
    out: { kind: "string", value: "DIR", help: "where the report goes (default: RESULTS-report beside the file)" },
    quiet: { kind: "boolean", help: "print nothing but errors" },
    help: HELP_FLAG,
  },
  async run(flags, io) {
    const path = flag<string>(flags, "results");
    if (path === undefined) throw new UsageError("give the results file: optimlab sweep report RESULTS.jsonl");
    const { records } = await readResults(resolve(path));
    if (records.length === 0) throw new UsageError(`${path} holds no results`);
    const [{ bestLrTable, lrSensitivity, modelText, recordToRun, sensitivityCsv, SweepLabels }, { writeOutputs }] =
      await Promise.all([import("../sweep/report.js"), import("./output.js")]);
    const out = resolve(flag<string>(flags, "out") ?? path.replace(/(\.jsonl)?$/, "-report"));
    const labels = new SweepLabels(records.map((record) => record.spec));
    const { metric, groups } = lrSensitivity(records, labels);
    const runs = records.map((record) => recordToRun(record, labels.run(record.spec)));
    const count = (test: (record: ResultRecord) => boolean) => records.filter(test).length;
    const distinct = (values: string[]) => [...new Set(values)].join("; ");
    const files = await writeOutputs(
      out,
      runs,
      {
        title: `optimlab sweep: ${basename(path)}`,
        facts: [
          [
            "sweep",
            `${records.length} runs: ${count((r) => !r.error && !r.diverged)} ok, ${count((r) => !!r.diverged)} diverged, ${count((r) => !!r.error)} failed`,
          ],
          ...(records.some((r) => r.spec.problem !== undefined)
            ? [["problem", distinct(records.map((r) => r.spec.problem ?? "none"))] as const]
            : []),
          ["data", distinct(records.map((r) => JSON.stringify(r.spec.data)))],
          [
            "model",
            distinct(
              records.map((r) =>
                "input" in r.spec.model
                  ? `${modelText(r.spec.model)}, input ${JSON.stringify(r.spec.model.input)}, loss ${r.spec.model.loss}`
                  : `MLP ${modelText(r.spec.model)}`,
              ),
            ),
          ],
          [
            "training",
            `epochs ${distinct(records.map((r) => String(r.spec.epochs)))}, batch size ${distinct(records.map((r) => String(r.spec.batchSize)))}, seeds ${distinct(records.map((r) => String(r.spec.seed)))}`,
          ],
          ...groups.map(
            ({ group, best }) =>
              [
                `best lr: ${group}`,
                best
                  ? `${best.lr} (${metric} ${formatNumber(best.loss)} over ${best.runs} run${best.runs === 1 ? "" : "s"})`
                  : "every lr diverged or failed",
              ] as const,
          ),
          ["workers", distinct(records.map((r) => r.timing.worker))],
        ],
        versions: {
          optimlab: distinct(records.map((r) => r.software.optimlab)),
          node: distinct(records.map((r) => r.software.node)),
        },
        date: records
          .map((r) => r.timing.finishedAt)
          .sort()
          .at(-1)!,
      },
      {
        sensitivity: {
          curves: groups.map(({ group, points, best }) => ({ label: group, points, chosen: best?.lr })),
          lossLabel: metric,
        },
      },
    );
    const sensitivity = join(out, "sensitivity.csv");
    await writeFile(sensitivity, sensitivityCsv(groups));
    if (!flags.has("quiet")) {
      io.stdout.write(
        `${groups.length > 0 ? `best lr per optimizer (${metric}, mean over seeds):\n${bestLrTable(metric, groups)}\n\n` : ""}` +
          `wrote ${[...Object.keys(files), "sensitivity.csv"].join(", ")} to ${out}\nopen ${files["report.html"]}\n`,
      );
    }
    return 0;
  },
};

export const workerCommand: Command = {
  name: "worker",
  summary: "take sweep runs from a Redis queue and run them in this machine's worker pool",
  usage: "optimlab worker --queue redis://host:port [--workers N]",
  description: `Connects to the BullMQ queue at --queue and runs the sweep runs it holds, --workers at a time (one wasm
worker thread each; default one per core), sending each result back (per-step losses, epoch metrics, timing, the
software version). Start one per machine. A run whose worker dies (killed, machine lost) is handed to another
worker once its lock expires (--stall-seconds). Ctrl-C (or SIGTERM) finishes the runs in progress, then exits;
a second Ctrl-C exits at once (other workers then take those runs over).`,
  flags: {
    queue: QUEUE,
    workers: {
      kind: "count",
      value: "N",
      help: "runs at once, one wasm worker thread each (default: number of cores)",
    },
    "stall-seconds": {
      kind: "count",
      value: "N",
      help: "seconds without a heartbeat after which a run is given to another worker (default 30)",
    },
    help: HELP_FLAG,
  },
  async run(flags, io) {
    const url = flag<string>(flags, "queue");
    if (url === undefined) throw new UsageError("--queue URL is required");
    const { runQueueWorker } = await import("../sweep/queue.js");
    const stop = new AbortController();
    const force = new AbortController();
    const onSignal = () => (stop.signal.aborted ? force : stop).abort();
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      await runQueueWorker(
        url,
        {
          workers: flag<number>(flags, "workers") ?? availableParallelism(),
          stallSeconds: flag<number>(flags, "stall-seconds") ?? 30,
          version: await packageVersion(),
          log: (line) => io.stderr.write(`optimlab worker: ${line}\n`),
        },
        stop.signal,
        force.signal,
      );
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    return 0;
  },
};
