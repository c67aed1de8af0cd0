// Datasets resident in workers: a pool sends each dataset to a worker once and every later run, range test and call
// on that pool uses the worker's copy (counted by the pool's stats, and seen in the worker's wasm memory, which does
// not grow per run); a replacement worker receives the data again; dropData and changed arrays send it anew. The
// worker side on this thread: datasets held by id, runs opened on them, dropped ones gone.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createPool, splitDataset } from "../dist/index.js";
import { outbound } from "../dist/pool-data.js";
import { OptimlabPool } from "../dist/client.js";
import { nodePlatform } from "../dist/platform-node.js";
import { compileModule } from "../dist/wasm-node.js";
import { memoryBytes } from "../dist/wasm.js";
import { workerApi } from "../dist/worker-api.js";
import type { Dataset, OptimizerSpec } from "../dist/index.js";

/** Rows of random bytes with a label each: enough rows that a second copy of them would show in wasm memory. */
function randomDataset(count: number, features: number, classes: number, seed: number): Dataset {
  let state = seed >>> 0;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) >>> 24;
  const pixels = Uint8Array.from({ length: count * features }, next);
  const labels = Uint8Array.from({ length: count }, () => next() % classes);
  return { pixels, labels, count, features, classes, source: "random" };
}

const features = 64;
// 40,000 × 64 bytes: 2.4 MiB of pixels, far more than a run's Trainer (a few hundred KiB).
const data = { train: randomDataset(40_000, features, 4, 1), test: randomDataset(2_000, features, 4, 2) };
const base = { data, model: { layers: [features, 16, 4] }, epochs: 1, batchSize: 256, seed: 3 };
const optimizers: OptimizerSpec[] = [{ name: "sgd", lr: 0.05 }, { name: "adam" }, { name: "rmsprop" }];

describe("a pool keeps the data resident in its workers", () => {
  it("sends train and test data to a worker once for all its runs, range tests and calls", async () => {
    await using pool = createPool({ workers: 1 });
    const first = await pool.compare({
      ...base,
      optimizers: [...optimizers, { name: "adam", lr: "auto" }],
      lrFind: { numIter: 20 },
    });
    expect(first.every((run) => run.error === undefined)).toBe(true);
    const afterFirst = await pool.stats();
    expect(afterFirst).toMatchObject({ workers: 1, datasets: 2, datasetsSent: 2 });
    const again = await pool.compare({ ...base, optimizers });
    const single = await pool.train({ ...base, optimizer: optimizers[1]! });
    const stats = await pool.stats();
    expect(stats).toMatchObject({ workers: 1, datasets: 2, datasetsSent: 2, spawned: 1 });
    // Eight runs and a range test later the worker's memory is what it was after the first comparison.
    expect(stats.wasmBytes).toEqual(afterFirst.wasmBytes);
    // The resident copy trains exactly as the first runs did.
    expect(again.map((run) => run.losses)).toEqual(first.slice(0, 3).map((run) => run.losses));
    expect(single.losses).toEqual(first[1]!.losses);
  });

  it("sends the held-out data when a run first evaluates, not before its first step", async () => {
    await using pool = createPool({ workers: 1 });
    const abort = new AbortController();
    const stopped = pool.train({
      ...base,
      optimizer: optimizers[0]!,
      chunkSteps: 1,
      signal: abort.signal,
      onProgress: () => abort.abort(),
    });
    await expect(stopped).rejects.toMatchObject({ name: "AbortError" });
    // Both datasets are the pool's, only the training data went to the worker.
    expect(await pool.stats()).toMatchObject({ datasets: 2, datasetsSent: 1 });
    const run = await pool.train({ ...base, optimizer: optimizers[0]! });
    expect(run.epochs[0]!.evalLoss).toBeGreaterThan(0);
    expect(await pool.stats()).toMatchObject({ datasets: 2, datasetsSent: 2 });
  });

  it("sends a dataset once to each worker that runs with it, and the runs agree with a one-worker pool", async () => {
    await using pool = createPool({ workers: 2 });
    const runs = await pool.compare({ ...base, optimizers: [...optimizers, { name: "adagrad" }] });
    const stats = await pool.stats();
    expect(stats).toMatchObject({ workers: 2, datasets: 2, datasetsSent: 4 });
    await using alone = createPool({ workers: 1 });
    const reference = await alone.compare({ ...base, optimizers: [...optimizers, { name: "adagrad" }] });
    expect(runs.map((run) => run.losses)).toEqual(reference.map((run) => run.losses));
  });

  it("sends the data again to the worker that replaces a crashed one, and the runs after the crash are unchanged", async () => {
    const pool = new OptimlabPool(
      nodePlatform({ workerUrl: new URL("./workers/crashing-worker.mjs", import.meta.url) }),
      { workers: 1 },
    );
    try {
      const before = await pool.train({ ...base, optimizer: optimizers[0]! });
      const runs = await pool.compare({
        ...base,
        chunkSteps: 5,
        optimizers: [{ name: "adam", trapAfterChunks: 1, label: "trap" } as OptimizerSpec, optimizers[0]!],
      });
      expect(runs[0]!.error?.name).toBe("WorkerCrashError");
      expect(runs[1]!.losses).toEqual(before.losses);
      expect(await pool.stats()).toMatchObject({ replaced: 1, spawned: 2, datasets: 2, datasetsSent: 4 });
    } finally {
      pool.dispose();
    }
  });

  it("sends a dataset anew after dropData, or when its arrays were replaced", async () => {
    await using pool = createPool({ workers: 1 });
    const train = { ...data.train };
    const split = { train, test: data.test };
    await pool.train({ ...base, data: split, optimizer: optimizers[0]! });
    expect(await pool.stats()).toMatchObject({ datasets: 2, datasetsSent: 2 });
    pool.dropData(train);
    expect(await pool.stats()).toMatchObject({ datasets: 1, datasetsSent: 2 });
    await pool.train({ ...base, data: split, optimizer: optimizers[0]! });
    expect(await pool.stats()).toMatchObject({ datasets: 2, datasetsSent: 3 });
    train.labels = train.labels.map((label) => (label + 1) % 4);
    const relabelled = await pool.train({ ...base, data: split, optimizer: optimizers[0]! });
    expect(await pool.stats()).toMatchObject({ datasets: 2, datasetsSent: 4 });
    await using other = createPool({ workers: 1 });
    const fresh = await other.train({ ...base, data: split, optimizer: optimizers[0]! });
    expect(relabelled.losses).toEqual(fresh.losses);
  });

  it("shares a split made with `shared` with the workers as it is (SharedArrayBuffer in Node)", async () => {
    const split = splitDataset(data.train, { testCount: 1000, shared: true });
    expect(split.train.pixels.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(split.test!.labels.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(splitDataset(data.train, { testCount: 1000 }).train.pixels.buffer).toBeInstanceOf(ArrayBuffer);
    await using pool = createPool({ workers: 1 });
    const shared = await pool.train({ ...base, data: split, optimizer: optimizers[1]! });
    const copied = await pool.train({
      ...base,
      data: splitDataset(data.train, { testCount: 1000 }),
      optimizer: optimizers[1]!,
    });
    expect(shared.losses).toEqual(copied.losses);
    expect(shared.epochs[0]!.evalLoss).toBe(copied.epochs[0]!.evalLoss);
  });
});

describe("the copy of a dataset that workers receive", () => {
  it("is made once per array for every pool and send, refreshed from the array at each send", () => {
    const pixels = Uint8Array.from([1, 2, 3, 4]);
    const labels = Uint8Array.from([0, 1]);
    const first = outbound({ pixels, labels });
    // Node shares memory with its workers: one SharedArrayBuffer copy, nothing to transfer.
    expect(first.bytes.pixels!.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(first.transfer).toEqual([]);
    expect([...first.bytes.pixels!]).toEqual([1, 2, 3, 4]);
    // While a worker may still be reading it, another send gets a copy of its own.
    const meanwhile = outbound({ pixels, labels });
    expect(meanwhile.bytes.pixels).not.toBe(first.bytes.pixels);
    first.settle(undefined);
    meanwhile.settle(undefined);
    pixels[0] = 9;
    const later = outbound({ pixels, labels });
    expect(later.bytes.pixels).toBe(first.bytes.pixels);
    expect(later.bytes.labels).toBe(first.bytes.labels);
    expect([...later.bytes.pixels!]).toEqual([9, 2, 3, 4]);
    later.settle(undefined);
  });

  it("sends an array whose memory is shared already as it is", () => {
    const labels = new Uint8Array(new SharedArrayBuffer(3));
    const parcel = outbound({ labels });
    expect(parcel.bytes.labels).toBe(labels);
    parcel.settle(undefined);
  });

  it("gives a new pool the arrays' contents at the time it sends them", async () => {
    const train = { ...data.train, pixels: data.train.pixels.slice() };
    const split = { train, test: data.test };
    const runOn = async (dataSplit: typeof split) => {
      await using pool = createPool({ workers: 1 });
      return (await pool.train({ ...base, data: dataSplit, optimizer: optimizers[0]! })).losses;
    };
    const before = await runOn(split);
    train.pixels.reverse(); // in place: the same array, other contents
    const after = await runOn(split);
    expect(after).not.toEqual(before);
    expect(after).toEqual(await runOn({ train: { ...train, pixels: train.pixels.slice() }, test: data.test }));
  });
});

describe("the worker side: datasets held in wasm memory by id", () => {
  const config = {
    layers: [features, 16, 4],
    seed: 3,
    batchSize: 256,
    normalize: 255,
    maxSteps: 200,
    optimizer: { name: "adam" },
  };
  const bytes = { pixels: data.train.pixels, labels: data.train.labels };

  beforeAll(async () => void workerApi.init(await compileModule()));
  afterEach(() => {
    workerApi.close();
    workerApi.dropData(1);
  });

  it("copies a dataset in once; runs opened on it leave wasm memory as it was", () => {
    const { held } = workerApi.addData(1, bytes);
    expect(held).toBe(data.train.pixels.length + data.train.labels.length);
    workerApi.open(config, 1);
    workerApi.run(200);
    const afterOneRun = memoryBytes();
    for (let run = 0; run < 5; run++) {
      workerApi.open(config, 1);
      workerApi.run(200);
    }
    expect(memoryBytes()).toBe(afterOneRun);
  });

  it("evaluates an open run on the held-out dataset it names, attached on first use", () => {
    workerApi.addData(1, bytes);
    workerApi.addData(2, { pixels: data.test.pixels, labels: data.test.labels });
    workerApi.open(config, 1);
    workerApi.run(20);
    const first = workerApi.evaluate(2);
    expect(first.loss).toBeGreaterThan(0);
    expect(workerApi.evaluate(2)).toEqual(first);
    expect(() => workerApi.evaluate(7)).toThrow("optimlab worker: dataset 7 was never sent here");
    workerApi.dropData(2);
  });

  it("refuses to open a run on a dataset it does not hold, and on one it dropped", () => {
    expect(() => workerApi.open(config, 7)).toThrow("optimlab worker: dataset 7 was never sent here");
    workerApi.addData(1, bytes);
    workerApi.dropData(1);
    expect(() => workerApi.open(config, 1)).toThrow("optimlab worker: dataset 1 was never sent here");
  });

  it("keeps a dropped dataset for the run still using it", () => {
    workerApi.addData(1, bytes);
    workerApi.open(config, 1);
    workerApi.dropData(1);
    expect(workerApi.run(10).losses).toHaveLength(10);
  });

  it("refuses a dataset without inputs with a ConfigError", () => {
    expect(() => workerApi.addData(2, { labels: data.train.labels })).toThrow(
      "Dataset: give exactly one of pixels (bytes) and inputs (floats)",
    );
  });
});
