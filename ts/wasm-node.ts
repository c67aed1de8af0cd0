// Node's loader: reads the .wasm that ships next to this file and compiles it once per process.
import { readFile } from "node:fs/promises";

let compiled: Promise<WebAssembly.Module> | undefined;

/** The compiled optimlab module, shared by the main thread and every worker of this process. */
export function compileModule(): Promise<WebAssembly.Module> {
  compiled ??= readFile(new URL("./pkg/optimlab_bg.wasm", import.meta.url)).then((bytes) => WebAssembly.compile(bytes));
  return compiled;
}
