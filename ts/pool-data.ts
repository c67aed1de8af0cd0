// Datasets resident in a pool's workers. A run names its data by id; the pool sends a dataset to a worker the first
// time a job there needs it, and the worker keeps it in its wasm memory for every later run, range test and sweep
// job. The arrays cross once per worker: shared through one SharedArrayBuffer copy where the platform has them (Node
// worker threads; browsers only when crossOriginIsolated), else copied by postMessage; the worker copies them into
// wasm memory once. A dataset is dropped from the workers when the caller asks (`OptimlabPool.dropData`), when the
// caller's dataset object is garbage-collected, or with the pool.
import { canShareMemory } from "./data/split.js";
import type { DataBytes } from "./protocol.js";
import type { Dataset } from "./types.js";

/** A dataset as the pool sends it to its workers: its id there, and the arrays a worker copies into wasm memory. */
export interface ResidentData {
  readonly id: number;
  readonly bytes: DataBytes;
}

interface Entry extends ResidentData {
  /** The caller's arrays the entry was made from: another array in the dataset object makes a new entry. */
  readonly source: DataBytes;
}

const ARRAYS = ["pixels", "inputs", "labels", "targets"] as const;

/** The array as workers receive it: itself when its memory is shared already, else one shared copy where possible. */
function forWorkers<T extends Uint8Array | Float32Array>(array: T): T {
  if (!canShareMemory() || array.buffer instanceof SharedArrayBuffer) return array;
  const Type = array.constructor as new (buffer: SharedArrayBuffer) => T;
  const shared = new Type(new SharedArrayBuffer(array.byteLength));
  shared.set(array);
  return shared;
}

/** The datasets a pool has sent or will send to its workers, by caller's dataset object and the arrays a model takes. */
export class ResidentDatasets {
  private nextId = 1;
  /** Per dataset object: its entries by which arrays were taken (a classifier takes labels, a regression targets). */
  private readonly entries = new WeakMap<Dataset, Map<string, Entry>>();
  /** Ids not dropped yet. */
  private readonly live = new Set<number>();
  /** Drops a dataset's ids once the caller's object is garbage-collected (a backstop: dropData is prompt). */
  private readonly collected = new FinalizationRegistry<number[]>((ids) => this.dropIds(ids));

  constructor(
    /** Called with each id dropped, for the pool to free it in the workers that hold it. */
    private readonly onDrop: (id: number) => void,
  ) {}

  /** The resident entry of `bytes` (the arrays of `dataset` a run takes), made on first use. */
  resident(dataset: Dataset, bytes: DataBytes): ResidentData {
    const kind = ARRAYS.filter((name) => bytes[name] !== undefined).join("+");
    let byKind = this.entries.get(dataset);
    if (!byKind) {
      byKind = new Map();
      this.entries.set(dataset, byKind);
    }
    const known = byKind.get(kind);
    if (known && ARRAYS.every((name) => known.source[name] === bytes[name])) return known;
    if (known) this.dropIds([known.id]);
    const shared: DataBytes = {};
    for (const name of ARRAYS) {
      const array = bytes[name];
      if (array) (shared as Record<string, Uint8Array | Float32Array>)[name] = forWorkers(array);
    }
    const entry: Entry = { id: this.nextId++, bytes: shared, source: bytes };
    byKind.set(kind, entry);
    this.live.add(entry.id);
    // The finalizer's held value lists the ids of this dataset object (it must not reference the object itself).
    this.collected.unregister(byKind);
    this.collected.register(
      dataset,
      [...byKind.values()].map(({ id }) => id),
      byKind,
    );
    return entry;
  }

  /** Whether `id` is still wanted (a worker holding an id no longer live frees it). */
  isLive(id: number): boolean {
    return this.live.has(id);
  }

  /** Drops every entry of `dataset`; later runs with it send it again. */
  drop(dataset: Dataset): void {
    const byKind = this.entries.get(dataset);
    if (!byKind) return;
    this.entries.delete(dataset);
    this.collected.unregister(byKind);
    this.dropIds([...byKind.values()].map(({ id }) => id));
  }

  /** Number of datasets not dropped. */
  get size(): number {
    return this.live.size;
  }

  /** Forgets everything (the pool is disposed and its workers with their memory are gone). */
  clear(): void {
    this.live.clear();
  }

  private dropIds(ids: readonly number[]): void {
    for (const id of ids) if (this.live.delete(id)) this.onDrop(id);
  }
}
