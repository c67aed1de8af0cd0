// Startup: the time from `compare()` to its first training step reported, in a fresh worker (each comparison here
// starts its own pool, so a new worker thread every time) with the module compiled once per process, as a page or a
// CLI does after its first comparison. The first step reports at once (the first chunk is one step), so the time is
// the worker's start, its wasm instance, the data sent to it and copied into wasm memory, the Trainer, one step.
// Beside it, in the same process run: a bare Node worker thread's start (an empty script answering one message:
// the floor under any fresh worker), and the same time on a pool kept across comparisons (createPool), whose worker
// has already started. Where the bare worker alone takes 50 ms or more, the target cannot be met by any fresh worker
// on that machine: the bench then also judges the time beyond a bare worker (each trial's first step minus the bare
// worker of the same trial) against the target, and says so.
// Then the same in headless Chromium (bench/startup-browser.ts), in the same process run: the script-tag build on a
// page, the module compiled once on the page, the same comparison and data, a new Web Worker per comparison, a bare
// Web Worker beside it; a table puts the two side by side. Without Chromium (bash scripts/ensure.sh --browser
// installs it) the bench says so and skips those rows.
// Run after `bash scripts/build.sh`: npx tsx bench/startup.bench.ts
import { availableParallelism, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { compare, createPool, loadMnistSample } from "../dist/index.js";
import type { CompareOptions, DataSplit } from "../dist/index.js";
import { compileModule } from "../dist/wasm-node.js";
import { chromiumMissing, runInChromium, type BrowserStartupTimeline } from "./startup-browser.js";

const TRIALS = 10;
/** Target of issue 18. */
const TARGET_MS = 50;
/** What every trial starts, in Node and in Chromium: one optimizer for an epoch, cancelled at its first step. */
const FIRST_STEP_RUN = { optimizers: [{ name: "sgd", lr: 0.01 }], epochs: 1 } satisfies Partial<CompareOptions>;
/** The sample's shuffle, the same on both sides. */
const SAMPLE_SEED = 0;

export interface StartupBenchResult {
  compileMs: number;
  firstStepMs: number[];
  medianMs: number;
  bareWorkerMedianMs: number;
  /** Median over trials of the first step minus that trial's bare worker start. */
  beyondBareMedianMs: number;
  warmPoolMedianMs: number;
  /** The same in headless Chromium, or why its rows were skipped. */
  chromium: ChromiumStartupResult[] | { skipped: string };
}

export interface ChromiumStartupResult {
  browserVersion: string;
  crossOriginIsolated: boolean;
  compileMs: number;
  firstStepMs: number[];
  medianMs: number;
  bareWorkerMedianMs: number;
  beyondBareMedianMs: number;
  keptPoolMedianMs: number;
  timelineTrials: number;
  timeline: BrowserStartupTimeline;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2;
}

/** Milliseconds from `run(options)` to its first progress report; the run is then cancelled. */
async function toFirstStep(run: (options: CompareOptions) => Promise<unknown>, data: DataSplit): Promise<number> {
  const abort = new AbortController();
  const started = performance.now();
  let first: number | undefined;
  await run({
    ...FIRST_STEP_RUN,
    data,
    signal: abort.signal,
    onProgress: () => {
      first ??= performance.now() - started;
      abort.abort(); // the rest of the run is not what this measures
    },
  }).catch((error: Error) => {
    if (error.name !== "AbortError") throw error;
  });
  return first!;
}

async function bareWorkerMs(): Promise<number> {
  const started = performance.now();
  const worker = new Worker(`require("node:worker_threads").parentPort.postMessage(0)`, { eval: true });
  await new Promise((resolve) => worker.once("message", resolve));
  const ms = performance.now() - started;
  await worker.terminate();
  return ms;
}

export async function run(): Promise<StartupBenchResult> {
  const data = await loadMnistSample({ seed: SAMPLE_SEED });
  const compileStarted = performance.now();
  await compileModule();
  const compileMs = performance.now() - compileStarted;
  const firstStepMs: number[] = [];
  const bare: number[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    bare.push(await bareWorkerMs());
    firstStepMs.push(await toFirstStep((options) => compare({ ...options, workers: 1 }), data));
  }
  const warm: number[] = [];
  {
    await using pool = createPool({ workers: 1 });
    await toFirstStep((options) => pool.compare(options), data); // starts the pool's worker
    for (let trial = 0; trial < TRIALS; trial++) warm.push(await toFirstStep((options) => pool.compare(options), data));
  }
  const sorted = [...firstStepMs].sort((a, b) => a - b);
  const medianMs = median(firstStepMs);
  const bareWorkerMedianMs = median(bare);
  const beyondBareMedianMs = median(firstStepMs.map((ms, trial) => ms - bare[trial]!));
  const warmPoolMedianMs = median(warm);
  const f = (ms: number) => ms.toFixed(1);
  console.log(
    `startup: compare() → first step in a fresh worker, module compiled once (${f(compileMs)} ms, not counted); ` +
      `${data.train.count} digits sent; ${TRIALS} trials (load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores)`,
  );
  console.log(
    `  median ${f(medianMs)} ms, min ${f(sorted[0]!)} ms, max ${f(sorted.at(-1)!)} ms ` +
      `(target < ${TARGET_MS} ms: ${medianMs < TARGET_MS ? "met" : "MISSED"})`,
  );
  console.log(`  a bare Node worker thread alone starts in ${f(bareWorkerMedianMs)} ms (median, same trials)`);
  const beyond = `  beyond a bare worker (first step minus the same trial's bare worker): median ${f(beyondBareMedianMs)} ms`;
  if (bareWorkerMedianMs >= TARGET_MS) {
    console.log(
      `  the bare worker alone is over the target on this machine, so no fresh worker can meet it here; judged beyond it:`,
    );
    console.log(`${beyond} (target < ${TARGET_MS} ms: ${beyondBareMedianMs < TARGET_MS ? "met" : "MISSED"})`);
  } else {
    console.log(beyond);
  }
  console.log(`  on a kept pool (createPool), whose worker is already up: median ${f(warmPoolMedianMs)} ms`);
  console.log(
    `  the first trial, right after the module was compiled: ${f(firstStepMs[0]!)} ms (V8 compiles each wasm ` +
      `function on its first call and optimizes the hot ones in the background; the compiled code is shared by ` +
      `every worker of the process, so the later trials start on it)`,
  );
  console.log("  as JSON Lines:");
  console.log(
    JSON.stringify({
      bench: "startup",
      compileMs,
      medianMs,
      bareWorkerMedianMs,
      beyondBareMedianMs,
      warmPoolMedianMs,
      firstTrialMs: firstStepMs[0],
    }),
  );
  const chromium = await chromiumRows(data.train.count);
  if (!("skipped" in chromium)) {
    console.log(`  side by side (${TRIALS} trials each, medians; in Chromium the page's clock):`);
    printTable([
      ["", "compare() → first step (min–max)", "a bare worker", "beyond a bare worker", "kept pool", "target < 50 ms"],
      row("Node worker thread", firstStepMs, medianMs, bareWorkerMedianMs, beyondBareMedianMs, warmPoolMedianMs),
      ...chromium.map((page) =>
        row(
          `Chromium Web Worker, ${pageName(page)}`,
          page.firstStepMs,
          page.medianMs,
          page.bareWorkerMedianMs,
          page.beyondBareMedianMs,
          page.keptPoolMedianMs,
        ),
      ),
    ]);
    const f = (ms: number) => `${ms.toFixed(1)} ms`;
    console.log(
      `  the first trial on each page, right after the module was compiled: ` +
        chromium.map((page) => `${pageName(page)} ${f(page.firstStepMs[0]!)}`).join(", "),
    );
    console.log(
      `  where Chromium's time goes (medians of ${chromium[0]!.timelineTrials} more comparisons, instrumented):`,
    );
    for (const page of chromium) {
      const t = page.timeline;
      console.log(
        `    ${pageName(page)}: the pool creates the Web Worker ${f(t.spawn)} after compare(); the page's ` +
          `postMessage calls for the data take ${f(t.postData)} (overlapping the worker's start); the worker's ` +
          `script runs ${f(t.workerStart)} after its creation, loads optimlab.worker.js in ${f(t.workerScript)}, ` +
          `instantiates the module in ${f(t.instantiate)}; the data is in its wasm memory ${f(t.dataIn)} later (of ` +
          `which copying it there ${f(t.dataCopy)}); opening the run ${f(t.open)}; the first step ${f(t.firstStep)}`,
      );
    }
  }
  console.log("  Chromium as JSON Lines:");
  for (const line of "skipped" in chromium ? [chromium] : chromium.map(withVerdict)) {
    console.log(JSON.stringify({ bench: "startup-chromium", targetMs: TARGET_MS, ...line }));
  }
  return { compileMs, firstStepMs, medianMs, bareWorkerMedianMs, beyondBareMedianMs, warmPoolMedianMs, chromium };
}

function pageName(page: ChromiumStartupResult): string {
  return page.crossOriginIsolated ? "cross-origin isolated page" : "plain page";
}

/**
 * The target's verdict: on the median itself where a bare worker starts under the target, else (no fresh worker
 * can meet it there) on the time beyond a bare worker; with the margin when missed.
 */
function verdict(medianMs: number, bareWorkerMedianMs: number, beyondBareMedianMs: number): string {
  const judged = bareWorkerMedianMs < TARGET_MS ? medianMs : beyondBareMedianMs;
  const what = bareWorkerMedianMs < TARGET_MS ? "" : " beyond a bare worker (the bare worker alone is over it)";
  return judged < TARGET_MS ? `met${what}` : `MISSED by ${(judged - TARGET_MS).toFixed(1)} ms${what}`;
}

function withVerdict(page: ChromiumStartupResult) {
  const { firstStepMs: trials, ...medians } = page;
  const verdictText = verdict(page.medianMs, page.bareWorkerMedianMs, page.beyondBareMedianMs);
  return { ...medians, firstTrialMs: trials[0], verdict: verdictText };
}

function row(
  name: string,
  trials: number[],
  medianMs: number,
  bareMs: number,
  beyondMs: number,
  keptMs: number,
): string[] {
  const f = (ms: number) => `${ms.toFixed(1)} ms`;
  const range = `${f(Math.min(...trials))}–${f(Math.max(...trials))}`;
  return [name, `${f(medianMs)} (${range})`, f(bareMs), f(beyondMs), f(keptMs), verdict(medianMs, bareMs, beyondMs)];
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((cells) => cells[column]!.length)));
  for (const cells of rows) console.log(`  ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join("  ")}`);
}

/**
 * The Chromium trials on a plain page (the data copied to each worker by structured clone) and on a cross-origin
 * isolated one (shared through a SharedArrayBuffer), or why they were skipped: no Chromium, or (said loudly, the
 * bench's exit code 1) a failure.
 */
async function chromiumRows(nodeTrainCount: number): Promise<ChromiumStartupResult[] | { skipped: string }> {
  const missing = await chromiumMissing();
  if (missing) {
    console.log(`  Chromium rows skipped: ${missing}`);
    return { skipped: missing };
  }
  const pages: ChromiumStartupResult[] = [];
  for (const crossOriginIsolated of [false, true]) {
    let measured;
    try {
      measured = await runInChromium(FIRST_STEP_RUN, SAMPLE_SEED, TRIALS, { crossOriginIsolated });
    } catch (error) {
      process.exitCode = 1;
      const reason = `the Chromium trials failed: ${(error as Error).message}`;
      console.error(`  ${reason}`);
      return { skipped: reason };
    }
    if (measured.trainCount !== nodeTrainCount) throw new Error("the page's sample differs from Node's");
    const firstStepMs = measured.trials.map((trial) => trial.firstStepMs);
    const bareMs = measured.trials.map((trial) => trial.bareMs);
    pages.push({
      browserVersion: measured.browserVersion,
      crossOriginIsolated,
      compileMs: measured.compileMs,
      firstStepMs,
      medianMs: median(firstStepMs),
      bareWorkerMedianMs: median(bareMs),
      beyondBareMedianMs: median(firstStepMs.map((ms, trial) => ms - bareMs[trial]!)),
      keptPoolMedianMs: median(measured.keptPoolMs),
      timelineTrials: measured.timelineTrials,
      timeline: measured.timeline,
    });
  }
  console.log(
    `  in headless Chromium ${pages[0]!.browserVersion}: the script-tag build on a page, module compiled once on the ` +
      `page (${pages.map((page) => page.compileMs.toFixed(1)).join(" and ")} ms, not counted), the same comparison ` +
      `and digits, a new Web Worker each time; a plain page, and one served cross-origin isolated (COOP and COEP ` +
      `headers), where the data is shared with the worker instead of copied`,
  );
  return pages;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
