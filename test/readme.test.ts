// The README's "API in five lines", its Models and Schedules examples are run as written (against the built package), so the
// docs cannot drift.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, it } from "vitest";

/** The first ts block after `heading`, run as a module against this checkout's build; its last line's value. */
async function runReadmeExample(heading: string): Promise<unknown> {
  const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf(heading));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toBeDefined();
  const lines = code!.trimEnd().split("\n");
  // Point the import at this checkout's build and hand the last expression back to the test.
  const program = [
    lines[0]!.replace('from "optimlab"', `from ${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)}`),
    ...lines.slice(1, -1),
    `export default ${lines.at(-1)}`,
  ].join("\n");
  const dir = await mkdtemp(join(tmpdir(), "optimlab-readme-"));
  try {
    const file = join(dir, "example.mjs");
    await writeFile(file, program);
    return (await import(pathToFileURL(file).href)).default;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

it("runs the README's five-line example and gets a trained comparison", async () => {
  const rows = (await runReadmeExample("## The API in five lines")) as [
    string,
    number | undefined,
    number | undefined,
  ][];
  expect(rows.map(([label]) => label)).toHaveLength(2);
  for (const [, accuracy, divergedStep] of rows) {
    expect(accuracy).toBeGreaterThan(0.5);
    expect(divergedStep).toBeUndefined();
  }
});

it("runs the README's Schedules example: AdamW warms up under its own schedule, Schedule-Free AdamW has none", async () => {
  const rows = (await runReadmeExample("## Schedules")) as [string, number | undefined, number | undefined][];
  const [adamw, scheduleFree] = rows;
  expect(adamw![0]).toMatch(
    /^adamw lr=0\.001 @ SequentialLR\(LambdaLR lr_lambda=.*; CosineAnnealingLR T_max=66; milestones=30\)$/,
  );
  expect(adamw![1]).toBe(Math.fround(1e-3 * (1 / 30)));
  expect(scheduleFree!.slice(0, 2)).toEqual(["schedule_free_adamw lr=0.001", undefined]);
  for (const [, , accuracy] of rows) expect(accuracy).toBeGreaterThan(0.8);
});

it("runs the README's Models example: a small CNN trained by Adam and by SGD with clipping", async () => {
  const rows = (await runReadmeExample("## Models")) as [string, number | undefined][];
  expect(rows.map(([label]) => label)).toEqual(["adam", "sgd lr=0.05 momentum=0.9"]);
  for (const [, accuracy] of rows) expect(accuracy).toBeGreaterThan(0.75);
});
