// Node's loader: reads the .wasm that ships with the package (dist/pkg/) and compiles it once per process; with
// precision "fast", the relaxed-SIMD build beside it (dist/pkg/optimlab_fast_bg.wasm) where this Node can run it.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { markFast, relaxedSimdSupported, type Precision } from "./precision.js";
import { warmUp } from "./wasm.js";

const WASM_URLS: Record<Precision, URL> = {
  default: new URL("./pkg/optimlab_bg.wasm", import.meta.url),
  fast: new URL("./pkg/optimlab_fast_bg.wasm", import.meta.url),
};

const compiled = new Map<Precision, Promise<WebAssembly.Module>>();

/**
 * Whether this process can run relaxed SIMD. Node ≥ 22 (V8 ≥ 11.4) has it on; Node 20 (V8 11.3) has it behind V8's
 * --experimental-wasm-relaxed-simd, which a Worker's execArgv refuses (ERR_WORKER_INVALID_EXEC_ARGV: V8 flags are
 * per process) but which v8.setFlagsFromString turns on for the whole process, worker threads included. It is set
 * only here, when precision "fast" is asked for.
 */
export function enableRelaxedSimd(): boolean {
  if (relaxedSimdSupported()) return true;
  setFlagsFromString("--experimental-wasm-relaxed-simd");
  return relaxedSimdSupported();
}

/**
 * The compiled optimlab module, shared by the main thread and every worker of this process: the default build, or
 * with "fast" the relaxed-SIMD build when this Node can run it (else the default build; `precisionOf` tells which).
 */
export function compileModule(precision: Precision = "default"): Promise<WebAssembly.Module> {
  const build = precision === "fast" && enableRelaxedSimd() ? "fast" : "default";
  let module = compiled.get(build);
  if (!module) {
    const url = WASM_URLS[build];
    module = readFile(url).then(
      (bytes) =>
        WebAssembly.compile(bytes).then((compiledModule) => {
          if (build === "fast") return markFast(compiledModule);
          warmUp(compiledModule);
          return compiledModule;
        }),
      (error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
        throw new Error(
          `optimlab: the WebAssembly module ${url.pathname.split("/").at(-1)} is missing: looked for ${fileURLToPath(url)} ` +
            "(the optimlab package is installed incompletely; reinstall it)",
        );
      },
    );
    compiled.set(build, module);
  }
  return module;
}
