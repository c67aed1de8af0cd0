// Input from strangers: JSON specs, CLI --opt/--schedule text, CSV headers and run labels carrying `__proto__`,
// `constructor` or `prototype` never reach an object prototype (`({}).polluted` stays undefined after each), numbers
// JSON cannot carry are refused naming the option, and labels are text in the report, never markup.
import { afterEach, describe, expect, it } from "vitest";
import { parseHTML } from "linkedom";
import {
  compare,
  ConfigError,
  configFromHash,
  createOptimizer,
  createPool,
  OPTIMIZER_OPTIONS,
  OptimizerOptionError,
  readCsv,
  reportHtml,
  scheduleLrs,
} from "../dist/index.js";
import { parseOptimizer, UsageError } from "../dist/cli/args.js";
import { parseSchedule } from "../dist/cli/schedules.js";
import { nodeDocument } from "../dist/plot/render-node.js";
import type { Dataset, OptimizerSpec, RunResult, ScheduleSpec } from "../dist/index.js";

const RESERVED = ["__proto__", "constructor", "prototype"];
const MARKUP = '<img src=x onerror="globalThis.injected=1">';

afterEach(() => {
  expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty("polluted");
});

function dataset(count: number, features: number): Dataset {
  const pixels = Uint8Array.from({ length: count * features }, (_, i) => (i * 2654435761) >>> 24);
  const labels = Uint8Array.from({ length: count }, (_, row) => pixels[row * features]! % 4);
  return { pixels, labels, count, features, classes: 4 };
}
const base = { data: { train: dataset(64, 8) }, model: { layers: [8, 6, 4] }, epochs: 1, batchSize: 16, seed: 0 };

describe("CLI spec text", () => {
  for (const key of RESERVED) {
    it(`refuses ${key} as an --opt or --schedule key, saying it is no option`, () => {
      const valid = [...Object.keys(OPTIMIZER_OPTIONS.sgd), "label"].join(", ");
      expect(() => parseOptimizer(`sgd:${key}=1`)).toThrow(
        new UsageError(`--opt "sgd:${key}=1": unknown option '${key}' for optimizer sgd; valid options: ${valid}`),
      );
      expect(() => parseOptimizer(`SGD:lr=0.1,${key}=polluted`)).toThrow(`unknown option '${key}' for optimizer SGD`);
      expect(() => parseSchedule(`step:step_size=3,${key}=1`)).toThrow(
        `--schedule "step:step_size=3,${key}=1": unknown option '${key}' for schedule step`,
      );
      expect(() => parseSchedule(`sequential(step:step_size=3; ${key}=1)`)).toThrow(
        `unknown option '${key}' for schedule sequential`,
      );
    });
  }

  it("keeps a label that looks like markup or a reserved name as plain text", () => {
    expect(parseOptimizer(`adam:label=${MARKUP}`)).toEqual({ name: "adam", label: MARKUP });
    expect(parseOptimizer("adam:label=__proto__")).toEqual({ name: "adam", label: "__proto__" });
  });
});

describe("JSON specs through the API", () => {
  for (const key of RESERVED) {
    it(`refuses a ${key} key in an optimizer spec, a param group and a schedule as an unknown option`, async () => {
      const spec = JSON.parse(`{ "name": "sgd", "lr": 0.1, "${key}": { "polluted": "yes" } }`) as OptimizerSpec;
      const grouped = JSON.parse(
        `{ "name": "sgd", "lr": 0.1, "param_groups": [{ "params": [0], "${key}": { "polluted": "yes" } }] }`,
      ) as OptimizerSpec;
      const [plain, group, fine] = await compare({ ...base, optimizers: [spec, grouped, { name: "sgd" }] });
      expect(plain!.error).toMatchObject({ name: "OptimizerOptionError" });
      expect(plain!.error!.message).toContain(`Unknown option '${key}' for sgd`);
      expect(group!.error).toMatchObject({ name: "OptimizerOptionError" });
      expect(group!.error!.message).toContain(`'${key}'`);
      expect(fine!.error).toBeUndefined();
      const schedule = JSON.parse(`{ "name": "step", "step_size": 2, "${key}": { "polluted": "yes" } }`);
      const [scheduled] = await compare({ ...base, optimizers: [{ name: "sgd" }], schedule });
      expect(scheduled!.error?.message).toContain(`'${key}'`);
    });
  }

  it("refuses numbers JSON cannot carry (NaN, ±Infinity) once, naming the option", async () => {
    const cases: [OptimizerSpec, string][] = [
      [{ name: "sgd", lr: Number.NaN }, "optimizers[0]: Invalid lr: NaN (options must be finite numbers)"],
      [
        { name: "adam", betas: [0.9, Number.POSITIVE_INFINITY] },
        "optimizers[0]: Invalid betas[1]: Infinity (options must be finite numbers)",
      ],
      [
        { name: "sgd", param_groups: [{ params: [0], lr: Number.NEGATIVE_INFINITY }] },
        "optimizers[0]: Invalid param_groups[0].lr: -Infinity (options must be finite numbers)",
      ],
    ];
    for (const [spec, message] of cases) {
      await expect(compare({ ...base, optimizers: [spec] })).rejects.toThrow(new ConfigError(message));
    }
    await expect(createOptimizer("sgd", { lr: 0.1, momentum: Number.NaN }, [[2, 2]])).rejects.toThrow(
      new OptimizerOptionError("Invalid momentum: NaN (options must be finite numbers)"),
    );
  });
});

describe("a configuration from a URL hash (the demo's links)", () => {
  const LEVELS = [
    "top",
    "data",
    "optimizers[0]",
    "optimizers[0].param_groups[0]",
    "tune",
    "tune.lr",
    "schedule",
    "schedule.schedulers[0]",
  ];
  /** A link's JSON with `"KEY": {"polluted": "yes"}` inserted into the object at `level` (none: a valid link). */
  const linkJson = (level?: string, key?: string, lr = "0.1"): string => {
    const at = (name: string) =>
      name === level ? `"${key}": {"polluted": "yes", "__proto__": {"polluted": 1}}, ` : "";
    return (
      `{${at("top")}"data": {${at("data")}"source": "sample", "trainRows": 64}, ` +
      `"optimizers": [{${at("optimizers[0]")}"name": "sgd", "lr": ${lr}, ` +
      `"param_groups": [{${at("optimizers[0].param_groups[0]")}"params": [0], "lr": 0.01}]}], ` +
      `"epochs": 1, "batchSize": 16, "seed": 0, "seeds": 1, ` +
      `"tune": {${at("tune")}"lr": {${at("tune.lr")}"min": 0.001, "max": 0.1, "points": 3}}, ` +
      `"schedule": {${at("schedule")}"name": "sequential", "milestones": [1], ` +
      `"schedulers": [{${at("schedule.schedulers[0]")}"name": "constant"}, {"name": "step", "step_size": 2}]}}`
    );
  };
  const hash = (json: string) => `#config=${encodeURIComponent(json)}`;

  it("reads the valid link these cases start from", () => {
    expect(configFromHash(hash(linkJson()))!.optimizers[0]).toMatchObject({ name: "sgd", lr: 0.1 });
  });

  for (const key of RESERVED) {
    it(`refuses a ${key} key at every level, saying where`, () => {
      for (const level of LEVELS) {
        const where = level === "top" ? "at its top" : `in ${level}`;
        expect(() => configFromHash(hash(linkJson(level, key)))).toThrow(
          new Error(`the link's configuration is refused: a key named ${key} ${where} is not an option of anything`),
        );
      }
    });
  }

  it("refuses numbers beyond a double (1e999 reads as Infinity), naming where", () => {
    expect(() => configFromHash(hash(linkJson(undefined, undefined, "1e999")))).toThrow(
      new Error("the link's configuration is refused: Invalid optimizers[0].lr: Infinity (numbers must be finite)"),
    );
    expect(() => configFromHash(hash(linkJson().replace('"seed": 0', '"seed": -1e999')))).toThrow(
      new Error("the link's configuration is refused: Invalid seed: -Infinity (numbers must be finite)"),
    );
  });

  it("leaves option values to compare, which refuses them with torch's messages", async () => {
    const negative = configFromHash(hash(linkJson(undefined, undefined, "-1")))!;
    const [run] = await compare({ ...base, optimizers: [negative.optimizers[0]! as OptimizerSpec] });
    expect(run!.error?.message).toBe("Invalid learning rate: -1");
    const text = configFromHash(hash(linkJson(undefined, undefined, '"NaN"')))!;
    await expect(compare({ ...base, optimizers: text.optimizers })).rejects.toThrow(
      new ConfigError('optimizers[0].lr must be a number or "auto", got "NaN"'),
    );
  });
});

describe("scheduleLrs", () => {
  it("refuses NaN and ±Infinity in any schedule option, naming it (JSON would carry them as null: the default)", async () => {
    const cases: [ScheduleSpec, string][] = [
      [{ name: "StepLR", step_size: 2, gamma: Number.NaN }, "gamma: NaN"],
      [{ name: "onecycle", max_lr: Number.POSITIVE_INFINITY, total_steps: 10 }, "max_lr: Infinity"],
      [
        {
          name: "sequential",
          milestones: [2],
          schedulers: [
            { name: "constant", factor: Number.NEGATIVE_INFINITY },
            { name: "step", step_size: 2 },
          ],
        } as ScheduleSpec,
        "schedulers[0].factor: -Infinity",
      ],
      [{ name: "lambda", lr_lambda: [1, Number.NaN] } as ScheduleSpec, "lr_lambda[1]: NaN"],
    ];
    for (const [spec, option] of cases) {
      await expect(scheduleLrs(spec, { baseLr: 0.1, steps: 10 })).rejects.toThrow(
        new ConfigError(`scheduleLrs: spec: Invalid ${option} (options must be finite numbers)`),
      );
    }
  });
});

describe("CSV headers", () => {
  it("reads columns named __proto__, constructor and prototype as plain names, label column included", async () => {
    const text = `${RESERVED.join(",")}\n1,2,3\n0,4,5\n`;
    for (const label of RESERVED) {
      const { columns, dataset } = await readCsv(text, { label });
      expect(columns).toEqual(RESERVED);
      expect(dataset.labels[0]).toBe(RESERVED.indexOf(label) + 1);
    }
  });
});

describe("the report", () => {
  it("shows labels, options and errors that look like markup as text", () => {
    const run = (label: string, error?: RunResult["error"]): RunResult => ({
      label,
      optimizer: { name: "sgd", label, lr: 0.1 },
      seed: 0,
      losses: new Float32Array([2, 1.5, 1]),
      stepsPerEpoch: 3,
      epochs: [{ epoch: 1, trainLoss: 1.5, evalLoss: 1.4, evalAccuracy: 0.5, seconds: 0.1 }],
      seconds: 0.1,
      ...(error ? { error } : {}),
    });
    const runs = [
      run(MARKUP),
      run("__proto__", { name: "OptimizerOptionError", message: `Unknown option '${MARKUP}'` }),
    ];
    const html = reportHtml(
      runs,
      {
        source: `<script>globalThis.injected=1</script>.csv`,
        layers: [8, 4],
        epochs: 1,
        batchSize: 16,
        seed: 0,
        versions: {},
        date: "",
      },
      { document: nodeDocument() },
    );
    const { document } = parseHTML(html);
    expect(document.querySelectorAll("img, script, [onerror]")).toHaveLength(0);
    expect(document.querySelector("tbody td")!.textContent).toBe(MARKUP);
    expect(document.body.textContent).toContain("<script>globalThis.injected=1</script>.csv");
    // The figures' legends and labels hold the label as SVG text.
    expect(
      [...document.querySelectorAll("svg text, svg tspan")].some((text) => text.textContent?.includes(MARKUP)),
    ).toBe(true);
  });
});

describe("a model the Trainer refuses", () => {
  it("is one ConfigError before any worker starts, not the same error from every run", async () => {
    const pool = createPool({ workers: 2 });
    try {
      const optimizers: OptimizerSpec[] = [{ name: "sgd" }, { name: "adam" }, { name: "rmsprop" }];
      const cases: [number[], number, string][] = [
        [[8, 70_000, 4], 16, "Trainer config: layers must be integers from 1 to 65536, got [8,70000,4]"],
        [[8, 6, 300], 16, "Trainer config: the last layer (classes) must be at most 256, labels being bytes"],
        [[8, 60_000, 60_000, 4], 16, "Trainer config: layers [8, 60000, 60000, 4] with batchSize 16 need about"],
      ];
      for (const [layers, batchSize, message] of cases) {
        const failure = await pool
          .compare({ ...base, model: { layers }, batchSize, optimizers })
          .catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(ConfigError);
        expect((failure as Error).message).toContain(message);
      }
      expect((await pool.stats()).spawned).toBe(0);
    } finally {
      pool.dispose();
    }
  });
});
