// `optimlab sweep` in the local pool, end to end on small CSV data: the dry run, data named by path or http(s) URL
// and checked against its sha256, what a record holds, and failures (an invalid option, other bytes than the spec's)
// stored once with their errors.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProblem, train, type ModelSpec } from "../dist/index.js";
import { MODEL_PROBLEMS, problemInfo } from "../dist/problems.js";
import { readResults } from "../dist/sweep/results.js";
import { expandSweep, runId } from "../dist/sweep/spec.js";
import { cli } from "./helpers/cli.js";

/** 120 rows of 16 features and 4 classes, a CSV with a header. */
function csvText(): string {
  const rows = ["label," + Array.from({ length: 16 }, (_, i) => `f${i}`).join(",")];
  for (let row = 0; row < 120; row++) {
    const label = row % 4;
    rows.push(
      [label, ...Array.from({ length: 16 }, (_, i) => (i % 4 === label ? 200 : 0) + ((row * 7 + i * 13) % 50))].join(
        ",",
      ),
    );
  }
  return rows.join("\n") + "\n";
}

describe("optimlab sweep in the local pool", () => {
  let dir: string;
  let server: Server;
  let url: string;
  const csv = csvText();
  const sha256 = createHash("sha256").update(csv).digest("hex");
  const otherSha = createHash("sha256").update("other bytes").digest("hex");

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "optimlab-sweep-local-"));
    await writeFile(join(dir, "train.csv"), csv);
    server = createServer((_request, response) => response.end(csv));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/train.csv`;
  });

  afterAll(async () => {
    server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const spec = () => ({
    model: { layers: [16, 8, 4] },
    epochs: 2,
    batchSize: 16,
    optimizer: { name: "adam" },
    data: { path: "train.csv", sha256 },
    grid: { lr: [0.01, 0.1], seed: [0, 1] },
  });

  it("prints the expanded runs with their ids on --dry-run", async () => {
    await writeFile(join(dir, "dry.json"), JSON.stringify(spec()));
    const dry = await cli("sweep", join(dir, "dry.json"), "--dry-run");
    expect(dry.code).toBe(0);
    const runs = dry.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(runs).toHaveLength(4);
    for (const run of runs) expect(run.id).toBe(runId(run.spec));
    expect(runs[0].spec.data).toEqual({ path: join(dir, "train.csv"), sha256 });
  });

  it("trains data named by path or URL, and fails once the runs whose data or options are wrong", async () => {
    const withBadRuns = {
      ...spec(),
      runs: [
        { data: { url, sha256 }, lr: 0.01 },
        { data: { url, sha256: otherSha } },
        { data: { path: "train.csv", sha256: otherSha } },
        { lr: -1 },
      ],
    };
    await writeFile(join(dir, "sweep.json"), JSON.stringify(withBadRuns));
    const results = join(dir, "sweep.results.jsonl");
    const sweep = await cli("sweep", join(dir, "sweep.json"), "--workers", "2", "--attempts", "3");
    expect(sweep.code).toBe(1);
    expect(sweep.stderr).toContain(`8 of 8 runs stored in ${results}`);
    const { records } = await readResults(results);
    const byData = (data: object, lr?: number) =>
      records.find(
        (record) =>
          JSON.stringify(record.spec.data) === JSON.stringify(data) &&
          record.spec.seed === 0 &&
          (lr === undefined || (record.spec.optimizer as { lr?: number }).lr === lr),
      )!;

    const trained = byData({ path: join(dir, "train.csv"), sha256 }, 0.01);
    const version = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")).version;
    expect(trained.error).toBeUndefined();
    expect(trained.stepsPerEpoch).toBe(Math.ceil(96 / 16)); // 120 rows, 20% held out
    expect(trained.losses).toHaveLength(2 * trained.stepsPerEpoch);
    expect(trained.epochs.map((epoch) => Object.keys(epoch).sort())).toEqual([
      ["epoch", "evalAccuracy", "evalLoss", "trainLoss"],
      ["epoch", "evalAccuracy", "evalLoss", "trainLoss"],
    ]);
    expect(trained.software).toEqual({ optimlab: version, node: process.version });
    expect(trained.timing.epochSeconds).toHaveLength(2);

    // The same bytes over http train the same numbers.
    const overHttp = byData({ url, sha256 });
    expect(overHttp.losses).toEqual(
      byData({ path: join(dir, "train.csv"), sha256 }, overHttp.spec.optimizer.lr as number).losses,
    );

    expect(byData({ url, sha256: otherSha }).error).toEqual({
      name: "DataMismatchError",
      message: `data ${url}: sha256 mismatch: read ${csv.length} bytes with sha256 ${sha256}, the spec says ${otherSha}`,
      attempts: 1,
    });
    expect(byData({ path: join(dir, "train.csv"), sha256: otherSha }).error?.message).toContain(
      `data ${join(dir, "train.csv")}: sha256 mismatch`,
    );
    const invalid = records.find((record) => record.spec.optimizer.lr === -1)!;
    expect(invalid.error).toEqual({ name: "OptimizerOptionError", message: "Invalid learning rate: -1", attempts: 1 });

    // A rerun finds everything stored and runs nothing.
    const rerun = await cli("sweep", join(dir, "sweep.json"));
    expect(rerun.stderr).toContain("8 already in");
    expect((await readResults(results)).records).toHaveLength(8);
  });

  it("names the mistake in a spec and exits with code 2", async () => {
    await writeFile(join(dir, "bad.json"), JSON.stringify({ ...spec(), grid: { lr: [0.1], sed: [1] } }));
    const bad = await cli("sweep", join(dir, "bad.json"));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${join(dir, "bad.json")}: grid: unknown setting "sed"`);
  });
});

describe("optimlab sweep over a problem of the registry and a user's own model", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "optimlab-sweep-problem-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("trains quadratic_deep with its own batch size and dropLast, and compare's step settings, as train() does", async () => {
    const name = "quadratic_deep";
    const steps = { clipGradNorm: 5, nonFinite: "skip" } as const;
    const spec = {
      problem: name,
      epochs: 2,
      ...steps,
      grid: { optimizer: [{ name: "sgd", momentum: 0.9 }, { name: "adam" }], lr: [0.01] },
    };
    await writeFile(join(dir, "quadratic.json"), JSON.stringify(spec));
    const sweep = await cli("sweep", join(dir, "quadratic.json"), "--workers", "2");
    expect(sweep.code, sweep.stderr).toBe(0);
    const { records } = await readResults(join(dir, "quadratic.results.jsonl"));
    expect(records).toHaveLength(2);

    const problem = await loadProblem(name);
    const info = problemInfo(name);
    for (const record of records) {
      expect(record.error).toBeUndefined();
      expect(record.spec).toMatchObject({ problem: name, model: info.model, batchSize: info.batchSize, ...steps });
      // DeepOBS's loader drops each epoch's partial batch.
      expect(record.stepsPerEpoch).toBe(Math.floor(problem.data.train.count / info.batchSize!));
      const direct = await train({ ...problem, epochs: 2, ...steps, optimizer: record.spec.optimizer });
      expect(Float32Array.from(record.losses, (loss) => loss ?? Number.NaN)).toEqual(direct.losses);
      expect(record.nonFinite).toEqual(direct.nonFinite);
      expect(record.epochs.at(-1)!.evalLoss).toBe(direct.epochs.at(-1)!.evalLoss);
    }

    const report = await cli("sweep", "report", join(dir, "quadratic.results.jsonl"), "--out", join(dir, "report"));
    expect(report.code, report.stderr).toBe(0);
    const html = await readFile(join(dir, "report", "report.html"), "utf8");
    expect(html).toContain(`<dt>problem</dt><dd>${name}</dd>`);
  });

  it("trains csv_regression on a CSV named by path with its target column, as compare --csv --target does", async () => {
    const rows = ["a,b,y"];
    for (let i = 0; i < 100; i++) rows.push(`${i % 7},${(i * 3) % 11},${(i % 7) * 0.5 - ((i * 3) % 11) * 0.25}`);
    const csv = rows.join("\n") + "\n";
    await writeFile(join(dir, "regression.csv"), csv);
    const sha256 = createHash("sha256").update(csv).digest("hex");
    const model: ModelSpec = { input: [2], layers: [{ type: "linear", in: 2, out: 1 }], loss: "mse" };
    const spec = { problem: "csv_regression", model, data: { path: "regression.csv", sha256, target: "y" } };
    await writeFile(
      join(dir, "regression.json"),
      JSON.stringify({ ...spec, epochs: 3, optimizer: { name: "adam" }, grid: { lr: [0.01, 0.1] } }),
    );
    const sweep = await cli("sweep", join(dir, "regression.json"), "--workers", "1");
    expect(sweep.code, sweep.stderr).toBe(0);
    const { records } = await readResults(join(dir, "regression.results.jsonl"));
    const info = problemInfo("csv_regression");
    const problem = await loadProblem("csv_regression", { csv: join(dir, "regression.csv"), target: "y" });
    for (const record of records) {
      expect(record.spec).toMatchObject({ problem: "csv_regression", batchSize: info.batchSize, model });
      const direct = await train({ ...problem, model, epochs: 3, optimizer: record.spec.optimizer });
      expect(Float32Array.from(record.losses, (loss) => loss ?? Number.NaN)).toEqual(direct.losses);
    }
    expect(records).toHaveLength(2);
  });

  it("refuses, before running anything, a model whose layer does not fit and a problem it does not know", async () => {
    const layers = [{ type: "linear", in: 784, out: 64 }, { type: "relu" }, { type: "linear", in: 48, out: 10 }];
    const model = { input: [784], layers, loss: "cross_entropy" };
    await writeFile(join(dir, "bad-model.json"), JSON.stringify({ model, optimizer: { name: "adam" }, runs: [{}] }));
    const bad = await cli("sweep", join(dir, "bad-model.json"));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      "runs[0]: model: Trainer config: layer 3 (linear): expects 48 inputs, the previous layer gives 64",
    );

    await writeFile(
      join(dir, "unknown.json"),
      JSON.stringify({ problem: "mnist_cnn", optimizer: { name: "adam" }, runs: [{}] }),
    );
    const unknown = await cli("sweep", join(dir, "unknown.json"));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`problem: unknown problem "mnist_cnn"; problems: ${MODEL_PROBLEMS.join(", ")}`);
    await expect(readFile(join(dir, "bad-model.results.jsonl"))).rejects.toThrow();
  });
});

it("expands the README's sweep spec into the runs its dry run promises", async () => {
  const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("## Sweeps"));
  const spec = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)![1]!);
  const promised = Number(/--dry-run +# the (\d+) runs/.exec(section)![1]);
  expect(expandSweep(spec, "/").runs).toHaveLength(promised);
});

it("keeps the queue packages out of the browser bundles", async () => {
  for (const bundle of ["optimlab.browser.mjs", "optimlab.global.js", "optimlab.worker.js", "demo/demo.js"]) {
    const text = await readFile(new URL(`../dist/${bundle}`, import.meta.url), "utf8");
    expect([bundle, /bullmq|ioredis/i.test(text)]).toEqual([bundle, false]);
  }
});
