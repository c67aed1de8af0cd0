// Runs the built `optimlab` CLI (dist/cli.js) in a child process, as a user's shell would.
import { execFile } from "node:child_process";
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
