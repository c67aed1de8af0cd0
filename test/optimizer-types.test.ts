// The TypeScript types of every optimizer's options, generated from the Rust registry (scripts/gen-optimizers.mjs),
// against what the built wasm reports (optimizerInfo()): the same optimizers, the same option names in the same
// order with their types, the same defaults in OPTIMIZER_OPTIONS and in the doc comments of ts/optimizers.ts; then
// the compiler itself: specs with a misspelt option, a wrong tuple or an option of another optimizer do not
// type-check, correct ones do.
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, OPTIMIZER_OPTIONS, optimizerDefaults, optimizers } from "../dist/index.js";
import type { OptimizerInfo, OptimizerName } from "../dist/index.js";

const SOURCE = readFileSync(new URL("../ts/optimizers.ts", import.meta.url), "utf8");

/** Every `OptimizerSpecOf<"name", XOptions>` of the source: registry name → its options interface. */
function interfaceNames(): Map<string, string> {
  return new Map([...SOURCE.matchAll(/OptimizerSpecOf<"(\w+)", (\w+)>/g)].map((match) => [match[1]!, match[2]!]));
}

/** The properties of one interface of the source, in order, each with its type and doc comment (whitespace and `*` folded). */
function interfaceProperties(name: string): { option: string; type: string; doc: string }[] {
  const body = SOURCE.match(new RegExp(`export interface ${name} \\{\\n([\\s\\S]*?)\\n\\}`))?.[1];
  if (body === undefined) throw new Error(`interface ${name} not found in ts/optimizers.ts`);
  return [...body.matchAll(/\/\*\*([\s\S]*?)\*\/\s*(\w+)\?: ([^;]+);/g)].map((match) => ({
    option: match[2]!,
    type: match[3]!,
    doc: match[1]!
      .replace(/\n\s*\*/g, " ")
      .replace(/\s+/g, " ")
      .trim(),
  }));
}

let registry: OptimizerInfo[];

beforeAll(async () => {
  registry = await optimizers();
});

describe("the TypeScript side knows every optimizer of the Rust registry", () => {
  it("lists the same optimizers in the same order (torch's, the notebook's and optax's)", () => {
    expect(registry.map((optimizer) => optimizer.name)).toEqual(expect.arrayContaining(["sgd", "adam", "lion"]));
    expect(Object.keys(OPTIMIZER_OPTIONS)).toEqual(registry.map((optimizer) => optimizer.name));
    expect([...interfaceNames().keys()]).toEqual(registry.map((optimizer) => optimizer.name));
  });

  it("has the same option names, in the order of the 'valid options' error, and the same defaults", () => {
    for (const { name, options } of registry) {
      const table = OPTIMIZER_OPTIONS[name] as Record<string, unknown>;
      expect(Object.keys(table), name).toEqual(options.map((option) => option.name));
      for (const option of options) expect(table[option.name], `${name}.${option.name}`).toEqual(option.default);
    }
  });

  it("documents every option, stating the default wherever Rust has one", () => {
    const interfaces = interfaceNames();
    let stated = 0;
    for (const { name, options } of registry) {
      const properties = interfaceProperties(interfaces.get(name)!);
      expect(
        properties.map((property) => property.option),
        name,
      ).toEqual(options.map((option) => option.name));
      properties.forEach(({ option, type, doc }, index) => {
        expect(type, `${name}.${option}`).toBe(options[index]!.type);
        expect(doc, `${name}.${option}`).toContain(options[index]!.doc);
        const rustDefault = options[index]!.default;
        const written = doc.match(/Default `([^`]+)`\./)?.[1];
        if (rustDefault === null) {
          expect(written, `${name}.${option} has no fixed default`).toBeUndefined();
          expect(doc, `${name}.${option} says what happens when absent`).toMatch(/Default null|Required/);
        } else {
          expect(written, `${name}.${option}: ${doc}`).toBeDefined();
          expect(JSON.parse(written!), `${name}.${option}`).toEqual(rustDefault);
          stated += 1;
        }
      });
    }
    expect(stated).toBeGreaterThan(150);
  });

  it("spot-checks torch's and optax's defaults", () => {
    expect(OPTIMIZER_OPTIONS.adam).toEqual({
      lr: 0.001,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weight_decay: 0,
      amsgrad: false,
      maximize: false,
      decoupled_weight_decay: false,
    });
    expect(OPTIMIZER_OPTIONS.adamw.weight_decay).toBe(0.01);
    expect(OPTIMIZER_OPTIONS.rmsprop.alpha).toBe(0.99);
    expect(OPTIMIZER_OPTIONS.lbfgs).toMatchObject({
      lr: 1,
      max_iter: 20,
      max_eval: null,
      history_size: 100,
      line_search_fn: null,
    });
    expect(OPTIMIZER_OPTIONS.lion).toMatchObject({ learning_rate: null, b1: 0.9, b2: 0.99, weight_decay: 0.001 });
    expect(OPTIMIZER_OPTIONS.notebook_rmsprop).toEqual({ lr: 0.001, alpha: 0.9, eps: 1e-8 });
  });
});

describe("optimizers() and optimizerDefaults()", () => {
  it("return the Rust side's defaults by name", async () => {
    expect(await optimizerDefaults("adam")).toEqual(OPTIMIZER_OPTIONS.adam);
    expect(await optimizerDefaults("muon")).toMatchObject({
      ns_coefficients: [3.4445, -4.775, 2.0315],
      ns_steps: 5,
      adjust_lr_fn: null,
    });
    expect(await optimizerDefaults("cocob")).toMatchObject({ learning_rate: 1, lr: 1, alpha: 100 });
  });

  it("hand out copies, so a UI editing them changes nothing", async () => {
    (await optimizers())[0]!.options.length = 0;
    expect((await optimizers())[0]!.options.length).toBe(6);
  });

  it("refuse an unknown name with the registry's wording", async () => {
    const failure = optimizerDefaults("adamm" as OptimizerName);
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow(
      /^Unknown optimizer 'adamm'; known: sgd, adagrad, adadelta, .*, dadapt_adamw$/,
    );
  });
});

describe("the compiler checks every option", () => {
  // Each `@ts-expect-error` line must fail to compile and every other line must compile: an unused directive is
  // itself an error, so the test fails if a wrong spec type-checks or a right one does not.
  const specs = `
import type { OptimizerSpec } from ${JSON.stringify(fileURLToPath(new URL("../dist/index.js", import.meta.url)))};
export const ok: OptimizerSpec[] = [
  { name: "adam", betas: [0.9, 0.99], label: "Adam β₂ 0.99" },
  { name: "sgd", lr: 0.1, momentum: 0.9, nesterov: true, param_groups: [{ params: [1, 3], lr: 0.01, momentum: 0 }] },
  { name: "lion", learning_rate: 1e-4, b2: 0.98 },
  { name: "adafactor", eps: [null, 1e-3] },
  { name: "muon", ns_coefficients: [3.4445, -4.775, 2.0315], adjust_lr_fn: "match_rms_adamw" },
  { name: "lbfgs", line_search_fn: "strong_wolfe", max_eval: null },
];
export const wrong: OptimizerSpec[] = [
  // @ts-expect-error betas is a pair
  { name: "adam", betas: [0.9] },
  // @ts-expect-error momentum is SGD's, not Adam's
  { name: "adam", momentum: 0.9 },
  // @ts-expect-error misspelt option
  { name: "sgd", momentun: 0.9 },
  // @ts-expect-error a flag is a boolean
  { name: "sgd", nesterov: 1 },
  // @ts-expect-error unknown optimizer
  { name: "adamm" },
  // @ts-expect-error the options of a param group are the optimizer's
  { name: "sgd", param_groups: [{ params: [0], betas: [0.9, 0.999] }] },
  // @ts-expect-error only the two line searches torch has
  { name: "lbfgs", line_search_fn: "backtracking" },
];
`;

  it("accepts right specs and rejects wrong ones", async () => {
    const dir = await mkdtemp(join(tmpdir(), "optimlab-types-"));
    try {
      const file = join(dir, "specs.ts");
      await writeFile(file, specs);
      const program = ts.createProgram([file], {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        skipLibCheck: true,
        types: [],
        lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
      });
      const diagnostics = ts
        .getPreEmitDiagnostics(program)
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      expect(diagnostics).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
