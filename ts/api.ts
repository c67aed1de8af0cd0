// The public functions, platform-neutral: each entry (Node's index.ts, the browser's) binds them to its Platform.
import { OptimlabPool, type CompareOptions, type PoolOptions, type TrainOptions } from "./client.js";
import type { Platform } from "./pool.js";
import type { RunResult } from "./types.js";

export function createPoolOn(platform: Platform, options?: PoolOptions): OptimlabPool {
  return new OptimlabPool(platform, options);
}

/** `compare` on a pool of its own (at most one worker per optimizer), terminated when the comparison ends. */
export async function compareOn(platform: Platform, options: CompareOptions & PoolOptions): Promise<RunResult[]> {
  const runs = Array.isArray(options.optimizers) ? Math.max(options.optimizers.length, 1) : 1;
  const pool = new OptimlabPool(platform, { workers: Math.min(options.workers ?? platform.cores(), runs) });
  try {
    return await pool.compare(options);
  } finally {
    pool.dispose();
  }
}

/** `train` on a worker of its own, terminated when the run ends. */
export async function trainOn(platform: Platform, options: TrainOptions): Promise<RunResult> {
  const pool = new OptimlabPool(platform, { workers: 1 });
  try {
    return await pool.train(options);
  } finally {
    pool.dispose();
  }
}
