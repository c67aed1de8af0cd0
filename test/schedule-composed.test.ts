// Composed schedules and per-run schedules through the wasm build and the public API: every case of
// torch-lr-schedules-composed.json with lr_lambda as the fixture's expression and as a JavaScript function evaluated
// on the calling thread, ReduceLROnPlateau inside SequentialLR against a hand-computed sequence, the command line's
// syntax for composites and per-run schedules, and compare with a schedule per optimizer.
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { compare, ConfigError, scheduleLrs } from "../dist/index.js";
import type { Dataset, RunResult, ScheduleSpec } from "../dist/index.js";
import { parseOptimizer, parseSchedule, UsageError } from "../dist/cli/args.js";

interface FixtureScheduler {
  scheduler: string;
  options: Record<string, unknown>;
}
interface ComposedCase extends FixtureScheduler {
  name: string;
  base_lr: number;
  lrs: number[];
}

const fixture: { cases: ComposedCase[] } = JSON.parse(
  await readFile(new URL("./fixtures/torch-lr-schedules-composed.json", import.meta.url), "utf8"),
);

/** The fixture's `{scheduler, options}` as a spec; `lambda` says what becomes of each lr_lambda expression. */
function specOf(item: FixtureScheduler, lambda: (expression: string) => unknown): ScheduleSpec {
  const spec: Record<string, unknown> = { name: item.scheduler };
  for (const [key, value] of Object.entries(item.options)) {
    if (key === "schedulers") spec[key] = (value as FixtureScheduler[]).map((inner) => specOf(inner, lambda));
    else if (key === "lr_lambda") spec[key] = lambda(value as string);
    else spec[key] = value;
  }
  return spec as unknown as ScheduleSpec;
}

/** The fixture's expression as a JavaScript function (tests run without a CSP; the library itself never evals). */
const asFunction = (expression: string) => new Function("epoch", `return ${expression};`) as (epoch: number) => number;

function expectClose(actual: ArrayLike<number>, expected: readonly number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let k = 0; k < expected.length; k++) {
    const tolerance = 1e-9 * Math.max(Math.abs(expected[k]!), 1e-12);
    expect(Math.abs(actual[k]! - expected[k]!), `${what} step ${k + 1}`).toBeLessThanOrEqual(tolerance);
  }
}

describe("composed schedules against torch", () => {
  it("has cases", () => expect(fixture.cases.length).toBeGreaterThan(0));
  for (const c of fixture.cases) {
    it(`${c.name} (${c.scheduler}): every step within 1e-9, lr_lambda as an expression and as a function`, async () => {
      const steps = c.lrs.length;
      const asExpression = await scheduleLrs(
        specOf(c, (expression) => expression),
        { baseLr: c.base_lr, steps },
      );
      expectClose(asExpression, c.lrs, c.name);
      const asJavaScript = await scheduleLrs(specOf(c, asFunction), { baseLr: c.base_lr, steps });
      expectClose(asJavaScript, c.lrs, `${c.name} (function)`);
    });
  }
});

describe("scheduleLrs with composed schedules", () => {
  it("runs ReduceLROnPlateau inside SequentialLR as documented (hand-computed)", async () => {
    const spec: ScheduleSpec = {
      name: "SequentialLR",
      schedulers: [
        { name: "LinearLR", start_factor: 0.5, total_iters: 2 },
        { name: "ReduceLROnPlateau", factor: 0.5, patience: 1 },
      ],
      milestones: [3],
    };
    // Warm-up 0.5, 0.75, 1; at step 3 the plateau starts fresh at the base lr 1 without seeing that step's 0.1;
    // 5 then 4 improve, 4.5 and 4.2 are bad: the second bad value (> patience 1) halves the lr.
    const lrs = await scheduleLrs(spec, { baseLr: 1, steps: 10, metrics: [9, 8, 0.1, 5, 4, 4.5, 4.2, 3, 3.5] });
    expect(Array.from(lrs)).toEqual([0.5, 0.75, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5]);
  });

  it("says which function, epoch and value when an lr_lambda function returns something other than a finite number", async () => {
    const spec: ScheduleSpec = {
      name: "sequential",
      schedulers: [
        { name: "step", step_size: 5 },
        { name: "lambda", lr_lambda: (epoch) => (epoch < 3 ? 1 : NaN) },
      ],
      milestones: [2],
    };
    await expect(scheduleLrs(spec, { baseLr: 0.1, steps: 8 })).rejects.toThrow(
      new ConfigError("scheduleLrs: spec.schedulers[1].lr_lambda(3) returned NaN; it must return a finite number"),
    );
  });

  it("reports an expression's mistake at its column", async () => {
    await expect(
      scheduleLrs({ name: "lambda", lr_lambda: "Math.pow(0.9, epoch" }, { baseLr: 0.1, steps: 3 }),
    ).rejects.toThrow(
      "lr_lambda: expected ',' or ')' in the arguments of Math.pow, found end of expression at column 20 of \"Math.pow(0.9, epoch\"",
    );
  });
});

describe("the command line's schedule syntax", () => {
  it("writes a composite like torch's constructor, schedules separated by ';'", () => {
    expect(
      parseSchedule("sequential(linear:start_factor=0.1,total_iters=5; cosine:T_max=55,eta_min=1e-4; milestones=5)"),
    ).toEqual({
      name: "sequential",
      schedulers: [
        { name: "linear", start_factor: 0.1, total_iters: 5 },
        { name: "cosine", T_max: 55, eta_min: 1e-4 },
      ],
      milestones: [5], // one milestone is still a list: the schedules take no other form
    });
    expect(parseSchedule("multistep:milestones=30")).toEqual({ name: "multistep", milestones: [30] });
    expect(
      parseSchedule("chained(constant:factor=0.5; sequential(step:step_size=2; plateau; milestones=3/9))"),
    ).toEqual({
      name: "chained",
      schedulers: [
        { name: "constant", factor: 0.5 },
        { name: "sequential", schedulers: [{ name: "step", step_size: 2 }, { name: "plateau" }], milestones: [3, 9] },
      ],
    });
  });

  it("keeps lr_lambda as written, commas and '/' included", () => {
    expect(parseSchedule("lambda:lr_lambda=epoch < 10 ? (epoch + 1) / 10 : Math.pow(0.99, epoch - 10)")).toEqual({
      name: "lambda",
      lr_lambda: "epoch < 10 ? (epoch + 1) / 10 : Math.pow(0.99, epoch - 10)",
    });
    expect(parseSchedule("multiplicative:lr_lambda=0.95")).toEqual({ name: "multiplicative", lr_lambda: "0.95" });
  });

  it("gives a run its own schedule after '@', or none", () => {
    expect(parseOptimizer("adamw:lr=1e-3 @ cosine:T_max=100")).toEqual({
      name: "adamw",
      lr: 1e-3,
      schedule: { name: "cosine", T_max: 100 },
    });
    expect(parseOptimizer("schedule_free_adamw@none")).toEqual({ name: "schedule_free_adamw", schedule: null });
  });

  it("refuses mistakes with the flag and the text", () => {
    expect(() => parseSchedule("sequential(milestones=5)")).toThrow(
      '--schedule "sequential(milestones=5)": sequential(…) needs its schedules, e.g. sequential(linear:total_iters=5; cosine:T_max=95; milestones=5)',
    );
    expect(() => parseSchedule("sequential(step:step_size=2;; milestones=1)")).toThrow(UsageError);
    expect(() => parseOptimizer("adam@step:step_size")).toThrow(
      '--opt "adam@step:step_size": "step_size" is not KEY=VALUE',
    );
  });
});

describe("compare with a schedule per run", () => {
  // 48 rows of 64 features in 3 classes; batches of 16: 3 steps per epoch, 9 steps in 3 epochs.
  const rows = 48;
  const features = 64;
  const labels = Uint8Array.from({ length: rows }, (_, i) => (i * 5) % 3);
  const pixels = Uint8Array.from(
    { length: rows * features },
    (_, i) => ((i * 2654435761) >>> 25) + ((i % features) % 3 === labels[Math.floor(i / features)]! ? 120 : 0),
  );
  const dataset: Dataset = { pixels, labels, count: rows, features, classes: 3, source: "synthetic" };
  const base = { data: { train: dataset }, model: { layers: [features, 16, 3] }, epochs: 3, batchSize: 16, seed: 1 };
  const warmupCosine: ScheduleSpec = {
    name: "SequentialLR",
    schedulers: [
      { name: "LambdaLR", lr_lambda: (epoch: number) => (epoch + 1) / 3 },
      { name: "CosineAnnealingLR", T_max: 6 },
    ],
    milestones: [3],
  };
  let runs: RunResult[];

  beforeAll(async () => {
    runs = await compare({
      ...base,
      workers: 2,
      schedule: { name: "StepLR", step_size: 3, gamma: 0.5 },
      optimizers: [
        { name: "adamw", lr: 0.01, schedule: warmupCosine },
        { name: "schedule_free_adamw", lr: 0.01, schedule: null },
        { name: "sgd", lr: 0.1 },
      ],
    });
  });

  it("runs each optimizer under its own schedule, the comparison's when it has none, none with null", async () => {
    expect(runs.map((run) => run.error)).toEqual([undefined, undefined, undefined]);
    const own = await scheduleLrs(warmupCosine, { baseLr: 0.01, steps: 9 });
    expect(runs[0]!.lrs).toEqual(Float32Array.from(own));
    expect(runs[1]!.lrs).toBeUndefined();
    const shared = await scheduleLrs({ name: "StepLR", step_size: 3, gamma: 0.5 }, { baseLr: 0.1, steps: 9 });
    expect(runs[2]!.lrs).toEqual(Float32Array.from(shared));
  });

  it("says in the label which schedule a run had", () => {
    expect(runs[0]!.label).toBe(
      "adamw lr=0.01 @ SequentialLR(LambdaLR lr_lambda=(epoch) => (epoch + 1) / 3; CosineAnnealingLR T_max=6; milestones=3)",
    );
    expect(runs[1]!.label).toBe("schedule_free_adamw lr=0.01 @ none");
    expect(runs[2]!.label).toBe("sgd lr=0.1");
  });

  it("refuses a run's bad schedule before any training, naming the run", async () => {
    await expect(
      compare({
        ...base,
        optimizers: [{ name: "sgd" }, { name: "adam", schedule: { name: "lambda", lr_lambda: () => Infinity } }],
      }),
    ).rejects.toThrow("optimizers[1].schedule.lr_lambda(0) returned Infinity; it must return a finite number");
  });
});
