#!/usr/bin/env node
// The `optimlab` command line. Exit codes: 0 done, 1 a run or the input failed, 2 bad command line, 130 interrupted.
import { UsageError, parseFlags, type FlagSpec } from "./cli/args.js";
import { packageVersion, type Command, type Io } from "./cli/command.js";
import { COMMANDS } from "./cli/commands.js";

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return `optimlab: compare gradient-descent optimizers (torch.optim rules in SIMD WebAssembly) on an MLP

Usage: optimlab <command> [flags]
       optimlab <command> --help

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join("\n")}

npm start runs "optimlab compare": the notebook's optimizers on the embedded MNIST sample, report in ./optimlab-out.
`;
}

function flagLine(name: string, spec: FlagSpec): [string, string] {
  const value = spec.kind === "boolean" ? "" : ` ${spec.value ?? spec.kind.toUpperCase()}`;
  return [`--${name}${value}`, spec.help + (spec.repeatable ? " (repeatable)" : "")];
}

function commandHelp(command: Command): string {
  const lines = Object.entries(command.flags).map(([name, spec]) => flagLine(name, spec));
  const width = Math.max(...lines.map(([left]) => left.length));
  return `Usage: ${command.usage}

${command.description}

Flags:
${lines.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join("\n")}
`;
}

/** Runs the CLI on `argv` (without node and the script) and returns the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version") {
    io.stdout.write(`${await packageVersion()}\n`);
    return 0;
  }
  // A two-word command ("sweep status") before the one-word command it extends ("sweep").
  const sub = COMMANDS.find((candidate) => candidate.name === `${name} ${rest[0]}`);
  if (sub) rest.shift();
  const command = sub ?? COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr.write(
      `optimlab: unknown command "${name}"; commands: ${COMMANDS.map((known) => known.name).join(", ")} (optimlab --help)\n`,
    );
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout.write(commandHelp(command));
    return 0;
  }
  try {
    return await command.run(parseFlags(rest, command.flags, `optimlab ${command.name}`, command.positional?.name), io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`optimlab ${command.name}: ${error.message}\nSee: optimlab ${command.name} --help\n`);
      return 2;
    }
    const { name: errorName, message } = error as Error;
    if (errorName === "AbortError") {
      io.stderr.write(`optimlab ${command.name}: interrupted\n`);
      return 130;
    }
    io.stderr.write(
      `optimlab ${command.name}: ${errorName === "Error" || !errorName ? "" : `${errorName}: `}${message}\n`,
    );
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
