// Sweep throughput: the same sweep run by `optimlab sweep` in its local pool, then through BullMQ on a private Redis
// (started on a random loopback port, stopped at the end) with one and with two `optimlab worker` processes on this
// machine; runs per minute for each, and the queue's overhead per run against the local pool, measured on runs of
// one step where nothing but the overhead takes time. Run after `bash scripts/build.sh`: npx tsx bench/sweep.bench.ts
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { QUEUE_NAME } from "../dist/sweep/queue.js";
import { cli, startCli, type RunningCli } from "../test/helpers/cli.js";
import { startRedis } from "../test/helpers/redis.js";

const data = { sample: "mnist", limit: 4000, testCount: 500 };
/** 24 runs of 2 epochs of a 784-128-128-10 MLP on 4,000 digits (batch 32), about a second each. */
const THROUGHPUT = {
  data,
  model: { layers: [784, 128, 128, 10] },
  epochs: 2,
  batchSize: 32,
  grid: { optimizer: [{ name: "sgd", momentum: 0.9 }, { name: "adam" }], lr: [0.001, 0.01, 0.1], seed: [0, 1, 2, 3] },
};
/** 96 runs of one step of a 784-10 network: the time is the per-run cost of the pool or of the queue. */
const OVERHEAD = {
  data: { ...data, limit: 32 },
  model: { layers: [784, 10] },
  epochs: 1,
  batchSize: 32,
  optimizer: { name: "sgd" },
  grid: { lr: Array.from({ length: 96 }, (_, i) => 0.001 * (i + 1)) },
};

interface Measured {
  runs: number;
  seconds: number;
}

async function sweep(specPath: string, results: string, extra: string[]): Promise<Measured> {
  const outcome = await cli("sweep", specPath, "--results", results, "--json", "--quiet", ...extra);
  if (outcome.code !== 0) throw new Error(`optimlab sweep failed (${outcome.code}): ${outcome.stderr}`);
  const summary = JSON.parse(outcome.stdout) as { stored: number; seconds: number };
  return { runs: summary.stored, seconds: summary.seconds };
}

export async function run(): Promise<void> {
  const redis = await startRedis();
  const dir = await mkdtemp(join(tmpdir(), "optimlab-bench-sweep-"));
  const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
  const flush = new Redis(redis.url);
  const workers: RunningCli[] = [];
  const cores = availableParallelism();
  try {
    const specs = { throughput: join(dir, "throughput.json"), overhead: join(dir, "overhead.json") };
    await writeFile(specs.throughput, JSON.stringify(THROUGHPUT));
    await writeFile(specs.overhead, JSON.stringify(OVERHEAD));
    let file = 0;
    const local = async (spec: string) => sweep(spec, join(dir, `${file++}.jsonl`), ["--workers", String(cores)]);
    /** The sweep through a fresh queue taken by `processes` worker processes of `cores` wasm workers each. */
    const queued = async (spec: string, processes: number) => {
      await flush.flushall();
      for (let p = 0; p < processes; p++) workers.push(startCli("worker", "--queue", redis.url));
      while ((await queue.getWorkers()).length < processes) await new Promise((resolve) => setTimeout(resolve, 50));
      try {
        return await sweep(spec, join(dir, `${file++}.jsonl`), ["--queue", redis.url]);
      } finally {
        for (const worker of workers.splice(0)) {
          worker.child.kill("SIGINT");
          await worker.exited;
        }
      }
    };
    const perMinute = (measured: Measured) => (measured.runs / measured.seconds) * 60;

    const localRuns = await local(specs.throughput);
    const oneWorker = await queued(specs.throughput, 1);
    const twoWorkers = await queued(specs.throughput, 2);
    console.log(
      `sweep throughput, 24 runs of ~1 s (784-128-128-10, 2 epochs of 4,000 digits), ${cores} cores, ${cores} wasm workers per process:`,
    );
    console.log(
      `  local pool              ${perMinute(localRuns).toFixed(0)} runs/min (${localRuns.seconds.toFixed(1)} s)`,
    );
    for (const [name, measured] of [
      ["queue, 1 worker process ", oneWorker],
      ["queue, 2 worker processes", twoWorkers],
    ] as const) {
      console.log(
        `  ${name} ${perMinute(measured).toFixed(0)} runs/min (${measured.seconds.toFixed(1)} s, ${(localRuns.seconds / measured.seconds).toFixed(2)}x the local pool)`,
      );
    }

    const localTiny = await local(specs.overhead);
    const queuedTiny = await queued(specs.overhead, 1);
    const perRunMs = (measured: Measured) => (measured.seconds / measured.runs) * 1000 * cores; // one slot's time per run
    console.log(`per-run overhead, 96 runs of one step, ${cores} at a time:`);
    console.log(
      `  local pool ${perRunMs(localTiny).toFixed(1)} ms/run, queue ${perRunMs(queuedTiny).toFixed(1)} ms/run: ` +
        `the queue adds ${(perRunMs(queuedTiny) - perRunMs(localTiny)).toFixed(1)} ms per run (${(perRunMs(queuedTiny) / perRunMs(localTiny)).toFixed(1)}x)`,
    );
  } finally {
    for (const worker of workers) worker.child.kill("SIGKILL");
    flush.disconnect();
    await queue.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await run();
