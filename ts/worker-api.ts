// What a worker exposes through comlink. It is the same in Node worker threads and browser workers.
import { instantiate, wasm } from "./wasm.js";

export const workerApi = {
  init(module: WebAssembly.Module): boolean {
    instantiate(module);
    return wasm.simdEnabled();
  },
  dot(a: Float32Array, b: Float32Array): { simd: number; scalar: number } {
    return { simd: wasm.dot(a, b), scalar: wasm.dotScalar(a, b) };
  },
};

export type WorkerApi = typeof workerApi;
