// One compiled WebAssembly.Module, many instances: the module is compiled once (by the loader of each
// platform) and every worker instantiates it synchronously with initSync.
import { Dataset, initSync, Trainer, type InitOutput } from "./pkg/optimlab.js";

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

/** Modules warmed on this thread. */
const warmed = new WeakSet<WebAssembly.Module>();
const WARM_UP = { rows: 64, features: 784, steps: 4, optimizers: [{ name: "sgd", lr: 0.01 }, { name: "adam" }] };

/**
 * Trains a small MLP for a few steps, with SGD and Adam, on this thread's instance of `module` (instantiating it
 * here when this thread runs none; nothing when it runs another), once per module. The loaders call it right after
 * compiling the default build. V8 compiles each wasm function on its first call, unoptimized, and optimizes the hot
 * ones in the background; that code belongs to the compiled module, which every worker shares, so workers start on
 * compiled, mostly optimized code instead of the first comparison paying for it. On the 2-core machine: the first
 * comparison's first step 140–190 → 87 ms in Node and 163–221 → 81–94 ms in Chromium; compiling takes 45–50 ms
 * longer (once per process or page, on the compiling thread).
 */
export function warmUp(module: WebAssembly.Module): void {
  if (warmed.has(module) || (instantiated !== undefined && instantiated !== module)) return;
  warmed.add(module);
  instantiate(module);
  const { rows, features, steps, optimizers } = WARM_UP;
  const pixels = Uint8Array.from({ length: rows * features }, (_, i) => (i * 131) & 255);
  const labels = Uint8Array.from({ length: rows }, (_, i) => i % 10);
  const data = new Dataset(pixels, undefined, labels, undefined);
  try {
    for (const optimizer of optimizers) {
      const config = { layers: [features, 32, 10], seed: 0, batchSize: 32, normalize: 255, maxSteps: steps, optimizer };
      const trainer = new Trainer(JSON.stringify(config));
      try {
        trainer.setDataset(false, data);
        trainer.setDataset(true, data);
        trainer.run(steps);
        trainer.evaluate();
      } finally {
        trainer.free();
      }
    }
  } finally {
    data.free();
  }
}
