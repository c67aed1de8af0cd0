// Node's platform adapter for the pool: worker_threads running worker-node.cjs (ts/worker-node.ts bundled into one
// CommonJS file by scripts/bundle.mjs: a fresh worker loads one file, no ES module loader), the .wasm read from disk.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import type { Platform } from "./pool.js";
import { compileModule } from "./wasm-node.js";

export interface NodePlatformOptions {
  /** Worker entry to run instead of optimlab's own (it must expose the same API), e.g. a bundled copy. */
  workerUrl?: URL;
}

export function nodePlatform(options: NodePlatformOptions = {}): Platform {
  const workerUrl = options.workerUrl ?? new URL("./worker-node.cjs", import.meta.url);
  return {
    compileModule,
    cores: availableParallelism,
    spawnWorker() {
      // Node's own error for a missing worker file arrives later as a crash; this one says what is wrong.
      if (workerUrl.protocol === "file:" && !existsSync(workerUrl)) {
        throw new Error(
          `optimlab: the worker script ${basename(workerUrl.pathname)} is missing: looked for ${fileURLToPath(workerUrl)} ` +
            "(the optimlab package is installed incompletely; reinstall it)",
        );
      }
      // No inherited flags: workers run plain built JS, and Node refuses many parent flags in workers
      // (--expose-gc, --input-type, …), which would fail every run.
      const worker = new Worker(workerUrl, { execArgv: [] });
      let exited = false;
      return {
        endpoint: nodeEndpoint(worker),
        terminate: () => void worker.terminate(),
        onError(callback) {
          worker.once("error", (error) => callback(error));
          worker.once("exit", (code) => {
            exited = true;
            callback(new Error(`the worker thread exited with code ${code}`));
          });
        },
        keepAlive(busy) {
          if (exited) return;
          if (busy) worker.ref();
          else worker.unref();
        },
      };
    },
  };
}
