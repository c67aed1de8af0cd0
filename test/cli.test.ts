// The `optimlab` CLI: flag parsing and its error messages, exit codes, progress output, the files a
// comparison writes, and one end-to-end run of the built dist/cli.js on a small slice of the sample.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, inflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Resvg } from "@resvg/resvg-js";
import { UsageError, parseFlags, parseLayers, parseOptimizer } from "../dist/cli/args.js";
import { FAIR_BATCH_SIZE, FAIR_SEEDS } from "../dist/cli/compare.js";
import { lossesCsv, lossesJsonl, summaryTable } from "../dist/cli/output.js";
import { progressReporter } from "../dist/cli/progress.js";
import { describeOptimizer, NOTEBOOK_LINEUP, NOTEBOOK_PAIRS } from "../dist/index.js";
import type { RunResult } from "../dist/types.js";
import { cli, type CliOutcome } from "./helpers/cli.js";

describe("--opt", () => {
  it("reads numbers, booleans, a/b tuples and a label", () => {
    expect(parseOptimizer("adam:lr=3e-4,betas=0.9/0.99")).toEqual({ name: "adam", lr: 3e-4, betas: [0.9, 0.99] });
    expect(parseOptimizer("sgd:lr=0.01,momentum=0.9,nesterov=true,label=My SGD")).toEqual({
      name: "sgd",
      lr: 0.01,
      momentum: 0.9,
      nesterov: true,
      label: "My SGD",
    });
    expect(parseOptimizer("RMSprop")).toEqual({ name: "rmsprop" });
  });

  it("names what is wrong", () => {
    expect(() => parseOptimizer("adam:lr")).toThrow('--opt "adam:lr": "lr" is not KEY=VALUE');
    expect(() => parseOptimizer("adam:lr=1,lr=2")).toThrow('--opt "adam:lr=1,lr=2": lr given twice');
    expect(() => parseOptimizer("adam:betas=0.9/x")).toThrow('tuple "0.9/x" must hold numbers separated by "/"');
    expect(() => parseOptimizer(":lr=1")).toThrow(UsageError);
  });
});

describe("flags", () => {
  const flags = {
    epochs: { kind: "count", help: "" },
    seed: { kind: "integer", help: "" },
    idx: { kind: "string", arity: 2, help: "" },
    opt: { kind: "string", repeatable: true, help: "" },
    quiet: { kind: "boolean", help: "" },
  } as const;

  it("takes --name value, --name=value, two-value and repeatable flags", () => {
    const parsed = parseFlags(
      ["--epochs=2", "--seed", "-3", "--idx", "a", "b", "--opt", "sgd", "--opt=adam", "--quiet"],
      flags,
      "t",
    );
    expect(Object.fromEntries(parsed)).toEqual({
      epochs: [2],
      seed: [-3],
      idx: [["a", "b"]],
      opt: ["sgd", "adam"],
      quiet: [true],
    });
  });

  it("rejects unknown, repeated, missing and malformed values with clear messages", () => {
    expect(() => parseFlags(["--epoch", "2"], flags, "optimlab compare")).toThrow(
      "unknown flag --epoch for optimlab compare",
    );
    expect(() => parseFlags(["--epochs", "0"], flags, "t")).toThrow("--epochs must be at least 1, got 0");
    expect(() => parseFlags(["--epochs", "1.5"], flags, "t")).toThrow('--epochs expects an integer, got "1.5"');
    expect(() => parseFlags(["--seed", "x"], flags, "t")).toThrow('--seed expects a number, got "x"');
    expect(() => parseFlags(["--epochs", "1", "--epochs", "2"], flags, "t")).toThrow("--epochs given more than once");
    expect(() => parseFlags(["--idx", "a"], flags, "t")).toThrow("--idx needs 2 values");
    expect(() => parseFlags(["--quiet=yes"], flags, "t")).toThrow("--quiet takes no value");
    expect(() => parseFlags(["stray"], flags, "t")).toThrow('unexpected argument "stray" for t');
    expect(() => parseLayers("784,100,0")).toThrow(
      '--layers expects at least two positive integers separated by commas, got "784,100,0"',
    );
  });
});

/** Reads the PNG chunks, checks each CRC, and inflates the image data (which fails on a damaged file). */
function decodePng(png: Buffer): { width: number; height: number; pixels: Buffer } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const data: Buffer[] = [];
  let header: Buffer | undefined;
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    const type = png.toString("latin1", offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    expect(png.readUInt32BE(offset + 8 + length)).toBe(crc32(png.subarray(offset + 4, offset + 8 + length)));
    if (type === "IHDR") header = body;
    if (type === "IDAT") data.push(body);
    offset += 12 + length;
  }
  expect(header![8]).toBe(8); // bit depth
  expect(header![9]).toBe(6); // RGBA
  return { width: header!.readUInt32BE(0), height: header!.readUInt32BE(4), pixels: inflateSync(Buffer.concat(data)) };
}

function run(label: string, losses: number[], extra: Partial<RunResult> = {}): RunResult {
  return {
    label,
    optimizer: { name: "sgd", lr: 0.01 },
    seed: 0,
    losses: Float32Array.from(losses),
    stepsPerEpoch: 2,
    epochs: [{ epoch: 1, trainLoss: 0.5, evalLoss: 0.25, evalAccuracy: 0.9, seconds: 1.5 }],
    seconds: 1.5,
    ...extra,
  };
}

describe("writers", () => {
  const runs = [
    run("SGD", [2.3, 1.25]),
    run('Odd, "quoted"', [2.5, Number.NaN], {
      optimizer: { name: "adam", lr: 0.01 },
      diverged: { step: 1, loss: Number.NaN },
    }),
  ];

  it("writes one CSV row per step per run, float32 values in shortest form", () => {
    expect(lossesCsv(runs)).toBe(
      'run,label,seed,lr,lr_rule,step,loss\n0,SGD,0,0.01,,0,2.3\n0,SGD,0,0.01,,1,1.25\n1,"Odd, ""quoted""",0,0.01,,0,2.5\n1,"Odd, ""quoted""",0,0.01,,1,NaN\n',
    );
  });

  it("writes the same rows as JSON Lines with null for a non-finite loss", () => {
    const rows = lossesJsonl(runs)
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(rows).toEqual([
      { run: 0, label: "SGD", seed: 0, lr: 0.01, lr_rule: "", step: 0, loss: 2.3 },
      { run: 0, label: "SGD", seed: 0, lr: 0.01, lr_rule: "", step: 1, loss: 1.25 },
      { run: 1, label: 'Odd, "quoted"', seed: 0, lr: 0.01, lr_rule: "", step: 0, loss: 2.5 },
      { run: 1, label: 'Odd, "quoted"', seed: 0, lr: 0.01, lr_rule: "", step: 1, loss: null },
    ]);
  });

  it("prints an aligned summary table", () => {
    expect(summaryTable(runs).split("\n")).toEqual([
      "run            optimizer     train loss  held-out loss  accuracy  s/epoch  outcome",
      "-------------  ------------  ----------  -------------  --------  -------  -----------------------------",
      "SGD            sgd lr=0.01       0.5000         0.2500    90.00%     1.50  ok",
      'Odd, "quoted"  adam lr=0.01      0.5000         0.2500    90.00%     1.50  diverged at step 1 (loss NaN)',
    ]);
  });
});

describe("progress", () => {
  const update = { run: 0, label: "Adam", step: 5, totalSteps: 10, loss: 0.5, etaSeconds: 75 };

  it("prints plain lines when not on a terminal", () => {
    let text = "";
    const reporter = progressReporter(
      ["Adam"],
      { write: (chunk: string) => (text += chunk), isTTY: false },
      { quiet: false },
    );
    reporter.update(update);
    reporter.update({ ...update, step: 6 }); // within the 2 s interval: no line
    reporter.update({ ...update, step: 10, etaSeconds: 0 });
    expect(text).toBe("[Adam] step 5/10 loss 0.5000 ETA 1m15s\n[Adam] step 10/10 loss 0.5000 done\n");
  });

  it("redraws bars in place on a terminal", () => {
    let text = "";
    const reporter = progressReporter(
      ["Adam", "SGD"],
      { write: (chunk: string) => (text += chunk), isTTY: true, columns: 69 },
      { quiet: false },
    );
    reporter.update(update);
    reporter.finish();
    const frames = text.split("\x1b[2A");
    expect(frames.length).toBe(2); // the second frame moved up over the first's two lines
    expect(frames[1]).toBe(
      `\x1b[2KAdam ${"█".repeat(10)}${"░".repeat(10)}  5/10  loss 0.5000  ETA 1m15s\n\x1b[2KSGD  ${" ".repeat(22)} waiting\n`,
    );
  });

  it("prints nothing when quiet", () => {
    let text = "";
    const reporter = progressReporter(
      ["Adam"],
      { write: (chunk: string) => (text += chunk), isTTY: true },
      { quiet: true },
    );
    reporter.update(update);
    reporter.finish();
    expect(text).toBe("");
  });
});

describe("optimlab command line", () => {
  it("explains every command with --help", async () => {
    const main = await cli("--help");
    expect(main.code).toBe(0);
    for (const name of ["compare", "notebook", "bench", "lr-find", "landscape", "schedules"])
      expect(main.stdout).toContain(`  ${name} `);
    for (const command of ["compare", "notebook", "bench", "smoke"]) {
      const help = await cli(command, "--help");
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: optimlab ${command}`);
    }
  });

  it("exits with code 2 and a message for bad flags and unknown commands", async () => {
    expect(await cli("compare", "--epochs", "zero")).toEqual({
      code: 2,
      stdout: "",
      stderr: 'optimlab compare: --epochs expects a number, got "zero"\nSee: optimlab compare --help\n',
    });
    expect((await cli("compare", "--bogus")).stderr).toContain("unknown flag --bogus for optimlab compare");
    expect((await cli("compare", "--csv", "a.csv", "--idx", "i", "l")).stderr).toContain(
      "give either --csv or --idx, not both",
    );
    expect((await cli("compare", "--layers", "10,10")).stderr).toContain(
      "--layers must start with the data's 784 features, got 10",
    );
    expect((await cli("compare", "--precision", "exact")).stderr).toContain(
      '--precision must be default or fast, got "exact"',
    );
    expect(await cli("frobnicate")).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown command "frobnicate"'),
    });
    expect(await cli("lr-find", "--bogus")).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("unknown flag --bogus for optimlab lr-find"),
    });
  });
});

describe("optimlab compare, end to end", () => {
  let out: string;
  let result: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), "optimlab-cli-"));
    result = await cli("compare", "--limit", "512", "--epochs", "1", "--out", out, "--quiet");
  });
  afterAll(() => rm(out, { recursive: true, force: true }));

  it("runs quietly and succeeds", () => {
    expect(result).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  it("writes a report with the figures inline, a row per run, the seeds table and the command that re-runs it", async () => {
    const html = await readFile(join(out, "report.html"), "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html.match(/<svg /g)!.length).toBeGreaterThanOrEqual(2);
    expect(html).toContain(">Evolution of Optimizers</text>");
    for (const { label } of NOTEBOOK_LINEUP) expect(html.split(`</span>${label}</td>`).length - 1).toBe(3); // one row per seed
    expect(html).toContain("512 training rows; 2000 held-out rows");
    expect(html).toContain("<h2>Over seeds</h2>");
    expect(html).toContain("<pre><code>optimlab compare --limit 512 --epochs 1</code></pre>");
  });

  it("runs the fair default: the line-up at lr=auto (valley), its seeds at the fair batch size; one CSV row per step per run", async () => {
    const lines = (await readFile(join(out, "losses.csv"), "utf8")).trim().split("\n");
    expect(lines[0]).toBe("run,label,seed,lr,lr_rule,step,loss");
    const steps = Math.ceil(512 / FAIR_BATCH_SIZE);
    expect(lines.length).toBe(1 + NOTEBOOK_LINEUP.length * FAIR_SEEDS * steps);
    // An untrained 10-class net starts near ln 10 ≈ 2.30; the second run is the first optimizer's second seed.
    const first = NOTEBOOK_LINEUP[0]!.label;
    expect(lines[1]).toMatch(new RegExp(`^0,${first},0,[\\d.e-]+,valley,0,2\\.\\d+$`));
    expect(lines[1 + steps]).toMatch(new RegExp(`^1,${first},1,[\\d.e-]+,valley,0,2\\.\\d+$`));
    expect((await readFile(join(out, "losses.jsonl"), "utf8")).trim().split("\n").length).toBe(
      NOTEBOOK_LINEUP.length * FAIR_SEEDS * steps,
    );
  });

  it("writes PNG figures that decode, at twice the size of their SVG", async () => {
    for (const name of ["loss.png", "epochs.png"]) {
      const png = await readFile(join(out, name));
      const { width, height, pixels } = decodePng(png);
      const svg = await readFile(join(out, name.replace(".png", ".svg")), "utf8");
      const size = new Resvg(svg).render();
      expect([width, height]).toEqual([size.width * 2, size.height * 2]);
      expect(pixels.length).toBe(height * (1 + width * 4)); // RGBA rows, each with its filter byte
    }
  });
});

describe("the notebook line-up, defined once", () => {
  it("is what compare --help lists, run by run with its options", async () => {
    const help = (await cli("compare", "--help")).stdout;
    for (const spec of NOTEBOOK_LINEUP)
      expect(help).toMatch(new RegExp(`\n  ${spec.label} +${describeOptimizer(spec)}\n`));
  });

  it("pairs each torch rule of `optimlab notebook` with the line-up's run of the same name and options", () => {
    const torchRuns = NOTEBOOK_PAIRS.filter((spec) => !spec.name.startsWith("notebook_"));
    expect(torchRuns.length).toBeGreaterThan(0);
    for (const { label, ...torch } of torchRuns) {
      const base = label!.replace(/ \(torch\)$/, "");
      const { label: _label, ...inLineup } = NOTEBOOK_LINEUP.find((spec) => spec.label === base)!;
      expect(torch, label).toEqual(inLineup);
    }
  });

  it("gives each hand-written rule the lr of the torch rule beside it", () => {
    for (let pair = 0; pair < NOTEBOOK_PAIRS.length; pair += 2) {
      const [notebook, torch] = [NOTEBOOK_PAIRS[pair]!, NOTEBOOK_PAIRS[pair + 1]!];
      expect(notebook.name, notebook.label).toMatch(/^notebook_/);
      expect(notebook.lr, notebook.label).toBe(torch.lr);
    }
  });

  it("cannot be changed by one user for the others", () => {
    expect(() => (NOTEBOOK_LINEUP[0]!.label = "mine")).toThrow(TypeError);
    expect(() => (NOTEBOOK_PAIRS as unknown[]).pop()).toThrow(TypeError);
  });
});

describe("optimlab notebook, end to end", () => {
  interface Summary {
    trainCount: number;
    epochs: number;
    runs: { label: string; optimizer: unknown; steps: number; error: unknown; diverged: unknown }[];
    files: Record<string, string>;
    timing: Record<string, number>;
  }
  let out: string;
  let result: CliOutcome;
  let summary: Summary;
  /** Every run's losses in the line-up's order, from losses.jsonl. */
  let losses: number[][];
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), "optimlab-notebook-"));
    result = await cli("notebook", "--limit", "512", "--epochs", "1", "--out", out, "--json");
    summary = JSON.parse(result.stdout) as Summary;
    const rows = (await readFile(join(out, "losses.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { run: number; step: number; loss: number });
    losses = NOTEBOOK_PAIRS.map((_, run) => rows.filter((row) => row.run === run).map((row) => row.loss));
  });
  afterAll(() => rm(out, { recursive: true, force: true }));

  it("runs every pair on 512 rows for one epoch and prints the JSON summary", () => {
    expect(result.code).toBe(0);
    expect(summary).toMatchObject({ trainCount: 512, epochs: 1 });
    expect(summary.runs.map((run) => run.label)).toEqual(NOTEBOOK_PAIRS.map((spec) => spec.label));
    expect(summary.runs.map((run) => run.optimizer)).toEqual(NOTEBOOK_PAIRS);
    for (const run of summary.runs) expect(run, run.label).toMatchObject({ steps: 2, error: null });
  });

  it("says how its wall time split into reading the data, training and writing the outputs", () => {
    expect(Object.keys(summary.timing)).toEqual(["readSeconds", "trainSeconds", "outputSeconds"]);
    for (const seconds of Object.values(summary.timing)) expect(seconds).toBeGreaterThan(0);
  });

  it("writes the report, both figures as SVG and PNG, and the losses into --out", async () => {
    expect(summary.files).toEqual(
      Object.fromEntries(
        ["report.html", "loss.svg", "loss.png", "epochs.svg", "epochs.png", "losses.csv", "losses.jsonl"].map(
          (name) => [name, join(out, name)],
        ),
      ),
    );
    const html = await readFile(summary.files["report.html"]!, "utf8");
    for (const { label } of NOTEBOOK_PAIRS) expect(html).toContain(`</span>${label}</td>`);
    for (const png of ["loss.png", "epochs.png"])
      expect(decodePng(await readFile(summary.files[png]!)).width).toBeGreaterThan(0);
  });

  it("writes one CSV and one JSON Lines row per step of every run", async () => {
    const lines = (await readFile(summary.files["losses.csv"]!, "utf8")).trim().split("\n");
    expect(lines[0]).toBe("run,label,seed,lr,lr_rule,step,loss");
    // Seed 0, each pair's own lr, no lr rule (the lrs are given).
    const expected = NOTEBOOK_PAIRS.flatMap(({ label, lr }, run) =>
      [0, 1].map((step) => `${run},${label},0,${lr},,${step},`),
    );
    expect(lines.slice(1).map((line) => line.slice(0, line.lastIndexOf(",") + 1))).toEqual(expected);
    expect(losses.map((run) => run.length)).toEqual(NOTEBOOK_PAIRS.map(() => 2));
  });

  it("draws the loss figure under the notebook's title, its rules dashed beside torch's solid ones", async () => {
    const svg = await readFile(summary.files["loss.svg"]!, "utf8");
    expect(svg).toContain(">Evolution of Optimizers: notebook rules vs torch.optim</text>");
    const dashedRuns = NOTEBOOK_PAIRS.filter((spec) => spec.name.startsWith("notebook_")).length;
    expect(svg.match(/stroke-dasharray="4,3"/g)?.length).toBeGreaterThanOrEqual(dashedRuns);
  });

  it("shows the quirks: the notebook's SGD is torch's; its Adagrad and RMSProp first divide by sqrt(1e-8)", () => {
    const run = (label: string) => losses[NOTEBOOK_PAIRS.findIndex((spec) => spec.label === label)]!;
    expect(run("SGD (notebook)")).toEqual(run("SGD (torch)"));
    // Before the current gradient is added the accumulator is 0: both make the same first step, 10⁴ times too long,
    // and the loss goes up where torch's Adagrad brings it down.
    const [before, after] = run("Adagrad (notebook)");
    expect(run("RMSProp (notebook)")[1]).toBe(after);
    expect(after).toBeGreaterThan(before!);
    expect(run("Adagrad (torch)")[1]).toBeLessThan(run("Adagrad (torch)")[0]!);
  });
});
