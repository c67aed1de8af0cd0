// One pool under a stream of runs: no progress reaches the caller after a cancelled comparison has settled, and a
// short soak of valid, refused, diverging and cancelled runs (bench/soak.bench.ts, which runs 10,000 in the bench)
// settles every promise, keeps the same workers and leaves their wasm memory where the warm-up left it.
import { describe, expect, it } from "vitest";
import { createPool } from "../dist/index.js";
import type { Dataset } from "../dist/index.js";
import { soak, SOAK_LINEUP, wasmGrowth } from "../bench/soak.bench.js";

function dataset(count: number, features: number): Dataset {
  const pixels = Uint8Array.from({ length: count * features }, (_, i) => (i * 2654435761) >>> 24);
  const labels = Uint8Array.from({ length: count }, (_, row) => pixels[row * features]! % 4);
  return { pixels, labels, count, features, classes: 4 };
}

describe("a cancelled comparison", () => {
  it("reports no progress after its promise settles, though runs in flight finish their chunk afterwards", async () => {
    // Two workers run one chunk each (the whole run) while a third run waits in the queue. The first progress
    // aborts: the queued run rejects at once, so the comparison settles while the other run's chunk is in flight.
    // About a hundred ms of steps per run, so that the other run is surely mid-chunk when the first one reports.
    const count = 8192;
    const batchSize = 32;
    const pool = createPool({ workers: 2 });
    try {
      let settled = false;
      const late: number[] = [];
      const abort = new AbortController();
      const comparison = pool.compare({
        data: { train: dataset(count, 256) },
        model: { layers: [256, 512, 4] },
        optimizers: [{ name: "adam" }, { name: "sgd" }, { name: "rmsprop" }],
        epochs: 1,
        batchSize,
        seed: 0,
        chunkSteps: count / batchSize,
        signal: abort.signal,
        onProgress: (progress) => {
          if (settled) late.push(progress.run);
          abort.abort();
        },
      });
      await expect(comparison).rejects.toMatchObject({ name: "AbortError" });
      settled = true;
      // Every progress the runs in flight could send has been sent once the pool is idle.
      while ((await pool.stats()).busy > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(late).toEqual([]);
    } finally {
      pool.dispose();
    }
  });
});

describe("soak (short; npm run bench runs 10,000)", () => {
  it("settles every comparison, keeps its workers, and the wasm memory stays flat after the warm-up", async () => {
    const workers = 2;
    const result = await soak({ runs: 20 * SOAK_LINEUP.length, workers, warmRuns: 5 * SOAK_LINEUP.length });
    expect(result).toMatchObject({ unsettled: 0, lateProgress: 0, workers, spawned: workers });
    expect(result.cancelledComparisons).toBe(20 / 5);
    expect(result.failedRuns).toBeGreaterThan(0);
    expect(result.divergedRuns).toBeGreaterThan(0);
    expect(result.wasmMBEnd).toHaveLength(workers);
    expect(wasmGrowth(result)).toBeLessThanOrEqual(0.05);
  });
});
