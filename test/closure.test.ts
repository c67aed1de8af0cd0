// Your own loss and gradients: Optimizer.step(closure) (LBFGS's line search included) and the lr range test on a
// closure, with no data and no model.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ConfigError, createOptimizer, lrFind } from "../dist/index.js";
import type { LossClosure } from "../dist/index.js";

interface LandscapeCase {
  function: string;
  optimizer: string;
  options: Record<string, unknown>;
  start: [number, number];
  trajectory: [number, number][];
  losses: number[];
}

const landscapes = JSON.parse(await readFile(new URL("fixtures/torch-landscapes.json", import.meta.url), "utf8")) as {
  cases: LandscapeCase[];
};

const f32 = Math.fround;

/** The landscape fixtures' tolerance: 1e-4 relative (absolute below 1), as crate/tests/lbfgs.rs checks them. */
function expectClose(got: number, want: number, what: string): void {
  expect(Math.abs(got - want), `${what}: ${got} vs torch ${want}`).toBeLessThanOrEqual(
    1e-4 * Math.max(1, Math.abs(want)),
  );
}

/** Rosenbrock's value and gradient in float32, operation by operation, as torch's autograd computes them. */
const rosenbrock: LossClosure = ([point]) => {
  const [x, y] = [point![0]!, point![1]!];
  const [a, b] = [f32(1 - x), f32(y - f32(x * x))];
  const twoB = f32(100 * f32(2 * b));
  const grad = new Float32Array([f32(f32(-(2 * a)) - f32(f32(2 * x) * twoB)), twoB]);
  return { loss: f32(f32(a * a) + f32(100 * f32(b * b))), grads: [grad] };
};

/** f(θ) = ½·h·‖θ − θ*‖² over a [3, 4] matrix and a [4] vector: SGD is stable exactly for lr < 2/h. */
function isotropicQuadratic(h: number) {
  const target = [Float32Array.from({ length: 12 }, (_, i) => i / 4 - 1), Float32Array.from([0.5, -0.5, 2, 1])];
  const start = target.map((t) => t.map((v, i) => v + (i % 3) - 1.5));
  const closure: LossClosure = (params) => {
    let loss = 0;
    const grads = params.map((param, k) =>
      param.map((value, i) => {
        const diff = value - target[k]![i]!;
        loss += 0.5 * h * diff * diff;
        return h * diff;
      }),
    );
    return { loss, grads };
  };
  return { start, shapes: [[3, 4], [4]], closure };
}

describe("Optimizer.step(closure)", () => {
  for (const torchCase of landscapes.cases.filter((c) => c.optimizer === "LBFGS" && c.function === "rosenbrock")) {
    it(`follows torch's LBFGS on Rosenbrock from (${torchCase.start.join(", ")}), ${JSON.stringify(torchCase.options)}`, async () => {
      using lbfgs = await createOptimizer("lbfgs", torchCase.options, [[2]]);
      lbfgs.setParams([Float32Array.from(torchCase.start)]);
      torchCase.trajectory.forEach((point, k) => {
        expectClose(lbfgs.step(rosenbrock), torchCase.losses[k]!, `step ${k + 1} loss`);
        const [x, y] = lbfgs.params()[0]!;
        expectClose(x!, point[0], `step ${k + 1} x`);
        expectClose(y!, point[1], `step ${k + 1} y`);
      });
    });
  }

  it("evaluates once and updates like step(grads) for an optimizer without a line search", async () => {
    const { start, shapes, closure } = isotropicQuadratic(3);
    using viaClosure = await createOptimizer("adam", { lr: 0.1 }, shapes);
    using viaGrads = await createOptimizer("adam", { lr: 0.1 }, shapes);
    viaClosure.setParams(start);
    viaGrads.setParams(start);
    let calls = 0;
    const loss = viaClosure.step((params) => (calls++, closure(params)));
    const expected = closure(start.map((p) => p.slice()));
    viaGrads.step(expected.grads);
    expect(calls).toBe(1);
    expect(loss).toBeCloseTo(expected.loss, 4);
    expect(viaClosure.params()).toEqual(viaGrads.params());
  });

  it("rethrows the closure's own error and refuses a bad result with a message", async () => {
    using lbfgs = await createOptimizer("lbfgs", {}, [[2]]);
    lbfgs.setParams([new Float32Array([1, 2])]);
    const failure = new RangeError("simulation blew up");
    expect(() =>
      lbfgs.step(() => {
        throw failure;
      }),
    ).toThrow(failure);
    expect(() => lbfgs.step(() => ({ loss: 1, grads: [new Float32Array(3)] }))).toThrow(
      new ConfigError("lbfgs.step: grads must be 1 Float32Arrays of lengths [2], got [3]"),
    );
    expect(() =>
      // @ts-expect-error an async closure, which the type refuses: the runtime error is checked
      lbfgs.step(() => Promise.resolve({ loss: 1, grads: [] })),
    ).toThrow(/must return \{ loss, grads \} synchronously/);
  });
});

describe("lrFind on a closure", () => {
  const h = 4;
  const stability = 2 / h;

  it("finds the quadratic's stability limit 2/h: the lowest loss is the first step past it", async () => {
    const { start, shapes, closure } = isotropicQuadratic(h);
    const before = start.map((p) => p.slice());
    const result = await lrFind({
      optimizer: { name: "sgd", label: "plain SGD" },
      params: start,
      shapes,
      closure,
      startLr: 1e-3,
      endLr: 10,
      numIter: 60,
      smoothF: 0,
      skipStart: 0,
      skipEnd: 0,
    });
    // loss after step i = loss before it × (1 − lrᵢ·h)², which first exceeds 1 once lrᵢ > 2/h.
    const lowest = result.losses.indexOf(Math.min(...result.losses));
    expect(result.lrs[lowest - 1]).toBeLessThanOrEqual(stability);
    expect(result.lrs[lowest]).toBeGreaterThan(stability);
    expect(result.suggestions.minimum).toEqual({ lr: result.lrs[lowest]! / 10, index: lowest });
    expect(result.stoppedEarly).toBe(true);
    expect(result.label).toBe("plain SGD");
    expect(start).toEqual(before);
  });

  it("puts the optimizer back: the same test twice gives the same curve", async () => {
    const { start, shapes, closure } = isotropicQuadratic(h);
    const options = { optimizer: { name: "adam" as const }, params: start, shapes, closure, numIter: 40 };
    const [first, second] = [await lrFind(options), await lrFind(options)];
    expect(second.losses).toEqual(first.losses);
    expect(first.losses.length).toBeGreaterThan(5);
  });

  it("refuses what it cannot run, naming it", async () => {
    const { start, closure } = isotropicQuadratic(h);
    await expect(lrFind({ optimizer: { name: "sgd" }, params: [], closure })).rejects.toThrow(
      new ConfigError("params must be a non-empty array of Float32Arrays, one per tensor"),
    );
    await expect(lrFind({ optimizer: { name: "sgd" }, params: start, closure, numIter: 1 })).rejects.toThrow(/numIter/);
  });
});
