// The `optimlab` CLI: flag parsing and its error messages, exit codes, progress output, the files a
// comparison writes, and one end-to-end run of the built dist/cli.js on a small slice of the sample.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, inflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Resvg } from "@resvg/resvg-js";
import { UsageError, parseFlags, parseLayers, parseOptimizer } from "../dist/cli/args.js";
import { lossesCsv, lossesJsonl, summaryTable } from "../dist/cli/output.js";
import { progressReporter } from "../dist/cli/progress.js";
import type { RunResult } from "../dist/types.js";
import { cli } from "./helpers/cli.js";

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
    optimizer: { name: label.toLowerCase(), lr: 0.01 },
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
    run('Odd, "quoted"', [2.5, Number.NaN], { diverged: { step: 1, loss: Number.NaN } }),
  ];

  it("writes one CSV row per step per run, float32 values in shortest form", () => {
    expect(lossesCsv(runs)).toBe(
      'run,label,step,loss\n0,SGD,0,2.3\n0,SGD,1,1.25\n1,"Odd, ""quoted""",0,2.5\n1,"Odd, ""quoted""",1,NaN\n',
    );
  });

  it("writes the same rows as JSON Lines with null for a non-finite loss", () => {
    const rows = lossesJsonl(runs)
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(rows).toEqual([
      { run: 0, label: "SGD", step: 0, loss: 2.3 },
      { run: 0, label: "SGD", step: 1, loss: 1.25 },
      { run: 1, label: 'Odd, "quoted"', step: 0, loss: 2.5 },
      { run: 1, label: 'Odd, "quoted"', step: 1, loss: null },
    ]);
  });

  it("prints an aligned summary table", () => {
    expect(summaryTable(runs).split("\n")).toEqual([
      "run            optimizer              train loss  held-out loss  accuracy  s/epoch  outcome",
      "-------------  ---------------------  ----------  -------------  --------  -------  -----------------------------",
      "SGD            sgd lr=0.01                0.5000         0.2500    90.00%     1.50  ok",
      'Odd, "quoted"  odd, "quoted" lr=0.01      0.5000         0.2500    90.00%     1.50  diverged at step 1 (loss NaN)',
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

  it("writes a report with the figures inline and a row per run", async () => {
    const html = await readFile(join(out, "report.html"), "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html.match(/<svg /g)!.length).toBeGreaterThanOrEqual(2);
    expect(html).toContain(">Evolution of Optimizers</text>");
    for (const label of ["SGD", "Momentum", "Nesterov", "Adagrad", "RMSProp", "Adam", "AdaMax", "NAdam"])
      expect(html).toContain(`</span>${label}</td>`);
    expect(html).toContain("512 training rows; 2000 held-out rows");
  });

  it("writes one CSV row per step per run: 512 rows / batch 256 = 2 steps × 8 runs", async () => {
    const lines = (await readFile(join(out, "losses.csv"), "utf8")).trim().split("\n");
    expect(lines[0]).toBe("run,label,step,loss");
    expect(lines.length).toBe(1 + 8 * 2);
    expect(lines[1]).toMatch(/^0,SGD,0,2\.\d+$/); // an untrained 10-class net starts near ln 10 ≈ 2.30
    expect((await readFile(join(out, "losses.jsonl"), "utf8")).trim().split("\n").length).toBe(8 * 2);
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
