// Entry of a Node worker thread: exposes the worker API on the parent port. Pools start its bundle, worker-node.cjs
// (scripts/bundle.mjs); this module (dist/worker-node.js) is the same entry for a bundler of your own (`workerUrl`).
import { parentPort } from "node:worker_threads";
import * as Comlink from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { workerApi } from "./worker-api.js";

if (!parentPort) throw new Error("optimlab: worker-node must run in a worker thread");
Comlink.expose(workerApi, nodeEndpoint(parentPort));
