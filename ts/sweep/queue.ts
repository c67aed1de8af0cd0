// Sweeps through BullMQ on Redis: the sweep process queues its runs as jobs (job id = "run-" + run id, so a run is
// queued once however often the sweep is started), `optimlab worker` processes on any machines run them in their
// local pools, and the sweep process collects the results from Redis into its results file. BullMQ's stalled-job
// recovery hands the run of a worker that died to another worker; a run that fails for good (an invalid option,
// data that does not match) fails at once as an UnrecoverableError, with the error's name and message as its reason.
// Node only: nothing here may reach a browser bundle (scripts/bundle.mjs refuses bullmq and ioredis).
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { Queue, UnrecoverableError, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { reviveError } from "../errors.js";
import { createPool } from "../node-api.js";
import { describeOptimizer } from "../plot/text.js";
import { DataCache } from "./data.js";
import { executeRun, failureRecord, isPermanentFailure, PROCESS_NAME, type ResultRecord } from "./run.js";
import { runId, type PlannedRun, type RunSpec } from "./spec.js";
import type { SweepExecutor } from "./sweep.js";

/** The BullMQ queue every sweep and worker of a Redis uses. */
export const QUEUE_NAME = "optimlab-runs";
/** Finished jobs stay in Redis this long, so that a sweep restarted within it collects them instead of rerunning. */
const KEEP_FINISHED_SECONDS = 7 * 24 * 3600;
/** Times a run may lose its worker (process killed, machine gone) before it fails. */
const MAX_STALLED = 2;

interface JobData {
  id: string;
  spec: RunSpec;
}

type RunJob = Job<JobData, ResultRecord>;

export class QueueError extends Error {
  override name = "QueueError";
}

const jobIdOf = (id: string) => `run-${id}`;

/** The URL with its password replaced by ***, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Checks a --queue value: redis://[user:password@]host:port[/db] or rediss://… (TLS). */
export function checkQueueUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new QueueError(`--queue must be a URL such as redis://host:6379, got "${url}"`);
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:")
    throw new QueueError(`--queue must be a redis:// or rediss:// (TLS) URL, got "${redactUrl(url)}"`);
  return url;
}

/**
 * Connects to Redis, failing at once with a clear error when it cannot be reached; once connected, a lost connection
 * is retried with backoff (a Redis restart pauses the sweep or the worker, it does not end it).
 */
/** ioredis options of a connection that outlives Redis restarts: commands wait for the reconnection (BullMQ's workers block on Redis). */
const RECONNECTING = {
  maxRetriesPerRequest: null,
  connectTimeout: 10_000,
  retryStrategy: (times: number) => Math.min(times * 250, 5000),
};

export async function connectRedis(url: string, onError: (message: string) => void): Promise<Redis> {
  let connected = false;
  const client = new Redis(checkQueueUrl(url), {
    ...RECONNECTING,
    lazyConnect: true,
    retryStrategy: (times) => (connected ? RECONNECTING.retryStrategy(times) : null),
  });
  let lastError = "";
  client.on("error", (error: Error) => {
    if (connected && error.message !== lastError) onError(`redis ${redactUrl(url)}: ${error.message}`);
    lastError = error.message;
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new QueueError(`cannot reach ${redactUrl(url)}: ${(error as Error).message || lastError}`);
  }
  connected = true;
  return client;
}

/** A run in a few words: "adam lr=0.001 seed=1", after its problem when it names one ("quadratic_deep sgd lr=0.1 seed=0"). */
export function describeRun(spec: RunSpec): string {
  const problem = spec.problem === undefined ? "" : `${spec.problem} `;
  return `${problem}${describeOptimizer(spec.optimizer).replace(/,/g, "")} seed=${spec.seed}`;
}

/** A failed job's reason ("OptimizerOptionError: Invalid learning rate: -1") as the error of its record. */
function jobError(job: RunJob): { name: string; message: string; attempts: number } {
  const reason = job.failedReason ?? "unknown failure";
  const match = /^([A-Za-z]*Error): ([\s\S]*)$/.exec(reason);
  // BullMQ's own reasons (a run whose worker died too often: "job stalled more than allowable limit") are crashes.
  const [name, message] = match ? [match[1]!, match[2]!] : ["WorkerCrashError", reason];
  return { name, message, attempts: Math.max(job.attemptsMade, 1) };
}

/** The sweep's side: queues the runs, collects their results, and on interruption withdraws the runs not started. */
export class QueueExecutor implements SweepExecutor {
  /** What the last interrupted execute() left: runs withdrawn from the queue, runs still running on workers. */
  withdrawn = { removed: 0, running: 0 };

  private constructor(
    private readonly client: Redis,
    private readonly queue: Queue<JobData, ResultRecord>,
    private readonly options: { attempts: number; version: string; pollMs: number },
  ) {}

  static async connect(
    url: string,
    options: { attempts: number; version: string; pollMs?: number; onError: (message: string) => void },
  ): Promise<QueueExecutor> {
    const client = await connectRedis(url, options.onError);
    const queue = new Queue<JobData, ResultRecord>(QUEUE_NAME, { connection: client });
    return new QueueExecutor(client, queue, { pollMs: 200, ...options });
  }

  async execute(
    runs: readonly PlannedRun[],
    store: (record: ResultRecord) => Promise<void>,
    signal: AbortSignal,
  ): Promise<void> {
    const outstanding = new Map(runs.map((run) => [jobIdOf(run.id), run]));
    await this.enqueue(runs, signal);
    let idlePolls = 0;
    while (outstanding.size > 0 && !signal.aborted) {
      idlePolls = (await this.collect(outstanding, store)) > 0 ? 0 : idlePolls + 1;
      // A job removed behind the sweep's back (queue cleaned, Redis flushed) is queued again rather than waited for.
      if (idlePolls * this.options.pollMs >= 10_000) {
        await this.requeueMissing(outstanding);
        idlePolls = 0;
      }
      if (outstanding.size > 0) await sleep(this.options.pollMs, undefined, { signal }).catch(() => {});
    }
    if (signal.aborted) this.withdrawn = await this.withdraw(outstanding);
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.client.disconnect();
  }

  /**
   * Adds the runs as jobs. A run whose job already exists is not added twice: a finished one is collected as it is,
   * except a failed one (no record in the results file means it is wanted again), which is retried from scratch.
   */
  private async enqueue(runs: readonly PlannedRun[], signal: AbortSignal): Promise<void> {
    const failed = new Set(await this.queue.getRanges(["failed"], 0, -1));
    for (const run of runs) {
      if (!failed.has(jobIdOf(run.id))) continue;
      const job = await this.queue.getJob(jobIdOf(run.id));
      await job?.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
    }
    const batch = 500;
    for (let start = 0; start < runs.length && !signal.aborted; start += batch) {
      await this.queue.addBulk(runs.slice(start, start + batch).map((run) => this.job(run)));
    }
  }

  private job(run: PlannedRun) {
    return {
      name: "run",
      data: { id: run.id, spec: run.spec },
      opts: {
        jobId: jobIdOf(run.id),
        attempts: this.options.attempts,
        backoff: { type: "fixed", delay: 1000 },
        removeOnComplete: { age: KEEP_FINISHED_SECONDS },
        removeOnFail: { age: KEEP_FINISHED_SECONDS },
      },
    };
  }

  /** Stores the finished jobs among `outstanding`; returns how many. */
  private async collect(
    outstanding: Map<string, PlannedRun>,
    store: (record: ResultRecord) => Promise<void>,
  ): Promise<number> {
    let collected = 0;
    for (const state of ["completed", "failed"] as const) {
      for (const jobId of await this.queue.getRanges([state], 0, -1)) {
        const run = outstanding.get(jobId);
        if (!run) continue;
        const job = (await this.queue.getJob(jobId)) as RunJob | undefined;
        if (!job) continue;
        await store(state === "completed" ? this.completedRecord(run, job) : this.failedRecord(run, job));
        outstanding.delete(jobId);
        collected++;
      }
    }
    return collected;
  }

  private completedRecord(run: PlannedRun, job: RunJob): ResultRecord {
    const record = job.returnvalue;
    if (record?.id === run.id) return record;
    const message = `worker ${job.processedBy ?? "?"} returned no result for run ${run.id}`;
    return failureRecord(run, { name: "WorkerCrashError", message, attempts: job.attemptsMade }, this.options.version);
  }

  private failedRecord(run: PlannedRun, job: RunJob): ResultRecord {
    const seconds = job.finishedOn && job.processedOn ? (job.finishedOn - job.processedOn) / 1000 : 0;
    return failureRecord(run, jobError(job), this.options.version, seconds, job.processedBy ?? "?");
  }

  private async requeueMissing(outstanding: Map<string, PlannedRun>): Promise<void> {
    const known = new Set(
      await this.queue.getRanges(
        ["wait", "active", "delayed", "prioritized", "waiting-children", "completed", "failed"],
        0,
        -1,
      ),
    );
    const missing = [...outstanding].filter(([jobId]) => !known.has(jobId)).map(([, run]) => this.job(run));
    if (missing.length > 0) await this.queue.addBulk(missing);
  }

  /** Removes the outstanding runs no worker has started; the running ones finish and a rerun collects them. */
  private async withdraw(outstanding: Map<string, PlannedRun>): Promise<{ removed: number; running: number }> {
    const waiting = new Set(await this.queue.getRanges(["wait", "delayed", "prioritized"], 0, -1));
    let removed = 0;
    for (const jobId of outstanding.keys()) if (waiting.has(jobId)) removed += await this.queue.remove(jobId);
    return { removed, running: outstanding.size - removed };
  }
}

/**
 * The Redis client name of this process's worker connections, in the form Queue.getWorkers() looks for
 * ("bull:" + base64(queue) + ":w:" + name): BullMQ 6.7's Worker does not name its connections itself.
 */
function workerClientName(): string {
  return `bull:${Buffer.from(QUEUE_NAME).toString("base64")}:w:${hostname()}:${process.pid}`;
}

export interface QueueWorkerOptions {
  /** wasm workers in this process's pool, which is also how many runs it takes at once. */
  workers: number;
  /** Seconds without a heartbeat after which a run is handed to another worker. */
  stallSeconds: number;
  version: string;
  log(line: string): void;
}

/**
 * An `optimlab worker`: takes runs from the queue into its local pool until `signal` aborts, then lets the runs it
 * has finish (a second abort, through `force`, stops at once: other workers then recover those runs).
 */
export async function runQueueWorker(
  url: string,
  options: QueueWorkerOptions,
  signal: AbortSignal,
  force: AbortSignal,
): Promise<void> {
  // Checked once for a clear error; the Worker then opens its own named connections (which `sweep status` counts).
  (await connectRedis(url, options.log)).disconnect();
  const pool = createPool({ workers: options.workers });
  const cache = new DataCache();
  const processJob = async (job: RunJob, _token?: string, jobSignal?: AbortSignal): Promise<ResultRecord> => {
    const { id, spec } = job.data;
    if (runId(spec) !== id) throw new UnrecoverableError(`ConfigError: job ${job.id}: its spec does not hash to ${id}`);
    let lastProgress = 0;
    try {
      return await executeRun(pool, cache, { id, spec }, options.version, {
        signal: jobSignal,
        onProgress: ({ step, totalSteps }) => {
          if (performance.now() - lastProgress < 250) return;
          lastProgress = performance.now();
          job.updateProgress({ step, totalSteps }).catch(() => {});
        },
      });
    } catch (thrown) {
      const error = reviveError(thrown);
      const reason = `${error.name}: ${error.message}`;
      throw isPermanentFailure(error) ? new UnrecoverableError(reason) : new Error(reason);
    }
  };
  const worker = new Worker<JobData, ResultRecord>(QUEUE_NAME, processJob, {
    connection: { url, ...RECONNECTING, connectionName: workerClientName() },
    concurrency: options.workers,
    lockDuration: options.stallSeconds * 1000,
    stalledInterval: options.stallSeconds * 1000,
    maxStalledCount: MAX_STALLED,
    name: PROCESS_NAME,
  });
  worker.on("completed", (job, record) =>
    options.log(`run ${job.data.id} (${describeRun(job.data.spec)}) done in ${record.timing.seconds.toFixed(1)} s`),
  );
  worker.on("failed", (job, error) => {
    if (job) options.log(`run ${job.data.id} (${describeRun(job.data.spec)}) failed: ${error.message}`);
  });
  worker.on("error", (error) => options.log(`worker: ${error.message}`));
  await worker.waitUntilReady();
  options.log(`${PROCESS_NAME}: taking runs from ${redactUrl(url)} with ${options.workers} wasm workers`);
  try {
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    options.log("finishing the runs in progress (interrupt again to stop at once)");
    await Promise.race([
      worker.close(),
      new Promise<void>((resolve) => force.addEventListener("abort", () => resolve(), { once: true })),
    ]);
  } finally {
    pool.dispose();
  }
}

/** Progress of everything in the queue. */
export interface QueueStatus {
  url: string;
  done: number;
  running: number;
  failed: number;
  waiting: number;
  workers: number;
  /** The running runs: job id, the run in a few words, its progress, the process running it. */
  active: { id: string; run: string; step?: number; totalSteps?: number; worker?: string }[];
  /** Finished runs per minute over the latest ones; undefined before two have finished. */
  runsPerMinute?: number;
  /** Seconds until the running and waiting runs are done at that pace. */
  etaSeconds?: number;
}

export async function queueStatus(url: string): Promise<QueueStatus> {
  const client = await connectRedis(url, () => {});
  const queue = new Queue<JobData, ResultRecord>(QUEUE_NAME, { connection: client });
  try {
    const counts = await queue.getJobCounts("completed", "failed", "active", "wait", "delayed", "prioritized");
    const waiting = counts.wait! + counts.delayed! + counts.prioritized!;
    const active = ((await queue.getActive(0, 49)) as RunJob[]).map((job) => {
      const progress = job.progress as { step?: number; totalSteps?: number } | number;
      return {
        id: job.data.id,
        run: describeRun(job.data.spec),
        ...(typeof progress === "object" ? { step: progress.step, totalSteps: progress.totalSteps } : {}),
        ...(job.processedBy ? { worker: job.processedBy } : {}),
      };
    });
    const finished = (await queue.getJobs(["completed", "failed"], 0, 49, false))
      .map((job) => job.finishedOn)
      .filter((time): time is number => time !== undefined)
      .sort((a, b) => a - b);
    const status: QueueStatus = {
      url: redactUrl(url),
      done: counts.completed!,
      running: counts.active!,
      failed: counts.failed!,
      waiting,
      // Each worker process holds two connections (one blocking) under one name.
      workers: new Set((await queue.getWorkers()).map((client) => client.name)).size,
      active,
    };
    const span = (finished.at(-1)! - finished[0]!) / 60_000;
    if (finished.length >= 2 && span > 0) {
      status.runsPerMinute = (finished.length - 1) / span;
      status.etaSeconds = ((status.running + waiting) / status.runsPerMinute) * 60;
    }
    return status;
  } finally {
    await queue.close();
    client.disconnect();
  }
}
