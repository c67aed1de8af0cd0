// What a command of the `optimlab` CLI is: its name, help texts, flags and run function; cli.ts generates --help
// from it. Every command file imports this, and commands.ts lists them, so no command file imports the list.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { FlagSpec, ParsedFlags } from "./args.js";
import type { ProgressStream } from "./progress.js";

export interface Io {
  stdout: ProgressStream;
  stderr: ProgressStream;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  description: string;
  flags: Record<string, FlagSpec>;
  /** A non-flag argument (a file), parsed under `name`; `value` shows in --help. */
  positional?: { name: string; value: string };
  run(flags: ParsedFlags, io: Io): Promise<number>;
}

/** The package root: dist/cli/ (built) or ts/cli/ (sources) is two levels down. */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export async function packageVersion(): Promise<string> {
  return (JSON.parse(await readFile(resolve(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;
}

export const HELP_FLAG: FlagSpec = { kind: "boolean", help: "show this help" };
