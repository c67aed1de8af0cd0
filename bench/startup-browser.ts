// The Chromium half of bench/startup.bench.ts: the same comparison, trials and floor in headless Chromium (Debian's,
// through playwright-core, as the browser tests launch it). bench/startup-browser.html loads the script-tag build
// (dist/optimlab.global.js) from the package root served on 127.0.0.1, with the CSP the library promises to work
// under and `Cache-Control: max-age` as a static host sends it, so that each new Web Worker finds optimlab.worker.js
// in the browser's cache as it would on a deployed page after its first comparison; once as a plain page, once
// cross-origin isolated. bench/startup-browser.js runs the trials with the page's clock.
import { access, constants } from "node:fs/promises";
import { CHROMIUM_PATH, launchChromium, startServer } from "../test/helpers/chromium.js";

/** Instrumented comparisons for the timeline, after the timed trials. */
const TIMELINE_TRIALS = 5;

export interface BrowserStartupTrials {
  browserVersion: string;
  compileMs: number;
  trainCount: number;
  /** Per trial: a bare Web Worker's start, then compare() to its first step in a fresh pool. */
  trials: { bareMs: number; firstStepMs: number }[];
  keptPoolMs: number[];
  timelineTrials: number;
  /** Where a fresh worker's first step spends its time (medians of separate, instrumented comparisons; ms). */
  timeline: BrowserStartupTimeline;
}

/** Medians, in ms, of bench/startup-browser.js's timeline(); see there. */
export interface BrowserStartupTimeline {
  /** From compare() to the pool creating its Web Worker (options checked, runs prepared on the page). */
  spawn: number;
  /** The page's postMessage calls that copy the data to the worker (structured clone; overlaps the worker's start). */
  postData: number;
  /** From the worker's creation to its first script running (the thread, the script fetched: about a bare worker). */
  workerStart: number;
  /** Loading optimlab.worker.js (from the browser's cache) and running its top level. */
  workerScript: number;
  /** The worker's init: the shared module instantiated. */
  instantiate: number;
  /** From init handled to the last of the data handled: received (deserialized), then copied into wasm memory. */
  dataIn: number;
  /** Of that, the copies into wasm memory (the addData calls' handling). */
  dataCopy: number;
  /** Opening the run (model, optimizer state, batches), from the call to its answer on the page. */
  open: number;
  /** The first step, from the call to its losses on the page. */
  firstStep: number;
}

/** Why the Chromium rows cannot run (no Chromium at CHROMIUM_PATH), or undefined when they can. */
export async function chromiumMissing(): Promise<string | undefined> {
  try {
    await access(CHROMIUM_PATH, constants.X_OK);
    return undefined;
  } catch {
    return `no Chromium at ${CHROMIUM_PATH} (bash scripts/ensure.sh --browser installs Debian's; CHROMIUM_PATH points elsewhere)`;
  }
}

/**
 * Runs `trials` trials in a fresh headless Chromium with the Node bench's run options and sample seed, on a page
 * served with or without cross-origin isolation (COOP and COEP; the data is then shared with the worker through a
 * SharedArrayBuffer instead of copied by postMessage).
 */
export async function runInChromium(
  runOptions: { optimizers: { name: string; lr: number }[]; epochs: number },
  sampleSeed: number,
  trials: number,
  { crossOriginIsolated }: { crossOriginIsolated: boolean },
): Promise<BrowserStartupTrials> {
  const isolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };
  const server = await startServer({
    headers: { "Cache-Control": "max-age=3600", ...(crossOriginIsolated ? isolation : {}) },
  });
  const browser = await launchChromium().catch(async (error: Error) => {
    await server.close();
    throw error;
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(server.url + "bench/startup-browser.html");
    // String expressions, not functions: tsx's transform may wrap functions in helpers the page does not have.
    const call = async <T>(method: string, ...args: unknown[]) =>
      (await page.evaluate(`startupBench.${method}(${args.map((arg) => JSON.stringify(arg)).join(", ")})`)) as T;
    if ((await page.evaluate("crossOriginIsolated")) !== crossOriginIsolated) {
      throw new Error(`the startup page is ${crossOriginIsolated ? "not " : ""}cross-origin isolated`);
    }
    const { compileMs, trainCount } = await call<{ compileMs: number; trainCount: number }>("prepare", sampleSeed);
    const results: BrowserStartupTrials["trials"] = [];
    for (let trial = 0; trial < trials; trial++) results.push(await call("trial", runOptions));
    const keptPoolMs = await call<number[]>("keptPool", runOptions, trials);
    const timeline = await call<BrowserStartupTimeline>("timeline", runOptions, TIMELINE_TRIALS);
    if (errors.length > 0) throw new Error(`the startup page failed: ${errors.join("; ")}`);
    return {
      browserVersion: browser.version(),
      compileMs,
      trainCount,
      trials: results,
      keptPoolMs,
      timelineTrials: TIMELINE_TRIALS,
      timeline,
    };
  } finally {
    await Promise.all([browser.close(), server.close()]);
  }
}
