// CSV reading: the notebook's Kaggle format, the general form, every kind of bad input with its exact
// message (file, line, column), chunk boundaries anywhere, and the Node path/stream readers.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createGunzip, createGzip } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataError, describeClasses, normalize, readCsv, toCsv } from "../dist/data/index.js";
import { readCsvFile, readCsvStream } from "../dist/data/node.js";

const KAGGLE = "label,pixel0,pixel1,pixel2\n5,0,128,255\n0,3,2,1\n9,10,20,30\n";

function failure(file: string, message: string, line?: number, column?: number) {
  return { name: "DataError", message, file, line, column };
}

describe("readCsv: the notebook's Kaggle MNIST format", () => {
  it("reads the header, the label column and the u8 pixels", async () => {
    const { dataset, columns, skippedRows, skipReasons } = await readCsv(KAGGLE, { file: "train.csv" });
    expect(columns).toEqual(["label", "pixel0", "pixel1", "pixel2"]);
    expect(dataset).toEqual({
      pixels: new Uint8Array([0, 128, 255, 3, 2, 1, 10, 20, 30]),
      labels: new Uint8Array([5, 0, 9]),
      count: 3,
      features: 3,
      classes: 10,
      source: "train.csv",
    });
    expect([skippedRows, skipReasons]).toEqual([0, []]);
  });

  it("gives the same result without a trailing newline, with CRLF, with CR, and with a BOM", async () => {
    const reference = (await readCsv(KAGGLE)).dataset;
    const variants = [
      KAGGLE.slice(0, -1),
      KAGGLE.replaceAll("\n", "\r\n"),
      KAGGLE.replaceAll("\n", "\r"),
      `\ufeff${KAGGLE}`,
      `\ufeff${KAGGLE.replaceAll("\n", "\r\n").slice(0, -2)}`,
      KAGGLE.replace("\n5,", "\n\n5,"), // a blank line is no row
    ];
    for (const text of variants) {
      const { dataset, columns } = await readCsv(text, { label: "label" });
      expect(dataset).toEqual(reference);
      expect(columns?.[0]).toBe("label");
    }
  });

  it("unquotes quoted fields", async () => {
    const { dataset, columns } = await readCsv('"label","pixel0","pixel1","pixel2"\n"5","0","128","255"\n0,3,"2",1\n');
    expect(columns).toEqual(["label", "pixel0", "pixel1", "pixel2"]);
    expect(Array.from(dataset.pixels)).toEqual([0, 128, 255, 3, 2, 1]);
    expect(Array.from(dataset.labels)).toEqual([5, 0]);
  });

  it("gives the same buffers whatever the chunk boundaries (rows, CRLF pairs and quotes split anywhere)", async () => {
    const text = `\ufeff${KAGGLE.replaceAll("\n", "\r\n").replace("128", '"128"')}`;
    const whole = await readCsv(text);
    for (const chunkSize of [1, 2, 3, 5, 7, 16]) {
      expect((await readCsv(text, { chunkSize })).dataset).toEqual(whole.dataset);
    }
  });
});

describe("readCsv: line ends mixed in one file", () => {
  // Rows ended by CRLF, LF and lone CR in turn (a file edited on two systems), a blank CRLF line, a quoted field
  // holding a CRLF line break, and no line end after the last row.
  const endings = ["\r\n", "\n", "\r", "\r\n", "\r\n", "\n", "\r"];
  const lines = ["label,pixel0,pixel1", "5,0,128", "0,3,2", "", '9,"10",20', "1,4,5", "2,6,7", "3,8,9"];
  const mixed = lines.map((line, i) => line + (endings[i] ?? "")).join("");
  const lfOnly = `${lines.filter((line) => line !== "").join("\n")}\n`;

  it("reads every row, with any chunk size (a CRLF pair split across chunks included)", async () => {
    const reference = (await readCsv(lfOnly)).dataset;
    expect(reference.count).toBe(lines.length - 2);
    for (let chunkSize = 1; chunkSize <= mixed.length; chunkSize++) {
      expect((await readCsv(mixed, { chunkSize })).dataset, `chunkSize ${chunkSize}`).toEqual(reference);
    }
  });

  it("keeps line numbers right in errors, with any chunk size", async () => {
    // "1,4,x" is on line 6, or on line 7 when a quoted field of line 5 holds a CRLF line break.
    const cases: [string, number][] = [
      [mixed.replace("1,4,5", "1,4,x"), 6],
      [mixed.replace("1,4,5", "1,4,x").replace('9,"10",20', '9,"10","20\r\n"'), 7],
    ];
    for (const [text, line] of cases) {
      for (let chunkSize = 1; chunkSize <= text.length; chunkSize++) {
        const error = await readCsv(text, { file: "t.csv", chunkSize }).catch((e: unknown) => e);
        expect(error, `chunkSize ${chunkSize}`).toMatchObject(
          failure("t.csv", `t.csv, line ${line}, column 3 (pixel1): "x" is not a number`, line, 3),
        );
      }
    }
  });
});

describe("readCsv: the general form", () => {
  it("takes the label column by name, anywhere in the row", async () => {
    const { dataset } = await readCsv("a,digit,b\n1,7,2\n3,4,5\n", { label: "digit" });
    expect(Array.from(dataset.labels)).toEqual([7, 4]);
    expect(Array.from(dataset.pixels)).toEqual([1, 2, 3, 5]);
    expect(dataset.features).toBe(2);
  });

  it("takes the label column by 0-based index, and finds no header when the first row is numbers", async () => {
    const { dataset, columns } = await readCsv("1,2,3\n4,5,6\n", { label: 2 });
    expect(columns).toBeNull();
    expect(Array.from(dataset.labels)).toEqual([3, 6]);
    expect(Array.from(dataset.pixels)).toEqual([1, 2, 4, 5]);
    expect(dataset.classes).toBe(7);
  });

  it("uses the first column as the label when the header has no column named label", async () => {
    const { dataset } = await readCsv("y,x0,x1\n1,2,3\n");
    expect([dataset.labels[0], dataset.pixels[0], dataset.pixels[1]]).toEqual([1, 2, 3]);
  });

  it("reads a numeric first row as a header when told so", async () => {
    const { dataset, columns } = await readCsv("0,1,2\n4,5,6\n", { header: true });
    expect(columns).toEqual(["0", "1", "2"]);
    expect(dataset.count).toBe(1);
  });

  it("reads any number of feature columns as f32 values", async () => {
    const { dataset } = await readCsv("label,x,y,z,w,v\n1,-0.5,1e3,3.25, 7 ,0\n0,1,2,3,4,5\n", {
      values: "f32",
      classes: 3,
    });
    expect(dataset).toEqual({
      pixels: new Uint8Array(0),
      inputs: new Float32Array([-0.5, 1000, 3.25, 7, 0, 1, 2, 3, 4, 5]),
      labels: new Uint8Array([1, 0]),
      count: 2,
      features: 5,
      classes: 3,
      source: "<csv>",
    });
  });

  it("reads a numeric target column as floats for regression, the other columns as float features", async () => {
    const text = "rooms,age,price,area\n3,10,250.5,80\n4,2.5,410,120\n";
    const { dataset } = await readCsv(text, { target: "price" });
    expect(dataset).toEqual({
      pixels: new Uint8Array(0),
      inputs: new Float32Array([3, 10, 80, 4, 2.5, 120]),
      labels: new Uint8Array(0),
      targets: new Float32Array([250.5, 410]),
      count: 2,
      features: 3,
      classes: 0,
      source: "<csv>",
    });
    expect((await readCsv(text, { target: -1 })).dataset.targets).toEqual(new Float32Array([80, 120]));
    await expect(readCsv("a,b\n1,x\n", { target: "b" })).rejects.toThrow(
      '<csv>, line 2, column 2 (b): "x" is not a number',
    );
    await expect(readCsv("a,b\n1,2\n", { target: "c" })).rejects.toThrow('no column named "c" in the header');
    await expect(readCsv("a,b\n1,2\n", { target: 2 })).rejects.toThrow("target column index 2 is out of range");
  });

  it("reads a file without a label column (an autoencoder's data), as bytes or floats", async () => {
    const { dataset } = await readCsv("p0,p1\n0,255\n7,8\n", { label: null });
    expect([dataset.pixels, dataset.labels.length, dataset.features, dataset.classes]).toEqual([
      new Uint8Array([0, 255, 7, 8]),
      0,
      2,
      0,
    ]);
    const floats = await readCsv("0.5,-1\n", { label: null, values: "f32" });
    expect(floats.dataset.inputs).toEqual(new Float32Array([0.5, -1]));
  });

  it("says how many classes it found and where the largest label first appears", async () => {
    const inferred = await readCsv("label,p0\r\n3,0\n\n10,1\r10,2\n0,0\n");
    expect(inferred.dataset.classes).toBe(11);
    expect(inferred.largestLabel).toEqual({ label: 10, line: 4 });
    expect(describeClasses(inferred)).toBe("11 classes (labels 0–10); label 10 first at line 4");
    const given = await readCsv("label,p0\n3,0\n7,1\n", { classes: 10 });
    expect(describeClasses(given)).toBe("10 classes (labels 0–9); the largest in the file, 7, first at line 3");
  });

  it("reads another delimiter", async () => {
    const { dataset } = await readCsv("label;p0\n3;200\n", { delimiter: ";" });
    expect([dataset.labels[0], dataset.pixels[0]]).toEqual([3, 200]);
  });
});

describe("readCsv: bad input, with exact messages naming file, line and column", () => {
  const cases: [string, string, object, ReturnType<typeof failure>][] = [
    [
      "a ragged row",
      "label,p0,p1\n1,2,3\n4,5\n",
      {},
      failure("t.csv", "t.csv, line 3: 2 fields, expected 3 (as in the header)", 3),
    ],
    [
      "a ragged row without header",
      "1,2,3\n4,5,6,7\n",
      {},
      failure("t.csv", "t.csv, line 2: 4 fields, expected 3 (as in the first row)", 2),
    ],
    [
      "a non-numeric pixel",
      "label,p0,p1\n1,2,3\n4,x7,5\n",
      {},
      failure("t.csv", 't.csv, line 3, column 2 (p0): "x7" is not a number', 3, 2),
    ],
    ["an empty pixel", "label,p0,p1\n1,,3\n", {}, failure("t.csv", "t.csv, line 2, column 2 (p0): empty field", 2, 2)],
    [
      "a non-numeric label",
      "label,p0\nseven,3\n",
      {},
      failure("t.csv", 't.csv, line 2, column 1 (label): "seven" is not a number', 2, 1),
    ],
    [
      "a label out of range",
      "label,p0\n3,0\n10,0\n",
      { classes: 10 },
      failure("t.csv", "t.csv, line 3, column 1 (label): label 10 is out of range 0–9 (classes: 10)", 3, 1),
    ],
    [
      "a label above 255",
      "p0,label\n0,300\n",
      { label: "label" },
      failure("t.csv", "t.csv, line 2, column 2 (label): label 300 is out of range 0–255", 2, 2),
    ],
    [
      "a negative label",
      "label,p0\n-1,0\n",
      {},
      failure("t.csv", "t.csv, line 2, column 1 (label): label -1 is out of range 0–255", 2, 1),
    ],
    [
      "a label that is not an integer",
      "label,p0\n3.5,0\n",
      {},
      failure("t.csv", "t.csv, line 2, column 1 (label): label 3.5 is not an integer", 2, 1),
    ],
    [
      "a pixel above 255",
      "label,p0,p1\n1,2,256\n",
      {},
      failure(
        "t.csv",
        't.csv, line 2, column 3 (p1): value 256 is outside 0–255 (u8 data; read with values: "f32" for other numbers)',
        2,
        3,
      ),
    ],
    [
      "a negative pixel",
      "1,-1\n",
      {},
      failure(
        "t.csv",
        't.csv, line 1, column 2: value -1 is outside 0–255 (u8 data; read with values: "f32" for other numbers)',
        1,
        2,
      ),
    ],
    [
      "a fractional pixel",
      "label,p0\n1,12.5\n",
      {},
      failure(
        "t.csv",
        't.csv, line 2, column 2 (p0): value 12.5 is not an integer (u8 data; read with values: "f32" for other numbers)',
        2,
        2,
      ),
    ],
    [
      "an infinite f32 value",
      "label,x\n1,Infinity\n",
      { values: "f32" },
      failure("t.csv", "t.csv, line 2, column 2 (x): Infinity is not a finite number", 2, 2),
    ],
    ["an empty file", "", {}, failure("t.csv", "t.csv: the file is empty")],
    ["a file of blank lines", "\n\r\n\n", {}, failure("t.csv", "t.csv: the file is empty")],
    ["a header only", "label,pixel0\n", {}, failure("t.csv", "t.csv: no data rows after the header on line 1", 1)],
    [
      "a header only, after a BOM, CRLF",
      "\ufefflabel,pixel0\r\n\r\n",
      {},
      failure("t.csv", "t.csv: no data rows after the header on line 1", 1),
    ],
    [
      "an unknown column name",
      "label,pixel0,pixel1,pixel2,pixel3\n1,2,3,4,5\n",
      { label: "digit" },
      failure(
        "t.csv",
        't.csv, line 1: no column named "digit" in the header; its 5 columns are label, pixel0, pixel1, …, pixel3',
        1,
      ),
    ],
    [
      "a column name without a header",
      "1,2\n",
      { label: "label" },
      failure(
        "t.csv",
        't.csv: the label column "label" is given by name, but the file has no header (line 1 is numbers)',
        1,
      ),
    ],
    [
      "a label index past the row",
      "label,p0\n1,2\n",
      { label: 2 },
      failure("t.csv", "t.csv, line 1: label column index 2 is out of range: rows have 2 fields (indices 0 … 1)", 1),
    ],
    [
      "a single column",
      "label\n1\n",
      {},
      failure("t.csv", "t.csv, line 1: rows have a single field: there is a label but no feature column", 1),
    ],
    [
      "a malformed quote",
      'label,p0,p1\n1,"2"x,3\n',
      {},
      failure("t.csv", "t.csv, line 2: trailing quote on quoted field is malformed", 2),
    ],
    [
      "a bad line after a quoted field holding a line break",
      'label,p0\n"1","2\n"\n3,x\n',
      {},
      failure("t.csv", 't.csv, line 4, column 2 (p0): "x" is not a number', 4, 2),
    ],
    [
      "a bad line after CRLF lines",
      "label,p0\r\n1,2\r\n3,4\r\n5,x\r\n",
      {},
      failure("t.csv", 't.csv, line 4, column 2 (p0): "x" is not a number', 4, 2),
    ],
  ];
  for (const [what, text, options, expected] of cases) {
    it(`rejects ${what}`, async () => {
      const error = await readCsv(text, { file: "t.csv", ...options }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataError);
      expect(error).toMatchObject(expected);
    });
  }

  it("skips bad rows when asked, counting them all and keeping the first five reasons", async () => {
    const bad = ["1,x", "2,300", "11,0", "1", "1,2,3", "1,-4", "1,5.5"];
    const text = `label,p0\n0,9\n${bad.join("\n")}\n7,8\n`;
    const { dataset, skippedRows, skipReasons } = await readCsv(text, { file: "t.csv", onBadRow: "skip", classes: 10 });
    expect(Array.from(dataset.labels)).toEqual([0, 7]);
    expect(Array.from(dataset.pixels)).toEqual([9, 8]);
    expect(skippedRows).toBe(7);
    expect(skipReasons).toEqual([
      't.csv, line 3, column 2 (p0): "x" is not a number',
      't.csv, line 4, column 2 (p0): value 300 is outside 0–255 (u8 data; read with values: "f32" for other numbers)',
      "t.csv, line 5, column 1 (label): label 11 is out of range 0–9 (classes: 10)",
      "t.csv, line 6: 1 field, expected 2 (as in the header)",
      "t.csv, line 7: 3 fields, expected 2 (as in the header)",
    ]);
  });

  it("fails when every row is bad, even when skipping", async () => {
    await expect(readCsv("label,p0\n1,x\n2,y\n", { file: "t.csv", onBadRow: "skip" })).rejects.toMatchObject(
      failure("t.csv", 't.csv: all 2 data rows are bad; the first: t.csv, line 2, column 2 (p0): "x" is not a number'),
    );
  });
});

describe("CSV sources: File/Blob, path, Node stream", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "optimlab-csv-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a File (as a browser's file input gives it) and names it in errors", async () => {
    const file = new File([`\ufeff${KAGGLE}`], "digits.csv");
    const { dataset } = await readCsv(file);
    expect(dataset.source).toBe("digits.csv");
    expect(Array.from(dataset.labels)).toEqual([5, 0, 9]);
    const bad = new File(["label,p0\n1,2\n3,-\n"], "bad.csv");
    await expect(readCsv(bad)).rejects.toMatchObject(
      failure("bad.csv", 'bad.csv, line 3, column 2 (p0): "-" is not a number', 3, 2),
    );
  });

  it("decodes UTF-8 split across byte chunks", async () => {
    const bytes = new TextEncoder().encode("é,label\n1,2\n");
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    const { columns, dataset } = await readCsv(stream, { label: "label" });
    expect(columns).toEqual(["é", "label"]);
    expect(dataset.pixels[0]).toBe(1);
  });

  it("reads a path, naming it in errors; a missing file is a DataError", async () => {
    const path = join(dir, "train.csv");
    await writeFile(path, KAGGLE.replaceAll("\n", "\r\n"));
    const { dataset } = await readCsvFile(path);
    expect(dataset.source).toBe(path);
    expect(Array.from(dataset.pixels)).toEqual([0, 128, 255, 3, 2, 1, 10, 20, 30]);
    const badPath = join(dir, "bad.csv");
    await writeFile(badPath, "label,pixel0\n1,2\n1,2,3\n");
    await expect(readCsvFile(badPath)).rejects.toMatchObject(
      failure(badPath, `${badPath}, line 3: 3 fields, expected 2 (as in the header)`, 3),
    );
    const missing = join(dir, "missing.csv");
    await expect(readCsvFile(missing)).rejects.toMatchObject({ name: "DataError", file: missing });
  });

  it("reads a Node stream of bytes (here through gzip)", async () => {
    const stream = Readable.from([Buffer.from(KAGGLE)])
      .pipe(createGzip())
      .pipe(createGunzip());
    const { dataset } = await readCsvStream(stream, { file: "train.csv.gz" });
    expect(dataset.source).toBe("train.csv.gz");
    expect(Array.from(dataset.labels)).toEqual([5, 0, 9]);
  });
});

describe("toCsv and normalize", () => {
  it("writes Kaggle's layout and reads back the same f32 values", async () => {
    const dataset = {
      pixels: new Uint8Array(0),
      inputs: new Float32Array([0.1, -2.5, 1e-7, 3]),
      labels: new Uint8Array([1, 2]),
      count: 2,
      features: 2,
      classes: 3,
    };
    const text = toCsv(dataset);
    expect(text.split("\n")[0]).toBe("label,pixel0,pixel1");
    const back = await readCsv(text, { values: "f32", classes: 3 });
    expect(back.dataset.inputs).toEqual(dataset.inputs);
    expect(back.dataset.labels).toEqual(dataset.labels);
    // Regression data: no label column, the target last.
    const regression = { ...dataset, labels: new Uint8Array(0), targets: new Float32Array([0.5, -1]), classes: 0 };
    const written = toCsv(regression);
    expect(written.split("\n")[0]).toBe("pixel0,pixel1,target");
    expect((await readCsv(written, { target: "target" })).dataset).toMatchObject({
      inputs: regression.inputs,
      targets: regression.targets,
    });
  });

  it("divides by 255 by default, by 256 when asked", () => {
    const pixels = new Uint8Array([0, 51, 128, 255]);
    expect(Array.from(normalize(pixels))).toEqual([0, Math.fround(0.2), Math.fround(128 / 255), 1]);
    expect(Array.from(normalize(pixels, { divisor: 256 }))).toEqual([
      0,
      Math.fround(51 / 256),
      0.5,
      Math.fround(255 / 256),
    ]);
    expect(() => normalize(pixels, { divisor: 0 })).toThrow("divisor must be a positive number, got 0");
  });
});

describe("readCsv: a size hint that is too small", () => {
  it("still reads every row (the reserved buffers give way to copying)", async () => {
    const text = KAGGLE.repeat(50).replaceAll("label,pixel0,pixel1,pixel2\n", "").replace(/^/, "label,p0,p1,p2\n");
    const exact = await readCsv(text);
    expect(exact.dataset.count).toBe(150);
    for (const sizeHint of [1, 20, 200]) {
      expect((await readCsv(text, { sizeHint, chunkSize: 64 })).dataset).toEqual(exact.dataset);
    }
  });
});
