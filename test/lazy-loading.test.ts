// What a process loads before it needs it: the worker thread every Node pool starts is one self-contained file, and
// the CLI loads the plotting stack (Observable Plot, linkedom, resvg) only when it draws a figure (a sweep's runs never
// do), the Redis queue packages (bullmq, ioredis) only for --queue, and reads a data file in a worker thread of its own.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMnistSample } from "../dist/index.js";

const DIST = resolve(import.meta.dirname, "../dist");
const TRACER = resolve(import.meta.dirname, "helpers/trace-imports.mjs");
/** The packages a command loads only when it draws (the figures) or uses the queue. */
const HEAVY = ["@observablehq/plot", "linkedom", "@resvg/resvg-js", "bullmq", "ioredis"];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "optimlab-lazy-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `optimlab ...args` with the import tracer; returns the trace's lines (URLs and "worker started"). */
async function tracedCli(name: string, ...args: string[]): Promise<string[]> {
  const trace = join(dir, `${name}.trace`);
  await promisify(execFile)(process.execPath, ["--import", TRACER, join(DIST, "cli.js"), ...args], {
    env: { ...process.env, OPTIMLAB_TRACE: trace },
    timeout: 300_000,
  });
  return (await readFile(trace, "utf8")).split("\n").filter(Boolean);
}

/** The packages of node_modules among the trace's URLs, in the order first loaded. */
function packagesOf(lines: string[]): string[] {
  const names = lines.flatMap((line) => {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    return match ? [match[1]!] : [];
  });
  return [...new Set(names)];
}

describe("the Node worker thread", () => {
  it("is one CommonJS file that requires nothing but Node's built-ins (comlink and the wasm glue are inside)", async () => {
    const source = await readFile(join(DIST, "worker-node.cjs"), "utf8");
    const required = [...source.matchAll(/\brequire\("([^"]+)"\)/g)].map((match) => match[1]!);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((name) => !builtinModules.includes(name.replace(/^node:/, "")))).toEqual([]);
    expect(source).toContain("initSync"); // the wasm glue
    expect(source).toContain("Comlink.proxy"); // comlink's own code, not a require of it
  });
});

describe("the CLI", () => {
  it("shows --help and runs smoke without loading the plotting stack or the queue packages", async () => {
    const help = packagesOf(await tracedCli("help", "compare", "--help"));
    const smoke = packagesOf(await tracedCli("smoke", "smoke"));
    expect(help.filter((name) => HEAVY.includes(name))).toEqual([]);
    expect(smoke.filter((name) => HEAVY.includes(name))).toEqual([]);
  });

  it("compare loads the plotting stack after its workers started, to draw the figures, and never the queue", async () => {
    const out = join(dir, "compare-out");
    const lines = await tracedCli("compare", "compare", "--limit", "256", "--epochs", "1", "--out", out, "--quiet");
    const firstWorker = lines.indexOf("worker started");
    const firstPlot = lines.findIndex((line) => line.includes("/node_modules/@observablehq/plot/"));
    expect(firstWorker).toBeGreaterThanOrEqual(0);
    expect(firstPlot).toBeGreaterThan(firstWorker);
    expect(packagesOf(lines.slice(0, firstWorker)).filter((name) => HEAVY.includes(name))).toEqual([]);
    expect(packagesOf(lines).filter((name) => name === "bullmq" || name === "ioredis")).toEqual([]);
    expect((await readFile(join(out, "loss.svg"), "utf8")).startsWith("<svg")).toBe(true);
  });

  it("sweep runs a spec on the local pool without loading the plotting stack or the queue packages", async () => {
    const spec = join(dir, "sweep.json");
    await writeFile(
      spec,
      JSON.stringify({ problem: "quadratic_deep", epochs: 1, optimizer: { name: "sgd" }, grid: { lr: [0.01] } }),
    );
    const results = join(dir, "sweep.results.jsonl");
    const lines = await tracedCli("sweep", "sweep", spec, "--results", results, "--quiet");
    expect(lines).toContain("worker started");
    expect(packagesOf(lines).filter((name) => HEAVY.includes(name))).toEqual([]);
    expect((await readFile(results, "utf8")).trim().split("\n").length).toBe(1);
  });

  it("compare --csv reads and splits the file in a worker thread: this thread never loads the CSV parser", async () => {
    const { train } = await loadMnistSample({ seed: 0 });
    const header = ["label", ...Array.from({ length: train.features }, (_, i) => `pixel${i}`)].join(",");
    const rows = Array.from({ length: 300 }, (_, r) =>
      [train.labels[r], ...train.pixels.subarray(r * train.features, (r + 1) * train.features)].join(","),
    );
    const csv = join(dir, "digits.csv");
    await writeFile(csv, [header, ...rows].join("\n") + "\n");
    const out = join(dir, "csv-out");
    const lines = await tracedCli(
      "csv",
      "compare",
      "--csv",
      csv,
      "--opt",
      "sgd",
      "--epochs",
      "1",
      "--out",
      out,
      "--quiet",
    );
    expect(lines.filter((line) => line === "worker started").length).toBe(2); // the reader, then the run's worker
    expect(packagesOf(lines)).not.toContain("papaparse");
    const losses = (await readFile(join(out, "losses.csv"), "utf8")).trim().split("\n");
    expect(losses.length).toBe(1 + Math.ceil(240 / 256)); // 300 rows, 20% held out: one step of batch 256
  });
});
