// optax parity through the wasm build: every case of test/fixtures/optax-replay.json (optax 0.2.8,
// float32), all 25 steps within relative 1e-5 / absolute 1e-6 of optax's recorded params, and the
// optax-style options (learning_rate, its alias lr, b1…) validated with messages that reach JavaScript.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { instantiate, wasm } from "../dist/wasm.js";
import { compileModule } from "../dist/wasm-node.js";
import { expectReplay, type ReplayCase } from "./helpers/replay.js";

const replay = (
  JSON.parse(readFileSync(new URL("./fixtures/optax-replay.json", import.meta.url), "utf8")) as {
    cases: (ReplayCase & { name: string })[];
  }
).cases;

/** The registry name of each optax optimizer is its fixture case name. */
const CASES = [
  "lion",
  "lamb",
  "lars",
  "adabelief",
  "yogi",
  "novograd",
  "adan",
  "sign_sgd",
  "fromage",
  "sm3",
  "adopt",
  "ademamix",
  "madgrad",
  "prodigy",
  "dadapt_adamw",
  "schedule_free_adamw",
  "cocob",
];

beforeAll(async () => {
  instantiate(await compileModule());
});

describe("optax optimizers through wasm match optax", () => {
  it("the fixture holds exactly the 17 cases tested here", () => {
    expect(replay.map((c) => c.name)).toEqual(CASES);
  });

  it.each(replay.map((c) => [c.name, c] as const))("%s, 25 steps", (_, c) => {
    expectReplay(c.name, c, "optax");
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
