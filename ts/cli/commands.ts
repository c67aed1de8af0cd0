// The `optimlab` commands, in the order --help lists them: compare and notebook (compare.ts), bench, smoke,
// landscape, schedules, lr-find, sweep (run, status, report) and worker. Each declares its flags; --help is generated from them.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { smoke } from "../node-api.js";
import { HELP_FLAG, PACKAGE_ROOT, type Command } from "./command.js";
import { compareCommand, notebookCommand } from "./compare.js";
import { landscapeCommand } from "./landscape.js";
import { lrFindCommand } from "./lr-find.js";
import { schedulesCommand } from "./schedules.js";
import { sweepCommand, sweepReportCommand, sweepStatusCommand, workerCommand } from "./sweep.js";

export const COMMANDS: Command[] = [
  compareCommand,
  notebookCommand,
  {
    name: "bench",
    summary: "run the benchmarks (needs a source checkout)",
    usage: "optimlab bench",
    description: `Runs the benchmarks in bench/run.ts with tsx from the package root, all in one process run, each
printing its peers side by side and the ratios:
  mlp   one MNIST epoch (784-100-100-10, batch 256, 60,000 digits, SGD) vs the machine's simd128 peak, tfjs-wasm,
        jax-js (jit, wasm) and PyTorch on one thread (when python3, or $OPTIMLAB_PYTHON, can import torch)
  adam  the Adam step in ns/param at 1M and 16M parameters vs the in-place memory bandwidth of the same traffic
  csv   reading a 42,000-row MNIST CSV: time, peak memory as a multiple of the decoded buffers
  notebook-42k  the notebook's 8 optimizers × 3 epochs on a 42,000-row CSV with 1 and 2 workers (optimlab compare
        in a fresh process): wall time split into reading, training and figures, peak rss
  soak  10,000 short runs through one worker pool (valid, refused, diverging, cancelled): wasm memory per worker,
        worker count, rss growth, unsettled promises, progress after a cancelled comparison settled
  sweep runs/min of a 24-run sweep in the local pool and through Redis with 1 and 2 worker processes,
        and the queue's overhead per run (starts its own redis-server on a random port)
One benchmark alone: npx tsx bench/run.ts mlp. Only when named: csv-1gb, a generated 1 GB CSV streamed through the
reader with its peak memory (npx tsx bench/run.ts csv-1gb). The benchmarks ship with the sources, not with the npm
package.`,
    flags: { help: HELP_FLAG },
    async run(_flags, io) {
      const script = resolve(PACKAGE_ROOT, "bench/run.ts");
      if (!existsSync(script)) {
        io.stderr.write(
          `optimlab bench: the benchmarks need a source checkout (no ${script}); clone the repository and run npm run bench there\n`,
        );
        return 1;
      }
      const child = spawn("npx", ["tsx", "--expose-gc", "bench/run.ts"], { cwd: PACKAGE_ROOT, stdio: "inherit" });
      return new Promise((done) => {
        child.on("error", (error) => {
          io.stderr.write(`optimlab bench: could not start npx tsx: ${error.message}\n`);
          done(1);
        });
        child.on("exit", (code, signal) => done(code ?? (signal ? 1 : 0)));
      });
    },
  },
  {
    name: "smoke",
    summary: "check that the wasm module loads in a worker thread and its SIMD agrees with the scalar path",
    usage: "optimlab smoke",
    description:
      "Loads the SIMD WebAssembly module in a worker thread and compares a SIMD dot product with the scalar one.",
    flags: { help: HELP_FLAG },
    async run(_flags, io) {
      const result = await smoke();
      io.stdout.write(
        `optimlab: wasm loaded in a worker thread; simd128=${result.simd}; dot=${result.dot} (scalar ${result.dotScalar})\n`,
      );
      return 0;
    },
  },
  landscapeCommand,
  schedulesCommand,
  lrFindCommand,
  sweepCommand,
  sweepStatusCommand,
  sweepReportCommand,
  workerCommand,
];
