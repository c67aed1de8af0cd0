// `precision: "fast"`: the opt-in second build of the module, compiled with relaxed SIMD (f32x4.relaxed_madd, a fused
// multiply-add where the CPU has FMA). Its results differ from the default build's in the last bits, and between
// machines, so it runs only when asked and where the engine validates relaxed SIMD; everywhere else the default
// build runs, whose results are the same bits on every engine and machine.

/** "default": the same bits everywhere. "fast": fused multiply-adds where the engine and CPU have them. */
export type Precision = "default" | "fast";

export const PRECISIONS: readonly Precision[] = ["default", "fast"];

/** A module with one function, `(a, b, c) => f32x4.relaxed_madd(a, b, c)`: it validates where relaxed SIMD runs. */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2,
  253, 133, 2, 11,
]);

/** True when this engine can compile relaxed SIMD (Chromium ≥ 114, Firefox ≥ 120, Node ≥ 22, Node 20 with the flag). */
export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(RELAXED_SIMD_PROBE);
}

const fastModules = new WeakSet<WebAssembly.Module>();

/** Records that `module` is the fast build (the loaders call it). */
export function markFast(module: WebAssembly.Module): WebAssembly.Module {
  fastModules.add(module);
  return module;
}

/** Which build `module` is. */
export function precisionOf(module: WebAssembly.Module): Precision {
  return fastModules.has(module) ? "fast" : "default";
}

/** Checks a `precision` option. */
export function checkPrecision(precision: unknown): Precision {
  if (precision === undefined) return "default";
  if (!PRECISIONS.includes(precision as Precision))
    throw new RangeError(`optimlab: precision must be "default" or "fast", got ${JSON.stringify(precision)}`);
  return precision as Precision;
}
