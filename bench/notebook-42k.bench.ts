// The notebook at Kaggle's size: a 42,000-row MNIST CSV in Kaggle's train.csv format (the embedded sample's 10,000
// digits, repeated in order: row i is digit i mod 10,000), the notebook's eight optimizers at its own lrs
// (`optimlab compare --notebook-lrs`) for 3 epochs, run by the CLI as a user runs it, with 1 worker and with 2.
// Prints the whole process's wall time split into reading the CSV, training and writing figures and files (the
// CLI's --json `timing`), its peak rss (/usr/bin/time -v) and the 2-worker speed-up; beside it PyTorch on one thread
// running the same eight one after another as the notebook does (bench/torch_notebook.py), when torch is installed. With --rss it also measures
// the peak rss of the fair default comparison on all 42,000 rows: `optimlab compare --csv train42k.csv --holdout 0
// --epochs 1` (24 range tests and 24 runs), and in this process the wasm memory of each of 2 workers after the
// notebook's eight at its lrs for 1 epoch on all 42,000 rows, beside the data's size and the datasets sent.
//   npx tsx bench/notebook-42k.bench.ts [--rss]            (after bash scripts/build.sh; the CSV is kept in the
//   npx tsx bench/notebook-42k.bench.ts --make-csv FILE     OS temp folder between runs) — or only write the CSV
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm, stat } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { loadMnistSampleDataset, selectRows, splitDataset } from "../dist/data/index.js";
import { readCsvFile, writeCsvFile } from "../dist/data/node.js";
import { createPool, NOTEBOOK_LINEUP } from "../dist/index.js";
import { pythonCommand, torchMissing } from "./torch-mlp.js";

const ROWS = 42_000;
const CLI = resolve(import.meta.dirname, "../dist/cli.js");
const TIME = "/usr/bin/time";
/** Target of issue 18: 2 workers at least this many times the 1-worker throughput. */
const TARGET_SPEEDUP = 1.8;

/** Writes the 42,000-row CSV to `path` (the same bytes every time), unless a file of that name exists. */
export async function makeTrain42k(path: string): Promise<string> {
  if (existsSync(path)) return path;
  const sample = await loadMnistSampleDataset();
  const rows = Uint32Array.from({ length: ROWS }, (_, i) => i % sample.count);
  const partial = `${path}.${process.pid}.partial`;
  await writeCsvFile(partial, selectRows(sample, rows));
  await rename(partial, path);
  return path;
}

export interface CliRun {
  args: string[];
  wallSeconds: number;
  /** The CLI's own split (its --json `timing`). */
  readSeconds: number;
  trainSeconds: number;
  outputSeconds: number;
  /** Peak resident set size of the whole process (workers are threads of it), from /usr/bin/time -v; null without it. */
  peakRssMB: number | null;
  /** Training rows. */
  trainCount: number;
}

/** Runs `program args` to its end, its output collected and its wall time taken; a non-zero exit throws with stderr. */
async function runProcess(
  name: string,
  program: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ stdout: string; stderr: string; wallSeconds: number }> {
  const started = performance.now();
  const child = spawn(program, args, { stdio: ["ignore", "pipe", "pipe"], env });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const wallSeconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${name} exited with ${code}:\n${stderr}`);
  return { stdout, stderr, wallSeconds };
}

/** Runs `optimlab compare …args --json --quiet` under /usr/bin/time -v (when installed) and reads what it reports. */
async function timedCompare(args: string[], out: string): Promise<CliRun> {
  const command = [process.execPath, CLI, "compare", ...args, "--out", out, "--json", "--quiet"];
  const timed = existsSync(TIME);
  const { stdout, stderr, wallSeconds } = await runProcess(
    `optimlab compare ${args.join(" ")}`,
    timed ? TIME : command[0]!,
    timed ? ["-v", ...command] : command.slice(1),
  );
  const summary = JSON.parse(stdout) as {
    trainCount: number;
    timing: { readSeconds: number; trainSeconds: number; outputSeconds: number };
  };
  const rssKb = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1];
  return {
    args,
    wallSeconds,
    ...summary.timing,
    peakRssMB: rssKb === undefined ? null : Number(rssKb) / 1024,
    trainCount: summary.trainCount,
  };
}

export interface Notebook42kResult {
  csv: string;
  runs: CliRun[];
  speedup: number;
  rss?: CliRun;
  memory?: WorkerMemory;
  torch?: TorchNotebook | { missing: string };
}

/** PyTorch's sequential notebook on one thread: whole process (Python start and import included) and its split. */
export interface TorchNotebook {
  wallSeconds: number;
  readSeconds: number;
  trainSeconds: number;
  version: string;
}

/** bench/torch_notebook.py on `csv` in a fresh process, one thread. */
async function torchNotebook(csv: string): Promise<TorchNotebook | { missing: string }> {
  const missing = torchMissing();
  if (missing) return { missing };
  const script = resolve(import.meta.dirname, "torch_notebook.py");
  const { stdout, wallSeconds } = await runProcess("bench/torch_notebook.py", pythonCommand(), [script, csv], {
    ...process.env,
    OMP_NUM_THREADS: "1",
    MKL_NUM_THREADS: "1",
  });
  const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as {
    readSeconds: number;
    trainSeconds: number;
    torch: string;
  };
  return { wallSeconds, readSeconds: result.readSeconds, trainSeconds: result.trainSeconds, version: result.torch };
}

export interface WorkerMemory {
  /** Decoded pixels and labels of the training rows. */
  dataMB: number;
  /** wasm memory of each worker at the end. */
  wasmMB: number[];
  /** Times a dataset was sent to a worker. */
  datasetsSent: number;
  runs: number;
}

/** The wasm memory of each of 2 workers after the notebook's eight at its lrs, 1 epoch, on all rows of `csv`. */
async function workerMemory(csv: string): Promise<WorkerMemory> {
  const { dataset } = await readCsvFile(csv);
  const data = splitDataset(dataset, { testCount: 0, shared: true });
  await using pool = createPool({ workers: 2 });
  const optimizers = [...NOTEBOOK_LINEUP];
  await pool.compare({ data, optimizers, epochs: 1 });
  const stats = await pool.stats();
  return {
    dataMB: (data.train.pixels.byteLength + data.train.labels.byteLength) / 2 ** 20,
    wasmMB: stats.wasmBytes.map((bytes) => bytes / 2 ** 20),
    datasetsSent: stats.datasetsSent,
    runs: optimizers.length,
  };
}

export async function run(options: { rss?: boolean } = {}): Promise<Notebook42kResult> {
  const cache = join(tmpdir(), "optimlab-bench");
  await mkdir(cache, { recursive: true });
  const csv = await makeTrain42k(join(cache, "train42k.csv"));
  const outs = await mkdtemp(join(tmpdir(), "optimlab-notebook42k-"));
  const f = (value: number, digits = 2) => value.toFixed(digits);
  try {
    console.log(
      `The notebook at full size: ${csv} (${ROWS} rows, ${f((await stat(csv)).size / 2 ** 20, 1)} MB), ` +
        "its 8 optimizers at its lrs × 3 epochs, batch 256, 20% held out; optimlab compare in a fresh process " +
        `(load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores: more than 1 per core slows both)`,
    );
    const runs: CliRun[] = [];
    for (const workers of [1, 2]) {
      const args = ["--csv", csv, "--notebook-lrs", "--epochs", "3", "--workers", String(workers)];
      const result = await timedCompare(args, join(outs, `workers-${workers}`));
      runs.push(result);
      console.log(
        `  ${workers} worker${workers > 1 ? "s" : " "}: ${f(result.wallSeconds)} s wall = ${f(result.readSeconds)} s reading + ` +
          `${f(result.trainSeconds)} s training + ${f(result.outputSeconds)} s figures and files (+ process start); ` +
          `peak rss ${result.peakRssMB === null ? "— (no /usr/bin/time)" : `${f(result.peakRssMB, 0)} MB`}`,
      );
    }
    const speedup = runs[0].trainSeconds / runs[1].trainSeconds;
    const wallSpeedup = runs[0].wallSeconds / runs[1].wallSeconds;
    console.log(
      `  2 workers: ${f(speedup)}× the 1-worker training throughput (target ≥ ${TARGET_SPEEDUP}×: ` +
        `${speedup >= TARGET_SPEEDUP ? "met" : "MISSED"}), ${f(wallSpeedup)}× on the whole process`,
    );
    const result: Notebook42kResult = { csv, runs, speedup };
    const torch = await torchNotebook(csv);
    result.torch = torch;
    if ("missing" in torch) console.log(`  PyTorch: ${torch.missing}`);
    else
      console.log(
        `  PyTorch ${torch.version}, 1 thread, the eight one after another: ${f(torch.wallSeconds)} s wall = ` +
          `${f(torch.readSeconds)} s reading + ${f(torch.trainSeconds)} s training (+ Python start and import); ` +
          `optimlab with 2 workers is ${f(torch.wallSeconds / runs[1].wallSeconds)}× as fast on the whole process, ` +
          `${f(torch.trainSeconds / runs[1].trainSeconds)}× on training`,
      );
    if (options.rss) {
      const args = ["--csv", csv, "--holdout", "0", "--epochs", "1"];
      result.rss = await timedCompare(args, join(outs, "rss"));
      console.log(
        `  optimlab compare --csv train42k.csv --holdout 0 --epochs 1: peak rss ${f(result.rss.peakRssMB ?? NaN, 0)} MB, ` +
          `${f(result.rss.wallSeconds)} s wall (${f(result.rss.trainSeconds)} s training)`,
      );
      const memory = await workerMemory(csv);
      result.memory = memory;
      console.log(
        `  wasm memory per worker after the notebook's ${memory.runs} runs (1 epoch, 2 workers, ${f(memory.dataMB, 1)} MB ` +
          `of data): ${memory.wasmMB.map((mb) => `${f(mb, 1)} MB`).join(", ")}; datasets sent to workers: ${memory.datasetsSent}`,
      );
    }
    console.log("  as JSON Lines:");
    for (const run of [...runs, ...(result.rss ? [result.rss] : [])])
      console.log(
        JSON.stringify({ bench: "notebook-42k", ...run, args: run.args.join(" ").replace(csv, "train42k.csv") }),
      );
    if (result.memory) console.log(JSON.stringify({ bench: "notebook-42k-worker-memory", ...result.memory }));
    if (result.torch && !("missing" in result.torch))
      console.log(JSON.stringify({ bench: "notebook-42k-torch", ...result.torch }));
    return result;
  } finally {
    await rm(outs, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const makeAt = process.argv.indexOf("--make-csv");
  if (makeAt >= 0) {
    const path = resolve(process.argv[makeAt + 1] ?? "train42k.csv");
    console.log(`wrote ${await makeTrain42k(path)}`);
  } else {
    await run({ rss: process.argv.includes("--rss") });
  }
}
