// Node's loader: reads the .wasm that ships with the package (dist/pkg/) and compiles it once per process.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const WASM_URL = new URL("./pkg/optimlab_bg.wasm", import.meta.url);

let compiled: Promise<WebAssembly.Module> | undefined;

/** The compiled optimlab module, shared by the main thread and every worker of this process. */
export function compileModule(): Promise<WebAssembly.Module> {
  compiled ??= readFile(WASM_URL).then(
    (bytes) => WebAssembly.compile(bytes),
    (error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
      throw new Error(
        `optimlab: the WebAssembly module optimlab_bg.wasm is missing: looked for ${fileURLToPath(WASM_URL)} ` +
          "(the optimlab package is installed incompletely; reinstall it)",
      );
    },
  );
  return compiled;
}
