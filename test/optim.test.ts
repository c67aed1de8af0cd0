// torch.optim parity through the wasm build: every replay case of test/fixtures/torch-optim-replay.json
// whose optimizer the build registers, all 25 steps within relative 1e-5 / absolute 1e-6, and torch's
// validation messages arriving in JavaScript as thrown errors (never traps).
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { instantiate, wasm } from "../dist/wasm.js";
import { compileModule } from "../dist/wasm-node.js";
import { expectReplay, type ReplayCase } from "./helpers/replay.js";

interface ErrorCase {
  optimizer: string;
  options: Record<string, unknown>;
  params?: string;
  expect: "ok" | "error";
  message?: string;
}

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")) as T;

const replay = fixture<{ cases: (ReplayCase & { name: string; optimizer: string })[] }>(
  "torch-optim-replay.json",
).cases;
const errors = fixture<{ cases: ErrorCase[] }>("torch-errors.json").cases;

/** Replay cases of the optimizers this test owns; each must be registered and match. */
const OWN = ["sgd", "adagrad", "adadelta", "rmsprop", "adam", "adamw", "adamax", "nadam", "radam"];
const own = (optimizer: string) => OWN.includes(optimizer.toLowerCase());

/** Python prints -1.0 and 1e-08 where JavaScript (and optimlab) print -1 and 1e-8. */
const javascriptNumbers = (message: string) =>
  message.replace(/(?<![\w.])-?\d+(\.\d+)?(e[+-]?\d+)?/g, (token) => String(Number(token)));

beforeAll(async () => {
  instantiate(await compileModule());
});

describe("optimizers through wasm match torch.optim", () => {
  it.each(replay.filter((c) => own(c.optimizer)).map((c) => [c.name, c] as const))("%s, 25 steps", (_, c) => {
    expectReplay(c.optimizer.toLowerCase(), c, "torch");
  });

  it("covers every optimizer it owns", () => {
    const covered = new Set(replay.filter((c) => own(c.optimizer)).map((c) => c.optimizer.toLowerCase()));
    expect([...covered].sort()).toEqual([...OWN].sort());
  });
});

describe("torch's validation messages reach JavaScript", () => {
  const cases = errors.filter((c) => OWN.includes(c.optimizer));
  it.each(cases.map((c) => [`${c.optimizer} ${JSON.stringify(c.options)}`, c] as const))("%s", (_, c) => {
    const shapes = JSON.stringify(c.params === "1-D" ? [[4]] : [[2, 3]]);
    const build = () => new wasm.Optimizer(c.optimizer, JSON.stringify(c.options), shapes).free();
    if (c.expect === "ok") build();
    else expect(build).toThrow(new Error(javascriptNumbers(c.message ?? "")));
  });

  it("names an unknown option and lists the valid ones", () => {
    expect(() => new wasm.Optimizer("adam", JSON.stringify({ beta: [0.9, 0.99] }), "[[2]]")).toThrow(
      "Unknown option 'beta' for adam; valid options: lr, betas, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay",
    );
  });
});

describe("optimizer state through wasm", () => {
  it("save → load → next steps are bit-identical", () => {
    const shapes = JSON.stringify([[3, 2], [4]]);
    const make = () => new wasm.Optimizer("adam", JSON.stringify({ lr: 0.01, amsgrad: true }), shapes);
    const grads = (k: number) => Float32Array.from({ length: 10 }, (_, i) => Math.sin(1 + k * 10 + i));
    const a = make();
    const b = make();
    try {
      a.setParams(Float32Array.from({ length: 10 }, (_, i) => i / 10));
      for (let k = 0; k < 3; k++) {
        a.setGrads(grads(k));
        a.step();
      }
      b.loadState(a.saveState());
      b.setParams(a.params());
      for (let k = 3; k < 6; k++) {
        for (const o of [a, b]) {
          o.setGrads(grads(k));
          o.step();
        }
      }
      expect(b.params()).toEqual(a.params());
    } finally {
      a.free();
      b.free();
    }
  });

  it("refuses the state of another optimizer with a clear error", () => {
    const adam = new wasm.Optimizer("adam", "{}", "[[2]]");
    const sgd = new wasm.Optimizer("sgd", "{}", "[[2]]");
    try {
      expect(() => sgd.loadState(adam.saveState())).toThrow("optimizer state: saved by 'adam', cannot load into 'sgd'");
    } finally {
      adam.free();
      sgd.free();
    }
  });
});
