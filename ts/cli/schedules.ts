// `optimlab schedules`: the lr curves of torch's schedulers, computed by the Rust code training uses, as a figure and a CSV.
// Re-exports the --schedule parser and the one-line description that `compare` shares.
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { scheduleLrs } from "../node-api.js";
import { describeSchedule } from "../spec.js";
import type { ScheduleSpec } from "../types.js";
import { UsageError, flag, parseSchedule } from "./args.js";
import type { Command } from "./command.js";
import { csvField } from "./csv.js";

export { parseSchedule } from "./args.js";

/** How composed schedules and lr_lambda are written on the command line (in the help of schedules and compare). */
export const SCHEDULE_SYNTAX = `Composed schedules are written like torch's constructors, the schedules separated by ";":
  sequential(linear:start_factor=0.1,total_iters=50; cosine:T_max=950; milestones=50)   warm-up, then cosine
  chained(constant:factor=0.5,total_iters=10; exponential:gamma=0.97)
SequentialLR may hold a ReduceLROnPlateau (beyond torch): it starts fresh at its milestone from the base lr and
reduces on each epoch's mean training loss from then on (a loss that arrives at the milestone step itself measured
the phase before and is not given to it). LambdaLR and MultiplicativeLR take lr_lambda, a JavaScript expression of epoch, parsed without eval:
numbers, epoch, + - * / % **, < <= > >= == !=, && || !, a ? b : c, parentheses, Math.pow/min/max/exp/log/sqrt/
cos/sin/abs/floor/ceil/round, Math.PI, Math.E, e.g.
  lambda:lr_lambda=epoch < 10 ? (epoch + 1) / 10 : Math.pow(0.99, epoch - 10)
  multiplicative:lr_lambda=0.95
Quote the whole SPEC in the shell.`;
export { describeSchedule };

/**
 * All eleven torch schedulers with typical options, scaled to `steps` steps from `baseLr`, then two composed ones:
 * a linear warm-up into a cosine decay (SequentialLR) and an inverse-time decay (LambdaLR).
 */
export function defaultSchedules(steps: number, baseLr: number): ScheduleSpec[] {
  const at = (fraction: number) => Math.max(1, Math.round(steps * fraction));
  return [
    { name: "StepLR", step_size: at(1 / 3), gamma: 0.1 },
    { name: "MultiStepLR", milestones: [at(0.3), at(0.8)], gamma: 0.1 },
    { name: "ExponentialLR", gamma: Number((0.01 ** (1 / steps)).toPrecision(3)) },
    { name: "CosineAnnealingLR", T_max: steps },
    { name: "CosineAnnealingWarmRestarts", T_0: Math.max(1, Math.floor(steps / 7)), T_mult: 2 },
    { name: "LinearLR", start_factor: 0.1, total_iters: at(0.2) },
    { name: "ConstantLR", factor: 0.5, total_iters: at(0.2) },
    { name: "PolynomialLR", total_iters: steps, power: 2 },
    { name: "OneCycleLR", max_lr: baseLr, total_steps: steps },
    { name: "CyclicLR", base_lr: baseLr / 10, max_lr: baseLr, step_size_up: at(1 / 8), mode: "triangular2" },
    { name: "ReduceLROnPlateau", factor: 0.5, patience: at(0.1) },
    {
      name: "SequentialLR",
      schedulers: [
        { name: "LinearLR", start_factor: 0.1, total_iters: at(0.1) },
        { name: "CosineAnnealingLR", T_max: steps - at(0.1) },
      ],
      milestones: [at(0.1)],
    },
    { name: "LambdaLR", lr_lambda: `1 / (1 + epoch / ${at(0.1)})` },
  ];
}

/**
 * What `schedules` feeds ReduceLROnPlateau after step k: a loss max(0.25, e^(−k / (steps/10))) that falls, then stops
 * improving at 0.25 after about 14% of the steps.
 */
export function syntheticLoss(steps: number): Float64Array {
  return Float64Array.from({ length: steps }, (_, k) => Math.max(0.25, Math.exp(-k / Math.max(steps / 10, 1))));
}

/** `label,step,lr`: one row per step per schedule (step from 0; lr as computed, in f64). */
export function schedulesCsv(curves: readonly { label: string; lrs: ArrayLike<number> }[]): string {
  const lines = ["label,step,lr"];
  for (const { label, lrs } of curves)
    for (let step = 0; step < lrs.length; step++) lines.push(`${csvField(label)},${step},${lrs[step]}`);
  return lines.join("\n") + "\n";
}

export const schedulesCommand: Command = {
  name: "schedules",
  summary: "lr schedule curves (StepLR, OneCycleLR, cosine, …) as a figure and a CSV",
  usage: "optimlab schedules [--schedule SPEC]… [--steps 100] [--base-lr 0.1] [--out DIR]",
  description: `Computes the learning rate of every optimizer step under torch.optim.lr_scheduler's schedules, with the same
Rust code that steps them in training (checked against torch 2.13), and draws them.
Without --schedule it shows all eleven with typical options scaled to --steps: StepLR, MultiStepLR, ExponentialLR,
CosineAnnealingLR, CosineAnnealingWarmRestarts, LinearLR (warm-up), ConstantLR, PolynomialLR, OneCycleLR, CyclicLR
and ReduceLROnPlateau, then two composed ones: a linear warm-up into a cosine decay (SequentialLR) and an
inverse-time decay (LambdaLR).

--schedule SPEC is NAME or NAME:KEY=VALUE,… with torch's class name or short name (step, multistep, exponential,
cosine, cosine_restarts, linear, constant, polynomial, onecycle, cyclic, plateau, lambda, multiplicative) and
torch's keyword arguments; a list is a/b/c. Give it once per curve, e.g.
  optimlab schedules --schedule onecycle:max_lr=0.1 --schedule cosine:T_max=100 --steps 100
${SCHEDULE_SYNTAX}
OneCycleLR's total_steps defaults to --steps. ReduceLROnPlateau is fed a synthetic loss, max(0.25, exp(-k/(steps/10)))
after step k, which stops improving after about 14% of the steps (in training it gets each epoch's mean loss).

Writes into --out: schedules.svg/png (one panel per schedule when there are more than four) and schedules.csv
(label,step,lr). Exit code 0, or 1 when a schedule's options are invalid (torch's message), 2 for bad flags.`,
  flags: {
    schedule: {
      kind: "string",
      repeatable: true,
      value: "SPEC",
      help: "a schedule and its options, once per curve (default: all eleven and two composed)",
    },
    steps: { kind: "count", value: "N", help: "optimizer steps to show (default 100)" },
    "base-lr": { kind: "number", value: "LR", help: "the optimizer's lr the schedules start from (default 0.1)" },
    out: {
      kind: "string",
      value: "DIR",
      help: "where schedules.svg/png and schedules.csv go (default ./optimlab-out)",
    },
    quiet: { kind: "boolean", help: "print nothing but errors" },
    help: { kind: "boolean", help: "show this help" },
  },
  async run(flags, io) {
    const steps = flag<number>(flags, "steps") ?? 100;
    const baseLr = flag<number>(flags, "base-lr") ?? 0.1;
    if (!(baseLr > 0)) throw new UsageError(`--base-lr must be positive, got ${baseLr}`);
    const out = resolve(flag<string>(flags, "out") ?? "optimlab-out");
    const given = (flags.get("schedule") as string[] | undefined)?.map((text) => parseSchedule(text));
    const specs = (given ?? defaultSchedules(steps, baseLr)).map((spec): ScheduleSpec => {
      const options = spec as unknown as Record<string, unknown>;
      const oneCycle = /^onecycle(lr)?$/i.test(spec.name);
      const sized =
        options.total_steps !== undefined || options.epochs !== undefined || options.steps_per_epoch !== undefined;
      return oneCycle && !sized ? ({ ...spec, total_steps: steps } as ScheduleSpec) : spec;
    });
    const metrics = syntheticLoss(steps);
    const curves: { label: string; lrs: Float64Array }[] = [];
    for (const spec of specs) {
      try {
        curves.push({ label: describeSchedule(spec), lrs: await scheduleLrs(spec, { baseLr, steps, metrics }) });
      } catch (error) {
        io.stderr.write(`optimlab schedules: ${describeSchedule(spec)}: ${(error as Error).message}\n`);
        return 1;
      }
    }
    const [{ nodeDocument, svgText, svgToPng }, { schedulePlot }] = await Promise.all([
      import("../plot/render-node.js"),
      import("../plot/schedule.js"),
    ]);
    const document = nodeDocument();
    const svg = svgText(schedulePlot(curves, { document, ...(curves.length > 4 ? { columns: 3 } : {}) }));
    await mkdir(out, { recursive: true });
    const files: Record<string, string | Uint8Array> = {
      "schedules.svg": svg,
      "schedules.png": svgToPng(svg),
      "schedules.csv": schedulesCsv(curves),
    };
    for (const [name, content] of Object.entries(files)) await writeFile(join(out, name), content);
    if (!(flag<boolean>(flags, "quiet") ?? false)) {
      const table = curves.map(
        ({ label, lrs }) =>
          `  ${label}: first ${lrs[0]}, last ${lrs[lrs.length - 1]}, lowest ${lrs.reduce((a, b) => Math.min(a, b))}, highest ${lrs.reduce((a, b) => Math.max(a, b))}`,
      );
      io.stdout.write(`${table.join("\n")}\nwrote ${Object.keys(files).join(", ")} to ${out}\n`);
    }
    return 0;
  },
};
