// A comparison's configuration: the URL hash round-trips it exactly, a broken hash says what is wrong, and the CLI
// line it gives is one `optimlab compare` parses back into the same line-up.
import { describe, expect, it } from "vitest";
import {
  compareCommand,
  configFromHash,
  configToHash,
  specText,
  type ComparisonConfig,
  type ScheduleSpec,
} from "../dist/index.js";
import { parseOptimizer, parseSchedule } from "../dist/cli/args.js";

const config: ComparisonConfig = {
  data: { source: "sample", trainRows: 4000 },
  optimizers: [
    { name: "sgd", label: "Momentum", momentum: 0.9, lr: "auto", lrRule: "steep" },
    { name: "adam", lr: 0.1 + 0.2, betas: [0.9, 0.99] },
    { name: "adamw", label: "it's mine", weight_decay: 0.01 },
  ],
  epochs: 3,
  batchSize: 256,
  seed: 7,
  seeds: 3,
  schedule: { name: "cosine", T_max: 93, eta_min: 0 },
};

describe("comparison configuration", () => {
  it("round-trips through the URL hash, numbers exactly", () => {
    const hash = configToHash(config);
    expect(hash).toMatch(/^config=%7B/);
    expect(configFromHash(`#${hash}`)).toEqual(config);
    expect((configFromHash(hash)!.optimizers[1] as { lr: number }).lr).toBe(0.1 + 0.2);
    expect(configFromHash("#tab=landscape")).toBeUndefined();
  });

  it("names what a broken link lacks", () => {
    const hash = (value: unknown) => `config=${encodeURIComponent(JSON.stringify(value))}`;
    expect(() => configFromHash("config=%7Bnot json")).toThrow("the link's configuration is not valid JSON");
    expect(() => configFromHash(hash([1]))).toThrow("the link's configuration must be a JSON object");
    expect(() => configFromHash(hash({ ...config, seeds: "3" }))).toThrow(
      "the link's configuration has no number seeds",
    );
    expect(() => configFromHash(hash({ ...config, optimizers: [{ lr: 1 }] }))).toThrow(
      "the link's configuration must list optimizers, each an object with a name",
    );
    expect(() => configFromHash(hash({ ...config, data: { source: "ftp" } }))).toThrow("must say its data");
  });

  it("gives the optimlab compare command, whose --opt texts parse back to the same specs", () => {
    const command = compareCommand(config);
    expect(command).toBe(
      "optimlab compare --opt sgd:lr=auto,lrRule=steep,momentum=0.9,label=Momentum " +
        "--opt adam:lr=0.30000000000000004,betas=0.9/0.99 --opt 'adamw:weight_decay=0.01,label=it'\\''s mine' " +
        "--limit 4000 --epochs 3 --batch-size 256 --seed 7 --seeds 3 --schedule cosine:T_max=93,eta_min=0",
    );
    for (const spec of config.optimizers) expect(parseOptimizer(specText(spec))).toEqual(spec);
    // Runs with their own schedule (warm-up + cosine, a composite) or none, and a composite for all.
    const warmupCosine: ScheduleSpec = {
      name: "SequentialLR",
      schedulers: [
        { name: "LinearLR", start_factor: 0.01, total_iters: 20 },
        { name: "cosine", eta_min: 0 },
      ],
      milestones: [20],
    };
    const scheduled: ComparisonConfig = {
      ...config,
      optimizers: [
        { name: "adamw", label: "AdamW", lr: 1e-3, weight_decay: 0.01, schedule: warmupCosine },
        { name: "schedule_free_adamw", learning_rate: 1e-3, schedule: null },
      ],
      schedule: warmupCosine,
    };
    const scheduledCommand = compareCommand(scheduled);
    expect(scheduledCommand).toContain(
      "--opt 'adamw:lr=0.001,weight_decay=0.01,label=AdamW@SequentialLR(LinearLR:start_factor=0.01,total_iters=20; cosine:eta_min=0; milestones=20)'",
    );
    expect(scheduledCommand).toContain("--opt schedule_free_adamw:learning_rate=0.001@none");
    for (const spec of scheduled.optimizers) expect(parseOptimizer(specText(spec))).toEqual(spec);
    const scheduleWord = scheduledCommand.slice(scheduledCommand.indexOf("--schedule ") + "--schedule ".length);
    expect(parseSchedule(scheduleWord.slice(1, -1))).toEqual(warmupCosine);
    expect(compareCommand({ ...config, data: { source: "csv", file: "my digits.csv", testFraction: 0.2 } })).toContain(
      "--csv 'my digits.csv' --holdout 0.2",
    );
  });
});
