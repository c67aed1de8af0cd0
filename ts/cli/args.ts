// Command-line parsing: flags declared per command, values checked as they are read, and every mistake
// reported as a UsageError (the CLI prints it and exits with code 2).
import { OPTIMIZER_OPTIONS } from "../optimizers.js";
import type { OptimizerSpec, ScheduleSpec } from "../types.js";

/** A mistake in the command line: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export type FlagKind = "boolean" | "string" | "number" | "integer" | "count";

export interface FlagSpec {
  kind: FlagKind;
  /** Values taken after the flag (default 1; booleans take none). */
  arity?: number;
  /** May be given more than once; the values are collected in order. */
  repeatable?: boolean;
  /** Shown in --help: the value's placeholder, e.g. "FILE". */
  value?: string;
  help: string;
}

export type FlagValue = boolean | string | number | string[] | number[];
export type ParsedFlags = Map<string, FlagValue[]>;

/**
 * Parses `argv` (after the command name) against `flags`; "--name=value" and "--name value" both work. A command
 * with a `positional` argument (e.g. a file) gets it under that name.
 */
export function parseFlags(
  argv: readonly string[],
  flags: Record<string, FlagSpec>,
  command: string,
  positional?: string,
): ParsedFlags {
  const parsed: ParsedFlags = new Map();
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (!argument.startsWith("--")) {
      if (positional === undefined || parsed.has(positional))
        throw new UsageError(`unexpected argument "${argument}" for ${command}`);
      parsed.set(positional, [argument]);
      continue;
    }
    const equals = argument.indexOf("=");
    const name = argument.slice(2, equals < 0 ? undefined : equals);
    const spec = flags[name];
    if (!spec) throw new UsageError(`unknown flag --${name} for ${command}`);
    if (parsed.has(name) && !spec.repeatable) throw new UsageError(`--${name} given more than once`);
    let value: FlagValue;
    if (spec.kind === "boolean") {
      if (equals >= 0) throw new UsageError(`--${name} takes no value`);
      value = true;
    } else {
      const arity = spec.arity ?? 1;
      const raw: string[] = [];
      if (equals >= 0) raw.push(argument.slice(equals + 1));
      while (raw.length < arity) {
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith("--") && next.length > 2)) {
          throw new UsageError(
            `--${name} needs ${arity === 1 ? "a value" : `${arity} values`} (${spec.value ?? spec.kind})`,
          );
        }
        raw.push(next);
        i++;
      }
      const values = raw.map((text) => flagValue(name, spec.kind, text));
      value = arity === 1 ? values[0] : (values as string[] | number[]);
    }
    parsed.set(name, [...(parsed.get(name) ?? []), value]);
  }
  return parsed;
}

function flagValue(name: string, kind: FlagKind, text: string): string | number {
  if (kind === "string") {
    if (text === "") throw new UsageError(`--${name} needs a non-empty value`);
    return text;
  }
  const number = Number(text);
  if (text.trim() === "" || !Number.isFinite(number)) throw new UsageError(`--${name} expects a number, got "${text}"`);
  if ((kind === "integer" || kind === "count") && !Number.isInteger(number)) {
    throw new UsageError(`--${name} expects an integer, got "${text}"`);
  }
  if (kind === "count" && number < 1) throw new UsageError(`--${name} must be at least 1, got ${text}`);
  return number;
}

/** The single value of a flag, or undefined when absent. */
export function flag<T extends FlagValue>(parsed: ParsedFlags, name: string): T | undefined {
  return parsed.get(name)?.[0] as T | undefined;
}

/**
 * Parses `--opt` text: `name` or `name:key=value,key=value`, where a value is a number (3e-4), true/false,
 * a tuple a/b (numbers), or else a string. Example: `adam:lr=3e-4,betas=0.9/0.99`.
 */
export function parseOptimizer(text: string): OptimizerSpec {
  // `SPEC@SCHEDULE`: the run's own schedule ("none": no schedule, whatever --schedule says).
  const at = text.indexOf("@");
  if (at >= 0) {
    const scheduleText = text.slice(at + 1).trim();
    const spec = parseOptimizer(text.slice(0, at).trim());
    spec.schedule = scheduleText === "none" ? null : parseSchedule(scheduleText, `--opt "${text}"`);
    return spec;
  }
  // Any name and options: the Rust side validates them with torch's wording.
  const spec = parseSpecText(text, {
    flag: "--opt",
    noun: "optimizer",
    example: "adam:lr=3e-4,betas=0.9/0.99",
    list: "tuple",
    textKeys: ["label"],
    optionsOf: (name) => {
      const options = Object.hasOwn(OPTIMIZER_OPTIONS, name)
        ? OPTIMIZER_OPTIONS[name as keyof typeof OPTIMIZER_OPTIONS]
        : undefined;
      return options && [...Object.keys(options), "label"];
    },
  });
  spec.name = spec.name.toLowerCase();
  return spec as OptimizerSpec;
}

/**
 * Parses `--schedule` text (and the part of `--opt` after `@`): `NAME` or `NAME:KEY=VALUE,…` as --opt, where a value is
 * a number, true/false, a list a/b/c (numbers), or else a string, and `lr_lambda=` takes an expression of epoch
 * (commas inside its parentheses are its own); a composite is `NAME(SCHEDULE; SCHEDULE; KEY=VALUE)` like torch's
 * constructor. Examples: `onecycle:max_lr=0.01,pct_start=0.25`, `multistep:milestones=30/80,gamma=0.1`,
 * `lambda:lr_lambda=Math.pow(0.95, epoch)`,
 * `sequential(linear:start_factor=0.1,total_iters=5; cosine:T_max=55; milestones=5)`.
 */
export function parseSchedule(text: string, where = `--schedule "${text}"`): ScheduleSpec {
  const composite = /^\s*([a-z][a-z0-9_]*)\s*\(([\s\S]*)\)\s*$/i.exec(text);
  if (!composite) {
    return milestonesAsList(
      parseSpecText(text, {
        flag: "--schedule",
        noun: "schedule",
        example: "onecycle:max_lr=0.01",
        list: "list",
        textKeys: ["lr_lambda"],
        where,
      }),
    );
  }
  const [, name, inside] = composite;
  const spec: { name: string; schedulers: ScheduleSpec[]; [option: string]: unknown } = { name: name!, schedulers: [] };
  for (const item of splitTopLevel(inside!, ";").map((part) => part.trim())) {
    const option = /^([a-z_][a-z0-9_]*)\s*=(.*)$/i.exec(item);
    if (option) {
      const [, key, raw] = option;
      if (RESERVED_KEYS.has(key!)) throw new UsageError(`${where}: unknown option '${key}' for schedule ${name}`);
      if (Object.hasOwn(spec, key!)) throw new UsageError(`${where}: ${key} given twice`);
      spec[key!] = specValue(raw!.trim(), `${where}: list "${raw!.trim()}" must hold numbers separated by "/"`);
    } else if (item === "") {
      throw new UsageError(`${where}: an empty item between ";" in ${name}(…)`);
    } else {
      spec.schedulers.push(parseSchedule(item, where));
    }
  }
  if (spec.schedulers.length === 0)
    throw new UsageError(
      `${where}: ${name}(…) needs its schedules, e.g. ${name}(linear:total_iters=5; cosine:T_max=95; milestones=5)`,
    );
  return milestonesAsList(spec);
}

/** `milestones=5` is the list [5]: a lone number would otherwise be read as a number, which no schedule takes. */
function milestonesAsList(spec: { name: string; [option: string]: unknown }): ScheduleSpec {
  return (typeof spec.milestones === "number" ? { ...spec, milestones: [spec.milestones] } : spec) as ScheduleSpec;
}

/** How one flag's `NAME:KEY=VALUE,…` text is worded in its error messages, and which keys stay text. */
export interface SpecSyntax {
  flag: string;
  /** What NAME names, e.g. "optimizer". */
  noun: string;
  example: string;
  /** What an a/b value is called, e.g. "tuple". */
  list: string;
  /** Keys whose values are kept as written (a label may look like a number). */
  textKeys?: readonly string[];
  /** How messages name the text (default: the flag and the text). */
  where?: string;
  /** The valid keys for NAME (lower case), listed when a key cannot be one. */
  optionsOf?: (name: string) => readonly string[] | undefined;
}

/** Keys that would reach an object's prototype machinery rather than be an option; no optimizer or schedule has them. */
const RESERVED_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** `name` or `name:key=value,key=value`, where a value is a number, true/false, a/b/… (numbers), or else a string. */
export function parseSpecText(text: string, syntax: SpecSyntax): { name: string; [option: string]: unknown } {
  const where = syntax.where ?? `${syntax.flag} "${text}"`;
  const colon = text.indexOf(":");
  const name = (colon < 0 ? text : text.slice(0, colon)).trim();
  if (!/^[a-z][a-z0-9_]*$/i.test(name))
    throw new UsageError(`${where}: expected NAME or NAME:KEY=VALUE,… (e.g. ${syntax.example})`);
  const spec: { name: string; [option: string]: unknown } = { name };
  if (colon < 0) return spec;
  for (const pair of splitTopLevel(text.slice(colon + 1), ",")) {
    const equals = pair.indexOf("=");
    const key = pair.slice(0, Math.max(equals, 0)).trim();
    const raw = pair.slice(equals + 1).trim();
    if (equals < 0 || key === "" || raw === "") throw new UsageError(`${where}: "${pair}" is not KEY=VALUE`);
    if (key === "name") throw new UsageError(`${where}: the ${syntax.noun} name goes before the colon`);
    if (RESERVED_KEYS.has(key)) {
      const valid = syntax.optionsOf?.(name.toLowerCase());
      throw new UsageError(
        `${where}: unknown option '${key}' for ${syntax.noun} ${name}${valid ? `; valid options: ${valid.join(", ")}` : ""}`,
      );
    }
    if (Object.hasOwn(spec, key)) throw new UsageError(`${where}: ${key} given twice`);
    spec[key] = syntax.textKeys?.includes(key)
      ? raw
      : specValue(raw, `${where}: ${syntax.list} "${raw}" must hold numbers separated by "/"`);
  }
  return spec;
}

/** `text` split at each `separator` outside parentheses (an lr_lambda's `Math.pow(0.9, epoch)` stays whole). */
export function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let at = 0; at < text.length; at++) {
    const character = text[at];
    if (character === "(") depth++;
    else if (character === ")") depth--;
    else if (character === separator && depth === 0) {
      parts.push(text.slice(start, at));
      start = at + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

export function specValue(raw: string, notNumbers: string): number | boolean | string | number[] {
  if (raw === "true") return true;
  if (raw === "false") return false;
  if (raw.includes("/")) {
    return raw.split("/").map((part) => {
      const number = Number(part);
      if (part.trim() === "" || !Number.isFinite(number)) throw new UsageError(notNumbers);
      return number;
    });
  }
  const number = Number(raw);
  return Number.isFinite(number) ? number : raw;
}

/** --normalize: 255 (the default) or 256. */
export function normalizeFlag(flags: ParsedFlags): 255 | 256 {
  const normalize = flag<number>(flags, "normalize") ?? 255;
  if (normalize !== 255 && normalize !== 256) throw new UsageError(`--normalize must be 255 or 256, got ${normalize}`);
  return normalize;
}

/** --layers, checked against the data; without it the notebook's network, [features, 100, 100, classes]. */
export function layersFlag(flags: ParsedFlags, data: { features: number; classes: number }): number[] {
  const { features, classes } = data;
  const text = flag<string>(flags, "layers");
  const layers = text === undefined ? [features, 100, 100, classes] : parseLayers(text);
  if (layers[0] !== features)
    throw new UsageError(`--layers must start with the data's ${features} features, got ${layers[0]}`);
  if (layers.at(-1)! < classes)
    throw new UsageError(`--layers must end with at least the data's ${classes} classes, got ${layers.at(-1)}`);
  return layers;
}

/** Parses `--layers 784,100,100,10`. */
export function parseLayers(text: string): number[] {
  const layers = text.split(",").map((part) => Number(part));
  if (layers.length < 2 || layers.some((size) => !Number.isInteger(size) || size < 1)) {
    throw new UsageError(`--layers expects at least two positive integers separated by commas, got "${text}"`);
  }
  return layers;
}
