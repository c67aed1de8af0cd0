// Seeded train/test split: a Fisher–Yates shuffle driven by our own small generator (mulberry32), so a
// seed gives the same split in every browser and Node version (Math.random cannot be seeded).
import type { Dataset, DataSplit } from "../types.js";

/** mulberry32: a 32-bit state, full period 2^32; returns uniform integers in [0, 2^32). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A permutation of 0 … count-1, the same for the same seed everywhere. */
export function seededPermutation(count: number, seed: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const next = mulberry32(seed);
  for (let i = count - 1; i > 0; i--) {
    // next() * (i + 1) < 2^53, so the product is exact; the bias of this mapping is below 2^-11 for i < 2^21.
    const j = Math.floor((next() * (i + 1)) / 2 ** 32);
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  return order;
}

/** Whether this platform can share memory with workers: Node always, a browser page only when crossOriginIsolated. */
export function canShareMemory(): boolean {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return typeof SharedArrayBuffer === "function" && isolated !== false;
}

/**
 * The rows `indices[start … end)` of `dataset` (its pixels or float inputs, labels and targets), copied into fresh
 * buffers: plain ones (safe to transfer), or with `shared` SharedArrayBuffers where the platform has them (see
 * SplitOptions.shared).
 */
export function selectRows(
  dataset: Dataset,
  indices: ArrayLike<number>,
  start = 0,
  end = indices.length,
  { shared = false }: { shared?: boolean } = {},
): Dataset {
  const { features } = dataset;
  const count = end - start;
  const width = (values: ArrayLike<number>) => values.length / dataset.count;
  const pick = <T extends Uint8Array | Float32Array>(values: T, make: (length: number) => T): T => {
    const per = width(values);
    const out = make(count * per);
    for (let row = 0; row < count; row++) {
      const from = indices[start + row]!;
      out.set(values.subarray(from * per, (from + 1) * per), row * per);
    }
    return out;
  };
  const Memory = shared && canShareMemory() ? SharedArrayBuffer : ArrayBuffer;
  const bytes = (length: number) => new Uint8Array(new Memory(length));
  const floats = (length: number) => new Float32Array(new Memory(length * 4));
  const selected: Dataset = {
    pixels: dataset.inputs ? new Uint8Array(0) : pick(dataset.pixels, bytes),
    labels: dataset.labels.length > 0 ? pick(dataset.labels, bytes) : new Uint8Array(0),
    count,
    features,
    classes: dataset.classes,
    source: dataset.source,
  };
  if (dataset.inputs) selected.inputs = pick(dataset.inputs, floats);
  if (dataset.targets) selected.targets = pick(dataset.targets, floats);
  return selected;
}

/** The first `count` rows of `dataset`, as views of its buffers (no copy). */
export function firstRows(dataset: Dataset, count: number): Dataset {
  if (count >= dataset.count) return dataset;
  const head = <T extends Uint8Array | Float32Array>(values: T): T =>
    values.subarray(0, (values.length / dataset.count) * count) as T;
  const rows: Dataset = { ...dataset, count, pixels: head(dataset.pixels), labels: head(dataset.labels) };
  if (dataset.inputs) rows.inputs = head(dataset.inputs);
  if (dataset.targets) rows.targets = head(dataset.targets);
  return rows;
}

export interface SplitOptions {
  /** Rows held out for testing; takes precedence over `testFraction`. */
  testCount?: number;
  /** Fraction of rows held out for testing, rounded to the nearest row (default 0.2). */
  testFraction?: number;
  /** Seed of the shuffle (default 0). */
  seed?: number;
  /**
   * Put the rows in SharedArrayBuffers where the platform has them (Node; a crossOriginIsolated page): a worker
   * pool's workers then read them without a copy on the calling thread first. Such arrays cannot be transferred.
   */
  shared?: boolean;
}

/**
 * Shuffles the rows with `seed` and holds out a test set: the first `count - testCount` shuffled rows
 * train, the rest test. A test count of 0 gives no test set.
 */
export function splitDataset(dataset: Dataset, options: SplitOptions = {}): DataSplit {
  const { seed = 0, testFraction = 0.2 } = options;
  if (!(testFraction >= 0 && testFraction < 1)) {
    throw new RangeError(`testFraction must be in [0, 1), got ${testFraction}`);
  }
  const testCount = options.testCount ?? Math.round(dataset.count * testFraction);
  if (!Number.isInteger(testCount) || testCount < 0 || testCount >= dataset.count) {
    throw new RangeError(
      `testCount must be an integer in 0 … ${dataset.count - 1} (the dataset has ${dataset.count} rows), got ${testCount}`,
    );
  }
  const order = seededPermutation(dataset.count, seed);
  const trainCount = dataset.count - testCount;
  const memory = { shared: options.shared ?? false };
  const train = selectRows(dataset, order, 0, trainCount, memory);
  if (testCount === 0) return { train };
  return { train, test: selectRows(dataset, order, trainCount, dataset.count, memory) };
}
