// One run of a sweep, the same wherever it executes (the sweep's local pool, or a queue worker's pool): its data
// from the reference, `train` on a pool worker, and the result as one JSON record. The numbers in a record are exact
// (float32 losses as the shortest decimal that reads back to the same float32), so the same run gives the same
// record, bit for bit, on any machine; only `timing` differs.
import { hostname } from "node:os";
import { float32Number } from "../cli/csv.js";
import type { OptimlabPool } from "../client.js";
import type { EpochResult, NonFiniteCounters, Progress, RunResult } from "../types.js";
import { DataCache } from "./data.js";
import type { PlannedRun, RunSpec } from "./spec.js";

/** An epoch's numbers; its time is in `timing`. */
export type EpochRecord = Omit<EpochResult, "seconds">;

/** A run's outcome as stored in the results file (one JSON line). */
export interface ResultRecord {
  id: string;
  spec: RunSpec;
  /** Loss of every step, float32; null where a loss was not finite (a diverged run's last step). */
  losses: (number | null)[];
  /** The lr in force at every step, with a schedule. */
  lrs?: number[];
  stepsPerEpoch: number;
  epochs: EpochRecord[];
  /** The step whose loss became NaN or infinite, and that loss as text ("NaN", "Infinity"). */
  diverged?: { step: number; loss: string };
  /** Under a nonFinite policy ("skip", "propagate"): optax's counters of non-finite steps at the end of the run. */
  nonFinite?: NonFiniteCounters;
  /** Why the run failed: an invalid option (torch's message), data that did not match, or the last crash. */
  error?: { name: string; message: string; attempts?: number };
  timing: {
    /** Wall-clock seconds of the run in its worker, data loading excluded. */
    seconds: number;
    epochSeconds: number[];
    /** Which process ran it: "host pid N". */
    worker: string;
    finishedAt: string;
  };
  software: { optimlab: string; node: string };
}

/** "host pid N": names a process in records, queue status and logs. */
export const PROCESS_NAME = `${hostname()} pid ${process.pid}`;

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? float32Number(value) : null;
}

/** The record of a finished (or diverged) run. */
export function resultRecord(run: PlannedRun, result: RunResult, version: string): ResultRecord {
  const record: ResultRecord = {
    id: run.id,
    spec: run.spec,
    losses: Array.from(result.losses, finiteOrNull),
    stepsPerEpoch: result.stepsPerEpoch,
    epochs: result.epochs.map(({ seconds: _seconds, ...epoch }) => epoch),
    timing: timing(result.seconds, result.epochs),
    software: software(version),
  };
  if (result.lrs) record.lrs = Array.from(result.lrs, float32Number);
  if (result.diverged) record.diverged = { step: result.diverged.step, loss: String(result.diverged.loss) };
  if (result.nonFinite) record.nonFinite = result.nonFinite;
  return record;
}

/** The record of a run that failed. */
export function failureRecord(
  run: PlannedRun,
  error: { name: string; message: string; attempts?: number },
  version: string,
  seconds = 0,
  worker = PROCESS_NAME,
): ResultRecord {
  return {
    id: run.id,
    spec: run.spec,
    losses: [],
    stepsPerEpoch: 0,
    epochs: [],
    error,
    timing: { ...timing(seconds, []), worker },
    software: software(version),
  };
}

function timing(seconds: number, epochs: readonly EpochResult[]): ResultRecord["timing"] {
  return {
    seconds,
    epochSeconds: epochs.map((epoch) => epoch.seconds),
    worker: PROCESS_NAME,
    finishedAt: new Date().toISOString(),
  };
}

function software(version: string): ResultRecord["software"] {
  return { optimlab: version, node: process.version };
}

/** Errors that fail a run for good: the same spec would fail the same way on any worker, so retrying is pointless. */
const PERMANENT = new Set(["OptimizerOptionError", "ConfigError", "DataError", "DataMismatchError"]);

export function isPermanentFailure(error: unknown): boolean {
  return PERMANENT.has((error as Error | undefined)?.name ?? "");
}

/**
 * Trains `run` on `pool` with the data its reference names (loaded through `cache`); resolves with its record or
 * rejects with the run's error (an OptimizerOptionError with torch's message, a DataMismatchError, a WorkerCrashError…).
 */
export async function executeRun(
  pool: OptimlabPool,
  cache: DataCache,
  run: PlannedRun,
  version: string,
  options: { signal?: AbortSignal; onProgress?: (progress: Progress) => void } = {},
): Promise<ResultRecord> {
  const { spec } = run;
  const data = await cache.get(spec.data);
  // The spec's settings are train's options by the same names; `problem` only names the run.
  const { problem: _problem, data: _ref, ...settings } = spec;
  const result = await pool.train({ ...settings, data, ...options });
  return resultRecord(run, result, version);
}
