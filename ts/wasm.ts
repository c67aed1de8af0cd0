// One compiled WebAssembly.Module, many instances: the module is compiled once (by the loader of each
// platform) and every worker instantiates it synchronously with initSync.
import { initSync, type InitOutput } from "./pkg/optimlab.js";

export * as wasm from "./pkg/optimlab.js";

let instantiated: WebAssembly.Module | undefined;
let instance: InitOutput | undefined;

/** Instantiates the compiled module in this thread (once; later calls with the same module are no-ops). */
export function instantiate(module: WebAssembly.Module): void {
  if (instantiated === module) return;
  if (instantiated) throw new Error("optimlab: this thread already runs another wasm module");
  instance = initSync({ module });
  instantiated = module;
}

/** Size of this thread's wasm memory in bytes (0 before instantiate); it only grows, so it bounds what the instance ever held. */
export function memoryBytes(): number {
  return instance?.memory.buffer.byteLength ?? 0;
}
