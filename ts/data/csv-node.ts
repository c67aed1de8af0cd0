// Node's CSV sources: a file path or a Readable, fed to the browser-safe core as UTF-8 text chunks.
// The file's size sizes the buffers up front; an error stops the read and closes the file.
import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import type { Dataset } from "../types.js";
import {
  parseCsvChunks,
  toCsvChunks,
  type CsvOptions,
  type CsvResult,
  type CsvWriteOptions,
  type FloatDataset,
} from "./csv.js";
import { DataError } from "./errors.js";

const READ_CHUNK = 1 << 18;

/** Reads a CSV file (see readCsv for the format and options); `file` defaults to the path. */
export async function readCsvFile(
  path: string,
  options: CsvOptions & { values: "f32" },
): Promise<CsvResult<FloatDataset>>;
export async function readCsvFile(path: string, options?: CsvOptions): Promise<CsvResult<Dataset>>;
export async function readCsvFile(path: string, options: CsvOptions = {}): Promise<CsvResult<Dataset>> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (cause) {
    throw new DataError(`${path}: cannot read (${(cause as Error).message})`, { file: path });
  }
  const stream = createReadStream(path, { encoding: "utf8", highWaterMark: READ_CHUNK });
  return parseCsvChunks(stream as AsyncIterable<string>, { file: path, sizeHint: size, ...options });
}

/** Reads CSV from a Node Readable of bytes or text (a socket, process.stdin, a gunzip pipe). */
export async function readCsvStream(
  stream: Readable,
  options: CsvOptions & { values: "f32" },
): Promise<CsvResult<FloatDataset>>;
export async function readCsvStream(stream: Readable, options?: CsvOptions): Promise<CsvResult<Dataset>>;
export async function readCsvStream(stream: Readable, options: CsvOptions = {}): Promise<CsvResult<Dataset>> {
  if (!stream.readableEncoding) stream.setEncoding("utf8"); // decodes characters split across chunks
  try {
    return await parseCsvChunks(stream as AsyncIterable<string>, { file: "<stream>", ...options });
  } finally {
    stream.destroy();
  }
}

/** Writes the dataset as CSV (Kaggle's MNIST layout; see toCsvChunks), streaming, with backpressure. */
export async function writeCsvFile(path: string, dataset: Dataset, options: CsvWriteOptions = {}): Promise<void> {
  const out = createWriteStream(path);
  for (const chunk of toCsvChunks(dataset, options)) {
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  out.end();
  await finished(out);
}
