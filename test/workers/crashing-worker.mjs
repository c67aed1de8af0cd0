// Test-only worker entry: optimlab's real worker API, plus a genuine wasm trap on request. A run whose optimizer
// spec has `trapAfterChunks: n` traps (WebAssembly `unreachable`) in its (n+1)-th chunk; the option is removed
// before the config reaches Rust.
import { parentPort } from "node:worker_threads";
import * as Comlink from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { workerApi } from "../../dist/worker-api.js";

// (module (func (export "trap") unreachable))
const trapModule = new WebAssembly.Module(
  new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 8, 1, 4, 116, 114, 97, 112, 0, 0, 10, 5, 1, 3, 0, 0,
    11,
  ]),
);
let chunksBeforeTrap = -1;

Comlink.expose(
  {
    ...workerApi,
    open(config, train) {
      const { trapAfterChunks, ...optimizer } = config.optimizer;
      chunksBeforeTrap = trapAfterChunks ?? -1;
      return workerApi.open({ ...config, optimizer }, train);
    },
    run(steps) {
      if (chunksBeforeTrap-- === 0) new WebAssembly.Instance(trapModule).exports.trap();
      return workerApi.run(steps);
    },
  },
  nodeEndpoint(parentPort),
);
