// Test-only worker for the pool's mechanics (queue, abort, crash replacement) without the wasm engine.
// It exposes the pool's API (init, memoryBytes, addData/dropData) plus calls that sleep, trap or kill the thread.
import { parentPort, threadId } from "node:worker_threads";
import * as Comlink from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";

let initialized = false;
/** Ids of the datasets received (addData), in order. */
const datasets = [];
const api = {
  init(module) {
    if (!(module instanceof WebAssembly.Module)) throw new Error("init expects a compiled WebAssembly.Module");
    initialized = true;
  },
  memoryBytes: () => 65536,
  addData(id) {
    if (!initialized) throw new Error(`addData(${id}) before init`);
    datasets.push(id);
    return { held: 0 };
  },
  dropData() {},
  datasets: () => datasets,
  threadId: () => threadId,
  initialized: () => initialized,
  sleep: (ms) => new Promise((resolve) => setTimeout(() => resolve(threadId), ms)),
  trap() {
    throw new WebAssembly.RuntimeError("unreachable");
  },
  refuse() {
    const error = new Error("Invalid learning rate: -1");
    error.name = "OptimizerOptionError";
    throw error;
  },
  throwUncaught(message) {
    setTimeout(() => {
      throw new Error(message);
    });
    return new Promise(() => {});
  },
  exit(code) {
    process.exit(code);
  },
};
Comlink.expose(api, nodeEndpoint(parentPort));
