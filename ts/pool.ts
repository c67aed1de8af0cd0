// A pool of workers, each holding one wasm instance made from ONE compiled module: started lazily, one job per
// worker at a time, jobs queued in order when all are busy, a dead or trapped worker replaced by a fresh one. The
// datasets jobs name stay resident in the workers (see pool-data.ts): sent to a worker once, before its first job
// that needs them, and sent again only to a replacement worker.
// Platform-neutral: Node and browsers differ only in the `Platform` adapter that spawns workers.
import * as Comlink from "comlink";
import { abortError, isCleanRefusal, PoolDisposedError, reviveError, WorkerCrashError } from "./errors.js";
import { outbound, ResidentDatasets, type ResidentData } from "./pool-data.js";
import { precisionOf, type Precision } from "./precision.js";
import type { AddDataAnswer, DataBytes, PoolWorkerApi } from "./protocol.js";
import type { Dataset } from "./types.js";

/** One spawned worker, as the platform gives it to the pool. */
export interface WorkerHandle {
  endpoint: Comlink.Endpoint;
  terminate(): void;
  /** Registers the callback called when the worker dies on its own (uncaught error, exit, script that failed to load). */
  onError(callback: (error: Error) => void): void;
  /** Lets the host exit while the worker idles (Node's unref), so a forgotten pool does not keep a script alive. */
  keepAlive?(busy: boolean): void;
}

/** What a platform (Node, browser) provides to the pool. */
export interface Platform {
  spawnWorker(): WorkerHandle;
  /**
   * The compiled module, compiled once and posted to every worker: the default build, or with "fast" the
   * relaxed-SIMD build where the engine runs it (else the default build).
   */
  compileModule(precision?: Precision): Promise<WebAssembly.Module>;
  /** Logical cores: the default number of workers. */
  cores(): number;
}

/** A snapshot of the pool, for monitoring and soak tests. */
export interface PoolStats {
  /** Workers alive now. */
  workers: number;
  busy: number;
  queued: number;
  /** Workers started since the pool was created (replacements included). */
  spawned: number;
  /** Workers that died or trapped and were replaced. */
  replaced: number;
  /** wasm memory of each live worker, in bytes. */
  wasmBytes: number[];
  /** Datasets resident in the pool (each sent to a worker at most once, and kept there until dropped). */
  datasets: number;
  /** Times a dataset was sent to a worker since the pool was created: datasets × workers that needed them. */
  datasetsSent: number;
}

interface PooledWorker<Api> {
  handle: WorkerHandle;
  remote: Comlink.Remote<Api>;
  /** Settles once `init` has been posted to the worker: what is posted after it runs after it there. */
  initPosted: Promise<unknown>;
  /** init's answer: the worker's wasm instance is up. */
  ready: Promise<unknown>;
  /** Settles as `work` does, or rejects when the worker dies first: comlink never settles a call to a dead worker. */
  untilDeath<T>(work: Promise<T>): Promise<T>;
  kill(error: Error): void;
  alive: boolean;
  busy: boolean;
  /** Ids of the datasets this worker holds in its wasm memory. */
  datasets: Set<number>;
}

/**
 * A worker's death, for the calls into it to race against. Each call subscribes and unsubscribes when it settles:
 * Promise.race against one promise that stays pending for the worker's life would add a reaction to it per call,
 * and keep every call's result alive as long as the worker (the soak's heap grew by 15 MB per 20,000 runs).
 */
function deathWatch(): Pick<PooledWorker<unknown>, "untilDeath" | "kill"> {
  let death: Error | undefined;
  const watchers = new Set<(error: Error) => void>();
  return {
    untilDeath<T>(work: Promise<T>): Promise<T> {
      if (death) return Promise.reject(death);
      return new Promise<T>((resolve, reject) => {
        watchers.add(reject);
        work.then(resolve, reject).finally(() => watchers.delete(reject));
      });
    },
    kill(error: Error): void {
      death ??= error;
      for (const reject of watchers) reject(death);
      watchers.clear();
    },
  };
}

interface Waiter<Api> {
  resolve(worker: PooledWorker<Api>): void;
  reject(error: unknown): void;
}

export class WorkerPool<Api extends PoolWorkerApi> {
  private readonly workers: PooledWorker<Api>[] = [];
  private readonly queue: Waiter<Api>[] = [];
  /** The callbacks of queued jobs per AbortSignal (see watchAbort). */
  private readonly abortCallbacks = new WeakMap<AbortSignal, Set<() => void>>();
  private module: Promise<WebAssembly.Module> | undefined;
  private disposed = false;
  private spawned = 0;
  private replaced = 0;
  private datasetsSent = 0;
  private readonly data = new ResidentDatasets((id) => this.dropEverywhere(id));

  constructor(
    private readonly platform: Platform,
    /** Most workers alive at once. */
    readonly size: number,
    /** The build the workers run: "fast" asks for the relaxed-SIMD one (see Platform.compileModule). */
    private readonly precision: Precision = "default",
  ) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`optimlab: workers must be a positive integer, got ${size}`);
  }

  /**
   * Runs `job` on a free worker (waiting in line when all are busy), once the worker holds `datasets` (see
   * `resident`); the job's `hold` makes the worker hold more when it first needs them (a run's held-out data, after
   * its first steps). If the worker dies or its wasm traps, the job rejects with a WorkerCrashError naming `label`, and
   * the worker is replaced; errors that leave the worker sound (ConfigError, OptimizerOptionError, AbortError) come
   * back as they are.
   */
  async run<T>(
    label: string,
    job: (remote: Comlink.Remote<Api>, hold: (datasets: readonly ResidentData[]) => Promise<void>) => Promise<T>,
    signal?: AbortSignal,
    datasets: readonly ResidentData[] = [],
  ): Promise<T> {
    const worker = await this.acquire(signal);
    try {
      await this.hold(worker, datasets);
      return await worker.untilDeath(job(worker.remote, (more) => this.hold(worker, more)));
    } catch (thrown) {
      const error = reviveError(thrown);
      if (error instanceof PoolDisposedError || isCleanRefusal(error)) throw error;
      this.discard(worker);
      throw new WorkerCrashError(`run "${label}" crashed: ${error.message}`, { cause: error });
    } finally {
      this.release(worker);
    }
  }

  /** Sends `worker` those of `datasets` it does not hold yet; settles once its instance is up and holds them all. */
  private async hold(worker: PooledWorker<Api>, datasets: readonly ResidentData[]): Promise<void> {
    // The datasets are posted at once, behind init: a worker still starting finds them queued and copies them as
    // soon as its instance is up, rather than after a round trip per message. Messages run in order, so init's
    // failure is the one reported (the sends it leaves failing are awaited only after it).
    const sends = datasets
      .filter((dataset) => !worker.datasets.has(dataset.id))
      .map((dataset) => ({
        id: dataset.id,
        sent: worker.initPosted.then(() => this.send(worker, dataset)),
      }));
    for (const { sent } of sends) sent.catch(() => {}); // surfaces below, unless init failed first
    await worker.untilDeath(worker.ready);
    const received = await Promise.allSettled(sends.map(({ sent }) => worker.untilDeath(sent)));
    // Each dataset the worker took is counted, even when another was refused (the worker holds it either way).
    received.forEach((outcome, i) => {
      if (outcome.status === "rejected") return;
      worker.datasets.add(sends[i]!.id);
      this.datasetsSent++;
    });
    const refused = received.find((outcome) => outcome.status === "rejected");
    if (refused) throw refused.reason;
  }

  /** Posts a dataset to `worker` (see `outbound`): shared or transferred, never cloned; settles once it is in wasm memory. */
  private async send(worker: PooledWorker<Api>, dataset: ResidentData): Promise<void> {
    const parcel = outbound(dataset.bytes);
    try {
      const answer = await worker.untilDeath(
        worker.remote.addData(dataset.id, Comlink.transfer(parcel.bytes, parcel.transfer)) as Promise<AddDataAnswer>,
      );
      parcel.settle(answer.returned);
    } catch (error) {
      parcel.settle(undefined);
      throw error;
    }
  }

  /**
   * Starts workers now, up to `count` (at most the pool's size, counting those alive), so that their start overlaps
   * what the caller prepares before its jobs: a fresh worker takes tens of milliseconds to boot. Idle, they let the
   * host exit like any idle worker.
   */
  prestart(count: number): void {
    if (this.disposed) return;
    const wanted = Math.min(count, this.size) - this.workers.length;
    for (let i = 0; i < wanted; i++) this.spawn().handle.keepAlive?.(false);
  }

  /**
   * The resident form of `bytes`, the arrays of `dataset` a job takes (`dataBytes`): the same id for the same
   * dataset object and arrays in every call, so each worker receives them once (their contents at the time it does).
   * Changing the arrays' contents in place is not seen by workers that hold them: give new arrays, or `drop` the
   * dataset first.
   */
  resident(dataset: Dataset, bytes: DataBytes): ResidentData {
    return this.data.resident(dataset, bytes);
  }

  /** Frees `dataset` in every worker that holds it (a worker running a job with it frees it after that job). */
  drop(dataset: Dataset): void {
    this.data.drop(dataset);
  }

  /** The build this pool's workers run: "fast" only when it was asked for and the engine runs relaxed SIMD. */
  async precisionInUse(): Promise<Precision> {
    return precisionOf(await this.compiled());
  }

  private compiled(): Promise<WebAssembly.Module> {
    this.module ??= this.platform.compileModule(this.precision);
    return this.module;
  }

  /** Counts, and the wasm memory of every live worker that has started. */
  async stats(): Promise<PoolStats> {
    const live = this.workers.filter((worker) => worker.alive);
    const wasmBytes = await Promise.all(
      live.map(async (worker) => {
        // An idle worker lets the host exit (keepAlive false); hold it while it answers.
        worker.handle.keepAlive?.(true);
        try {
          return await worker.untilDeath(worker.ready.then(() => worker.remote.memoryBytes()));
        } catch {
          return 0;
        } finally {
          if (worker.alive && !worker.busy) worker.handle.keepAlive?.(false);
        }
      }),
    );
    return {
      workers: live.length,
      busy: live.filter((worker) => worker.busy).length,
      queued: this.queue.length,
      spawned: this.spawned,
      replaced: this.replaced,
      wasmBytes,
      datasets: this.data.size,
      datasetsSent: this.datasetsSent,
    };
  }

  /** Terminates every worker; queued and running jobs reject with PoolDisposedError. The pool cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const error = new PoolDisposedError("optimlab: the pool was disposed");
    this.data.clear();
    for (const waiter of this.queue.splice(0)) waiter.reject(error);
    for (const worker of this.workers.splice(0)) {
      worker.alive = false;
      worker.kill(error);
      worker.handle.terminate();
    }
  }

  private acquire(signal?: AbortSignal): Promise<PooledWorker<Api>> {
    if (this.disposed) return Promise.reject(new PoolDisposedError("optimlab: the pool was disposed"));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const idle = this.workers.find((worker) => !worker.busy);
    if (idle) return Promise.resolve(this.claim(idle));
    if (this.workers.length < this.size) return Promise.resolve(this.claim(this.spawn()));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        reject(abortError(signal!));
      };
      const unwatch = signal ? this.watchAbort(signal, onAbort) : () => {};
      const waiter: Waiter<Api> = {
        resolve: (worker) => {
          unwatch();
          resolve(worker);
        },
        reject: (error) => {
          unwatch();
          reject(error);
        },
      };
      this.queue.push(waiter);
    });
  }

  /**
   * Calls `callback` when `signal` aborts, through one listener per signal however many queued jobs share it (a
   * comparison queues dozens, and Node warns past 10 listeners on one AbortSignal). Returns the unsubscribe.
   */
  private watchAbort(signal: AbortSignal, callback: () => void): () => void {
    let callbacks = this.abortCallbacks.get(signal);
    if (!callbacks) {
      const watched = new Set<() => void>();
      callbacks = watched;
      this.abortCallbacks.set(signal, watched);
      signal.addEventListener(
        "abort",
        () => {
          this.abortCallbacks.delete(signal);
          for (const call of watched) call();
        },
        { once: true },
      );
    }
    callbacks.add(callback);
    return () => callbacks.delete(callback);
  }

  private claim(worker: PooledWorker<Api>): PooledWorker<Api> {
    worker.busy = true;
    worker.handle.keepAlive?.(true);
    return worker;
  }

  private release(worker: PooledWorker<Api>): void {
    worker.busy = false;
    if (this.disposed) return;
    if (worker.alive) this.freeDropped(worker);
    const next = this.queue.shift();
    if (!next) {
      if (worker.alive) worker.handle.keepAlive?.(false);
      return;
    }
    next.resolve(this.claim(worker.alive ? worker : this.spawn()));
  }

  private spawn(): PooledWorker<Api> {
    const module = this.compiled();
    const handle = this.platform.spawnWorker();
    const remote = Comlink.wrap<Api>(handle.endpoint);
    const { untilDeath, kill } = deathWatch();
    const init = module.then((compiled) => ({ answer: remote.init(compiled) }));
    const worker: PooledWorker<Api> = {
      handle,
      remote,
      untilDeath,
      kill,
      alive: true,
      busy: false,
      datasets: new Set(),
      initPosted: init,
      ready: init.then(({ answer }) => answer),
    };
    worker.ready.catch(() => {}); // surfaces through run()
    handle.onError((error) => {
      kill(error);
      if (worker.alive) this.discard(worker);
    });
    this.spawned++;
    this.workers.push(worker);
    return worker;
  }

  /** Frees a dropped dataset in the idle workers that hold it; busy ones free it when their job ends (release). */
  private dropEverywhere(id: number): void {
    for (const worker of this.workers) if (!worker.busy && worker.datasets.has(id)) this.free(worker, id);
  }

  /** Frees in `worker` the datasets it holds that were dropped while it was busy. */
  private freeDropped(worker: PooledWorker<Api>): void {
    for (const id of worker.datasets) if (!this.data.isLive(id)) this.free(worker, id);
  }

  private free(worker: PooledWorker<Api>, id: number): void {
    worker.datasets.delete(id);
    // A worker that dies meanwhile takes its memory with it.
    worker.untilDeath(worker.remote.dropData(id)).catch(() => {});
  }

  /** Removes a dead or poisoned worker; the next job that needs one gets a fresh worker. */
  private discard(worker: PooledWorker<Api>): void {
    if (!worker.alive) return;
    worker.alive = false;
    worker.kill(new WorkerCrashError("optimlab: worker discarded"));
    const index = this.workers.indexOf(worker);
    if (index >= 0) this.workers.splice(index, 1);
    this.replaced++;
    worker.handle.terminate();
  }
}
