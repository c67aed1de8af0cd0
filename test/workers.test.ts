// The worker pool's mechanics with real worker threads running a test-only worker (test/workers/fake-worker.mjs):
// lazy start, one job per worker, queue order, abort while queued, trap / crash / exit replacement, dispose.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type * as Comlink from "comlink";
import type { AddDataAnswer, DataBytes } from "../dist/protocol.js";
import { WorkerPool } from "../dist/pool.js";
import { nodePlatform } from "../dist/platform-node.js";
import { OptimizerOptionError, PoolDisposedError, WorkerCrashError } from "../dist/errors.js";

interface FakeApi {
  init(module: WebAssembly.Module): void;
  memoryBytes(): number;
  addData(id: number, data: DataBytes): AddDataAnswer;
  dropData(id: number): void;
  datasets(): number[];
  threadId(): number;
  initialized(): boolean;
  sleep(ms: number): Promise<number>;
  trap(): void;
  refuse(): void;
  throwUncaught(message: string): Promise<never>;
  exit(code: number): void;
}
type Remote = Comlink.Remote<FakeApi>;

function fakePool(size: number): WorkerPool<FakeApi> {
  return new WorkerPool<FakeApi>(
    nodePlatform({ workerUrl: new URL("./workers/fake-worker.mjs", import.meta.url) }),
    size,
  );
}

describe("WorkerPool", () => {
  it("prestart starts workers before any job, up to its size, and the jobs then run on them", async () => {
    const pool = fakePool(2);
    try {
      pool.prestart(5);
      expect(await pool.stats()).toMatchObject({ workers: 2, busy: 0, spawned: 2 });
      const threads = await Promise.all([0, 1].map((index) => pool.run(`job ${index}`, (remote) => remote.sleep(60))));
      expect(new Set(threads).size).toBe(2);
      pool.prestart(2);
      expect(await pool.stats()).toMatchObject({ workers: 2, spawned: 2 });
    } finally {
      pool.dispose();
    }
  });

  it("posts a job's datasets behind init, even while the module is still compiling, and only once per worker", async () => {
    const platform = nodePlatform({ workerUrl: new URL("./workers/fake-worker.mjs", import.meta.url) });
    const compile = platform.compileModule;
    const slowly: typeof platform = {
      ...platform,
      compileModule: (precision) => new Promise((resolve) => setTimeout(() => resolve(compile(precision)), 100)),
    };
    const pool = new WorkerPool<FakeApi>(slowly, 1);
    try {
      const dataset = (count: number) => ({
        pixels: new Uint8Array(count),
        labels: new Uint8Array(count),
        count,
        features: 1,
        classes: 2,
      });
      const [train, test] = [dataset(3), dataset(2)];
      const data = [pool.resident(train, { labels: train.labels }), pool.resident(test, { labels: test.labels })];
      const ids = data.map((entry) => entry.id);
      expect(await pool.run("first", (remote) => remote.datasets(), undefined, data)).toEqual(ids);
      expect(await pool.run("second", (remote) => remote.datasets(), undefined, data)).toEqual(ids);
      expect((await pool.stats()).datasetsSent).toBe(2);
    } finally {
      pool.dispose();
    }
  });

  it("starts workers lazily, initializes each with the compiled module, runs one job per worker and queues the rest in order", async () => {
    const pool = fakePool(2);
    try {
      expect((await pool.stats()).workers).toBe(0);
      // Both workers up first: a worker still starting would let the other take a later job before it (a loaded
      // machine did), which is the pool working, not the order under test.
      await Promise.all([0, 1].map((index) => pool.run(`warm-up ${index}`, (remote: Remote) => remote.sleep(60))));
      expect((await pool.stats()).workers).toBe(2);
      let running = 0;
      let mostRunning = 0;
      const started: number[] = [];
      const jobs = [0, 1, 2, 3, 4].map((index) =>
        pool.run(`job ${index}`, async (remote: Remote) => {
          started.push(index);
          running++;
          mostRunning = Math.max(mostRunning, running);
          expect(await remote.initialized()).toBe(true);
          const thread = await remote.sleep(60);
          running--;
          return thread;
        }),
      );
      const threads = await Promise.all(jobs);
      expect(started.slice(0, 2).sort()).toEqual([0, 1]);
      expect(started.slice(2)).toEqual([2, 3, 4]);
      expect(mostRunning).toBe(2);
      expect(new Set(threads).size).toBe(2);
      const stats = await pool.stats();
      expect(stats).toMatchObject({ workers: 2, busy: 0, queued: 0, spawned: 2, replaced: 0 });
      expect(stats.wasmBytes).toEqual([65536, 65536]);
    } finally {
      pool.dispose();
    }
  });

  it("drops a queued job whose signal aborts, with the signal's AbortError, and never runs it", async () => {
    const pool = fakePool(1);
    try {
      const first = pool.run("first", (remote: Remote) => remote.sleep(100));
      const controller = new AbortController();
      let ran = false;
      const second = pool.run(
        "second",
        async () => {
          ran = true;
        },
        controller.signal,
      );
      controller.abort();
      await expect(second).rejects.toMatchObject({ name: "AbortError" });
      expect((await pool.stats()).queued).toBe(0);
      await first;
      expect(ran).toBe(false);
      await expect(pool.run("after", async () => "ok", AbortSignal.abort())).rejects.toMatchObject({
        name: "AbortError",
      });
    } finally {
      pool.dispose();
    }
  });

  it("keeps a worker whose job was refused cleanly, with the error's class restored", async () => {
    const pool = fakePool(1);
    try {
      const thread = await pool.run("a", (remote: Remote) => remote.threadId());
      const refused = pool.run("b", (remote: Remote) => remote.refuse());
      await expect(refused).rejects.toBeInstanceOf(OptimizerOptionError);
      await expect(refused).rejects.toThrow("Invalid learning rate: -1");
      expect(await pool.run("c", (remote: Remote) => remote.threadId())).toBe(thread);
      expect((await pool.stats()).replaced).toBe(0);
    } finally {
      pool.dispose();
    }
  });

  it.each([
    ["a wasm trap", (remote: Remote) => remote.trap(), 'run "bad" crashed: unreachable'],
    ["an uncaught error", (remote: Remote) => remote.throwUncaught("out of luck"), 'run "bad" crashed: out of luck'],
    ["an exit", (remote: Remote) => remote.exit(3), 'run "bad" crashed: the worker thread exited with code 3'],
  ])("fails only the job hit by %s, naming it, and replaces the worker", async (_, crash, message) => {
    const pool = fakePool(2);
    try {
      const healthy = pool.run("healthy", (remote: Remote) => remote.sleep(150));
      // The thread the bad job crashes (under load the healthy job may end first and take it on its own worker).
      let badThread = -1;
      const bad = pool.run("bad", async (remote: Remote) => {
        badThread = await remote.threadId();
        return crash(remote);
      });
      await expect(bad).rejects.toBeInstanceOf(WorkerCrashError);
      await expect(bad).rejects.toThrow(message);
      expect(typeof (await healthy)).toBe("number");
      const queuedAfter = await Promise.all(
        [0, 1, 2].map((index) => pool.run(`after ${index}`, (remote: Remote) => remote.sleep(20))),
      );
      expect(queuedAfter).not.toContain(badThread);
      const stats = await pool.stats();
      expect(stats).toMatchObject({ workers: 2, spawned: 3, replaced: 1 });
    } finally {
      pool.dispose();
    }
  });

  it("rejects running and queued jobs with PoolDisposedError on dispose", async () => {
    const pool = fakePool(1);
    const running = pool.run("running", (remote: Remote) => remote.sleep(10_000));
    const queued = pool.run("queued", (remote: Remote) => remote.sleep(10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    pool.dispose();
    await expect(running).rejects.toBeInstanceOf(PoolDisposedError);
    await expect(queued).rejects.toBeInstanceOf(PoolDisposedError);
    await expect(pool.run("later", async () => 1)).rejects.toBeInstanceOf(PoolDisposedError);
  });

  it("lets Node exit when a pool is left idle without dispose (idle workers are unref'd), after stats() answered", async () => {
    const script = `
      import { createPool } from ${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)};
      const train = { pixels: new Uint8Array(8 * 4), labels: new Uint8Array(8), count: 8, features: 4, classes: 2 };
      const pool = createPool({ workers: 1 });
      const run = await pool.train({ data: { train }, model: { layers: [4, 2] }, optimizer: { name: "sgd" }, epochs: 1, batchSize: 4, seed: 0 });
      const stats = await pool.stats();
      console.log(run.losses.length, stats.workers, stats.wasmBytes.length);
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      timeout: 20_000,
    });
    expect(stdout.trim()).toBe("2 1 1");
  });
});
