// The CLI's data input: the classes a CSV gives (printed, or fixed with --classes so that a stray label is an error
// naming its line and column), reading progress, and one message with exit code 2 for a model or an --opt key
// refused before any run starts.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readReporter } from "../dist/cli/progress.js";
import { OPTIMIZER_OPTIONS } from "../dist/index.js";
import { cli } from "./helpers/cli.js";

let dir: string;
let csv: string;
// Labels 0–10 (eleven classes, perhaps not what was meant); the 10 first appears on line 3.
const ROWS = ["label,p0,p1", "3,0,1", "10,2,3", "0,4,5", "10,6,7", "1,8,9", "2,1,1", "4,2,2", "5,3,3"];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "optimlab-cli-data-"));
  csv = join(dir, "digits.csv");
  await writeFile(csv, `${ROWS.join("\r\n")}\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const quick = ["--epochs", "1", "--batch-size", "4", "--opt", "sgd"];

describe("optimlab compare --csv", () => {
  it("prints the classes it inferred and where the largest label first appears", async () => {
    const result = await cli("compare", "--csv", csv, ...quick, "--out", join(dir, "inferred"));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`optimlab: ${csv}: 11 classes (labels 0–10); label 10 first at line 3\n`);
    expect(result.stderr).toMatch(new RegExp(`read ${ROWS.length - 1} rows \\(.*\\) of ${csv} in `));
  });

  it("with --classes, refuses a label outside them, naming its line and column", async () => {
    const result = await cli("compare", "--csv", csv, "--classes", "10", ...quick, "--out", join(dir, "given"));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${csv}, line 3, column 1 (label): label 10 is out of range 0–9 (classes: 10)`);
    const fits = await cli("compare", "--csv", csv, "--classes", "12", ...quick, "--out", join(dir, "fits"));
    expect(fits.stderr).toContain(`12 classes (labels 0–11); the largest in the file, 10, first at line 3`);
    expect((await cli("compare", "--classes", "10", ...quick)).stderr).toContain(
      "--classes applies to --csv and --idx",
    );
  });
});

describe("refused before any run starts: one message, exit code 2", () => {
  it("a model the Trainer cannot hold", async () => {
    const result = await cli("compare", "--layers", "784,70000,10", "--limit", "64", "--epochs", "1");
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "optimlab compare: Trainer config: layers must be integers from 1 to 65536, got [784,70000,10]\nSee: optimlab compare --help\n",
    });
  });

  it("an --opt key that would reach an object's prototype", async () => {
    const result = await cli("compare", "--opt", "sgd:__proto__=1");
    const valid = [...Object.keys(OPTIMIZER_OPTIONS.sgd), "label"].join(", ");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `--opt "sgd:__proto__=1": unknown option '__proto__' for optimizer sgd; valid options: ${valid}`,
    );
  });
});

describe("reading progress", () => {
  const stream = (isTTY: boolean) => {
    const written: string[] = [];
    return { written, isTTY, columns: 100, write: (text: string) => written.push(text) };
  };

  it("redraws one bar in place on a terminal, then says what was read", () => {
    const terminal = stream(true);
    const reporter = readReporter("big.csv", terminal, { quiet: false, intervalMs: 0 });
    reporter.update({ read: 256 * 1024 * 1024, total: 1024 * 1024 * 1024, rows: 150_000 });
    reporter.update({ read: 1024 * 1024 * 1024, total: 1024 * 1024 * 1024, rows: 600_000 });
    reporter.finish();
    const clear = "\r\x1b[2K"; // back to the line's start, erase it
    expect(terminal.written.map((text) => text.startsWith(clear))).toEqual([true, true, true]);
    const [quarter, full, done] = terminal.written.map((text) => text.slice(clear.length));
    expect(quarter).toMatch(/^reading big\.csv █+░+ 256 MB of 1024 MB, 150,000 rows {2}ETA \d+s$/);
    expect(full).toMatch(/^reading big\.csv █+ 1024 MB of 1024 MB, 600,000 rows$/);
    expect(done).toMatch(/^read 600,000 rows \(1024 MB\) of big\.csv in \d+\.\d s\n$/);
  });

  it("writes plain lines in logs, and nothing when quiet", () => {
    const log = stream(false);
    const reporter = readReporter("big.csv", log, { quiet: false, intervalMs: 0 });
    reporter.update({ read: 10 * 1024 * 1024, rows: 5000 });
    reporter.finish();
    expect(log.written).toEqual([
      "reading big.csv: 10 MB, 5,000 rows\n",
      expect.stringMatching(/^read 5,000 rows \(10 MB\) of big\.csv in \d+\.\d s\n$/),
    ]);
    const quiet = stream(true);
    const silent = readReporter("big.csv", quiet, { quiet: true });
    silent.update({ read: 1, rows: 1 });
    silent.finish();
    expect(quiet.written).toEqual([]);
  });
});
