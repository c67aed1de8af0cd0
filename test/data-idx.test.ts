// IDX files (original MNIST / Fashion-MNIST): plain and gzipped, pairs, and each malformed input's message.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataError, decodeIdx, loadMnistSampleDataset, readIdx, readIdxPair } from "../dist/data/index.js";
import { readIdxFile, readIdxFiles } from "../dist/data/node.js";

/** An unsigned-byte IDX file: magic 0x000008NN, big-endian sizes, data. */
function idx(dims: number[], data: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x0800 + dims.length, false);
  dims.forEach((size, i) => view.setUint32(4 + 4 * i, size, false));
  bytes.set(data, 4 + 4 * dims.length);
  return bytes;
}

const IMAGES = idx([3, 2, 2], [0, 1, 2, 3, 10, 11, 12, 13, 250, 251, 252, 255]);
const LABELS = idx([3], [7, 0, 9]);

describe("IDX", () => {
  it("decodes images (0x00000803) and labels (0x00000801)", () => {
    expect(decodeIdx(IMAGES)).toEqual({
      dims: [3, 2, 2],
      type: "u8",
      data: new Uint8Array([0, 1, 2, 3, 10, 11, 12, 13, 250, 251, 252, 255]),
    });
    expect(decodeIdx(LABELS)).toEqual({ dims: [3], type: "u8", data: new Uint8Array([7, 0, 9]) });
  });

  /** An IDX file of any element type: `type` its byte (0x09 i8 … 0x0E f64), values written big-endian. */
  function typedIdx(type: number, size: number, dims: number[], values: number[]): Uint8Array {
    const header = 4 + 4 * dims.length;
    const bytes = new Uint8Array(header + size * values.length);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, (type << 8) + dims.length, false);
    dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
    const write = {
      0x09: (at: number, v: number) => view.setInt8(at, v),
      0x0b: (at: number, v: number) => view.setInt16(at, v, false),
      0x0c: (at: number, v: number) => view.setInt32(at, v, false),
      0x0d: (at: number, v: number) => view.setFloat32(at, v, false),
      0x0e: (at: number, v: number) => view.setFloat64(at, v, false),
    }[type]!;
    values.forEach((v, i) => write(header + i * size, v));
    return bytes;
  }

  it("decodes every IDX element type, big-endian", () => {
    const cases: [number, number, string, number[], ArrayLike<number>][] = [
      [0x09, 1, "i8", [-128, 5, 127], new Int8Array([-128, 5, 127])],
      [0x0b, 2, "i16", [-300, 2, 30000], new Int16Array([-300, 2, 30000])],
      [0x0c, 4, "i32", [-70000, 1, 2 ** 31 - 1], new Int32Array([-70000, 1, 2 ** 31 - 1])],
      [0x0d, 4, "f32", [0.5, -1.25, 3e8], new Float32Array([0.5, -1.25, 3e8])],
      [0x0e, 8, "f64", [0.1, -2, 1e300], new Float64Array([0.1, -2, 1e300])],
    ];
    for (const [type, size, name, values, want] of cases) {
      expect(decodeIdx(typedIdx(type, size, [3], values), "t")).toEqual({ dims: [3], type: name, data: want });
    }
    expect(() => decodeIdx(typedIdx(0x0d, 4, [3], [1, 2, 3]).slice(0, -1), "short.idx")).toThrow(
      "short.idx: truncated: the header declares 3 f32 values × 4 = 12 bytes of data, the file has 11",
    );
  });

  it("pairs float images with integer labels (float inputs) and images with float labels (regression targets)", async () => {
    const images = typedIdx(0x0d, 4, [2, 2], [0.5, -1, 2, 3]);
    const classes = await readIdxPair(images, typedIdx(0x0b, 2, [2], [1, 0]));
    expect(classes).toMatchObject({
      inputs: new Float32Array([0.5, -1, 2, 3]),
      labels: new Uint8Array([1, 0]),
      classes: 2,
    });
    const regression = await readIdxPair(IMAGES, typedIdx(0x0e, 8, [3], [0.25, 1.5, -2]));
    expect(regression).toMatchObject({
      labels: new Uint8Array(0),
      targets: new Float32Array([0.25, 1.5, -2]),
      classes: 0,
    });
    await expect(readIdxPair(IMAGES, typedIdx(0x0c, 4, [3], [1, 300, 2]), { labelsFile: "l.idx" })).rejects.toThrow(
      "l.idx: label 300 of item 1 is not a class 0–255",
    );
  });

  it("reads a pair, gzipped or not, into a Dataset", async () => {
    const expected = {
      pixels: new Uint8Array([0, 1, 2, 3, 10, 11, 12, 13, 250, 251, 252, 255]),
      labels: new Uint8Array([7, 0, 9]),
      count: 3,
      features: 4,
      classes: 10,
      source: "imgs + lbls",
    };
    const options = { imagesFile: "imgs", labelsFile: "lbls" };
    expect(await readIdxPair(IMAGES, LABELS, options)).toEqual(expected);
    expect(await readIdxPair(gzipSync(IMAGES), gzipSync(LABELS), options)).toEqual(expected);
    expect((await readIdxPair(IMAGES, LABELS, { classes: 12 })).classes).toBe(12);
  });

  it("round-trips the embedded sample through gzipped IDX files", async () => {
    const sample = await loadMnistSampleDataset();
    const images = gzipSync(idx([sample.count, 28, 28], sample.pixels));
    const labels = gzipSync(idx([sample.count], sample.labels));
    const back = await readIdxPair(images, labels);
    expect([back.count, back.features, back.classes]).toEqual([10000, 784, 10]);
    expect(Buffer.compare(back.pixels, sample.pixels)).toBe(0);
    expect(Buffer.compare(back.labels, sample.labels)).toBe(0);
  });

  const bad: [string, () => Promise<unknown>, string][] = [
    [
      "a wrong magic number",
      () => readIdx(new TextEncoder().encode("label,pixel0\n1,2\n"), "train.csv"),
      "train.csv: not an IDX file: magic number 0x6c616265, expected 0x00000803 (images) or 0x00000801 (labels)",
    ],
    [
      "a file shorter than the magic",
      () => readIdx(new Uint8Array([0, 0]), "x.idx"),
      "x.idx: truncated: 2 bytes, an IDX file starts with a 4-byte magic number",
    ],
    [
      "a truncated header",
      () => readIdx(IMAGES.slice(0, 10), "imgs"),
      "imgs: truncated: 10 bytes, the header of a 3-dimensional IDX file has 16",
    ],
    [
      "truncated data",
      () => readIdx(IMAGES.slice(0, -2), "imgs"),
      "imgs: truncated: the header declares 3×2×2 = 12 bytes of data, the file has 10",
    ],
    [
      "extra data",
      () => readIdx(new Uint8Array([...LABELS, 1]), "lbls"),
      "lbls: longer than declared: the header declares 3 = 3 bytes of data, the file has 4",
    ],
    [
      "truncated gzip",
      () => readIdx(gzipSync(IMAGES).slice(0, 20), "imgs.gz"),
      "imgs.gz: the gzip data is truncated or corrupt",
    ],
    [
      "counts that differ",
      () => readIdxPair(IMAGES, idx([2], [1, 2]), { imagesFile: "imgs", labelsFile: "lbls" }),
      "imgs has 3 images but lbls has 2 labels",
    ],
    [
      "images and labels swapped",
      () => readIdxPair(LABELS, IMAGES, { imagesFile: "imgs", labelsFile: "lbls" }),
      "imgs: an images file has at least 2 dimensions (count, features…), this one has 1",
    ],
    [
      "a label out of range",
      () => readIdxPair(IMAGES, LABELS, { labelsFile: "lbls", classes: 9 }),
      "lbls: label 9 of item 2 is out of range 0–8 (classes: 9)",
    ],
  ];
  for (const [what, read, message] of bad) {
    it(`rejects ${what}`, async () => {
      const error = await read().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataError);
      expect(error).toMatchObject({ name: "DataError", message });
    });
  }
});

describe("IDX files by path", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "optimlab-idx-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads MNIST's file pair, naming the files in the source and in errors", async () => {
    const images = join(dir, "t10k-images-idx3-ubyte.gz");
    const labels = join(dir, "t10k-labels-idx1-ubyte");
    await writeFile(images, gzipSync(IMAGES));
    await writeFile(labels, LABELS);
    const dataset = await readIdxFiles(images, labels);
    expect(dataset.source).toBe(`${images} + ${labels}`);
    expect(Array.from(dataset.labels)).toEqual([7, 0, 9]);
    expect((await readIdxFile(labels)).dims).toEqual([3]);
    await writeFile(labels, LABELS.slice(0, -1));
    await expect(readIdxFiles(images, labels)).rejects.toMatchObject({
      message: `${labels}: truncated: the header declares 3 = 3 bytes of data, the file has 2`,
      file: labels,
    });
  });
});
