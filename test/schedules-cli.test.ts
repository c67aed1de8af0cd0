// `optimlab schedules` and `optimlab compare --schedule`, end to end through the built dist/cli.js: the --schedule
// parser, the files written (figure, PNG, CSV against torch's numbers), the report's lr figure and the error paths.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../dist/cli/args.js";
import { defaultSchedules, parseSchedule, syntheticLoss } from "../dist/cli/schedules.js";
import { cli } from "./helpers/cli.js";

const fixture: { cases: { name: string; lrs: number[] }[] } = JSON.parse(
  await readFile(new URL("./fixtures/torch-lr-schedules.json", import.meta.url), "utf8"),
);

/** `label,step,lr` rows grouped by label. */
function curvesOf(csv: string): Map<string, number[]> {
  const curves = new Map<string, number[]>();
  for (const line of csv.trim().split("\n").slice(1)) {
    const match = /^("(?:[^"]|"")*"|[^,]*),(\d+),(.+)$/.exec(line)!;
    const label = match[1]!.startsWith('"') ? match[1]!.slice(1, -1).replace(/""/g, '"') : match[1]!;
    curves.set(label, [...(curves.get(label) ?? []), Number(match[3])]);
  }
  return curves;
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): [number, number] {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

describe("--schedule", () => {
  it("reads numbers, booleans, strings and a/b/c lists", () => {
    expect(parseSchedule("onecycle:max_lr=0.01,three_phase=true,anneal_strategy=linear")).toEqual({
      name: "onecycle",
      max_lr: 0.01,
      three_phase: true,
      anneal_strategy: "linear",
    });
    expect(parseSchedule("multistep:milestones=30/80,gamma=0.1")).toEqual({
      name: "multistep",
      milestones: [30, 80],
      gamma: 0.1,
    });
    expect(parseSchedule("CosineAnnealingLR")).toEqual({ name: "CosineAnnealingLR" });
  });

  it("names what is wrong", () => {
    expect(() => parseSchedule("step:step_size")).toThrow('--schedule "step:step_size": "step_size" is not KEY=VALUE');
    expect(() => parseSchedule("step:gamma=1,gamma=2")).toThrow('--schedule "step:gamma=1,gamma=2": gamma given twice');
    expect(() => parseSchedule("multistep:milestones=3/x")).toThrow('list "3/x" must hold numbers separated by "/"');
    expect(() => parseSchedule(":gamma=1")).toThrow(UsageError);
  });

  it("defaults to all eleven schedulers and two composed ones scaled to the steps, and a loss that flattens for the plateau", () => {
    expect(defaultSchedules(100, 0.1).map((spec) => spec.name)).toEqual([
      "StepLR",
      "MultiStepLR",
      "ExponentialLR",
      "CosineAnnealingLR",
      "CosineAnnealingWarmRestarts",
      "LinearLR",
      "ConstantLR",
      "PolynomialLR",
      "OneCycleLR",
      "CyclicLR",
      "ReduceLROnPlateau",
      "SequentialLR",
      "LambdaLR",
    ]);
    const loss = syntheticLoss(100);
    expect([loss[0], loss[13], loss[14], loss[99]]).toEqual([1, Math.exp(-1.3), 0.25, 0.25]);
  });
});

describe("optimlab schedules, end to end", () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), "optimlab-schedules-"));
  });
  afterAll(() => rm(out, { recursive: true, force: true }));

  it("draws all eleven schedules and two composed ones by default, 100 steps from lr 0.1", async () => {
    const dir = join(out, "default");
    expect(await cli("schedules", "--out", dir, "--quiet")).toEqual({ code: 0, stdout: "", stderr: "" });
    const curves = curvesOf(await readFile(join(dir, "schedules.csv"), "utf8"));
    expect(curves.size).toBe(13);
    for (const lrs of curves.values()) expect(lrs.length).toBe(100);
    expect(curves.get("StepLR step_size=33, gamma=0.1")!.slice(32, 34)).toEqual([0.1, 0.010000000000000002]);
    expect(curves.get("MultiStepLR milestones=30/80, gamma=0.1")![99]).toBeCloseTo(0.001, 15);
    expect(curves.get("OneCycleLR max_lr=0.1, total_steps=100")![0]).toBeCloseTo(0.004, 15);
    // The synthetic loss is flat from step 14: after the 11th bad value (patience 10, step 25) the lr halves, and
    // again every 11 steps.
    const plateau = curves.get("ReduceLROnPlateau factor=0.5, patience=10")!;
    expect([plateau[25], plateau[26], plateau[36], plateau[37]]).toEqual([0.1, 0.05, 0.05, 0.025]);
    // Warm-up from 0.01 over 10 steps, then the cosine starts at the base lr.
    const warmupCosine = curves.get(
      "SequentialLR(LinearLR start_factor=0.1, total_iters=10; CosineAnnealingLR T_max=90; milestones=10)",
    )!;
    expect([warmupCosine[0], warmupCosine[10]]).toEqual([0.010000000000000002, 0.1]);
    const svg = await readFile(join(dir, "schedules.svg"), "utf8");
    expect(svg.match(/aria-label="panel title"/g)!.length).toBe(13);
    expect(svg).toContain('<tspan font-weight="bold">CosineAnnealingWarmRestarts</tspan>');
    const [width, height] = pngSize(await readFile(join(dir, "schedules.png")));
    expect([width, height]).toEqual([
      Number(/width="(\d+)"/.exec(svg)![1]) * 2,
      Number(/height="(\d+)"/.exec(svg)![1]) * 2,
    ]);
  });

  it("computes a given OneCycleLR as torch does, total_steps defaulting to --steps", async () => {
    const dir = join(out, "onecycle");
    const result = await cli("schedules", "--schedule", "onecycle:max_lr=0.1", "--steps", "60", "--out", dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("onecycle max_lr=0.1, total_steps=60: first 0.0040000000000000036");
    const torch = fixture.cases.find((c) => c.name === "onecycle")!.lrs;
    const lrs = curvesOf(await readFile(join(dir, "schedules.csv"), "utf8")).get(
      "onecycle max_lr=0.1, total_steps=60",
    )!;
    expect(lrs.length).toBe(60);
    lrs.forEach((lr, step) =>
      expect(Math.abs(lr - torch[step]!), `step ${step}`).toBeLessThanOrEqual(1e-12 * torch[step]!),
    );
  });

  it("reports invalid options with torch's message (exit 1) and bad flags with exit 2", async () => {
    expect(await cli("schedules", "--schedule", "step:gamma=0.5", "--out", join(out, "bad"))).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "optimlab schedules: step gamma=0.5: StepLR.__init__() missing 1 required positional argument: 'step_size'\n",
    });
    expect((await cli("schedules", "--steps", "0")).code).toBe(2);
    expect((await cli("schedules", "--base-lr", "-1")).stderr).toContain("--base-lr must be positive, got -1");
  });
});

describe("optimlab compare --schedule, end to end", () => {
  let out: string;
  let result: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), "optimlab-compare-schedule-"));
    result = await cli(
      "compare",
      "--schedule",
      "onecycle:max_lr=0.05",
      "--opt",
      "sgd:momentum=0.9",
      "--opt",
      "adam",
      "--limit",
      "768",
      "--epochs",
      "2",
      "--out",
      out,
      "--quiet",
    );
  });
  afterAll(() => rm(out, { recursive: true, force: true }));

  it("succeeds and writes the lr figure beside the others", async () => {
    expect(result).toEqual({ code: 0, stdout: "", stderr: "" });
    const svg = await readFile(join(out, "lr.svg"), "utf8");
    expect(svg).toContain(">Learning rate per step (the same for every run)</text>");
    expect(pngSize(await readFile(join(out, "lr.png")))[0]).toBe(2 * 640);
  });

  it("says in the report which schedule ran, with total_steps = 2 epochs × 3 steps", async () => {
    const html = await readFile(join(out, "report.html"), "utf8");
    expect(html).toContain(
      "<dt>lr schedule</dt><dd>onecycle max_lr=0.05, total_steps=6 (over each optimizer&#39;s lr, stepped after every step)</dd>",
    );
    expect(html).toContain("Learning rate in force at each step under the schedule");
  });
});
