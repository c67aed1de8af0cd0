// One compiled WebAssembly.Module, many instances: the module is compiled once (by the loader of each
// platform) and every worker instantiates it synchronously with initSync.
import { initSync } from "./pkg/optimlab.js";

export * as wasm from "./pkg/optimlab.js";

let instantiated: WebAssembly.Module | undefined;

/** Instantiates the compiled module in this thread (once; later calls with the same module are no-ops). */
export function instantiate(module: WebAssembly.Module): void {
  if (instantiated === module) return;
  if (instantiated) throw new Error("optimlab: this thread already runs another wasm module");
  initSync({ module });
  instantiated = module;
}
