// The problems registry: problems() and loadProblem (data, model, batch size, epochs), Fashion-MNIST from Debian's
// dataset-fashion-mnist (and the message without it), csv_regression on a CSV with a numeric target column, and
// `optimlab compare --problem NAME` end to end, named in the report.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compare, ConfigError, FASHION_MNIST_PACKAGE, loadProblem, problems } from "../dist/index.js";
import { readFashionMnist } from "../dist/problems-node.js";
import { cli } from "./helpers/cli.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "optimlab-problems-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("problems()", () => {
  it("lists every problem with its data, default batch size and epochs, then the 2-D functions", async () => {
    const list = await problems();
    const names = list.map((problem) => problem.name);
    expect(names.slice(0, 8)).toEqual([
      "mnist_mlp",
      "mnist_logreg",
      "mnist_2c2d",
      "mnist_ae",
      "fmnist_mlp",
      "fmnist_2c2d",
      "quadratic_deep",
      "csv_regression",
    ]);
    for (const problem of list.slice(0, 8)) {
      expect(problem.batchSize).toBeGreaterThan(0);
      expect(problem.epochs).toBeGreaterThan(0);
    }
    expect(names).toContain("rosenbrock");
    const twoC2d = list.find((problem) => problem.name === "mnist_2c2d")!.model as { layers: { type: string }[] };
    expect(twoC2d.layers.map((layer) => layer.type).join(" ")).toBe(
      "conv2d relu maxpool2d conv2d relu maxpool2d flatten linear relu linear",
    );
  });

  it("refuses an unknown problem naming the known ones", async () => {
    await expect(loadProblem("mnist_3c3d")).rejects.toThrow(
      new ConfigError(
        'unknown problem "mnist_3c3d"; problems: mnist_mlp, mnist_logreg, mnist_2c2d, mnist_ae, fmnist_mlp, fmnist_2c2d, quadratic_deep, csv_regression (2-D test functions: optimlab landscape --fn NAME)',
      ),
    );
  });
});

describe("loadProblem", () => {
  it("mnist_ae: the sample's digits reconstructed with MSE; it trains", async () => {
    const problem = await loadProblem("mnist_ae", { limit: 1024 });
    expect(problem.data.train.count).toBe(1024);
    const [run] = await compare({ ...problem, epochs: 2, optimizers: [{ name: "adam", lr: 3e-3 }] });
    expect(run!.error).toBeUndefined();
    expect(run!.epochs[1]!.evalLoss).toBeLessThan(0.6 * run!.losses[0]!);
  });

  it("fmnist_*: Fashion-MNIST's 60,000 + 10,000 images from Debian's package; without it, a message naming it", async () => {
    const problem = await loadProblem("fmnist_2c2d", { limit: 300 });
    expect([problem.data.train.count, problem.data.test!.count, problem.data.train.features]).toEqual([
      300, 10000, 784,
    ]);
    expect(problem.data.train.source).toContain(FASHION_MNIST_PACKAGE);
    const full = await readFashionMnist();
    expect([full.train.count, full.train.classes]).toEqual([60000, 10]);
    await expect(readFashionMnist(join(dir, "none"))).rejects.toThrow(
      `install Debian's package dataset-fashion-mnist (apt-get install dataset-fashion-mnist)`,
    );
  });

  it("quadratic_deep: DeepOBS's own data (numpy's draws), θ from ones, each epoch's partial batch left out", async () => {
    const fixture = JSON.parse(await readFile(new URL("fixtures/deepobs-quadratic.json", import.meta.url), "utf8")) as {
      rows: number;
      dim: number;
      train_rows: Record<string, number[]>;
      test_rows: Record<string, number[]>;
    };
    const problem = await loadProblem("quadratic_deep");
    expect(problem.dropLast).toBe(true);
    for (const [split, rows] of [
      [problem.data.train, fixture.train_rows],
      [problem.data.test!, fixture.test_rows],
    ] as const) {
      expect([split.count, split.features]).toEqual([fixture.rows, fixture.dim]);
      for (const [row, values] of Object.entries(rows))
        values.forEach((value, k) => expect(split.inputs![Number(row) * fixture.dim + k]).toBeCloseTo(value, 6));
    }
    const [run] = await compare({ ...problem, epochs: 4, optimizers: [{ name: "sgd", lr: 0.02 }] });
    expect(run!.error).toBeUndefined();
    expect(run!.stepsPerEpoch).toBe(Math.floor(fixture.rows / problem.batchSize));
    expect(run!.losses.length).toBe(4 * run!.stepsPerEpoch);
    expect(run!.epochs.at(-1)!.evalLoss).toBeLessThan(0.5 * run!.losses[0]!);
  });

  it("csv_regression: float features and a numeric target column, an MLP sized to the file, MSE", async () => {
    // y = 3·a − b + 1 over 600 rows.
    const lines = ["a,b,y"];
    for (let i = 0; i < 600; i++) {
      const [a, b] = [Math.sin(i), Math.cos(i * 0.7)];
      lines.push(`${a},${b},${3 * a - b + 1}`);
    }
    const file = join(dir, "regression.csv");
    await writeFile(file, lines.join("\n"));
    const problem = await loadProblem("csv_regression", { csv: file, target: "y" });
    expect(problem.model).toMatchObject({ input: [2], loss: "mse" });
    expect([problem.data.train.count, problem.data.test!.count]).toEqual([480, 120]);
    const [run] = await compare({ ...problem, optimizers: [{ name: "adam", lr: 1e-2 }] });
    expect(run!.epochs.at(-1)!.evalLoss).toBeLessThan(0.05);
    const byCli = await cli(
      "compare",
      "--csv",
      file,
      "--target",
      "y",
      "--opt",
      "adam:lr=0.01",
      "--out",
      join(dir, "csv"),
      "--json",
    );
    expect(byCli.code).toBe(0);
    expect(JSON.parse(byCli.stdout)).toMatchObject({ problem: "csv_regression", epochs: 10, batchSize: 64 });
  });
});

describe("optimlab compare --problem", () => {
  it("trains mnist_2c2d end to end with figures, the problem named in the report", async () => {
    const out = join(dir, "2c2d");
    const result = await cli(
      "compare",
      "--problem",
      "mnist_2c2d",
      "--limit",
      "256",
      "--epochs",
      "1",
      "--opt",
      "adam",
      "--out",
      out,
      "--json",
    );
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ problem: "mnist_2c2d", batchSize: 128, epochs: 1, trainCount: 256 });
    expect(Object.keys(summary.files)).toEqual(
      expect.arrayContaining(["report.html", "loss.svg", "loss.png", "epochs.png"]),
    );
    const report = await readFile(join(out, "report.html"), "utf8");
    expect(report).toContain("mnist_2c2d: conv2d → relu → maxpool2d → conv2d");
    const help = await cli("compare", "--help");
    expect(help.stdout).toContain("--problem NAME");
    expect(help.stdout).toContain("mnist_2c2d");
    const unknown = await cli("compare", "--problem", "rosenbrock", "--out", out);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown problem "rosenbrock"');
  });
});
