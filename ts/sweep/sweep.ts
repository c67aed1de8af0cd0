// Running a sweep: the runs not yet in the results file go to an executor — the local worker pool, or BullMQ through
// Redis (queue.ts) — and every record that comes back is appended to the results file, once per run id. The same
// path for both executors: only where the runs execute differs.
import { createPool } from "../node-api.js";
import { reviveError } from "../errors.js";
import { DataCache } from "./data.js";
import type { ResultsFile } from "./results.js";
import { executeRun, failureRecord, isPermanentFailure, type ResultRecord } from "./run.js";
import type { PlannedRun, SweepPlan } from "./spec.js";

/** Where a sweep's runs execute. */
export interface SweepExecutor {
  /**
   * Runs `runs`, handing each record to `store` as the run ends (a failed run too, with `error`), and resolves when
   * all are stored or `signal` aborted; after an abort it leaves nothing half done that a rerun could not pick up.
   */
  execute(
    runs: readonly PlannedRun[],
    store: (record: ResultRecord) => Promise<void>,
    signal: AbortSignal,
  ): Promise<void>;
  close(): Promise<void>;
}

export interface SweepOutcome {
  /** Runs in the plan. */
  total: number;
  /** Runs found in the results file when the sweep started. */
  alreadyStored: number;
  /** Runs stored by this sweep. */
  stored: number;
  failed: number;
  diverged: number;
  /** Runs not stored yet (an interruption or the time budget stopped the sweep): a rerun does them. */
  left: number;
  /** Why the sweep stopped early: "interrupted" (the signal) or "budget" (budget.minutes). */
  stopped?: "interrupted" | "budget";
}

/** Runs the plan's runs that `results` lacks on `executor`, appending each record as it arrives. */
export async function runSweep(
  plan: SweepPlan,
  results: ResultsFile,
  executor: SweepExecutor,
  options: { signal?: AbortSignal; onStored?: (record: ResultRecord, outcome: SweepOutcome) => void } = {},
): Promise<SweepOutcome> {
  const pending = plan.runs.filter((run) => !results.has(run.id));
  const planned = new Set(plan.runs.map((run) => run.id));
  const outcome: SweepOutcome = {
    total: plan.runs.length,
    alreadyStored: plan.runs.length - pending.length,
    stored: 0,
    failed: 0,
    diverged: 0,
    left: pending.length,
  };
  const budget = plan.budget.minutes === undefined ? undefined : AbortSignal.timeout(plan.budget.minutes * 60_000);
  const signals = [options.signal, budget].filter((signal): signal is AbortSignal => signal !== undefined);
  const signal = AbortSignal.any(signals);
  const store = async (record: ResultRecord) => {
    if (!planned.has(record.id) || !(await results.append(record))) return;
    outcome.stored++;
    outcome.left--;
    if (record.error) outcome.failed++;
    if (record.diverged) outcome.diverged++;
    options.onStored?.(record, outcome);
  };
  if (pending.length > 0) await executor.execute(pending, store, signal);
  if (outcome.left > 0 && signal.aborted) outcome.stopped = budget?.aborted ? "budget" : "interrupted";
  return outcome;
}

/** The local worker pool as an executor: a crashed run is retried up to `attempts` times, an invalid one fails at once. */
export class LocalExecutor implements SweepExecutor {
  private readonly pool;

  constructor(
    private readonly workers: number,
    private readonly version: string,
    private readonly attempts: number,
  ) {
    this.pool = createPool({ workers });
  }

  async execute(
    runs: readonly PlannedRun[],
    store: (record: ResultRecord) => Promise<void>,
    signal: AbortSignal,
  ): Promise<void> {
    const cache = new DataCache();
    // As many runs in flight as the pool has workers: the others wait here, not in the pool's queue.
    let next = 0;
    const runner = async () => {
      while (next < runs.length && !signal.aborted) {
        const record = await this.attempt(runs[next++]!, cache, signal);
        if (record) await store(record);
      }
    };
    await Promise.all(Array.from({ length: this.workers }, runner));
  }

  /** The run's record after at most `attempts` tries; undefined when the signal aborted it. */
  private async attempt(run: PlannedRun, cache: DataCache, signal: AbortSignal): Promise<ResultRecord | undefined> {
    for (let attempt = 1; !signal.aborted; attempt++) {
      const started = performance.now();
      try {
        return await executeRun(this.pool, cache, run, this.version, { signal });
      } catch (thrown) {
        if (signal.aborted) return undefined;
        const error = reviveError(thrown);
        if (isPermanentFailure(error) || attempt >= this.attempts) {
          const failure = { name: error.name, message: error.message, attempts: attempt };
          return failureRecord(run, failure, this.version, (performance.now() - started) / 1000);
        }
      }
    }
    return undefined;
  }

  async close(): Promise<void> {
    this.pool.dispose();
  }
}
