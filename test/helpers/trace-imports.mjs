// Preloaded with `node --import` by test/lazy-loading.test.ts: appends to $OPTIMLAB_TRACE every module URL the
// process resolves (through the resolve hook below, which runs on Node's hooks thread) and a line
// "worker started" when the process starts a worker thread of its own (not Node's thread running the hooks), in the
// order they happen.
import { appendFileSync } from "node:fs";
import { register } from "node:module";

register("./trace-imports-hooks.mjs", import.meta.url);
process.on("worker", (worker) => {
  if (worker.constructor.name !== "InternalWorker") appendFileSync(process.env.OPTIMLAB_TRACE, "worker started\n");
});
