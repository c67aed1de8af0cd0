// The README's "API in five lines" is run as written (against the built package), so the docs cannot drift.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, it } from "vitest";

it("runs the README's five-line example and gets a trained comparison", async () => {
  const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("## The API in five lines"));
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
    const rows = (await import(pathToFileURL(file).href)).default as [string, number | undefined, number | undefined][];
    expect(rows.map(([label]) => label)).toHaveLength(2);
    for (const [, accuracy, divergedStep] of rows) {
      expect(accuracy).toBeGreaterThan(0.5);
      expect(divergedStep).toBeUndefined();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
