// Datasets resident in a pool's workers. A run names its data by id; the pool sends a dataset to a worker the first
// time a job there needs it, and the worker keeps it in its wasm memory for every later run, range test and sweep
// job. The arrays cross once per worker, as a copy kept for the workers (see `outbound`), and the worker copies them
// into wasm memory once. A dataset is dropped from the workers when the caller asks (`OptimlabPool.dropData`), when
// the caller's dataset object is garbage-collected, or with the pool.
import { canShareMemory } from "./data/split.js";
import type { DataBytes } from "./protocol.js";
import type { Dataset } from "./types.js";

/** A dataset as the pool sends it to its workers: its id there, and the caller's arrays a worker copies into wasm memory. */
export interface ResidentData {
  readonly id: number;
  readonly bytes: DataBytes;
}

const ARRAYS = ["pixels", "inputs", "labels", "targets"] as const;

type Values = Uint8Array | Float32Array;

/** The copy of a caller's array that workers receive, and whether a send is using it now. */
interface WireCopy {
  copy: Values;
  inUse: boolean;
}

/**
 * Per caller's array, its copy for the workers: made once per array and page (or process), for every pool and every
 * worker, and garbage-collected with the array. Making a copy first touches fresh memory, which is most of its cost
 * (on the 2-core VM 7.8 MB take ~9 ms on the main thread, where Chromium also waits for it before a new Web Worker
 * starts); refreshing one already made is a plain copy (~1 ms).
 */
const wireCopies = new WeakMap<Values, WireCopy>();

/** What the pool posts to a worker for one dataset, and what it transfers. */
export interface Outbound {
  readonly bytes: DataBytes;
  readonly transfer: ArrayBuffer[];
  /**
   * Called once the worker answered (`returned`: the arrays it handed back, when they were transferred) or failed
   * (undefined): the copies are then free for the next send.
   */
  settle(returned: DataBytes | undefined): void;
}

/**
 * The arrays of `bytes` as a worker receives them, refreshed from the caller's arrays now (a worker gets their
 * contents at the time of its send): where memory can be shared (Node; browsers when crossOriginIsolated) one
 * SharedArrayBuffer copy per array, read by the worker while it copies it into wasm memory; elsewhere a copy
 * transferred to the worker (a structured clone would cost a copy on this thread and another in the worker, both
 * into fresh memory), which the worker transfers back once it holds the data. An array whose memory is shared
 * already is sent as it is.
 */
export function outbound(bytes: DataBytes): Outbound {
  const shared = canShareMemory();
  const sent: Record<string, Values> = {};
  const transfer: ArrayBuffer[] = [];
  const taken: { name: (typeof ARRAYS)[number]; source: Values; wire: WireCopy }[] = [];
  for (const name of ARRAYS) {
    const source = bytes[name];
    if (!source) continue;
    if (isShared(source)) {
      sent[name] = source;
      continue;
    }
    let wire = wireCopies.get(source);
    if (wire && !wire.inUse) {
      wire.copy.set(source);
    } else {
      wire = { copy: shared ? sharedCopy(source) : source.slice(), inUse: false };
      if (!wireCopies.has(source)) wireCopies.set(source, wire);
    }
    wire.inUse = true;
    sent[name] = wire.copy;
    if (!shared) transfer.push(wire.copy.buffer as ArrayBuffer);
    taken.push({ name, source, wire });
  }
  let settled = false;
  return {
    bytes: sent,
    transfer,
    settle(returned) {
      if (settled) return;
      settled = true;
      for (const { name, source, wire } of taken) {
        const back = shared ? wire.copy : returned?.[name];
        if (back) {
          wire.copy = back;
          wire.inUse = false;
        } else if (wireCopies.get(source) === wire) {
          wireCopies.delete(source); // lost with a worker that failed: the next send makes a new one
        }
      }
    },
  };
}

/** Whether `array` is a view of a SharedArrayBuffer (a global only where memory can be shared). */
export function isShared(array: Values): boolean {
  return typeof SharedArrayBuffer === "function" && array.buffer instanceof SharedArrayBuffer;
}

function sharedCopy<T extends Values>(array: T): T {
  const Type = array.constructor as new (buffer: SharedArrayBuffer) => T;
  const shared = new Type(new SharedArrayBuffer(array.byteLength));
  shared.set(array);
  return shared;
}

/** The datasets a pool has sent or will send to its workers, by caller's dataset object and the arrays a model takes. */
export class ResidentDatasets {
  private nextId = 1;
  /** Per dataset object: its entries by which arrays were taken (a classifier takes labels, a regression targets). */
  private readonly entries = new WeakMap<Dataset, Map<string, ResidentData>>();
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
    if (known && ARRAYS.every((name) => known.bytes[name] === bytes[name])) return known;
    if (known) this.dropIds([known.id]);
    const entry: ResidentData = { id: this.nextId++, bytes };
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
