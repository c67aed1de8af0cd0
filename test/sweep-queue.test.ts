// Sweeps through BullMQ on a private Redis (started here on a random loopback port, stopped at the end): a 24-run
// sweep taken by two `optimlab worker` processes, one of them SIGKILLed in the middle of a run, stores every run once
// and bit-identical to the same sweep run in the local pool; a sweep stopped halfway (SIGKILL in the local pool,
// Ctrl-C through the queue) and started again ends with the same results. Then the report of those results.
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUEUE_NAME } from "../dist/sweep/queue.js";
import { readResults } from "../dist/sweep/results.js";
import type { ResultRecord } from "../dist/sweep/run.js";
import { expandSweep } from "../dist/sweep/spec.js";
import { cli, startCli, type RunningCli } from "./helpers/cli.js";
import { startRedis, type TestRedis } from "./helpers/redis.js";

// 2 optimizers × 3 lrs × 4 seeds; each run long enough (about a second here) to be killed in its middle.
const SPEC = {
  name: "queue test",
  data: { sample: "mnist", limit: 4000, testCount: 500 },
  model: { layers: [784, 128, 128, 10] },
  epochs: 2,
  batchSize: 32,
  grid: { optimizer: [{ name: "sgd", momentum: 0.9 }, { name: "adam" }], lr: [0.001, 0.01, 0.1], seed: [0, 1, 2, 3] },
};
const RUNS = expandSweep(SPEC, "/").runs;

/** A record without its timing (which machine, how long): what must be bit-identical wherever the run ran. */
function numbers(record: ResultRecord): Omit<ResultRecord, "timing"> {
  const { timing: _timing, ...rest } = record;
  return rest;
}

async function storedRecords(path: string): Promise<ResultRecord[]> {
  return (await readResults(path)).records;
}

async function lines(path: string): Promise<number> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text.split("\n").length - 1;
}

/** Polls `check` every 50 ms until it returns something, for at most `seconds`. */
async function waitFor<T>(check: () => Promise<T | undefined>, what: string, seconds = 120): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const workerName = (worker: RunningCli) => `${hostname()} pid ${worker.child.pid}`;

describe("sweeps through Redis", { timeout: 240_000 }, () => {
  let redis: TestRedis;
  let dir: string;
  let specPath: string;
  let queue: Queue;
  let reference: Map<string, Omit<ResultRecord, "timing">>;
  const workers: RunningCli[] = [];
  const startWorker = () => {
    const worker = startCli("worker", "--queue", redis.url, "--workers", "1", "--stall-seconds", "3");
    workers.push(worker);
    return worker;
  };

  /** Every run of SPEC stored exactly once, each equal bit for bit to the local sweep's. */
  async function expectSameAsLocal(path: string): Promise<ResultRecord[]> {
    const records = await storedRecords(path);
    expect(records.map((record) => record.id).sort()).toEqual(RUNS.map((run) => run.id).sort());
    for (const record of records) expect(numbers(record)).toEqual(reference.get(record.id));
    return records;
  }

  beforeAll(async () => {
    redis = await startRedis();
    queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
    dir = await mkdtemp(join(tmpdir(), "optimlab-sweep-"));
    specPath = join(dir, "spec.json");
    await writeFile(specPath, JSON.stringify(SPEC));
    const local = await cli("sweep", specPath, "--results", join(dir, "local.jsonl"), "--workers", "2", "--quiet");
    expect(local.stderr).toBe("");
    expect(local.code).toBe(0);
    reference = new Map((await storedRecords(join(dir, "local.jsonl"))).map((record) => [record.id, numbers(record)]));
    expect(reference.size).toBe(RUNS.length);
  }, 240_000);

  afterAll(async () => {
    for (const worker of workers) worker.child.kill("SIGKILL");
    await Promise.all(workers.map((worker) => worker.exited));
    await queue?.close();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("two workers, one SIGKILLed in the middle of a run: every run stored once, bit-identical to the local sweep", async () => {
    const [doomed, survivor] = [startWorker(), startWorker()];
    const results = join(dir, "queued.jsonl");
    const sweep = startCli("sweep", specPath, "--queue", redis.url, "--results", results);
    // A run the doomed worker has trained for a while but not finished.
    const victim = await waitFor(async () => {
      const active = await queue.getActive();
      return active.find((job) => {
        const progress = job.progress as { step?: number; totalSteps?: number };
        return (
          job.processedBy === workerName(doomed) && progress.step !== undefined && progress.step < progress.totalSteps!
        );
      });
    }, "a run in progress on the first worker");
    doomed.child.kill("SIGKILL");
    expect(await doomed.exited).toBe(137);

    expect(await sweep.exited, sweep.output().stderr).toBe(0);
    const records = await expectSameAsLocal(results);
    // The killed run was started again and finished by the other worker.
    const rerun = records.find((record) => `run-${record.id}` === victim.id)!;
    expect(rerun.timing.worker).toBe(workerName(survivor));
    expect((await queue.getJob(victim.id!))!.attemptsStarted).toBeGreaterThanOrEqual(2);
    expect(sweep.output().stderr).toContain(`24 of 24 runs stored in ${results}`);

    const status = await cli("sweep", "status", "--queue", redis.url, "--json");
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ done: 24, running: 0, failed: 0, waiting: 0, workers: 1 });
  });

  it("a sweep SIGKILLed halfway in the local pool resumes, redoing a half-written line, to the same results", async () => {
    const results = join(dir, "restarted.jsonl");
    const first = startCli("sweep", specPath, "--results", results, "--workers", "2");
    await waitFor(async () => ((await lines(results)) >= RUNS.length / 2 ? true : undefined), "half the results");
    first.child.kill("SIGKILL");
    await first.exited;
    const stored = await lines(results);
    expect(stored).toBeLessThan(RUNS.length);
    await appendFile(results, '{"id":"'); // as if the kill had come in the middle of a line
    await rm(`${results}.lock`, { force: true }); // a lock left by a killed process is taken over anyway

    const second = await cli("sweep", specPath, "--results", results, "--workers", "2");
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(`${stored} already in ${results}; running ${RUNS.length - stored}`);
    await expectSameAsLocal(results);
  });

  it("Ctrl-C on a queued sweep withdraws its waiting runs; started again, it collects the rest", async () => {
    await new Redis(redis.url).flushall().then(() => {});
    startWorker();
    const results = join(dir, "interrupted.jsonl");
    const first = startCli("sweep", specPath, "--queue", redis.url, "--results", results);
    await waitFor(async () => ((await lines(results)) >= 4 ? true : undefined), "the first results");
    first.child.kill("SIGINT");
    expect(await first.exited).toBe(130);
    expect(first.output().stderr).toMatch(
      /interrupted: \d+ of 24 runs stored .* waiting runs withdrawn from the queue/,
    );
    expect(await queue.getWaitingCount()).toBe(0);

    const second = await cli("sweep", specPath, "--queue", redis.url, "--results", results);
    expect(second.code, second.stderr).toBe(0);
    await expectSameAsLocal(results);
  });

  it("fails a run with an invalid option once, with torch's message, without retrying it", async () => {
    const fixture = JSON.parse(await readFile(new URL("./fixtures/torch-errors.json", import.meta.url), "utf8")) as {
      cases: { optimizer: string; options: Record<string, unknown>; expect: string; message: string }[];
    };
    const invalid = fixture.cases.find((testCase) => testCase.expect === "error")!;
    const spec = join(dir, "invalid.json");
    const optimizer = { name: invalid.optimizer, ...invalid.options };
    await writeFile(spec, JSON.stringify({ ...SPEC, grid: undefined, runs: [{ optimizer }] }));
    const results = join(dir, "invalid.jsonl");
    const sweep = await cli("sweep", spec, "--queue", redis.url, "--results", results, "--attempts", "5");
    expect(sweep.code).toBe(1);
    const [record] = await storedRecords(results);
    expect(record!.error).toEqual({ name: "OptimizerOptionError", message: invalid.message, attempts: 1 });
    const job = (await queue.getJob(`run-${record!.id}`))!;
    expect([job.attemptsStarted, job.attemptsMade]).toEqual([1, 1]);
  });

  it("carries a problem's model and the run options to the workers: the same records as the local pool", async () => {
    // Two problems that are not the MLP, with compare's step settings: a worker rebuilds each model from its job.
    const problems = {
      grid: {
        problem: ["quadratic_deep", "mnist_logreg"],
        optimizer: [{ name: "sgd", momentum: 0.9 }, { name: "adam" }],
      },
      data: { limit: 512 },
      epochs: 2,
      clipGradValue: 0.5,
      nonFinite: "skip",
      maxConsecutiveErrors: 2,
    };
    const spec = join(dir, "problems.json");
    await writeFile(spec, JSON.stringify(problems));
    const runs = expandSweep(problems, dir).runs;
    const local = await cli("sweep", spec, "--results", join(dir, "problems-local.jsonl"), "--workers", "2", "--quiet");
    expect(local.code, local.stderr).toBe(0);
    startWorker();
    const queued = await cli("sweep", spec, "--queue", redis.url, "--results", join(dir, "problems-queued.jsonl"));
    expect(queued.code, queued.stderr).toBe(0);

    const expected = new Map((await storedRecords(join(dir, "problems-local.jsonl"))).map((r) => [r.id, numbers(r)]));
    const records = await storedRecords(join(dir, "problems-queued.jsonl"));
    expect(records.map((record) => record.id).sort()).toEqual(runs.map((run) => run.id).sort());
    for (const record of records) {
      expect(record.error).toBeUndefined();
      expect(numbers(record)).toEqual(expected.get(record.id));
      const job = (await queue.getJob(`run-${record.id}`))!;
      expect(job.data.spec).toEqual(runs.find((run) => run.id === record.id)!.spec);
      expect(job.data.spec).toMatchObject({ clipGradValue: 0.5, nonFinite: "skip", maxConsecutiveErrors: 2 });
    }
    expect(new Set(records.map((record) => record.spec.problem))).toEqual(new Set(problems.grid.problem));
    expect(queued.stderr).toContain("quadratic_deep");
  });

  it("reports the results: the usual report, and the best lr of each optimizer", async () => {
    const out = join(dir, "report");
    const report = await cli("sweep", "report", join(dir, "queued.jsonl"), "--out", out);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/^best lr per optimizer \(final held-out loss, mean over seeds\):\n/);
    const table = report.stdout.split("\n").slice(3, 5);
    expect(table.map((line) => line.split(/\s{2,}/)[0])).toEqual(["sgd momentum=0.9", "adam"]);
    const csv = (await readFile(join(out, "sensitivity.csv"), "utf8")).trim().split("\n");
    expect(csv).toHaveLength(1 + 6);
    const html = await readFile(join(out, "report.html"), "utf8");
    expect(html).toContain("<dt>best lr: adam</dt>");
    const figure = await readFile(join(out, "sensitivity.svg"), "utf8");
    expect(figure).toContain("Sensitivity to the learning rate");
    expect(html).toContain("Sensitivity to the learning rate");
    expect(html).toContain("24 runs: 24 ok, 0 diverged, 0 failed");
  });
});
