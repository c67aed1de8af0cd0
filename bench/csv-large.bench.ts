// A 1 GB CSV streamed through readCsvFile, memory bounded by the decoded buffers plus a constant. The file (Kaggle's
// MNIST layout, rows cycled from the embedded sample's digits) is generated on the fly into a temporary directory and
// deleted afterwards. The read runs in a fresh Node process so that its peak RSS (getrusage's maxrss) is the reader's
// alone; its progress bar shows on the terminal (stderr), as `optimlab compare --csv` shows it.
// Prints the file size, the time, the decoded size, the peak RSS above the process's baseline, and that excess
// minus the decoded size: the constant the reader needs on top of the rows it holds.
// Run after `bash scripts/build.sh`: npx tsx bench/run.ts csv-1gb   or   npx tsx bench/csv-large.bench.ts [MB]
import { execFile } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { finished } from "node:stream/promises";
import { loadMnistSampleDataset } from "../dist/data/index.js";

const MB = 1024 * 1024;

export interface LargeCsvResult {
  fileMB: number;
  rows: number;
  seconds: number;
  decodedMB: number;
  baselineMB: number;
  peakRssMB: number;
  /** Peak RSS above the baseline, minus the decoded buffers. */
  constantMB: number;
}

/** Writes Kaggle-format rows cycled from the embedded sample until the file holds `bytes`; returns the rows written. */
async function writeLargeCsv(path: string, bytes: number): Promise<number> {
  const sample = await loadMnistSampleDataset();
  const lines = Array.from({ length: sample.count }, (_, row) => {
    const pixels = sample.pixels.subarray(row * sample.features, (row + 1) * sample.features);
    return `${sample.labels[row]},${pixels.join(",")}\n`;
  });
  const out = createWriteStream(path);
  let header = `label,${Array.from({ length: sample.features }, (_, i) => `pixel${i}`).join(",")}\n`;
  let written = 0;
  let rows = 0;
  while (written < bytes) {
    let block = header;
    header = "";
    for (let i = 0; i < 512 && written + block.length < bytes; i++) block += lines[rows++ % lines.length];
    written += block.length;
    if (!out.write(block)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  out.end();
  await finished(out);
  return rows;
}

/** The read, alone in a fresh process: baseline RSS after loading the reader, peak RSS, time, decoded bytes. */
const CHILD = `
const { readCsvFile } = await import(process.env.OPTIMLAB_DATA);
const { readReporter } = await import(process.env.OPTIMLAB_PROGRESS);
const path = process.env.OPTIMLAB_CSV;
const baseline = process.memoryUsage().rss;
const progress = readReporter(path, process.stderr, { quiet: false });
const started = performance.now();
const { dataset } = await readCsvFile(path, { onProgress: (update) => progress.update(update) });
const seconds = (performance.now() - started) / 1000;
progress.finish();
const peak = process.resourceUsage().maxRSS * 1024;
const decoded = dataset.pixels.byteLength + dataset.labels.byteLength;
console.log(JSON.stringify({ baseline, peak, seconds, rows: dataset.count, decoded }));
`;

function readInChild(
  path: string,
): Promise<{ baseline: number; peak: number; seconds: number; rows: number; decoded: number }> {
  const dist = new URL("../dist/", import.meta.url);
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ["--input-type=module", "-e", CHILD],
      {
        env: {
          ...process.env,
          OPTIMLAB_CSV: path,
          OPTIMLAB_DATA: new URL("data/node.js", dist).href,
          OPTIMLAB_PROGRESS: new URL("cli/progress.js", dist).href,
        },
        maxBuffer: 1 << 20,
      },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout))),
    );
    child.stderr?.pipe(process.stderr);
  });
}

export async function run(megabytes = 1024): Promise<LargeCsvResult> {
  const dir = await mkdtemp(join(tmpdir(), "optimlab-csv-1gb-"));
  try {
    const path = join(dir, "large.csv");
    const generated = performance.now();
    const written = await writeLargeCsv(path, megabytes * MB);
    const fileMB = (await stat(path)).size / MB;
    console.log(
      `csv-1gb: wrote ${written.toLocaleString("en-US")} rows, ${fileMB.toFixed(0)} MB in ${((performance.now() - generated) / 1000).toFixed(1)} s`,
    );
    const read = await readInChild(path);
    if (read.rows !== written) throw new Error(`read ${read.rows} rows, wrote ${written}`);
    const result: LargeCsvResult = {
      fileMB,
      rows: read.rows,
      seconds: read.seconds,
      decodedMB: read.decoded / MB,
      baselineMB: read.baseline / MB,
      peakRssMB: read.peak / MB,
      constantMB: (read.peak - read.baseline - read.decoded) / MB,
    };
    const f = (value: number, digits = 0) => value.toFixed(digits);
    console.log(
      `csv-1gb: read ${result.rows.toLocaleString("en-US")} rows (${f(fileMB)} MB) in ${f(result.seconds, 1)} s (${f(fileMB / result.seconds)} MB/s)`,
    );
    console.log(
      `csv-1gb: decoded buffers ${f(result.decodedMB)} MB; peak rss ${f(result.peakRssMB)} MB = baseline ${f(result.baselineMB)} MB + decoded ${f(result.decodedMB)} MB + ${f(result.constantMB)} MB`,
    );
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  await run(Number(process.argv[2] ?? 1024));
