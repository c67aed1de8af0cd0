// optimlab's public API for Node.
import { Worker } from "node:worker_threads";
import * as Comlink from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { compileModule } from "./wasm-node.js";
import type { WorkerApi } from "./worker-api.js";

/** Checks that the wasm module loads in a worker thread and that its SIMD dot product agrees with the scalar one. */
export async function smoke(): Promise<{ simd: boolean; dot: number; dotScalar: number }> {
  const module = await compileModule();
  const worker = new Worker(new URL("./worker-node.js", import.meta.url));
  try {
    const api = Comlink.wrap<WorkerApi>(nodeEndpoint(worker));
    const simd = await api.init(module);
    const n = 1003;
    const a = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37));
    const b = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.11));
    const { simd: dot, scalar: dotScalar } = await api.dot(a, b);
    api[Comlink.releaseProxy]();
    return { simd, dot, dotScalar };
  } finally {
    await worker.terminate();
  }
}
