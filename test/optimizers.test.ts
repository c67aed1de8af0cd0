// Every optimizer through the wasm build, the JavaScript half of crate/tests/optimizers.rs: every case of the
// replay fixtures (test/fixtures/torch-optim-replay.json, muon-replay.json, optax-replay.json), all its steps within relative 1e-5 /
// absolute 1e-6 of the reference; torch's validation messages (torch-errors.json) and optax's option rules arriving
// in JavaScript as thrown errors (never traps); save → load → next steps bit-identical for every optimizer that
// steps without a closure.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { optimizers } from "../dist/index.js";
import type { OptimizerInfo } from "../dist/index.js";
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

type Case = ReplayCase & { name: string; optimizer: string };
/** Each replay case with its reference and the registry name of its optimizer ("Adam" → "adam", "optax.lion" → "lion"). */
const replay = [
  ...fixture<{ cases: Case[] }>("torch-optim-replay.json").cases.map((c) => ({ c, reference: "torch" })),
  ...fixture<{ cases: Case[] }>("muon-replay.json").cases.map((c) => ({ c, reference: "torch" })),
  ...fixture<{ cases: Case[] }>("optax-replay.json").cases.map((c) => ({ c, reference: "optax" })),
  ...fixture<{ cases: Case[] }>("optax-options-replay.json").cases.map((c) => ({ c, reference: "optax" })),
].map(({ c, reference }) => ({ c, reference, optimizer: c.optimizer.split(".").pop()!.toLowerCase() }));
const errors = fixture<{ cases: ErrorCase[] }>("torch-errors.json").cases;

/** Python prints -1.0 and 1e-08 where JavaScript (and optimlab) print -1 and 1e-8. */
const javascriptNumbers = (message: string) =>
  message.replace(/(?<![\w.])-?\d+(\.\d+)?(e[+-]?\d+)?/g, (token) => String(Number(token)));

let registry: OptimizerInfo[];

beforeAll(async () => {
  instantiate(await compileModule());
  registry = await optimizers();
});

describe("optimizers through wasm match their reference (torch.optim, optax)", () => {
  it.each(replay.map(({ c, reference, optimizer }) => [c.name, reference, optimizer, c] as const))(
    "%s (%s), every step",
    (_, reference, optimizer, c) => {
      expectReplay(optimizer, c, reference);
    },
  );

  it("every fixture case names a registered optimizer", () => {
    const names = registry.map((optimizer) => optimizer.name as string);
    expect(replay.map(({ optimizer }) => optimizer).filter((name) => !names.includes(name))).toEqual([]);
  });
});

describe("torch's validation messages reach JavaScript", () => {
  it.each(errors.map((c) => [`${c.optimizer} ${JSON.stringify(c.options)}`, c] as const))("%s", (_, c) => {
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

describe("optax options reach JavaScript as thrown errors", () => {
  const build = (name: string, options: Record<string, unknown>) => () =>
    new wasm.Optimizer(name, JSON.stringify(options), "[[2, 3]]").free();

  it("accepts lr as an alias of learning_rate, but not both", () => {
    expect(build("lion", { lr: 1e-4 })).not.toThrow();
    expect(build("lion", { learning_rate: 1e-4, lr: 1e-4 })).toThrow(
      "lion: give learning_rate or its alias lr, not both",
    );
  });

  it("refuses an optax option it does not take yet, distinctly from an unknown one", () => {
    expect(build("lion", { lr: 1e-4, mask: [true] })).toThrow("optax option 'mask' of lion is not supported yet");
  });

  it("requires a learning rate where optax does", () => {
    expect(build("lamb", {})).toThrow("lamb requires learning_rate (or lr)");
  });

  it("rejects invalid values with torch's wording", () => {
    expect(build("yogi", { learning_rate: -1 })).toThrow("Invalid learning rate: -1");
    expect(build("adabelief", { learning_rate: 0.1, b1: 1 })).toThrow("Invalid beta parameter at index 0: 1");
    expect(build("adan", { learning_rate: 0.1, b3: 1.5 })).toThrow("Invalid beta parameter at index 2: 1.5");
    expect(build("novograd", { learning_rate: 0.1, eps: -1e-8 })).toThrow("Invalid epsilon value: -1e-8");
  });
});

describe("optimizer state through wasm", () => {
  // Matrices, so that Muon (2-D parameters only) runs too; optax's required learning rates given as torch's lr.
  const shapes = JSON.stringify([
    [3, 2],
    [2, 4],
  ]);
  const grads = (k: number) => Float32Array.from({ length: 14 }, (_, i) => Math.sin(1 + k * 14 + i));

  it("save → load → next steps are bit-identical, for every optimizer that steps without a closure", () => {
    for (const { name } of registry.filter((optimizer) => optimizer.name !== "lbfgs")) {
      const make = () => new wasm.Optimizer(name, JSON.stringify({ lr: 0.01 }), shapes);
      const a = make();
      const b = make();
      try {
        a.setParams(Float32Array.from({ length: 14 }, (_, i) => i / 14));
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
        expect(b.params(), name).toEqual(a.params());
      } finally {
        a.free();
        b.free();
      }
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
