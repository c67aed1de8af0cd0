// Models beyond the MLP through the wasm build's Trainer: every run of test/fixtures/torch-problems.json (layer list, loss,
// optional gradient clipping) from the recorded initial parameters over the recorded batches, each step's loss and
// the final parameters within 1e-4 of PyTorch; the non-finite policies' optax counters; errors naming the layer.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { instantiate, wasm } from "../dist/wasm.js";
import { compileModule } from "../dist/wasm-node.js";

interface Run {
  optimizer: string;
  options: Record<string, unknown>;
  clip: Record<string, number> | null;
  losses: number[];
  final: number[][];
}

interface Problem {
  name: string;
  input: number[];
  layers: Record<string, unknown>[];
  loss: string;
  batch: number;
  steps: number;
  inputs: number[];
  targets: number[];
  init: number[][];
  runs: Run[];
}

const problems = (
  JSON.parse(readFileSync(new URL("./fixtures/torch-problems.json", import.meta.url), "utf8")) as {
    problems: Problem[];
  }
).problems;

const trainer = (problem: Problem, optimizer: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  new wasm.Trainer(
    JSON.stringify({
      model: { input: problem.input, layers: problem.layers, loss: problem.loss },
      batchSize: problem.batch,
      maxSteps: 0,
      optimizer,
      ...extra,
    }),
  );

/** Batch `step` of the problem: its inputs and targets. */
const batch = (problem: Problem, step: number): [Float32Array, Float32Array] => {
  const inputLength = problem.inputs.length / (problem.steps * problem.batch);
  const targetLength = problem.targets.length / (problem.steps * problem.batch);
  const rows = (values: number[], length: number) =>
    Float32Array.from(values.slice(step * problem.batch * length, (step + 1) * problem.batch * length));
  return [rows(problem.inputs, inputLength), rows(problem.targets, targetLength)];
};

beforeAll(async () => {
  instantiate(await compileModule());
});

describe("models through wasm match PyTorch", () => {
  const runs = problems.flatMap((problem) =>
    problem.runs.map(
      (run) =>
        [
          `${problem.name} ${run.optimizer} ${JSON.stringify(run.options)} clip ${JSON.stringify(run.clip)}`,
          problem,
          run,
        ] as const,
    ),
  );
  it("covers every run of the fixture", () => {
    expect(runs.length).toBe(problems.reduce((n, p) => n + p.runs.length, 0));
    expect(runs.length).toBeGreaterThan(0);
  });

  it.each(runs)("%s", (_, problem, run) => {
    const model = trainer(
      problem,
      { name: run.optimizer.toLowerCase(), ...run.options },
      run.clip ? { clip: run.clip } : {},
    );
    try {
      model.setWeights(Float32Array.from(problem.init.flat()));
      run.losses.forEach((want, step) => {
        const loss = model.trainBatch(...batch(problem, step));
        if (!(Math.abs(loss - want) <= 1e-4)) expect.fail(`step ${step}: loss ${loss}, torch ${want}`);
      });
      const params = model.weights();
      const want = run.final.flat();
      expect(params.length).toBe(want.length);
      want.forEach((w, i) => {
        if (!(Math.abs(params[i]! - w) <= 1e-4 * (1 + Math.abs(w))))
          expect.fail(`parameter ${i}: ${params[i]}, torch ${w}`);
      });
    } finally {
      model.free();
    }
  });
});

describe("non-finite steps", () => {
  const problem = problems.find((p) => p.loss === "cross_entropy")!;
  /** Steps 0..3 with a NaN input in batches 1 and 2; returns each loss and the optax counters after. */
  const nanRun = (extra: Record<string, unknown>) => {
    const model = trainer(problem, { name: "adam", lr: 0.01 }, extra);
    try {
      model.setWeights(Float32Array.from(problem.init.flat()));
      const losses: number[] = [];
      for (let step = 0; step < 4 && model.divergedAt() < 0; step++) {
        const [inputs, targets] = batch(problem, step);
        if (step === 1 || step === 2) inputs[3] = NaN;
        losses.push(model.trainBatch(inputs, targets));
      }
      return { losses, counters: Array.from(model.nonFiniteCounters()), stoppedAt: model.divergedAt() };
    } finally {
      model.free();
    }
  };

  it("skip: optax apply_if_finite skips the update and counts [notfinite_count, total_notfinite, last_finite]", () => {
    const { losses, counters, stoppedAt } = nanRun({ nonFinite: "skip", maxConsecutiveErrors: 2 });
    expect(losses.map(Number.isNaN)).toEqual([false, true, true, false]);
    expect(counters).toEqual([0, 2, 1]);
    expect(stoppedAt).toBe(-1);
    const gaveUp = nanRun({ nonFinite: "skip", maxConsecutiveErrors: 1 });
    expect(gaveUp.counters).toEqual([2, 2, 0]);
    expect(gaveUp.stoppedAt).toBe(2);
  });

  it("stop ends the run at the first non-finite step; propagate applies every update", () => {
    expect(nanRun({}).stoppedAt).toBe(1);
    const propagate = nanRun({ nonFinite: "propagate" });
    expect(propagate.stoppedAt).toBe(-1);
    expect(propagate.counters).toEqual([3, 3, 0]);
  });

  it("refuses a stopped run's next step, and unknown policies, with clear messages", () => {
    expect(() => trainer(problem, { name: "sgd" }, { nonFinite: "ignore" })).toThrow(
      'Trainer config: nonFinite must be one of "stop", "skip", "propagate", got "ignore"',
    );
    const model = trainer(problem, { name: "sgd", lr: 0.1 });
    const [inputs, targets] = batch(problem, 0);
    inputs[0] = Infinity;
    model.trainBatch(inputs, targets);
    expect(() => model.trainBatch(...batch(problem, 1))).toThrow(
      'trainBatch: the run stopped at step 0, whose loss or gradients were not finite (nonFinite "stop")',
    );
    model.free();
  });
});

describe("model errors reach JavaScript naming the layer", () => {
  it("a shape mismatch, a bad target and a model too large for wasm memory", () => {
    const cnn = problems.find((p) => p.layers.some((l) => l.type === "conv2d"))!;
    const layers = cnn.layers.map((l) => (l.type === "linear" ? { ...l, in: (l.in as number) + 1 } : l));
    const linearIndex = layers.findIndex((l) => l.type === "linear");
    expect(() => trainer({ ...cnn, layers }, { name: "sgd" })).toThrow(
      `layer ${linearIndex + 1} (linear): expects ${layers[linearIndex]!.in as number} inputs, the previous layer gives ${(layers[linearIndex]!.in as number) - 1}`,
    );
    const model = trainer(cnn, { name: "sgd" });
    const [inputs, targets] = batch(cnn, 0);
    targets[2] = 99;
    expect(() => model.trainBatch(inputs, targets)).toThrow("trainBatch: target 99 at row 2 is not a class below");
    model.free();
    expect(() =>
      trainer(
        { ...cnn, input: [100000], layers: [{ type: "linear", in: 100000, out: 100000 }], loss: "mse" },
        { name: "sgd" },
      ),
    ).toThrow("more than the 2048 MiB a wasm instance can hold");
  });
});
