// Entry of the worker thread in which the CLI reads and splits a CSV or IDX file (see readSplitInWorker in data.ts):
// the parser's strings and rows and the reader's own buffers live and die in this thread's heap; only the split rows,
// in SharedArrayBuffers, go back to the CLI's thread.
import { parentPort, workerData } from "node:worker_threads";
import { describeClasses } from "../data/csv.js";
import { readCsvFile } from "../data/csv-node.js";
import { DataError } from "../data/errors.js";
import { readIdxFiles } from "../data/idx-node.js";
import { splitDataset } from "../data/split.js";
import type { Dataset } from "../types.js";
import type { ReadRequest, ReadWorkerMessage } from "./read-protocol.js";

const request = workerData as ReadRequest;
const post = (message: ReadWorkerMessage) => parentPort!.postMessage(message);

try {
  let dataset: Dataset;
  let classesText: string | undefined;
  let skipped = { rows: 0, reasons: [] as string[] };
  if (request.csv) {
    const { path, ...options } = request.csv;
    const result = await readCsvFile(path, { ...options, onProgress: (progress) => post({ progress }) });
    dataset = result.dataset;
    classesText = describeClasses(result);
    skipped = { rows: result.skippedRows, reasons: result.skipReasons };
  } else {
    const { images, labels, classes } = request.idx!;
    dataset = await readIdxFiles(images, labels, classes === undefined ? {} : { classes });
  }
  // Shared memory: the CLI's thread and its training workers read these rows without another copy.
  const data = splitDataset(dataset, { ...request.split, shared: true });
  post({ done: { data, source: dataset.source, classesText, skipped } });
} catch (thrown) {
  const error = thrown as Error;
  const where = error instanceof DataError ? { file: error.file, line: error.line, column: error.column } : {};
  post({ error: { name: error.name, message: error.message, ...where } });
}
