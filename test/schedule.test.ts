// LR schedules through the wasm build and the public API: the Trainer's recorded lrs against torch
// (torch-lr-schedules.json), scheduleLrs for all eleven schedulers, checkpoints mid-schedule, schedules in compare
// (OneCycleLR's default length, ReduceLROnPlateau per epoch, optimizers without momentum), and the report's lr figure.
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import {
  compare,
  ConfigError,
  lrFigure,
  nodeDocument,
  reportHtml,
  scheduleLrs,
  schedulePlot,
  svgText,
} from "../dist/index.js";
import type { Dataset, RunResult, ScheduleSpec } from "../dist/index.js";
import { compileModule } from "../dist/wasm-node.js";
import { instantiate, wasm } from "../dist/wasm.js";

interface ScheduleCase {
  name: string;
  scheduler: string;
  options: Record<string, unknown>;
  base_lr: number;
  lrs: number[];
  metrics: number[] | null;
}

const fixture: { cases: ScheduleCase[] } = JSON.parse(
  await readFile(new URL("./fixtures/torch-lr-schedules.json", import.meta.url), "utf8"),
);
const oneCycle = fixture.cases.find((c) => c.name === "onecycle")!;

beforeAll(async () => {
  instantiate(await compileModule());
});

// 50 rows of 64 features in 3 learnable classes; batches of 16: 4 steps per epoch, the last one partial.
const rows = 50;
const features = 64;
const labels = Uint8Array.from({ length: rows }, (_, i) => (i * 7) % 3);
const pixels = Uint8Array.from(
  { length: rows * features },
  (_, i) => ((i * 2654435761) >>> 25) + ((i % features) % 3 === labels[Math.floor(i / features)]! ? 120 : 0),
);

function trainer(
  optimizer: Record<string, unknown>,
  schedule: Record<string, unknown>,
  maxSteps: number,
): wasm.Trainer {
  const created = new wasm.Trainer(
    JSON.stringify({ layers: [features, 20, 3], seed: 3, batchSize: 16, maxSteps, optimizer, schedule }),
  );
  created.setTrainData(pixels, labels);
  return created;
}

describe("the wasm Trainer with a schedule", () => {
  it("records torch's OneCycleLR lrs (SGD lr 0.1 momentum 0.9, max_lr 0.1, 60 steps), as float32", () => {
    const t = trainer({ name: "sgd", lr: 0.1, momentum: 0.9 }, { name: "OneCycleLR", ...oneCycle.options }, 60);
    try {
      expect(t.run(60)).toBe(60);
      expect(Array.from(t.lrs(0, 60))).toEqual(oneCycle.lrs.map(Math.fround));
    } finally {
      t.free();
    }
  });

  it("continues bit-identically from a checkpoint taken mid-schedule", () => {
    const spec = { name: "onecycle", max_lr: 0.05, total_steps: 30 };
    const straight = trainer({ name: "adam", lr: 0.01 }, spec, 30);
    const first = trainer({ name: "adam", lr: 0.01 }, spec, 30);
    const resumed = trainer({ name: "adam", lr: 0.01 }, spec, 30);
    try {
      straight.run(30);
      first.run(11);
      resumed.loadState(first.saveState());
      resumed.run(19);
      expect(resumed.losses(0, 30)).toEqual(straight.losses(0, 30));
      expect(resumed.lrs(0, 30)).toEqual(straight.lrs(0, 30));
      expect(resumed.weights()).toEqual(straight.weights());
    } finally {
      [straight, first, resumed].forEach((t) => t.free());
    }
  });

  it("refuses cycle_momentum on an optimizer without momentum or beta1, in torch's words", () => {
    expect(() => trainer({ name: "adagrad" }, { name: "cyclic", base_lr: 0.01, max_lr: 0.1 }, 10)).toThrow(
      "Trainer config: schedule: CyclicLR: optimizer must support momentum or beta1 with `cycle_momentum` option enabled (adagrad has neither; set cycle_momentum: false)",
    );
  });
});

describe("scheduleLrs", () => {
  for (const c of fixture.cases) {
    it(`${c.scheduler} ${JSON.stringify(c.options)}: torch's 60 lrs within 1e-12`, async () => {
      const spec = { name: c.name, ...c.options } as ScheduleSpec;
      const lrs = await scheduleLrs(spec, {
        baseLr: c.base_lr,
        steps: c.lrs.length,
        ...(c.metrics ? { metrics: c.metrics } : {}),
      });
      expect(lrs).toBeInstanceOf(Float64Array);
      expect(lrs.length).toBe(60);
      lrs.forEach((lr, step) =>
        expect(Math.abs(lr - c.lrs[step]!), `step ${step}`).toBeLessThanOrEqual(1e-12 * Math.abs(c.lrs[step]!)),
      );
    });
  }

  it("rejects bad options with torch's message as a ConfigError", async () => {
    const failure = scheduleLrs({ name: "StepLR" } as ScheduleSpec, { baseLr: 0.1, steps: 10 });
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow("StepLR.__init__() missing 1 required positional argument: 'step_size'");
    await expect(
      scheduleLrs({ name: "onecycle", max_lr: 0.1, total_steps: 10 }, { baseLr: 0.1, steps: 12 }),
    ).rejects.toThrow("Tried to step 11 times. The specified number of total steps is 10");
    await expect(scheduleLrs({ name: "plateau" }, { baseLr: 0.1, steps: 10 })).rejects.toThrow(
      "ReduceLROnPlateau needs a metric after each step but the last: 10 steps, 0 metrics",
    );
    await expect(
      // @ts-expect-error no spec, which the type refuses: the runtime error is checked
      scheduleLrs(null, { baseLr: 0.1, steps: 10 }),
    ).rejects.toThrow('scheduleLrs: spec must be an object with a name, e.g. { name: "onecycle", max_lr: 0.01 }');
  });
});

describe("compare with a schedule", () => {
  const dataset: Dataset = { pixels, labels, count: rows, features, classes: 3, source: "synthetic" };
  const base = {
    data: { train: dataset },
    model: { layers: [features, 20, 3] },
    epochs: 3,
    batchSize: 16,
    seed: 3,
    workers: 2,
  };
  let runs: RunResult[];

  beforeAll(async () => {
    runs = await compare({
      ...base,
      optimizers: [{ name: "sgd", lr: 0.05, momentum: 0.9 }, { name: "adam", lr: 0.01 }, { name: "adagrad" }],
      schedule: { name: "onecycle", max_lr: 0.1 },
    });
  });

  it("runs OneCycleLR over the whole run by default (total_steps = 3 epochs × 4 steps), as scheduleLrs computes it", async () => {
    const expected = Float32Array.from(
      await scheduleLrs({ name: "onecycle", max_lr: 0.1, total_steps: 12 }, { baseLr: 0.1, steps: 12 }),
    );
    expect(runs[0]!.lrs).toEqual(expected);
    expect(runs[1]!.lrs).toEqual(expected);
    expect(runs[0]!.lrs![0]).toBe(Math.fround(0.1 / 25));
    expect(runs[0]!.losses.length).toBe(12);
  });

  it("fails only the run whose optimizer cannot cycle momentum", () => {
    expect(runs[2]!.error?.name).toBe("ConfigError");
    expect(runs[2]!.error?.message).toContain(
      "OneCycleLR: optimizer must support momentum or beta1 with `cycle_momentum` option enabled",
    );
    expect(runs[0]!.error).toBeUndefined();
  });

  it("steps ReduceLROnPlateau once per epoch on the epoch's mean training loss", async () => {
    const [run] = await compare({
      ...base,
      epochs: 4,
      optimizers: [{ name: "sgd", lr: 0.1 }],
      schedule: { name: "plateau", mode: "max", factor: 0.5, patience: 0 },
    });
    // mode "max" on a falling loss: each epoch after the first is worse, so with patience 0 the lr halves after it.
    expect(Array.from(run!.lrs!)).toEqual(
      [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025].map(Math.fround),
    );
    expect(run!.epochs.map((epoch) => epoch.trainLoss)).toEqual(
      [...run!.epochs.map((epoch) => epoch.trainLoss)].sort((a, b) => b - a),
    );
  });

  it("refuses a OneCycleLR cycle shorter than the run before starting", async () => {
    await expect(
      compare({
        ...base,
        optimizers: [{ name: "sgd" }],
        schedule: { name: "OneCycleLR", max_lr: 0.1, total_steps: 10 },
      }),
    ).rejects.toThrow(
      "schedule: OneCycleLR's cycle of 10 steps is shorter than the run's 12 (3 epochs × 4 steps); leave total_steps out to fit the run",
    );
  });

  it("fits a cosine's T_max left out to the steps it drives: the whole run, or after a warm-up to the end", async () => {
    const warmup = { name: "LinearLR", start_factor: 0.1, total_iters: 3 } as const;
    const [alone, aloneGiven, warmed, warmedGiven] = await compare({
      ...base,
      optimizers: [
        { name: "sgd", lr: 0.1, schedule: { name: "cosine", eta_min: 0.001 } },
        { name: "sgd", lr: 0.1, schedule: { name: "cosine", T_max: 12, eta_min: 0.001 } },
        {
          name: "sgd",
          lr: 0.1,
          schedule: { name: "SequentialLR", schedulers: [warmup, { name: "cosine" }], milestones: [3] },
        },
        {
          name: "sgd",
          lr: 0.1,
          schedule: { name: "SequentialLR", schedulers: [warmup, { name: "cosine", T_max: 9 }], milestones: [3] },
        },
      ],
    });
    expect(alone!.lrs).toEqual(aloneGiven!.lrs);
    expect(warmed!.lrs).toEqual(warmedGiven!.lrs);
    // The warm-up rises to the base lr at its milestone, then the cosine anneals over the 9 steps left.
    expect(warmed!.lrs![3]).toBe(Math.fround(0.1));
    expect(warmed!.lrs![11]).toBeGreaterThan(0.001);
    expect(warmed!.lrs![11]).toBeLessThan(0.01);
  });

  it("leaves lrs out without a schedule", async () => {
    const [run] = await compare({ ...base, epochs: 1, optimizers: [{ name: "sgd" }] });
    expect(run!.lrs).toBeUndefined();
  });

  it("shows the lr per step in the report", () => {
    const html = reportHtml(
      runs,
      {
        source: "synthetic",
        layers: [features, 20, 3],
        epochs: 3,
        batchSize: 16,
        seed: 3,
        schedule: "onecycle max_lr=0.1",
        versions: {},
        date: "2025-01-01",
      },
      { document: nodeDocument() },
    );
    expect(html).toContain("Learning rate in force at each step under the schedule");
    expect(html).toContain(">Learning rate per step (the same for every run)</text>");
    expect(html).toContain(
      "<dt>lr schedule</dt><dd>onecycle max_lr=0.1 (over each optimizer&#39;s lr, stepped after every step)</dd>",
    );
  });
});

describe("the report's lr figure", () => {
  const run = (label: string, lrs?: number[]): RunResult => ({
    label,
    optimizer: { name: "sgd" },
    seed: 0,
    losses: new Float32Array(3),
    stepsPerEpoch: 3,
    epochs: [],
    seconds: 0,
    ...(lrs ? { lrs: Float32Array.from(lrs) } : {}),
  });

  it("draws one line per run with a legend when the runs' lrs differ, one line when they are the same, none without", () => {
    const document = nodeDocument();
    const distinct = lrFigure([run("a", [0.1, 0.1, 0.01]), run("b", [0.2, 0.2, 0.02])], { document })!.outerHTML;
    expect(distinct).toContain(">Learning rate per step</text>");
    expect(distinct).toContain('aria-label="legend"');
    const same = lrFigure([run("a", [0.1, 0.05, 0.01]), run("b", [0.1, 0.05, 0.01])], { document })!.outerHTML;
    expect(same).toContain(">Learning rate per step (the same for every run)</text>");
    expect(same).not.toContain('aria-label="legend"');
    expect(lrFigure([run("a")], { document })).toBeUndefined();
  });
});

describe("the schedules figure", () => {
  it("draws several schedules as a grid of titled panels, matching its snapshot", async () => {
    const curves = await Promise.all(
      fixture.cases.slice(0, 4).map(async (c) => ({
        label: `${c.scheduler} ${Object.entries(c.options)
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")}`,
        lrs: await scheduleLrs({ name: c.name, ...c.options } as ScheduleSpec, { baseLr: 0.1, steps: 60 }),
      })),
    );
    const svg = svgText(schedulePlot(curves, { document: nodeDocument(), columns: 2 }));
    expect(svg.match(/aria-label="panel title"/g)?.length).toBe(4);
    expect(svg).toContain('<tspan font-weight="bold">MultiStepLR</tspan>');
    await expect(svg).toMatchFileSnapshot("./__snapshots__/schedules-grid.svg");
  });
});
