// Runs the built `optimlab` CLI (dist/cli.js) in a child process, as a user's shell would.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:os";
import { resolve } from "node:path";
import { promisify } from "node:util";

const CLI = resolve(import.meta.dirname, "../../dist/cli.js");

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** `optimlab ...args`: its exit code and everything it printed; a failing exit code resolves too, for the test to check. */
export async function cli(...args: string[]): Promise<CliOutcome> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { timeout: 300_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as CliOutcome;
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

export interface RunningCli {
  child: ChildProcess;
  /** Everything printed so far. */
  output(): { stdout: string; stderr: string };
  /** The exit code (128 + n when killed by signal n). */
  exited: Promise<number>;
}

/** `optimlab ...args` in the background, for tests that signal or kill it. */
export function startCli(...args: string[]): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0))),
  );
  return { child, output: () => ({ stdout, stderr }), exited };
}
